package authz_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/entraide/entraide/internal/authz"
)

// scope is when a role may do an action.
type scope int

const (
	never scope = iota
	always
	inScope // only on targets within the role's scopes
)

// expected restates the table of the package doc, independently of the
// permissions table in policy.go: the matrix fails if either drifts.
var expected = map[authz.Role]map[authz.Action]scope{
	authz.RoleResident: {
		authz.ActPost: always, authz.ActMessage: always, authz.ActReport: always,
	},
	authz.RoleAssociation: {
		authz.ActPost: always, authz.ActMessage: always, authz.ActReport: always,
		authz.ActPostAsAssociation: always,
	},
	authz.RoleReferentThematique: {
		authz.ActPost: always, authz.ActMessage: always, authz.ActReport: always,
		authz.ActModerate: inScope, authz.ActOrganiseEvent: inScope, authz.ActPublishNews: always,
	},
	authz.RoleReferentTerritoire: {
		authz.ActPost: always, authz.ActMessage: always, authz.ActReport: always,
		authz.ActModerate: inScope, authz.ActOrganiseEvent: inScope, authz.ActPublishNews: always,
	},
	authz.RoleAdminDepartement: {
		authz.ActPost: always, authz.ActMessage: always, authz.ActReport: always,
		authz.ActPostAsAssociation: always, authz.ActModerate: always,
		authz.ActManageRoles: always, authz.ActViewAudit: always, authz.ActOrganiseEvent: always,
		authz.ActPublishNews: always, authz.ActPublishAlert: always,
	},
}

// portalCast says, for one portal, which account holds which role and what
// is in and out of the référents' scopes there.
type portalCast struct {
	name    string
	ctx     context.Context
	holder  map[authz.Role]int64
	in, out authz.Target
}

// TestAuthorizationMatrix checks every role × every action × a target in
// and out of scope, on two portals whose accounts have the same ids but
// opposite roles: any grant leaking from one portal to the other changes an
// answer.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)

	// alpha: 1 admin, 2 référent territoire (Nantes Métropole), 3 référent
	// thématique (courses), 4 association, 5 resident.
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole)
	mustGrant(t, a, e.alpha, operator, 3, authz.RoleReferentThematique, "courses")
	mustGrant(t, a, e.alpha, operator, 4, authz.RoleAssociation)
	// beta, ids reversed: 5 admin, 4 référent territoire (CARENE), 3
	// référent thématique (ecoute), 2 association, 1 resident.
	mustGrant(t, a, e.beta, operator, 5, authz.RoleAdminDepartement)
	mustGrant(t, a, e.beta, operator, 4, authz.RoleReferentTerritoire, carene)
	mustGrant(t, a, e.beta, operator, 3, authz.RoleReferentThematique, "ecoute")
	mustGrant(t, a, e.beta, operator, 2, authz.RoleAssociation)

	casts := []portalCast{
		{
			name: "alpha", ctx: e.alpha,
			holder: map[authz.Role]int64{authz.RoleAdminDepartement: 1, authz.RoleReferentTerritoire: 2,
				authz.RoleReferentThematique: 3, authz.RoleAssociation: 4, authz.RoleResident: 5},
			in:  authz.Target{Commune: nantes, Category: "courses"},
			out: authz.Target{Commune: saintNazaire, Category: "ecoute"},
		},
		{
			name: "beta", ctx: e.beta,
			holder: map[authz.Role]int64{authz.RoleAdminDepartement: 5, authz.RoleReferentTerritoire: 4,
				authz.RoleReferentThematique: 3, authz.RoleAssociation: 2, authz.RoleResident: 1},
			in:  authz.Target{Commune: saintNazaire, Category: "ecoute"},
			out: authz.Target{Commune: nantes, Category: "courses"},
		},
	}
	n := 0
	for _, c := range casts {
		for _, role := range authz.Roles() {
			for _, action := range authz.Actions() {
				for _, in := range []bool{true, false} {
					target, where := c.in, "in scope"
					if !in {
						target, where = c.out, "out of scope"
					}
					want := expected[role][action] == always || expected[role][action] == inScope && in
					user := c.holder[role]
					t.Run(fmt.Sprintf("%s/%s/%s/%s", c.name, role, action, where), func(t *testing.T) {
						if got := mustCan(t, a, c.ctx, user, action, target); got != want {
							t.Errorf("account %d (%s on %s) %s %+v: got %v, want %v", user, role, c.name, action, target, got, want)
						}
					})
					n++
				}
			}
		}
	}
	if want := 2 * len(authz.Roles()) * len(authz.Actions()) * 2; n != want {
		t.Fatalf("ran %d cases, want %d", n, want)
	}
}

// TestScopeParts checks that one matching part of a target is enough, and
// that the référents' scopes are exactly theirs.
func TestScopeParts(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole)
	mustGrant(t, a, e.alpha, operator, 3, authz.RoleReferentThematique, "courses")

	cases := []struct {
		name   string
		user   int64
		target authz.Target
		want   bool
	}{
		{"territoire: another commune of its EPCI", 2, authz.Target{Commune: reze}, true},
		{"territoire: its EPCI given directly", 2, authz.Target{EPCI: nantesMetropole}, true},
		{"territoire: commune and EPCI that agree", 2, authz.Target{Commune: nantes, EPCI: nantesMetropole}, true},
		{"territoire: its commune, any category", 2, authz.Target{Commune: nantes, Category: "ecoute"}, true},
		{"territoire: another EPCI", 2, authz.Target{EPCI: carene}, false},
		{"territoire: a category alone", 2, authz.Target{Category: "courses"}, false},
		{"territoire: no target", 2, authz.Target{}, false},
		{"thematique: its category, anywhere", 3, authz.Target{Commune: saintNazaire, Category: "courses"}, true},
		{"thematique: its category alone", 3, authz.Target{Category: "courses"}, true},
		{"thematique: a commune alone", 3, authz.Target{Commune: nantes}, false},
		{"thematique: a category named like its scope's prefix", 3, authz.Target{Category: "course"}, false},
		{"thematique: no target", 3, authz.Target{}, false},
		{"admin: no target", 1, authz.Target{}, true},
		{"resident: no target", 5, authz.Target{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mustCan(t, a, e.alpha, c.user, authz.ActModerate, c.target); got != c.want {
				t.Errorf("moderate %+v: got %v, want %v", c.target, got, c.want)
			}
		})
	}
}
