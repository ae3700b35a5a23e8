package authz_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
)

// TestEnforcerCache checks that each portal's rules are loaded once, by the
// first of many concurrent checks, kept per portal, and reloaded after a
// change on that portal only.
func TestEnforcerCache(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	// Without Redis, Start only says that changes stay on this instance.
	if err := a.Start(context.Background()); err != nil {
		t.Fatalf("start without Redis: %v", err)
	}
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	if n := authz.LoadCount(a); n != 0 {
		t.Fatalf("a grant loaded the rules (%d loads): it should only write them", n)
	}

	// Many first checks at once share one load.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if ok, err := a.Can(e.alpha, 1, authz.ActViewAudit, authz.Target{}); err != nil || !ok {
				t.Errorf("admin view_audit: %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	if n := authz.LoadCount(a); n != 1 {
		t.Fatalf("%d loads after the first checks on alpha, want 1", n)
	}
	for range 10 {
		mustCan(t, a, e.alpha, 5, authz.ActPost, authz.Target{})
	}
	mustCan(t, a, e.beta, 1, authz.ActPost, authz.Target{})
	mustCan(t, a, e.beta, 1, authz.ActPost, authz.Target{})
	if n := authz.LoadCount(a); n != 2 {
		t.Fatalf("%d loads after checks on alpha and beta, want 2", n)
	}

	mustGrant(t, a, e.alpha, authz.UserActor(1), 2, authz.RoleReferentTerritoire, nantesMetropole)
	if !mustCan(t, a, e.alpha, 2, authz.ActModerate, authz.Target{Commune: nantes}) {
		t.Error("a grant is not effective on the next check")
	}
	mustCan(t, a, e.beta, 1, authz.ActPost, authz.Target{})
	if n := authz.LoadCount(a); n != 3 {
		t.Fatalf("%d loads after a change on alpha, want 3 (alpha reloaded, beta kept)", n)
	}
}

// TestEnforcerMaxAge checks that a cached enforcer is reloaded once older
// than MaxAge, the safety net for a lost change notice.
func TestEnforcerMaxAge(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB, func(o *authz.Options) { o.MaxAge = 50 * time.Millisecond })
	mustCan(t, a, e.alpha, 1, authz.ActPost, authz.Target{})
	mustCan(t, a, e.alpha, 1, authz.ActPost, authz.Target{})
	time.Sleep(100 * time.Millisecond)
	mustCan(t, a, e.alpha, 1, authz.ActPost, authz.Target{})
	if n := authz.LoadCount(a); n != 2 {
		t.Fatalf("%d loads, want 2 (one at first use, one after max age)", n)
	}
}

// TestTwoInstances runs two Authorizers, each with its own connection pool,
// on the same database and Redis: a change made through one is seen by the
// other's next checks. It polls, because the notice travels through Redis:
// this is a test of synchronisation, not of speed.
func TestTwoInstances(t *testing.T) {
	e := newEnv(t)
	rdb := testutil.Redis(t).Client()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "entraide_test:" + hex.EncodeToString(b[:]) + ":"
	withRedis := func(o *authz.Options) { o.Redis, o.RedisPrefix, o.MaxAge = rdb, prefix, -1 }

	d2 := testutil.Open(t, e.URL, 4)
	d2.SetServable([]tenant.Slug{"alpha", "beta"})
	instA := newAuthorizer(t, e.DB, withRedis)
	instB := newAuthorizer(t, d2, withRedis)
	ctx := context.Background()
	for _, inst := range []*authz.Authorizer{instA, instB} {
		if err := inst.Start(ctx); err != nil {
			t.Fatalf("start: %v", err)
		}
	}
	mustGrant(t, instA, e.alpha, operator, 1, authz.RoleAdminDepartement)

	inNantes := authz.Target{Commune: nantes}
	// B loads and caches alpha's rules before the change.
	if mustCan(t, instB, e.alpha, 6, authz.ActModerate, inNantes) {
		t.Fatal("account 6 moderates before any grant")
	}
	mustGrant(t, instA, e.alpha, authz.UserActor(1), 6, authz.RoleReferentTerritoire, nantesMetropole)
	waitFor(t, "B sees the grant made through A", func() bool {
		return mustCan(t, instB, e.alpha, 6, authz.ActModerate, inNantes)
	})
	if err := instA.Revoke(e.alpha, authz.UserActor(1), 6, authz.RoleReferentTerritoire, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "B sees the revocation made through A", func() bool {
		return !mustCan(t, instB, e.alpha, 6, authz.ActModerate, inNantes)
	})

	// A applies its own changes on its very next check, without waiting
	// for its own notice.
	mustGrant(t, instA, e.alpha, authz.UserActor(1), 6, authz.RoleAssociation)
	if !mustCan(t, instA, e.alpha, 6, authz.ActPostAsAssociation, authz.Target{}) {
		t.Fatal("A does not see its own grant on its next check")
	}
	waitFor(t, "B sees the association grant", func() bool {
		return mustCan(t, instB, e.alpha, 6, authz.ActPostAsAssociation, authz.Target{})
	})
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestFailClosed checks that every doubt is a refusal.
func TestFailClosed(t *testing.T) {
	e := newEnv(t)
	a := newAuthorizer(t, e.DB)
	mustGrant(t, a, e.alpha, operator, 1, authz.RoleAdminDepartement)
	mustGrant(t, a, e.alpha, operator, 2, authz.RoleReferentTerritoire, nantesMetropole)
	noPortal := context.Background()
	unservable := tenant.WithTenant(context.Background(), testutil.Portal("gamma"))

	checks := []struct {
		name    string
		ctx     context.Context
		user    int64
		action  authz.Action
		target  authz.Target
		wantErr error
	}{
		{"no portal in context", noPortal, 1, authz.ActPost, authz.Target{}, authz.ErrNoTenant},
		{"a portal this database does not serve", unservable, 1, authz.ActPost, authz.Target{}, db.ErrTenantUnavailable},
		{"unknown commune, even for an admin", e.alpha, 1, authz.ActModerate, authz.Target{Commune: unknownCommune}, authz.ErrUnknownCommune},
		{"unknown commune with a category in scope", e.alpha, 1, authz.ActModerate, authz.Target{Commune: unknownCommune, Category: "courses"}, authz.ErrUnknownCommune},
		{"commune outside the EPCI given", e.alpha, 2, authz.ActModerate, authz.Target{Commune: saintNazaire, EPCI: nantesMetropole}, authz.ErrInvalidTarget},
		{"unknown action, even for an admin", e.alpha, 1, authz.Action("delete_portal"), authz.Target{}, authz.ErrUnknownAction},
		{"anonymous", e.alpha, 0, authz.ActPost, authz.Target{}, nil},
		{"référent without target", e.alpha, 2, authz.ActModerate, authz.Target{}, nil},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			ok, err := a.Can(c.ctx, c.user, c.action, c.target)
			if ok {
				t.Error("allowed")
			}
			if !errors.Is(err, c.wantErr) || (err == nil) != (c.wantErr == nil) {
				t.Errorf("got error %v, want %v", err, c.wantErr)
			}
		})
	}

	t.Run("no portal: every entry point refuses", func(t *testing.T) {
		errs := map[string]error{
			"Grant":  a.Grant(noPortal, operator, 1, authz.RoleAssociation, nil),
			"Revoke": a.Revoke(noPortal, operator, 1, authz.RoleAdminDepartement, nil),
		}
		_, errs["RolesOf"] = a.RolesOf(noPortal, 1)
		_, errs["Audit"] = a.Audit(noPortal, 10)
		_, errs["NewAdapter"] = authz.NewAdapter(noPortal, e.DB)
		for name, err := range errs {
			if !errors.Is(err, authz.ErrNoTenant) || !errors.Is(err, db.ErrNoTenant) {
				t.Errorf("%s: got %v, want ErrNoTenant", name, err)
			}
		}
	})
	t.Run("empty scopes grant nothing", func(t *testing.T) {
		err := a.Grant(e.alpha, authz.UserActor(1), 6, authz.RoleReferentTerritoire, nil)
		if !errors.Is(err, authz.ErrInvalidScope) {
			t.Errorf("got %v, want ErrInvalidScope", err)
		}
		if roles, _ := a.RolesOf(e.alpha, 6); len(roles) != 0 {
			t.Errorf("account 6 holds %s", describe(roles))
		}
	})
}
