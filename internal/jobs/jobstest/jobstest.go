// Package jobstest starts a real job queue for tests of packages whose work
// runs in jobs (mail, help), on the test's own database.
package jobstest

import (
	"context"
	"testing"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/testutil"
)

// Start migrates River's tables in env's database and starts a queue that
// works ws's jobs (or only inserts, when ws is nil). It stops when the test
// ends, and a failure to stop fails the test.
func Start(t testing.TB, env *testutil.Env, ws *jobs.Workers) *jobs.Queue {
	t.Helper()
	ctx := context.Background()
	pool, err := db.OpenQueuePool(ctx, db.Options{URL: env.URL, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := jobs.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(pool, ws, testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	// Cleanups run last-in first-out: the queue stops before its pool closes.
	t.Cleanup(func() {
		if err := q.Stop(context.Background()); err != nil {
			t.Errorf("jobstest: stop queue: %v", err)
		}
	})
	return q
}
