package db

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Statements sent by Read and Write are parsed, analysed and planned by
// PostgreSQL every time (QueryExecModeExec, see Open). For the few that
// every page sends (a person's row, a page of the list) parsing and
// analysing cost as much as running them, so they can be kept prepared on
// each connection: Read and Write then send only their arguments, and the
// answers come in binary, cheaper to read than text.
//
// That is safe across portals for two reasons, both of which a statement
// kept prepared must respect. PostgreSQL analyses a prepared statement
// again whenever search_path differs from the one it was analysed under,
// so the same statement reads each portal's own tables (a test alternates
// two portals on one connection). And pgx keeps, per statement, the types
// of its parameters and columns: they are the same in every schema only if
// the statement takes and returns built-in types, not a type created in a
// portal's schema (the migrations create none).

// preparedKey is where a connection keeps the set of statements prepared
// on it, in pgconn's per-connection custom data.
const preparedKey = "entraide.prepared"

// keptPrepared is the set of statements Read and Write keep prepared.
type keptPrepared struct {
	mu  sync.RWMutex
	set map[string]struct{}
}

// KeepPrepared marks statements for Read and Write to keep prepared on
// every connection, from their first use on it. Each must read and return
// built-in types only (see above). Services call it when they are built.
func (d *DB) KeepPrepared(sqls ...string) {
	d.kept.mu.Lock()
	defer d.kept.mu.Unlock()
	if d.kept.set == nil {
		d.kept.set = map[string]struct{}{}
	}
	for _, s := range sqls {
		d.kept.set[s] = struct{}{}
	}
}

func (k *keptPrepared) has(sql string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	_, ok := k.set[sql]
	return ok
}

// prepareKept prepares, on conn, the statements of b that are kept
// prepared and not yet prepared there. A statement names tables without a
// schema, so it is prepared in a transaction pinned to schema; the
// prepared statement outlives the transaction, the pin does not. pgx then
// finds it by its text when b is sent.
func (d *DB) prepareKept(ctx context.Context, conn *pgx.Conn, schema string, b *pgx.Batch) error {
	data := conn.PgConn().CustomData()
	done, _ := data[preparedKey].(map[string]struct{})
	var missing []string
	for _, q := range b.QueuedQueries {
		if _, ok := done[q.SQL]; !ok && d.kept.has(q.SQL) {
			missing = append(missing, q.SQL)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	err := InSchema(ctx, conn, pgx.TxOptions{AccessMode: pgx.ReadOnly}, schema, func(tx pgx.Tx) error {
		for _, sql := range missing {
			// Named by its own text: that is how pgx looks a prepared
			// statement up in a batch.
			if _, err := tx.Prepare(ctx, sql, sql); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("db: prepare in %s: %w", schema, err)
	}
	if done == nil {
		done = map[string]struct{}{}
		data[preparedKey] = done
	}
	for _, sql := range missing {
		done[sql] = struct{}{}
	}
	return nil
}
