package authz

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// Actor is who changes a role: an account of the portal, or a platform
// operator using the command line.
type Actor struct {
	userID   int64
	operator bool
	label    string
}

// UserActor is the account userID of the portal in the context.
func UserActor(userID int64) Actor { return Actor{userID: userID} }

// OperatorActor is a platform operator acting from the command line, named
// by label (for instance "cli:alice"), which goes into the audit log. Only
// cmd/entraide may build one: it bypasses every rule about who may grant.
func OperatorActor(label string) Actor { return Actor{operator: true, label: label} }

// Grant is one role held by an account, with its scopes (EPCI SIRENs or
// category codes, sorted), as returned by RolesOf.
type Grant struct {
	Role   Role
	Scopes []string
}

// Grant gives userID the role on the portal in ctx, with scopes (required
// for the référent roles, refused for the others). Granting a role already
// held adds the scopes not held yet. The change and its audit row are
// written in one transaction; the change is effective on this instance's
// next check.
func (a *Authorizer) Grant(ctx context.Context, actor Actor, userID int64, role Role, scopes []string) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return ErrNoTenant
	}
	scopes, err := a.checkScopes(ctx, t, role, scopes, true)
	if err != nil {
		return err
	}
	sub, dom := userSubject(userID), string(t.Slug)
	rules := [][]string{{sub, roleSubject(role), dom}}
	for _, s := range scopes {
		rules = append(rules, []string{sub, scopedRoleSubject(role, s), dom})
	}
	err = a.db.Tx(ctx, func(tx pgx.Tx) error {
		actorLabel, err := a.authorizeChange(ctx, tx, dom, actor, userID, role)
		if err != nil {
			return err
		}
		userLabel, ok, err := displayName(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: %d", ErrUnknownUser, userID)
		}
		if err := insertRules(ctx, tx, "g", rules); err != nil {
			return err
		}
		return insertAudit(ctx, tx, actor, actorLabel, AuditEntry{
			UserID: userID, UserLabel: userLabel, Action: AuditGrant, Role: role, Scopes: scopes,
		})
	})
	if err != nil {
		return err
	}
	a.changed(ctx, t.Slug)
	return nil
}

// Revoke takes the role, or only some of its scopes, from userID on the
// portal in ctx. With no scopes the whole role goes; a référent whose last
// scope is revoked loses the role. Revoking what is not held is
// ErrNotGranted. The change and its audit row are written in one
// transaction.
func (a *Authorizer) Revoke(ctx context.Context, actor Actor, userID int64, role Role, scopes []string) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return ErrNoTenant
	}
	scopes, err := a.checkScopes(ctx, t, role, scopes, false)
	if err != nil {
		return err
	}
	sub, dom := userSubject(userID), string(t.Slug)
	err = a.db.Tx(ctx, func(tx pgx.Tx) error {
		actorLabel, err := a.authorizeChange(ctx, tx, dom, actor, userID, role)
		if err != nil {
			return err
		}
		held, err := a.grantsIn(ctx, tx, sub, dom)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(held, func(g Grant) bool { return g.Role == role })
		if i < 0 {
			return fmt.Errorf("%w: account %d does not hold %s", ErrNotGranted, userID, role)
		}
		heldScopes := held[i].Scopes
		var drop []string // role names to delete
		if len(scopes) == 0 {
			scopes = heldScopes
		}
		for _, s := range scopes {
			if !slices.Contains(heldScopes, s) {
				return fmt.Errorf("%w: account %d holds %s without scope %s", ErrNotGranted, userID, role, s)
			}
			drop = append(drop, scopedRoleSubject(role, s))
		}
		// A scoped role with no scope left grants nothing: remove it too,
		// so that RolesOf does not show an empty référent.
		if len(scopes) == len(heldScopes) {
			drop = append(drop, roleSubject(role))
		}
		for _, name := range drop {
			if _, err := tx.Exec(ctx, deleteGrantSQL, sub, name, dom); err != nil {
				return fmt.Errorf("authz: revoke %s: %w", name, err)
			}
		}
		userLabel, ok, err := displayName(ctx, tx, userID)
		if err != nil {
			return err
		}
		if !ok {
			// The account is gone but its grants were left: they can
			// still be cleaned up, and the log says who it was by id.
			userLabel = fmt.Sprintf("#%d", userID)
		}
		return insertAudit(ctx, tx, actor, actorLabel, AuditEntry{
			UserID: userID, UserLabel: userLabel, Action: AuditRevoke, Role: role, Scopes: scopes,
		})
	})
	if err != nil {
		return err
	}
	a.changed(ctx, t.Slug)
	return nil
}

// authorizeChange takes the portal's role lock and checks that actor may
// grant or revoke role for userID. It reads the actor's roles from the
// database, in the transaction, rather than from a cached enforcer: two
// admins revoking each other at once cannot both succeed. It returns the
// actor's label for the audit log.
func (a *Authorizer) authorizeChange(ctx context.Context, tx pgx.Tx, dom string, actor Actor, userID int64, role Role) (string, error) {
	if _, err := tx.Exec(ctx, lockRolesSQL); err != nil {
		return "", fmt.Errorf("authz: lock roles: %w", err)
	}
	if userID <= 0 {
		return "", fmt.Errorf("%w: %d", ErrUnknownUser, userID)
	}
	if actor.operator {
		label := strings.TrimSpace(actor.label)
		if label == "" || len(label) > 100 {
			return "", fmt.Errorf("%w: an operator needs a label of 1 to 100 characters", ErrForbidden)
		}
		return label, nil
	}
	if actor.userID <= 0 {
		return "", fmt.Errorf("%w: no actor", ErrForbidden)
	}
	// Nobody changes their own roles: an admin who could would be one
	// click away from leaving the portal without any admin.
	if actor.userID == userID {
		return "", fmt.Errorf("%w: account %d may not change its own roles", ErrForbidden, userID)
	}
	label, ok, err := displayName(ctx, tx, actor.userID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%w: actor %d has no account on this portal", ErrForbidden, actor.userID)
	}
	held, err := a.grantsIn(ctx, tx, userSubject(actor.userID), dom)
	if err != nil {
		return "", err
	}
	top, may := RoleResident, mayAnywhere(a.perms, RoleResident, ActManageRoles)
	for _, g := range held {
		if g.Role.Rank() > top.Rank() {
			top = g.Role
		}
		may = may || mayAnywhere(a.perms, g.Role, ActManageRoles)
	}
	if !may {
		return "", fmt.Errorf("%w: account %d may not manage roles", ErrForbidden, actor.userID)
	}
	if role.Rank() > top.Rank() {
		return "", fmt.Errorf("%w: account %d (%s) may not grant or revoke %s, a role above its own", ErrForbidden, actor.userID, top, role)
	}
	return label, nil
}

// checkScopes validates role and scopes for a grant (forGrant) or a
// revocation, and returns the scopes sorted without duplicates.
func (a *Authorizer) checkScopes(ctx context.Context, t *tenant.Tenant, role Role, scopes []string, forGrant bool) ([]string, error) {
	if !role.Valid() {
		return nil, fmt.Errorf("%w: %q", ErrInvalidRole, role)
	}
	if role == RoleResident {
		return nil, fmt.Errorf("%w: every account is a resident; it is not granted nor revoked", ErrInvalidRole)
	}
	kind := roleSpecs[role].scope
	if kind == scopeNone {
		if len(scopes) > 0 {
			return nil, fmt.Errorf("%w: %s takes no scope", ErrInvalidScope, role)
		}
		return nil, nil
	}
	if forGrant && len(scopes) == 0 {
		return nil, fmt.Errorf("%w: %s needs at least one %s", ErrInvalidScope, role, kind)
	}
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		switch kind {
		case scopeEPCI:
			if !validSIREN(s) {
				return nil, fmt.Errorf("%w: %q is not an EPCI SIREN (9 digits with a valid check digit)", ErrInvalidScope, s)
			}
			// Checked for grants only: an EPCI that stopped existing must
			// still be revocable.
			if forGrant && a.validEPCI != nil && !a.validEPCI(ctx, s) {
				return nil, fmt.Errorf("%w: %s is not an EPCI of this portal", ErrInvalidScope, s)
			}
		case scopeCategory:
			known := slices.ContainsFunc(t.Categories, func(c tenant.Category) bool { return c.Code == s })
			if !known && (forGrant || !validCategoryCode(s)) {
				return nil, fmt.Errorf("%w: %q is not a category of this portal", ErrInvalidScope, s)
			}
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// validSIREN checks a SIREN's form: 9 digits whose Luhn sum is a multiple
// of 10, which catches most typing mistakes.
func validSIREN(s string) bool {
	if len(s) != 9 {
		return false
	}
	sum := 0
	for i := range 9 {
		c := s[8-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// validCategoryCode is the form of a category code (see the categories
// table), for revoking a category the portal no longer has.
func validCategoryCode(s string) bool {
	if len(s) < 2 || len(s) > 40 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// RolesOf returns the roles userID holds on the portal in ctx, read from
// the database, sorted by role. The implicit resident role is not listed.
func (a *Authorizer) RolesOf(ctx context.Context, userID int64) ([]Grant, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return nil, ErrNoTenant
	}
	var out []Grant
	err := a.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = a.grantsIn(ctx, tx, userSubject(userID), string(t.Slug))
		return err
	})
	return out, err
}

// grantsIn reads the grants of subject on domain in tx.
func (a *Authorizer) grantsIn(ctx context.Context, tx pgx.Tx, subject, domain string) ([]Grant, error) {
	names, err := grantNames(ctx, tx, subject, domain)
	if err != nil {
		return nil, err
	}
	var out []Grant
	for _, n := range names {
		r, scope, ok := parseGrantName(n)
		if !ok {
			a.log.Warn("authz: ignoring a grant this version does not know", "subject", subject, "role", n)
			continue
		}
		i := slices.IndexFunc(out, func(g Grant) bool { return g.Role == r })
		if i < 0 {
			out = append(out, Grant{Role: r})
			i = len(out) - 1
		}
		if scope != "" {
			out[i].Scopes = append(out[i].Scopes, scope)
		}
	}
	slices.SortFunc(out, func(x, y Grant) int { return strings.Compare(string(x.Role), string(y.Role)) })
	return out, nil
}

// MaxAuditEntries caps one Audit call.
const MaxAuditEntries = 1000

// Audit returns the latest changes of role on the portal in ctx, newest
// first, at most limit (1 to MaxAuditEntries). The caller checks that the
// person asking may view_audit.
func (a *Authorizer) Audit(ctx context.Context, limit int) ([]AuditEntry, error) {
	if _, ok := tenant.FromContext(ctx); !ok {
		return nil, ErrNoTenant
	}
	limit = min(max(limit, 1), MaxAuditEntries)
	var out []AuditEntry
	err := a.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = listAudit(ctx, tx, limit)
		return err
	})
	return out, err
}

// Forget removes every grant of a deleted account on the portal in ctx. The
// grants gave nothing once the account was gone (ids are never reused),
// but a person's deletion should leave no trace of them but the audit log,
// which keeps saying who held what.
func (a *Authorizer) Forget(ctx context.Context, userID int64) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return ErrNoTenant
	}
	var removed int64
	err := a.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockRolesSQL); err != nil {
			return fmt.Errorf("authz: lock roles: %w", err)
		}
		tag, err := tx.Exec(ctx, deleteFilteredSQL, "g", userSubject(userID), nil, string(t.Slug), nil, nil, nil)
		if err != nil {
			return fmt.Errorf("authz: forget %d: %w", userID, err)
		}
		removed = tag.RowsAffected()
		return nil
	})
	if err == nil && removed > 0 {
		a.changed(ctx, t.Slug)
	}
	return err
}
