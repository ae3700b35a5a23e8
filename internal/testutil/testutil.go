// Package testutil builds the real things tests run against: a fresh
// PostgreSQL database per test (dropped at the end), portals migrated with
// the real migrations, and a Redis store under a key prefix of its own.
//
// Tests never depend on what another test or run left behind. The server to
// use comes from ENTRAIDE_TEST_DATABASE_URL (default: the local PostgreSQL
// as user postgres) and ENTRAIDE_TEST_REDIS_URL (default: the local Redis).
package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/category"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/migrate"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// ServerURL is the PostgreSQL server tests create their databases on.
func ServerURL() string {
	if u := os.Getenv("ENTRAIDE_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// RedisURL is the Redis server tests use.
func RedisURL() string {
	if u := os.Getenv("ENTRAIDE_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// Logger discards output unless ENTRAIDE_TEST_LOG is set, so failing tests
// can be rerun with the logs.
func Logger() *slog.Logger {
	if os.Getenv("ENTRAIDE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func randomSuffix() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b[:])
}

var nonIdent = regexp.MustCompile(`[^a-z0-9_]+`)

// NewDatabase creates an empty database named after the test and returns
// its URL. The database is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	name := nonIdent.ReplaceAllString(strings.ToLower(t.Name()), "_")
	if len(name) > 30 {
		name = name[:30]
	}
	name = "entraide_test_" + name + "_" + randomSuffix()

	u, err := url.Parse(ServerURL())
	if err != nil {
		t.Fatalf("testutil: parse %s: %v", ServerURL(), err)
	}
	u.Path = "/" + name
	dbURL := u.String()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.EnsureDatabase(ctx, dbURL); err != nil {
		t.Fatalf("testutil: create test database (is PostgreSQL running? see README): %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := db.DropDatabase(ctx, dbURL); err != nil {
			t.Errorf("testutil: drop test database: %v", err)
		}
	})
	return dbURL
}

// Open opens a pool on url with test-sized settings; it is closed when the
// test ends.
func Open(t testing.TB, dbURL string, maxConns int32) *db.DB {
	t.Helper()
	d, err := db.Open(context.Background(), db.Options{URL: dbURL, MaxConns: maxConns, MaxConnLifetime: time.Minute})
	if err != nil {
		t.Fatalf("testutil: open database: %v", err)
	}
	t.Cleanup(d.Close)
	return d
}

// Portal returns a valid portal configuration for tests, with two
// categories whose labels name the portal, so a test can tell whose data
// it sees.
func Portal(slug string) *tenant.Tenant {
	return &tenant.Tenant{
		Slug:        tenant.Slug(slug),
		Name:        "Portail " + slug,
		Departement: "44",
		Hosts:       []string{slug + ".localhost", "www." + slug + ".localhost"},
		Theme:       "tousvoisins44",
		Locales:     tenant.Locales{Default: "fr", Enabled: []string{"fr", "en"}},
		Modules:     []string{"entraide"},
		Categories: []tenant.Category{
			{Code: "courses", Label: tenant.Text{"fr": "Courses de " + slug, "en": "Groceries of " + slug},
				Description: tenant.Text{"fr": "Des courses pour " + slug, "en": "Groceries for " + slug}},
			{Code: "ecoute", Label: tenant.Text{"fr": "Écoute de " + slug, "en": "Calls of " + slug},
				Description: tenant.Text{"fr": "Un appel pour " + slug, "en": "A call for " + slug}},
		},
		Rules: tenant.Rules{ServicesMustBeFree: true, RequestExpiryDays: 30},
	}
}

// Env is a migrated database holding some portals.
type Env struct {
	URL      string
	DB       *db.DB
	Registry *tenant.Registry
	Migrator *migrate.Migrator
}

// NewEnv creates a fresh database, migrates the platform schema and the
// portals with the real migrations, and marks them servable.
func NewEnv(t testing.TB, portals ...*tenant.Tenant) *Env {
	t.Helper()
	dbURL := NewDatabase(t)
	d := Open(t, dbURL, 8)
	reg, err := tenant.NewRegistry(portals)
	if err != nil {
		t.Fatalf("testutil: registry: %v", err)
	}
	m, err := migrate.New(d.Pool(), Logger(), 4, category.Provision)
	if err != nil {
		t.Fatalf("testutil: migrator: %v", err)
	}
	ok, err := m.ApplyAll(context.Background(), portals)
	if err != nil {
		t.Fatalf("testutil: migrate: %v", err)
	}
	d.SetServable(ok)
	return &Env{URL: dbURL, DB: d, Registry: reg, Migrator: m}
}

// Ctx returns a context carrying the portal with this slug.
func (e *Env) Ctx(t testing.TB, slug string) context.Context {
	t.Helper()
	p, ok := e.Registry.BySlug(tenant.Slug(slug))
	if !ok {
		t.Fatalf("testutil: no portal %q in this environment", slug)
	}
	return tenant.WithTenant(context.Background(), p)
}

// Redis returns a store on the test Redis under a prefix of its own, so
// parallel tests and runs never share keys.
func Redis(t testing.TB) *kv.Redis {
	t.Helper()
	prefix := fmt.Sprintf("entraide_test:%s:", randomSuffix())
	r, err := kv.OpenRedis(context.Background(), RedisURL(), prefix)
	if err != nil {
		t.Fatalf("testutil: connect to Redis (is it running? see README): %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := r.Client().Keys(ctx, prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = r.Client().Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("testutil: clean Redis keys: %v", err)
		}
		r.Close()
	})
	return r
}

// NamedStore is one kind of shared store.
type NamedStore struct {
	Name  string
	Store kv.Store
}

// Stores returns both kinds of shared store (Redis, memory), for behaviour
// that must be the same with and without Redis.
func Stores(t testing.TB) []NamedStore {
	t.Helper()
	return []NamedStore{{"redis", Redis(t)}, {"memory", kv.NewMemory()}}
}

// CopyPosts adds n copies of each post of ids to the portal in ctx, the
// k-th copies a k seconds older than their originals, so that lists have
// many posts without creating each one through the service, which would
// take minutes. The copies are the originals': already checked by the
// rules. They are written copy by copy, one of each post in turn, so that
// posts of different places lie mixed on disk, as on a real portal.
func (e *Env) CopyPosts(t testing.TB, ctx context.Context, n int, ids ...int64) {
	t.Helper()
	err := e.DB.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
INSERT INTO posts (kind, category_code, title, description, commune_code, epci_code, modes, when_kind,
                   date_from, date_to, recurrence, urgent, status, visibility, author_id, created_at, expires_at)
SELECT kind, category_code, title, description, commune_code, epci_code, modes, when_kind,
       date_from, date_to, recurrence, urgent, status, visibility, author_id, created_at - make_interval(secs => i), expires_at
  FROM posts, generate_series(1, $2) i
 WHERE id = ANY ($1)
 ORDER BY i, id`, ids, n)
		return err
	})
	if err != nil {
		t.Fatalf("testutil: copy posts %v: %v", ids, err)
	}
}

// KeptPlan is the plan PostgreSQL keeps for sql once prepared (its generic
// plan), as EXPLAIN with options shows it ("COSTS OFF", or "ANALYZE, ..."
// to run it), for values: SQL constants written out, since EXPLAIN
// EXECUTE takes no bound parameters. It runs in tx, whose end forgets the
// setting; the statement prepared under name is deallocated before it
// returns, so a pooled connection keeps nothing of it.
func KeptPlan(ctx context.Context, tx pgx.Tx, name, sql, options string, values ...string) ([]string, error) {
	for _, stmt := range []string{"SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE " + name + " AS " + sql} {
		if _, err := tx.Exec(ctx, stmt); err != nil {
			return nil, err
		}
	}
	rows, err := tx.Query(ctx, "EXPLAIN ("+options+") EXECUTE "+name+"("+strings.Join(values, ", ")+")")
	if err != nil {
		return nil, err
	}
	plan, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, "DEALLOCATE "+name); err != nil {
		return nil, err
	}
	return plan, nil
}
