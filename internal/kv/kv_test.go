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
