package moderation_test

import (
	"testing"

	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
)

// TestQueueStatementKeptPerConnection: the queue's query is kept prepared
// on each connection (db.DB.KeepPrepared). On a pool of one connection,
// alpha's and beta's queues alternate, more times than PostgreSQL needs to
// settle on a kept plan, and each must show its own portal's item (with
// the same id on both), never the other's.
func TestQueueStatementKeptPerConnection(t *testing.T) {
	f := newFixture(t)
	p := f.post(t, f.alpha, "Courses à Nantes", nantes, "courses")
	q, err := f.help.Create(f.beta, author, help.Draft{Kind: help.KindOffer, Category: "courses", Title: "Courses partagées",
		Description: "Je fais les courses, écrivez-moi sur WhatsApp pour en parler.", CommuneCode: nantes,
		Modes: []string{"sur_place"}, WhenKind: "souple"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != q.ID {
		t.Fatalf("the test needs the same id on both portals, got %d and %d", p.ID, q.ID)
	}
	single := testutil.Open(t, f.env.URL, 1)
	single.SetServable([]tenant.Slug{"alpha", "beta"})
	mod := moderation.New(moderation.Deps{DB: single, Authz: f.authz, Logger: testutil.Logger()})
	for i := range 8 {
		got, _, err := mod.Queue(f.alpha, admin, moderation.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Title != "Courses à Nantes" {
			t.Fatalf("round %d: alpha's queue = %+v", i, got)
		}
		got, _, err = mod.Queue(f.beta, territoire, moderation.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Title != "Courses partagées" {
			t.Fatalf("round %d: beta's queue = %+v", i, got)
		}
	}
}
