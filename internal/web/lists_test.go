package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A page of the list is remembered for signed-in people while its portal
// has not changed (lists.go). These steps check that a signed-in list
// always shows the posts as they stand after the portal's last announced
// write, on each portal for itself though the two portals' people share
// an id, and say when it was drawn from remembered rows.
func TestSignedInListIsReadAgainAfterEveryWrite(t *testing.T) {
	f := newFixture(t, nil)
	alphaID, alphaToken, betaToken := f.sameIDResidents(t)
	betaID := alphaID // the same id, in beta's schema
	first := f.publish(t, "alpha", alphaID, 0, "Courses pour une voisine à Orvault")
	onBeta := f.publish(t, "beta", betaID, 0, "Promenade du chien à Rezé")
	var second string // the title of the post published on alpha in a step

	list := func(slug, token, query string, header map[string]string) (page, cache string) {
		t.Helper()
		h := map[string]string{"Cookie": "entraide_session=" + token}
		for k, v := range header {
			h[k] = v
		}
		w := f.do(t, req{host: slug + ".localhost", path: "/annonces" + query, header: h})
		if w.Code != http.StatusOK {
			t.Fatalf("/annonces%s on %s: %d", query, slug, w.Code)
		}
		return w.Body.String(), w.Header().Get("X-Cache")
	}
	search := "?" + url.Values{"q": {"samedi"}}.Encode()
	steps := []struct {
		name       string
		change     func()
		query      string
		header     map[string]string
		show       func() string // a title alpha's page shows
		hide       func() string // and one it must not
		remembered bool          // alpha's page drawn from remembered rows
	}{
		{name: "first visit", show: func() string { return first.Title }, hide: func() string { return onBeta.Title }},
		{name: "again", show: func() string { return first.Title }, hide: func() string { return onBeta.Title }, remembered: true},
		{name: "a search is another page", query: search, show: func() string { return first.Title }, hide: func() string { return onBeta.Title }},
		{name: "the search again", query: search, show: func() string { return first.Title }, hide: func() string { return onBeta.Title }, remembered: true},
		{name: "a post published on alpha", change: func() {
			second = f.publish(t, "alpha", alphaID, 1, "Aide aux devoirs en Sautron").Title
		}, show: func() string { return second }, hide: func() string { return onBeta.Title }},
		// Remembered: a change nobody announced (another program's) is
		// not seen yet ...
		{name: "hidden unannounced", change: func() {
			if _, err := f.env.DB.Pool().Exec(context.Background(),
				`UPDATE tenant_alpha.posts SET visibility = 'masquee' WHERE title = $1`, second); err != nil {
				t.Fatal(err)
			}
		}, show: func() string { return second }, hide: func() string { return onBeta.Title }, remembered: true},
		// ... except by a forced reload, which reads the database ...
		{name: "forced reload", header: map[string]string{"Cache-Control": "no-cache"},
			show: func() string { return first.Title }, hide: func() string { return second }},
		// ... and what it read is what the next ones get.
		{name: "after the forced reload", show: func() string { return first.Title }, hide: func() string { return second }, remembered: true},
		{name: "another write on alpha", change: func() {
			if err := f.deps.Pages.Changed(context.Background(), "alpha"); err != nil {
				t.Fatal(err)
			}
		}, show: func() string { return first.Title }, hide: func() string { return second }},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		page, cache := list("alpha", alphaToken, st.query, st.header)
		if !strings.Contains(page, st.show()) || strings.Contains(page, st.hide()) {
			t.Errorf("%s: alpha's list should show %q and not %q", st.name, st.show(), st.hide())
		}
		if got := cache == "rows"; got != st.remembered {
			t.Errorf("%s: drawn from remembered rows: %v, want %v", st.name, got, st.remembered)
		}
		// Beta's list, the same address for a person with the same id,
		// never shows alpha's posts.
		page, _ = list("beta", betaToken, st.query, nil)
		if !strings.Contains(page, onBeta.Title) || strings.Contains(page, first.Title) {
			t.Errorf("%s: beta's list should show %q and not alpha's %q", st.name, onBeta.Title, first.Title)
		}
	}
}
