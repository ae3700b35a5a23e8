// Package migrate applies the SQL files of migrations/ to the platform schema
// and to every portal's schema, and says which schemas are up to date.
//
// Versions are recorded per schema in entraide.schema_migrations, outside the
// portal schemas, so that the bookkeeping never follows search_path. Each file
// runs in its own transaction under an advisory lock on its schema, so two
// instances starting at once neither apply a file twice nor block each other
// on different portals. A failure on one portal leaves that schema at its last
// good version and does not stop the others.
package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/migrations"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"
)

// Migration is one SQL file.
type Migration struct {
	Version  int
	Name     string // file name, e.g. 0001_categories.sql
	SQL      string
	Checksum string // SHA-256 of the file, to refuse edits of shipped files
}

var fileName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// Load reads the migrations in dir of fsys, sorted, and refuses gaps,
// duplicates and badly named files.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: read %s: %w", dir, err)
	}
	var out []Migration
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrate: %s/%s: name must look like 0001_what.sql", dir, e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrate: read %s/%s: %w", dir, e.Name(), err)
		}
		v, _ := strconv.Atoi(m[1])
		sum := sha256.Sum256(body)
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(body), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrate: %s/%s: expected version %04d (versions must follow each other from 0001)", dir, m.Name, i+1)
		}
	}
	return out, nil
}

// Provisioner runs after a portal's schema is migrated, in a transaction
// pinned to that schema, to copy configuration into it (its categories).
type Provisioner func(ctx context.Context, tx pgx.Tx, t *tenant.Tenant) error

// Migrator applies migrations. It is safe for concurrent use.
type Migrator struct {
	pool        *pgxpool.Pool
	log         *slog.Logger
	concurrency int
	platform    []Migration
	tenant      []Migration
	provision   Provisioner
}

// New returns a migrator for the embedded migrations. provision may be nil.
func New(pool *pgxpool.Pool, log *slog.Logger, concurrency int, provision Provisioner) (*Migrator, error) {
	return NewFromFS(pool, log, concurrency, provision, migrations.FS)
}

// NewFromFS is New with another set of files (platform/ and tenant/), for tests
// that need a broken or newer migration.
func NewFromFS(pool *pgxpool.Pool, log *slog.Logger, concurrency int, provision Provisioner, fsys fs.FS) (*Migrator, error) {
	platform, err := Load(fsys, "platform")
	if err != nil {
		return nil, err
	}
	tenantMigs, err := Load(fsys, "tenant")
	if err != nil {
		return nil, err
	}
	if concurrency < 1 {
		concurrency = 1
	}
	return &Migrator{pool: pool, log: log, concurrency: concurrency, platform: platform, tenant: tenantMigs, provision: provision}, nil
}

// Latest is the version every portal schema must reach.
func (m *Migrator) Latest() int { return len(m.tenant) }

const bootstrapSQL = `
CREATE SCHEMA IF NOT EXISTS entraide;
CREATE TABLE IF NOT EXISTS entraide.schema_migrations (
    schema_name  text NOT NULL,
    version      integer NOT NULL,
    name         text NOT NULL,
    checksum     text NOT NULL,
    applied_at   timestamptz NOT NULL DEFAULT now(),
    duration_ms  integer NOT NULL,
    PRIMARY KEY (schema_name, version)
);`

// lockSQL serialises work on one schema across every instance: the first key
// says "migrations", the second which schema.
const lockSQL = `SELECT pg_advisory_xact_lock(hashtext('entraide.migrate'), hashtext($1))`

// Platform creates the platform schema and applies its migrations.
func (m *Migrator) Platform(ctx context.Context) error {
	err := db.InSchema(ctx, m.pool, pgx.TxOptions{}, db.PlatformSchema, func(tx pgx.Tx) error {
		// The lock comes first: two instances running CREATE SCHEMA IF NOT
		// EXISTS at once can both try to create it and one fails.
		if _, err := tx.Exec(ctx, lockSQL, db.PlatformSchema); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, bootstrapSQL)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: bootstrap platform schema: %w", err)
	}
	for _, mig := range m.platform {
		if _, err := m.apply(ctx, db.PlatformSchema, mig); err != nil {
			return fmt.Errorf("migrate: platform schema, %s: %w", mig.Name, err)
		}
	}
	return nil
}

// Result is what happened to one portal's schema.
type Result struct {
	Slug    tenant.Slug
	From    int      // version before
	To      int      // version after
	Applied []string // files applied by this run
	Err     error    // names the portal and file; nil on success
}

// Tenants migrates and provisions every portal, at most m.concurrency at
// once. It returns one result per portal, in the order given; failures are
// in the results, never hidden, and do not stop the other portals.
func (m *Migrator) Tenants(ctx context.Context, tenants []*tenant.Tenant) []Result {
	results := make([]Result, len(tenants))
	applied, err := m.applied(ctx)
	if err != nil {
		for i, t := range tenants {
			results[i] = Result{Slug: t.Slug, Err: err}
		}
		return results
	}
	var g errgroup.Group
	g.SetLimit(m.concurrency)
	for i, t := range tenants {
		g.Go(func() error {
			results[i] = m.tenantOne(ctx, t, applied[t.Schema()])
			return nil
		})
	}
	_ = g.Wait() // workers record their errors in results
	return results
}

func (m *Migrator) tenantOne(ctx context.Context, t *tenant.Tenant, done map[int]string) Result {
	from := 0
	for v := range done {
		from = max(from, v)
	}
	r := Result{Slug: t.Slug, From: from, To: from}
	schema := t.Schema()
	fail := func(file string, err error) Result {
		if file != "" {
			r.Err = fmt.Errorf("portal %s (schema %s), %s: %w", t.Slug, schema, file, err)
		} else {
			r.Err = fmt.Errorf("portal %s (schema %s): %w", t.Slug, schema, err)
		}
		m.recordError(ctx, t, r.Err)
		m.log.Error("migration failed", "tenant", t.Slug, "file", file, "error", err)
		return r
	}

	if err := m.register(ctx, t); err != nil {
		return fail("", err)
	}
	for _, mig := range m.tenant {
		if sum, ok := done[mig.Version]; ok {
			if sum != mig.Checksum {
				return fail(mig.Name, fmt.Errorf("%w: %s was applied with another content", ErrEdited, mig.Name))
			}
			continue
		}
		applied, err := m.apply(ctx, schema, mig)
		if err != nil {
			return fail(mig.Name, err)
		}
		r.To = mig.Version
		if applied {
			r.Applied = append(r.Applied, mig.Name)
		}
	}
	// Provisioning runs every time: the portal file may have changed even
	// when the schema did not.
	if m.provision != nil {
		err := db.InSchema(ctx, m.pool, pgx.TxOptions{}, schema, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, lockSQL, schema); err != nil {
				return err
			}
			return m.provision(ctx, tx, t)
		})
		if err != nil {
			return fail("provisioning", err)
		}
	}
	if _, err := m.pool.Exec(ctx, `UPDATE entraide.tenants SET last_error = NULL, last_error_at = NULL WHERE slug = $1 AND last_error IS NOT NULL`, string(t.Slug)); err != nil {
		return fail("", fmt.Errorf("clear last error: %w", err))
	}
	if len(r.Applied) > 0 {
		m.log.Info("portal schema migrated", "tenant", t.Slug, "from", r.From, "to", r.To)
	}
	return r
}

// register creates the portal's schema and its registry row.
func (m *Migrator) register(ctx context.Context, t *tenant.Tenant) error {
	return db.InSchema(ctx, m.pool, pgx.TxOptions{}, db.PlatformSchema, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL, t.Schema()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{t.Schema()}.Sanitize()); err != nil {
			return fmt.Errorf("create schema: %w", err)
		}
		_, err := tx.Exec(ctx, `
INSERT INTO entraide.tenants (slug, schema_name, name, departement)
VALUES ($1, $2, $3, $4)
ON CONFLICT (slug) DO UPDATE SET name = EXCLUDED.name, departement = EXCLUDED.departement, updated_at = now()
WHERE (tenants.name, tenants.departement) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.departement)`,
			string(t.Slug), t.Schema(), t.Name, t.Departement)
		if err != nil {
			return fmt.Errorf("register portal: %w", err)
		}
		return nil
	})
}

// recordError keeps the failure in the registry for operators; if even that
// fails, the log line above is all there is.
func (m *Migrator) recordError(ctx context.Context, t *tenant.Tenant, cause error) {
	_, err := m.pool.Exec(ctx, `UPDATE entraide.tenants SET last_error = $2, last_error_at = now() WHERE slug = $1`, string(t.Slug), cause.Error())
	if err != nil {
		m.log.Error("could not record migration failure", "tenant", t.Slug, "error", err)
	}
}

// apply runs one file on one schema unless it is already recorded there. It
// reports whether it ran the file.
func (m *Migrator) apply(ctx context.Context, schema string, mig Migration) (bool, error) {
	applied := false
	err := db.InSchema(ctx, m.pool, pgx.TxOptions{}, schema, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockSQL, schema); err != nil {
			return err
		}
		// Another instance may have applied it while we waited for the lock.
		var checksum string
		err := tx.QueryRow(ctx, `SELECT checksum FROM entraide.schema_migrations WHERE schema_name = $1 AND version = $2`, schema, mig.Version).Scan(&checksum)
		switch {
		case err == nil:
			if checksum != mig.Checksum {
				return fmt.Errorf("%w: %s was applied with another content", ErrEdited, mig.Name)
			}
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		start := time.Now()
		// No arguments: pgx sends it with the simple protocol, which allows
		// several statements in one file.
		if _, err := tx.Exec(ctx, mig.SQL); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO entraide.schema_migrations (schema_name, version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4, $5)`,
			schema, mig.Version, mig.Name, mig.Checksum, time.Since(start).Milliseconds())
		applied = err == nil
		return err
	})
	return applied, err
}

// ErrEdited means a migration file changed after it was applied somewhere.
var ErrEdited = errors.New("migration file edited after it was applied")

// applied returns the checksum of every applied file, by schema and version.
func (m *Migrator) applied(ctx context.Context) (map[string]map[int]string, error) {
	rows, err := m.pool.Query(ctx, `SELECT schema_name, version, checksum FROM entraide.schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrate: read applied migrations: %w", err)
	}
	out := map[string]map[int]string{}
	for rows.Next() {
		var schema, sum string
		var v int
		if err := rows.Scan(&schema, &v, &sum); err != nil {
			return nil, fmt.Errorf("migrate: read applied migrations: %w", err)
		}
		if out[schema] == nil {
			out[schema] = map[int]string{}
		}
		out[schema][v] = sum
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("migrate: read applied migrations: %w", err)
	}
	return out, nil
}

// Status says whether a portal's schema can be served.
type Status struct {
	Slug    tenant.Slug
	Version int
	Problem string // empty when the schema is up to date
}

// Check compares each portal's schema with the migrations this binary
// carries: the version must be exactly the latest, and every applied file
// must be the one shipped.
func (m *Migrator) Check(ctx context.Context, tenants []*tenant.Tenant) ([]Status, error) {
	applied, err := m.applied(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Status, 0, len(tenants))
	for _, t := range tenants {
		done := applied[t.Schema()]
		s := Status{Slug: t.Slug}
		for v := range done {
			s.Version = max(s.Version, v)
		}
		switch {
		case s.Version < m.Latest():
			s.Problem = fmt.Sprintf("schema %s is at version %d, this binary needs %d: run `entraide migrate`", t.Schema(), s.Version, m.Latest())
		case s.Version > m.Latest():
			s.Problem = fmt.Sprintf("schema %s is at version %d, newer than this binary (%d): deploy the newer binary", t.Schema(), s.Version, m.Latest())
		default:
			for _, mig := range m.tenant {
				if done[mig.Version] != mig.Checksum {
					s.Problem = fmt.Sprintf("schema %s: %s was applied with another content (or not at all)", t.Schema(), mig.Name)
					break
				}
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// ApplyAll migrates the platform schema and every portal, returning the
// portals whose schema is up to date and an error naming every failure.
func (m *Migrator) ApplyAll(ctx context.Context, tenants []*tenant.Tenant) ([]tenant.Slug, error) {
	if err := m.Platform(ctx); err != nil {
		return nil, err
	}
	var (
		ok   []tenant.Slug
		errs []error
	)
	for _, r := range m.Tenants(ctx, tenants) {
		if r.Err != nil {
			errs = append(errs, r.Err)
		} else {
			ok = append(ok, r.Slug)
		}
	}
	return ok, errors.Join(errs...)
}
