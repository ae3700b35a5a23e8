// Package category owns the categories of help a portal offers: it copies
// them from the portal's configuration into the portal's schema, and lists
// them. The configuration file is the source of truth; the table exists so
// that posts can reference a category and keep doing so once it is archived.
package category

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// Category is a category as stored in the portal's schema.
type Category struct {
	ID          int64
	Code        string
	Label       tenant.Text
	Description tenant.Text
}

// SQL of this package, in one place. Table names are unqualified: the
// transaction is pinned to the portal's schema.
const (
	upsertSQL = `
INSERT INTO categories (code, label, description, position)
VALUES ($1, $2::jsonb, $3::jsonb, $4)
ON CONFLICT (code) DO UPDATE
   SET label = EXCLUDED.label, description = EXCLUDED.description,
       position = EXCLUDED.position, archived_at = NULL, updated_at = now()
 WHERE (categories.label, categories.description, categories.position, categories.archived_at)
       IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.description, EXCLUDED.position, NULL)`

	archiveMissingSQL = `
UPDATE categories SET archived_at = now(), updated_at = now()
 WHERE archived_at IS NULL AND NOT (code = ANY($1))`

	listActiveSQL = `
SELECT id, code, label, description FROM categories
 WHERE archived_at IS NULL ORDER BY position, code`
)

// Sync makes the stored categories match the configured ones: new ones are
// added, changed ones updated, and ones no longer configured archived.
func Sync(ctx context.Context, tx pgx.Tx, configured []tenant.Category) error {
	codes := make([]string, len(configured))
	for i, c := range configured {
		codes[i] = c.Code
		// Sent as JSON text: the pool's exec mode does not guess a
		// PostgreSQL type from a Go map.
		label, err := json.Marshal(c.Label)
		if err != nil {
			return fmt.Errorf("category: encode %s: %w", c.Code, err)
		}
		desc, err := json.Marshal(c.Description)
		if err != nil {
			return fmt.Errorf("category: encode %s: %w", c.Code, err)
		}
		if _, err := tx.Exec(ctx, upsertSQL, c.Code, string(label), string(desc), i); err != nil {
			return fmt.Errorf("category: save %s: %w", c.Code, err)
		}
	}
	if _, err := tx.Exec(ctx, archiveMissingSQL, codes); err != nil {
		return fmt.Errorf("category: archive removed categories: %w", err)
	}
	return nil
}

// ListActive returns the categories that are not archived, in the
// configured order.
func ListActive(ctx context.Context, tx pgx.Tx) ([]Category, error) {
	rows, err := tx.Query(ctx, listActiveSQL)
	if err != nil {
		return nil, fmt.Errorf("category: list: %w", err)
	}
	return collectActive(rows)
}

// QueueActive queues ListActive's query in b, for a page that reads the
// categories with other things in one round trip (db.DB.Read): *out
// holds them once b is sent.
func QueueActive(b *pgx.Batch, out *[]Category) {
	b.Queue(listActiveSQL).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = collectActive(rows)
		return err
	})
}

func collectActive(rows pgx.Rows) ([]Category, error) {
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Category, error) {
		var c Category
		err := r.Scan(&c.ID, &c.Code, &c.Label, &c.Description)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("category: list: %w", err)
	}
	return out, nil
}

// Provision copies a portal's configured categories into its schema; the
// migrator calls it after migrating each portal.
func Provision(ctx context.Context, tx pgx.Tx, t *tenant.Tenant) error {
	return Sync(ctx, tx, t.Categories)
}
