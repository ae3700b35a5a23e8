package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// AfterWrite hears of every committed read-write transaction, with its
// portal, and of nothing else: not a read, not a rolled-back write.
func TestAfterWriteHearsCommittedWritesOnly(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	var mu sync.Mutex
	var heard []tenant.Slug
	env.DB.AfterWrite(func(_ context.Context, s tenant.Slug) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, s)
	})
	touch := func(tx pgx.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE categories SET position = position WHERE code = 'courses'`)
		return err
	}
	failed := errors.New("refused")
	cases := []struct {
		name string
		run  func() error
		want []tenant.Slug
	}{
		{"a write on alpha", func() error { return env.DB.Tx(env.Ctx(t, "alpha"), touch) }, []tenant.Slug{"alpha"}},
		{"a write on beta", func() error { return env.DB.Tx(env.Ctx(t, "beta"), touch) }, []tenant.Slug{"beta"}},
		{"a read", func() error {
			return env.DB.ReadTx(env.Ctx(t, "alpha"), func(tx pgx.Tx) error { return nil })
		}, nil},
		{"a write in one round trip on beta", func() error {
			b := &pgx.Batch{}
			b.Queue(`UPDATE categories SET position = position WHERE code = 'courses'`)
			return env.DB.Write(env.Ctx(t, "beta"), b)
		}, []tenant.Slug{"beta"}},
		{"a read in one round trip", func() error {
			b := &pgx.Batch{}
			b.Queue(`SELECT 1 FROM categories`)
			return env.DB.Read(env.Ctx(t, "alpha"), b)
		}, nil},
		{"a write rolled back", func() error {
			err := env.DB.Tx(env.Ctx(t, "alpha"), func(tx pgx.Tx) error {
				if err := touch(tx); err != nil {
					return err
				}
				return failed
			})
			if errors.Is(err, failed) {
				return nil
			}
			return err
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			heard = nil
			mu.Unlock()
			if err := tc.run(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(heard) != len(tc.want) || (len(heard) == 1 && heard[0] != tc.want[0]) {
				t.Fatalf("heard %v, want %v", heard, tc.want)
			}
		})
	}
}
