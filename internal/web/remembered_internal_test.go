package web

import (
	"testing"
	"time"
)

// What remembered gives back: only a value read at the version asked, less
// than the lifetime after it was read, and never more values than its
// caller's bound.
func TestRemembered(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	const ttl = 30 * time.Second
	tests := []struct {
		name    string
		version string
		now     time.Time
		found   bool
	}{
		{"same version, just read", "v1", t0, true},
		{"same version, just before the lifetime ends", "v1", t0.Add(ttl - time.Nanosecond), true},
		{"same version, at the end of its lifetime", "v1", t0.Add(ttl), false},
		{"another version", "v2", t0, false},
		{"no version", "", t0, false},
	}
	var r remembered[string, int]
	r.put("page", "v1", t0, 42, 10)
	for _, tc := range tests {
		v, ok := r.get("page", tc.version, tc.now, ttl)
		if ok != tc.found || (ok && v != 42) {
			t.Errorf("%s: got %d, %v; want found %v", tc.name, v, ok, tc.found)
		}
	}
	if _, ok := r.get("other", "v1", t0, ttl); ok {
		t.Error("a key never put was found")
	}

	// At its bound it forgets everything, then remembers again.
	var b remembered[int, int]
	for i := range 3 {
		b.put(i, "v", t0, i, 3)
	}
	b.put(3, "v", t0, 3, 3)
	if len(b.values) != 1 {
		t.Errorf("%d values kept at a bound of 3", len(b.values))
	}
	if v, ok := b.get(3, "v", t0, ttl); !ok || v != 3 {
		t.Error("the value put when full was not kept")
	}
}
