package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/category"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/theme"
	"github.com/gin-gonic/gin"
)

// The rendering benchmarks measure what one request pays to draw a page
// once its data is at hand: the page's context (Page, its localizer),
// executing the parsed templates into a buffer, and handing the buffer to
// the response. The data is made in memory, as the stores return it, so
// that no database time hides in the figure; what reading it costs is the
// load test's business.

// renderPortal is the demo portal the benchmarks draw: its theme replaces
// the home page and keeps the default list of posts.
const renderPortal = "tousvoisins44"

// renderBench is a server for the demo portals and themes of the
// repository, built as serve builds it but without a database, which
// drawing a page does not need.
type renderBench struct {
	s      *Server
	portal *tenant.Tenant
}

func newRenderBench(tb testing.TB) *renderBench {
	tb.Helper()
	themes, err := theme.LoadDir("../../themes")
	if err != nil {
		tb.Fatal(err)
	}
	portals, err := tenant.LoadDir("../../tenants", themes.Has)
	if err != nil {
		tb.Fatal(err)
	}
	registry, err := tenant.NewRegistry(portals)
	if err != nil {
		tb.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range portals { // their own words, as serve gives them
		if ps := messages.SetPortalWords(string(p.Slug), p.Words, p.Locales.Enabled); len(ps) > 0 {
			tb.Fatal(ps)
		}
	}
	atlas, err := territory.Load()
	if err != nil {
		tb.Fatal(err)
	}
	s, err := New(Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Tenants: registry, Themes: themes,
		Messages: messages, Atlas: atlas, Secret: []byte("benchmark secret of at least thirty-two bytes"),
	})
	if err != nil {
		tb.Fatal(err)
	}
	portal, ok := registry.BySlug(renderPortal)
	if !ok {
		tb.Fatalf("no demo portal %s in tenants/", renderPortal)
	}
	return &renderBench{s: s, portal: portal}
}

// handler serves draw on a visitor's GET, with the context the portal's
// middleware leaves for a handler: the portal, its host, the negotiated
// localizer (made per request, as negotiateLocale makes it), the request
// id and the form token.
func (rb *renderBench) handler(draw gin.HandlerFunc) http.Handler {
	e := gin.New()
	csrf := strings.Repeat("t", 43) // the length of a real token
	e.GET("/*path", func(c *gin.Context) {
		c.Set(ctxRequestID, "bench-request")
		c.Set(ctxTenant, rb.portal)
		c.Set(ctxHost, rb.portal.Hosts[0])
		c.Set(ctxLocalizer, rb.s.localizerFor(c, rb.portal.Locales.Default))
		c.Set(ctxCSRF, csrf)
		draw(c)
	})
	return e
}

// homeData is what home reads: the portal's categories (as provisioned
// from its file) and its count of coups de main.
func (rb *renderBench) homeData() *homeView {
	v := &homeView{Helped: 1234}
	for i, c := range rb.portal.Categories {
		v.Categories = append(v.Categories, category.Category{ID: int64(i + 1), Code: c.Code, Label: c.Label, Description: c.Description})
	}
	return v
}

// listPosts is a full page of the list (help.PerPage posts) as help.List
// returns it: open and visible, requests and offers in the portal's
// categories, in communes of its département, a few urgent.
func (rb *renderBench) listPosts(tb testing.TB) []help.Post {
	tb.Helper()
	communes := rb.s.Atlas.Communes(rb.portal.Departement)
	if len(communes) < help.PerPage {
		tb.Fatalf("%d communes in %s", len(communes), rb.portal.Departement)
	}
	titles := []string{
		"Courses au marché le samedi matin", "Accompagnement chez le médecin à Nantes",
		"Aide pour un CV et une lettre de motivation", "Balade et discussion l'après-midi",
		"Déménagement d'une armoire au 2e étage", "Appel téléphonique une fois par semaine",
		"Installer une application de visio sur une tablette", "Pharmacie : récupérer une ordonnance",
	}
	created := time.Date(2026, 11, 22, 14, 5, 0, 0, i18n.Paris())
	posts := make([]help.Post, help.PerPage)
	for i := range posts {
		kind := []string{help.KindRequest, help.KindOffer}[i%2]
		cm := communes[(i*7)%len(communes)]
		at := created.Add(-time.Duration(i) * 5 * time.Hour)
		posts[i] = help.Post{
			ID: int64(1000 - i), Kind: kind, Category: rb.portal.Categories[i%len(rb.portal.Categories)].Code,
			Title:       fmt.Sprintf("%s (%d)", titles[i%len(titles)], i+1),
			Description: "Bonjour, je cherche quelqu'un pour m'aider une heure ou deux. Merci d'avance à qui pourra venir.",
			CommuneCode: cm.Code, EPCICode: cm.EPCI, Modes: []string{"sur_place"}, WhenKind: "souple",
			Urgent: i%5 == 0, Status: "ouverte", Visibility: "visible",
			AuthorID: int64(100 + i), AuthorName: fmt.Sprintf("Voisin %d", i+1), AuthorCommune: cm.Code,
			CreatedAt: at, UpdatedAt: at, ExpiresAt: at.AddDate(0, 0, rb.portal.Rules.RequestExpiryDays),
		}
	}
	return posts
}

// discard is a response writer that keeps nothing, so that the loop
// measures the page and not a recorder's growing buffer.
type discard struct {
	header http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header         { return d.header }
func (d *discard) WriteHeader(status int)      { d.status = status }
func (d *discard) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

// benchPage checks the page once with a recorder (status and what it must
// show), then measures drawing it again and again.
func benchPage(b *testing.B, h http.Handler, target string, want []string) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d\n%s", target, rec.Code, rec.Body)
	}
	for _, w := range want {
		if !strings.Contains(rec.Body.String(), w) {
			b.Fatalf("GET %s: the page does not show %q", target, w)
		}
	}
	w := &discard{header: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.n = 0
		h.ServeHTTP(w, req)
	}
	if w.status != http.StatusOK || w.n != rec.Body.Len() {
		b.Fatalf("GET %s in the loop: %d, %d bytes; want 200, %d bytes", target, w.status, w.n, rec.Body.Len())
	}
	b.ReportMetric(float64(w.n), "page-bytes")
}

// BenchmarkRender draws the demo portal's home page (its theme's own
// template) and a page of the list of posts (20 posts, page 2 of 7, so
// both pagination links), for a visitor, in French.
func BenchmarkRender(b *testing.B) {
	rb := newRenderBench(b)
	b.Run("home", func(b *testing.B) {
		v := rb.homeData()
		h := rb.handler(func(c *gin.Context) {
			// A fresh view per request, as home reads one.
			page := *v
			rb.s.showHome(c, &page)
		})
		want := []string{rb.portal.Name, "1\u202f234"}
		for _, c := range v.Categories {
			want = append(want, c.Label.In("fr"))
		}
		benchPage(b, h, "/", want)
	})
	b.Run("posts", func(b *testing.B) {
		posts := rb.listPosts(b)
		const total = 137
		h := rb.handler(func(c *gin.Context) {
			rb.s.showPosts(c, help.Filter{Page: pageParam(c)}, posts, total)
		})
		want := []string{`rel="prev"`, `rel="next"`, "137"}
		for _, p := range posts {
			want = append(want, `href="/annonces/`+fmt.Sprint(p.ID)+`"`)
		}
		benchPage(b, h, "/annonces?page=2", want)
	})
	b.Run("queue", func(b *testing.B) {
		// A référent de territoire, as the load test signs in: one EPCI, so
		// the page offers the reasons to filter by and no other filter.
		entries := rb.queueEntries(b)
		epci := entries[0].EPCI
		reach := authz.Reach{EPCIs: []string{epci}}
		referent := &signedIn{User: account.User{ID: 7, DisplayName: "Référent du territoire", CommuneCode: rb.s.Atlas.Communes(rb.portal.Departement)[0].Code}}
		const total = 137
		h := rb.handler(func(c *gin.Context) {
			c.Set(ctxUser, referent)
			pageNum := pageParam(c)
			f := moderation.Filter{Limit: queuePageSize, Offset: (pageNum - 1) * queuePageSize}
			rb.s.showQueue(c, reach, f, pageNum, queuePage{entries: entries, total: total})
		})
		want := []string{`rel="prev"`, `rel="next"`, "137", `action="/deconnexion"`}
		for _, e := range entries {
			want = append(want, `href="`+itemPath(e.Kind, e.ID)+`"`)
		}
		benchPage(b, h, "/moderation?page=2", want)
	})
}

// queueEntries is a full page of a référent's queue as moderation.Queue
// returns it: posts of one EPCI waiting for the three reasons, some
// reported.
func (rb *renderBench) queueEntries(tb testing.TB) []moderation.QueueEntry {
	tb.Helper()
	posts := rb.listPosts(tb)
	entries := make([]moderation.QueueEntry, queuePageSize)
	for i := range entries {
		p := posts[i%len(posts)]
		e := moderation.QueueEntry{Kind: moderation.KindPost, ID: p.ID, EPCI: posts[0].EPCICode, Category: p.Category,
			Since: p.CreatedAt, Why: []string{moderation.Whys[i%len(moderation.Whys)]}, Title: p.Title, Excerpt: p.Description}
		if e.Why[0] == moderation.WhyReported {
			e.Reports, e.Reasons = 1+i%3, []string{"autre"}
		}
		entries[i] = e
	}
	return entries
}
