package authz

import (
	"context"
	"slices"

	"github.com/entraide/entraide/internal/tenant"
)

// LoadCount is how many times a has loaded a portal's rules.
func LoadCount(a *Authorizer) int64 { return a.loads.Load() }

// GiveManageRoles lets role r manage roles on a, so that a test can reach
// the rank rule: with the shipped table only the top role manages roles,
// and nobody can be above it. Call it before a is used.
func GiveManageRoles(a *Authorizer, r Role) {
	a.perms = append(slices.Clone(a.perms), permission{r, anything, string(ActManageRoles)})
	a.invalidateAll()
}

// NoDecisionCache makes a compute every answer, to measure that cost.
func NoDecisionCache(a *Authorizer) { a.decisionLimit = 0 }

// CasbinEnforce answers like Can, without remembering, but through
// Casbin's own Enforce over model.conf: the reference decide must agree
// with.
func CasbinEnforce(ctx context.Context, a *Authorizer, userID int64, action Action, target Target) (bool, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return false, ErrNoTenant
	}
	place, theme, err := a.objects(target)
	if err != nil {
		return false, err
	}
	c, err := a.enforcer(ctx, t)
	if err != nil {
		return false, err
	}
	return c.enf.Enforce(userSubject(userID), string(t.Slug), place, theme, string(action))
}
