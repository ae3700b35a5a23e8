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
	"github.com/entraide/entraide/internal/testutil"
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
	tests := []struct {
		name   string
		filter help.Filter
	}{
		{"words", help.Filter{Query: "courses"}},
		{"words, near first", help.Filter{Query: "courses", Near: "244400404"}},
		{"words and every filter", help.Filter{Query: "courses", Kind: help.KindOffer, Category: "courses",
			EPCI: "244400404", Date: "2026-12-24", Near: "244400404"}},
	}
	plans := newPlanReader(t, f)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := plans.generic(t, "libre", tc.filter)
			if n := strings.Count(text, "Function Scan on websearch_to_tsquery"); n != 1 {
				t.Errorf("the words are made a query by %d function scans, want 1:\n%s", n, text)
			}
			if strings.Contains(text, "websearch_to_tsquery(") {
				t.Errorf("the plan calls websearch_to_tsquery in a condition or the rank, for every match:\n%s", text)
			}
		})
	}
}

// The list a signed-in person sees first runs on its kept plan
// (help.RunsKeptPlan), made without knowing their EPCI: that plan must read
// the EPCI's posts from posts_listed_epci, whose order is the list's, and
// join only the page's posts by their keys. Reading the portal's newest
// posts until 20 of the EPCI turn up instead read every open post for an
// EPCI with none (68 ms at 9,000 posts), and a hash join read the whole
// table. The portal has enough posts, analysed, for the plan to be the one
// a real portal gets.
func TestListSeenFirstKeptPlanSuitsEveryEPCI(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	a := f.user(t, ctx, "Léa", nantes)
	// Posts in every EPCI of the département, mixed as on a real portal:
	// 3,000 in Nantes Métropole, 300 in each of the others.
	var big int64
	var others []int64
	seen := map[string]bool{}
	for _, c := range f.atlas.Communes("44") {
		if seen[c.EPCI] {
			continue
		}
		seen[c.EPCI] = true
		d := draft("Courses à "+c.Name, "Je cherche quelqu'un pour m'accompagner au marché.")
		d.CommuneCode = c.Code
		p, err := f.svc.Create(ctx, a, d)
		if err != nil {
			t.Fatal(err)
		}
		if c.EPCI == "244400404" {
			big = p.ID
		} else {
			others = append(others, p.ID)
		}
	}
	if len(others) < 10 || big == 0 {
		t.Fatalf("only %d EPCIs in the atlas for Loire-Atlantique", len(seen))
	}
	f.env.CopyPosts(t, ctx, 299, append(others, big)...)
	f.env.CopyPosts(t, ctx, 2700, big)
	plans := newPlanReader(t, f)
	// As autovacuum leaves a real portal: statistics, and the visibility
	// map that index-only scans rely on. VACUUM runs outside a transaction.
	if _, err := plans.conn.Exec(context.Background(), "VACUUM ANALYZE "+tenant.SchemaFor("libre")+".posts"); err != nil {
		t.Fatal(err)
	}
	for _, page := range []int{1, 40} {
		filter := help.Filter{Near: "244400404", Page: page}
		if !help.RunsKeptPlan(filter) {
			t.Fatal("the list seen first does not run on its kept plan")
		}
		t.Run("page "+strconv.Itoa(page), func(t *testing.T) {
			text := plans.generic(t, "libre", filter)
			if !strings.Contains(text, "Scan using posts_listed_epci on posts") {
				t.Errorf("the EPCI's posts are not read from posts_listed_epci:\n%s", text)
			}
			// A join that reads whole tables, or the EPCI found by
			// filtering the portal's newest posts.
			for _, bad := range []string{"Hash Join", "Merge Join", "Filter: (epci_code = $"} {
				if strings.Contains(text, bad) {
					t.Errorf("the plan has %q:\n%s", bad, text)
				}
			}
		})
	}
}

// planReader reads statements' generic plans, as PostgreSQL runs a kept
// statement, on a connection of its own, closed at the end: PREPARE
// outlives transactions, and no other test should find the statements.
type planReader struct {
	f    *fixture
	conn *pgx.Conn
	n    int
}

func newPlanReader(t *testing.T, f *fixture) *planReader {
	t.Helper()
	conn, err := f.env.DB.Pool().Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	hijacked := conn.Hijack()
	t.Cleanup(func() { hijacked.Close(context.Background()) })
	return &planReader{f: f, conn: hijacked}
}

// generic is the generic plan of the list statement for filter in the
// portal slug, without costs.
func (r *planReader) generic(t *testing.T, slug string, filter help.Filter) string {
	t.Helper()
	ctx := context.Background()
	sql, args := help.ListQuery(filter)
	r.n++
	name := "plan_" + strconv.Itoa(r.n)
	// EXPLAIN EXECUTE takes no bound parameters: the values are written
	// out; a generic plan does not look at them anyway.
	values := make([]string, len(args))
	for n, v := range args {
		values[n] = literal(t, v)
	}
	var plan []string
	err := db.InSchema(ctx, r.conn, pgx.TxOptions{}, tenant.SchemaFor(tenant.Slug(slug)), func(tx pgx.Tx) error {
		var err error
		plan, err = testutil.KeptPlan(ctx, tx, name, sql, "COSTS OFF", values...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "\n")
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

// The list seen first runs on its kept plan from its first request: List
// sends db.KeptPlanSQL before it, and PostgreSQL counts no plan made for
// the values. The other lists are left to PostgreSQL's choice. Read on a
// database handle of one connection, so that the counts are that
// connection's.
func TestListSeenFirstIsNeverPlannedAgain(t *testing.T) {
	f := newFixture(t)
	one := testutil.Open(t, f.env.URL, 1)
	one.SetServable([]tenant.Slug{"libre"})
	svc := help.New(help.Deps{DB: one}) // List needs nothing else
	ctx := f.env.Ctx(t, "libre")
	tests := []struct {
		name    string
		filter  help.Filter
		generic bool
	}{
		{"seen first", help.Filter{Near: "244400404"}, true},
		{"seen first, page 3", help.Filter{Near: "244400404", Page: 3}, true},
		{"seen first, one kind", help.Filter{Near: "244400404", Kind: help.KindOffer}, false},
		{"newest first", help.Filter{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if help.RunsKeptPlan(tc.filter) != tc.generic {
				t.Fatalf("RunsKeptPlan = %v", !tc.generic)
			}
			for range 3 {
				if _, _, err := svc.List(ctx, tc.filter); err != nil {
					t.Fatal(err)
				}
			}
			sql, _ := help.ListQuery(tc.filter)
			var generic, custom int64
			err := one.ReadTx(ctx, func(tx pgx.Tx) error {
				return tx.QueryRow(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1`, sql).Scan(&generic, &custom)
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.generic && (generic < 3 || custom != 0) {
				t.Errorf("%d generic plans, %d custom ones; want every run on the kept plan", generic, custom)
			}
			if !tc.generic && custom == 0 {
				t.Errorf("%d generic plans, %d custom ones; want PostgreSQL's choice (custom plans for the first five runs)", generic, custom)
			}
		})
	}
}

// A kept plan is the connection's, not the portal's: the list seen first,
// run on its kept plan, alternately for two portals on one connection,
// shows each portal its own posts only (PostgreSQL plans it again when the
// schema changes).
func TestListSeenFirstKeptPlanKeepsToItsPortal(t *testing.T) {
	f := newFixture(t)
	one := testutil.Open(t, f.env.URL, 1)
	one.SetServable([]tenant.Slug{"libre", "relu"})
	svc := help.New(help.Deps{DB: one}) // List needs nothing else
	for _, slug := range []string{"libre", "relu"} {
		ctx := f.env.Ctx(t, slug)
		a := f.user(t, ctx, "Léa", nantes)
		p, err := f.svc.Create(ctx, a, draft("Annonce de "+slug, "Une annonce qui n'existe que sur ce portail."))
		if err != nil {
			t.Fatal(err)
		}
		f.show(t, ctx, p.ID) // relu premoderates
	}
	filter := help.Filter{Near: "244400404"}
	for round := range 4 {
		for _, slug := range []string{"libre", "relu"} {
			list, total, err := svc.List(f.env.Ctx(t, slug), filter)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || total != 1 || list[0].Title != "Annonce de "+slug {
				titles := make([]string, len(list))
				for i, p := range list {
					titles[i] = p.Title
				}
				t.Fatalf("round %d, %s: %v (total %d)", round, slug, titles, total)
			}
		}
	}
}
