package authz_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/casbin/casbin/v2/model"
	"github.com/entraide/entraide/internal/authz"
)

const adapterModel = `
[request_definition]
r = sub, dom, obj, act
[policy_definition]
p = sub, obj, act
[role_definition]
g = _, _, _
[policy_effect]
e = some(where (p.eft == allow))
[matchers]
m = g(r.sub, p.sub, r.dom) && r.obj == p.obj && r.act == p.act
`

// loaded returns the rules the adapter loads, as sorted "ptype, v0, …" lines.
func loaded(t *testing.T, ad *authz.Adapter) []string {
	t.Helper()
	m, err := model.NewModelFromString(adapterModel)
	if err != nil {
		t.Fatal(err)
	}
	if err := ad.LoadPolicy(m); err != nil {
		t.Fatalf("LoadPolicy: %v", err)
	}
	var out []string
	for _, sec := range []string{"p", "g"} {
		for ptype, ast := range m[sec] {
			for _, r := range ast.Policy {
				out = append(out, ptype+", "+strings.Join(r, ", "))
			}
		}
	}
	slices.Sort(out)
	return out
}

func newAdapter(t *testing.T, e *env, ctx context.Context) *authz.Adapter {
	t.Helper()
	ad, err := authz.NewAdapter(ctx, e.DB)
	if err != nil {
		t.Fatal(err)
	}
	return ad
}

// TestAdapter checks each Casbin adapter operation, and that an adapter
// reads and writes its own portal's schema only.
func TestAdapter(t *testing.T) {
	e := newEnv(t)
	alpha, beta := newAdapter(t, e, e.alpha), newAdapter(t, e, e.beta)

	if err := alpha.AddPolicy("p", "p", []string{"role:x", "doc", "read"}); err != nil {
		t.Fatal(err)
	}
	// Adding an existing rule is not an error (Casbin may retry).
	if err := alpha.AddPolicy("p", "p", []string{"role:x", "doc", "read"}); err != nil {
		t.Fatal(err)
	}
	if err := alpha.AddPolicies("g", "g", [][]string{
		{"user:1", "role:x", "alpha"}, {"user:2", "role:x", "alpha"}, {"user:3", "role:y", "alpha"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := beta.AddPolicy("g", "g", []string{"user:9", "role:z", "beta"}); err != nil {
		t.Fatal(err)
	}
	want := []string{"g, user:1, role:x, alpha", "g, user:2, role:x, alpha", "g, user:3, role:y, alpha", "p, role:x, doc, read"}
	if got := loaded(t, alpha); !slices.Equal(got, want) {
		t.Fatalf("alpha loads %q, want %q", got, want)
	}
	if got := loaded(t, beta); !slices.Equal(got, []string{"g, user:9, role:z, beta"}) {
		t.Fatalf("beta loads %q", got)
	}

	// An adapter keeps its portal whatever portal the context it is given
	// carries.
	m, _ := model.NewModelFromString(adapterModel)
	if err := alpha.LoadPolicyCtx(e.beta, m); err != nil {
		t.Fatal(err)
	}
	if n := len(m["g"]["g"].Policy); n != 3 {
		t.Fatalf("alpha's adapter given beta's context loaded %d grants, want alpha's 3", n)
	}

	if err := alpha.RemovePolicy("g", "g", []string{"user:2", "role:x", "alpha"}); err != nil {
		t.Fatal(err)
	}
	if err := alpha.RemoveFilteredPolicy("g", "g", 1, "role:y"); err != nil {
		t.Fatal(err)
	}
	if got := loaded(t, alpha); !slices.Equal(got, []string{"g, user:1, role:x, alpha", "p, role:x, doc, read"}) {
		t.Fatalf("after removals alpha loads %q", got)
	}
	if err := alpha.RemovePolicies("p", "p", [][]string{{"role:x", "doc", "read"}}); err != nil {
		t.Fatal(err)
	}
	if got := loaded(t, alpha); !slices.Equal(got, []string{"g, user:1, role:x, alpha"}) {
		t.Fatalf("after RemovePolicies alpha loads %q", got)
	}

	// SavePolicy replaces everything of its portal, nothing of the other.
	m, _ = model.NewModelFromString(adapterModel)
	if err := m.AddPolicy("g", "g", []string{"user:4", "role:w", "alpha"}); err != nil {
		t.Fatal(err)
	}
	if err := alpha.SavePolicy(m); err != nil {
		t.Fatal(err)
	}
	if got := loaded(t, alpha); !slices.Equal(got, []string{"g, user:4, role:w, alpha"}) {
		t.Fatalf("after SavePolicy alpha loads %q", got)
	}
	if got := loaded(t, beta); !slices.Equal(got, []string{"g, user:9, role:z, beta"}) {
		t.Fatalf("after alpha's SavePolicy beta loads %q", got)
	}

	// A rule longer than the table is refused, not cut.
	if err := alpha.AddPolicy("p", "p", []string{"a", "b", "c", "d", "e", "f", "g"}); err == nil {
		t.Error("a 7-field rule was accepted")
	}
}
