package help_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// A search's words become a text-search query once per statement, in its
// FROM, and never again for each match: the statements are kept prepared,
// and a kept (generic) plan cannot work out websearch_to_tsquery($n) in
// advance, so written in the condition or the rank it ran for every post
// that matched (half the statement's time at 1,000 matches). The test reads
// each ranked statement's generic plan, as PostgreSQL runs it once kept.
func TestSearchMakesItsQueryOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	tests := []struct {
		name   string
		filter help.Filter
	}{
		{"words", help.Filter{Query: "courses"}},
		{"words, near first", help.Filter{Query: "courses", Near: "244400404"}},
		{"words and every filter", help.Filter{Query: "courses", Kind: help.KindOffer, Category: "courses",
			EPCI: "244400404", Date: "2026-12-24", Near: "244400404"}},
	}
	// One connection of its own, closed at the end: PREPARE outlives
	// transactions, and no other test should find the statement.
	conn, err := f.env.DB.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hijacked := conn.Hijack()
	defer hijacked.Close(ctx)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sql, args := help.ListQuery(tc.filter)
			name := "search_plan_" + strconv.Itoa(i)
			// EXPLAIN EXECUTE takes no bound parameters: the values are
			// written out; a generic plan does not look at them anyway.
			values := make([]string, len(args))
			for n, v := range args {
				values[n] = literal(t, v)
			}
			var plan []string
			err := db.InSchema(ctx, hijacked, pgx.TxOptions{}, tenant.SchemaFor("libre"), func(tx pgx.Tx) error {
				for _, stmt := range []string{"SET LOCAL plan_cache_mode = force_generic_plan", "PREPARE " + name + " AS " + sql} {
					if _, err := tx.Exec(ctx, stmt); err != nil {
						return err
					}
				}
				rows, err := tx.Query(ctx, "EXPLAIN (COSTS OFF) EXECUTE "+name+"("+strings.Join(values, ", ")+")")
				if err != nil {
					return err
				}
				plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			text := strings.Join(plan, "\n")
			if n := strings.Count(text, "Function Scan on websearch_to_tsquery"); n != 1 {
				t.Errorf("the words are made a query by %d function scans, want 1:\n%s", n, text)
			}
			if strings.Contains(text, "websearch_to_tsquery(") {
				t.Errorf("the plan calls websearch_to_tsquery in a condition or the rank, for every match:\n%s", text)
			}
		})
	}
}

// literal is v written as an SQL constant, for the list statements'
// arguments (text, numbers and a date).
func literal(t *testing.T, v any) string {
	t.Helper()
	switch v := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case int:
		return strconv.Itoa(v)
	case time.Time:
		return "'" + v.Format(time.DateOnly) + "'"
	}
	t.Fatalf("no literal for %T", v)
	return ""
}
