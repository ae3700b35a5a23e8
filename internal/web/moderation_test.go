package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/testutil"
)

// moderationFixture is alpha under premoderation, with an admin, a
// référent de territoire of Nantes Métropole, a référent thématique of
// "ecoute", a resident author and a post of theirs waiting in Nantes and
// one in Saint-Nazaire (CARENE).
type moderationFixture struct {
	*fixture
	srv                          *httptest.Server
	ctx                          context.Context
	adminID, refID, authorID     int64
	admin, ref, theme, author    *browser
	nantesPost, saintNazairePost help.Post
}

func newModerationFixture(t *testing.T) *moderationFixture {
	t.Helper()
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	alpha.Rules.Premoderation = true
	f := &moderationFixture{fixture: newFixtureFor(t, nil, alpha, beta)}
	f.srv = httptest.NewServer(f.server.Handler())
	t.Cleanup(f.srv.Close)
	f.ctx = f.env.Ctx(t, "alpha")
	f.adminID, f.admin = f.person(t, f.srv, "alpha", "Agnès Admin")
	f.refID, f.ref = f.person(t, f.srv, "alpha", "Théo Territoire")
	themeID, theme := f.person(t, f.srv, "alpha", "Thérèse Thème")
	f.theme = theme
	f.authorID, f.author = f.person(t, f.srv, "alpha", "Aurore")
	op := authz.OperatorActor("test")
	for _, g := range []struct {
		id    int64
		role  authz.Role
		scope []string
	}{{f.adminID, authz.RoleAdminDepartement, nil}, {f.refID, authz.RoleReferentTerritoire, []string{"244400404"}},
		{themeID, authz.RoleReferentThematique, []string{"ecoute"}}} {
		if err := f.deps.Authz.Grant(f.ctx, op, g.id, g.role, g.scope); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	draft := help.Draft{Kind: help.KindRequest, Category: "courses", Title: "Courses à Nantes",
		Description: "J'ai besoin d'aide pour porter mes courses.", CommuneCode: "44109", Modes: []string{"sur_place"}, WhenKind: "souple"}
	if f.nantesPost, err = f.deps.Help.Create(f.ctx, f.authorID, draft); err != nil {
		t.Fatal(err)
	}
	draft.Title, draft.CommuneCode = "Courses à Saint-Nazaire", "44184"
	if f.saintNazairePost, err = f.deps.Help.Create(f.ctx, f.authorID, draft); err != nil {
		t.Fatal(err)
	}
	return f
}

const alphaURL = "http://alpha.localhost"

// signIn, as an expected status, means "sent to the sign-in page".
const signIn = -1

// TestModerationPagesScope checks who reaches the moderation pages and
// items, over HTTP: in scope, out of scope (403), and nobody from another
// portal.
func TestModerationPagesScope(t *testing.T) {
	f := newModerationFixture(t)
	nantes, saintNazaire := itoa(f.nantesPost.ID), itoa(f.saintNazairePost.ID)
	_, betaPerson := f.person(t, f.srv, "beta", "Bernard Beta")

	tests := []struct {
		name   string
		who    *browser
		url    string
		status int
	}{
		{"référent: queue", f.ref, "/moderation", 200},
		{"référent: item of its EPCI", f.ref, "/moderation/annonce/" + nantes, 200},
		{"référent: item of the neighbouring EPCI", f.ref, "/moderation/annonce/" + saintNazaire, 403},
		{"référent: dashboard", f.ref, "/moderation/tableau", 200},
		{"référent: the admin's log", f.ref, "/admin/moderation", 403},
		{"référent: the log as CSV", f.ref, "/admin/moderation.csv", 403},
		{"thematic référent: an item of another theme", f.theme, "/moderation/annonce/" + nantes, 403},
		{"resident: queue", f.author, "/moderation", 403},
		{"resident: item", f.author, "/moderation/annonce/" + nantes, 403},
		{"resident: dashboard", f.author, "/moderation/tableau", 403},
		{"admin: item anywhere", f.admin, "/moderation/annonce/" + saintNazaire, 200},
		{"admin: log", f.admin, "/admin/moderation", 200},
		{"an unreported message", f.admin, "/moderation/message/1", 404},
		{"someone of beta on alpha", betaPerson, "/moderation", signIn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.who.get(alphaURL + tc.url)
			if tc.status == signIn {
				if resp.Request.URL.Path != "/connexion" {
					t.Fatalf("GET %s led to %s, want the sign-in page", tc.url, resp.Request.URL)
				}
				return
			}
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s = %d, want %d", tc.url, resp.StatusCode, tc.status)
			}
			if tc.status == 200 {
				uniqueIDs(t, tc.who.last)
			}
		})
	}
	// The référent's queue lists its EPCI's post, not the neighbour's.
	f.ref.get(alphaURL + "/moderation")
	if !strings.Contains(f.ref.last, "Courses à Nantes") || strings.Contains(f.ref.last, "Courses à Saint-Nazaire") {
		t.Fatalf("référent's queue:\n%s", f.ref.last)
	}
	// The moderation link shows to référents only.
	f.ref.get(alphaURL + "/")
	f.author.get(alphaURL + "/")
	if !strings.Contains(f.ref.last, `href="/moderation"`) || strings.Contains(f.author.last, `href="/moderation"`) {
		t.Error("the moderation link is not shown to référents only")
	}
	// A forged decision outside the scope is refused and changes nothing.
	f.ref.get(alphaURL + "/moderation")
	resp := f.ref.post(alphaURL+"/moderation/annonce/"+saintNazaire, map[string]string{"action": "approve"})
	if resp.StatusCode != 403 {
		t.Fatalf("forged approval: %d", resp.StatusCode)
	}
	if p, _ := f.deps.Help.Get(f.ctx, f.saintNazairePost.ID, f.authorID); p.Visibility != help.VisibilityPending {
		t.Errorf("forged approval changed the post: %s", p.Visibility)
	}
}

// TestModerationDecisionsOverHTTP walks a référent through decisions, a
// refused form that keeps what was typed, the effect of a suspension on
// the author, and the admin's log and its export.
func TestModerationDecisionsOverHTTP(t *testing.T) {
	f := newModerationFixture(t)
	item := alphaURL + "/moderation/annonce/" + itoa(f.nantesPost.ID)

	// Suspending without a reason: 422, the chosen length is kept.
	f.ref.get(item)
	resp := f.ref.post(item, map[string]string{"action": "suspend", "days": "30", "reason": ""})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(f.ref.last, "Écrivez la raison") ||
		!strings.Contains(f.ref.last, `<option value="30" selected>`) {
		t.Fatalf("suspend without reason: %d\n%s", resp.StatusCode, f.ref.last)
	}
	uniqueIDs(t, f.ref.last)
	resp = f.ref.post(item, map[string]string{"action": "suspend", "days": "7", "reason": "Demandes d'argent"})
	if resp.StatusCode != 200 || !strings.Contains(f.ref.last, "Votre décision est enregistrée") {
		t.Fatalf("suspend: %d\n%s", resp.StatusCode, f.ref.last)
	}

	// The author is told on every page, and may not post or write.
	f.author.get(alphaURL + "/")
	if !strings.Contains(f.author.last, "Votre compte est suspendu jusqu") || !strings.Contains(f.author.last, "Demandes d&#39;argent") {
		t.Fatalf("no suspension notice:\n%s", f.author.last)
	}
	for _, path := range []string{"/annonces/nouvelle"} {
		if resp := f.author.get(alphaURL + path); resp.StatusCode != 403 || !strings.Contains(f.author.last, "Votre compte est suspendu jusqu") {
			t.Errorf("suspended author on %s: %d", path, resp.StatusCode)
		}
	}
	f.author.get(alphaURL + "/compte")
	resp = f.author.post(alphaURL+"/annonces/nouvelle", map[string]string{"kind": "demande", "category": "courses",
		"title": "Encore des courses", "description": "J'ai encore besoin d'aide pour mes courses.", "commune": "Nantes",
		"modes": "sur_place", "when": "souple"})
	if resp.StatusCode != 403 {
		t.Errorf("suspended author posted: %d", resp.StatusCode)
	}
	// The API refuses too, with the reason.
	code, body := apiClient{t: t, srv: f.srv, host: "alpha.localhost", token: makeToken(t, f.author, "alpha.localhost")}.
		call("POST", "/posts", map[string]any{"kind": "demande", "category": "courses", "title": "Encore des courses",
			"description": "J'ai encore besoin d'aide pour mes courses.", "commune": "44109", "modes": []string{"sur_place"},
			"when": map[string]any{"kind": "souple"}})
	if code != 403 || !strings.Contains(body["error"].(map[string]any)["message"].(string), "suspendu") {
		t.Errorf("suspended author through the API: %d %v", code, body)
	}

	// Nor answer someone else's post.
	other, err := f.deps.Help.Create(f.ctx, f.refID, help.Draft{Kind: help.KindOffer, Category: "courses", Title: "Je fais vos courses",
		Description: "Je passe au marché le samedi, je peux prendre vos courses.", CommuneCode: "44109",
		Modes: []string{"sur_place"}, WhenKind: "souple"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.deps.Moderation.Decide(f.ctx, f.adminID, moderation.Decision{Kind: moderation.KindPost, ID: other.ID, Action: moderation.Approve}, alphaURL); err != nil {
		t.Fatal(err)
	}
	f.author.get(alphaURL + "/annonces/" + itoa(other.ID))
	if resp := f.author.post(alphaURL+"/annonces/"+itoa(other.ID)+"/repondre", map[string]string{"message": "Bonjour, je suis intéressée."}); resp.StatusCode != 403 {
		t.Errorf("suspended author answered: %d", resp.StatusCode)
	}

	// Hiding: the author still sees the post, with the reason.
	f.ref.get(item)
	f.ref.post(item, map[string]string{"action": "hide", "reason": "Adresse complète dans le texte"})
	f.author.get(alphaURL + "/annonces/" + itoa(f.nantesPost.ID))
	if !strings.Contains(f.author.last, "Un référent a masqué votre annonce") || !strings.Contains(f.author.last, "Adresse complète dans le texte") {
		t.Errorf("the author does not see why:\n%s", f.author.last)
	}
	if resp := newBrowser(t, f.srv).get(alphaURL + "/annonces/" + itoa(f.nantesPost.ID)); resp.StatusCode != 404 {
		t.Errorf("a visitor sees a hidden post: %d", resp.StatusCode)
	}

	// Lifting the suspension from the item page.
	f.ref.get(item)
	resp = f.ref.post(alphaURL+"/moderation/personne/"+itoa(f.authorID)+"/lever", map[string]string{"retour": "/moderation/annonce/" + itoa(f.nantesPost.ID)})
	if resp.StatusCode != 200 || !strings.Contains(f.ref.last, "La suspension est levée") {
		t.Fatalf("lift: %d", resp.StatusCode)
	}
	if resp := f.author.get(alphaURL + "/annonces/nouvelle"); resp.StatusCode != 200 {
		t.Errorf("after the lift: %d", resp.StatusCode)
	}

	// The admin reads every decision, and exports them.
	f.admin.get(alphaURL + "/admin/moderation")
	for _, want := range []string{"Théo Territoire", "Suspension", "Masqué", "Suspension levée", "Adresse complète dans le texte"} {
		if !strings.Contains(f.admin.last, want) {
			t.Errorf("log page lacks %q", want)
		}
	}
	resp, err = f.admin.client.Get(alphaURL + "/admin/moderation.csv?action=hide")
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV: %d %v", resp.StatusCode, resp.Header)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], ";hide;post;") {
		t.Errorf("CSV filtered on hide:\n%s", csv)
	}
}

// TestModerationAPI checks the API's scope and a decision through it.
func TestModerationAPI(t *testing.T) {
	f := newModerationFixture(t)
	ref := apiClient{t: t, srv: f.srv, host: "alpha.localhost", token: makeToken(t, f.ref, "alpha.localhost")}
	author := apiClient{t: t, srv: f.srv, host: "alpha.localhost", token: makeToken(t, f.author, "alpha.localhost")}

	code, body := ref.call("GET", "/moderation/queue", nil)
	if code != 200 || body["total"].(float64) != 1 {
		t.Fatalf("queue: %d %v", code, body)
	}
	if code, _ := author.call("GET", "/moderation/queue", nil); code != 403 {
		t.Errorf("resident's queue: %d", code)
	}
	if code, _ := ref.call("GET", "/moderation/posts/"+itoa(f.saintNazairePost.ID), nil); code != 403 {
		t.Errorf("out of scope item: %d", code)
	}
	code, body = ref.call("POST", "/moderation/posts/"+itoa(f.saintNazairePost.ID)+"/decisions", map[string]any{"action": "approve"})
	if code != 403 {
		t.Errorf("out of scope decision: %d %v", code, body)
	}
	code, body = ref.call("POST", "/moderation/posts/"+itoa(f.nantesPost.ID)+"/decisions", map[string]any{"action": "hide"})
	if code != 422 || body["error"].(map[string]any)["fields"].(map[string]any)["reason"] == nil {
		t.Errorf("hide without reason: %d %v", code, body)
	}
	code, body = ref.call("POST", "/moderation/posts/"+itoa(f.nantesPost.ID)+"/decisions", map[string]any{"action": "approve"})
	if code != 200 || body["notified"] != true {
		t.Fatalf("approve: %d %v", code, body)
	}
	code, _ = ref.call("POST", "/moderation/posts/"+itoa(f.nantesPost.ID)+"/decisions", map[string]any{"action": "restore"})
	if code != http.StatusConflict {
		t.Errorf("restoring a visible post: %d", code)
	}
	if code, _ := ref.call("GET", "/moderation/log", nil); code != 403 {
		t.Errorf("référent reads the log: %d", code)
	}
	admin := apiClient{t: t, srv: f.srv, host: "alpha.localhost", token: makeToken(t, f.admin, "alpha.localhost")}
	code, body = admin.call("GET", "/moderation/log", nil)
	if code != 200 || body["total"].(float64) != 1 {
		t.Errorf("admin's log: %d %v", code, body)
	}
	code, body = admin.call("GET", "/moderation/dashboard", nil)
	if code != 200 || body["decisions"].(float64) != 1 || body["waiting"].(float64) != 1 {
		t.Errorf("dashboard: %d %v", code, body)
	}
}

// A référent's queue is remembered for them alone while the portal has
// not changed (moderationQueuePage). These steps check that it always
// shows what waits as it stands after the portal's last announced write,
// that a référent of one EPCI is never given the admin's queue (nor the
// other way), and say when it was drawn from remembered rows.
func TestModerationQueueIsReadAgainAfterEveryWrite(t *testing.T) {
	f := newModerationFixture(t)
	queue := func(who *browser, header map[string]string) (page, cache string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, alphaURL+"/moderation", nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := who.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		who.read(resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/moderation: %d", resp.StatusCode)
		}
		return who.last, resp.Header.Get("X-Cache")
	}
	const nantes, saintNazaire, renamed = "Courses à Nantes", "Courses à Saint-Nazaire", "Courses du marché de Talensac"
	var later help.Post // a post written in a step
	steps := []struct {
		name       string
		change     func()
		who        *browser
		header     map[string]string
		show, hide []string
		remembered bool
	}{
		{name: "first visit", who: f.ref, show: []string{nantes}, hide: []string{saintNazaire}},
		{name: "again", who: f.ref, show: []string{nantes}, hide: []string{saintNazaire}, remembered: true},
		// The admin asks the same address: their own queue, not the référent's.
		{name: "the admin", who: f.admin, show: []string{nantes, saintNazaire}},
		{name: "the référent after the admin", who: f.ref, show: []string{nantes}, hide: []string{saintNazaire}, remembered: true},
		{name: "a new post waits", change: func() {
			var err error
			later, err = f.deps.Help.Create(f.ctx, f.authorID, help.Draft{Kind: help.KindOffer, Category: "courses",
				Title: "Je porte vos courses à Rezé", Description: "Je passe au marché le samedi et je peux porter vos courses.",
				CommuneCode: "44143", Modes: []string{"sur_place"}, WhenKind: "souple"})
			if err != nil {
				t.Fatal(err)
			}
		}, who: f.ref, show: []string{nantes, "Je porte vos courses à Rezé"}, hide: []string{saintNazaire}},
		{name: "the admin approves it", change: func() {
			if err := f.deps.Moderation.Decide(f.ctx, f.adminID, moderation.Decision{Kind: moderation.KindPost, ID: later.ID,
				Action: moderation.Approve}, alphaURL); err != nil {
				t.Fatal(err)
			}
		}, who: f.ref, show: []string{nantes}, hide: []string{"Je porte vos courses à Rezé"}},
		// A change nobody announced (another program's) is not seen yet ...
		{name: "renamed unannounced", change: func() {
			if _, err := f.env.DB.Pool().Exec(context.Background(),
				`UPDATE tenant_alpha.posts SET title = $1 WHERE id = $2`, renamed, f.nantesPost.ID); err != nil {
				t.Fatal(err)
			}
		}, who: f.ref, show: []string{nantes}, hide: []string{renamed}, remembered: true},
		// ... except by a forced reload, which reads the database ...
		{name: "forced reload", who: f.ref, header: map[string]string{"Cache-Control": "no-cache"},
			show: []string{renamed}, hide: []string{nantes}},
		// ... and what it read is what the next ones get.
		{name: "after the forced reload", who: f.ref, show: []string{renamed}, hide: []string{nantes}, remembered: true},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		page, cache := queue(st.who, st.header)
		for _, title := range st.show {
			if !strings.Contains(page, title) {
				t.Errorf("%s: the queue should show %q", st.name, title)
			}
		}
		for _, title := range st.hide {
			if strings.Contains(page, title) {
				t.Errorf("%s: the queue should not show %q", st.name, title)
			}
		}
		if got := cache == "rows"; got != st.remembered {
			t.Errorf("%s: drawn from remembered rows: %v, want %v", st.name, got, st.remembered)
		}
	}
}
