package web_test

import (
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/web"
)

// A portal's own words replace the platform's on its pages, in each
// language it gave, and on no other portal.
func TestPortalWordsOnPages(t *testing.T) {
	f := newFixture(t, func(d *web.Deps) {
		if ps := d.Messages.SetPortalWords("alpha", []i18n.Word{
			{ID: "post.kinds.demande", Text: map[string]string{"fr": "Besoins", "en": "Needs"}},
		}, []string{"fr", "en"}); len(ps) > 0 {
			t.Fatal(ps)
		}
	})
	tests := []struct {
		host, path, want, not string
	}{
		{"alpha.localhost", "/annonces", ">Besoins</option>", "Demandes d'aide"},
		{"alpha.localhost", "/annonces?lang=en", ">Needs</option>", "Requests for help"},
		{"beta.localhost", "/annonces", ">Demandes d&#39;aide</option>", "Besoins"},
	}
	for _, tc := range tests {
		body := f.do(t, req{host: tc.host, path: tc.path}).Body.String()
		if !strings.Contains(body, tc.want) || strings.Contains(body, tc.not) {
			t.Errorf("%s%s: want %q and not %q", tc.host, tc.path, tc.want, tc.not)
		}
	}
}
