package events

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// feedPrefix starts every private calendar address's secret, so a leaked
// one is recognisable.
const feedPrefix = "cal_"

// NewFeedToken makes the secret of userID's private calendar address
// (their sign-ups), replacing any earlier one, and returns it: this is the
// only time it can be seen, since only its hash is kept.
func (s *Service) NewFeedToken(ctx context.Context, userID int64) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("events: random feed token: %w", err)
	}
	token := feedPrefix + base64.RawURLEncoding.EncodeToString(b)
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, upsertFeedSQL, userID, feedHash(token)); err != nil {
			return fmt.Errorf("events: save feed token: %w", err)
		}
		return nil
	})
	return token, err
}

// HasFeed reports whether userID made a private calendar address.
func (s *Service) HasFeed(ctx context.Context, userID int64) (bool, error) {
	var ok bool
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error { return tx.QueryRow(ctx, hasFeedSQL, userID).Scan(&ok) })
	return ok, err
}

// FeedOwner returns the account whose private calendar address holds
// token, on the portal in ctx; a token of another portal is unknown here.
func (s *Service) FeedOwner(ctx context.Context, token string) (int64, error) {
	if !strings.HasPrefix(token, feedPrefix) || len(token) > 100 {
		return 0, ErrNotFound
	}
	var id int64
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error { return tx.QueryRow(ctx, feedOwnerSQL, feedHash(token)).Scan(&id) })
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

func feedHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
