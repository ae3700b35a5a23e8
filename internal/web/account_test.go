package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// browser is an HTTP client with its own cookies that reaches every portal
// host of the test server, as a person's browser would reach real ones.
type browser struct {
	t      *testing.T
	client *http.Client
	last   string // body of the last page
}

func newBrowser(t *testing.T, srv *httptest.Server) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	addr := srv.Listener.Addr().String()
	transport := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	return &browser{t: t, client: &http.Client{Jar: jar, Transport: transport}}
}

func (b *browser) get(rawURL string) *http.Response {
	b.t.Helper()
	resp, err := b.client.Get(rawURL)
	if err != nil {
		b.t.Fatal(err)
	}
	b.read(resp)
	return resp
}

// post submits a form with the CSRF token of the last page, as the page's
// own form would.
func (b *browser) post(rawURL string, fields map[string]string) *http.Response {
	b.t.Helper()
	v := url.Values{}
	if m := csrfInput.FindStringSubmatch(b.last); m != nil {
		v.Set("csrf", m[1])
	}
	for k, val := range fields {
		v.Set(k, val)
	}
	resp, err := b.client.PostForm(rawURL, v)
	if err != nil {
		b.t.Fatal(err)
	}
	b.read(resp)
	return resp
}

func (b *browser) read(resp *http.Response) {
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		b.t.Fatal(err)
	}
	b.last = string(body)
}

// uniqueIDs fails when an HTML id appears twice: labels, error links and
// screen readers would point at the wrong element.
func uniqueIDs(t *testing.T, page string) {
	t.Helper()
	seen := map[string]bool{}
	for _, m := range htmlID.FindAllStringSubmatch(page, -1) {
		if seen[m[1]] {
			t.Fatalf("id %q appears twice", m[1])
		}
		seen[m[1]] = true
	}
}

var (
	htmlID    = regexp.MustCompile(` id="([^"]+)"`)
	csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	jeton     = regexp.MustCompile(`jeton=([A-Za-z0-9_-]{20,})`)
)

func (f *fixture) mailTo(t *testing.T, slug tenant.Slug, to string) string {
	t.Helper()
	entries, err := f.outbox.List(context.Background(), slug, 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.To, to) {
			full, err := f.outbox.Read(context.Background(), slug, e.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full.Text
		}
	}
	t.Fatalf("no email to %s on %s", to, slug)
	return ""
}

// A resident registers on a portal, confirms the address from the email,
// signs in, sees their account, and signs out: the whole flow over HTTP,
// without JavaScript.
func TestRegisterConfirmLoginLogout(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	b := newBrowser(t, srv)
	const home = "http://alpha.localhost"

	b.get(home + "/inscription")
	// A first try with mistakes keeps what was typed (except the password).
	resp := b.post(home+"/inscription", map[string]string{
		"display_name": "Léa", "email": "lea@exemple", "password": "ma voisine a un beau jardin", "commune": "Nantes", "interests": "cuisine",
	})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(b.last, `value="lea@exemple"`) || !strings.Contains(b.last, `value="cuisine"`) {
		t.Fatalf("invalid registration = %d:\n%s", resp.StatusCode, b.last)
	}
	if strings.Contains(b.last, "ma voisine a un beau jardin") {
		t.Fatal("the password was written back into the page")
	}
	if !strings.Contains(b.last, `aria-invalid="true"`) || !strings.Contains(b.last, `href="#champ-email"`) {
		t.Fatal("errors are not tied to their field")
	}
	uniqueIDs(t, b.last)

	// An ambiguous commune offers choices; choosing one completes it.
	b.post(home+"/inscription", map[string]string{
		"display_name": "Léa", "email": "lea@exemple.fr", "password": "ma voisine a un beau jardin", "commune": "saint", "interests": "cuisine",
	})
	if !strings.Contains(b.last, `name="commune_code"`) {
		t.Fatalf("no choice of communes:\n%s", b.last)
	}
	resp = b.post(home+"/inscription", map[string]string{
		"display_name": "Léa", "email": "lea@exemple.fr", "password": "ma voisine a un beau jardin", "commune": "Saint-Herblain", "interests": "cuisine",
	})
	if resp.StatusCode != 200 || !strings.Contains(b.last, "lea@exemple.fr") || resp.Request.URL.Path != "/inscription/envoyee" {
		t.Fatalf("registration = %d %s:\n%s", resp.StatusCode, resp.Request.URL, b.last)
	}

	link := jeton.FindStringSubmatch(f.mailTo(t, "alpha", "lea@exemple.fr"))
	if link == nil {
		t.Fatal("no link in the confirmation email")
	}
	// Opening the link shows a button; it does not confirm by itself.
	b.get(home + "/confirmer?jeton=" + link[1])
	resp = b.post(home+"/confirmer", map[string]string{"jeton": link[1]})
	if resp.Request.URL.Path != "/connexion" || !strings.Contains(b.last, "Votre adresse est vérifiée") {
		t.Fatalf("confirm = %s:\n%s", resp.Request.URL, b.last)
	}

	b.post(home+"/connexion", map[string]string{"email": "lea@exemple.fr", "password": "mauvais mot de passe"})
	if !strings.Contains(b.last, "est pas bon") || !strings.Contains(b.last, `value="lea@exemple.fr"`) {
		t.Fatalf("wrong password page:\n%s", b.last)
	}
	resp = b.post(home+"/connexion", map[string]string{"email": "lea@exemple.fr", "password": "ma voisine a un beau jardin", "retour": "/compte"})
	if resp.Request.URL.Path != "/compte" || !strings.Contains(b.last, "Vous êtes Léa, à Saint-Herblain") {
		t.Fatalf("after sign-in = %s:\n%s", resp.Request.URL, b.last)
	}
	if !strings.Contains(b.last, "cet appareil") {
		t.Fatal("the account page does not list this session")
	}
	uniqueIDs(t, b.last)
	// A mistake in one of the account page's forms shows there, and only there.
	b.post(home+"/compte/mot-de-passe", map[string]string{"password": "faux", "new_password": "une nouvelle phrase secrète"})
	uniqueIDs(t, b.last)
	if !strings.Contains(b.last, `href="#champ-password-password"`) || strings.Contains(b.last, `id="champ-email-password" name="password" type="password" autocomplete="current-password" required aria-describedby`) {
		t.Fatalf("error not tied to the password form:\n%s", b.last)
	}

	// The session cookie is HttpOnly, SameSite=Lax and host-only.
	for _, c := range b.client.Jar.Cookies(&url.URL{Scheme: "http", Host: "alpha.localhost"}) {
		if c.Name == "entraide_session" && c.Value == "" {
			t.Fatal("empty session cookie")
		}
	}

	resp = b.post(home+"/deconnexion", nil)
	if !strings.Contains(b.last, "Vous êtes déconnecté(e)") {
		t.Fatalf("sign-out = %s:\n%s", resp.Request.URL, b.last)
	}
	resp = b.get(home + "/compte")
	if resp.Request.URL.Path != "/connexion" {
		t.Fatalf("account page after sign-out = %s", resp.Request.URL)
	}
}

// A session cookie from one portal is worthless on another, even replayed
// by hand on the other host, and even though both portals have a person
// with the same id.
func TestSessionCookieStaysOnItsPortal(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	for _, slug := range []string{"alpha", "beta"} {
		ctx := f.env.Ctx(t, slug)
		err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, email_confirmed_at)
VALUES ($1, $1, $2, 'x', '44109', '244400404', now())`, "un@"+slug+".fr", "Personne de "+slug)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	token, _, err := f.deps.Sessions.Create(f.env.Ctx(t, "alpha"), 1, "test", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host     string
		status   int
		contains string
	}{
		{"alpha.localhost", http.StatusOK, "Personne de alpha"},
		{"beta.localhost", http.StatusSeeOther, ""},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/compte", nil)
		req.Host = tc.host
		req.AddCookie(&http.Cookie{Name: "entraide_session", Value: token})
		resp, err := (&http.Transport{}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.contains) {
			t.Fatalf("%s: status %d, want %d with %q", tc.host, resp.StatusCode, tc.status, tc.contains)
		}
		if strings.Contains(string(body), "Personne de beta") {
			t.Fatal("alpha's cookie opened beta's account")
		}
	}
}

// Every form refuses a post without the page's token, or from another site.
func TestFormsNeedTheirToken(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	b := newBrowser(t, srv)
	b.get("http://alpha.localhost/connexion")
	token := csrfInput.FindStringSubmatch(b.last)[1]

	tests := []struct {
		name   string
		fields url.Values
		origin string
		host   string
		status int
	}{
		{"no token", url.Values{"email": {"x@y.fr"}}, "", "alpha.localhost", http.StatusForbidden},
		{"forged token", url.Values{"csrf": {"AAAA"}, "email": {"x@y.fr"}}, "", "alpha.localhost", http.StatusForbidden},
		{"token, but posted from another site", url.Values{"csrf": {token}, "email": {"x@y.fr"}}, "http://evil.example", "alpha.localhost", http.StatusForbidden},
		{"alpha's token on beta", url.Values{"csrf": {token}, "email": {"x@y.fr"}}, "", "beta.localhost", http.StatusForbidden},
		{"the page's own token", url.Values{"csrf": {token}, "email": {"x@y.fr"}, "password": {"x"}}, "http://alpha.localhost", "alpha.localhost", http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, "http://"+tc.host+"/connexion", strings.NewReader(tc.fields.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tc.origin != "" {
				req.Header.Set("Origin", tc.origin)
			}
			resp, err := b.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b.read(resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d:\n%s", resp.StatusCode, tc.status, b.last)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(b.last, "Le formulaire a expiré") {
				t.Fatalf("no plain message:\n%s", b.last)
			}
		})
	}
}
