package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/testutil"
)

// The directory shows each référent under their territory and theme, on
// their own portal only, with the map; a portal without the module answers
// 404.
func TestReferentsDirectory(t *testing.T) {
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	alpha.Modules = append(alpha.Modules, "referents")
	f := newFixtureFor(t, nil, alpha, beta)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	ctx := f.env.Ctx(t, "alpha")
	theoID, _ := f.person(t, srv, "alpha", "Théo Territoire")
	thereseID, _ := f.person(t, srv, "alpha", "Thérèse Thème")
	residentID, _ := f.person(t, srv, "alpha", "Rémi Résident")
	op := authz.OperatorActor("test")
	if err := f.deps.Authz.Grant(ctx, op, theoID, authz.RoleReferentTerritoire, []string{"244400404"}); err != nil {
		t.Fatal(err)
	}
	if err := f.deps.Authz.Grant(ctx, op, thereseID, authz.RoleReferentThematique, []string{"ecoute"}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv)
	if resp := b.get("http://alpha.localhost/referents"); resp.StatusCode != 200 {
		t.Fatalf("directory: %d", resp.StatusCode)
	}
	page := b.last
	uniqueIDs(t, page)
	nm := page[strings.Index(page, `id="epci-244400404"`):]
	nm = nm[:strings.Index(nm, "</li>\n")]
	if !strings.Contains(nm, "Nantes Métropole") || !strings.Contains(nm, "Théo Territoire") {
		t.Errorf("Nantes Métropole's entry:\n%s", nm)
	}
	if strings.Count(page, "Théo Territoire · ") != 1 || strings.Count(page, "Thérèse Thème · ") != 1 || strings.Contains(page, "Rémi") {
		t.Errorf("each référent once, residents never:\n%s", page)
	}
	if strings.Count(page, "<path d=\"M") != 17 || !strings.Contains(page, `class="covered"`) {
		t.Errorf("the map should draw the 17 EPCIs of Loire-Atlantique, one covered")
	}
	if resp := b.get("http://beta.localhost/referents"); resp.StatusCode != 404 {
		t.Errorf("beta without the module: %d", resp.StatusCode)
	}

	// The contact route: a private message through the platform. Only
	// référents are reached this way.
	_, remi := f.person(t, srv, "alpha", "Rémi Voisin")
	if resp := remi.get("http://alpha.localhost/referents/" + itoa(theoID) + "/ecrire"); resp.StatusCode != 200 {
		t.Fatalf("write form: %d", resp.StatusCode)
	}
	if resp := remi.post("http://alpha.localhost/referents/"+itoa(theoID)+"/ecrire", map[string]string{"body": ""}); resp.StatusCode != 422 {
		t.Errorf("empty message: %d", resp.StatusCode)
	}
	resp := remi.post("http://alpha.localhost/referents/"+itoa(theoID)+"/ecrire", map[string]string{"body": "Bonjour, qui contacter pour un transport ?"})
	if resp.StatusCode != 200 || !strings.Contains(remi.last, "Question au référent Théo Territoire") || !strings.Contains(remi.last, "qui contacter") {
		t.Fatalf("message to the référent: %d\n%s", resp.StatusCode, remi.last)
	}
	if resp := remi.get("http://alpha.localhost/referents/" + itoa(residentID) + "/ecrire"); resp.StatusCode != 404 {
		t.Errorf("a resident reached through the directory: %d", resp.StatusCode)
	}
}

// The useful links of a portal, grouped by theme, each saying where it
// leads; a portal without the module answers 404.
func TestUsefulLinks(t *testing.T) {
	f := newFixtureFor(t, nil, shippedPortal(t, "tousvoisins44"), shippedPortal(t, "lozere"))
	w := f.do(t, req{host: "tousvoisins44.localhost", path: "/liens-utiles"})
	page := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("links: %d", w.Code)
	}
	for _, want := range []string{`href="https://pix.fr/"`, "(pix.fr)", "Aide informatique", "Pour tous", `rel="noopener noreferrer"`} {
		if !strings.Contains(page, want) {
			t.Errorf("links page lacks %q", want)
		}
	}
	// General links come first, then themes in the portal's order.
	if strings.Index(page, "Pour tous") > strings.Index(page, "Emploi") || strings.Index(page, "Emploi") > strings.Index(page, "Aide informatique") {
		t.Error("groups out of order")
	}
	if w := f.do(t, req{host: "lozere.localhost", path: "/liens-utiles"}); w.Code != 404 {
		t.Errorf("lozere without the module: %d", w.Code)
	}
}
