package authz_test

import (
	"context"
	"testing"

	"github.com/entraide/entraide/internal/authz"
)

// TestDecideAgreesWithCasbin asks Can (computed each time) and Casbin's
// own Enforce over model.conf the same questions: every account of a
// portal whose grants mix roles and scopes, every action, targets in and
// out of every scope, with the shipped permissions and with a changed
// table. Any difference between decide and the model is a failure.
func TestDecideAgreesWithCasbin(t *testing.T) {
	for _, table := range []string{"shipped", "changed"} {
		t.Run(table, func(t *testing.T) {
			e := newEnv(t)
			a := newAuthorizer(t, e.DB)
			if table == "changed" {
				authz.GiveManageRoles(a, authz.RoleReferentTerritoire)
			}
			authz.NoDecisionCache(a)
			// 1 admin and référent thématique; 2 référent territoire of two
			// EPCI; 3 référent thématique of both categories; 4 association
			// and référent territoire; 5 both référents; 6 resident only.
			mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
			mustGrant(t, a, e.alpha, operator, 1, authz.RoleReferentThematique, "ecoute")
			mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole, carene)
			mustGrant(t, a, e.alpha, operator, 3, authz.RoleReferentThematique, "courses", "ecoute")
			mustGrant(t, a, e.alpha, operator, 4, authz.RoleAssociation)
			mustGrant(t, a, e.alpha, operator, 4, authz.RoleReferentTerritoire, carene)
			mustGrant(t, a, e.alpha, operator, 5, authz.RoleReferentTerritoire, nantesMetropole)
			mustGrant(t, a, e.alpha, operator, 5, authz.RoleReferentThematique, "courses")
			// The same ids on beta hold other roles: nothing may leak.
			mustGrant(t, a, e.beta, operator, 6, authz.RoleAdminDepartement)
			mustGrant(t, a, e.beta, operator, 2, authz.RoleReferentThematique, "ecoute")

			targets := []authz.Target{
				{}, {Commune: nantes}, {Commune: saintNazaire}, {EPCI: carene}, {EPCI: nantesMetropole},
				{Category: "courses"}, {Category: "ecoute"}, {Category: "course"}, {Category: "solidarite"},
				{Commune: nantes, Category: "courses"}, {Commune: nantes, Category: "ecoute"},
				{Commune: saintNazaire, Category: "courses"}, {Commune: saintNazaire, Category: "solidarite"},
				{Commune: reze, EPCI: nantesMetropole, Category: "ecoute"},
			}
			answers := map[bool]int{}
			for _, portal := range []struct {
				name string
				ctx  context.Context
			}{{"alpha", e.alpha}, {"beta", e.beta}} {
				for user := int64(0); user <= int64(len(accounts)); user++ {
					for _, action := range authz.Actions() {
						for _, target := range targets {
							got, err := a.Can(portal.ctx, user, action, target)
							if err != nil {
								t.Fatalf("%s: Can(%d, %s, %+v): %v", portal.name, user, action, target, err)
							}
							want, err := authz.CasbinEnforce(portal.ctx, a, user, action, target)
							if err != nil {
								t.Fatalf("%s: Enforce(%d, %s, %+v): %v", portal.name, user, action, target, err)
							}
							if user == 0 {
								want = false // anonymous: Can refuses before asking
							}
							if got != want {
								t.Errorf("%s: account %d, %s %+v: Can says %v, Casbin says %v", portal.name, user, action, target, got, want)
							}
							answers[got]++
						}
					}
				}
			}
			// Both answers are common, so agreement is not agreement on
			// "no" alone.
			if answers[true] < 100 || answers[false] < 100 {
				t.Fatalf("answers %v: the cases do not exercise both outcomes", answers)
			}
		})
	}
}
