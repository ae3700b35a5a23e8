package authz_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/authz"
)

// TestGrantRules checks who may grant what, on alpha, where account 1 is
// admin, 2 référent territoire, 3 référent thématique, 4 association and 5
// resident; account 6 receives the grants. Each case states whether it
// must be refused, and exactly one audit row is expected for each grant
// that succeeds and none for a refusal.
func TestGrantRules(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole)
	mustGrant(t, a, e.alpha, operator, 3, authz.RoleReferentThematique, "courses")
	mustGrant(t, a, e.alpha, operator, 4, authz.RoleAssociation)

	admin := authz.UserActor(1)
	cases := []struct {
		name    string
		actor   authz.Actor
		user    int64
		role    authz.Role
		scopes  []string
		wantErr error
	}{
		{"admin grants référent territoire", admin, 6, authz.RoleReferentTerritoire, []string{carene}, nil},
		{"admin grants référent thématique", admin, 6, authz.RoleReferentThematique, []string{"ecoute", "courses"}, nil},
		{"admin grants association", admin, 6, authz.RoleAssociation, nil, nil},
		{"admin grants a co-admin (not above its own role)", admin, 6, authz.RoleAdminDepartement, nil, nil},
		{"admin may not change its own roles", admin, 1, authz.RoleAssociation, nil, authz.ErrForbidden},
		{"référent territoire may not grant", authz.UserActor(2), 6, authz.RoleAssociation, nil, authz.ErrForbidden},
		{"référent thématique may not grant", authz.UserActor(3), 6, authz.RoleReferentThematique, []string{"courses"}, authz.ErrForbidden},
		{"association may not grant", authz.UserActor(4), 6, authz.RoleAssociation, nil, authz.ErrForbidden},
		{"resident may not grant", authz.UserActor(5), 6, authz.RoleAssociation, nil, authz.ErrForbidden},
		{"an account of another portal only is nobody here", authz.UserActor(99), 6, authz.RoleAssociation, nil, authz.ErrForbidden},
		{"the zero actor is nobody", authz.Actor{}, 6, authz.RoleAssociation, nil, authz.ErrForbidden},
		{"an operator needs a label", authz.OperatorActor(" "), 6, authz.RoleAssociation, nil, authz.ErrForbidden},
		{"operator grants admin_departement", operator, 6, authz.RoleAdminDepartement, nil, nil},
		{"unknown account", admin, 99, authz.RoleAssociation, nil, authz.ErrUnknownUser},
		{"resident is implicit", admin, 6, authz.RoleResident, nil, authz.ErrInvalidRole},
		{"unknown role", admin, 6, authz.Role("superuser"), nil, authz.ErrInvalidRole},
		{"territoire without scope", admin, 6, authz.RoleReferentTerritoire, nil, authz.ErrInvalidScope},
		{"territoire with a commune instead of an EPCI", admin, 6, authz.RoleReferentTerritoire, []string{nantes}, authz.ErrInvalidScope},
		{"territoire with a wrong check digit", admin, 6, authz.RoleReferentTerritoire, []string{"244400405"}, authz.ErrInvalidScope},
		{"territoire with one bad scope among good ones", admin, 6, authz.RoleReferentTerritoire, []string{carene, "24440040A"}, authz.ErrInvalidScope},
		{"thématique without scope", admin, 6, authz.RoleReferentThematique, []string{}, authz.ErrInvalidScope},
		{"thématique with a category the portal lacks", admin, 6, authz.RoleReferentThematique, []string{"jardinage"}, authz.ErrInvalidScope},
		{"association with a scope", admin, 6, authz.RoleAssociation, []string{carene}, authz.ErrInvalidScope},
		{"admin with a scope", operator, 6, authz.RoleAdminDepartement, []string{"courses"}, authz.ErrInvalidScope},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := auditCount(t, a, e.alpha)
			err := a.Grant(e.alpha, c.actor, c.user, c.role, c.scopes)
			if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
				t.Fatalf("Grant: got error %v, want %v", err, c.wantErr)
			}
			rows := auditCount(t, a, e.alpha) - before
			if want := map[bool]int{true: 1, false: 0}[c.wantErr == nil]; rows != want {
				t.Errorf("%d audit rows written, want %d", rows, want)
			}
		})
	}

	roles, err := a.RolesOf(e.alpha, 6)
	if err != nil {
		t.Fatal(err)
	}
	want := []authz.Grant{
		{Role: authz.RoleAdminDepartement},
		{Role: authz.RoleAssociation},
		{Role: authz.RoleReferentTerritoire, Scopes: []string{carene}},
		{Role: authz.RoleReferentThematique, Scopes: []string{"courses", "ecoute"}},
	}
	if describe(roles) != describe(want) {
		t.Errorf("RolesOf(6) = %s, want %s", describe(roles), describe(want))
	}
	// Nothing of this reached beta, where account 6 exists too.
	if roles, err := a.RolesOf(e.beta, 6); err != nil || len(roles) != 0 {
		t.Errorf("RolesOf(6) on beta = %s, %v; want nothing", describe(roles), err)
	}
}

// TestRankRule gives a référent the right to manage roles, which the
// shipped table does not, to reach the rule that nobody grants or revokes a
// role ranked above their own.
func TestRankRule(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	authz.GiveManageRoles(a, authz.RoleReferentTerritoire)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole)
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	ref := authz.UserActor(2)

	if err := a.Grant(e.alpha, ref, 6, authz.RoleAssociation, nil); err != nil {
		t.Errorf("référent grants association (below its rank): %v", err)
	}
	if err := a.Grant(e.alpha, ref, 6, authz.RoleReferentThematique, []string{"courses"}); err != nil {
		t.Errorf("référent grants the other référent role (same rank): %v", err)
	}
	if err := a.Grant(e.alpha, ref, 6, authz.RoleAdminDepartement, nil); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("référent grants admin_departement: got %v, want ErrForbidden", err)
	}
	if err := a.Revoke(e.alpha, ref, 1, authz.RoleAdminDepartement, nil); !errors.Is(err, authz.ErrForbidden) {
		t.Errorf("référent revokes an admin: got %v, want ErrForbidden", err)
	}
}

// TestRevoke checks revocation of scopes and roles, its rules and its audit.
func TestRevoke(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	admin := authz.UserActor(1)
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole)
	mustGrant(t, a, e.alpha, admin, 6, authz.RoleReferentTerritoire, nantesMetropole, carene)
	mustGrant(t, a, e.alpha, admin, 6, authz.RoleAssociation)
	inNantes := authz.Target{Commune: nantes}
	inSaintNazaire := authz.Target{Commune: saintNazaire}

	steps := []struct {
		name    string
		actor   authz.Actor
		role    authz.Role
		scopes  []string
		wantErr error
		// after the step: may 6 moderate in Nantes, in Saint-Nazaire?
		nantes, saintNazaire bool
	}{
		{"a référent may not revoke", authz.UserActor(2), authz.RoleAssociation, nil, authz.ErrForbidden, true, true},
		{"one scope of two", admin, authz.RoleReferentTerritoire, []string{nantesMetropole}, nil, false, true},
		{"a scope not held", admin, authz.RoleReferentTerritoire, []string{nantesMetropole}, authz.ErrNotGranted, false, true},
		{"a role not held", admin, authz.RoleReferentThematique, nil, authz.ErrNotGranted, false, true},
		{"a malformed scope", admin, authz.RoleReferentTerritoire, []string{"44"}, authz.ErrInvalidScope, false, true},
		{"the last scope takes the role", admin, authz.RoleReferentTerritoire, []string{carene}, nil, false, false},
		{"a role without scope", admin, authz.RoleAssociation, nil, nil, false, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before := auditCount(t, a, e.alpha)
			err := a.Revoke(e.alpha, s.actor, 6, s.role, s.scopes)
			if !errors.Is(err, s.wantErr) || (err == nil) != (s.wantErr == nil) {
				t.Fatalf("Revoke: got error %v, want %v", err, s.wantErr)
			}
			if rows, want := auditCount(t, a, e.alpha)-before, map[bool]int{true: 1, false: 0}[s.wantErr == nil]; rows != want {
				t.Errorf("%d audit rows written, want %d", rows, want)
			}
			// Effective on the very next check of this instance.
			if got := mustCan(t, a, e.alpha, 6, authz.ActModerate, inNantes); got != s.nantes {
				t.Errorf("moderate in Nantes: got %v, want %v", got, s.nantes)
			}
			if got := mustCan(t, a, e.alpha, 6, authz.ActModerate, inSaintNazaire); got != s.saintNazaire {
				t.Errorf("moderate in Saint-Nazaire: got %v, want %v", got, s.saintNazaire)
			}
		})
	}
	if roles, err := a.RolesOf(e.alpha, 6); err != nil || len(roles) != 0 {
		t.Errorf("RolesOf(6) = %s, %v; want nothing", describe(roles), err)
	}
	// Revoking the whole of a scoped role, without naming its scopes.
	mustGrant(t, a, e.alpha, admin, 6, authz.RoleReferentThematique, "courses", "ecoute")
	if err := a.Revoke(e.alpha, admin, 6, authz.RoleReferentThematique, nil); err != nil {
		t.Fatal(err)
	}
	last, err := a.Audit(e.alpha, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(last[0].Scopes, []string{"courses", "ecoute"}) {
		t.Errorf("revoking a whole role records scopes %v, want the ones it held", last[0].Scopes)
	}
}

// TestAuditLog checks the content of the audit rows.
func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	start := time.Now()
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	mustGrant(t, a, e.alpha, authz.UserActor(1), 2, authz.RoleReferentTerritoire, carene, nantesMetropole, carene)
	if err := a.Revoke(e.alpha, authz.UserActor(1), 2, authz.RoleReferentTerritoire, []string{carene}); err != nil {
		t.Fatal(err)
	}
	end := time.Now()

	got, err := a.Audit(e.alpha, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []authz.AuditEntry{ // newest first
		{ActorUserID: 1, ActorLabel: accounts[0], UserID: 2, UserLabel: accounts[1], Action: authz.AuditRevoke,
			Role: authz.RoleReferentTerritoire, Scopes: []string{carene}},
		{ActorUserID: 1, ActorLabel: accounts[0], UserID: 2, UserLabel: accounts[1], Action: authz.AuditGrant,
			Role: authz.RoleReferentTerritoire, Scopes: []string{nantesMetropole, carene}}, // sorted, without duplicates
		{Operator: true, ActorLabel: "cli:test", UserID: 1, UserLabel: accounts[0], Action: authz.AuditGrant,
			Role: authz.RoleAdminDepartement, Scopes: []string{}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d audit entries, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		g, w := got[i], want[i]
		// The database's clock and this process's are the same machine's;
		// a second of slack covers timestamp precision.
		if g.At.Before(start.Add(-time.Second)) || g.At.After(end.Add(time.Second)) {
			t.Errorf("entry %d at %v, outside the test's run [%v, %v]", i, g.At, start, end)
		}
		g.ID, g.At = 0, time.Time{}
		if describeEntry(g) != describeEntry(w) {
			t.Errorf("entry %d:\n got %s\nwant %s", i, describeEntry(g), describeEntry(w))
		}
	}
	if other, err := a.Audit(e.beta, 10); err != nil || len(other) != 0 {
		t.Errorf("beta's audit log = %+v, %v; want empty", other, err)
	}
}

func describeEntry(e authz.AuditEntry) string {
	e.Scopes = slices.Clip(e.Scopes)
	if e.Scopes == nil {
		e.Scopes = []string{}
	}
	return describeAny(e)
}

func TestForgetDeletedAccount(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole, carene)
	mustGrant(t, a, e.beta, operator, 2, authz.RoleAdminDepartement)
	mustGrant(t, a, e.alpha, operator, 3, authz.RoleAssociation)
	if err := a.Forget(e.alpha, 2); err != nil {
		t.Fatal(err)
	}
	if g, err := a.RolesOf(e.alpha, 2); err != nil || len(g) != 0 {
		t.Errorf("grants left on alpha: %+v, %v", g, err)
	}
	if mustCan(t, a, e.alpha, 2, authz.ActModerate, authz.Target{EPCI: nantesMetropole}) {
		t.Error("the cached enforcer still grants")
	}
	// Other accounts and the other portal keep theirs.
	if g, _ := a.RolesOf(e.beta, 2); len(g) != 1 {
		t.Errorf("beta lost account 2's grant: %+v", g)
	}
	if g, _ := a.RolesOf(e.alpha, 3); len(g) != 1 {
		t.Errorf("account 3 lost its grant: %+v", g)
	}
	if err := a.Forget(e.alpha, 99); err != nil {
		t.Errorf("forgetting an account without grants: %v", err)
	}
}
