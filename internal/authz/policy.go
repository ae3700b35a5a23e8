package authz

import (
	"slices"
	"strconv"
	"strings"
)

// Role is what a person may be on one portal. Roles are granted per portal:
// a role on one portal says nothing about another.
type Role string

// The roles, from the least to the most trusted.
const (
	// RoleResident is every account: it is implicit and never granted.
	RoleResident Role = "resident"
	// RoleAssociation is a member of a verified organisation.
	RoleAssociation Role = "association"
	// RoleReferentThematique moderates within one or more categories of help.
	RoleReferentThematique Role = "referent_thematique"
	// RoleReferentTerritoire moderates within one or more EPCI.
	RoleReferentTerritoire Role = "referent_territoire"
	// RoleAdminDepartement runs the portal: every action, including roles.
	RoleAdminDepartement Role = "admin_departement"
)

// Action is something a person asks to do.
type Action string

// The actions. An action not listed here is refused (ErrUnknownAction).
const (
	ActPost              Action = "post"
	ActMessage           Action = "message"
	ActReport            Action = "report"
	ActPostAsAssociation Action = "post_as_association"
	ActModerate          Action = "moderate"
	ActManageRoles       Action = "manage_roles"
	ActViewAudit         Action = "view_audit"
	// ActOrganiseEvent creates events of the calendar that need no
	// moderator: référents within their scopes, admins anywhere.
	ActOrganiseEvent Action = "organise_event"
	// ActPublishNews writes in the portal's news feed: référents and
	// admins; ActPublishAlert pins a social-watch alert on top of it:
	// admins only.
	ActPublishNews  Action = "publish_news"
	ActPublishAlert Action = "publish_alert"
)

// Actions lists every action, for tests and documentation.
func Actions() []Action {
	return []Action{ActPost, ActMessage, ActReport, ActPostAsAssociation, ActModerate, ActManageRoles, ActViewAudit, ActOrganiseEvent,
		ActPublishNews, ActPublishAlert}
}

// Roles lists every role, from the least to the most trusted.
func Roles() []Role {
	return []Role{RoleResident, RoleAssociation, RoleReferentThematique, RoleReferentTerritoire, RoleAdminDepartement}
}

// Valid reports whether a is one of the actions above.
func (a Action) Valid() bool { return slices.Contains(Actions(), a) }

// scopeKind says what a role's scopes are.
type scopeKind string

const (
	scopeNone     scopeKind = ""
	scopeEPCI     scopeKind = "epci"
	scopeCategory scopeKind = "category"
)

// roleSpec is what the code knows about a role besides its permissions.
type roleSpec struct {
	// rank orders roles for "nobody grants above their own role". Equal
	// ranks are peers: the two référent roles are different jobs of the
	// same trust.
	rank  int
	scope scopeKind
}

var roleSpecs = map[Role]roleSpec{
	RoleResident:           {rank: 0},
	RoleAssociation:        {rank: 1},
	RoleReferentThematique: {rank: 2, scope: scopeCategory},
	RoleReferentTerritoire: {rank: 2, scope: scopeEPCI},
	RoleAdminDepartement:   {rank: 3},
}

// Valid reports whether r is one of the roles above.
func (r Role) Valid() bool { _, ok := roleSpecs[r]; return ok }

// Rank orders roles by trust: resident 0, association 1, référents 2,
// admin_departement 3. It is -1 for an unknown role.
func (r Role) Rank() int {
	s, ok := roleSpecs[r]
	if !ok {
		return -1
	}
	return s.rank
}

// Scoped reports whether the role needs scopes (EPCI or categories).
func (r Role) Scoped() bool { return roleSpecs[r].scope != scopeNone }

// anything is the wildcard object and action of the model.
const anything = "*"

// permission is one policy line: role may do action on object. object is
// "*" (any target) or "<scope kind>:*" (targets within the role's scopes).
type permission struct {
	role   Role
	object string
	action string
}

// permissions is the whole policy, the same on every portal; the table in
// the package doc says the same in words, and the authorization matrix test
// checks both. Residents' rights are not repeated for the other roles
// because every account is a resident (see model.conf).
var permissions = []permission{
	{RoleResident, anything, string(ActPost)},
	{RoleResident, anything, string(ActMessage)},
	{RoleResident, anything, string(ActReport)},
	{RoleAssociation, anything, string(ActPostAsAssociation)},
	{RoleReferentThematique, string(scopeCategory) + ":*", string(ActModerate)},
	{RoleReferentTerritoire, string(scopeEPCI) + ":*", string(ActModerate)},
	{RoleReferentThematique, string(scopeCategory) + ":*", string(ActOrganiseEvent)},
	{RoleReferentTerritoire, string(scopeEPCI) + ":*", string(ActOrganiseEvent)},
	{RoleReferentThematique, anything, string(ActPublishNews)},
	{RoleReferentTerritoire, anything, string(ActPublishNews)},
	{RoleAdminDepartement, anything, anything},
}

// policyRules renders perms as Casbin "p" rules.
func policyRules(perms []permission) [][]string {
	out := make([][]string, len(perms))
	for i, p := range perms {
		out[i] = []string{roleSubject(p.role), p.object, p.action}
	}
	return out
}

// mayAnywhere reports whether, by perms, role r may do a on any target.
// Grant and Revoke use it for manage_roles, reading the actor's roles from
// the database inside their transaction rather than from a cached enforcer.
func mayAnywhere(perms []permission, r Role, a Action) bool {
	for _, p := range perms {
		if p.role == r && p.object == anything && (p.action == anything || p.action == string(a)) {
			return true
		}
	}
	return false
}

// Names used in Casbin rules. A user is "user:<id>", a role "role:<name>",
// a scoped grant "role:<name>@<kind>:<code>", an object "<kind>:<code>".
const (
	userPrefix = "user:"
	rolePrefix = "role:"
	scopeSep   = "@"
)

func userSubject(id int64) string { return userPrefix + strconv.FormatInt(id, 10) }

func roleSubject(r Role) string { return rolePrefix + string(r) }

func scopeObject(kind scopeKind, code string) string { return string(kind) + ":" + code }

// scopedRoleSubject is the role name that says "r, for this one scope".
func scopedRoleSubject(r Role, scope string) string {
	return roleSubject(r) + scopeSep + scopeObject(roleSpecs[r].scope, scope)
}

// parseGrantName splits a role name of a "g" rule into the role and, for a
// scoped grant, its scope code. ok is false for a name this package did not
// write.
func parseGrantName(name string) (r Role, scope string, ok bool) {
	rest, found := strings.CutPrefix(name, rolePrefix)
	if !found {
		return "", "", false
	}
	roleName, obj, scoped := strings.Cut(rest, scopeSep)
	r = Role(roleName)
	if !r.Valid() {
		return "", "", false
	}
	if !scoped {
		return r, "", true
	}
	kind, code, found := strings.Cut(obj, ":")
	if !found || !r.Scoped() || scopeKind(kind) != roleSpecs[r].scope || code == "" {
		return "", "", false
	}
	return r, code, true
}
