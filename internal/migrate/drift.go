package migrate

import (
	"context"
	"fmt"
	"strings"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// referenceSchema is built from the migrations inside a transaction that is
// always rolled back, so it never exists outside a drift check.
const referenceSchema = "entraide_reference"

// describeSQL lists, one line per object, everything a migration can shape
// in a schema: columns, constraints, indexes, views, functions and triggers.
// PostgreSQL qualifies names with their schema or not depending on the
// search_path of the moment; the schema's own qualifier is removed and any
// other mention replaced by "<schema>", so two schemas compare.
const describeSQL = `
WITH objs AS (
  SELECT format('column %s.%s %s null=%s default=%s identity=%s generated=%s',
                c.table_name, c.column_name, c.data_type || coalesce('(' || c.character_maximum_length || ')', ''),
                c.is_nullable, coalesce(c.column_default, '-'), coalesce(c.identity_generation, '-'),
                coalesce(c.generation_expression, '-')) AS line
    FROM information_schema.columns c WHERE c.table_schema = $1
  UNION ALL
  SELECT format('constraint %s.%s %s', r.relname, k.conname, pg_get_constraintdef(k.oid))
    FROM pg_constraint k JOIN pg_class r ON r.oid = k.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace
   WHERE n.nspname = $1
  UNION ALL
  SELECT format('index %s', pg_get_indexdef(i.indexrelid))
    FROM pg_index i JOIN pg_class r ON r.oid = i.indexrelid JOIN pg_namespace n ON n.oid = r.relnamespace
   WHERE n.nspname = $1
  UNION ALL
  SELECT format('view %s %s', v.relname, pg_get_viewdef(v.oid))
    FROM pg_class v JOIN pg_namespace n ON n.oid = v.relnamespace
   WHERE n.nspname = $1 AND v.relkind IN ('v', 'm')
  UNION ALL
  SELECT format('function %s', pg_get_functiondef(p.oid))
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname = $1
  UNION ALL
  SELECT format('trigger %s', pg_get_triggerdef(t.oid))
    FROM pg_trigger t JOIN pg_class r ON r.oid = t.tgrelid JOIN pg_namespace n ON n.oid = r.relnamespace
   WHERE n.nspname = $1 AND NOT t.tgisinternal
)
SELECT replace(replace(line, quote_ident($1) || '.', ''), $1, '<schema>') FROM objs ORDER BY 1`

// Describe returns the normalised description of a schema, one line per
// object, sorted.
func Describe(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, schema string) ([]string, error) {
	rows, err := q.Query(ctx, describeSQL, schema)
	if err != nil {
		return nil, fmt.Errorf("describe schema %s: %w", schema, err)
	}
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("describe schema %s: %w", schema, err)
	}
	return lines, nil
}

// Drift is how one portal's schema differs from a fresh one.
type Drift struct {
	Slug    tenant.Slug
	Missing []string // in a fresh schema, not in the portal's
	Extra   []string // in the portal's, not in a fresh schema
}

// Drifts compares each portal's schema with one built fresh from the
// migrations and returns the portals that differ.
func (m *Migrator) Drifts(ctx context.Context, tenants []*tenant.Tenant) ([]Drift, error) {
	var reference []string
	err := db.InSchema(ctx, m.pool, pgx.TxOptions{}, referenceSchema, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{referenceSchema}.Sanitize()); err != nil {
			return err
		}
		for _, mig := range m.tenant {
			if _, err := tx.Exec(ctx, mig.SQL); err != nil {
				return fmt.Errorf("%s: %w", mig.Name, err)
			}
		}
		var err error
		reference, err = Describe(ctx, tx, referenceSchema)
		if err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		return nil, fmt.Errorf("migrate: build reference schema: %w", err)
	}

	var out []Drift
	for _, t := range tenants {
		var got []string
		err := db.InSchema(ctx, m.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, t.Schema(), func(tx pgx.Tx) error {
			var err error
			got, err = Describe(ctx, tx, t.Schema())
			return err
		})
		if err != nil {
			return nil, err
		}
		if d := diff(t.Slug, reference, got); len(d.Missing)+len(d.Extra) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// errRollback makes InSchema roll the reference schema back.
var errRollback = fmt.Errorf("rollback reference schema")

func diff(slug tenant.Slug, want, got []string) Drift {
	d := Drift{Slug: slug}
	in := func(list []string) map[string]bool {
		m := make(map[string]bool, len(list))
		for _, l := range list {
			m[l] = true
		}
		return m
	}
	wantSet, gotSet := in(want), in(got)
	for _, l := range want {
		if !gotSet[l] {
			d.Missing = append(d.Missing, l)
		}
	}
	for _, l := range got {
		if !wantSet[l] {
			d.Extra = append(d.Extra, l)
		}
	}
	return d
}

// String describes the drift for a person.
func (d Drift) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "portal %s differs from a fresh schema:", d.Slug)
	for _, l := range d.Missing {
		fmt.Fprintf(&b, "\n  missing: %s", l)
	}
	for _, l := range d.Extra {
		fmt.Fprintf(&b, "\n  extra:   %s", l)
	}
	return b.String()
}
