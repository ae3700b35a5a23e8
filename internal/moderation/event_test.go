package moderation_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/moderation"
	"github.com/jackc/pgx/v5"
)

// An event a resident proposed waits for the référent of its place or
// theme; approving it puts it in the calendar and tells its author.
func TestProposedEvent(t *testing.T) {
	f := newFixture(t)
	// Written with SQL as the calendar service writes a resident's event
	// (its own tests cover how): waiting, in Saint-Nazaire (CARENE), theme
	// "ecoute".
	var id int64
	err := f.env.DB.Tx(f.alpha, func(tx pgx.Tx) error {
		return tx.QueryRow(f.alpha, `INSERT INTO events (category_code, title, description, commune_code, epci_code,
       starts_at, ends_at, visibility, author_id)
VALUES ('ecoute', 'Café des voisins', 'Un café pour se rencontrer entre voisins, le samedi matin.', $1, $2,
        now() + interval '7 days', now() + interval '7 days 2 hours', 'en_attente', $3) RETURNING id`,
			saintNazaire, carene, author).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who  int64
		sees bool
	}{{admin, true}, {thematique, true}, {territoire, false}} {
		if got := f.queueIDs(t, f.alpha, tc.who, moderation.KindEvent); slices.Contains(got, id) != tc.sees {
			t.Errorf("queue of %d: %v", tc.who, got)
		}
	}
	if e := f.queueEntry(t, f.alpha, admin, moderation.KindEvent, id); e.Title != "Café des voisins" ||
		e.Excerpt != "Un café pour se rencontrer entre voisins, le samedi matin." || e.Reports != 0 {
		t.Errorf("queue entry %+v", e)
	}
	err = f.mod.Decide(f.alpha, territoire, moderation.Decision{Kind: moderation.KindEvent, ID: id, Action: moderation.Approve}, base)
	if !errors.Is(err, moderation.ErrForbidden) {
		t.Fatalf("approval out of scope: %v", err)
	}
	it, err := f.mod.Get(f.alpha, thematique, moderation.KindEvent, id)
	if err != nil || it.Title != "Café des voisins" || !slices.Equal(it.Why, []string{moderation.WhyPending}) {
		t.Fatalf("item %+v, %v", it, err)
	}
	f.decide(t, thematique, moderation.Decision{Kind: moderation.KindEvent, ID: id, Action: moderation.Approve})
	var visibility string
	err = f.env.DB.ReadTx(f.alpha, func(tx pgx.Tx) error {
		return tx.QueryRow(f.alpha, `SELECT visibility FROM events WHERE id = $1`, id).Scan(&visibility)
	})
	if err != nil || visibility != "visible" {
		t.Fatalf("approved event: %s, %v", visibility, err)
	}
	if got := f.queueIDs(t, f.alpha, admin, moderation.KindEvent); len(got) != 0 {
		t.Errorf("still waiting: %v", got)
	}
	mails := f.inbox(t, "alpha")[emailOf(author)]
	if len(mails) != 1 || !strings.Contains(mails[0].Subject, "agenda") || !strings.Contains(mails[0].Text, "/agenda/") {
		t.Errorf("author's email: %+v", mails)
	}
	rows := f.logRows(t, f.alpha, admin)
	if e := rows[len(rows)-1]; e.TargetKind != "event" || e.Action != moderation.Approve || e.Waited == nil {
		t.Errorf("log row %+v", e)
	}
}
