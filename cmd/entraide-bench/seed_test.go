package main

import (
	"context"
	"testing"

	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// A seed is reused only when the database says it holds what is asked:
// a missing database, one without a comment or with another comment is
// seeded again, whatever directory the results go to.
func TestSeedManifestIsTheDatabasesComment(t *testing.T) {
	ctx := context.Background()
	logf := func(string, ...any) {}
	seeded := seedManifest{Version: seedVersion, Tenants: 100, People: 2000, Posts: 10000, SearchPosts: 100000,
		Events: 300, Conversations: 1000}

	missing, err := withDatabase(testutil.ServerURL(), "entraide_bench_test_no_such_database")
	if err != nil {
		t.Fatal(err)
	}
	if have, err := readSeedManifest(ctx, missing, logf); err != nil || have != (seedManifest{}) {
		t.Fatalf("a missing database: %+v, %v; want nothing", have, err)
	}

	// A server that does not answer is not a missing seed: nothing is dropped.
	if _, err := readSeedManifest(ctx, "postgres://postgres@127.0.0.1:1/entraide_bench_1?sslmode=disable&connect_timeout=2", logf); err == nil {
		t.Fatal("no server: no error")
	}

	tests := []struct {
		name    string
		comment string // "" for none
		write   bool   // writeSeedManifest(seeded)
		want    seedManifest
	}{
		{name: "no comment", want: seedManifest{}},
		// The quote is the server's to quote, as in writeSeedManifest.
		{name: "another comment", comment: "la base de l'équipe", want: seedManifest{}},
		{name: "a whole seed", write: true, want: seeded},
		{name: "over an earlier comment", comment: `{"version": 0}`, write: true, want: seeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := testutil.NewDatabase(t)
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if tt.comment != "" {
				var stmt string
				if err := conn.QueryRow(ctx, `SELECT format('COMMENT ON DATABASE %I IS %L', current_database(), $1::text)`,
					tt.comment).Scan(&stmt); err != nil {
					t.Fatal(err)
				}
				if _, err := conn.Exec(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
			if tt.write {
				if err := writeSeedManifest(ctx, conn, seeded); err != nil {
					t.Fatal(err)
				}
			}
			have, err := readSeedManifest(ctx, url, logf)
			if err != nil {
				t.Fatal(err)
			}
			if have != tt.want {
				t.Fatalf("read %+v, want %+v", have, tt.want)
			}
		})
	}
}
