package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/entraide/entraide/internal/category"
	"github.com/entraide/entraide/internal/config"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/migrate"
	"github.com/entraide/entraide/internal/tenant"
)

func dbOptions(cfg config.Config) db.Options {
	return db.Options{URL: cfg.DatabaseURL, MaxConns: cfg.DBMaxConns, MaxConnLifetime: cfg.DBMaxConnLifetime,
		MaxConnIdleTime: cfg.DBMaxConnIdleTime, MaxConnSchemas: cfg.DBMaxConnSchemas}
}

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	stopProfile, err := startProfile("migrate")
	if err != nil {
		return err
	}
	defer func() {
		if err := stopProfile(); err != nil {
			fmt.Fprintln(stderr, "migrate profile:", err)
		}
	}()
	var createDB bool
	cfg, err := commonFlags("migrate", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&createDB, "create-database", false, "create the database first if it does not exist")
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	_, reg, err := loadPortals(cfg, stderr)
	if err != nil {
		return err
	}
	if createDB {
		created, err := db.EnsureDatabase(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		if created {
			fmt.Fprintln(stdout, "database created")
		}
	}
	opts := dbOptions(cfg)
	// The command's connections end with it: closing each one after it has
	// migrated db_max_conn_schemas portals would only cost new connections
	// (and PostgreSQL rebuilds its catalog caches for each).
	opts.MaxConnSchemas = 0
	d, err := db.Open(ctx, opts)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := migrateAll(ctx, cfg, d, reg, log, stdout); err != nil {
		fmt.Fprintln(stderr, err)
		return errExit
	}
	return nil
}

// migrateAll migrates the platform schema, River's tables and every portal,
// printing one line per portal. It returns the portals that succeeded and an
// error naming every failure.
func migrateAll(ctx context.Context, cfg config.Config, d *db.DB, reg *tenant.Registry, log *slog.Logger, out io.Writer) ([]tenant.Slug, error) {
	m, err := migrate.New(d.Pool(), log, cfg.MigrateConcurrency, category.Provision)
	if err != nil {
		return nil, err
	}
	if err := m.Platform(ctx); err != nil {
		return nil, err
	}
	if err := jobs.Migrate(ctx, d.Pool()); err != nil {
		return nil, err
	}
	var ok []tenant.Slug
	var failed int
	for _, r := range m.Tenants(ctx, reg.All()) {
		switch {
		case r.Err != nil:
			failed++
			fmt.Fprintf(out, "FAILED %-16s stays at version %d: %v\n", r.Slug, r.To, r.Err)
		case len(r.Applied) > 0:
			ok = append(ok, r.Slug)
			fmt.Fprintf(out, "ok     %-16s version %d -> %d\n", r.Slug, r.From, r.To)
		default:
			ok = append(ok, r.Slug)
			fmt.Fprintf(out, "ok     %-16s version %d (up to date)\n", r.Slug, r.To)
		}
	}
	if failed > 0 {
		return ok, fmt.Errorf("%d of %d portal(s) failed to migrate (see above); the others are up to date", failed, len(reg.All()))
	}
	return ok, nil
}

func migrateCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := commonFlags("migrate check", args, stderr, nil)
	if err != nil {
		return err
	}
	_, reg, err := loadPortals(cfg, stderr)
	if err != nil {
		return err
	}
	d, err := db.Open(ctx, dbOptions(cfg))
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := migrate.New(d.Pool(), newLogger(cfg, stderr), cfg.MigrateConcurrency, nil)
	if err != nil {
		return err
	}
	statuses, err := m.Check(ctx, reg.All())
	if err != nil {
		return err
	}
	bad := false
	for _, s := range statuses {
		if s.Problem != "" {
			bad = true
			fmt.Fprintf(stdout, "behind %-16s %s\n", s.Slug, s.Problem)
		}
	}
	drifts, err := m.Drifts(ctx, reg.All())
	if err != nil {
		return err
	}
	for _, d := range drifts {
		bad = true
		fmt.Fprintln(stdout, d.String())
	}
	if bad {
		return errExit
	}
	fmt.Fprintf(stdout, "%d portal schema(s) at version %d, identical to a fresh schema\n", len(statuses), m.Latest())
	return nil
}
