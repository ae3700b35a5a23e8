package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"net/netip"

	"github.com/entraide/entraide/internal/pagecache"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/internal/web"
)

// cacheOf says where a page came from: "hit" for the page cache, "miss"
// for a page drawn on a route that may cache, "" for a page that never is.
func cacheOf(resp *http.Response) string { return resp.Header.Get("X-Cache") }

// Visitors who are not signed in share the public pages: the second one is
// served from the cache, with nothing of the first one's. A post written
// on the portal retires its pages at once, on every server sharing the
// store, and only that portal's; signed-in people always get a page drawn
// for them.
func TestVisitorsSharePagesUntilThePortalChanges(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	// A second server on the same database and store, as a second
	// instance of the deployment would be, with its own memory.
	replica := newFixtureOn(t, f, func(d *web.Deps) {
		d.Pages = pagecache.New(d.KV, pagecache.Options{TTL: time.Minute, MaxBytes: 16 << 20})
	})
	srv2 := httptest.NewServer(replica.server.Handler())
	defer srv2.Close()
	const alpha, beta = "http://alpha.localhost", "http://beta.localhost"
	_, lea := f.person(t, srv, "alpha", "Léa")

	first, second := newBrowser(t, srv), newBrowser(t, srv)
	steps := []struct {
		who   *browser
		url   string
		cache string
	}{
		{first, alpha + "/annonces", "miss"},
		{first, alpha + "/annonces", "hit"},
		{second, alpha + "/annonces", "hit"},
		{second, alpha + "/annonces?lang=en", "miss"},
		{first, beta + "/annonces", "miss"},
		{first, beta + "/annonces", "hit"},
		{lea, alpha + "/annonces", ""},
	}
	for _, s := range steps {
		if resp := s.who.get(s.url); resp.StatusCode != 200 || cacheOf(resp) != s.cache {
			t.Fatalf("GET %s: %d, cache %q, want 200 and %q", s.url, resp.StatusCode, cacheOf(resp), s.cache)
		}
	}
	if strings.Contains(second.last, `name="csrf"`) {
		t.Fatal("a page given to every visitor carries a form token")
	}
	onReplica := newBrowser(t, srv2)
	for _, want := range []string{"miss", "hit"} {
		if resp := onReplica.get(alpha + "/annonces"); cacheOf(resp) != want {
			t.Fatalf("replica: cache %q, want %q", cacheOf(resp), want)
		}
	}

	lea.get(alpha + "/annonces/nouvelle?type=demande")
	resp := lea.post(alpha+"/annonces/nouvelle", map[string]string{
		"kind": "demande", "category": "courses", "title": "Courses du jeudi",
		"description": "J'ai besoin d'aide pour porter mes courses depuis le marché.",
		"commune":     "Nantes", "modes": "sur_place", "when": "souple",
	})
	if postLink.FindStringSubmatch(resp.Request.URL.String()) == nil {
		t.Fatalf("the post was not published: %s\n%s", resp.Request.URL, lea.last)
	}
	for _, b := range []*browser{second, onReplica} {
		resp := b.get(alpha + "/annonces")
		if cacheOf(resp) != "miss" || !strings.Contains(b.last, "Courses du jeudi") {
			t.Fatalf("after a new post the list came from the cache (%q) or lacks the post", cacheOf(resp))
		}
	}
	if resp := first.get(beta + "/annonces"); cacheOf(resp) != "hit" || strings.Contains(first.last, "Courses du jeudi") {
		t.Fatalf("beta's list after a post on alpha: cache %q", cacheOf(resp))
	}
}

// Every public page is served from the cache on a second visit, and
// looking at them writes nothing: if one did, every visit would retire the
// portal's pages and the cache would never serve.
func TestVisitingDoesNotRetirePages(t *testing.T) {
	portal := testutil.Portal("alpha")
	portal.Modules = []string{"entraide", "agenda", "referents", "actualites", "liens_utiles", "forum", "profils"}
	f := newFixtureFor(t, nil, portal)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	const alpha = "http://alpha.localhost"
	_, lea := f.person(t, srv, "alpha", "Léa")
	lea.get(alpha + "/annonces/nouvelle?type=proposition")
	resp := lea.post(alpha+"/annonces/nouvelle", map[string]string{
		"kind": "proposition", "category": "courses", "title": "Je fais vos courses",
		"description": "Je passe au marché le samedi matin et je peux porter vos courses.",
		"commune":     "Nantes", "modes": "sur_place", "when": "souple",
	})
	m := postLink.FindStringSubmatch(resp.Request.URL.String())
	if m == nil {
		t.Fatalf("the post was not published: %s", resp.Request.URL)
	}
	ctx := context.Background()
	before, err := f.deps.Pages.Version(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	visitor := newBrowser(t, srv)
	for _, path := range []string{"/", "/annonces", "/annonces?q=courses", "/annonces/" + m[1], "/mentions-legales",
		"/agenda", "/agenda.ics", "/actualites", "/actualites.atom", "/referents", "/liens-utiles", "/forum"} {
		for i := range 2 {
			resp := visitor.get(alpha + path)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
			if want := []string{"miss", "hit"}[i]; cacheOf(resp) != want {
				t.Fatalf("GET %s, visit %d: cache %q, want %q", path, i+1, cacheOf(resp), want)
			}
		}
	}
	after, err := f.deps.Pages.Version(ctx, "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatal("a visitor's tour of the public pages wrote to the portal")
	}
}

// Behind a proxy every request has the proxy's Host; the portal, and the
// territory, come from X-Forwarded-Host, and so must the stored page: a
// territory's page is never given for the portal's, nor the reverse, nor
// a feed written with https addresses to a visitor who came by http.
func TestCachedPagesFollowTheForwardedHostAndScheme(t *testing.T) {
	alpha := testutil.Portal("alpha")
	alpha.Modules = []string{"entraide", "actualites"}
	f := newFixtureFor(t, func(d *web.Deps) {
		d.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	}, alpha)
	steps := []struct {
		path, forwarded, proto string
		want, deny             string
	}{
		{"/annonces", "nantes-metropole.alpha.localhost", "https", `class="territory"`, ""},
		{"/annonces", "alpha.localhost", "https", "", `class="territory"`},
		{"/annonces", "nantes-metropole.alpha.localhost", "https", `class="territory"`, ""},
		{"/annonces", "alpha.localhost", "https", "", `class="territory"`},
		{"/actualites.atom", "alpha.localhost", "https", "https://alpha.localhost", "http://alpha.localhost"},
		{"/actualites.atom", "alpha.localhost", "http", "http://alpha.localhost", "https://alpha.localhost"},
		{"/actualites.atom", "alpha.localhost", "https", "https://alpha.localhost", "http://alpha.localhost"},
		{"/actualites.atom", "alpha.localhost", "http", "http://alpha.localhost", "https://alpha.localhost"},
	}
	for i, s := range steps {
		w := f.do(t, req{host: "entraide.internal", path: s.path, remote: "10.1.2.3:5555",
			header: map[string]string{"X-Forwarded-Host": s.forwarded, "X-Forwarded-Proto": s.proto}})
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, s.want) || (s.deny != "" && strings.Contains(body, s.deny)) {
			t.Fatalf("step %d, %s%s by %s (cache %q): status %d, want %q and not %q", i+1, s.forwarded, s.path, s.proto,
				w.Header().Get("X-Cache"), w.Code, s.want, s.deny)
		}
	}
}
