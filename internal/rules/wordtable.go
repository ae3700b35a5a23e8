package rules

import "slices"

// wordTable is a read-only set of words, each with a value, looked up with
// the []byte of a token. Check looks up every word of every post, once in
// the lexicon and once in the portal's forbidden words; hashing the short
// key inline and probing an open-addressed array costs about half of a Go
// map access, and most words of a post, absent from the table, stop at
// the first empty slot.
type wordTable[V any] struct {
	keys []string // "" marks an empty slot: no word is empty
	vals []V
	mask uint32
}

func newWordTable[V any](m map[string]V) wordTable[V] {
	size := 8
	for size < 4*len(m) {
		size *= 2
	}
	t := wordTable[V]{keys: make([]string, size), vals: make([]V, size), mask: uint32(size - 1)}
	words := make([]string, 0, len(m))
	for w := range m {
		if w != "" {
			words = append(words, w)
		}
	}
	// The layout of the table does not depend on map order.
	slices.Sort(words)
	for _, w := range words {
		i := hashWord([]byte(w)) & t.mask
		for t.keys[i] != "" {
			i = (i + 1) & t.mask
		}
		t.keys[i], t.vals[i] = w, m[w]
	}
	return t
}

// get returns the value of w, and whether w is in the table.
func (t *wordTable[V]) get(w []byte) (V, bool) {
	var zero V
	if len(t.keys) == 0 {
		return zero, false
	}
	for i := hashWord(w) & t.mask; ; i = (i + 1) & t.mask {
		k := t.keys[i]
		if k == "" {
			return zero, false
		}
		if k == string(w) {
			return t.vals[i], true
		}
	}
}

// hashWord is 32-bit FNV-1a.
func hashWord(w []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range w {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}
