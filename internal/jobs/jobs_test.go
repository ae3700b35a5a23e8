package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// markArgs is a job that records, in whatever schema its transaction lands
// in, that it ran.
type markArgs struct {
	TenantArgs
	Marker string `json:"marker"`
}

func (markArgs) Kind() string { return "test_mark" }

type ran struct {
	slug   tenant.Slug
	schema string
}

func TestJobRunsInItsOwnPortalSchema(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	queuePool, err := db.OpenQueuePool(ctx, db.Options{URL: env.URL, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer queuePool.Close()
	if err := Migrate(ctx, queuePool); err != nil {
		t.Fatal(err)
	}
	// Migrating twice is harmless (serve and migrate both do it).
	if err := Migrate(ctx, queuePool); err != nil {
		t.Fatal(err)
	}

	runs := make(chan ran, 4)
	ws := NewWorkers(env.Registry, testutil.Logger())
	Add(ws, func(ctx context.Context, job *river.Job[markArgs]) error {
		var schema string
		err := env.DB.Tx(ctx, func(tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO categories (code, label, description, position) VALUES ($1, '{}', '{}', 99)`, job.Args.Marker)
			return err
		})
		t, _ := tenant.FromContext(ctx)
		runs <- ran{slug: t.Slug, schema: schema}
		return err
	})
	q, err := New(queuePool, ws, testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := q.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()

	ctxA, ctxB := env.Ctx(t, "alpha"), env.Ctx(t, "beta")
	for _, c := range []struct {
		ctx    context.Context
		marker string
	}{{ctxA, "job_alpha"}, {ctxB, "job_beta"}} {
		if err := Enqueue(c.ctx, q, markArgs{TenantArgs: For(c.ctx), Marker: c.marker}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[tenant.Slug]string{}
	for len(seen) < 2 {
		select {
		case r := <-runs:
			seen[r.slug] = r.schema
		case <-ctx.Done():
			t.Fatalf("jobs did not run in time; seen %v", seen)
		}
	}
	if seen["alpha"] != "tenant_alpha" || seen["beta"] != "tenant_beta" {
		t.Fatalf("jobs ran in schemas %v", seen)
	}
	for _, c := range []struct {
		ctx        context.Context
		own, other string
	}{{ctxA, "job_alpha", "job_beta"}, {ctxB, "job_beta", "job_alpha"}} {
		var own, other bool
		err := env.DB.ReadTx(c.ctx, func(tx pgx.Tx) error {
			return tx.QueryRow(c.ctx, `SELECT bool_or(code = $1), bool_or(code = $2) FROM categories`, c.own, c.other).Scan(&own, &other)
		})
		if err != nil {
			t.Fatal(err)
		}
		if !own || other {
			t.Fatalf("row of job %s present=%v, row of job %s present=%v", c.own, own, c.other, other)
		}
	}

	// A job naming a portal this process does not know is cancelled without
	// running: inserted behind Enqueue's back, as a forged row would be.
	res, err := q.client.Insert(ctx, markArgs{TenantArgs: TenantArgs{Tenant: "ghost"}, Marker: "job_ghost"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		job, err := q.client.JobGet(ctx, res.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if job.State == rivertype.JobStateCancelled {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("forged job state = %s, want cancelled", job.State)
		}
		time.Sleep(50 * time.Millisecond)
	}
	select {
	case r := <-runs:
		t.Fatalf("the forged job ran as %+v", r)
	default:
	}
}

func TestEnqueueRefusesAnotherPortal(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	queuePool, err := db.OpenQueuePool(context.Background(), db.Options{URL: env.URL, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer queuePool.Close()
	q, err := New(queuePool, nil, testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	ctxA, ctxB := env.Ctx(t, "alpha"), env.Ctx(t, "beta")
	tests := []struct {
		name string
		ctx  context.Context
		args markArgs
	}{
		{"args of another portal", ctxA, markArgs{TenantArgs: For(ctxB)}},
		{"no portal in args", ctxA, markArgs{}},
		{"no portal in context", context.Background(), markArgs{TenantArgs: For(ctxA)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Enqueue(tc.ctx, q, tc.args); !errors.Is(err, ErrWrongTenant) {
				t.Fatalf("Enqueue error = %v, want ErrWrongTenant", err)
			}
		})
	}
}
