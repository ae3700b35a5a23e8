// Package placename folds French place names into plain lower-case ASCII
// words, the common ground on which a resident's typing ("st herblain",
// "lozere") meets an official name ("Saint-Herblain", "Lozère"). The
// territory package searches on folded names and the territory generator
// derives URL slugs from them; it lives apart from both so that the
// generator does not depend on the data file it writes.
package placename

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Fold returns s as lower-case words separated by single spaces: accents
// are removed ("é" → "e"), ligatures spelled out ("œ" → "oe"), and hyphens,
// apostrophes and every other punctuation become word breaks, so that
// "L'Île-d'Yeu", "l ile d yeu" and "L’ILE D’YEU" all fold to "l ile d yeu".
// Letters of other scripts are kept, lower-cased.
func Fold(s string) string {
	if !isASCII(s) {
		// Decomposing first turns "é" into "e" plus a combining accent,
		// which the loop below drops.
		s = norm.NFD.String(s)
	}
	out := make([]byte, 0, len(s))
	pendingSpace := false
	for _, r := range s {
		var spelled string // a ligature spelled out, or empty
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case unicode.Is(unicode.Mn, r):
			// A combining accent: part of the letter before it.
			continue
		case r == 'œ' || r == 'Œ':
			spelled = "oe"
		case r == 'æ' || r == 'Æ':
			spelled = "ae"
		case r == 'ß':
			spelled = "ss"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
		default:
			pendingSpace = true
			continue
		}
		if pendingSpace && len(out) > 0 {
			out = append(out, ' ')
		}
		pendingSpace = false
		if spelled != "" {
			out = append(out, spelled...)
		} else {
			out = utf8.AppendRune(out, r)
		}
	}
	return string(out)
}

// EPCIKey folds an EPCI's name into the words that tell it apart from its
// neighbours: without the legal form that opens it ("CC ", "Communauté
// d'agglomération "…) and the article after it, nor a final parenthesis,
// usually an acronym repeating the name ("(CARENE)"). "CC du Pays
// d'Ancenis" gives "pays d ancenis". Métropoles keep their whole name:
// "Nantes Métropole" is what people call it. EPCI slugs are built from it,
// and lists of EPCIs sorted by it.
func EPCIKey(name string) string {
	if open := strings.LastIndex(name, "("); open > 0 && strings.HasSuffix(strings.TrimSpace(name), ")") {
		name = name[:open]
	}
	// The trailing space lets a name that is only a legal form lose it too.
	words := Fold(name) + " "
	for _, form := range []string{
		"communaute de communes ", "communaute d agglomeration ", "communaute urbaine ",
		"cc ", "ca ", "cu ",
	} {
		if rest, ok := strings.CutPrefix(words, form); ok {
			words = rest
			for _, article := range []string{"de la ", "de l ", "des ", "du ", "de ", "d "} {
				if rest, ok := strings.CutPrefix(words, article); ok {
					words = rest
					break
				}
			}
			break
		}
	}
	return strings.TrimSuffix(words, " ")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
