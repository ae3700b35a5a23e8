package kv_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

// Both stores count the same way, so a deployment behaves alike with and
// without Redis.
func TestIncr(t *testing.T) {
	for _, st := range testutil.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			for want := int64(1); want <= 3; want++ {
				n, ttl, err := st.Store.Incr(ctx, "count:a", time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if n != want || ttl <= 0 || ttl > time.Minute {
					t.Fatalf("Incr = %d, %s; want %d within a minute", n, ttl, want)
				}
			}
			if n, _, _ := st.Store.Incr(ctx, "count:b", time.Minute); n != 1 {
				t.Fatalf("another key starts at %d", n)
			}
			// A counter starts again once its window has passed.
			if _, _, err := st.Store.Incr(ctx, "count:short", 30*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(60 * time.Millisecond)
			if n, _, _ := st.Store.Incr(ctx, "count:short", 30*time.Millisecond); n != 1 {
				t.Fatalf("expired counter continued at %d", n)
			}
			if err := st.Store.Ping(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Two deployments sharing one Redis never see each other's keys.
func TestRedisPrefixesKeys(t *testing.T) {
	a, b := testutil.Redis(t), testutil.Redis(t)
	ctx := context.Background()
	a.Incr(ctx, "same", time.Minute)
	a.Incr(ctx, "same", time.Minute)
	if n, _, err := b.Incr(ctx, "same", time.Minute); err != nil || n != 1 {
		t.Fatalf("second prefix sees count %d (%v)", n, err)
	}
}

// Values and sets behave alike in both stores: what the session store needs.
func TestValuesAndSets(t *testing.T) {
	for _, st := range testutil.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			s := st.Store
			if _, ok, err := s.Get(ctx, "v"); ok || err != nil {
				t.Fatalf("missing key: ok=%v err=%v", ok, err)
			}
			if err := s.Set(ctx, "v", []byte("un"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if b, ok, err := s.Get(ctx, "v"); !ok || err != nil || string(b) != "un" {
				t.Fatalf("Get = %q %v %v", b, ok, err)
			}
			if err := s.Set(ctx, "short", []byte("x"), 30*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(60 * time.Millisecond)
			if _, ok, _ := s.Get(ctx, "short"); ok {
				t.Fatal("expired value still there")
			}
			if err := s.Del(ctx, "v", "absent"); err != nil {
				t.Fatal(err)
			}
			if _, ok, _ := s.Get(ctx, "v"); ok {
				t.Fatal("deleted value still there")
			}

			for _, m := range []string{"a", "b", "c"} {
				if err := s.SetAdd(ctx, "set", m, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.SetRemove(ctx, "set", "b"); err != nil {
				t.Fatal(err)
			}
			got, err := s.SetMembers(ctx, "set")
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != "a,c" {
				t.Fatalf("members = %v, want a,c", got)
			}
			// A short ttl on a later add does not shorten the set's life.
			if err := s.SetAdd(ctx, "set", "d", time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(20 * time.Millisecond)
			if got, _ := s.SetMembers(ctx, "set"); len(got) != 3 {
				t.Fatalf("set shortened by a later add: %v", got)
			}
			if got, err := s.SetMembers(ctx, "no-set"); err != nil || len(got) != 0 {
				t.Fatalf("missing set = %v %v", got, err)
			}
		})
	}
}

// IncrAndGet counts as Incr does and reads the other keys in the same
// call, missing ones as nil, in the order asked, in both stores; and a
// prefix keeps another deployment's keys out.
func TestIncrAndGet(t *testing.T) {
	for _, st := range testutil.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := st.Store.Set(ctx, "val:a", []byte("alpha"), time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := st.Store.Set(ctx, "val:c", []byte("gamma"), time.Minute); err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				keys []string
				want []string // "<nil>" for a missing key
			}{
				{nil, []string{}},
				{[]string{"val:a"}, []string{"alpha"}},
				{[]string{"val:missing", "val:a"}, []string{"<nil>", "alpha"}},
				{[]string{"val:a", "val:missing"}, []string{"alpha", "<nil>"}},
				{[]string{"val:c", "val:missing", "val:a"}, []string{"gamma", "<nil>", "alpha"}},
			}
			for i, tc := range cases {
				n, ttl, values, err := st.Store.IncrAndGet(ctx, "count:get", time.Minute, tc.keys...)
				if err != nil {
					t.Fatal(err)
				}
				if n != int64(i+1) || ttl <= 0 || ttl > time.Minute {
					t.Fatalf("IncrAndGet count = %d, %s; want %d within a minute", n, ttl, i+1)
				}
				got := make([]string, len(values))
				for j, v := range values {
					got[j] = "<nil>"
					if v != nil {
						got[j] = string(v)
					}
				}
				if strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Fatalf("IncrAndGet(%q) values = %q, want %q", tc.keys, got, tc.want)
				}
			}
		})
	}
	a, b := testutil.Redis(t), testutil.Redis(t)
	ctx := context.Background()
	if err := a.Set(ctx, "val:a", []byte("mine"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, _, values, err := b.IncrAndGet(ctx, "count", time.Minute, "val:a"); err != nil || values[0] != nil {
		t.Fatalf("another prefix reads %q (%v)", values, err)
	}
}
