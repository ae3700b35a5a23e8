package help

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// A page's statement depends only on which filters are set, never on their
// values (its plan is kept: see listSQL), it is one of those the database
// keeps prepared, and it numbers its parameters 1 to the number of its
// arguments.
func TestListStatementsFollowTheFiltersSet(t *testing.T) {
	kept := listStatements()
	placeholder := regexp.MustCompile(`\$(\d+)`)
	tests := []struct {
		name      string
		one, same Filter
	}{
		{"nothing", Filter{}, Filter{Page: 3}},
		{"kind", Filter{Kind: KindRequest}, Filter{Kind: KindOffer}},
		{"category and EPCI", Filter{Category: "courses", EPCI: "244400404"}, Filter{Category: "ecoute", EPCI: "244400644"}},
		{"a date", Filter{Date: "2026-12-24"}, Filter{Date: "2027-01-01"}},
		{"words", Filter{Query: "courses"}, Filter{Query: "aide à domicile", Page: 2}},
		{"words, every filter, near", Filter{Query: "a", Kind: "k", Category: "c", EPCI: "e", Date: "2026-12-24", Near: "n"},
			Filter{Query: "b", Kind: "l", Category: "d", EPCI: "f", Date: "2027-12-24", Near: "m"}},
		{"near first", Filter{Near: "244400404"}, Filter{Near: "244400644"}},
		{"near first, kind, category, date", Filter{Near: "n", Kind: "k", Category: "c", Date: "2026-12-24"},
			Filter{Near: "m", Kind: "l", Category: "d", Date: "2026-01-02"}},
		{"every match counted", Filter{CountAll: true}, Filter{CountAll: true, Page: 60}},
		{"near first, every match counted", Filter{Near: "n", CountAll: true}, Filter{Near: "m", CountAll: true, Page: 2}},
		{"a page far in", Filter{Page: 70}, Filter{Page: 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sql, args := ListQuery(tc.one)
			other, _ := ListQuery(tc.same)
			if sql != other {
				t.Error("the statement changed with the filters' values")
			}
			if !slices.Contains(kept, sql) {
				t.Error("the statement is not among those kept prepared")
			}
			highest := 0
			for _, m := range placeholder.FindAllStringSubmatch(sql, -1) {
				n, _ := strconv.Atoi(m[1])
				highest = max(highest, n)
			}
			if highest != len(args) {
				t.Errorf("the statement's parameters go up to $%d for %d arguments", highest, len(args))
			}
		})
	}
	// A filter set or not gives another statement: 16 newest-first (kind,
	// category, EPCI, date), 8 near-first (no EPCI), 32 ranked (and near);
	// the first two, counting every match or not (the ranked ones count
	// every match anyway).
	if want := (16+8)*2 + 32; len(kept) != want {
		t.Errorf("%d statements kept prepared, want %d", len(kept), want)
	}
}
