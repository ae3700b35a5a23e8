package authz

import (
	"context"
	"slices"
	"strings"
)

// Reach is where a person may do one action: anywhere, or within some EPCIs
// and categories. A list page uses it to show only what the person may act
// on (a référent's moderation queue); each act is still checked with Can.
type Reach struct {
	// Anywhere: every target of the portal.
	Anywhere bool
	// EPCIs and Categories are the scopes granted for the action (SIREN,
	// category code), sorted.
	EPCIs      []string
	Categories []string
}

// None reports whether the person may do the action nowhere.
func (r Reach) None() bool { return !r.Anywhere && len(r.EPCIs) == 0 && len(r.Categories) == 0 }

// Covers reports whether a target in this EPCI and category is within reach,
// by the same rule as Can: access to the place or to the theme is access to
// the target.
func (r Reach) Covers(epci, category string) bool {
	return r.Anywhere || epci != "" && slices.Contains(r.EPCIs, epci) || category != "" && slices.Contains(r.Categories, category)
}

// ReachOf returns where userID may do action on the portal in ctx, read from
// the database with the permissions table: the grants of roles allowed the
// action anywhere make it Anywhere, the scopes of roles allowed it within
// their scopes are listed.
func (a *Authorizer) ReachOf(ctx context.Context, userID int64, action Action) (Reach, error) {
	if !action.Valid() {
		return Reach{}, ErrUnknownAction
	}
	if userID <= 0 {
		return Reach{}, nil
	}
	grants, err := a.RolesOf(ctx, userID)
	if err != nil {
		return Reach{}, err
	}
	// Every account is a resident, which holds no grant row.
	grants = append(grants, Grant{Role: RoleResident})
	var r Reach
	for _, g := range grants {
		for _, p := range a.perms {
			if p.role != g.Role || p.action != anything && p.action != string(action) {
				continue
			}
			switch {
			case p.object == anything:
				r.Anywhere = true
			case p.object == string(scopeEPCI)+":*":
				r.EPCIs = append(r.EPCIs, g.Scopes...)
			case p.object == string(scopeCategory)+":*":
				r.Categories = append(r.Categories, g.Scopes...)
			}
		}
	}
	for _, list := range []*[]string{&r.EPCIs, &r.Categories} {
		slices.SortFunc(*list, strings.Compare)
		*list = slices.Compact(*list)
	}
	return r, nil
}
