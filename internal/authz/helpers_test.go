package authz_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// Communes and EPCI of Loire-Atlantique that the tests use.
const (
	nantes          = "44109" // in Nantes Métropole
	reze            = "44143" // in Nantes Métropole
	saintNazaire    = "44184" // in the CARENE
	nantesMetropole = "244400404"
	carene          = "244400644"
	unknownCommune  = "99999"
)

// epciOf stands in for the territory package.
func epciOf(commune string) (string, bool) {
	e, ok := map[string]string{nantes: nantesMetropole, reze: nantesMetropole, saintNazaire: carene}[commune]
	return e, ok
}

// operator is the platform operator the fixtures grant roles as.
var operator = authz.OperatorActor("cli:test")

// env is a database with the portals alpha and beta, each with the same six
// accounts (ids 1 to 6), and no role granted.
type env struct {
	*testutil.Env
	alpha, beta context.Context
}

// account names, in insertion order: account i+1 is accounts[i].
var accounts = []string{"Adèle Admin", "Théo Territoire", "Thérèse Thématique", "Assia Association", "René Résident", "Camille Candidate"}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{Env: testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))}
	e.alpha, e.beta = e.Ctx(t, "alpha"), e.Ctx(t, "beta")
	for _, ctx := range []context.Context{e.alpha, e.beta} {
		for i, name := range accounts {
			if id := addUser(t, e.DB, ctx, name, nantes, nantesMetropole); id != int64(i+1) {
				t.Fatalf("account %q has id %d, want %d: the tests rely on both portals having the same ids", name, id, i+1)
			}
		}
	}
	return e
}

// addUser inserts an account with plain SQL (the accounts package owns
// accounts) and returns its id.
func addUser(t testing.TB, d *db.DB, ctx context.Context, name, commune, epci string) int64 {
	t.Helper()
	email := strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@example.org"
	var id int64
	err := d.Tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code)
VALUES ($1, $2, $3, 'x', $4, $5) RETURNING id`, email, strings.ToLower(email), name, commune, epci).Scan(&id)
	})
	if err != nil {
		t.Fatalf("add user %s: %v", name, err)
	}
	return id
}

// newAuthorizer returns an Authorizer on d, closed at the end of the test.
func newAuthorizer(t testing.TB, d *db.DB, with ...func(*authz.Options)) *authz.Authorizer {
	t.Helper()
	o := authz.Options{DB: d, EPCIOfCommune: epciOf, Logger: testutil.Logger()}
	for _, f := range with {
		f(&o)
	}
	a, err := authz.New(o)
	if err != nil {
		t.Fatalf("authz.New: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("close authorizer: %v", err)
		}
	})
	return a
}

func mustGrant(t testing.TB, a *authz.Authorizer, ctx context.Context, actor authz.Actor, user int64, role authz.Role, scopes ...string) {
	t.Helper()
	if err := a.Grant(ctx, actor, user, role, scopes); err != nil {
		t.Fatalf("grant %s %v to %d: %v", role, scopes, user, err)
	}
}

func mustCan(t testing.TB, a *authz.Authorizer, ctx context.Context, user int64, action authz.Action, target authz.Target) bool {
	t.Helper()
	ok, err := a.Can(ctx, user, action, target)
	if err != nil {
		t.Fatalf("Can(%d, %s, %+v): %v", user, action, target, err)
	}
	return ok
}

// auditCount is the number of audit rows of the portal in ctx.
func auditCount(t testing.TB, a *authz.Authorizer, ctx context.Context) int {
	t.Helper()
	entries, err := a.Audit(ctx, authz.MaxAuditEntries)
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	return len(entries)
}

func describe(g []authz.Grant) string { return fmt.Sprintf("%+v", g) }

func describeAny(v any) string { return fmt.Sprintf("%+v", v) }
