package rules

import (
	"slices"
	"strings"
)

// phraseMatcher finds a list of words and phrases, such as a portal's
// forbidden words. Each is folded and cut into tokens the way posts are,
// so matching is on whole words, ignores accents and case, tolerates any
// spaces or punctuation between the words of a phrase ("carte bancaire",
// "CARTE-BANCAIRE", "carte\nbancaire") and simple plurals ("cartes
// bancaires", "RIBs").
type phraseMatcher struct {
	phrases [][]string       // folded, stemmed words
	byFirst wordTable[[]int] // index in phrases by first word, longest phrase first
}

// newPhraseMatcher returns a matcher for words, or nil if none of them has
// anything to match (empty or punctuation only).
func newPhraseMatcher(words []string) *phraseMatcher {
	p := &phraseMatcher{}
	byFirst := map[string][]int{}
	seen := map[string]bool{}
	var t text
	for _, w := range words {
		t.reset(w)
		if len(t.toks) == 0 {
			continue
		}
		ph := make([]string, len(t.toks))
		for k := range t.toks {
			ph[k] = string(stem(t.word(k)))
		}
		key := strings.Join(ph, " ")
		if seen[key] {
			continue
		}
		seen[key] = true
		byFirst[ph[0]] = append(byFirst[ph[0]], len(p.phrases))
		p.phrases = append(p.phrases, ph)
	}
	if len(p.phrases) == 0 {
		return nil
	}
	// Where "code" and "code secret" both match, the longer phrase is the
	// one to quote.
	for _, idx := range byFirst {
		slices.SortStableFunc(idx, func(x, y int) int { return len(p.phrases[y]) - len(p.phrases[x]) })
	}
	p.byFirst = newWordTable(byFirst)
	return p
}

func (p *phraseMatcher) match(t *text, out []span) []span {
	for i := 0; i < len(t.toks); {
		cands, _ := p.byFirst.get(stem(t.word(i)))
		end := 0
		for _, c := range cands {
			if e, ok := t.seqAt(i, p.phrases[c], true, true); ok {
				end = e
				break
			}
		}
		if end == 0 {
			i++
			continue
		}
		out = append(out, span{a: int32(i), b: int32(end)})
		i = end
	}
	return out
}
