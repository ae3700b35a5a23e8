package main

import (
	"maps"
	"slices"
	"testing"
)

// Each step comes as often as its weight, and spread: no step that is at
// most half of the cycle comes three times in a row, even across the
// cycle's end (grouped, the bench's mix would send 30 home pages in a row).
func TestMixSequenceFollowsTheWeightsEvenly(t *testing.T) {
	cases := []struct {
		name    string
		weights []mixWeight
	}{
		{"the bench's mix", mixWeights},
		{"two alike", []mixWeight{{"a", 1}, {"b", 1}}},
		{"one rare", []mixWeight{{"a", 9}, {"b", 1}}},
		{"half and halves", []mixWeight{{"a", 4}, {"b", 2}, {"c", 2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq := mixSequence(tc.weights)
			count := map[string]int{}
			total := 0
			for _, w := range tc.weights {
				total += w.per
			}
			for _, s := range seq {
				count[s]++
			}
			if len(seq) != total {
				t.Fatalf("a cycle of %d steps, want %d", len(seq), total)
			}
			for _, w := range tc.weights {
				if count[w.step] != w.per {
					t.Errorf("%s: %d times, want %d (%v)", w.step, count[w.step], w.per, slices.Sorted(maps.Keys(count)))
				}
				if 2*w.per > total {
					continue
				}
				for i := range seq {
					if seq[i] == w.step && seq[(i+1)%len(seq)] == w.step && seq[(i+2)%len(seq)] == w.step {
						t.Errorf("%s three times in a row at %d: %v", w.step, i, seq)
						break
					}
				}
			}
		})
	}
}
