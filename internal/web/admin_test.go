package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/authz"
	"github.com/jackc/pgx/v5"
)

// person creates a confirmed account on a portal with SQL and signs a
// browser in as them.
func (f *fixture) person(t *testing.T, srv *httptest.Server, slug, name string) (int64, *browser) {
	t.Helper()
	ctx := f.env.Ctx(t, slug)
	var id int64
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, email_confirmed_at)
VALUES ($1, $1, $2, 'x', '44109', '244400404', now()) RETURNING id`, strings.ToLower(strings.NewReplacer("é", "e", "è", "e", " ", ".").Replace(name))+"@exemple.fr", name).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := f.deps.Sessions.Create(ctx, id, "test", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv)
	u, _ := url.Parse("http://" + slug + ".localhost/")
	b.client.Jar.SetCookies(u, []*http.Cookie{{Name: "entraide_session", Value: token, Path: "/"}})
	return id, b
}

// A département admin finds a resident and makes them référent de
// territoire of one EPCI from the roles page; the change is logged and
// effective at once. Nobody else reaches the page.
func TestAdminGrantsReferentFromThePage(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	ctx := f.env.Ctx(t, "alpha")
	adminID, admin := f.person(t, srv, "alpha", "Agnès")
	leaID, lea := f.person(t, srv, "alpha", "Léa")
	if err := f.deps.Authz.Grant(ctx, authz.OperatorActor("test"), adminID, authz.RoleAdminDepartement, nil); err != nil {
		t.Fatal(err)
	}

	// A resident, an anonymous visitor: no access.
	if resp := lea.get("http://alpha.localhost/admin/roles"); resp.StatusCode != http.StatusForbidden || !strings.Contains(lea.last, "Accès refusé") {
		t.Fatalf("resident on the roles page: %d", resp.StatusCode)
	}
	if resp := newBrowser(t, srv).get("http://alpha.localhost/admin/roles"); resp.Request.URL.Path != "/connexion" {
		t.Fatalf("visitor on the roles page: %s", resp.Request.URL)
	}

	admin.get("http://alpha.localhost/admin/roles?q=l%C3%A9a")
	if !strings.Contains(admin.last, "Léa") || !strings.Contains(admin.last, "Nantes Métropole") {
		t.Fatalf("search results:\n%s", admin.last)
	}
	// A référent de territoire without territory is refused with a reason.
	resp := admin.post("http://alpha.localhost/admin/roles/attribuer", map[string]string{"user_id": itoa(leaID), "role": "referent_territoire", "q": "léa"})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(admin.last, "Choisissez une intercommunalité") {
		t.Fatalf("grant without scope = %d", resp.StatusCode)
	}
	resp = admin.post("http://alpha.localhost/admin/roles/attribuer", map[string]string{"user_id": itoa(leaID), "role": "referent_territoire", "epci": "244400404", "q": "léa"})
	if resp.StatusCode != 200 || !strings.Contains(admin.last, "enregistré") || !strings.Contains(admin.last, "Référent de territoire : Nantes Métropole") {
		t.Fatalf("grant = %d:\n%s", resp.StatusCode, admin.last)
	}
	ok, err := f.deps.Authz.Can(ctx, leaID, authz.ActModerate, authz.Target{Commune: "44162"})
	if err != nil || !ok {
		t.Fatalf("Léa cannot moderate in her EPCI: %v %v", ok, err)
	}
	if ok, _ := f.deps.Authz.Can(ctx, leaID, authz.ActModerate, authz.Target{Commune: "44184"}); ok {
		t.Fatal("Léa can moderate outside her EPCI (Saint-Nazaire)")
	}

	admin.get("http://alpha.localhost/admin/journal")
	if !strings.Contains(admin.last, "Agnès") || !strings.Contains(admin.last, "Léa") || !strings.Contains(admin.last, "Rôle donné") || !strings.Contains(admin.last, "Nantes Métropole") {
		t.Fatalf("audit page:\n%s", admin.last)
	}
	// A référent cannot reach the roles page either.
	if resp := lea.get("http://alpha.localhost/admin/roles"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("référent on the roles page: %d", resp.StatusCode)
	}

	// Revoking from the page takes the power away at once.
	admin.get("http://alpha.localhost/admin/roles?q=l%C3%A9a")
	admin.post("http://alpha.localhost/admin/roles/retirer", map[string]string{"user_id": itoa(leaID), "role": "referent_territoire", "scope": "244400404", "q": "léa"})
	if ok, _ := f.deps.Authz.Can(ctx, leaID, authz.ActModerate, authz.Target{Commune: "44162"}); ok {
		t.Fatal("revoked référent can still moderate")
	}

	// Alpha's admin is nobody on beta.
	if ok, _ := f.deps.Authz.Can(f.env.Ctx(t, "beta"), adminID, authz.ActManageRoles, authz.Target{}); ok {
		t.Fatal("alpha's admin manages roles on beta")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
