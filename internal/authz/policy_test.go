package authz

import "testing"

func TestValidSIREN(t *testing.T) {
	cases := map[string]bool{
		"244400404":  true,  // Nantes Métropole
		"244400644":  true,  // CARENE
		"200023414":  true,  // Métropole Rouen Normandie
		"244400405":  false, // wrong check digit
		"24440040":   false, // 8 digits
		"2444004040": false, // 10 digits
		"24440040A":  false,
		"":           false,
	}
	for s, want := range cases {
		if got := validSIREN(s); got != want {
			t.Errorf("validSIREN(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestGrantNames(t *testing.T) {
	for _, c := range []struct {
		role  Role
		scope string
	}{
		{RoleAssociation, ""},
		{RoleAdminDepartement, ""},
		{RoleReferentTerritoire, "244400404"},
		{RoleReferentThematique, "courses"},
	} {
		name := roleSubject(c.role)
		if c.scope != "" {
			name = scopedRoleSubject(c.role, c.scope)
		}
		r, scope, ok := parseGrantName(name)
		if !ok || r != c.role || scope != c.scope {
			t.Errorf("parseGrantName(%q) = %q, %q, %v; want %q, %q", name, r, scope, ok, c.role, c.scope)
		}
	}
	for _, bad := range []string{
		"association",                               // no prefix
		"role:superuser",                            // unknown role
		"role:association@epci:244400404",           // a scope on an unscoped role
		"role:referent_territoire@category:courses", // the other role's kind of scope
		"role:referent_territoire@epci:",            // empty scope
		"role:referent_thematique@:courses",         // no kind
		"user:1",                                    // a user
	} {
		if r, scope, ok := parseGrantName(bad); ok {
			t.Errorf("parseGrantName(%q) = %q, %q, ok; want refused", bad, r, scope)
		}
	}
}

// TestPermissionsUseKnownNames keeps the permissions table to the typed
// roles and actions, and to objects the model understands.
func TestPermissionsUseKnownNames(t *testing.T) {
	for _, p := range permissions {
		if !p.role.Valid() {
			t.Errorf("permission for unknown role %q", p.role)
		}
		if p.action != anything && !Action(p.action).Valid() {
			t.Errorf("permission for unknown action %q", p.action)
		}
		// A role without scopes acts anywhere; a scoped role acts within
		// its scopes, or anywhere for actions tied to no place (a référent
		// writes in the portal's news feed).
		scoped := p.object != anything
		if scoped && !p.role.Scoped() {
			t.Errorf("%s: object %q but the role has no scopes", p.role, p.object)
		}
		if scoped && p.object != string(roleSpecs[p.role].scope)+":*" {
			t.Errorf("%s: object %q, want its scope kind %q", p.role, p.object, roleSpecs[p.role].scope+":*")
		}
	}
}
