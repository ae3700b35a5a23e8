package authz

import (
	"testing"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
)

// TestWatcherNotices checks how a notice is applied: another instance's
// drops the portal's enforcer, this instance's own is ignored (it applied
// the change already), a malformed one is ignored.
func TestWatcherNotices(t *testing.T) {
	// The database is never reached: handle only touches the cache.
	a, err := New(Options{DB: new(db.DB), EPCIOfCommune: func(string) (string, bool) { return "", false }, Logger: testutil.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		payload string
		dropped []tenant.Slug
	}{
		{"alpha " + a.watcher.self, nil},
		{"alpha 0123456789abcdef", []tenant.Slug{"alpha"}},
		{"beta", []tenant.Slug{"beta"}},
		{"Not a slug! x", nil},
		{"", nil},
	}
	for _, c := range cases {
		for _, s := range []tenant.Slug{"alpha", "beta"} {
			a.enforcers.Store(s, &cached{})
		}
		a.watcher.handle(c.payload)
		for _, s := range []tenant.Slug{"alpha", "beta"} {
			_, kept := a.enforcers.Load(s)
			want := true
			for _, d := range c.dropped {
				if d == s {
					want = false
				}
			}
			if kept != want {
				t.Errorf("notice %q: enforcer of %s kept=%v, want %v", c.payload, s, kept, want)
			}
		}
	}
}
