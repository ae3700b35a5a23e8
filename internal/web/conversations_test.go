package web_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

var conversationLink = regexp.MustCompile(`/messages/([0-9]+)`)

// The whole loop of the issue: a resident posts a request, a second account
// answers, they talk, the author says who helps and closes it as done with
// thanks, and the portal counts one more helping hand. A third person, and
// another portal, can read none of it.
func TestHelpLoop(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	_, lea := f.person(t, srv, "alpha", "Léa")
	_, paul := f.person(t, srv, "alpha", "Paul")
	_, zoe := f.person(t, srv, "alpha", "Zoé")
	const home = "http://alpha.localhost"

	lea.get(home + "/annonces/nouvelle")
	resp := lea.post(home+"/annonces/nouvelle", map[string]string{
		"kind": "demande", "category": "courses", "title": "Courses le samedi",
		"description": "J'ai besoin d'aide pour porter mes courses depuis le marché.",
		"commune":     "Nantes", "modes": "sur_place", "when": "souple",
	})
	post := resp.Request.URL.Path
	if !strings.HasPrefix(post, "/annonces/") {
		t.Fatalf("post = %s", resp.Request.URL)
	}

	// Paul answers: an empty message is refused, a real one opens the
	// conversation, and Léa is told by email without the message itself.
	paul.get(home + post)
	if !strings.Contains(paul.last, "Je peux aider") {
		t.Fatalf("no answer form for a request:\n%s", paul.last)
	}
	resp = paul.post(home+post+"/repondre", map[string]string{"body": "   "})
	if !strings.Contains(paul.last, "Écrivez un message") {
		t.Fatalf("empty answer: %s\n%s", resp.Request.URL, paul.last)
	}
	paul.get(home + post)
	resp = paul.post(home+post+"/repondre", map[string]string{"body": "Bonjour, je passe au marché samedi, je peux vous aider."})
	conv := conversationLink.FindString(resp.Request.URL.Path)
	if conv == "" || !strings.Contains(paul.last, "je passe au marché samedi") {
		t.Fatalf("answer = %s\n%s", resp.Request.URL, paul.last)
	}
	notice := f.mailTo(t, "alpha", "lea@exemple.fr")
	if !strings.Contains(notice, "Paul vous a écrit") || !strings.Contains(notice, conv) || strings.Contains(notice, "je passe au marché") {
		t.Fatalf("notification email:\n%s", notice)
	}

	// Léa reads, replies and says Paul is the one helping.
	lea.get(home + "/messages")
	if !strings.Contains(lea.last, "Courses le samedi") || !strings.Contains(lea.last, "nouveau message") {
		t.Fatalf("Léa's messages:\n%s", lea.last)
	}
	lea.get(home + conv)
	lea.post(home+conv, map[string]string{"body": "Merci Paul ! Rendez-vous à 10 h devant la halle."})
	if !strings.Contains(lea.last, "Rendez-vous à 10 h") {
		t.Fatalf("reply not shown:\n%s", lea.last)
	}
	lea.post(home+conv+"/aidant", nil)
	if !strings.Contains(lea.last, "en cours") {
		t.Fatalf("helper not chosen:\n%s", lea.last)
	}
	paul.get(home + conv)
	if !strings.Contains(paul.last, "Rendez-vous à 10 h") || strings.Contains(paul.last, "qui m&#39;aide") {
		t.Fatal("Paul does not see the reply, or sees the author's button")
	}

	// Nobody else reads the conversation, here or on another portal.
	if resp := zoe.get(home + conv); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a third person reads the conversation: %d", resp.StatusCode)
	}
	if resp := zoe.post(home+conv, map[string]string{"body": "Je m'invite"}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a third person writes in the conversation: %d", resp.StatusCode)
	}
	if resp := zoe.post(home+conv+"/aidant", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a third person chooses the helper: %d", resp.StatusCode)
	}
	_, beto := f.person(t, srv, "beta", "Bruno")
	if resp := beto.get("http://beta.localhost" + conv); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("another portal reads the conversation: %d", resp.StatusCode)
	}

	// Reporting: Zoé can report the post she sees, not a message she cannot
	// read; Léa can report Paul's message. The same report twice is fine.
	msgID := regexp.MustCompile(`/signaler\?type=message&amp;id=([0-9]+)`).FindStringSubmatch(lea.get(home+conv).Request.URL.Path + lea.last)
	if msgID == nil {
		t.Fatalf("no report link on Paul's message:\n%s", lea.last)
	}
	zoe.get(home + "/signaler?type=post&id=" + strings.TrimPrefix(post, "/annonces/"))
	resp = zoe.post(home+"/signaler", map[string]string{"type": "post", "id": strings.TrimPrefix(post, "/annonces/"), "reason": "nope"})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(zoe.last, "Choisissez le problème") {
		t.Fatalf("report without a valid reason: %d", resp.StatusCode)
	}
	for i := 0; i < 2; i++ {
		resp = zoe.post(home+"/signaler", map[string]string{"type": "post", "id": strings.TrimPrefix(post, "/annonces/"), "reason": "arnaque", "details": "Bizarre"})
		if !strings.Contains(zoe.last, "l&#39;équipe va regarder") {
			t.Fatalf("report %d: %d\n%s", i+1, resp.StatusCode, zoe.last)
		}
	}
	if resp := zoe.post(home+"/signaler", map[string]string{"type": "message", "id": msgID[1], "reason": "propos"}); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a third person reported a message she cannot read: %d", resp.StatusCode)
	}
	lea.get(home + "/signaler?type=message&id=" + msgID[1])
	lea.post(home+"/signaler", map[string]string{"type": "message", "id": msgID[1], "reason": "propos"})
	var reports int
	ctx := f.env.Ctx(t, "alpha")
	if err := f.env.DB.ReadTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM reports WHERE epci_code = '244400404' AND category_code = 'courses'`).Scan(&reports)
	}); err != nil {
		t.Fatal(err)
	}
	if reports != 2 {
		t.Fatalf("reports stored with their place: %d, want 2", reports)
	}

	// Léa closes it as done, with thanks; the home page counts it.
	lea.get(home + post)
	lea.post(home+post, map[string]string{"action": "realisee", "thanks": "Merci Paul pour les courses !"})
	if !strings.Contains(lea.last, "Réalisée") || !strings.Contains(lea.last, "Merci Paul pour les courses") {
		t.Fatalf("done post:\n%s", lea.last)
	}
	zoe.get(home + "/")
	if !strings.Contains(zoe.last, "1 coup de main donné") {
		t.Fatalf("home page count:\n%s", zoe.last)
	}
	if resp := zoe.post(home+post+"/repondre", map[string]string{"body": "Trop tard ?"}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a finished post was answered: %d", resp.StatusCode)
	}
}
