package tenant_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/tenant"
)

func TestNormalizeHost(t *testing.T) {
	tests := []struct {
		name, host, want string
	}{
		{"already normal", "calvados.localhost", "calvados.localhost"},
		{"upper case", "Calvados.LOCALHOST", "calvados.localhost"},
		{"port", "calvados.localhost:8080", "calvados.localhost"},
		{"trailing dot", "calvados.localhost.", "calvados.localhost"},
		{"trailing dot and port", "calvados.localhost.:8080", "calvados.localhost"},
		{"upper case, trailing dot and port", "Calvados.Localhost.:443", "calvados.localhost"},
		{"empty port", "calvados.localhost:", "calvados.localhost"},
		{"IPv6 literal with port", "[::1]:8080", "[::1]"},
		{"IPv6 literal without port", "[::1]", "[::1]"},
		{"IPv4 with port", "127.0.0.1:8080", "127.0.0.1"},
		{"empty", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tenant.NormalizeHost(tc.host); got != tc.want {
				t.Errorf("NormalizeHost(%q) = %q, want %q", tc.host, got, tc.want)
			}
		})
	}
}

// twoPortals builds a registry of two portals with several hosts each, as
// LoadDir would return them.
func twoPortals(t testing.TB) (*tenant.Registry, *tenant.Tenant, *tenant.Tenant) {
	t.Helper()
	calvados := &tenant.Tenant{Slug: "calvados", Hosts: []string{"calvados.localhost", "entraide.calvados.localhost"}}
	lozere := &tenant.Tenant{Slug: "lozere", Hosts: []string{"lozere.localhost", "entraide-lozere.example.org"}}
	r, err := tenant.NewRegistry([]*tenant.Tenant{calvados, lozere})
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	return r, calvados, lozere
}

func TestRegistryResolve(t *testing.T) {
	r, calvados, lozere := twoPortals(t)
	tests := []struct {
		name string
		host string
		want *tenant.Tenant // nil: must not resolve
	}{
		{"exact host", "calvados.localhost", calvados},
		{"second host of a portal", "entraide.calvados.localhost", calvados},
		{"other portal", "lozere.localhost", lozere},
		{"other portal, second host", "entraide-lozere.example.org", lozere},
		{"upper case", "CALVADOS.Localhost", calvados},
		{"with port", "calvados.localhost:8080", calvados},
		{"trailing dot", "lozere.localhost.", lozere},
		{"everything at once", "Entraide.Calvados.LOCALHOST.:443", calvados},
		{"unknown host", "paris.localhost", nil},
		{"empty host", "", nil},
		{"port only", ":8080", nil},
		{"parent domain", "localhost", nil},
		{"label only", "calvados", nil},
		{"suffix match", "evil-calvados.localhost", nil},
		{"subdomain of a portal host", "x.calvados.localhost", nil},
		{"portal host as a prefix", "calvados.localhost.evil.com", nil},
		{"IPv6 literal", "[::1]:8080", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := r.Resolve(tc.host)
			if tc.want == nil {
				if ok || got != nil {
					t.Errorf("Resolve(%q) = %v, %t; want nil, false", tc.host, slugOf(got), ok)
				}
				return
			}
			if !ok || got != tc.want {
				t.Errorf("Resolve(%q) = %v, %t; want %s, true", tc.host, slugOf(got), ok, tc.want.Slug)
			}
		})
	}
}

func slugOf(t *tenant.Tenant) string {
	if t == nil {
		return "<nil>"
	}
	return string(t.Slug)
}

func TestRegistryBySlugAndAll(t *testing.T) {
	r, calvados, lozere := twoPortals(t)
	if got, ok := r.BySlug("lozere"); !ok || got != lozere {
		t.Errorf("BySlug(lozere) = %s, %t; want lozere, true", slugOf(got), ok)
	}
	if got, ok := r.BySlug("paris"); ok || got != nil {
		t.Errorf("BySlug(paris) = %s, %t; want <nil>, false", slugOf(got), ok)
	}
	all := r.All()
	if len(all) != 2 || all[0] != calvados || all[1] != lozere {
		t.Errorf("All() has %d portal(s), want [calvados lozere] in that order", len(all))
	}
}

func TestNewRegistryRefusesDuplicates(t *testing.T) {
	tests := []struct {
		name    string
		tenants []*tenant.Tenant
		want    string // in the error
	}{
		{
			name: "same host in two portals",
			tenants: []*tenant.Tenant{
				{Slug: "calvados", Hosts: []string{"calvados.localhost", "shared.localhost"}},
				{Slug: "lozere", Hosts: []string{"shared.localhost"}},
			},
			want: `host "shared.localhost" appears twice`,
		},
		{
			// The registry normalizes before indexing, so two spellings of one
			// host are the same host.
			name: "same host spelled differently",
			tenants: []*tenant.Tenant{
				{Slug: "calvados", Hosts: []string{"calvados.localhost"}},
				{Slug: "lozere", Hosts: []string{"Calvados.Localhost."}},
			},
			want: `host "calvados.localhost" appears twice`,
		},
		{
			name: "same slug",
			tenants: []*tenant.Tenant{
				{Slug: "calvados", Hosts: []string{"calvados.localhost"}},
				{Slug: "calvados", Hosts: []string{"autre.localhost"}},
			},
			want: `slug "calvados" appears twice`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tenant.NewRegistry(tc.tenants)
			if err == nil {
				t.Fatalf("NewRegistry succeeded; want an error containing %q", tc.want)
			}
			if r != nil {
				t.Errorf("NewRegistry returned a registry alongside error %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// sink keeps the compiler from optimizing resolutions away.
var sink *tenant.Tenant

func TestResolveDoesNotAllocate(t *testing.T) {
	// Resolve runs on every request; a normal Host header, with or without a
	// port, must cost a map lookup and nothing on the heap.
	r, calvados, _ := twoPortals(t)
	for _, host := range []string{"calvados.localhost", "calvados.localhost:8080", "calvados.localhost.:8080"} {
		t.Run(host, func(t *testing.T) {
			if got, ok := r.Resolve(host); !ok || got != calvados {
				t.Fatalf("Resolve(%q) = %s, %t; want calvados, true", host, slugOf(got), ok)
			}
			allocs := testing.AllocsPerRun(1000, func() {
				sink, _ = r.Resolve(host)
			})
			if allocs != 0 {
				t.Errorf("Resolve(%q) allocates %v times per call, want 0", host, allocs)
			}
		})
	}
}

func BenchmarkResolve(b *testing.B) {
	tenants := make([]*tenant.Tenant, 1000)
	for i := range tenants {
		slug := fmt.Sprintf("portal%04d", i+1)
		tenants[i] = &tenant.Tenant{Slug: tenant.Slug(slug), Hosts: []string{slug + ".localhost"}}
	}
	r, err := tenant.NewRegistry(tenants)
	if err != nil {
		b.Fatalf("NewRegistry: %v", err)
	}
	const host = "portal0500.localhost:8080"
	if got, ok := r.Resolve(host); !ok || got.Slug != "portal0500" {
		b.Fatalf("Resolve(%q) = %s, %t; want portal0500, true", host, slugOf(got), ok)
	}
	b.ReportAllocs()
	for b.Loop() {
		sink, _ = r.Resolve(host)
	}
}
