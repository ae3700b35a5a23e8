package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// axePath is where `make axe` (a step of `make test` and `make
// test-browser`) installs axe-core from npm.
const axePath = "../../build/npm/node_modules/axe-core/axe.min.js"

// axeSource reads axe-core, or skips the test loudly when it is missing.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(axePath)
	if err != nil {
		t.Skip("\n\n*** ACCESSIBILITY TESTS SKIPPED: axe-core is not installed (run `make axe`, which `make test` and `make test-browser` do: it needs npm). ***\n")
	}
	return string(b)
}

// axeRules are the rule sets the pages must pass: WCAG 2.0 and 2.1, levels
// A and AA (what RGAA 4 follows), and axe's best practices.
const axeRun = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}, resultTypes: ['violations']})
.then(r => JSON.stringify({
  url: r.url,
  violations: r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary}))})),
  passes: r.passes.map(p => p.id),
  incomplete: r.incomplete.map(i => ({id: i.id, help: i.help, nodes: i.nodes.map(n => n.target)}))
}))`

type axeResult struct {
	URL        string `json:"url"`
	Violations []struct {
		ID, Impact, Help, HelpURL string
		Nodes                     []struct {
			Target  []any  `json:"target"`
			HTML    string `json:"html"`
			Summary string `json:"summary"`
		} `json:"nodes"`
	} `json:"violations"`
	Passes     []string `json:"passes"`
	Incomplete []any    `json:"incomplete"`
}

// a11yPage is one page type the suite checks.
type a11yPage struct {
	name string
	path func(d *demoPortal) string
	as   string // who is signed in: "" (a visitor), "lea", "paul", "zoe", "admin"
	// then runs on the page before the check, to show a state (errors).
	then []chromedp.Action[chromedp.Void]
	// module, when set, is the module the page belongs to: portals
	// without it skip the page.
	module string
}

// demoPortal is one portal of the suite, with people and content.
type demoPortal struct {
	slug, base string
	sessions   map[string]string // person → session token
	leaPost    int64             // Léa's request, answered by Paul
	zoePost    int64             // Zoé's offer, not answered
	conv       int64             // Léa and Paul's conversation
}

// submitEmpty sends a page's main form as it is, to show its errors.
func submitEmpty(form string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(form + ` button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.error-summary`)),
	}
}

var a11yPages = []a11yPage{
	{name: "home", path: func(*demoPortal) string { return "/" }},
	{name: "home-signed-in", path: func(*demoPortal) string { return "/" }, as: "admin"},
	{name: "posts", path: func(*demoPortal) string { return "/annonces" }},
	{name: "posts-filtered", path: func(*demoPortal) string { return "/annonces?type=demande&q=samedi" }, as: "zoe"},
	{name: "post", path: func(d *demoPortal) string { return "/annonces/" + itoa(d.leaPost) }},
	{name: "post-answer", path: func(d *demoPortal) string { return "/annonces/" + itoa(d.leaPost) }, as: "zoe"},
	{name: "post-owner", path: func(d *demoPortal) string { return "/annonces/" + itoa(d.leaPost) }, as: "lea"},
	{name: "post-new", path: func(*demoPortal) string { return "/annonces/nouvelle?type=demande" }, as: "lea"},
	{name: "post-new-errors", path: func(*demoPortal) string { return "/annonces/nouvelle" }, as: "lea", then: submitEmpty(`main form[method=post]`)},
	{name: "post-edit", path: func(d *demoPortal) string { return "/annonces/" + itoa(d.leaPost) + "/modifier" }, as: "lea"},
	{name: "my-posts", path: func(*demoPortal) string { return "/mes-annonces" }, as: "lea"},
	{name: "messages", path: func(*demoPortal) string { return "/messages" }, as: "paul"},
	{name: "conversation", path: func(d *demoPortal) string { return "/messages/" + itoa(d.conv) }, as: "lea"},
	{name: "report", path: func(d *demoPortal) string { return "/signaler?type=post&id=" + itoa(d.zoePost) }, as: "paul"},
	{name: "report-errors", path: func(d *demoPortal) string { return "/signaler?type=post&id=" + itoa(d.zoePost) }, as: "paul", then: submitEmpty(`main form[method=post]`)},
	{name: "login", path: func(*demoPortal) string { return "/connexion" }},
	{name: "login-errors", path: func(*demoPortal) string { return "/connexion" }, then: submitEmpty(`main form[action="/connexion"]`)},
	{name: "register", path: func(*demoPortal) string { return "/inscription" }},
	{name: "register-errors", path: func(*demoPortal) string { return "/inscription" }, then: submitEmpty(`main form[action="/inscription"]`)},
	{name: "password-forgot", path: func(*demoPortal) string { return "/mot-de-passe/oublie" }},
	{name: "link-expired", path: func(*demoPortal) string { return "/mot-de-passe/nouveau?jeton=ancien-lien-qui-ne-marche-plus" }},
	{name: "account", path: func(*demoPortal) string { return "/compte" }, as: "lea"},
	{name: "account-delete", path: func(*demoPortal) string { return "/compte/supprimer" }, as: "lea"},
	{name: "admin-roles", path: func(*demoPortal) string { return "/admin/roles?q=a" }, as: "admin"},
	{name: "admin-audit", path: func(*demoPortal) string { return "/admin/journal" }, as: "admin"},
	{name: "moderation-queue", path: func(*demoPortal) string { return "/moderation" }, as: "admin"},
	{name: "moderation-item", path: func(d *demoPortal) string { return "/moderation/annonce/" + itoa(d.zoePost) }, as: "admin"},
	{name: "moderation-item-errors", path: func(d *demoPortal) string { return "/moderation/annonce/" + itoa(d.zoePost) }, as: "admin", then: submitEmpty(`#decision-hide`)},
	{name: "moderation-dashboard", path: func(*demoPortal) string { return "/moderation/tableau" }, as: "admin"},
	{name: "admin-moderation", path: func(*demoPortal) string { return "/admin/moderation" }, as: "admin"},
	{name: "referents", path: func(*demoPortal) string { return "/referents" }, module: "referents"},
	{name: "links", path: func(*demoPortal) string { return "/liens-utiles" }, module: "liens_utiles"},
	{name: "news", path: func(*demoPortal) string { return "/actualites" }, module: "actualites"},
	{name: "news-new", path: func(*demoPortal) string { return "/actualites/nouvelle" }, as: "admin", module: "actualites"},
	{name: "news-new-errors", path: func(*demoPortal) string { return "/actualites/nouvelle" }, as: "admin", module: "actualites", then: submitEmpty(`main form[method=post]`)},
	{name: "forum", path: func(*demoPortal) string { return "/forum" }, module: "forum"},
	{name: "forum-new", path: func(*demoPortal) string { return "/forum/nouveau" }, as: "lea", module: "forum"},
	{name: "forum-new-errors", path: func(*demoPortal) string { return "/forum/nouveau" }, as: "lea", module: "forum", then: submitEmpty(`main form[method=post]`)},
	{name: "profile-mine", path: func(*demoPortal) string { return "/profils/moi" }, as: "lea", module: "profils"},
	{name: "profile-edit", path: func(*demoPortal) string { return "/compte/profil" }, as: "lea", module: "profils"},
	{name: "agenda", path: func(*demoPortal) string { return "/agenda" }, module: "agenda"},
	{name: "agenda-month", path: func(*demoPortal) string { return "/agenda?vue=mois" }, module: "agenda"},
	{name: "event-new", path: func(*demoPortal) string { return "/agenda/nouveau" }, as: "admin", module: "agenda"},
	{name: "event-new-errors", path: func(*demoPortal) string { return "/agenda/nouveau" }, as: "admin", module: "agenda", then: submitEmpty(`main form[method=post]`)},
	{name: "my-signups", path: func(*demoPortal) string { return "/agenda/mes-inscriptions" }, as: "lea", module: "agenda"},
	{name: "legal", path: func(*demoPortal) string { return "/mentions-legales" }},
	{name: "error-404", path: func(*demoPortal) string { return "/cette-page-n-existe-pas" }},
	{name: "error-403", path: func(*demoPortal) string { return "/admin/roles" }, as: "paul"},
}

// widths are the screens the suite looks with: a small phone and a laptop.
var widths = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"375", 375, 812, true}, {"1280", 1280, 900, false}}

// demoPortals serves the three shipped portals on a real port, each with
// four people (Léa, Paul, Zoé, and an admin), posts and a conversation.
func demoPortals(t *testing.T) (*fixture, map[string]*demoPortal) {
	t.Helper()
	slugs := []string{"calvados", "lozere", "tousvoisins44"}
	var portals []*tenant.Tenant
	for _, s := range slugs {
		portals = append(portals, shippedPortal(t, s))
	}
	f := newFixtureFor(t, nil, portals...)
	port := serveOnPort(t, f)

	out := map[string]*demoPortal{}
	for _, slug := range slugs {
		d := &demoPortal{slug: slug, base: "http://" + slug + ".localhost:" + port, sessions: map[string]string{}}
		ids := map[string]int64{}
		for key, name := range map[string]string{"lea": "Léa Martin", "paul": "Paul Durand", "zoe": "Zoé Bernard", "admin": "Agnès Admin"} {
			ids[key], d.sessions[key] = f.resident(t, slug, name)
		}
		ctx := f.env.Ctx(t, slug)
		if err := f.deps.Authz.Grant(ctx, authz.OperatorActor("test"), ids["admin"], authz.RoleAdminDepartement, nil); err != nil {
			t.Fatal(err)
		}
		lea := f.seedPosts(t, slug, ids["lea"], 2)
		zoe := f.seedPosts(t, slug, ids["zoe"], 2)
		d.leaPost, d.zoePost = lea[0].ID, zoe[1].ID
		// Where posts wait for a moderator (Lozère), one has approved them.
		if err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE posts SET visibility = 'visible'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var err error
		if d.conv, err = f.deps.Conversations.Answer(ctx, d.leaPost, ids["paul"], "Bonjour Léa, je peux venir samedi matin.", d.base); err != nil {
			t.Fatal(err)
		}
		if _, err := f.deps.Conversations.Send(ctx, d.conv, ids["lea"], "Merci Paul ! À samedi, 9 h devant la mairie.", d.base); err != nil {
			t.Fatal(err)
		}
		out[slug] = d
	}
	return f, out
}

// signInAs puts a person's session in the browser (or none for a
// visitor), with French chosen as the language.
func signInAs(d *demoPortal, who string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			return err
		}
		cookies := map[string]string{"lang": "fr"}
		if who != "" {
			cookies["entraide_session"] = d.sessions[who]
		}
		for name, value := range cookies {
			if _, err := cdp.Call(ctx, t, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: d.base + "/"}); err != nil {
				return err
			}
		}
		return nil
	})
}

// TestBrowserAccessibility opens every page type of every demo theme at a
// phone's width and a laptop's, runs axe-core on it, and fails on any
// violation. Results go to build/a11y/<page>-<theme>-<width>.json and
// pictures to build/screenshots/ for people to look at.
func TestBrowserAccessibility(t *testing.T) {
	axe := axeSource(t)
	ctx := browserCtxFor(t, 15*time.Minute)
	f, portals := demoPortals(t)
	resultsDir := filepath.Join("..", "..", "build", "a11y")
	if err := os.MkdirAll(resultsDir, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, slug := range []string{"calvados", "lozere", "tousvoisins44"} {
		d := portals[slug]
		for _, w := range widths {
			var opts []chromedp.EmulateViewportOption
			if w.mobile {
				opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(w.width, w.height, opts...)); err != nil {
				t.Fatal(err)
			}
			for _, pg := range a11yPages {
				if p, _ := f.env.Registry.BySlug(tenant.Slug(slug)); pg.module != "" && !p.HasModule(pg.module) {
					continue
				}
				name := pg.name + "-" + slug + "-" + w.name
				steps := []chromedp.Action[chromedp.Void]{signInAs(d, pg.as), chromedp.Navigate(d.base + pg.path(d))}
				steps = append(steps, pg.then...)
				steps = append(steps, chromedp.Evaluate[chromedp.Void](axe))
				if err := chromedp.Do(ctx, steps...); err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Errorf("%s: axe: %v", name, err)
					continue
				}
				if err := os.WriteFile(filepath.Join(resultsDir, name+".json"), []byte(raw), 0o644); err != nil {
					t.Fatal(err)
				}
				var r axeResult
				if err := json.Unmarshal([]byte(raw), &r); err != nil {
					t.Fatalf("%s: axe result: %v", name, err)
				}
				if len(r.Passes) < 10 {
					t.Errorf("%s: axe checked only %d rules: %s", name, len(r.Passes), r.URL)
				}
				for _, v := range r.Violations {
					var where []string
					for _, n := range v.Nodes {
						where = append(where, fmt.Sprintf("%v %s\n        %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n        ")))
					}
					t.Errorf("%s (%s): %s [%s] %s\n      %s", name, r.URL, v.ID, v.Impact, v.Help, strings.Join(where, "\n      "))
				}
				// Nothing may need sideways scrolling (WCAG 1.4.10): at 375 px
				// this also covers a 1280 px screen zoomed to 200 % (640 px)
				// and beyond.
				overflow, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
  const w = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1);
  return document.documentElement.scrollWidth > w + 1 ? wide.slice(0, 3).map(e => e.outerHTML.slice(0, 120)).join(' | ') || 'page' : '';
})()`))
				if err != nil {
					t.Fatal(err)
				}
				if overflow != "" {
					t.Errorf("%s: wider than the screen, people must scroll sideways: %s", name, overflow)
				}
				screenshot(t, ctx, name)
			}
		}
	}
}
