// Package db owns the PostgreSQL connection pool and the only way portal code
// reaches its data: a transaction pinned to the portal's schema.
//
// Every portal's tables live in the schema "tenant_<slug>"; platform-wide
// tables (portal registry, migration bookkeeping, job queue) live in the
// schema "entraide". Code never names a schema: Tx, ReadTx, Read and Write
// read the portal from the context and set search_path for that
// transaction only (SET LOCAL, sent with BEGIN; or set_config(…, true) at
// the head of a Read's or Write's message). A session-level SET would stay on the pooled connection
// and leak into the next borrower, who may be another portal.
package db

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PlatformSchema holds the tables shared by every portal.
const PlatformSchema = "entraide"

var (
	// ErrNoTenant means the context carries no portal: fail closed rather
	// than guess which schema to use.
	ErrNoTenant = errors.New("db: no portal in context")
	// ErrTenantUnavailable means the portal is unknown to this process or
	// its schema is not at the version the binary expects.
	ErrTenantUnavailable = errors.New("db: portal schema unavailable")
)

// Options configure the pool.
type Options struct {
	URL             string
	MaxConns        int32
	MaxConnLifetime time.Duration
	MaxConnIdleTime time.Duration
	// MaxConnSchemas closes a connection, when it is handed back to the
	// pool, once it has pinned this many distinct schemas, which bounds
	// PostgreSQL's per-connection caches (see recycle.go). 0: never.
	MaxConnSchemas int
}

// DB is the pool plus the set of portals whose schema may be served.
type DB struct {
	pool *pgxpool.Pool
	// servable holds the slugs whose schema is up to date. It is replaced
	// whole (copy on write) after migrations, never mutated.
	servable atomic.Pointer[map[tenant.Slug]struct{}]
	// recycled counts the connections closed for having pinned
	// MaxConnSchemas schemas.
	recycled atomic.Int64
	// afterWrite is told of every committed read-write transaction of a
	// portal (see AfterWrite).
	afterWrite atomic.Pointer[afterWrite]
	// kept are the statements Read and Write keep prepared (prepared.go).
	kept keptPrepared
}

// Open connects and checks that the database answers.
func Open(ctx context.Context, o Options) (*DB, error) {
	cfg, err := poolConfig(o)
	if err != nil {
		return nil, err
	}
	// The same SQL text runs against hundreds of schemas. QueryExecModeExec
	// sends it unnamed each time, so PostgreSQL resolves table names with the
	// transaction's search_path on every execution, and pgx keeps no
	// per-connection cache keyed on SQL text that could carry one schema's
	// statement (or type OIDs) into another's. See README, "Database".
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeExec
	d := &DB{}
	// Every Read and Write starts with its pin.
	d.KeepPrepared(pinReadSQL, pinWriteSQL, markSQL, wroteSQL)
	if o.MaxConnSchemas > 0 {
		cfg.AfterRelease = keepAfterRelease(o.MaxConnSchemas, func() { d.recycled.Add(1) })
	}
	pool, err := connect(ctx, cfg)
	if err != nil {
		return nil, err
	}
	d.pool = pool
	empty := map[tenant.Slug]struct{}{}
	d.servable.Store(&empty)
	return d, nil
}

// OpenQueuePool opens the small pool the job queue uses. River's SQL names
// its schema explicitly, so pgx's default statement cache is safe there.
func OpenQueuePool(ctx context.Context, o Options) (*pgxpool.Pool, error) {
	o.MaxConns = max(2, o.MaxConns/4)
	cfg, err := poolConfig(o)
	if err != nil {
		return nil, err
	}
	// Named apart so that an operator (or the benchmark) looking at
	// pg_stat_activity tells the queue's connections from the portals'.
	cfg.ConnConfig.RuntimeParams["application_name"] = "entraide-jobs"
	return connect(ctx, cfg)
}

func poolConfig(o Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("db: parse database URL: %w", err)
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	// Recycling connections bounds PostgreSQL's per-connection catalog and
	// plan caches, which grow with every schema a connection touches.
	if o.MaxConnLifetime > 0 {
		cfg.MaxConnLifetime = o.MaxConnLifetime
		cfg.MaxConnLifetimeJitter = o.MaxConnLifetime / 10
	}
	if o.MaxConnIdleTime > 0 {
		cfg.MaxConnIdleTime = o.MaxConnIdleTime
	}
	// Outside a pinned transaction, unqualified names resolve to nothing
	// writable: pg_catalog only, so a query that forgot its portal fails
	// instead of landing in "public".
	cfg.ConnConfig.RuntimeParams["search_path"] = "pg_catalog"
	cfg.ConnConfig.RuntimeParams["application_name"] = "entraide"
	return cfg, nil
}

func connect(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("db: create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("db: connect: %w", err)
	}
	return pool, nil
}

// Close closes every connection.
func (d *DB) Close() { d.pool.Close() }

// Ping checks that the database answers, for readiness probes.
func (d *DB) Ping(ctx context.Context) error { return d.pool.Ping(ctx) }

// Pool is the raw pool, for platform code that manages schemas itself
// (migrations, the job queue). Portal code uses Tx.
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

// SetServable declares which portals' schemas are up to date. Any other
// portal gets ErrTenantUnavailable.
func (d *DB) SetServable(slugs []tenant.Slug) {
	m := make(map[tenant.Slug]struct{}, len(slugs))
	for _, s := range slugs {
		m[s] = struct{}{}
	}
	d.servable.Store(&m)
}

// Servable reports whether the portal's schema may be served.
func (d *DB) Servable(s tenant.Slug) bool {
	_, ok := (*d.servable.Load())[s]
	return ok
}

// Tx runs fn in a read-write transaction pinned to the schema of the portal
// in ctx. It commits if fn returns nil and rolls back otherwise.
func (d *DB) Tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return d.tx(ctx, pgx.TxOptions{}, fn)
}

// ReadTx is Tx for read-only work; PostgreSQL refuses writes inside it.
func (d *DB) ReadTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return d.tx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

func (d *DB) tx(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	schema, err := d.schemaOf(ctx)
	if err != nil {
		return err
	}
	hook := d.afterWrite.Load()
	if opts.AccessMode == pgx.ReadOnly {
		hook = nil
	}
	var wrote []string
	afterBegin := ""
	if hook != nil && len(hook.watched) > 0 {
		// The counts before travel with BEGIN; which watched tables fn
		// wrote can only be asked before COMMIT: one more round trip for
		// an interactive write.
		afterBegin = hook.markBegin
		inner := fn
		fn = func(tx pgx.Tx) error {
			if err := inner(tx); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, wroteSQL, hook.watched).Scan(&wrote); err != nil {
				return fmt.Errorf("db: tables written: %w", err)
			}
			return nil
		}
	}
	if err := inSchema(ctx, d.pool, opts, schema, afterBegin, fn); err != nil {
		return err
	}
	if hook != nil {
		t, _ := tenant.FromContext(ctx)
		hook.f(ctx, t.Slug, wrote)
	}
	return nil
}

// afterWrite is what AfterWrite set.
type afterWrite struct {
	watched []string
	// markBegin is markSQL for watched, written out, sent with BEGIN.
	markBegin string
	f         func(context.Context, tenant.Slug, []string)
}

// Which watched tables a transaction wrote rows of, PostgreSQL counts
// itself (pg_stat_get_xact_tuples_*), whatever the statement, trigger or
// function that wrote them. Its counts for the transaction also hold those
// of the connection's earlier transactions until they reach its statistics
// (at most about a second later), so each table's count is noted when the
// transaction begins (markSQL, in a setting local to the transaction) and
// a table was written when its count grew (wroteSQL). Names are
// unqualified: they are found in the pinned schema.
const (
	rowsWritten = `coalesce(pg_stat_get_xact_tuples_inserted(to_regclass(t)) + pg_stat_get_xact_tuples_updated(to_regclass(t))
       + pg_stat_get_xact_tuples_deleted(to_regclass(t)), 0)`
	markSQL = `SELECT set_config('entraide.rows_before',
       array(SELECT ` + rowsWritten + ` FROM unnest($1::text[]) WITH ORDINALITY w(t, n) ORDER BY n)::text, true)`
	wroteSQL = `
SELECT coalesce(array_agg(t ORDER BY n), '{}')
  FROM unnest($1::text[], current_setting('entraide.rows_before')::bigint[]) WITH ORDINALITY w(t, before, n)
 WHERE ` + rowsWritten + ` > before`
)

// watchable are the names AfterWrite may watch: they are written into
// markBegin, which BEGIN's message cannot pass as an argument.
var watchable = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// schemaOf is the schema of the portal in ctx, if that portal may be
// served: no portal, or one this process may not serve, fails closed.
func (d *DB) schemaOf(ctx context.Context) (string, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return "", ErrNoTenant
	}
	if !t.Slug.Valid() || !d.Servable(t.Slug) {
		return "", fmt.Errorf("%w: %q", ErrTenantUnavailable, t.Slug)
	}
	return tenant.SchemaFor(t.Slug), nil
}

// The pins at the head of a Read's or a Write's message: the schema, and
// for a Read a read-only transaction, both for this transaction only
// (is_local), so both are gone once it ends.
const (
	pinReadSQL  = `SELECT set_config('search_path', $1, true), set_config('transaction_read_only', 'on', true)`
	pinWriteSQL = `SELECT set_config('search_path', $1, true)`
)

// KeptPlanSQL, queued before a statement in a Read or a Write, makes
// PostgreSQL run that statement on its kept (generic) plan from its first
// use, instead of planning it again for each set of values. It lasts until
// the end of the transaction, so only the statements queued after it in
// the same message are affected. PostgreSQL plans a prepared statement
// again for its values whenever the kept plan is estimated dearer; for a
// statement whose kept plan is known to be good for every value, planning
// is then time spent for nothing. The statement must be kept prepared
// (KeepPrepared), or there is no kept plan.
const KeptPlanSQL = `SELECT set_config('plan_cache_mode', 'force_generic_plan', true)`

// Read sends the queries queued in b in one round trip and runs their
// callbacks (QueuedQuery.Query, QueryRow or Exec) as the answers come. It
// is ReadTx for work whose queries are known before the first answer: the
// pin, then b's queries, travel in one message, and PostgreSQL runs them
// as one implicit transaction that ends with the message (the extended
// protocol's Sync), so neither BEGIN nor COMMIT costs a round trip. The
// pin is set_config(…, true), local to that transaction like SET LOCAL in
// Tx: nothing outlives the message on the pooled connection, and a failed
// query rolls everything back. The transaction is read-only, as ReadTx's.
func (d *DB) Read(ctx context.Context, b *pgx.Batch) error {
	_, err := d.send(ctx, pinReadSQL, b)
	return err
}

// Write is Read for writes: b's statements run in one round trip, all or
// none, in one transaction that commits when PostgreSQL reaches the end
// of the message, before any callback runs. A callback's error is
// returned but undoes nothing, so callbacks only read answers (RETURNING
// rows); a write that must be decided on what it reads first belongs in
// Tx. Like Tx, it tells AfterWrite.
func (d *DB) Write(ctx context.Context, b *pgx.Batch) error {
	hook := d.afterWrite.Load()
	var wrote []string
	if hook != nil && len(hook.watched) > 0 {
		// Noted at the head of the same message and asked at its end,
		// before it commits: no round trip of their own.
		all := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+2)}
		all.Queue(markSQL, hook.watched)
		all.QueuedQueries = append(all.QueuedQueries, b.QueuedQueries...)
		all.Queue(wroteSQL, hook.watched).QueryRow(func(row pgx.Row) error { return row.Scan(&wrote) })
		b = all
	}
	slug, err := d.send(ctx, pinWriteSQL, b)
	if slug != "" && hook != nil {
		// Told even when the message failed: a callback's error comes
		// after the commit, and a page version changed for nothing
		// costs one page drawn again. For the same reason, a failed
		// message counts as having written every watched table.
		if err != nil {
			wrote = slices.Clone(hook.watched)
		}
		hook.f(ctx, slug, wrote)
	}
	return err
}

// send sends pin then b's queries in one message on one connection, and
// returns the portal's slug once the message has left.
func (d *DB) send(ctx context.Context, pin string, b *pgx.Batch) (tenant.Slug, error) {
	schema, err := d.schemaOf(ctx)
	if err != nil {
		return "", err
	}
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return "", fmt.Errorf("db: acquire in %s: %w", schema, err)
	}
	defer conn.Release()
	pinned := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, 1+len(b.QueuedQueries))}
	pinned.Queue(pin, schema)
	pinned.QueuedQueries = append(pinned.QueuedQueries, b.QueuedQueries...)
	if err := d.prepareKept(ctx, conn.Conn(), schema, pinned); err != nil {
		return "", err
	}
	notePinned(conn.Conn(), schema)
	t, _ := tenant.FromContext(ctx)
	if err := conn.SendBatch(ctx, pinned).Close(); err != nil {
		return t.Slug, fmt.Errorf("db: batch in %s: %w", schema, err)
	}
	return t.Slug, nil
}

// AfterWrite sets f to be called after every read-write transaction of a
// portal commits, with the portal's slug and which of the watched tables
// (unqualified names) it wrote rows of: the page cache learns there that
// the portal's pages changed, and whether its people did. Being here,
// below every service, no write can forget to tell it, and PostgreSQL
// itself counts the rows written, whatever the statement. Watching costs
// an interactive write (Tx) one more round trip; a Write none. f runs on
// the writer's goroutine and must be quick.
func (d *DB) AfterWrite(watched []string, f func(ctx context.Context, slug tenant.Slug, wrote []string)) {
	names := make([]string, len(watched))
	for i, w := range watched {
		if !watchable.MatchString(w) {
			panic(fmt.Sprintf("db: AfterWrite cannot watch %q", w))
		}
		names[i] = "'" + w + "'"
	}
	mark := strings.Replace(markSQL, "$1::text[]", "ARRAY["+strings.Join(names, ", ")+"]::text[]", 1)
	d.afterWrite.Store(&afterWrite{watched: slices.Clone(watched), markBegin: mark, f: f})
}

// Beginner is what InSchema needs: a pool or a connection.
type Beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// InSchema runs fn in a transaction whose search_path is schema alone. It is
// the single place where a schema is pinned; Tx and the migrator call it.
func InSchema(ctx context.Context, b Beginner, opts pgx.TxOptions, schema string, fn func(pgx.Tx) error) (err error) {
	return inSchema(ctx, b, opts, schema, "", fn)
}

// inSchema is InSchema, with afterBegin (if any) sent with BEGIN and the
// pin.
func inSchema(ctx context.Context, b Beginner, opts pgx.TxOptions, schema, afterBegin string, fn func(pgx.Tx) error) (err error) {
	// BEGIN and the pin travel in one message, one round trip: SET LOCAL
	// lasts until COMMIT or ROLLBACK, so the setting is gone before the
	// connection is reused. The schema is quoted as an identifier.
	opts.BeginQuery = beginSQL(opts) + "; SET LOCAL search_path TO " + pgx.Identifier{schema}.Sanitize()
	if afterBegin != "" {
		opts.BeginQuery += "; " + afterBegin
	}
	tx, err := b.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("db: begin in schema %s: %w", schema, err)
	}
	defer func() {
		if err != nil {
			// The rollback error adds nothing when the transaction already
			// failed; the original error is what the caller needs.
			_ = tx.Rollback(ctx)
		}
	}()
	// Counted once pinned, whatever happens next: the backend may already
	// have cached the schema's tables.
	notePinned(tx.Conn(), schema)
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("db: commit: %w", err)
	}
	return nil
}

// beginSQL is the BEGIN statement for opts, as pgx would write it.
func beginSQL(opts pgx.TxOptions) string {
	sql := "BEGIN"
	if opts.IsoLevel != "" {
		sql += " ISOLATION LEVEL " + string(opts.IsoLevel)
	}
	if opts.AccessMode != "" {
		sql += " " + string(opts.AccessMode)
	}
	if opts.DeferrableMode != "" {
		sql += " " + string(opts.DeferrableMode)
	}
	return sql
}
