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
// portal has not changed (people.go). These steps check that what a page
// shows of its person is always the row as it stands after the portal's
// last announced write, on each portal for itself, even where the two
// portals' people share an id.
func TestSignedInPersonIsReadAgainAfterEveryWrite(t *testing.T) {
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
	// rename changes the row as a write of the portal does: AfterWrite
	// gives the portal a new version.
	rename := func(slug string, id int64, name string) {
		t.Helper()
		ctx := f.env.Ctx(t, slug)
		if err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET display_name = $1 WHERE id = $2`, name, id)
			return err
		}); err != nil {
			t.Fatal(err)
		}
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
		// ... until the portal's next write, whatever it writes.
		{"another write on alpha", func() {
			if err := f.deps.Pages.Changed(context.Background(), "alpha"); err != nil {
				t.Fatal(err)
			}
		}, "Léa Dubois", "Paul Petit", "Léa Bernard"},
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
