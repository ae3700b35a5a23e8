package web_test

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// A post's card is remembered once drawn, but under everything it shows:
// after an edit the lists show the new title, never the old card, and each
// language gets its own card.
func TestCardsFollowTheirPost(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	const alpha = "http://alpha.localhost"
	_, lea := f.person(t, srv, "alpha", "Léa")
	fields := map[string]string{
		"kind": "demande", "category": "courses", "title": "Courses du mardi",
		"description": "J'ai besoin d'aide pour porter mes courses depuis le marché.",
		"commune":     "Nantes", "modes": "sur_place", "when": "souple",
	}
	lea.get(alpha + "/annonces/nouvelle?type=demande")
	resp := lea.post(alpha+"/annonces/nouvelle", fields)
	m := postLink.FindStringSubmatch(resp.Request.URL.String())
	if m == nil {
		t.Fatalf("the post was not published: %s", resp.Request.URL)
	}
	steps := []struct {
		url        string
		edit       string // a new title, before looking
		want, deny string
	}{
		{alpha + "/annonces", "", "Courses du mardi", ""},
		{alpha + "/mes-annonces", "", "Courses du mardi", ""},
		{alpha + "/annonces?lang=en", "", "Request", "Demande"},
		{alpha + "/annonces?lang=fr", "Courses du mercredi", "Courses du mercredi", "Courses du mardi"},
		{alpha + "/mes-annonces", "", "Courses du mercredi", "Courses du mardi"},
	}
	for _, s := range steps {
		if s.edit != "" {
			lea.get(alpha + "/annonces/" + m[1] + "/modifier")
			fields["title"] = s.edit
			lea.post(alpha+"/annonces/"+m[1]+"/modifier", fields)
		}
		lea.get(s.url)
		if !strings.Contains(lea.last, s.want) || (s.deny != "" && strings.Contains(lea.last, s.deny)) {
			t.Fatalf("%s: want %q, not %q, in\n%s", s.url, s.want, s.deny, lea.last)
		}
	}
}
