package authz

import "slices"

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
