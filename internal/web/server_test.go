package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/account/accounttest"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/conversation"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/news"
	"github.com/entraide/entraide/internal/pagecache"
	"github.com/entraide/entraide/internal/profile"
	"github.com/entraide/entraide/internal/referents"
	"github.com/entraide/entraide/internal/report"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/internal/theme"
	"github.com/entraide/entraide/internal/web"
	"github.com/jackc/pgx/v5"
)

type fixture struct {
	env    *testutil.Env
	server *web.Server
	deps   web.Deps
	outbox *mail.Outbox
}

// newFixture serves two portals, alpha and beta, with different themes,
// on a real database and a real Redis.
func newFixture(t *testing.T, tweak func(*web.Deps)) *fixture {
	t.Helper()
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	beta.Theme = "calvados"
	return newFixtureFor(t, tweak, alpha, beta)
}

// newFixtureFor serves the given portals.
func newFixtureFor(t *testing.T, tweak func(*web.Deps), portals ...*tenant.Tenant) *fixture {
	t.Helper()
	env := testutil.NewEnv(t, portals...)
	themes, err := theme.LoadDir("../../themes")
	if err != nil {
		t.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range portals { // their own words, as serve gives them
		if ps := messages.SetPortalWords(string(p.Slug), p.Words, p.Locales.Enabled); len(ps) > 0 {
			t.Fatal(ps)
		}
	}
	store := testutil.Redis(t)
	atlas, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	// Public pages are cached for visitors as serve caches them, so that
	// every test that writes and then looks as a visitor checks that the
	// cache forgot the old page.
	pages := pagecache.New(store, pagecache.Options{TTL: time.Minute, MaxBytes: 16 << 20})
	env.DB.AfterWrite(pagecache.PeopleTables, pages.OnWrite(testutil.Logger()))
	accounts, sessions, outbox := accounttest.New(t, env, store)
	az, err := authz.New(authz.Options{DB: env.DB, Logger: testutil.Logger(), EPCIOfCommune: atlas.EPCIOfCommune})
	if err != nil {
		t.Fatal(err)
	}
	deps := web.Deps{
		Log: testutil.Logger(), DB: env.DB, KV: store, Tenants: env.Registry,
		Themes: themes, Messages: messages, RateLimitPerMinute: 1000,
		Accounts: accounts, Sessions: sessions, Atlas: atlas, Authz: az,
		Conversations: conversation.New(env.DB, mail.Direct{Sender: outbox, From: "entraide@localhost"}, messages),
		Reports:       report.New(env.DB),
		Referents:     referents.New(env.DB, az),
		News:          news.New(env.DB, az, env.Registry.All()),
		Moderation: moderation.New(moderation.Deps{DB: env.DB, Authz: az, Messages: messages, Logger: testutil.Logger(),
			Mailer: mail.Direct{Sender: outbox, From: "entraide@localhost"}}),
		Help: help.New(help.Deps{DB: env.DB, Place: func(code string) (string, string, bool) {
			c, ok := atlas.Commune(code)
			return c.EPCI, c.Departement, ok
		}, Neighbours: atlas.Neighbours, Portals: env.Registry.All(),
			Mailer: mail.Direct{Sender: outbox, From: "entraide@localhost"}, Messages: messages}),
		Secret: []byte("test secret of at least thirty-two bytes"),
		Pages:  pages,
	}
	deps.Events = events.New(events.Deps{DB: env.DB, Portals: env.Registry.All(),
		Place: func(code string) (string, string, bool) {
			c, ok := atlas.Commune(code)
			return c.EPCI, c.Departement, ok
		},
		MayOrganise: func(ctx context.Context, userID int64, commune, category string) (bool, error) {
			return az.Can(ctx, userID, authz.ActOrganiseEvent, authz.Target{Commune: commune, Category: category})
		},
		Mailer: mail.Direct{Sender: outbox, From: "entraide@localhost"}, Messages: messages})
	deps.Forum = forum.New(forum.Deps{DB: env.DB, Portals: env.Registry.All(), Messages: messages,
		Mailer: mail.Direct{Sender: outbox, From: "entraide@localhost"}, Place: func(code string) (string, string, bool) {
			c, ok := atlas.Commune(code)
			return c.EPCI, c.Departement, ok
		}})
	deps.Profiles = profile.New(profile.Deps{DB: env.DB, Neighbours: atlas.Neighbours, Portals: env.Registry.All()})
	if tweak != nil {
		tweak(&deps)
	}
	s, err := web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{env: env, server: s, deps: deps, outbox: outbox}
}

type req struct {
	host, path, remote string
	header             map[string]string
}

func (f *fixture) do(t *testing.T, r req) *httptest.ResponseRecorder {
	t.Helper()
	if r.path == "" {
		r.path = "/"
	}
	hr := httptest.NewRequest(http.MethodGet, r.path, nil)
	hr.Host = r.host
	if r.remote != "" {
		hr.RemoteAddr = r.remote
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.server.Handler().ServeHTTP(w, hr)
	return w
}

func TestPortalFromHost(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		host       string
		status     int
		wantPortal string
	}{
		{"alpha.localhost", 200, "Portail alpha"},
		{"ALPHA.Localhost", 200, "Portail alpha"},
		{"alpha.localhost:8080", 200, "Portail alpha"},
		{"alpha.localhost.", 200, "Portail alpha"},
		{"www.beta.localhost", 200, "Portail beta"},
		{"beta.localhost:443", 200, "Portail beta"},
		{"gamma.localhost", 404, ""},
		{"evil-alpha.localhost", 404, ""},
		{"alpha.localhost.evil.example", 404, ""},
		{"127.0.0.1", 404, ""},
		{"", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			w := f.do(t, req{host: tc.host})
			body := w.Body.String()
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d", w.Code, tc.status)
			}
			if tc.wantPortal != "" && !strings.Contains(body, tc.wantPortal) {
				t.Fatalf("page does not name %q", tc.wantPortal)
			}
			if tc.status == 404 {
				// The unknown-host page must not tell a visitor which
				// portals this deployment serves.
				for _, leak := range []string{"alpha", "beta", "Portail", "theme/"} {
					if strings.Contains(body, leak) {
						t.Fatalf("404 page mentions %q:\n%s", leak, body)
					}
				}
				if !strings.Contains(body, "Page introuvable") {
					t.Fatalf("404 page has no plain message:\n%s", body)
				}
			}
		})
	}
}

// <epci-slug>.<portal host> opens the same portal filtered on that
// intercommunalité; anything else under the portal's host is unknown.
func TestTerritorySubdomain(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		host, want string
		status     int
	}{
		{"nantes-metropole.alpha.localhost", "Nantes Métropole", 200},
		{"Nantes-Metropole.ALPHA.localhost:8080", "Nantes Métropole", 200},
		{"nantes-metropole.www.beta.localhost", "Nantes Métropole", 200},
		{"alpha.localhost", "Portail alpha", 200},
		{"pas-une-epci.alpha.localhost", "", 404},
		// An EPCI of another département (Lozère) is not a territory of a
		// Loire-Atlantique portal.
		{"coeur-de-lozere.alpha.localhost", "", 404},
		{"nantes-metropole.gamma.localhost", "", 404},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			w := f.do(t, req{host: tc.host})
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Fatalf("status %d, want %d with %q", w.Code, tc.status, tc.want)
			}
			local := strings.Contains(w.Body.String(), `class="territory"`)
			if tc.status == 200 && local != strings.HasPrefix(strings.ToLower(tc.host), "nantes-metropole.") {
				t.Fatalf("territory banner shown = %v", local)
			}
		})
	}
}

// X-Forwarded-Host switches portals only when a trusted proxy sends it.
func TestForwardedHostOnlyFromTrustedProxies(t *testing.T) {
	f := newFixture(t, func(d *web.Deps) {
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	tests := []struct {
		name, remote, forwarded string
		status                  int
		want                    string
	}{
		{"spoofed by a client", "203.0.113.9:5555", "beta.localhost", 200, "Portail alpha"},
		{"spoofed from loopback", "127.0.0.1:5555", "beta.localhost", 200, "Portail alpha"},
		{"from the trusted proxy", "10.1.2.3:5555", "beta.localhost", 200, "Portail beta"},
		{"client value before the proxy's", "10.1.2.3:5555", "alpha.localhost, beta.localhost", 200, "Portail beta"},
		{"trusted proxy, unknown host", "10.1.2.3:5555", "gamma.localhost", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do(t, req{host: "alpha.localhost", remote: tc.remote, header: map[string]string{"X-Forwarded-Host": tc.forwarded}})
			if w.Code != tc.status {
				t.Fatalf("status = %d, want %d", w.Code, tc.status)
			}
			if tc.want != "" && !strings.Contains(w.Body.String(), tc.want) {
				t.Fatalf("page is not %q's", tc.want)
			}
		})
	}
}

// A request to one portal's host never shows another portal's data, even
// for rows with the same id.
func TestRequestShowsOnlyItsPortalData(t *testing.T) {
	f := newFixture(t, nil)
	ctxB := f.env.Ctx(t, "beta")
	err := f.env.DB.Tx(ctxB, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctxB, `INSERT INTO categories (code, label, description, position) VALUES ('secret', '{"fr":"Secret de beta"}', '{"fr":"Seulement chez beta"}', 0)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	a := f.do(t, req{host: "alpha.localhost"}).Body.String()
	b := f.do(t, req{host: "beta.localhost"}).Body.String()
	if strings.Contains(a, "Secret de beta") || strings.Contains(a, "Courses de beta") {
		t.Fatal("alpha's page shows beta's categories")
	}
	if !strings.Contains(a, "Courses de alpha") {
		t.Fatal("alpha's page lacks its own categories")
	}
	if !strings.Contains(b, "Secret de beta") || strings.Contains(b, "Courses de alpha") {
		t.Fatal("beta's page does not show exactly beta's categories")
	}
}

// A portal whose schema is behind answers 503, the others keep working.
func TestBehindPortalIsNotServed(t *testing.T) {
	f := newFixture(t, nil)
	f.env.DB.SetServable([]tenant.Slug{"alpha"})
	if w := f.do(t, req{host: "alpha.localhost"}); w.Code != 200 {
		t.Fatalf("alpha status = %d", w.Code)
	}
	w := f.do(t, req{host: "beta.localhost"})
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "maintenance") {
		t.Fatalf("beta status = %d, body:\n%s", w.Code, w.Body.String())
	}
	if w.Header().Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
}

func TestProbes(t *testing.T) {
	f := newFixture(t, nil)
	for _, host := range []string{"alpha.localhost", "unknown.example", "10.0.0.1:8080"} {
		if w := f.do(t, req{host: host, path: "/healthz"}); w.Code != 200 {
			t.Fatalf("healthz on %s = %d", host, w.Code)
		}
		w := f.do(t, req{host: host, path: "/readyz"})
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"redis":"ok"`) {
			t.Fatalf("readyz on %s = %d %s", host, w.Code, w.Body.String())
		}
	}

	// With its database gone the instance is alive but not ready, and pages
	// fail with a plain message and a code, never the internal error.
	broken := testutil.Open(t, f.env.URL, 2)
	broken.SetServable([]tenant.Slug{"alpha", "beta"})
	fb := newFixtureOn(t, f, func(d *web.Deps) { d.DB = broken; d.KV = kv.NewMemory() })
	broken.Close()
	if w := fb.do(t, req{host: "alpha.localhost", path: "/healthz"}); w.Code != 200 {
		t.Fatalf("healthz without database = %d", w.Code)
	}
	w := fb.do(t, req{host: "alpha.localhost", path: "/readyz"})
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), `"database":"unreachable"`) {
		t.Fatalf("readyz without database = %d %s", w.Code, w.Body.String())
	}
	w = fb.do(t, req{host: "alpha.localhost"})
	body := w.Body.String()
	if w.Code != 500 || !strings.Contains(body, w.Header().Get("X-Request-ID")) {
		t.Fatalf("home without database = %d, want 500 quoting the request id:\n%s", w.Code, body)
	}
	for _, leak := range []string{"pool", "tenant_", "pgx", "closed"} {
		if strings.Contains(body, leak) {
			t.Fatalf("error page shows internals (%q):\n%s", leak, body)
		}
	}
}

// newFixtureOn builds another server on an existing fixture's portals.
func newFixtureOn(t *testing.T, base *fixture, tweak func(*web.Deps)) *fixture {
	t.Helper()
	deps := base.deps
	tweak(&deps)
	s, err := web.New(deps)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{env: base.env, server: s, deps: deps, outbox: base.outbox}
}

func TestRateLimit(t *testing.T) {
	base := newFixture(t, nil)
	for _, st := range testutil.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			f := newFixtureOn(t, base, func(d *web.Deps) { d.KV = st.Store; d.RateLimitPerMinute = 3 })
			client := req{host: "alpha.localhost", remote: "198.51.100.7:1000"}
			for i := 0; i < 3; i++ {
				if w := f.do(t, client); w.Code != 200 {
					t.Fatalf("request %d = %d", i+1, w.Code)
				}
			}
			w := f.do(t, client)
			if w.Code != http.StatusTooManyRequests {
				t.Fatalf("4th request = %d, want 429", w.Code)
			}
			if !strings.Contains(w.Body.String(), "Réessayez dans 1 minute") || w.Header().Get("Retry-After") == "" {
				t.Fatalf("429 without a plain 'try again' message or Retry-After:\n%s", w.Body.String())
			}
			// Unknown paths count too, and the page speaks the person's language.
			english := client
			english.path, english.header = "/nulle-part", map[string]string{"Accept-Language": "en"}
			if w := f.do(t, english); w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Try again in 1 minute") {
				t.Fatalf("unknown path over the limit = %d:\n%s", w.Code, w.Body.String())
			}
			// Another address, and the same address on another portal, are
			// counted apart.
			if w := f.do(t, req{host: "alpha.localhost", remote: "198.51.100.8:1000"}); w.Code != 200 {
				t.Fatalf("other address = %d", w.Code)
			}
			if w := f.do(t, req{host: "beta.localhost", remote: "198.51.100.7:1000"}); w.Code != 200 {
				t.Fatalf("same address on another portal = %d", w.Code)
			}
		})
	}
}

// messageID matches a go-i18n id such as "home.title" left untranslated.
var messageID = regexp.MustCompile(`\b(home|site|error|post|account|commune|form)\.[a-z_]+\.?[a-z_]*\b`)

func TestLanguage(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name   string
		path   string
		header map[string]string
		want   string
		lang   string
	}{
		{"portal default", "/", nil, "Bienvenue sur Portail alpha", "fr"},
		{"browser asks English", "/", map[string]string{"Accept-Language": "en-GB,en;q=0.9"}, "Welcome to Portail alpha", "en"},
		{"browser asks a language the portal lacks", "/", map[string]string{"Accept-Language": "de"}, "Bienvenue", "fr"},
		{"explicit choice wins", "/?lang=fr", map[string]string{"Accept-Language": "en"}, "Bienvenue", "fr"},
		{"remembered choice", "/", map[string]string{"Cookie": "lang=en"}, "Welcome", "en"},
		{"unknown choice ignored", "/?lang=xx", nil, "Bienvenue", "fr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do(t, req{host: "alpha.localhost", path: tc.path, header: tc.header})
			body := w.Body.String()
			if !strings.Contains(body, tc.want) || !strings.Contains(body, `<html lang="`+tc.lang+`">`) {
				t.Fatalf("want %q in lang %s:\n%s", tc.want, tc.lang, body)
			}
			if id := messageID.FindString(body); id != "" {
				t.Fatalf("message id %q shows instead of its text", id)
			}
		})
	}
	w := f.do(t, req{host: "alpha.localhost", path: "/?lang=en"})
	if c := w.Header().Get("Set-Cookie"); !strings.Contains(c, "lang=en") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
		t.Fatalf("language choice cookie = %q", c)
	}
}

// Each portal gets its own theme's stylesheet and logo, whatever hash the
// URL carries.
func TestThemeAssetsFollowThePortal(t *testing.T) {
	f := newFixture(t, nil)
	themes, _ := theme.LoadDir("../../themes")
	want := map[string]*theme.Theme{}
	want["alpha.localhost"], _ = themes.Get("tousvoisins44")
	want["beta.localhost"], _ = themes.Get("calvados")
	for host, th := range want {
		w := f.do(t, req{host: host, path: "/theme/" + th.CSS.Hash + "/theme.css"})
		if w.Code != 200 || !strings.Contains(w.Body.String(), th.Manifest.Colors.Primary) {
			t.Fatalf("%s theme.css = %d %q", host, w.Code, w.Body.String())
		}
		if !strings.Contains(w.Header().Get("Cache-Control"), "immutable") {
			t.Fatalf("%s theme.css with its hash is not cacheable", host)
		}
		home := f.do(t, req{host: host}).Body.String()
		if !strings.Contains(home, "/theme/"+th.CSS.Hash+"/theme.css") {
			t.Fatalf("%s home page does not link its theme", host)
		}
		logo := f.do(t, req{host: host, path: "/theme/" + th.Logo.Hash + "/" + th.Manifest.Logo})
		if logo.Code != 200 || logo.Header().Get("Content-Type") != "image/svg+xml" {
			t.Fatalf("%s logo = %d %s", host, logo.Code, logo.Header().Get("Content-Type"))
		}
	}
	// Asking alpha's host for beta's stylesheet hash still gives alpha's.
	beta := want["beta.localhost"]
	w := f.do(t, req{host: "alpha.localhost", path: "/theme/" + beta.CSS.Hash + "/theme.css"})
	if strings.Contains(w.Body.String(), beta.Manifest.Colors.Primary) {
		t.Fatal("alpha's host served beta's theme")
	}
	if w := f.do(t, req{host: "alpha.localhost", path: "/theme/x/../../etc/passwd"}); w.Code != 404 {
		t.Fatalf("path outside the theme = %d", w.Code)
	}
}

func TestHeadersAndErrors(t *testing.T) {
	f := newFixture(t, nil)
	w := f.do(t, req{host: "alpha.localhost"})
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "X-Request-ID"} {
		if w.Header().Get(h) == "" {
			t.Fatalf("header %s missing", h)
		}
	}
	tests := []struct {
		name, path string
		header     map[string]string
		status     int
		want       string
	}{
		{"unknown page", "/nulle-part", nil, 404, "Page introuvable"},
		{"unknown page in English", "/nowhere", map[string]string{"Accept-Language": "en"}, 404, "Page not found"},
		{"unknown page as JSON", "/nulle-part", map[string]string{"Accept": "application/json"}, 404, `"status":404`},
		{"api path answers JSON", "/api/v1/rien", nil, 404, `"message":`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := f.do(t, req{host: "alpha.localhost", path: tc.path, header: tc.header})
			if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.want) {
				t.Fatalf("%s = %d, want %d with %q:\n%s", tc.path, w.Code, tc.status, tc.want, w.Body.String())
			}
		})
	}
}

// Configured text is escaped like any other: a portal name cannot inject markup.
func TestConfiguredTextIsEscaped(t *testing.T) {
	f := newFixture(t, nil)
	p, _ := f.env.Registry.BySlug("alpha")
	p.Name = `<script>alert(1)</script>`
	t.Cleanup(func() { p.Name = "Portail alpha" })
	body := f.do(t, req{host: "alpha.localhost"}).Body.String()
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;") {
		t.Fatalf("portal name not escaped:\n%s", body)
	}
}
