package web

import (
	"errors"
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

// through reads only when nothing usable is remembered or a fresh value is
// asked, keeps what keep gives, and keeps nothing of a failed read.
func TestRememberedThrough(t *testing.T) {
	var r remembered[string, int]
	reads := 0
	read := func(v int, err error) func() (int, error) {
		return func() (int, error) { reads++; return v, err }
	}
	double := func(v int) int { return 2 * v }
	failed := errors.New("the database is away")
	steps := []struct {
		name    string
		version string
		fresh   bool
		read    func() (int, error)
		want    int
		hit     bool
		err     error
		reads   int // in all, after the step
	}{
		{name: "nothing yet", version: "v1", read: read(1, nil), want: 1, reads: 1},
		{name: "remembered, as keep gave it", version: "v1", read: read(5, nil), want: 2, hit: true, reads: 1},
		{name: "a fresh value asked", version: "v1", fresh: true, read: read(3, nil), want: 3, reads: 2},
		{name: "what the fresh read kept", version: "v1", read: read(5, nil), want: 6, hit: true, reads: 2},
		{name: "a new version", version: "v2", read: read(4, nil), want: 4, reads: 3},
		{name: "a failed read", version: "v3", read: read(0, failed), err: failed, reads: 4},
		{name: "nothing kept of it", version: "v3", read: read(7, nil), want: 7, reads: 5},
	}
	for _, st := range steps {
		v, hit, err := r.through("page", st.version, time.Minute, st.fresh, 10, double, st.read)
		if v != st.want || hit != st.hit || !errors.Is(err, st.err) || reads != st.reads {
			t.Errorf("%s: got %d, hit %v, %v after %d reads; want %d, hit %v, %v after %d",
				st.name, v, hit, err, reads, st.want, st.hit, st.err, st.reads)
		}
	}
}
