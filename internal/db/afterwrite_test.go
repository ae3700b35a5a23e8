package db_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// AfterWrite hears of every committed read-write transaction, with its
// portal and which watched tables it wrote rows of, and of nothing else:
// not a read, not a rolled-back write.
func TestAfterWriteHearsCommittedWritesOnly(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	type heard struct {
		portal tenant.Slug
		wrote  string
	}
	var mu sync.Mutex
	var got []heard
	env.DB.AfterWrite([]string{"users", "reports"}, func(_ context.Context, s tenant.Slug, wrote []string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, heard{s, strings.Join(wrote, ",")})
	})
	exec := func(sql string) func(tx pgx.Tx) error {
		return func(tx pgx.Tx) error {
			_, err := tx.Exec(context.Background(), sql)
			return err
		}
	}
	write := func(slug string, sqls ...string) func() error {
		return func() error {
			b := &pgx.Batch{}
			for _, sql := range sqls {
				b.Queue(sql)
			}
			return env.DB.Write(env.Ctx(t, slug), b)
		}
	}
	const (
		touch     = `UPDATE categories SET position = position WHERE code = 'courses'`
		newPerson = `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code)
		             VALUES ('lea@example.org', 'lea@example.org', 'Léa', 'x', '44109', '244400404')`
		rename   = `UPDATE users SET display_name = 'Léa Martin'`
		noPerson = `UPDATE users SET display_name = 'personne' WHERE id = -1`
		goodbye  = `DELETE FROM users`
	)
	failed := errors.New("refused")
	cases := []struct {
		name string
		run  func() error
		want []heard
	}{
		{"a write on alpha", func() error { return env.DB.Tx(env.Ctx(t, "alpha"), exec(touch)) }, []heard{{"alpha", ""}}},
		{"a write on beta", func() error { return env.DB.Tx(env.Ctx(t, "beta"), exec(touch)) }, []heard{{"beta", ""}}},
		{"a person added on alpha", func() error { return env.DB.Tx(env.Ctx(t, "alpha"), exec(newPerson)) }, []heard{{"alpha", "users"}}},
		{"a person changed on alpha, in one round trip", write("alpha", touch, rename), []heard{{"alpha", "users"}}},
		{"a statement on people that changes nobody", write("alpha", noPerson), []heard{{"alpha", ""}}},
		{"a person deleted on alpha", func() error { return env.DB.Tx(env.Ctx(t, "alpha"), exec(goodbye)) }, []heard{{"alpha", "users"}}},
		{"a read", func() error {
			return env.DB.ReadTx(env.Ctx(t, "alpha"), func(tx pgx.Tx) error { return nil })
		}, nil},
		{"a write in one round trip on beta", write("beta", touch), []heard{{"beta", ""}}},
		{"a read in one round trip", func() error {
			b := &pgx.Batch{}
			b.Queue(`SELECT 1 FROM users`)
			return env.DB.Read(env.Ctx(t, "alpha"), b)
		}, nil},
		{"a write rolled back", func() error {
			err := env.DB.Tx(env.Ctx(t, "alpha"), func(tx pgx.Tx) error {
				if err := exec(newPerson)(tx); err != nil {
					return err
				}
				return failed
			})
			if errors.Is(err, failed) {
				return nil
			}
			return err
		}, nil},
		// A failed message may have committed before the callback that
		// failed: every watched table counts as written.
		{"a write in one round trip that fails", func() error {
			if write("beta", touch, `SELECT 1/0`)() == nil {
				return errors.New("division by zero went through")
			}
			return nil
		}, []heard{{"beta", "users,reports"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			if err := tc.run(); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, tc.want) {
				t.Fatalf("heard %v, want %v", got, tc.want)
			}
		})
	}
}
