package pagecache

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

func header() http.Header { return http.Header{"Content-Type": {"text/html; charset=utf-8"}} }

// A portal's version changes on every write, on every cache sharing the
// store (two instances of the deployment), and only that portal's.
func TestVersions(t *testing.T) {
	for _, s := range testutil.Stores(t) {
		t.Run(s.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b := New(s.Store, Options{TTL: time.Minute, MaxBytes: 1 << 20}), New(s.Store, Options{TTL: time.Minute, MaxBytes: 1 << 20})
			seen := map[string]bool{}
			for i := range 3 {
				va, err := a.Version(ctx, "alpha")
				if err != nil {
					t.Fatal(err)
				}
				vb, err := b.Version(ctx, "alpha")
				if err != nil {
					t.Fatal(err)
				}
				if va != vb {
					t.Fatalf("two caches on one store disagree on alpha's version: %q, %q", va, vb)
				}
				if seen[va] {
					t.Fatalf("write %d: alpha's version %q came back", i, va)
				}
				seen[va] = true
				beta, err := a.Version(ctx, "beta")
				if err != nil || beta != "" {
					t.Fatalf("beta's version after writes on alpha: %q, %v", beta, err)
				}
				if err := b.Changed(ctx, "alpha"); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// Pages are served until their lifetime ends; the least recently used go
// first when the bytes run out; a page too large is not kept.
func TestLifetimeAndBounds(t *testing.T) {
	page := strings.Repeat("x", 1000)
	cases := []struct {
		name   string
		opts   Options
		steps  func(c *Cache, clock *time.Time)
		kept   []string
		absent []string
	}{
		{"fresh then expired", Options{TTL: time.Minute, MaxBytes: 1 << 20}, func(c *Cache, clock *time.Time) {
			c.Put("a", header(), []byte(page))
			*clock = clock.Add(59 * time.Second)
			c.Put("b", header(), []byte(page))
			*clock = clock.Add(2 * time.Second)
		}, []string{"b"}, []string{"a"}},
		{"least recently used out", Options{TTL: time.Hour, MaxBytes: 3000, MaxPage: 2000}, func(c *Cache, clock *time.Time) {
			c.Put("a", header(), []byte(page))
			c.Put("b", header(), []byte(page))
			c.Get("a") // a is now used more recently than b
			c.Put("c", header(), []byte(page))
		}, []string{"a", "c"}, []string{"b"}},
		{"too large", Options{TTL: time.Hour, MaxBytes: 1 << 20, MaxPage: 999}, func(c *Cache, clock *time.Time) {
			c.Put("a", header(), []byte(page))
		}, nil, []string{"a"}},
		{"off", Options{TTL: 0, MaxBytes: 1 << 20}, func(c *Cache, clock *time.Time) {
			c.Put("a", header(), []byte(page))
		}, nil, []string{"a"}},
		{"cleared", Options{TTL: time.Hour, MaxBytes: 1 << 20}, func(c *Cache, clock *time.Time) {
			c.Put("a", header(), []byte(page))
			c.Clear()
			c.Put("b", header(), []byte(page))
		}, []string{"b"}, []string{"a"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
			c := New(nil, tc.opts)
			c.now = func() time.Time { return clock }
			tc.steps(c, &clock)
			for _, k := range tc.kept {
				p, ok := c.Get(k)
				if !ok || string(p.Body) != page || p.Header.Get("Content-Type") == "" || len(p.Gzip) == 0 {
					t.Fatalf("page %q: kept %v", k, ok)
				}
				zr, err := gzip.NewReader(bytes.NewReader(p.Gzip))
				if err != nil {
					t.Fatal(err)
				}
				if unzipped, err := io.ReadAll(zr); err != nil || string(unzipped) != page {
					t.Fatalf("page %q: its gzip does not give the page back (%v)", k, err)
				}
			}
			for _, k := range tc.absent {
				if _, ok := c.Get(k); ok {
					t.Fatalf("page %q is still served", k)
				}
			}
			if _, bytes := c.Size(); bytes > max(tc.opts.MaxBytes, 0) {
				t.Fatalf("%d bytes kept, bound %d", bytes, tc.opts.MaxBytes)
			}
		})
	}
}

// Keys differ whenever one of their parts does, even when the parts
// joined would read the same.
func TestKeys(t *testing.T) {
	keys := []string{
		Key("alpha", "v1", "alpha.localhost", "fr", "/annonces"),
		Key("alpha", "v2", "alpha.localhost", "fr", "/annonces"),
		Key("beta", "v1", "alpha.localhost", "fr", "/annonces"),
		Key("alpha", "v1", "alpha.localhost", "en", "/annonces"),
		Key("alpha", "v1", "alpha.localhostfr", "", "/annonces"),
		Key("alpha", "v1", "alpha.localhost", "fr", "/annonces?page=2"),
	}
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Fatalf("two pages share the key %q", k)
		}
		seen[k] = true
	}
}
