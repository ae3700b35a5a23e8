package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/category"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// labels returns the French labels of the categories the context's portal sees.
func labels(t *testing.T, d *db.DB, ctx context.Context) []string {
	t.Helper()
	var out []string
	err := d.ReadTx(ctx, func(tx pgx.Tx) error {
		cats, err := category.ListActive(ctx, tx)
		for _, c := range cats {
			out = append(out, c.Label["fr"])
		}
		return err
	})
	if err != nil {
		t.Fatalf("list categories: %v", err)
	}
	return out
}

// Both portals were provisioned the same way, so their rows have the same
// ids; only the schema tells them apart.
func TestSameIDsStayInTheirOwnSchema(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	ctxA, ctxB := env.Ctx(t, "alpha"), env.Ctx(t, "beta")

	idOf := func(ctx context.Context) int64 {
		var id int64
		err := env.DB.ReadTx(ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM categories WHERE code = 'courses'`).Scan(&id)
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	if a, b := idOf(ctxA), idOf(ctxB); a != b {
		t.Fatalf("the test needs identical ids in both schemas, got %d and %d", a, b)
	}

	tests := []struct {
		name       string
		ctx        context.Context
		want, deny string
	}{
		{"alpha reads alpha", ctxA, "Courses de alpha", "beta"},
		{"beta reads beta", ctxB, "Courses de beta", "alpha"},
	}
	for _, tc := range tests {
		for _, read := range []struct {
			name string
			fn   func(*testing.T, *db.DB, context.Context) []string
		}{{"ReadTx", labels}, {"Read", labelsInOneTrip}} {
			t.Run(tc.name+" with "+read.name, func(t *testing.T) {
				got := read.fn(t, env.DB, tc.ctx)
				if len(got) == 0 || got[0] != tc.want {
					t.Fatalf("labels = %q, want first %q", got, tc.want)
				}
				for _, l := range got {
					if strings.Contains(l, tc.deny) {
						t.Fatalf("portal read another portal's row: %q", l)
					}
				}
			})
		}
	}
}

// labelsInOneTrip is labels read with Read, in one round trip.
func labelsInOneTrip(t *testing.T, d *db.DB, ctx context.Context) []string {
	t.Helper()
	var out []string
	b := &pgx.Batch{}
	b.Queue(`SELECT label->>'fr' FROM categories ORDER BY position, id`).Query(func(rows pgx.Rows) error {
		var err error
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err := d.Read(ctx, b); err != nil {
		t.Fatalf("read categories: %v", err)
	}
	return out
}

// A write through one portal's handle, by the same id another portal also
// has, changes only the first portal's row.
func TestWritesStayInTheirOwnSchema(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	ctxA, ctxB := env.Ctx(t, "alpha"), env.Ctx(t, "beta")

	err := env.DB.Tx(ctxA, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctxA, `UPDATE categories SET label = '{"fr":"Changé par alpha"}' WHERE id = 1`)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctxA, `INSERT INTO categories (code, label, description, position) VALUES ('nouveau', '{"fr":"Nouveau alpha"}', '{}', 9)`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// The same through Write, in one round trip, with the same ids.
	w := &pgx.Batch{}
	w.Queue(`UPDATE categories SET label = '{"fr":"Changé d''un coup par alpha"}' WHERE id = 2`)
	w.Queue(`INSERT INTO categories (code, label, description, position) VALUES ('encore', '{"fr":"Encore alpha"}', '{}', 10)`)
	if err := env.DB.Write(ctxA, w); err != nil {
		t.Fatal(err)
	}
	a, b := labels(t, env.DB, ctxA), labels(t, env.DB, ctxB)
	for _, want := range []string{"Changé par alpha", "Nouveau alpha", "Changé d'un coup par alpha", "Encore alpha"} {
		if !contains(a, want) {
			t.Fatalf("alpha's write %q is missing from alpha: %q", want, a)
		}
		if contains(b, want) {
			t.Fatalf("alpha's write %q reached beta: %q", want, b)
		}
	}
	if !contains(b, "Courses de beta") {
		t.Fatalf("beta's own row changed: %q", b)
	}
}

// A Write is all or nothing: a statement that fails undoes those before
// it, as a transaction's would.
func TestWriteIsAllOrNothing(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"))
	ctx := env.Ctx(t, "alpha")
	before := labels(t, env.DB, ctx)
	w := &pgx.Batch{}
	w.Queue(`UPDATE categories SET label = '{"fr":"Perdu"}'`)
	w.Queue(`INSERT INTO categories (code, label, description, position) VALUES ('perdu', '{"fr":"Perdu aussi"}', '{}', 9)`)
	w.Queue(`INSERT INTO categories (code, label, description, position) VALUES ('perdu', '{"fr":"Doublon"}', '{}', 10)`)
	if err := env.DB.Write(ctx, w); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("Write error = %v, want a duplicate key", err)
	}
	if after := labels(t, env.DB, ctx); strings.Join(after, "|") != strings.Join(before, "|") {
		t.Fatalf("categories after a failed Write = %q, want %q", after, before)
	}
}

// With a pool of one connection, every transaction reuses the same
// connection: nothing portal A set may be visible to portal B's work or to
// code that runs outside any portal.
func TestConnectionCarriesNothingToTheNextBorrower(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	single := testutil.Open(t, env.URL, 1)
	single.SetServable([]tenant.Slug{"alpha", "beta"})
	ctxA, ctxB := env.Ctx(t, "alpha"), env.Ctx(t, "beta")

	var pidA, pidB int
	var pathB string
	if err := single.Tx(ctxA, func(tx pgx.Tx) error {
		return tx.QueryRow(ctxA, `SELECT pg_backend_pid()`).Scan(&pidA)
	}); err != nil {
		t.Fatal(err)
	}
	// Outside a transaction the connection is back to the pool's default.
	var between string
	if err := single.Pool().QueryRow(context.Background(), `SELECT current_setting('search_path')`).Scan(&between); err != nil {
		t.Fatal(err)
	}
	if between != "pg_catalog" {
		t.Fatalf("after alpha's transaction the connection's search_path is %q, want pg_catalog", between)
	}
	if err := single.Tx(ctxB, func(tx pgx.Tx) error {
		return tx.QueryRow(ctxB, `SELECT pg_backend_pid(), current_setting('search_path')`).Scan(&pidB, &pathB)
	}); err != nil {
		t.Fatal(err)
	}
	if pidA != pidB {
		t.Fatalf("the test needs one connection, got backends %d and %d", pidA, pidB)
	}
	if pathB != "tenant_beta" {
		t.Fatalf("beta's transaction runs with search_path %q", pathB)
	}
	if got := labels(t, single, ctxB); !contains(got, "Courses de beta") || contains(got, "Courses de alpha") {
		t.Fatalf("beta sees %q on the connection alpha used", got)
	}

	// A failed transaction must not leave its setting behind either, nor
	// a Read, which pins with the same set_config(…, true) in a
	// transaction that ends with its message, whether it succeeds, fails
	// in PostgreSQL or fails in its callback.
	boom := errors.New("boom")
	if err := single.Tx(ctxA, func(tx pgx.Tx) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Tx error = %v, want boom", err)
	}
	clean := func(after string) {
		t.Helper()
		var path, readOnly string
		if err := single.Pool().QueryRow(context.Background(),
			`SELECT current_setting('search_path'), current_setting('transaction_read_only')`).Scan(&path, &readOnly); err != nil {
			t.Fatal(err)
		}
		if path != "pg_catalog" || readOnly != "off" {
			t.Fatalf("after %s the connection has search_path %q, transaction_read_only %s", after, path, readOnly)
		}
	}
	clean("a rolled-back transaction")
	reads := []struct {
		name    string
		queue   func(*pgx.Batch)
		wantErr bool
	}{
		{"a read", func(b *pgx.Batch) { b.Queue(`SELECT 1 FROM categories`) }, false},
		{"a read that fails in PostgreSQL", func(b *pgx.Batch) { b.Queue(`SELECT 1/0 FROM categories`) }, true},
		{"a read whose callback fails", func(b *pgx.Batch) {
			b.Queue(`SELECT 1`).QueryRow(func(pgx.Row) error { return boom })
		}, true},
	}
	for _, r := range reads {
		b := &pgx.Batch{}
		r.queue(b)
		if err := single.Read(ctxA, b); (err != nil) != r.wantErr {
			t.Fatalf("%s: error = %v", r.name, err)
		}
		clean(r.name)
	}
	w := &pgx.Batch{}
	w.Queue(`UPDATE categories SET position = position`)
	if err := single.Write(ctxA, w); err != nil {
		t.Fatal(err)
	}
	clean("a write in one round trip")
	// And the next borrower, another portal, reads its own rows.
	if got := labelsInOneTrip(t, single, ctxB); !contains(got, "Courses de beta") || contains(got, "Courses de alpha") {
		t.Fatalf("beta sees %q on the connection alpha's reads used", got)
	}
}

// Every way of reaching the data without a genuine, up-to-date portal fails
// closed.
func TestForgedOrMissingTenantFailsClosed(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	forged := func(slug string) context.Context {
		p := testutil.Portal("alpha")
		p.Slug = tenant.Slug(slug)
		return tenant.WithTenant(context.Background(), p)
	}
	tests := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"no portal in context", context.Background(), db.ErrNoTenant},
		{"nil portal in context", tenant.WithTenant(context.Background(), nil), db.ErrNoTenant},
		{"portal unknown to the process", forged("gamma"), db.ErrTenantUnavailable},
		{"slug with SQL in it", forged(`alpha", public; --`), db.ErrTenantUnavailable},
		{"slug that names the platform schema", forged("../entraide"), db.ErrTenantUnavailable},
		{"empty slug", forged(""), db.ErrTenantUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ran := false
			err := env.DB.Tx(tc.ctx, func(tx pgx.Tx) error { ran = true; return nil })
			if !errors.Is(err, tc.want) {
				t.Fatalf("Tx error = %v, want %v", err, tc.want)
			}
			for name, send := range map[string]func(context.Context, *pgx.Batch) error{"Read": env.DB.Read, "Write": env.DB.Write} {
				b := &pgx.Batch{}
				b.Queue(`SELECT 1`).QueryRow(func(pgx.Row) error { ran = true; return nil })
				if err := send(tc.ctx, b); !errors.Is(err, tc.want) {
					t.Fatalf("%s error = %v, want %v", name, err, tc.want)
				}
			}
			if ran {
				t.Fatal("the function ran without a valid portal")
			}
		})
	}

	// A portal whose schema is not declared up to date is refused too.
	env.DB.SetServable([]tenant.Slug{"beta"})
	if err := env.DB.ReadTx(env.Ctx(t, "alpha"), func(pgx.Tx) error { return nil }); !errors.Is(err, db.ErrTenantUnavailable) {
		t.Fatalf("behind portal: error = %v, want ErrTenantUnavailable", err)
	}

	// Code that bypasses Tx and queries the pool directly finds no portal
	// table: the pool's default search_path holds none.
	_, err := env.DB.Pool().Exec(context.Background(), `SELECT * FROM categories`)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("unpinned query: error = %v, want relation does not exist", err)
	}
}

// A read-only transaction refuses writes, so a read path cannot change data
// by mistake.
func TestReadsRefuseWrites(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"))
	ctx := env.Ctx(t, "alpha")
	tests := []struct {
		name  string
		write func() error
	}{
		{"ReadTx", func() error {
			return env.DB.ReadTx(ctx, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `DELETE FROM categories`)
				return err
			})
		}},
		{"Read", func() error {
			b := &pgx.Batch{}
			b.Queue(`DELETE FROM categories`)
			return env.DB.Read(ctx, b)
		}},
		// A write queued after a read is refused as well: the whole
		// message is one read-only transaction.
		{"Read, after a read", func() error {
			b := &pgx.Batch{}
			b.Queue(`SELECT count(*) FROM categories`)
			b.Queue(`UPDATE categories SET position = position + 1`)
			return env.DB.Read(ctx, b)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.write(); err == nil || !strings.Contains(err.Error(), "read-only") {
				t.Fatalf("write: error = %v, want read-only transaction error", err)
			}
			if got := labels(t, env.DB, ctx); len(got) != 2 {
				t.Fatalf("categories after refused write = %q, want 2", got)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A statement kept prepared is prepared once per connection and still
// reads the tables of the portal of each Read: PostgreSQL analyses it
// again when search_path changes, even once it has settled on one plan for
// every value (a generic plan, after five runs; the list's statements are
// written to get one, help/store.go). One connection reads one portal
// seven times, then alternates two portals whose rows have the same ids.
func TestKeptPreparedStatementFollowsThePortal(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	single := testutil.Open(t, env.URL, 1)
	single.SetServable([]tenant.Slug{"alpha", "beta"})
	const sql = `SELECT label->>'fr' FROM categories WHERE id = $1`
	single.KeepPrepared(sql)

	read := func(ctx context.Context) string {
		t.Helper()
		var label string
		b := &pgx.Batch{}
		b.Queue(sql, 1).QueryRow(func(row pgx.Row) error { return row.Scan(&label) })
		if err := single.Read(ctx, b); err != nil {
			t.Fatal(err)
		}
		return label
	}
	for i, slug := range []string{"alpha", "alpha", "alpha", "alpha", "alpha", "alpha", "alpha", "beta", "alpha", "beta"} {
		if got, want := read(env.Ctx(t, slug)), "Courses de "+slug; got != want {
			t.Fatalf("read %d on %s: %q, want %q", i+1, slug, got, want)
		}
	}
	var prepared, generic int
	var path string
	if err := single.Pool().QueryRow(context.Background(),
		`SELECT count(*), coalesce(sum(generic_plans), 0), current_setting('search_path')
		   FROM pg_prepared_statements WHERE statement = $1`, sql).Scan(&prepared, &generic, &path); err != nil {
		t.Fatal(err)
	}
	if prepared != 1 {
		t.Fatalf("the statement is prepared %d times on the connection, want once", prepared)
	}
	if generic == 0 {
		t.Fatal("no run used a generic plan: the test does not try what it should")
	}
	if path != "pg_catalog" {
		t.Fatalf("after preparing, the connection's search_path is %q", path)
	}
}
