package web_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/help"
)

var postLink = regexp.MustCompile(`/annonces/([0-9]+)\?fait=`)

// A resident posts a request through the form, finds it in the list and on
// its own page; another portal never shows it; money is refused on a portal
// where services must be free, with the form kept.
func TestPostThroughTheForm(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	_, lea := f.person(t, srv, "alpha", "Léa")
	_, paul := f.person(t, srv, "alpha", "Paul")
	const home = "http://alpha.localhost"

	if resp := newBrowser(t, srv).get(home + "/annonces/nouvelle"); resp.Request.URL.Path != "/connexion" {
		t.Fatalf("visitor on the post form: %s", resp.Request.URL)
	}

	lea.get(home + "/annonces/nouvelle?type=demande")
	if !strings.Contains(lea.last, `value="Nantes"`) {
		t.Fatal("the form does not start from the person's commune")
	}
	fields := map[string]string{
		"kind": "demande", "category": "courses", "title": "Courses le samedi",
		"description": "Je paie 10 € de l'heure pour porter mes courses depuis le marché.",
		"commune":     "Nantes", "modes": "sur_place", "when": "souple",
	}
	resp := lea.post(home+"/annonces/nouvelle", fields)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(lea.last, "gratuite") || !strings.Contains(lea.last, "10 €") {
		t.Fatalf("a price was not refused with its quote: %d\n%s", resp.StatusCode, lea.last)
	}
	if !strings.Contains(lea.last, "Courses le samedi") || !strings.Contains(lea.last, "porter mes courses") {
		t.Fatal("the refused form lost what was typed")
	}
	uniqueIDs(t, lea.last)

	// An ambiguous commune offers a choice, in words, keeping the rest.
	fields["description"] = "J'ai besoin d'aide pour porter mes courses depuis le marché."
	fields["commune"] = "saint"
	lea.get(home + "/annonces/nouvelle")
	lea.post(home+"/annonces/nouvelle", fields)
	if !strings.Contains(lea.last, `name="commune_code"`) || !strings.Contains(lea.last, "Choisissez votre commune") || !strings.Contains(lea.last, "Courses le samedi") {
		t.Fatalf("ambiguous commune on the post form:\n%s", lea.last)
	}
	if id := messageID.FindString(lea.last); id != "" || strings.Contains(lea.last, "commune.") {
		t.Fatalf("a message id shows instead of its text (%q)", id)
	}
	fields["commune"] = "Nantes"
	lea.get(home + "/annonces/nouvelle")
	resp = lea.post(home+"/annonces/nouvelle", fields)
	m := postLink.FindStringSubmatch(resp.Request.URL.String())
	if resp.StatusCode != 200 || m == nil || !strings.Contains(lea.last, "Votre annonce est publiée") {
		t.Fatalf("post = %d %s\n%s", resp.StatusCode, resp.Request.URL, lea.last)
	}
	postURL := home + "/annonces/" + m[1]
	if !strings.Contains(lea.last, "Léa") || strings.Contains(lea.last, "léa@exemple.fr") {
		t.Fatal("the post page must name its author and never show their email")
	}

	visitor := newBrowser(t, srv)
	visitor.get(home + "/annonces?q=marche")
	if !strings.Contains(visitor.last, "Courses le samedi") || !strings.Contains(visitor.last, "1 annonce") {
		t.Fatalf("search without accents does not find the post:\n%s", visitor.last)
	}
	visitor.get("http://beta.localhost/annonces")
	if strings.Contains(visitor.last, "Courses le samedi") {
		t.Fatal("beta lists alpha's post")
	}
	if resp := visitor.get("http://beta.localhost/annonces/" + m[1]); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("alpha's post on beta's host: %d", resp.StatusCode)
	}

	// The author edits through the same form; the rules apply again.
	lea.get(postURL + "/modifier")
	if !strings.Contains(lea.last, `value="Courses le samedi"`) || !strings.Contains(lea.last, "porter mes courses depuis le marché") {
		t.Fatalf("edit form does not start from the post:\n%s", lea.last)
	}
	fields["description"] = "Je donne 20 € pour porter mes courses depuis le marché."
	if resp := lea.post(postURL+"/modifier", fields); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(lea.last, "20 €") {
		t.Fatalf("money through an edit: %d", resp.StatusCode)
	}
	fields["description"] = "J'ai besoin d'aide pour porter mes courses depuis le marché, le samedi matin."
	lea.post(postURL+"/modifier", fields)
	if !strings.Contains(lea.last, "Vos changements sont enregistrés") || !strings.Contains(lea.last, "le samedi matin") {
		t.Fatalf("after the edit:\n%s", lea.last)
	}
	if resp := paul.get(postURL + "/modifier"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("someone else opens the edit form: %d", resp.StatusCode)
	}

	// Only the author closes the post.
	paul.get(postURL)
	if strings.Contains(paul.last, `name="action"`) {
		t.Fatal("someone else sees the author's controls")
	}
	if resp := paul.post(postURL, map[string]string{"action": "realisee"}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("someone else closed the post: %d", resp.StatusCode)
	}
	lea.get(postURL)
	lea.post(postURL, map[string]string{"action": "realisee"})
	if !strings.Contains(lea.last, "Réalisée") {
		t.Fatalf("closed post page:\n%s", lea.last)
	}
	visitor.get(home + "/annonces")
	if strings.Contains(visitor.last, "Courses le samedi") {
		t.Fatal("a closed post is still listed")
	}
	lea.get(home + "/mes-annonces")
	if !strings.Contains(lea.last, "Courses le samedi") {
		t.Fatal("the author's own list lacks the closed post")
	}
}

// A portal that did not enable the module answers 404 on its pages.
func TestDisabledModuleIs404(t *testing.T) {
	f := newFixture(t, nil)
	beta, _ := f.env.Registry.BySlug("beta")
	saved := beta.Modules
	beta.Modules = nil
	t.Cleanup(func() { beta.Modules = saved })
	for _, path := range []string{"/annonces", "/annonces/nouvelle", "/annonces/1", "/mes-annonces"} {
		if w := f.do(t, req{host: "beta.localhost", path: path}); w.Code != http.StatusNotFound {
			t.Fatalf("%s on a portal without the module: %d", path, w.Code)
		}
	}
	if w := f.do(t, req{host: "beta.localhost"}); strings.Contains(w.Body.String(), "/annonces") {
		t.Fatal("the home page links to a disabled module")
	}
	if w := f.do(t, req{host: "alpha.localhost", path: "/annonces"}); w.Code != http.StatusOK {
		t.Fatalf("alpha's list: %d", w.Code)
	}
}

// Past help.MaxCounted posts, the list says "more than 1,000" and pages on
// without a last page number; a filtered list under it keeps its exact
// count and its "page N of M"; the API keeps its exact total.
func TestLongListSaysMoreThan(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	leaID, lea := f.person(t, srv, "alpha", "Léa")
	ctx := f.env.Ctx(t, "alpha")
	p, err := f.deps.Help.Create(ctx, leaID, help.Draft{Kind: help.KindRequest, Category: "courses", Title: "Courses au marché",
		Description: "Je cherche quelqu'un pour m'accompagner au marché.", CommuneCode: "44109", Modes: []string{"sur_place"}, WhenKind: "souple"})
	if err != nil {
		t.Fatal(err)
	}
	f.env.CopyPosts(t, ctx, help.MaxCounted+4, p.ID) // 1,005 in Nantes Métropole
	p, err = f.deps.Help.Create(ctx, leaID, help.Draft{Kind: help.KindOffer, Category: "courses", Title: "Appels le soir",
		Description: "Je peux appeler une personne seule le soir pour discuter.", CommuneCode: "44184", Modes: []string{"telephone"}, WhenKind: "souple"})
	if err != nil {
		t.Fatal(err)
	}
	f.env.CopyPosts(t, ctx, 24, p.ID) // 25 in CARENE (Saint-Nazaire)
	const all = help.MaxCounted + 30
	const home = "http://alpha.localhost"
	visitor := newBrowser(t, srv)
	lastPage := all/help.PerPage + 1
	tests := []struct {
		name          string
		who           *browser
		path          string
		want, refused []string
	}{
		{"first page, visitor", visitor, "/annonces",
			[]string{"Plus de 1\u202f000 annonces", ">Page 1<", `rel="next"`}, []string{"Page 1 sur", `rel="prev"`}},
		{"first page, signed in (their EPCI first)", lea, "/annonces",
			[]string{"Plus de 1\u202f000 annonces", ">Page 1<", `rel="next"`}, []string{"Page 1 sur"}},
		{"a page past the most counted", visitor, "/annonces?page=" + strconv.Itoa(lastPage-1),
			[]string{"Plus de 1\u202f000 annonces", `rel="prev"`, `rel="next"`}, nil},
		{"the last page", visitor, "/annonces?page=" + strconv.Itoa(lastPage),
			[]string{"Plus de 1\u202f000 annonces", `rel="prev"`}, []string{`rel="next"`}},
		{"a filtered list under the most counted", visitor, "/annonces?territoire=244400644",
			[]string{"25 annonces", "Page 1 sur 2", `rel="next"`}, []string{"Plus de"}},
		{"in English", visitor, "/annonces?lang=en",
			[]string{"More than 1,000 posts", ">Page 1<"}, []string{"Plus de"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if resp := tc.who.get(home + tc.path); resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			page := tc.who.last
			if i := strings.Index(page, `role="status"`); i >= 0 {
				page = page[i:] // the list and its pages, not the menus
			}
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, w := range tc.refused {
				if strings.Contains(page, w) {
					t.Errorf("shows %q", w)
				}
			}
		})
	}
	if code, list := (apiClient{t, srv, "alpha.localhost", "", ""}).call("GET", "/posts", nil); code != 200 || list["total"].(float64) != all {
		t.Fatalf("API list = %d, total %v", code, list["total"])
	}
}
