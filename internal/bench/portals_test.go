package bench

import (
	"path/filepath"
	"testing"

	"github.com/entraide/entraide/internal/tenant"
)

// TestWritePortals checks that the generated portal files load as the
// server loads them: valid, each with its own slug and host.
func TestWritePortals(t *testing.T) {
	dir := t.TempDir()
	portals, err := WritePortals(filepath.Join("..", "..", "tenants"), dir, 4)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := tenant.LoadDir(dir, func(string) bool { return true })
	if err != nil {
		t.Fatalf("generated portals do not load: %v", err)
	}
	if len(loaded) != len(portals) || len(portals) != 7 {
		t.Fatalf("loaded %d portals, wrote %d, want 7", len(loaded), len(portals))
	}
	reg, err := tenant.NewRegistry(loaded)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range portals {
		got, ok := reg.Resolve(p.Host)
		if !ok || string(got.Slug) != p.Slug || got.Departement != p.Departement {
			t.Errorf("host %s: got %+v, want slug %s in %s", p.Host, got, p.Slug, p.Departement)
		}
	}
	if p := portals[len(portals)-1]; p.Slug != "bench0004" || !p.Generated || p.Host != "bench0004.localhost" {
		t.Errorf("last portal = %+v", p)
	}
}
