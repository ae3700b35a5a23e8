package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// openSingle opens a pool of one connection on env's database, so that
// every transaction runs on the same connection until it is recycled.
func openSingle(t *testing.T, env *testutil.Env, maxSchemas int, slugs ...tenant.Slug) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{URL: env.URL, MaxConns: 1, MaxConnLifetime: time.Hour, MaxConnSchemas: maxSchemas})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	d.SetServable(slugs)
	return d
}

// backendOf runs a transaction for the portal slug and returns the
// PostgreSQL backend that served it.
func backendOf(t *testing.T, d *db.DB, env *testutil.Env, slug string) int {
	t.Helper()
	ctx := env.Ctx(t, slug)
	var pid int
	if err := d.ReadTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid)
	}); err != nil {
		t.Fatalf("%s: %v", slug, err)
	}
	return pid
}

// A connection that has pinned MaxConnSchemas distinct schemas is closed
// when handed back; the next transaction gets a new backend, still pinned
// to its own portal only.
func TestConnectionRecycledAfterMaxSchemas(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"), testutil.Portal("gamma"))
	d := openSingle(t, env, 2, "alpha", "beta", "gamma")

	first := backendOf(t, d, env, "alpha")
	// The same schema again does not count twice.
	if again := backendOf(t, d, env, "alpha"); again != first {
		t.Fatalf("second alpha transaction ran on backend %d, want the same %d (one schema pinned)", again, first)
	}
	if d.Recycled() != 0 {
		t.Fatalf("recycled %d connections after one schema, want 0", d.Recycled())
	}
	// beta is the second schema: it runs on the same connection, which is
	// then closed instead of going back to the pool.
	if b := backendOf(t, d, env, "beta"); b != first {
		t.Fatalf("beta ran on backend %d, want %d (the connection is closed only when handed back)", b, first)
	}
	second := backendOf(t, d, env, "gamma")
	if second == first {
		t.Fatalf("gamma ran on backend %d, which had pinned 2 schemas with a limit of 2", second)
	}
	if d.Recycled() != 1 {
		t.Fatalf("recycled = %d, want 1", d.Recycled())
	}

	// The new connection carries nothing of the old one: outside a
	// transaction no portal is pinned, and each portal reads its own rows.
	var path string
	if err := d.Pool().QueryRow(context.Background(), `SELECT current_setting('search_path')`).Scan(&path); err != nil {
		t.Fatal(err)
	}
	if path != "pg_catalog" {
		t.Fatalf("search_path of the new connection outside a transaction = %q, want pg_catalog", path)
	}
	for _, slug := range []string{"alpha", "beta", "gamma"} {
		got := labels(t, d, env.Ctx(t, slug))
		if len(got) == 0 || got[0] != "Courses de "+slug {
			t.Fatalf("%s reads %q after recycling", slug, got)
		}
	}
}

// With MaxConnSchemas 0 a connection is kept whatever it touched, until its
// lifetime ends.
func TestConnectionKeptWhenSchemaLimitOff(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"), testutil.Portal("gamma"))
	d := openSingle(t, env, 0, "alpha", "beta", "gamma")
	first := backendOf(t, d, env, "alpha")
	for _, slug := range []string{"beta", "gamma", "alpha", "beta"} {
		if pid := backendOf(t, d, env, slug); pid != first {
			t.Fatalf("%s ran on backend %d, want %d: nothing should recycle the connection", slug, pid, first)
		}
	}
	if d.Recycled() != 0 {
		t.Fatalf("recycled = %d, want 0", d.Recycled())
	}
}

// A transaction that fails after pinning its schema counts too: the
// backend may have cached the schema's tables before the error.
func TestFailedTransactionCountsItsSchema(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	d := openSingle(t, env, 2, "alpha", "beta")
	first := backendOf(t, d, env, "alpha")
	ctx := env.Ctx(t, "beta")
	err := d.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT * FROM no_such_table`)
		return err
	})
	if err == nil {
		t.Fatal("query on a missing table succeeded")
	}
	if pid := backendOf(t, d, env, "alpha"); pid == first {
		t.Fatalf("alpha ran again on backend %d after it pinned 2 schemas (one in a failed transaction)", pid)
	}
}
