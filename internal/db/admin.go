package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnsureDatabase creates the database named in url if it does not exist,
// connecting to the server's "postgres" database to do so. It reports
// whether it created it.
func EnsureDatabase(ctx context.Context, url string) (bool, error) {
	name, admin, err := adminConnect(ctx, url)
	if err != nil {
		return false, err
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, fmt.Errorf("db: look for database %s: %w", name, err)
	}
	if exists {
		return false, nil
	}
	_, err = admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created meanwhile by someone else
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("db: create database %s: %w", name, err)
	}
	return true, nil
}

// DropDatabase drops the database named in url, closing its connections.
func DropDatabase(ctx context.Context, url string) error {
	name, admin, err := adminConnect(ctx, url)
	if err != nil {
		return err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("db: drop database %s: %w", name, err)
	}
	return nil
}

func adminConnect(ctx context.Context, url string) (string, *pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "", nil, fmt.Errorf("db: parse database URL: %w", err)
	}
	name := cfg.Database
	if name == "" || name == "postgres" {
		return "", nil, fmt.Errorf("db: the URL must name the platform's own database, not %q", name)
	}
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", nil, fmt.Errorf("db: connect to the server's postgres database: %w", err)
	}
	return name, conn, nil
}
