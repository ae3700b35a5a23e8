package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/testutil"
)

// newAgendaFixture serves alpha with the agenda module and beta without it.
func newAgendaFixture(t *testing.T) *fixture {
	t.Helper()
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	alpha.Modules = []string{"entraide", "agenda"}
	beta.Theme = "calvados"
	return newFixtureFor(t, nil, alpha, beta)
}

var (
	eventLink   = regexp.MustCompile(`/agenda/([0-9]+)\?fait=`)
	privateFeed = regexp.MustCompile(`<code class="token">(http://alpha\.localhost/agenda/prive/cal_[A-Za-z0-9_-]+\.ics)</code>`)
)

// secondTuesday is the next 2nd Tuesday of a month, at least two days on.
func secondTuesday() time.Time {
	d := time.Now().In(events.Paris).AddDate(0, 0, 2)
	for d.Weekday() != time.Tuesday || (d.Day()-1)/7 != 1 {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// A référent creates a monthly workshop through the form (a price is
// refused, the form kept); residents sign up, the last one waits, and gets
// the place when someone cancels; feeds publish it; another portal never
// shows it.
func TestEventsThroughThePages(t *testing.T) {
	f := newAgendaFixture(t)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	ctx := f.env.Ctx(t, "alpha")
	const home = "http://alpha.localhost"
	remiID, remi := f.person(t, srv, "alpha", "Rémi")
	_, paul := f.person(t, srv, "alpha", "Paul")
	_, zoe := f.person(t, srv, "alpha", "Zoé")

	// Residents may not create events on alpha: no link, no form.
	paul.get(home + "/agenda")
	if strings.Contains(paul.last, `href="/agenda/nouveau"`) {
		t.Fatal("a resident sees the link to create an event")
	}
	if resp := paul.get(home + "/agenda/nouveau"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("resident on the event form: %d", resp.StatusCode)
	}
	if err := f.deps.Authz.Grant(ctx, authz.OperatorActor("test"), remiID, authz.RoleReferentTerritoire, []string{"244400404"}); err != nil {
		t.Fatal(err)
	}
	remi.get(home + "/agenda")
	if !strings.Contains(remi.last, `href="/agenda/nouveau"`) {
		t.Fatal("a référent does not see the link to create an event")
	}

	first := secondTuesday()
	fields := map[string]string{
		"category": "courses", "title": "Atelier cuisine du mois",
		"description": "On cuisine ensemble. Participation de 5 € pour les ingrédients.",
		"commune":     "Nantes", "address": "Maison de quartier", "day": first.Format("2006-01-02"),
		"start_time": "18:00", "end_time": "20:00", "capacity": "2", "accessibility": "Salle de plain-pied.",
		"recurrence": "mensuelle", "interval": "1", "month_week": "2", "count": "6",
	}
	remi.get(home + "/agenda/nouveau")
	uniqueIDs(t, remi.last)
	resp := remi.post(home+"/agenda/nouveau", fields)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(remi.last, "5 €") || !strings.Contains(remi.last, "gratuits") {
		t.Fatalf("a price was not refused with its quote: %d\n%s", resp.StatusCode, remi.last)
	}
	if !strings.Contains(remi.last, `value="Atelier cuisine du mois"`) || !strings.Contains(remi.last, "Salle de plain-pied.") ||
		!regexp.MustCompile(`value="2"\s+selected|value="2" selected`).MatchString(remi.last) {
		t.Fatal("the refused form lost what was typed")
	}
	if !strings.Contains(remi.last, `aria-describedby="champ-description-aide champ-description-erreur"`) {
		t.Fatal("the error is not tied to its field")
	}
	fields["description"] = "On cuisine ensemble des légumes de saison, puis on partage le repas."
	fields["month_week"] = "3"
	remi.post(home+"/agenda/nouveau", fields)
	if !strings.Contains(remi.last, "La première date doit être ce jour-là du mois") {
		t.Fatalf("a first day that is not the chosen week of the month:\n%s", remi.last)
	}
	fields["month_week"] = "2"
	resp = remi.post(home+"/agenda/nouveau", fields)
	m := eventLink.FindStringSubmatch(resp.Request.URL.String())
	if m == nil || !strings.Contains(remi.last, "Votre événement est publié") || !strings.Contains(remi.last, "chaque mois, le 2e mardi, 6 fois en tout") {
		t.Fatalf("after creating: %s\n%s", resp.Request.URL, remi.last)
	}
	eventURL := home + "/agenda/" + m[1]
	day := first.Format("2006-01-02")

	// Two places: Paul and Rémi get one, Zoé waits.
	for _, b := range []*browser{paul, remi} {
		b.get(eventURL)
		b.post(eventURL+"/inscription", map[string]string{"day": day})
		if !strings.Contains(b.last, "votre place est réservée") {
			t.Fatalf("sign-up:\n%s", b.last)
		}
	}
	zoe.get(eventURL)
	if !strings.Contains(zoe.last, "Complet") || !strings.Contains(zoe.last, "M&#39;inscrire sur la liste d&#39;attente") {
		t.Fatalf("a full date does not say so:\n%s", zoe.last)
	}
	zoe.post(eventURL+"/inscription", map[string]string{"day": day})
	if !strings.Contains(zoe.last, "liste d&#39;attente (numéro 1)") {
		t.Fatalf("Zoé's place in line:\n%s", zoe.last)
	}
	paul.get(eventURL)
	paul.post(eventURL+"/desinscription", map[string]string{"day": day})
	if !strings.Contains(paul.last, "Votre inscription est annulée") {
		t.Fatalf("after leaving:\n%s", paul.last)
	}
	zoe.get(eventURL)
	if !strings.Contains(zoe.last, "Votre place est réservée") {
		t.Fatal("Zoé was not given the freed place")
	}
	entries, _ := f.outbox.List(context.Background(), "alpha", 10)
	found := false
	for _, e := range entries {
		found = found || strings.Contains(e.To, "zoe@exemple.fr") && strings.Contains(e.Subject, "une place s'est libérée")
	}
	if !found {
		t.Fatalf("no email to Zoé about her place: %+v", entries)
	}

	// The calendar lists it; the feeds publish it, per theme too.
	visitor := newBrowser(t, srv)
	visitor.get(home + "/agenda?vue=mois&date=" + day)
	if !strings.Contains(visitor.last, "Atelier cuisine du mois") || !strings.Contains(visitor.last, "mardi") {
		t.Fatalf("month view:\n%s", visitor.last)
	}
	visitor.get(home + "/agenda?vue=mois&date=" + day + "&theme=ecoute")
	if strings.Contains(visitor.last, "Atelier cuisine du mois") {
		t.Fatal("the theme filter keeps another theme's event")
	}
	resp = visitor.get(home + "/agenda.ics")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") ||
		!strings.Contains(visitor.last, "RRULE:FREQ=MONTHLY;BYDAY=2TU;COUNT=6") || !strings.Contains(visitor.last, "\r\nSUMMARY:Atelier cuisine du mois\r\n") {
		t.Fatalf("portal feed (%s):\n%s", ct, visitor.last)
	}
	visitor.get(home + "/agenda.ics?theme=ecoute")
	if strings.Contains(visitor.last, "BEGIN:VEVENT") {
		t.Fatal("another theme's feed publishes the workshop")
	}
	visitor.get(home + "/agenda.ics?territoire=244400404")
	if !strings.Contains(visitor.last, "BEGIN:VEVENT") || !strings.Contains(visitor.last, "Nantes Métropole") {
		t.Fatalf("territory feed:\n%s", visitor.last)
	}

	// Zoé's private feed: made once, opens without a session, holds her
	// sign-up, and nothing on another portal.
	zoe.get(home + "/agenda/mes-inscriptions")
	if !strings.Contains(zoe.last, "Atelier cuisine du mois") {
		t.Fatalf("Zoé's sign-ups:\n%s", zoe.last)
	}
	zoe.post(home+"/agenda/mes-inscriptions/adresse", nil)
	fm := privateFeed.FindStringSubmatch(zoe.last)
	if fm == nil {
		t.Fatalf("no private feed address shown:\n%s", zoe.last)
	}
	visitor.get(fm[1])
	if !strings.Contains(visitor.last, "UID:event-"+m[1]+"-"+strings.ReplaceAll(day, "-", "")+"@alpha.localhost") {
		t.Fatalf("private feed:\n%s", visitor.last)
	}
	if resp := visitor.get(strings.Replace(fm[1], "cal_", "cal_x", 1)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("a wrong private address: %d", resp.StatusCode)
	}
	if resp := visitor.get(strings.Replace(fm[1], "alpha.localhost", "beta.localhost", 1)); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("alpha's private address on beta: %d", resp.StatusCode)
	}

	// The organiser cancels the date; residents may not.
	if resp := zoe.post(eventURL+"/annuler-date", map[string]string{"day": day}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a resident cancels a date: %d", resp.StatusCode)
	}
	remi.get(eventURL)
	remi.post(eventURL+"/annuler-date", map[string]string{"day": day})
	if !strings.Contains(remi.last, "Cette date est annulée") || strings.Contains(remi.last, `id="date-`+day+`"`) {
		t.Fatalf("after cancelling the date:\n%s", remi.last)
	}
}

// A portal whose modules lack "agenda" answers 404 on every page, feed and
// API route of the calendar, and its pages do not link to it.
func TestAgendaModuleDisabledIs404(t *testing.T) {
	f := newAgendaFixture(t)
	for _, path := range []string{"/agenda", "/agenda/nouveau", "/agenda/1", "/agenda/mes-inscriptions", "/agenda.ics",
		"/agenda.ics?theme=courses", "/agenda/prive/cal_abc.ics", "/api/v1/events", "/api/v1/events/1"} {
		if w := f.do(t, req{host: "beta.localhost", path: path}); w.Code != http.StatusNotFound {
			t.Errorf("%s on a portal without the agenda: %d", path, w.Code)
		}
		if w := f.do(t, req{host: "alpha.localhost", path: path}); w.Code == http.StatusNotFound && (path == "/agenda" || path == "/agenda.ics") {
			t.Errorf("%s on a portal with the agenda: 404", path)
		}
	}
	if w := f.do(t, req{host: "beta.localhost"}); strings.Contains(w.Body.String(), `href="/agenda"`) {
		t.Fatal("beta's home page links to the agenda")
	}
	if w := f.do(t, req{host: "alpha.localhost"}); !strings.Contains(w.Body.String(), `href="/agenda"`) {
		t.Fatal("alpha's home page does not link to its agenda")
	}
}

// The API creates, lists, signs up and cancels through the same service:
// the same rules and messages, in the caller's language.
func TestEventsAPI(t *testing.T) {
	f := newAgendaFixture(t)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	ctx := f.env.Ctx(t, "alpha")
	remiID, remi := f.person(t, srv, "alpha", "Rémi")
	_, lea := f.person(t, srv, "alpha", "Léa")
	if err := f.deps.Authz.Grant(ctx, authz.OperatorActor("test"), remiID, authz.RoleReferentThematique, []string{"ecoute"}); err != nil {
		t.Fatal(err)
	}
	r := apiClient{t: t, srv: srv, host: "alpha.localhost", token: makeToken(t, remi, "alpha.localhost")}
	l := apiClient{t: t, srv: srv, host: "alpha.localhost", token: makeToken(t, lea, "alpha.localhost"), lang: "en"}
	first := time.Now().In(events.Paris).AddDate(0, 0, 3)
	draft := map[string]any{"category": "ecoute", "title": "Café des voisins", "description": "Un café pour discuter, chaque semaine, en ligne.",
		"commune": "44109", "online": true, "online_url": "https://visio.exemple.fr/cafe", "day": first.Format("2006-01-02"),
		"start_time": "10:00", "end_time": "11:00", "capacity": 1,
		"recurrence": map[string]any{"freq": "hebdomadaire", "interval": 1, "count": 4}}

	if code, out := l.call("POST", "/events", draft); code != http.StatusForbidden {
		t.Fatalf("a resident creates an event: %d %v", code, out)
	}
	draft["description"] = "Un café pour discuter. Prix : 2 euros la tasse."
	code, out := r.call("POST", "/events", draft)
	if code != http.StatusUnprocessableEntity || !strings.Contains(out["error"].(map[string]any)["fields"].(map[string]any)["description"].(string), "2 euros") {
		t.Fatalf("a price through the API: %d %v", code, out)
	}
	draft["description"] = "Un café pour discuter, chaque semaine, en ligne."
	code, out = r.call("POST", "/events", draft)
	if code != http.StatusCreated || out["visibility"] != "visible" {
		t.Fatalf("create: %d %v", code, out)
	}
	id := int64(out["id"].(float64))
	path := fmt.Sprintf("/events/%d", id)
	code, out = l.call("GET", path, nil)
	occ, _ := out["occurrences"].([]any)
	if code != http.StatusOK || len(occ) != 4 {
		t.Fatalf("get: %d %v", code, out)
	}
	day := occ[0].(map[string]any)["day"].(string)
	if code, out := l.call("POST", path+"/signups", map[string]any{"day": day}); code != http.StatusCreated || out["status"] != "inscrit" {
		t.Fatalf("sign-up: %d %v", code, out)
	}
	if code, out := r.call("POST", path+"/signups", map[string]any{"day": day}); code != http.StatusCreated || out["status"] != "attente" || out["position"].(float64) != 1 {
		t.Fatalf("sign-up when full: %d %v", code, out)
	}
	if code, _ := l.call("POST", path+"/signups", map[string]any{"day": "2020-01-01"}); code != http.StatusNotFound {
		t.Fatalf("a day without an occurrence: %d", code)
	}
	if code, _ := l.call("DELETE", path+"/signups/"+day, nil); code != http.StatusNoContent {
		t.Fatalf("leave: %d", code)
	}
	_, out = r.call("GET", path, nil)
	if mine := out["occurrences"].([]any)[0].(map[string]any)["my_signup"]; mine != "inscrit" {
		t.Fatalf("the first waiting was not promoted: %v", out["occurrences"])
	}
	code, out = l.call("GET", "/events?from="+first.Format("2006-01-02"), nil)
	if evs, _ := out["events"].([]any); code != http.StatusOK || len(evs) != 4 {
		t.Fatalf("list: %d %v", code, out)
	}
	if code, _ := l.call("GET", "/events?to=nope", nil); code != http.StatusUnprocessableEntity {
		t.Fatalf("a bad window: %d", code)
	}
	beta := apiClient{t: t, srv: srv, host: "beta.localhost"}
	if code, _ := beta.call("GET", path, nil); code != http.StatusNotFound {
		t.Fatalf("alpha's event on beta: %d", code)
	}
}
