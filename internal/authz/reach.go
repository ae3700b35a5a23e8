package authz

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
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

// ReachOf returns where userID may do action on the portal in ctx, from
// the same cached enforcer as Can (so the two always agree, and a page may
// ask on every request) and the permissions table: the grants of roles
// allowed the action anywhere make it Anywhere, the scopes of roles allowed
// it within their scopes are listed.
func (a *Authorizer) ReachOf(ctx context.Context, userID int64, action Action) (Reach, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return Reach{}, ErrNoTenant
	}
	if !action.Valid() {
		return Reach{}, fmt.Errorf("%w: %q", ErrUnknownAction, action)
	}
	if userID <= 0 {
		return Reach{}, nil
	}
	c, err := a.enforcer(ctx, t)
	if err != nil {
		return Reach{}, err
	}
	names, err := c.enf.GetRolesForUser(userSubject(userID), string(t.Slug))
	if err != nil {
		return Reach{}, fmt.Errorf("authz: roles of %d: %w", userID, err)
	}
	// Every account is a resident, which holds no grant row.
	grants := []Grant{{Role: RoleResident}}
	for _, n := range names {
		r, scope, ok := parseGrantName(n)
		if !ok {
			continue
		}
		g := Grant{Role: r}
		if scope != "" {
			g.Scopes = []string{scope}
		}
		grants = append(grants, g)
	}
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

// Holder is a person holding one role, with its scopes.
type Holder struct {
	UserID int64
	Grant
}

// Holders lists who holds each of roles on the portal in ctx, by account
// id then role: for the public directory of référents.
func (a *Authorizer) Holders(ctx context.Context, roles ...Role) ([]Holder, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoTenant
	}
	var out []Holder
	err := a.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, allGrantsSQL, string(t.Slug))
		if err != nil {
			return fmt.Errorf("authz: read grants: %w", err)
		}
		var subject, name string
		_, err = pgx.ForEachRow(rows, []any{&subject, &name}, func() error {
			id, err := strconv.ParseInt(strings.TrimPrefix(subject, userPrefix), 10, 64)
			r, scope, ok := parseGrantName(name)
			if err != nil || !ok || !slices.Contains(roles, r) {
				return nil
			}
			i := slices.IndexFunc(out, func(h Holder) bool { return h.UserID == id && h.Role == r })
			if i < 0 {
				out = append(out, Holder{UserID: id, Grant: Grant{Role: r}})
				i = len(out) - 1
			}
			if scope != "" {
				out[i].Scopes = append(out[i].Scopes, scope)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("authz: read grants: %w", err)
		}
		return nil
	})
	return out, err
}
