package account

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SQL of the account package, in one place. Table names are unqualified:
// every statement runs in a transaction pinned to the portal's schema.
const (
	userColumns = `id, email, display_name, password_hash, commune_code, epci_code, interests, locale,
       email_confirmed_at, suspended_until, coalesce(suspension_reason, ''), created_at`

	insertUserSQL = `
INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, interests, locale)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING ` + userColumns

	userByIDSQL    = `SELECT ` + userColumns + ` FROM users WHERE id = $1`
	userByEmailSQL = `SELECT ` + userColumns + ` FROM users WHERE email_key = $1`

	// searchUsersSQL finds people by part of their name or email, for the
	// département admin's roles page. The pattern's wildcards are escaped
	// by the caller.
	searchUsersSQL = `SELECT ` + userColumns + ` FROM users
 WHERE display_name ILIKE $1 ESCAPE '\' OR email_key LIKE lower($1) ESCAPE '\'
 ORDER BY display_name, id LIMIT $2`

	confirmEmailSQL = `UPDATE users SET email_confirmed_at = now(), updated_at = now() WHERE id = $1 AND email_confirmed_at IS NULL`

	setPasswordSQL = `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1`

	setEmailSQL = `UPDATE users SET email = $2, email_key = $3, email_confirmed_at = now(), updated_at = now() WHERE id = $1`

	deleteUserSQL = `DELETE FROM users WHERE id = $1`

	setLocaleSQL = `UPDATE users SET locale = $2, updated_at = now() WHERE id = $1`

	insertAPITokenSQL = `INSERT INTO api_tokens (user_id, token_hash, name) VALUES ($1, $2, $3) RETURNING id`

	apiTokensSQL = `SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY id`

	revokeAPITokenSQL = `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`

	// userByAPITokenSQL finds the account of a token and notes its use.
	userByAPITokenSQL = `
WITH used AS (UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1 RETURNING user_id)
SELECT ` + userColumns + ` FROM users WHERE id = (SELECT user_id FROM used)`

	insertTokenSQL = `
INSERT INTO email_tokens (token_hash, user_id, purpose, new_email, expires_at)
VALUES ($1, $2, $3, $4, $5)`

	// useTokenSQL marks a token used and returns it, in one statement, so
	// that two clicks on one link cannot both succeed.
	useTokenSQL = `
UPDATE email_tokens SET used_at = now()
 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
RETURNING user_id, coalesce(new_email, '')`

	// dropTokensSQL retires a person's other open links of one purpose: a
	// new reset link cancels the previous ones.
	dropTokensSQL = `UPDATE email_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`
)

// uniqueViolation is PostgreSQL's code for a duplicate key.
const uniqueViolation = "23505"

func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == uniqueViolation
}

func scanUser(row pgx.Row) (User, error) {
	var u User
	err := row.Scan(&u.ID, &u.Email, &u.DisplayName, &u.passwordHash, &u.CommuneCode, &u.EPCICode,
		&u.Interests, &u.Locale, &u.EmailConfirmedAt, &u.SuspendedUntil, &u.SuspensionReason, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("account: read user: %w", err)
	}
	return u, nil
}

// tokenHash is what the database keeps of a link's token.
func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func insertToken(ctx context.Context, tx pgx.Tx, token string, userID int64, purpose, newEmail string, ttl time.Duration) error {
	var ne any
	if newEmail != "" {
		ne = newEmail
	}
	if _, err := tx.Exec(ctx, insertTokenSQL, tokenHash(token), userID, purpose, ne, time.Now().Add(ttl)); err != nil {
		return fmt.Errorf("account: save link: %w", err)
	}
	return nil
}

// useToken consumes a link; ErrBadLink when it is unknown, used or expired.
func useToken(ctx context.Context, tx pgx.Tx, token, purpose string) (userID int64, newEmail string, err error) {
	err = tx.QueryRow(ctx, useTokenSQL, tokenHash(token), purpose).Scan(&userID, &newEmail)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", ErrBadLink
	}
	if err != nil {
		return 0, "", fmt.Errorf("account: use link: %w", err)
	}
	return userID, newEmail, nil
}
