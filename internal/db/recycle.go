package db

import (
	"github.com/jackc/pgx/v5"
)

// A PostgreSQL backend keeps, for as long as it lives, a cache entry for
// every table, index and type it has opened (its relation and catalog
// caches). With one schema per portal the same table name is a different
// relation in each schema, so a pooled connection that serves many portals
// grows by every schema it touches: about 150 KB per portal for the home
// page and the list of posts alone (the scale figures of `make bench`),
// 180 MB for a connection that served 1,000 portals, nearly 3 GB for a
// pool of sixteen. Recycling by age (db_max_conn_lifetime) does not bound
// it: a busy connection serves a thousand portals in a minute. So the pool
// also closes a connection once it has pinned MaxConnSchemas distinct
// schemas, when it is handed back: at 100, no connection went over 19 MB.

// pinnedKey is where a connection keeps the set of schemas it has pinned,
// in pgconn's per-connection custom data.
const pinnedKey = "entraide.pinned_schemas"

// notePinned records that conn ran a transaction pinned to schema. Only the
// goroutine holding the connection calls it, so the set needs no lock.
func notePinned(conn *pgx.Conn, schema string) {
	data := conn.PgConn().CustomData()
	set, _ := data[pinnedKey].(map[string]struct{})
	if set == nil {
		set = map[string]struct{}{}
		data[pinnedKey] = set
	}
	set[schema] = struct{}{}
}

// pinnedSchemas is how many distinct schemas conn has pinned since it was
// opened.
func pinnedSchemas(conn *pgx.Conn) int {
	set, _ := conn.PgConn().CustomData()[pinnedKey].(map[string]struct{})
	return len(set)
}

// keepAfterRelease returns the pool's AfterRelease hook: a connection that
// has pinned max schemas or more is closed instead of going back to the
// pool (the pool opens a fresh one when it needs it). recycled counts them.
func keepAfterRelease(max int, recycled func()) func(*pgx.Conn) bool {
	return func(conn *pgx.Conn) bool {
		if pinnedSchemas(conn) < max {
			return true
		}
		recycled()
		return false
	}
}

// Recycled is how many connections the pool closed because they had
// pinned MaxConnSchemas schemas.
func (d *DB) Recycled() int64 { return d.recycled.Load() }
