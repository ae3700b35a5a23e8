package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// communityFixture is alpha with the forum and profiles on (and an
// interest list), beta with neither.
func communityFixture(t *testing.T) (*fixture, *httptest.Server) {
	t.Helper()
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	alpha.Modules = []string{"entraide", "forum", "profils"}
	alpha.Rules.FlagWords = []string{"WhatsApp"}
	alpha.Interests = []tenant.Interest{{Code: "cuisine", Label: tenant.Text{"fr": "Cuisine", "en": "Cooking"}},
		{Code: "jardinage", Label: tenant.Text{"fr": "Jardinage", "en": "Gardening"}}}
	f := newFixtureFor(t, nil, alpha, beta)
	srv := httptest.NewServer(f.server.Handler())
	t.Cleanup(srv.Close)
	return f, srv
}

var threadLocation = regexp.MustCompile(`/forum/sujets/(\d+)`)

// The forum over HTTP: a thread, a reply quoting another (escaped), a
// follower's email, a report that reaches the référent of the thread's
// EPCI and not another's, a suspended person refused.
func TestForumPages(t *testing.T) {
	f, srv := communityFixture(t)
	ctx := f.env.Ctx(t, "alpha")
	annaID, anna := f.person(t, srv, "alpha", "Anna")
	_, bob := f.person(t, srv, "alpha", "Bob")
	refID, ref := f.person(t, srv, "alpha", "Rémi Référent")
	otherID, other := f.person(t, srv, "alpha", "Odile Ailleurs")
	for _, g := range []struct {
		id   int64
		epci string
	}{{refID, "244400404"}, {otherID, "244400644"}} {
		if err := f.deps.Authz.Grant(ctx, authz.OperatorActor("test"), g.id, authz.RoleReferentTerritoire, []string{g.epci}); err != nil {
			t.Fatal(err)
		}
	}

	// A form with errors keeps what was typed, with a message per field.
	anna.get(alphaURL + "/forum/nouveau")
	resp := anna.post(alphaURL+"/forum/nouveau", map[string]string{"category": "courses", "title": "Un marché", "body": "Je donne 10 € à qui m'aide."})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(anna.last, "« 10 € »") || !strings.Contains(anna.last, "Je donne 10 € à qui m&#39;aide.") {
		t.Fatalf("refused thread: %d\n%s", resp.StatusCode, anna.last)
	}
	uniqueIDs(t, anna.last)
	resp = anna.post(alphaURL+"/forum/nouveau", map[string]string{"category": "courses", "title": "Le marché de Nantes", "body": "Qui y va le samedi ?", "commune": "Nantes"})
	m := threadLocation.FindStringSubmatch(resp.Request.URL.Path)
	if m == nil || !strings.Contains(anna.last, "Votre sujet est en ligne") {
		t.Fatalf("new thread led to %s:\n%s", resp.Request.URL, anna.last)
	}
	thread := alphaURL + "/forum/sujets/" + m[1]
	// Bob replies with markup; Anna quotes him.
	bob.get(thread)
	bob.post(thread+"/repondre", map[string]string{"body": "Moi ! <script>alert(1)</script>"})
	bobReply := regexp.MustCompile(`id="reponse-(\d+)"`).FindStringSubmatch(bob.last)
	if bobReply == nil || strings.Contains(bob.last, "<script>alert") {
		t.Fatalf("reply page:\n%s", bob.last)
	}
	// Anna follows the thread as its author: she got an email, a link only.
	if mail := f.mailTo(t, "alpha", "anna@exemple.fr"); !strings.Contains(mail, "/forum/sujets/"+m[1]+"#reponse-"+bobReply[1]) || strings.Contains(mail, "script") {
		t.Errorf("follower's email:\n%s", mail)
	}
	anna.get(thread + "?citer=" + bobReply[1])
	if !strings.Contains(anna.last, `name="quote" value="`+bobReply[1]+`"`) {
		t.Fatalf("quote form:\n%s", anna.last)
	}
	anna.post(thread+"/repondre", map[string]string{"body": "Super, à samedi.", "quote": bobReply[1]})
	if !strings.Contains(anna.last, `<blockquote class="quote">`) || !strings.Contains(anna.last, "Bob a écrit") ||
		!strings.Contains(anna.last, "Moi ! &lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("quoted reply:\n%s", anna.last)
	}
	uniqueIDs(t, anna.last)

	// Anna reports Bob's reply; it reaches Rémi (Nantes Métropole), not
	// Odile (CARENE).
	anna.get(alphaURL + "/signaler?type=forum_reply&id=" + bobReply[1] + "&sujet=" + m[1])
	resp = anna.post(alphaURL+"/signaler", map[string]string{"type": "forum_reply", "id": bobReply[1], "sujet": m[1], "reason": "propos"})
	if resp.Request.URL.Path != "/forum/sujets/"+m[1] {
		t.Fatalf("after reporting: %s", resp.Request.URL)
	}
	ref.get(alphaURL + "/moderation")
	if !strings.Contains(ref.last, "/moderation/reponse/"+bobReply[1]) {
		t.Fatalf("the référent's queue:\n%s", ref.last)
	}
	other.get(alphaURL + "/moderation")
	if strings.Contains(other.last, "/moderation/reponse/") {
		t.Fatal("another EPCI's référent sees the reply")
	}
	if resp := other.get(alphaURL + "/moderation/reponse/" + bobReply[1]); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another EPCI's référent opens the reply: %d", resp.StatusCode)
	}
	ref.get(alphaURL + "/moderation/reponse/" + bobReply[1])
	ref.post(alphaURL+"/moderation/reponse/"+bobReply[1], map[string]string{"action": "suspend", "reason": "Propos déplacés", "days": "3"})
	ref.get(alphaURL + "/moderation/reponse/" + bobReply[1])
	ref.post(alphaURL+"/moderation/reponse/"+bobReply[1], map[string]string{"action": "hide", "reason": "Propos déplacés"})
	anna.get(thread)
	if strings.Contains(anna.last, "alert(1)") || !strings.Contains(anna.last, "Le message cité a été masqué") {
		t.Errorf("after hiding, the thread shows:\n%s", anna.last)
	}
	// Bob is suspended: he reads, but writes nothing.
	if resp := bob.get(thread); resp.StatusCode != 200 {
		t.Fatalf("a suspended person reads: %d", resp.StatusCode)
	}
	for path, fields := range map[string]map[string]string{
		"/forum/sujets/" + m[1] + "/repondre": {"body": "Encore moi."},
		"/forum/nouveau":                      {"category": "courses", "title": "Un autre sujet", "body": "Bonjour."},
	} {
		if resp := bob.post(alphaURL+path, fields); resp.StatusCode != http.StatusForbidden || !strings.Contains(bob.last, "Propos déplacés") {
			t.Errorf("POST %s by a suspended person: %d", path, resp.StatusCode)
		}
	}
	_ = annaID

	// Flag words keep a thread online and send it to the queue.
	anna.get(alphaURL + "/forum/nouveau")
	anna.post(alphaURL+"/forum/nouveau", map[string]string{"category": "courses", "title": "Groupe du quartier", "body": "Tout se passe sur WhatsApp.", "commune": "Nantes"})
	ref.get(alphaURL + "/moderation?motif=mots")
	if !strings.Contains(ref.last, "Groupe du quartier") || !strings.Contains(ref.last, "/moderation/sujet/") {
		t.Errorf("flagged thread not in the queue:\n%s", ref.last)
	}

	// The same thread id on beta, which has no forum, is a 404; a beta
	// person's cookie is not a session on alpha.
	_, beta := f.person(t, srv, "beta", "Bérénice")
	if resp := beta.get("http://beta.localhost/forum/sujets/" + m[1]); resp.StatusCode != http.StatusNotFound {
		t.Errorf("beta: %d", resp.StatusCode)
	}
}

// Profiles over HTTP: opt-in respected, neighbours matched by a shared
// interest, a conversation started from a suggestion, and only the two
// people read it.
func TestProfilePages(t *testing.T) {
	f, srv := communityFixture(t)
	leaID, lea := f.person(t, srv, "alpha", "Léa")
	paulID, paul := f.person(t, srv, "alpha", "Paul")
	_, zoe := f.person(t, srv, "alpha", "Zoé")
	leaPage, paulPage := alphaURL+"/profils/"+itoa(leaID), alphaURL+"/profils/"+itoa(paulID)

	// Not opted in: nobody else sees Léa's profile, she sees hers.
	if resp := paul.get(leaPage); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a private profile: %d", resp.StatusCode)
	}
	if resp := lea.get(alphaURL + "/profils/moi"); resp.Request.URL.Path != "/profils/"+itoa(leaID) || !strings.Contains(lea.last, "pas visible") {
		t.Fatalf("her own page: %s\n%s", resp.Request.URL, lea.last)
	}
	// Visitors see no profile at all.
	anon := newBrowser(t, srv)
	if resp := anon.get(leaPage); resp.Request.URL.Path != "/connexion" {
		t.Errorf("a visitor reaches a profile: %s", resp.Request.URL)
	}

	// A refused edit keeps what was typed.
	lea.get(alphaURL + "/compte/profil")
	resp := lea.post(alphaURL+"/compte/profil", map[string]string{"public": "1", "interests": "cuisine", "tags": "Pâtisserie", "offer": "Cours de cuisine à 15 € l'heure."})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(lea.last, "Pâtisserie") || !strings.Contains(lea.last, "« 15 € »") {
		t.Fatalf("refused profile: %d\n%s", resp.StatusCode, lea.last)
	}
	uniqueIDs(t, lea.last)
	for _, b := range []*browser{lea, paul} {
		b.get(alphaURL + "/compte/profil")
		b.post(alphaURL+"/compte/profil", map[string]string{"public": "1", "interests": "cuisine", "tags": "pétanque", "offer": "Je peux apprendre à faire du pain."})
	}
	// Zoé shares nothing; she opts in too.
	zoe.get(alphaURL + "/compte/profil")
	zoe.post(alphaURL+"/compte/profil", map[string]string{"public": "1", "interests": "jardinage"})

	lea.get(alphaURL + "/profils/moi")
	if !strings.Contains(lea.last, "Des voisins qui aiment aussi") || !strings.Contains(lea.last, `href="/profils/`+itoa(paulID)+`"`) ||
		!strings.Contains(lea.last, "En commun : Cuisine, pétanque") || strings.Contains(lea.last, "Zoé") {
		t.Fatalf("Léa's suggestions:\n%s", lea.last)
	}
	uniqueIDs(t, lea.last)
	if resp := zoe.get(leaPage); resp.StatusCode != 200 || !strings.Contains(zoe.last, "Je peux apprendre à faire du pain.") {
		t.Fatalf("a public profile: %d", resp.StatusCode)
	}

	// Léa writes to Paul from his page.
	lea.get(paulPage)
	resp = lea.post(paulPage+"/ecrire", map[string]string{"body": "Bonjour Paul, on cuisine ensemble un samedi ?"})
	conv := resp.Request.URL.Path
	if !strings.HasPrefix(conv, "/messages/") || !strings.Contains(lea.last, "Des voisins qui aiment aussi : Cuisine, pétanque") {
		t.Fatalf("after writing: %s\n%s", conv, lea.last)
	}
	if resp := paul.get(alphaURL + conv); resp.StatusCode != 200 || !strings.Contains(paul.last, "on cuisine ensemble") {
		t.Fatalf("Paul reads it: %d", resp.StatusCode)
	}
	if resp := zoe.get(alphaURL + conv); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("Zoé reads their conversation: %d", resp.StatusCode)
	}
	if mail := f.mailTo(t, "alpha", "paul@exemple.fr"); !strings.Contains(mail, conv) || strings.Contains(mail, "cuisine ensemble") {
		t.Errorf("Paul's email:\n%s", mail)
	}

	// Léa opts out: her page is gone for others, and she is no longer
	// suggested to Paul.
	lea.get(alphaURL + "/compte/profil")
	lea.post(alphaURL+"/compte/profil", map[string]string{"interests": "cuisine"})
	if resp := paul.get(leaPage); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an opted-out profile: %d", resp.StatusCode)
	}
	paul.get(alphaURL + "/profils/moi")
	if strings.Contains(paul.last, `href="/profils/`+itoa(leaID)+`"`) {
		t.Error("an opted-out person is still suggested")
	}
	// Writing to someone who opted out is refused.
	if resp := paul.post(leaPage+"/ecrire", map[string]string{"body": "Bonjour"}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("writing to an opted-out person: %d", resp.StatusCode)
	}
}

// A portal without the modules answers 404 on their pages and API, and
// shows no link to them.
func TestForumAndProfilesOffAre404(t *testing.T) {
	f, srv := communityFixture(t)
	_, b := f.person(t, srv, "beta", "Bérénice")
	for _, path := range []string{"/forum", "/forum/nouveau", "/forum/sujets/1", "/profils/moi", "/profils/1", "/compte/profil",
		"/api/v1/forum/threads", "/api/v1/forum/threads/1", "/api/v1/profiles/me", "/api/v1/profiles/me/neighbours", "/api/v1/profiles/1",
		"/signaler?type=forum_thread&id=1"} {
		if resp := b.get("http://beta.localhost" + path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on beta: %d", path, resp.StatusCode)
		}
	}
	b.get("http://beta.localhost/")
	if strings.Contains(b.last, `href="/forum"`) || strings.Contains(b.last, `href="/profils/moi"`) {
		t.Error("beta links to a module it does not have")
	}
	_, a := f.person(t, srv, "alpha", "Anna")
	a.get(alphaURL + "/")
	if !strings.Contains(a.last, `href="/forum"`) || !strings.Contains(a.last, `href="/profils/moi"`) {
		t.Error("alpha does not link to its forum and profiles")
	}
	if resp := a.get(alphaURL + "/forum"); resp.StatusCode != 200 {
		t.Errorf("alpha's forum: %d", resp.StatusCode)
	}
}

// The API: a thread and a reply through the same rules, the profile and
// its neighbours, under the same portal boundaries.
func TestForumAndProfilesAPI(t *testing.T) {
	f, srv := communityFixture(t)
	_, anna := f.person(t, srv, "alpha", "Anna")
	_, bob := f.person(t, srv, "alpha", "Bob")
	api := apiClient{t: t, srv: srv, host: "alpha.localhost", token: makeToken(t, anna, "alpha.localhost")}
	bobAPI := apiClient{t: t, srv: srv, host: "alpha.localhost", token: makeToken(t, bob, "alpha.localhost")}

	status, body := api.call("POST", "/forum/threads", map[string]any{"category": "courses", "title": "Un", "body": "x"})
	if status != 422 || body["error"].(map[string]any)["fields"].(map[string]any)["title"] == nil {
		t.Fatalf("invalid thread: %d %v", status, body)
	}
	status, body = api.call("POST", "/forum/threads", map[string]any{"category": "courses", "title": "Le marché", "body": "Qui y va ?", "commune": "44109"})
	if status != 201 || body["epci"] != "244400404" || body["subscribed"] != false {
		t.Fatalf("thread: %d %v", status, body)
	}
	id := int64(body["id"].(float64))
	status, body = bobAPI.call("POST", "/forum/threads/"+itoa(id)+"/replies", map[string]any{"body": "Moi !"})
	if status != 201 {
		t.Fatalf("reply: %d %v", status, body)
	}
	reply := int64(body["id"].(float64))
	status, body = api.call("POST", "/forum/threads/"+itoa(id)+"/replies", map[string]any{"body": "Super.", "quote_id": reply})
	if status != 201 {
		t.Fatalf("quoting reply: %d %v", status, body)
	}
	status, body = api.call("GET", "/forum/threads/"+itoa(id), nil)
	msgs, _ := body["messages"].([]any)
	if status != 200 || len(msgs) != 2 || msgs[1].(map[string]any)["quote"].(map[string]any)["body"] != "Moi !" || body["subscribed"] != true {
		t.Fatalf("thread: %d %v", status, body)
	}
	if status, _ := bobAPI.call("DELETE", "/forum/threads/"+itoa(id)+"/subscription", nil); status != 204 {
		t.Errorf("unsubscribe: %d", status)
	}
	if status, _ := bobAPI.call("POST", "/reports", map[string]any{"type": "forum_thread", "id": id, "reason": "autre"}); status != 204 {
		t.Errorf("report a thread: %d", status)
	}
	// Beta has no forum; its API says 404 on the same id.
	betaAPI := apiClient{t: t, srv: srv, host: "beta.localhost"}
	if status, _ := betaAPI.call("GET", "/forum/threads/"+itoa(id), nil); status != 404 {
		t.Errorf("beta's API: %d", status)
	}

	status, body = api.call("PUT", "/profiles/me", map[string]any{"public": true, "interests": []string{"cuisine"}, "tags": []string{"Pétanque"}})
	if status != 200 || body["public"] != true {
		t.Fatalf("save profile: %d %v", status, body)
	}
	if status, body := bobAPI.call("GET", "/profiles/me/neighbours", nil); status != 200 || len(body["neighbours"].([]any)) != 0 {
		t.Fatalf("neighbours of a private profile: %d %v", status, body)
	}
	bobAPI.call("PUT", "/profiles/me", map[string]any{"public": true, "interests": []string{"cuisine"}})
	status, body = bobAPI.call("GET", "/profiles/me/neighbours", nil)
	list, _ := body["neighbours"].([]any)
	if status != 200 || len(list) != 1 || list[0].(map[string]any)["display_name"] != "Anna" {
		t.Fatalf("Bob's neighbours: %d %v", status, body)
	}
	annaID := int64(list[0].(map[string]any)["id"].(float64))
	status, body = bobAPI.call("POST", "/profiles/"+itoa(annaID)+"/conversations", map[string]any{"body": "Bonjour Anna !"})
	if status != 201 {
		t.Fatalf("write to a neighbour: %d %v", status, body)
	}
	conv := int64(body["conversation_id"].(float64))
	if status, body := api.call("GET", "/conversations/"+itoa(conv), nil); status != 200 || body["post_id"] != nil ||
		body["post_title"] != "Des voisins qui aiment aussi : Cuisine" {
		t.Errorf("Anna's conversation: %d %v", status, body)
	}
	// A profile on beta never shows on alpha.
	err := f.env.DB.Tx(f.env.Ctx(t, "beta"), func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE users SET profile_public = true`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := api.call("GET", "/profiles/99", nil); status != 404 {
		t.Errorf("an unknown profile: %d", status)
	}
}
