package authz_test

import (
	"fmt"
	"testing"

	"github.com/entraide/entraide/internal/authz"
)

// TestReachOf checks that the reach of each role agrees with Can, and that
// a reach on one portal says nothing of another.
func TestReachOf(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole, carene)
	mustGrant(t, a, e.alpha, operator, 3, authz.RoleReferentThematique, "courses")
	mustGrant(t, a, e.alpha, operator, 3, authz.RoleReferentTerritoire, carene)
	mustGrant(t, a, e.alpha, operator, 4, authz.RoleAssociation)

	cases := []struct {
		user   int64
		action authz.Action
		want   authz.Reach
	}{
		{1, authz.ActModerate, authz.Reach{Anywhere: true}},
		{2, authz.ActModerate, authz.Reach{EPCIs: []string{nantesMetropole, carene}}},
		{3, authz.ActModerate, authz.Reach{EPCIs: []string{carene}, Categories: []string{"courses"}}},
		{4, authz.ActModerate, authz.Reach{}},
		{5, authz.ActModerate, authz.Reach{}},
		{0, authz.ActModerate, authz.Reach{}},
		{5, authz.ActPost, authz.Reach{Anywhere: true}},
		{0, authz.ActPost, authz.Reach{}},
		{2, authz.ActViewAudit, authz.Reach{}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d/%s", tc.user, tc.action), func(t *testing.T) {
			got, err := a.ReachOf(e.alpha, tc.user, tc.action)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("ReachOf = %+v, want %+v", got, tc.want)
			}
			if got.None() != (!tc.want.Anywhere && len(tc.want.EPCIs)+len(tc.want.Categories) == 0) {
				t.Errorf("None() = %v for %+v", got.None(), got)
			}
			// Covers agrees with Can on targets in and out of every scope.
			for _, target := range []authz.Target{
				{EPCI: nantesMetropole, Category: "ecoute"}, {EPCI: carene, Category: "courses"},
				{EPCI: carene}, {Category: "courses"}, {Category: "ecoute"}, {},
			} {
				if tc.user == 0 {
					break
				}
				want := mustCan(t, a, e.alpha, tc.user, tc.action, target)
				if c := got.Covers(target.EPCI, target.Category); c != want {
					t.Errorf("Covers(%+v) = %v, Can = %v", target, c, want)
				}
			}
		})
	}
	// The same account ids hold nothing on beta.
	for _, user := range []int64{1, 2, 3} {
		if r, err := a.ReachOf(e.beta, user, authz.ActModerate); err != nil || !r.None() {
			t.Errorf("beta: ReachOf(%d) = %+v, %v; want nothing", user, r, err)
		}
	}
	if _, err := a.ReachOf(e.alpha, 1, "fly"); err == nil {
		t.Error("unknown action accepted")
	}
}

func TestHolders(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole, carene)
	mustGrant(t, a, e.alpha, operator, 3, authz.RoleReferentThematique, "courses")
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	mustGrant(t, a, e.beta, operator, 4, authz.RoleReferentTerritoire, carene)
	got, err := a.Holders(e.alpha, authz.RoleReferentTerritoire, authz.RoleReferentThematique)
	if err != nil {
		t.Fatal(err)
	}
	want := "[{2 {referent_territoire [244400404 244400644]}} {3 {referent_thematique [courses]}}]"
	if fmt.Sprint(got) != want && fmt.Sprint(got) != "[{2 {referent_territoire [244400644 244400404]}} {3 {referent_thematique [courses]}}]" {
		t.Errorf("Holders = %v, want %s", got, want)
	}
	if got, _ := a.Holders(e.beta, authz.RoleReferentThematique); len(got) != 0 {
		t.Errorf("beta's thematic référents: %v", got)
	}
}
