package migrate_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/entraide/entraide/internal/category"
	"github.com/entraide/entraide/internal/migrate"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/entraide/entraide/migrations"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// withExtra returns the shipped migrations plus extra tenant files.
func withExtra(t *testing.T, extra map[string]string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, dir := range []string{"platform", "tenant"} {
		ms, err := migrate.Load(migrations.FS, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			fsys[dir+"/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	for name, sql := range extra {
		fsys["tenant/"+name] = &fstest.MapFile{Data: []byte(sql)}
	}
	return fsys
}

// nextFile names a migration that comes right after the shipped ones.
func nextFile(t *testing.T, what string) string {
	t.Helper()
	ms, err := migrate.Load(migrations.FS, "tenant")
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%04d_%s.sql", len(ms)+1, what)
}

func newMigrator(t *testing.T, pool *pgxpool.Pool, fsys fstest.MapFS) *migrate.Migrator {
	t.Helper()
	m, err := migrate.NewFromFS(pool, testutil.Logger(), 4, category.Provision, fsys)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func portals(slugs ...string) []*tenant.Tenant {
	out := make([]*tenant.Tenant, len(slugs))
	for i, s := range slugs {
		out[i] = testutil.Portal(s)
	}
	return out
}

func countApplied(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM entraide.schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestApplyIsIdempotent(t *testing.T) {
	d := testutil.Open(t, testutil.NewDatabase(t), 8)
	m, err := migrate.New(d.Pool(), testutil.Logger(), 4, category.Provision)
	if err != nil {
		t.Fatal(err)
	}
	ps := portals("alpha", "beta", "gamma")
	ctx := context.Background()
	if err := m.Platform(ctx); err != nil {
		t.Fatal(err)
	}
	first := m.Tenants(ctx, ps)
	for _, r := range first {
		if r.Err != nil || r.From != 0 || r.To != m.Latest() || len(r.Applied) != m.Latest() {
			t.Fatalf("first run for %s: %+v", r.Slug, r)
		}
	}
	n := countApplied(t, d.Pool())
	if _, err := m.ApplyAll(ctx, ps); err != nil {
		t.Fatal(err)
	}
	for _, r := range m.Tenants(ctx, ps) {
		if r.Err != nil || len(r.Applied) != 0 || r.From != m.Latest() {
			t.Fatalf("second run applied something for %s: %+v", r.Slug, r)
		}
	}
	if got := countApplied(t, d.Pool()); got != n {
		t.Fatalf("bookkeeping rows after re-run = %d, want %d", got, n)
	}
	statuses, err := m.Check(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range statuses {
		if s.Problem != "" {
			t.Fatalf("%s not servable after migration: %s", s.Slug, s.Problem)
		}
	}
}

// Two instances starting at once migrate the same portals without errors
// and without applying any file twice.
func TestConcurrentInstances(t *testing.T) {
	url := testutil.NewDatabase(t)
	ps := portals("alpha", "beta", "gamma", "delta")
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		d := testutil.Open(t, url, 6)
		m := newMigrator(t, d.Pool(), withExtra(t, nil))
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = m.ApplyAll(context.Background(), ps)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	d := testutil.Open(t, url, 2)
	var dup int
	err := d.Pool().QueryRow(context.Background(), `
SELECT count(*) FROM (SELECT schema_name, version FROM entraide.schema_migrations GROUP BY 1, 2 HAVING count(*) > 1) x`).Scan(&dup)
	if err != nil {
		t.Fatal(err)
	}
	if dup != 0 {
		t.Fatalf("%d migrations recorded twice", dup)
	}
}

// A migration that fails on one portal is reported with the portal and the
// file, leaves that schema at its last good version with nothing of the
// failed file in it, and does not stop the other portals.
func TestFailureOnOnePortalIsolated(t *testing.T) {
	d := testutil.Open(t, testutil.NewDatabase(t), 8)
	ctx := context.Background()
	ps := portals("alpha", "beta", "gamma")
	base := newMigrator(t, d.Pool(), withExtra(t, nil))
	if _, err := base.ApplyAll(ctx, ps); err != nil {
		t.Fatal(err)
	}
	good := base.Latest()

	notes := nextFile(t, "notes")
	next := newMigrator(t, d.Pool(), withExtra(t, map[string]string{
		// The table is created first, so a partial application would leave
		// it behind if the file were not one transaction.
		notes: `
CREATE TABLE notes (id bigint PRIMARY KEY);
DO $$ BEGIN
  IF current_schema() = 'tenant_beta' THEN RAISE EXCEPTION 'beta cannot take this'; END IF;
END $$;`,
	}))
	results := next.Tenants(ctx, ps)
	bySlug := map[tenant.Slug]migrate.Result{}
	for _, r := range results {
		bySlug[r.Slug] = r
	}
	if r := bySlug["beta"]; r.Err == nil || r.To != good ||
		!strings.Contains(r.Err.Error(), "beta") || !strings.Contains(r.Err.Error(), notes) {
		t.Fatalf("beta result = %+v (error %v), want a failure naming beta and %s at version %d", r, r.Err, notes, good)
	}
	for _, s := range []tenant.Slug{"alpha", "gamma"} {
		if r := bySlug[s]; r.Err != nil || r.To != good+1 {
			t.Fatalf("%s result = %+v, want version %d", s, r, good+1)
		}
	}

	var exists bool
	if err := d.Pool().QueryRow(ctx, `SELECT to_regclass('tenant_beta.notes') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("the failed migration left its table in beta's schema")
	}
	var lastError string
	if err := d.Pool().QueryRow(ctx, `SELECT coalesce(last_error, '') FROM entraide.tenants WHERE slug = 'beta'`).Scan(&lastError); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lastError, notes) {
		t.Fatalf("registry last_error = %q, want the failure recorded", lastError)
	}

	statuses, err := next.Check(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range statuses {
		behind := s.Problem != ""
		if behind != (s.Slug == "beta") {
			t.Fatalf("Check(%s) = %q; only beta should be behind", s.Slug, s.Problem)
		}
	}
	// The old binary sees the others as newer than itself and refuses them.
	old, err := base.Check(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range old {
		if s.Slug != "beta" && !strings.Contains(s.Problem, "newer") {
			t.Fatalf("old binary Check(%s) = %q, want it refused as newer", s.Slug, s.Problem)
		}
	}
}

// A shipped file that changes afterwards is refused rather than silently
// ignored, on apply and on check.
func TestEditedMigrationRefused(t *testing.T) {
	d := testutil.Open(t, testutil.NewDatabase(t), 4)
	ctx := context.Background()
	ps := portals("alpha")
	notes := nextFile(t, "notes")
	if _, err := newMigrator(t, d.Pool(), withExtra(t, map[string]string{notes: `CREATE TABLE notes (id int);`})).ApplyAll(ctx, ps); err != nil {
		t.Fatal(err)
	}
	edited := newMigrator(t, d.Pool(), withExtra(t, map[string]string{notes: `CREATE TABLE notes (id bigint);`}))
	statuses, err := edited.Check(ctx, ps)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(statuses[0].Problem, notes) {
		t.Fatalf("Check = %q, want the edited file named", statuses[0].Problem)
	}
	r := edited.Tenants(ctx, ps)[0]
	if !errors.Is(r.Err, migrate.ErrEdited) || !strings.Contains(r.Err.Error(), notes) {
		t.Fatalf("migrate over an edited file: error = %v, want ErrEdited naming the file", r.Err)
	}
}

// Every portal schema equals one built fresh from the migrations, and the
// comparison does notice a schema changed by hand.
func TestNoDrift(t *testing.T) {
	env := testutil.NewEnv(t, portals("alpha", "beta", "gamma")...)
	ctx := context.Background()
	all := env.Registry.All()

	drifts, err := env.Migrator.Drifts(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	if len(drifts) != 0 {
		t.Fatalf("fresh portals drift:\n%v", drifts)
	}
	lines, err := migrate.Describe(ctx, env.DB.Pool(), "tenant_alpha")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) < 5 {
		t.Fatalf("description of a migrated schema has %d lines: %q", len(lines), lines)
	}

	changes := []string{
		`ALTER TABLE tenant_alpha.categories ADD COLUMN colour text`,
		`DROP INDEX tenant_beta.categories_active_position`,
	}
	for _, sql := range changes {
		if _, err := env.DB.Pool().Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	drifts, err = env.Migrator.Drifts(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	got := map[tenant.Slug]migrate.Drift{}
	for _, d := range drifts {
		got[d.Slug] = d
	}
	if d := got["alpha"]; len(d.Extra) != 1 || !strings.Contains(d.Extra[0], "colour") {
		t.Fatalf("alpha drift = %+v, want the extra column", d)
	}
	if d := got["beta"]; len(d.Missing) != 1 || !strings.Contains(d.Missing[0], "categories_active_position") {
		t.Fatalf("beta drift = %+v, want the missing index", d)
	}
	if _, drifted := got["gamma"]; drifted {
		t.Fatalf("gamma reported as drifted: %v", got["gamma"])
	}
	// The reference schema was only ever inside a rolled-back transaction.
	var exists bool
	if err := env.DB.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'entraide_reference')`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("the reference schema was left behind")
	}
}

// Provisioning follows the portal file: a removed category is archived (old
// posts still point at it) and comes back when re-added.
func TestProvisionFollowsConfig(t *testing.T) {
	p := testutil.Portal("alpha")
	env := testutil.NewEnv(t, p)
	ctx := env.Ctx(t, "alpha")
	active := func() []string {
		var codes []string
		err := env.DB.ReadTx(ctx, func(tx pgx.Tx) error {
			cats, err := category.ListActive(ctx, tx)
			for _, c := range cats {
				codes = append(codes, c.Code)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return codes
	}
	steps := []struct {
		name       string
		categories []tenant.Category
		want       string
	}{
		{"remove ecoute", p.Categories[:1], "courses"},
		{"add it back first", []tenant.Category{p.Categories[1], p.Categories[0]}, "ecoute,courses"},
	}
	for _, st := range steps {
		p.Categories = st.categories
		if _, err := env.Migrator.ApplyAll(context.Background(), []*tenant.Tenant{p}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(active(), ","); got != st.want {
			t.Fatalf("%s: active categories = %s, want %s", st.name, got, st.want)
		}
	}
	var archivedRows int
	_ = env.DB.Pool().QueryRow(context.Background(), `SELECT count(*) FROM tenant_alpha.categories`).Scan(&archivedRows)
	if archivedRows != 2 {
		t.Fatalf("rows = %d, want 2 (archived rows are kept, not duplicated)", archivedRows)
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"bad name", map[string]string{"tenant/1_x.sql": "SELECT 1"}, "0001_what.sql"},
		{"gap", map[string]string{"tenant/0001_a.sql": "SELECT 1", "tenant/0003_c.sql": "SELECT 1"}, "expected version 0002"},
		{"duplicate version", map[string]string{"tenant/0001_a.sql": "SELECT 1", "tenant/0001_b.sql": "SELECT 1"}, "expected version 0002"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for n, s := range tc.files {
				fsys[n] = &fstest.MapFile{Data: []byte(s)}
			}
			_, err := migrate.Load(fsys, "tenant")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load error = %v, want %q", err, tc.want)
			}
		})
	}
}
