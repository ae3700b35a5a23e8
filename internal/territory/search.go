package territory

import (
	"strings"

	"github.com/entraide/entraide/internal/territory/placename"
)

// How well a commune's name matches a query, best first. Search returns
// the communes of a better rank before those of a worse one.
const (
	rankExact     uint8 = iota // the whole name: "nantes" for Nantes
	rankPrefix                 // the start of the name: "saint h" for Saint-Herblain
	rankWordStart              // the start of a later word: "herblain" for Saint-Herblain
	rankSubstring              // anywhere: "erblain" for Saint-Herblain
	rankWords                  // each query word starts a word, in any order: "julien concelles"
	rankNone

	// A code query ranks its matches on the same scale. Postcodes come
	// first: residents know theirs, not INSEE codes, and the two overlap
	// (44100 is a postcode of Nantes and the INSEE code of Monnières).
	rankPostcode       = rankExact     // a postcode: "44800"
	rankINSEE          = rankPrefix    // the INSEE code: "44162"
	rankPostcodePrefix = rankWordStart // the start of a postcode: "448"
)

// Search returns the département's communes that match what a resident
// typed, best first, at most limit of them.
//
// A query of digits is a postcode or an INSEE code: "44800" finds
// Saint-Herblain by its postcode, "44162" by its INSEE code, and "448"
// every commune with a postcode that starts with 448. Communes with that
// postcode come first, then the commune with that INSEE code, then the
// postcodes that start with it.
//
// Any other query is matched against names, ignoring case, accents and
// punctuation, with "st" and "ste" read as "saint" and "sainte": "st
// herblain", "St-Herblain" and "SAINT HERBLAIN" all find Saint-Herblain.
// Exact names come first, then names that start with the query, then names
// with a word that does, then names that contain it, then names where every
// query word starts some word; within each group, larger communes first.
func (a *Atlas) Search(departement, query string, limit int) []Commune {
	d, ok := a.departements[departement]
	if !ok || limit <= 0 {
		return nil
	}

	// One rank per commune of the département, computed once, then read
	// rank by rank; d.ranked already orders ties by population. The
	// largest département has under a thousand communes, so the ranks
	// usually live on the stack.
	var stack [1024]uint8
	ranks := stack[:0]
	if len(d.ranked) > len(stack) {
		ranks = make([]uint8, 0, len(d.ranked))
	}
	matches := 0
	if code, ok := codeQuery(query); ok {
		for _, i := range d.ranked {
			r := codeRank(a.communes[i], code)
			ranks = append(ranks, r)
			if r != rankNone {
				matches++
			}
		}
	} else {
		asTyped := placename.Fold(query)
		if asTyped == "" {
			return nil
		}
		// "st" may also be the start of "Stains": the query is tried as
		// typed too, and the better rank wins.
		q := expandAbbreviations(asTyped)
		for _, i := range d.ranked {
			r := nameRank(a.folded[i], q)
			if asTyped != q {
				r = min(r, nameRank(a.folded[i], asTyped))
			}
			ranks = append(ranks, r)
			if r != rankNone {
				matches++
			}
		}
	}

	if matches == 0 {
		return nil
	}
	out := make([]Commune, 0, min(limit, matches))
	for r := rankExact; r < rankNone && len(out) < limit; r++ {
		for k, i := range d.ranked {
			if ranks[k] == r {
				out = append(out, a.communes[i])
				if len(out) == limit {
					break
				}
			}
		}
	}
	return out
}

// foldName folds a commune's name for Search the way queries are folded.
func foldName(s string) string { return expandAbbreviations(placename.Fold(s)) }

// expandAbbreviations spells out the words "st" and "ste" of a folded name
// as "saint" and "sainte". It returns f itself when there is none.
func expandAbbreviations(f string) string {
	found := false
	for rest := f; rest != "" && !found; {
		var w string
		w, rest, _ = strings.Cut(rest, " ")
		found = w == "st" || w == "ste"
	}
	if !found {
		return f
	}
	words := strings.Split(f, " ")
	for i, w := range words {
		switch w {
		case "st":
			words[i] = "saint"
		case "ste":
			words[i] = "sainte"
		}
	}
	return strings.Join(words, " ")
}

// nameRank says how well the folded name matches the folded query q.
func nameRank(name, q string) uint8 {
	i := strings.Index(name, q)
	switch {
	case i == 0 && len(name) == len(q):
		return rankExact
	case i == 0:
		return rankPrefix
	case i > 0:
		for ; i >= 0; i = nextIndex(name, q, i) {
			if name[i-1] == ' ' {
				return rankWordStart
			}
		}
		return rankSubstring
	}
	if !strings.Contains(q, " ") {
		return rankNone
	}
	for rest := q; rest != ""; {
		var w string
		w, rest, _ = strings.Cut(rest, " ")
		if !startsWord(name, w) {
			return rankNone
		}
	}
	return rankWords
}

// nextIndex returns the index of the next occurrence of q in s after the
// one at i, or -1.
func nextIndex(s, q string, i int) int {
	j := strings.Index(s[i+1:], q)
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// startsWord reports whether some word of the folded name starts with w.
func startsWord(name, w string) bool {
	for i := strings.Index(name, w); i >= 0; i = nextIndex(name, w, i) {
		if i == 0 || name[i-1] == ' ' {
			return true
		}
	}
	return false
}

// codeQuery reports whether the query is a postcode or INSEE code, whole or
// begun, and returns it without spaces ("44 800" is a postcode too).
// Corsican INSEE codes start with 2A or 2B.
func codeQuery(query string) (string, bool) {
	q := strings.TrimSpace(query)
	if strings.Contains(q, " ") {
		q = strings.ReplaceAll(q, " ", "")
	}
	if q == "" || len(q) > 5 {
		return "", false
	}
	start := 0
	if len(q) == 5 && q[0] == '2' && strings.ContainsRune("AaBb", rune(q[1])) {
		start = 2
	}
	for i := start; i < len(q); i++ {
		if q[i] < '0' || q[i] > '9' {
			return "", false
		}
	}
	return q, true
}

// codeRank says how well a commune matches a code query: one of its
// postcodes exactly, its INSEE code exactly, or the start of a postcode.
func codeRank(c Commune, code string) uint8 {
	r := rankNone
	if strings.EqualFold(c.Code, code) {
		r = rankINSEE
	}
	for _, p := range c.Postcodes {
		switch {
		case p == code:
			return rankPostcode
		case r == rankNone && strings.HasPrefix(p, code):
			r = rankPostcodePrefix
		}
	}
	return r
}
