package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/pagecache"
	"github.com/entraide/entraide/internal/web"
	"github.com/jackc/pgx/v5"
)

// A signed-in person's row is remembered between requests while their
// portal's people have not changed (people.go). These steps check that
// what a page shows of its person is always the row as it stands after
// the last announced write to the portal's people, on each portal for
// itself, even where the two portals' people share an id; and that a
// write to anything else (a post) does not have it read again.
func TestSignedInPersonIsReadAgainAfterEveryWriteToPeople(t *testing.T) {
	f := newFixture(t, nil)
	alphaID, alphaToken, betaToken := f.sameIDResidents(t)
	betaID := alphaID // the same id, in beta's schema
	account := func(slug, token string) string {
		t.Helper()
		w := f.do(t, req{host: slug + ".localhost", path: "/compte",
			header: map[string]string{"Cookie": "entraide_session=" + token}})
		if w.Code != http.StatusOK {
			t.Fatalf("/compte on %s: %d", slug, w.Code)
		}
		return w.Body.String()
	}
	// write runs sql as a write of the portal does: AfterWrite gives the
	// portal a new version, and its people one when sql changed a row of
	// users.
	write := func(slug, sql string, args ...any) {
		t.Helper()
		ctx := f.env.Ctx(t, slug)
		if err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql, args...)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	rename := func(slug string, id int64, name string) {
		t.Helper()
		write(slug, `UPDATE users SET display_name = $1 WHERE id = $2`, name, id)
	}
	// renameUnannounced changes the row as another program would (the
	// command line), which no AfterWrite tells.
	renameUnannounced := func(slug string, id int64, name string) {
		t.Helper()
		if _, err := f.env.DB.Pool().Exec(context.Background(),
			`UPDATE tenant_`+slug+`.users SET display_name = $1 WHERE id = $2`, name, id); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name     string
		change   func()
		alpha    string // what alpha's page shows
		beta     string
		notAlpha string // and must not show
	}{
		{"first visit", func() {}, "Léa Martin", "Paul Durand", "Paul Durand"},
		{"again", func() {}, "Léa Martin", "Paul Durand", "Paul Durand"},
		{"renamed on alpha", func() { rename("alpha", alphaID, "Léa Bernard") }, "Léa Bernard", "Paul Durand", "Léa Martin"},
		{"renamed on beta", func() { rename("beta", betaID, "Paul Petit") }, "Léa Bernard", "Paul Petit", "Paul"},
		// Remembered: a change nobody announced is not seen yet ...
		{"renamed unannounced", func() { renameUnannounced("alpha", alphaID, "Léa Dubois") }, "Léa Bernard", "Paul Petit", "Léa Dubois"},
		// A write to something else, on a portal with many, does not
		// have every signed-in person read again ...
		{"a post written on alpha", func() {
			write("alpha", `INSERT INTO posts (kind, category_code, title, description, commune_code, epci_code, modes, when_kind, author_id, expires_at)
				VALUES ('demande', 'courses', 'Courses du samedi', 'Qui pourrait passer au marché pour moi ?', '44109', '244400404', '{sur_place}', 'souple', $1, now() + interval '30 days')`, alphaID)
		}, "Léa Bernard", "Paul Petit", "Léa Dubois"},
		{"the page version changed", func() {
			if err := f.deps.Pages.Changed(context.Background(), "alpha"); err != nil {
				t.Fatal(err)
			}
		}, "Léa Bernard", "Paul Petit", "Léa Dubois"},
		// ... but the portal's next write to its people does: the row is
		// read again, with what nobody announced.
		{"a write to alpha's people", func() {
			write("alpha", `UPDATE users SET updated_at = now() WHERE id = $1`, alphaID)
		}, "Léa Dubois", "Paul Petit", "Léa Bernard"},
		{"a statement on alpha's people that changes no row", func() {
			renameUnannounced("alpha", alphaID, "Léa Moreau")
			write("alpha", `UPDATE users SET display_name = 'personne' WHERE id = -1`)
		}, "Léa Dubois", "Paul Petit", "Léa Moreau"},
	}
	for _, st := range steps {
		st.change()
		a, b := account("alpha", alphaToken), account("beta", betaToken)
		if !strings.Contains(a, st.alpha) || strings.Contains(a, st.notAlpha) {
			t.Errorf("%s: alpha's page should show %q and not %q", st.name, st.alpha, st.notAlpha)
		}
		if !strings.Contains(b, st.beta) {
			t.Errorf("%s: beta's page should show %q", st.name, st.beta)
		}
	}

	// Signed out elsewhere: the next request opens nothing, though the
	// person's row is remembered.
	if err := f.deps.Sessions.EndToken(f.env.Ctx(t, "alpha"), alphaID, alphaToken); err != nil {
		t.Fatal(err)
	}
	w := f.do(t, req{host: "alpha.localhost", path: "/compte", header: map[string]string{"Cookie": "entraide_session=" + alphaToken}})
	if w.Code == http.StatusOK {
		t.Error("an ended session still opens the account page")
	}
}

// A change no write announced is seen once the page cache's lifetime has
// passed, which bounds how long a remembered row is given.
func TestRememberedPersonLastsThePageLifetime(t *testing.T) {
	const ttl = 300 * time.Millisecond
	f := newFixture(t, func(d *web.Deps) {
		// Same store, so the same versions as the writes announce.
		d.Pages = pagecache.New(d.KV, pagecache.Options{TTL: ttl, MaxBytes: 1 << 20})
	})
	id, token := f.resident(t, "alpha", "Léa Martin")
	get := func() string {
		return f.do(t, req{host: "alpha.localhost", path: "/compte",
			header: map[string]string{"Cookie": "entraide_session=" + token}}).Body.String()
	}
	if !strings.Contains(get(), "Léa Martin") {
		t.Fatal("first page does not show the person")
	}
	if _, err := f.env.DB.Pool().Exec(context.Background(),
		`UPDATE tenant_alpha.users SET display_name = 'Léa Dubois' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	time.Sleep(ttl + 50*time.Millisecond)
	if page := get(); !strings.Contains(page, "Léa Dubois") {
		t.Error("a remembered row outlived the page cache's lifetime")
	}
}

// Where the rate limit counts in another store than the one holding
// sessions and page versions, it cannot read them with its count: each is
// read where it lives, and the person is signed in and current.
func TestCountInAnotherStoreReadsSessionsWhereTheyAre(t *testing.T) {
	f := newFixture(t, func(d *web.Deps) { d.KV = kv.NewMemory() })
	id, token := f.resident(t, "alpha", "Léa Martin")
	get := func() string {
		w := f.do(t, req{host: "alpha.localhost", path: "/compte",
			header: map[string]string{"Cookie": "entraide_session=" + token}})
		if w.Code != http.StatusOK {
			t.Fatalf("/compte: %d", w.Code)
		}
		return w.Body.String()
	}
	if !strings.Contains(get(), "Léa Martin") {
		t.Fatal("the person is not shown")
	}
	ctx := f.env.Ctx(t, "alpha")
	if err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET display_name = 'Léa Bernard' WHERE id = $1`, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(get(), "Léa Bernard") {
		t.Error("a renamed person is shown with their old name")
	}
}
