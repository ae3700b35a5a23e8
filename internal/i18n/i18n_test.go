package i18n

import (
	"sort"
	"strings"
	"testing"
)

// Every message written in French, the source, exists in every other
// shipped language, and no language has a message French lacks.
func TestEveryLanguageHasEveryMessage(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	source := b.MessageIDs(Source)
	if len(source) < 10 {
		t.Fatalf("French has only %d messages", len(source))
	}
	sort.Strings(source)
	for _, locale := range b.Locales() {
		if locale == Source {
			continue
		}
		have := map[string]bool{}
		for _, id := range b.MessageIDs(locale) {
			have[id] = true
		}
		var missing []string
		for _, id := range source {
			if !have[id] {
				missing = append(missing, id)
			}
			delete(have, id)
		}
		if len(missing) > 0 {
			t.Errorf("%s lacks %s", locale, strings.Join(missing, ", "))
		}
		for id := range have {
			t.Errorf("%s has %s, which French lacks", locale, id)
		}
	}
}

func TestTranslate(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang, id string
		count    int
		pairs    []any
		want     string
	}{
		{"fr", "home.title", -1, []any{"Portal", "Entraide Calvados"}, "Bienvenue sur Entraide Calvados"},
		{"en", "home.title", -1, []any{"Portal", "Entraide Calvados"}, "Welcome to Entraide Calvados"},
		{"fr", "home.categories.count", 1, nil, "1 sorte d'aide"},
		{"fr", "home.categories.count", 8, nil, "8 sortes d'aide"},
		{"en", "home.categories.count", 1, nil, "1 kind of help"},
		{"en", "home.categories.count", 8, nil, "8 kinds of help"},
		// French counts 0 as singular, English as plural.
		{"fr", "home.categories.count", 0, nil, "0 sorte d'aide"},
		{"en", "home.categories.count", 0, nil, "0 kinds of help"},
		{"fr", "no.such.message", -1, nil, "no.such.message"},
	}
	for _, tc := range tests {
		l := b.For(tc.lang)
		var got string
		if tc.count >= 0 {
			got = l.N(tc.id, tc.count, tc.pairs...)
		} else {
			got = l.T(tc.id, tc.pairs...)
		}
		if got != tc.want {
			t.Errorf("%s %s(%d) = %q, want %q", tc.lang, tc.id, tc.count, got, tc.want)
		}
	}
}

func TestNegotiate(t *testing.T) {
	both := []string{"fr", "en"}
	tests := []struct {
		name, choice, accept string
		enabled              []string
		def, want            string
	}{
		{"nothing asked", "", "", both, "fr", "fr"},
		{"explicit choice", "en", "fr", both, "fr", "en"},
		{"choice not enabled", "en", "", []string{"fr"}, "fr", "fr"},
		{"browser English", "", "en-US,en;q=0.8", both, "fr", "en"},
		{"browser French region", "", "fr-BE", both, "en", "fr"},
		{"browser asks unknown", "", "de-DE", both, "fr", "fr"},
		{"browser asks English, portal French only", "", "en", []string{"fr"}, "fr", "fr"},
		{"malformed header", "", ";;;q=x", both, "fr", "fr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Negotiate(tc.choice, tc.accept, tc.enabled, tc.def); got != tc.want {
				t.Fatalf("Negotiate = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNumbersInEachLanguage(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		lang string
		n    int
		want string
	}{
		{"fr", 7, "7"},
		{"fr", 1234, "1\u202f234"}, {"fr", 1234567, "1\u202f234\u202f567"}, {"fr", -4500, "-4\u202f500"},
		{"en", 999, "999"},
		{"en", 1234, "1,234"}, {"en", 1234567, "1,234,567"},
	}
	for _, tc := range tests {
		if got := b.For(tc.lang).Number(tc.n); got != tc.want {
			t.Errorf("%s Number(%d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	// Counts in messages are written the same way, and still pick the
	// right plural form.
	if got := b.For("fr").N("home.categories.count", 1500); got != "1\u202f500 sortes d'aide" {
		t.Errorf("French count = %q", got)
	}
	if got := b.For("en").N("home.categories.count", 1500); got != "1,500 kinds of help" {
		t.Errorf("English count = %q", got)
	}
}

// A portal's words replace the platform's for that portal only, through
// the same localizer; a count message keeps its two forms.
func TestPortalWords(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	words := []Word{
		{ID: "post.kind.demande", Text: map[string]string{"fr": "Besoin", "en": "Need"}},
		{ID: "home.categories.count", One: map[string]string{"fr": "{{.Count}} sorte de besoin"}, Other: map[string]string{"fr": "{{.Count}} sortes de besoins"}},
	}
	if ps := b.SetPortalWords("tousvoisins44", words, []string{"fr", "en"}); len(ps) > 0 {
		t.Fatalf("SetPortalWords: %v", ps)
	}
	// Another portal words the same message its own way: each keeps its own.
	other := []Word{{ID: "post.kind.demande", Text: map[string]string{"fr": "Appel"}}}
	if ps := b.SetPortalWords("lozere", other, []string{"fr"}); len(ps) > 0 {
		t.Fatalf("SetPortalWords: %v", ps)
	}
	tests := []struct {
		portal, lang, id string
		count            int
		want             string
	}{
		{"tousvoisins44", "fr", "post.kind.demande", -1, "Besoin"},
		{"tousvoisins44", "en", "post.kind.demande", -1, "Need"},
		{"tousvoisins44", "fr", "home.categories.count", 1, "1 sorte de besoin"},
		{"tousvoisins44", "fr", "home.categories.count", 3, "3 sortes de besoins"},
		// Not replaced in English: the platform's words.
		{"tousvoisins44", "en", "home.categories.count", 3, "3 kinds of help"},
		// Other portals keep the platform's words.
		{"calvados", "fr", "post.kind.demande", -1, "Demande"},
		{"tousvoisins44", "fr", "post.kind.proposition", -1, "Proposition"},
		{"lozere", "fr", "post.kind.demande", -1, "Appel"},
		{"lozere", "en", "post.kind.demande", -1, "Request"},
	}
	// Twice: the second time, words without data come from what each
	// localizer remembered, and must not have mixed portals or languages.
	tests = append(tests, struct {
		portal, lang, id string
		count            int
		want             string
	}{"tousvoisins44", "fr", "no.such.message", -1, "no.such.message"})
	for pass := range 2 {
		for _, tc := range tests {
			l := b.ForPortal(tc.portal, tc.lang)
			got := l.T(tc.id)
			if tc.count >= 0 {
				got = l.N(tc.id, tc.count)
			}
			if got != tc.want {
				t.Errorf("pass %d: %s %s %s = %q, want %q", pass+1, tc.portal, tc.lang, tc.id, got, tc.want)
			}
		}
	}
	// The platform's own localizer still speaks the platform's words.
	if got := b.For("fr").T("post.kind.demande"); got != "Demande" {
		t.Errorf("platform localizer after portal words = %q, want Demande", got)
	}
}

// Localizers are made once per portal and shipped language and shared by
// every request; words set later replace a portal's localizers, and an
// unknown language is answered without being kept.
func TestLocalizersAreShared(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	before := b.ForPortal("tousvoisins44", "fr")
	if before != b.For("fr") || b.For("fr") != b.For("fr") || b.For("en") == b.For("fr") {
		t.Fatal("a portal without words should share the platform's localizer of each language, one per language")
	}
	if got := before.T("post.kind.demande"); got != "Demande" {
		t.Fatalf("before the portal's words: %q", got)
	}
	words := []Word{{ID: "post.kind.demande", Text: map[string]string{"fr": "Besoin", "en": "Need"}}}
	if ps := b.SetPortalWords("tousvoisins44", words, []string{"fr", "en"}); len(ps) > 0 {
		t.Fatalf("SetPortalWords: %v", ps)
	}
	after := b.ForPortal("tousvoisins44", "fr")
	if after == before || after != b.ForPortal("tousvoisins44", "fr") {
		t.Fatal("the portal's words should give it its own localizer, one per language")
	}
	if got := after.T("post.kind.demande"); got != "Besoin" {
		t.Errorf("after the portal's words: %q", got)
	}
	if got := b.For("fr").T("post.kind.demande"); got != "Demande" {
		t.Errorf("the platform's localizer took the portal's words: %q", got)
	}
	// A language that is not shipped: French words, nothing kept.
	odd := b.ForPortal("tousvoisins44", "xx")
	if odd == b.ForPortal("tousvoisins44", "xx") || odd.Lang != "xx" || odd.T("post.kind.proposition") != "Proposition" {
		t.Errorf("unknown language: %+v, %q", odd, odd.T("post.kind.proposition"))
	}
	n := 0
	b.localizers.Range(func(any, any) bool { n++; return true })
	if n != 3 { // platform fr, en; tousvoisins44 fr
		t.Errorf("%d localizers kept, want 3", n)
	}
}

func TestPortalWordsProblems(t *testing.T) {
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	fr := func(s string) map[string]string { return map[string]string{"fr": s} }
	tests := []struct {
		name  string
		word  Word
		field string
		want  string
	}{
		{"unknown id", Word{ID: "post.kind.besoin", Text: fr("Besoin")}, "words[0].id", `unknown message "post.kind.besoin"`},
		{"no id", Word{Text: fr("Besoin")}, "words[0].id", "required"},
		{"no words", Word{ID: "post.kind.demande"}, "words[0].text", "required"},
		{"language not spoken", Word{ID: "post.kind.demande", Text: map[string]string{"de": "Bedarf"}}, "words[0].text.de", `does not speak "de"`},
		{"count message as text", Word{ID: "home.categories.count", Text: fr("des aides")}, "words[0].text", "depends on a count"},
		{"plain message with forms", Word{ID: "post.kind.demande", One: fr("Besoin"), Other: fr("Besoins")}, "words[0]", "does not depend on a count"},
		{"placeholder not filled", Word{ID: "home.title", Text: fr("Bienvenue {{.Name}}")}, "words[0].text.fr", "{{.Name}} is not filled"},
		{"broken template", Word{ID: "home.title", Text: fr("Bienvenue {{.Portal")}, "words[0].text.fr", "not a valid message"},
		{"empty", Word{ID: "post.kind.demande", Text: fr("  ")}, "words[0].text.fr", "must not be empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := b.SetPortalWords("p", []Word{tc.word}, []string{"fr", "en"})
			for _, p := range ps {
				if p.Field == tc.field && strings.Contains(p.Message, tc.want) {
					return
				}
			}
			t.Fatalf("problems = %v, want %s: …%s…", ps, tc.field, tc.want)
		})
	}
	if _, ok := b.portals["p"]; ok {
		t.Fatal("a portal with wrong words got an overlay")
	}
}
