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
