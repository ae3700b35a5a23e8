// Package migrations embeds the SQL migrations in the binary.
//
// platform/ holds the migrations of the platform schema ("entraide": portal
// registry and bookkeeping); tenant/ holds those applied to every portal's
// schema. Files are append-only and named NNNN_what.sql; each runs in one
// transaction. Never edit a file that has shipped: add a new one. A tenant
// migration names no schema: the migrator pins search_path to the portal's
// schema, so unqualified names land there. Use built-in types (text with a
// CHECK rather than an enum type) so the same SQL means the same thing in
// every schema.
package migrations

import "embed"

// FS holds platform/*.sql and tenant/*.sql.
//
//go:embed platform/*.sql tenant/*.sql
var FS embed.FS
