package kv_test

import (
	"context"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/testutil"
)

// Both stores count the same way, so a deployment behaves alike with and
// without Redis.
func TestIncr(t *testing.T) {
	stores := []struct {
		name  string
		store kv.Store
	}{
		{"redis", testutil.Redis(t)},
		{"memory", kv.NewMemory()},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			for want := int64(1); want <= 3; want++ {
				n, ttl, err := st.store.Incr(ctx, "count:a", time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if n != want || ttl <= 0 || ttl > time.Minute {
					t.Fatalf("Incr = %d, %s; want %d within a minute", n, ttl, want)
				}
			}
			if n, _, _ := st.store.Incr(ctx, "count:b", time.Minute); n != 1 {
				t.Fatalf("another key starts at %d", n)
			}
			// A counter starts again once its window has passed.
			if _, _, err := st.store.Incr(ctx, "count:short", 30*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(60 * time.Millisecond)
			if n, _, _ := st.store.Incr(ctx, "count:short", 30*time.Millisecond); n != 1 {
				t.Fatalf("expired counter continued at %d", n)
			}
			if err := st.store.Ping(ctx); err != nil {
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
