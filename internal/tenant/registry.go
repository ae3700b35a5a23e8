package tenant

import (
	"fmt"
	"sort"
)

// Registry maps host names to portals. It is built once at start from the
// validated configuration and never changes afterwards, so it is safe for
// concurrent use without locks. Resolving a host is a map lookup, never a query.
type Registry struct {
	byHost map[string]*Tenant
	bySlug map[Slug]*Tenant
	all    []*Tenant
}

// NewRegistry indexes the portals by host and slug. The portals must come from
// LoadDir (validated); duplicates are still refused here because a registry
// that silently picked one of two portals would be a tenant-isolation bug.
func NewRegistry(tenants []*Tenant) (*Registry, error) {
	all := append([]*Tenant(nil), tenants...)
	sort.Slice(all, func(i, j int) bool { return all[i].Slug < all[j].Slug })
	r := &Registry{
		byHost: make(map[string]*Tenant),
		bySlug: make(map[Slug]*Tenant, len(tenants)),
		all:    all,
	}
	for _, t := range tenants {
		if _, dup := r.bySlug[t.Slug]; dup {
			return nil, fmt.Errorf("tenant registry: slug %q appears twice", t.Slug)
		}
		r.bySlug[t.Slug] = t
		for _, h := range t.Hosts {
			h = NormalizeHost(h)
			if _, dup := r.byHost[h]; dup {
				return nil, fmt.Errorf("tenant registry: host %q appears twice", h)
			}
			r.byHost[h] = t
		}
	}
	return r, nil
}

// All returns every portal, sorted by slug. Callers must not modify it.
func (r *Registry) All() []*Tenant { return r.all }

// BySlug returns the portal with this slug.
func (r *Registry) BySlug(s Slug) (*Tenant, bool) {
	t, ok := r.bySlug[s]
	return t, ok
}

// Resolve returns the portal that serves host, as found in a Host header:
// case-insensitive, with any port and trailing dot ignored.
func (r *Registry) Resolve(host string) (*Tenant, bool) {
	t, ok := r.byHost[NormalizeHost(host)]
	return t, ok
}

// NormalizeHost lower-cases host and strips a port and a trailing dot. It does
// not allocate when host is already normal, which is the common case on the
// request path.
func NormalizeHost(host string) string {
	// Strip the port. An IPv6 literal is bracketed ("[::1]:8080"); anything
	// else has at most one colon.
	if len(host) > 0 && host[0] == '[' {
		if end := indexByte(host, ']'); end > 0 {
			host = host[:end+1]
		}
	} else if i := indexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	if n := len(host); n > 0 && host[n-1] == '.' {
		host = host[:n-1]
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; 'A' <= c && c <= 'Z' {
			return toLowerASCII(host)
		}
	}
	return host
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func toLowerASCII(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return string(b)
}
