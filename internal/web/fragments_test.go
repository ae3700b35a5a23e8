package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/gin-gonic/gin"
)

// A remembered part of a page is given to every later request with the
// same key: each request below, drawn by a server that has remembered the
// parts of all the requests before it, must get exactly the page a server
// that remembers nothing draws for it. A key missing something the part
// shows (the roles, the language, a filter) gives one request another's
// part and fails here.
func TestRememberedPartsAreThoseTheRequestWouldDraw(t *testing.T) {
	type who struct {
		signedIn, moderate, admin bool
	}
	cases := []struct {
		name   string
		who    who
		target string
		want   []string // what this page must show
		deny   []string // what it must not
	}{
		{"visitor", who{}, "/annonces", []string{`href="/connexion"`}, []string{`href="/compte"`}},
		{"resident", who{signedIn: true}, "/annonces", []string{`href="/compte"`}, []string{`href="/connexion"`, `href="/moderation"`}},
		{"référent", who{signedIn: true, moderate: true}, "/annonces", []string{`href="/moderation"`}, []string{`href="/admin/roles"`}},
		{"admin", who{signedIn: true, moderate: true, admin: true}, "/annonces", []string{`href="/admin/roles"`}, nil},
		{"resident again", who{signedIn: true}, "/annonces", nil, []string{`href="/moderation"`}},
		{"in English", who{}, "/annonces?lang=en", []string{"Sign in"}, []string{"Connexion"}},
		{"a category", who{}, "/annonces?categorie=courses", []string{`value="courses" selected`}, nil},
		{"another category", who{}, "/annonces?categorie=sante", []string{`value="sante" selected`}, []string{`value="courses" selected`}},
		{"an offer", who{}, "/annonces?type=proposition", []string{`value="proposition" selected`}, []string{`value="demande" selected`}},
		{"words", who{}, "/annonces?q=jardin", []string{`value="jardin"`}, nil},
		{"other words", who{}, "/annonces?q=%3Cb%3Ev%C3%A9lo", []string{`value="&lt;b&gt;vélo"`}, []string{`value="jardin"`}},
		{"words too long to keep", who{}, "/annonces?q=" + strings.Repeat("x", 300), []string{strings.Repeat("x", 300)}, nil},
	}
	draw := func(rb *renderBench, who who, target string) string {
		t.Helper()
		posts := rb.listPosts(t)
		h := rb.handler(func(c *gin.Context) {
			if who.signedIn {
				c.Set(ctxUser, &signedIn{User: account.User{ID: 7, DisplayName: "Léa"}})
			}
			if lang := c.Query("lang"); lang != "" {
				c.Set(ctxLocalizer, rb.s.localizerFor(c, lang))
			}
			f := help.Filter{Kind: c.Query("type"), Category: c.Query("categorie"), Query: c.Query("q"), Page: 1}
			v := &postsView{Filter: f, Posts: posts, Total: 137, Pages: 7}
			p := rb.s.page(c, "Annonces", v)
			// The roles' links come from authz, which this server has
			// not: the test gives them.
			p.CanModerate, p.CanAdmin = who.moderate, who.admin
			rb.s.render(c, http.StatusOK, "posts", p)
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", target, rec.Code)
		}
		return rec.Body.String()
	}
	warm := newRenderBench(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := draw(warm, tc.who, tc.target)
			want := draw(newRenderBench(t), tc.who, tc.target)
			if got != want {
				t.Fatalf("the page drawn with remembered parts differs from the page drawn afresh:\n%s", firstDifference(got, want))
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the page does not show %q", w)
				}
			}
			for _, d := range tc.deny {
				if strings.Contains(got, d) {
					t.Errorf("the page shows %q", d)
				}
			}
		})
	}
	if n := len(warm.s.fragments.parts); n == 0 || n > len(cases)*3 {
		t.Fatalf("%d parts remembered", n)
	}
	for k := range warm.s.fragments.parts {
		if f, ok := k.of.(postFiltersOf); ok && len(f.Query) > maxFragmentKey {
			t.Fatalf("a filter form with %d bytes of words was kept", len(f.Query))
		}
	}
}

// firstDifference shows where two pages part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	return "got:  …" + a[from:min(len(a), i+80)] + "\nwant: …" + b[from:min(len(b), i+80)]
}

// Each entry of the moderation queue is remembered under all it shows:
// entries differing in one thing each, drawn one after the other by one
// server, are each drawn as a server that remembers nothing draws them.
func TestRememberedQueueEntriesShowTheirOwnFields(t *testing.T) {
	base := moderation.QueueEntry{Kind: moderation.KindPost, ID: 41, EPCI: "244400404", Category: "courses",
		Since: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC), Why: []string{"signalement"}, Title: "Courses du samedi",
		Excerpt: "Je peux passer au marché.", Reports: 1, Reasons: []string{"arnaque"}}
	cases := []struct {
		name   string
		change func(*moderation.QueueEntry)
	}{
		{"as it is", func(*moderation.QueueEntry) {}},
		{"another id", func(e *moderation.QueueEntry) { e.ID = 42 }},
		{"another kind", func(e *moderation.QueueEntry) { e.Kind = moderation.KindMessage }},
		{"another title", func(e *moderation.QueueEntry) { e.Title = "Courses du dimanche" }},
		{"no title", func(e *moderation.QueueEntry) { e.Title = "" }},
		{"another excerpt", func(e *moderation.QueueEntry) { e.Excerpt = "<b>Autre</b>" }},
		{"another EPCI", func(e *moderation.QueueEntry) { e.EPCI = "244400453" }},
		{"another category", func(e *moderation.QueueEntry) { e.Category = "sante" }},
		{"waiting since later", func(e *moderation.QueueEntry) { e.Since = e.Since.Add(26 * time.Hour) }},
		{"two reasons to wait", func(e *moderation.QueueEntry) { e.Why = []string{"mots", "signalement"} }},
		{"more reports", func(e *moderation.QueueEntry) { e.Reports, e.Reasons = 3, []string{"arnaque", "insulte"} }},
	}
	draw := func(rb *renderBench, e moderation.QueueEntry) string {
		t.Helper()
		var out template.HTML
		h := rb.handler(func(c *gin.Context) {
			p := rb.s.page(c, "", nil)
			t, ok := rb.s.look().viewsFor(p.Theme).pages["moderation_queue"]
			if !ok {
				c.Status(http.StatusInternalServerError)
				return
			}
			p.tmpl, p.cards, p.fragments = t, &rb.s.cards, &rb.s.fragments
			var err error
			if out, err = p.QueueEntry(e); err != nil {
				c.String(http.StatusInternalServerError, err.Error())
			}
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/moderation", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("draw: %d %s", rec.Code, rec.Body)
		}
		return string(out)
	}
	warm := newRenderBench(t)
	seen := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := base
			tc.change(&e)
			got, want := draw(warm, e), draw(newRenderBench(t), e)
			if got != want {
				t.Fatalf("remembered entry differs from one drawn afresh:\n%s", firstDifference(got, want))
			}
			if other, ok := seen[got]; ok {
				t.Fatalf("drawn the same as %q", other)
			}
			seen[got] = tc.name
		})
	}
}

// The queue's filter form is remembered under the référent's reach and the
// filters chosen: référents with different reaches and filters, drawn one
// after the other by one server, each get the form a server that remembers
// nothing draws for them, with only their own EPCIs and categories.
func TestRememberedQueueFiltersFollowReachAndFilters(t *testing.T) {
	probe := newRenderBench(t)
	epcis := probe.s.Atlas.EPCIs(probe.portal.Departement)
	cats := probe.portal.Categories
	if len(epcis) < 3 || len(cats) < 3 {
		t.Fatalf("the demo portal has %d EPCIs and %d categories; the cases need 3 of each", len(epcis), len(cats))
	}
	option := func(code string) string { return `<option value="` + code + `"` }
	selected := func(code string) string { return `<option value="` + code + `" selected>` }
	two := authz.Reach{EPCIs: []string{epcis[0].Code, epcis[2].Code}, Categories: []string{cats[0].Code, cats[1].Code}}
	cases := []struct {
		name   string
		reach  authz.Reach
		target string
		want   []string
		deny   []string
	}{
		{"département", authz.Reach{Anywhere: true}, "/moderation", []string{option(epcis[1].Code), option(cats[2].Code)}, []string{" selected>"}},
		{"one EPCI: no EPCI or category choice", authz.Reach{EPCIs: []string{epcis[0].Code}}, "/moderation",
			[]string{option(""), option(moderation.WhyReported)}, []string{`name="epci"`, `name="categorie"`}},
		{"two EPCIs, two categories", two, "/moderation", []string{option(epcis[2].Code), option(cats[1].Code)},
			[]string{option(epcis[1].Code), option(cats[2].Code)}},
		{"the same, filtered", two, "/moderation?motif=mots&epci=" + epcis[2].Code + "&categorie=" + cats[1].Code,
			[]string{selected("mots"), selected(epcis[2].Code), selected(cats[1].Code)}, []string{selected(epcis[0].Code)}},
		{"two other EPCIs, the same categories", authz.Reach{EPCIs: []string{epcis[0].Code, epcis[1].Code}, Categories: two.Categories}, "/moderation",
			[]string{option(epcis[1].Code)}, []string{option(epcis[2].Code)}},
		{"the same EPCIs, other categories", authz.Reach{EPCIs: two.EPCIs, Categories: []string{cats[0].Code, cats[2].Code}}, "/moderation",
			[]string{option(cats[2].Code)}, []string{option(cats[1].Code)}},
		{"département again", authz.Reach{Anywhere: true}, "/moderation?motif=signalement",
			[]string{selected(moderation.WhyReported), option(epcis[1].Code)}, []string{selected("mots")}},
		{"a reason no one has", authz.Reach{Anywhere: true}, "/moderation?motif=%3Cb%3E", nil, []string{"<b>", " selected>"}},
	}
	draw := func(rb *renderBench, reach authz.Reach, target string) string {
		t.Helper()
		h := rb.handler(func(c *gin.Context) {
			c.Set(ctxUser, &signedIn{User: account.User{ID: 7, DisplayName: "Léa"}})
			f := moderation.Filter{Why: c.Query("motif"), EPCI: c.Query("epci"), Category: c.Query("categorie"), Limit: queuePageSize}
			rb.s.showQueue(c, reach, f, 1, queuePage{})
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", target, rec.Code)
		}
		body := rec.Body.String()
		// The form alone: the rest of the page is not what is remembered.
		from := strings.Index(body, `<form method="get" action="/moderation"`)
		to := strings.Index(body[max(from, 0):], "</form>")
		if from < 0 || to < 0 {
			t.Fatalf("GET %s: no filter form in\n%s", target, body)
		}
		return body[from : from+to]
	}
	warm := newRenderBench(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := draw(warm, tc.reach, tc.target)
			if want := draw(newRenderBench(t), tc.reach, tc.target); got != want {
				t.Fatalf("the form drawn remembered differs from the form drawn afresh:\n%s", firstDifference(got, want))
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("the form does not show %q:\n%s", w, got)
				}
			}
			for _, d := range tc.deny {
				if strings.Contains(got, d) {
					t.Errorf("the form shows %q:\n%s", d, got)
				}
			}
		})
	}
}
