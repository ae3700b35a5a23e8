package help_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/jobs/jobstest"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// The hourly job, run at start by River, expires a post whose time is up
// and tells the author of a post that ends soon, in their language, with a
// link to renew it.
func TestExpiryJob(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	a := f.user(t, ctx, "Léa", nantes)
	old, err := f.svc.Create(ctx, a, draft("Vieille annonce", "Une annonce dont le temps est passé depuis hier."))
	if err != nil {
		t.Fatal(err)
	}
	soon, err := f.svc.Create(ctx, a, draft("Annonce bientôt finie", "Une annonce qui se termine dans deux jours."))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE posts SET expires_at = now() - interval '1 day' WHERE id = $1`, old.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE posts SET expires_at = now() + interval '2 days' WHERE id = $1`, soon.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}

	bg := context.Background()
	outbox, err := mail.NewOutbox(t.TempDir(), testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ws := jobs.NewWorkers(f.env.Registry, testutil.Logger())
	mail.Register(ws, outbox, "entraide@localhost", testutil.Logger())
	help.RegisterJobs(ws, f.svc, help.Notices{Messages: messages,
		PortalURL: func(t *tenant.Tenant) string { return "https://" + t.Hosts[0] + "/" }}, testutil.Logger())
	jobstest.Start(t, f.env, ws)

	deadline := time.Now().Add(20 * time.Second)
	for {
		entries, err := outbox.List(bg, "libre", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) == 1 {
			msg, err := outbox.Read(bg, "libre", entries[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(msg.Text, "Annonce bientôt finie") || !strings.Contains(msg.Text, "https://libre.localhost/annonces/") {
				t.Fatalf("expiry notice:\n%s", msg.Text)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no expiry notice after 20 s (%d messages)", len(entries))
		}
		time.Sleep(100 * time.Millisecond)
	}
	got, err := f.svc.Get(ctx, old.ID, a)
	if err != nil || got.Status != help.StatusExpired {
		t.Fatalf("old post = %s, %v", got.Status, err)
	}
	// The other portal's posts are its own business: it got no email.
	if entries, _ := outbox.List(bg, "relu", 10); len(entries) != 0 {
		t.Fatalf("relu got %d messages", len(entries))
	}
}
