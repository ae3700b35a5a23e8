// Package jobs runs background work (emails, expiry, reminders) on River, a
// job queue built on PostgreSQL and pgx. River's tables live in the platform
// schema; the portal a job is for travels in the job's arguments, never in a
// global, and the worker puts that portal in the context before the job's own
// code runs, so its database access lands in the right schema.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// Schema is where River keeps its tables.
const Schema = db.PlatformSchema

// TenantArgs is embedded in every job's arguments.
type TenantArgs struct {
	Tenant tenant.Slug `json:"tenant"`
}

// TenantSlug returns the portal the job is for.
func (a TenantArgs) TenantSlug() tenant.Slug { return a.Tenant }

// For returns the TenantArgs of the portal in ctx, to embed in new job
// arguments: jobs.For(ctx) is the only way call sites name the portal.
func For(ctx context.Context) TenantArgs {
	t, _ := tenant.FromContext(ctx)
	if t == nil {
		return TenantArgs{}
	}
	return TenantArgs{Tenant: t.Slug}
}

// Args is what every job's arguments must be: a River job kind that says
// which portal it is for.
type Args interface {
	river.JobArgs
	TenantSlug() tenant.Slug
}

// ErrWrongTenant means a job was enqueued for another portal than the one in
// the context, or for none.
var ErrWrongTenant = errors.New("jobs: job arguments name another portal than the context")

// Workers is the set of job kinds this process can run.
type Workers struct {
	river    *river.Workers
	registry *tenant.Registry
	log      *slog.Logger
	count    int
	periodic []periodic
}

// periodic is a job made for every portal at a fixed interval.
type periodic struct {
	every time.Duration
	make  func(TenantArgs) river.JobArgs
}

// Periodic makes a job of kind T for every portal at each interval (and
// once at start). Only River's elected leader enqueues them, so several
// instances do not run them twice.
func Periodic[T Args](ws *Workers, every time.Duration, make func(TenantArgs) T) {
	ws.periodic = append(ws.periodic, periodic{every: every, make: func(a TenantArgs) river.JobArgs { return make(a) }})
}

// NewWorkers returns an empty set. Jobs for portals unknown to registry are
// cancelled, never run against a guessed schema.
func NewWorkers(registry *tenant.Registry, log *slog.Logger) *Workers {
	return &Workers{river: river.NewWorkers(), registry: registry, log: log}
}

// Add registers the function that runs jobs of kind T. It runs with the
// job's portal in its context.
func Add[T Args](ws *Workers, work func(ctx context.Context, job *river.Job[T]) error) {
	ws.count++
	river.AddWorker(ws.river, river.WorkFunc(func(ctx context.Context, job *river.Job[T]) error {
		slug := job.Args.TenantSlug()
		t, ok := ws.registry.BySlug(slug)
		if !ok {
			// Retrying cannot make an unknown portal known: cancel, loudly.
			ws.log.Error("job for unknown portal cancelled", "kind", job.Kind, "job_id", job.ID, "tenant", slug)
			return river.JobCancel(fmt.Errorf("jobs: %s job %d names unknown portal %q", job.Kind, job.ID, slug))
		}
		return work(tenant.WithTenant(ctx, t), job)
	}))
}

// Queue inserts jobs and, once started, works them.
type Queue struct {
	client  *river.Client[pgx.Tx]
	working bool
}

// New returns a queue on pool. With no workers registered it only inserts.
// The pool should use pgx's default query mode: River's SQL names its schema
// explicitly, so caching its statements is safe.
func New(pool *pgxpool.Pool, ws *Workers, log *slog.Logger) (*Queue, error) {
	cfg := &river.Config{Schema: Schema, Logger: log}
	working := ws != nil && ws.count > 0
	if working {
		cfg.Workers = ws.river
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}}
		for _, p := range ws.periodic {
			for _, t := range ws.registry.All() {
				args := TenantArgs{Tenant: t.Slug}
				make := p.make
				cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(p.every),
					func() (river.JobArgs, *river.InsertOpts) { return make(args), nil },
					&river.PeriodicJobOpts{RunOnStart: true}))
			}
		}
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: create client: %w", err)
	}
	return &Queue{client: client, working: working}, nil
}

// FromContext returns the queue a running job belongs to, so a job can
// enqueue others (an email, say) without holding the queue itself.
func FromContext(ctx context.Context) (*Queue, error) {
	client, err := river.ClientFromContextSafely[pgx.Tx](ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: not inside a job: %w", err)
	}
	return &Queue{client: client, working: true}, nil
}

// Start begins working jobs, if any worker is registered.
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop waits for running jobs to finish, or for ctx to end.
func (q *Queue) Stop(ctx context.Context) error {
	if !q.working {
		return nil
	}
	return q.client.Stop(ctx)
}

// Enqueue inserts a job for the portal in ctx. The arguments must name that
// same portal (use For(ctx)); anything else is refused.
func Enqueue(ctx context.Context, q *Queue, args Args) error {
	t, ok := tenant.FromContext(ctx)
	if !ok || args.TenantSlug() == "" || args.TenantSlug() != t.Slug {
		return fmt.Errorf("%w (%s job)", ErrWrongTenant, args.Kind())
	}
	if _, err := q.client.Insert(ctx, args, nil); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// Migrate creates or upgrades River's tables. River runs each of its
// versions in a transaction of its own (some add enum values, which cannot be
// used in the transaction that adds them), so the guard against two instances
// racing is a session-level advisory lock held on a dedicated connection for
// the duration, and released before that connection returns to the pool.
func Migrate(ctx context.Context, pool *pgxpool.Pool) (err error) {
	migrator, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Schema: Schema})
	if err != nil {
		return fmt.Errorf("jobs: migrator: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	defer conn.Release()
	const lockKey = `hashtext('entraide.migrate'), hashtext('river')`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("jobs: migrate lock: %w", err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(`+lockKey+`)`); uerr != nil {
			// A lock we cannot release must not go back to the pool.
			conn.Conn().Close(context.WithoutCancel(ctx)) //nolint:errcheck // closing is the remedy
			err = errors.Join(err, fmt.Errorf("jobs: migrate unlock: %w", uerr))
		}
	}()
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}
