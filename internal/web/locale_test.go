package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// The language a signed-in person picks with the switch is kept in their
// account: another browser (no cookie, another Accept-Language) shows
// their pages in it. Before any choice the account's language comes before
// Accept-Language.
func TestChosenLanguageFollowsTheAccount(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	ctx := f.env.Ctx(t, "alpha")
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, locale, email_confirmed_at)
VALUES ('lea@alpha.fr', 'lea@alpha.fr', 'Léa', 'x', '44109', '244400404', 'fr', now())`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := f.deps.Sessions.Create(ctx, 1, "test", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	get := func(path, acceptLanguage string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Host = "alpha.localhost"
		req.Header.Set("Accept-Language", acceptLanguage)
		req.AddCookie(&http.Cookie{Name: "entraide_session", Value: token})
		resp, err := (&http.Transport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Language") + " " + string(body)
	}
	stored := func() string {
		var l string
		if err := f.env.DB.ReadTx(ctx, func(tx pgx.Tx) error { return tx.QueryRow(ctx, `SELECT locale FROM users WHERE id = 1`).Scan(&l) }); err != nil {
			t.Fatal(err)
		}
		return l
	}

	if page := get("/compte", "en"); !strings.HasPrefix(page, "fr ") {
		t.Fatalf("account in French, browser in English: page in %.2s", page)
	}
	if page := get("/compte?lang=en", "fr"); !strings.HasPrefix(page, "en ") {
		t.Fatalf("switch to English: page in %.2s", page)
	}
	if got := stored(); got != "en" {
		t.Fatalf("users.locale = %q after choosing English", got)
	}
	// Another browser, no cookie, asking for French: the account says English.
	if page := get("/compte", "fr"); !strings.HasPrefix(page, "en ") {
		t.Fatalf("after choosing English, another browser gets %.2s", page)
	}
	// A language the portal does not speak changes nothing.
	get("/compte?lang=de", "fr")
	if got := stored(); got != "en" {
		t.Fatalf("users.locale = %q after ?lang=de", got)
	}
}

// The language switch keeps the page's query (filters of a list) and
// names each language in its own words.
func TestLanguageSwitchKeepsThePage(t *testing.T) {
	f := newFixture(t, nil)
	body := f.do(t, req{host: "alpha.localhost", path: "/annonces?type=demande&fait=publiee"}).Body.String()
	for _, want := range []string{
		`<a href="/annonces?lang=en&amp;type=demande" lang="en" hreflang="en">English</a>`,
		`<span aria-current="true" lang="fr">Français</span>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("list page lacks %s", want)
		}
	}
}
