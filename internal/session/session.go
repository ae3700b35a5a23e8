// Package session owns signed-in browsers: a random 128-bit token in an
// HttpOnly cookie, and a record in the shared store (Redis, or memory for a
// single instance) under the portal's slug, so a cookie from one portal
// means nothing on another. Only a hash of the token is stored: a copy of
// Redis does not let anyone sign in.
package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/tenant"
)

// Lifetimes. A person who signs in in the morning and comes back in the
// evening stays signed in (idle); nobody stays signed in for more than a
// week with one session, which bounds the use of a stolen cookie (absolute).
const (
	IdleTimeout     = 12 * time.Hour
	AbsoluteTimeout = 7 * 24 * time.Hour
	// touchEvery limits writes: the last-seen time is refreshed at most
	// once a minute per session.
	touchEvery = time.Minute
)

// ErrNoTenant means the context carries no portal.
var ErrNoTenant = errors.New("session: no portal in context")

// Session is one signed-in browser.
type Session struct {
	// ID is public: it names the session in the person's list without
	// revealing the token (it is derived from the token's hash).
	ID        string    `json:"-"`
	UserID    int64     `json:"user_id"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`
	UserAgent string    `json:"user_agent"`
	IP        string    `json:"ip"`
}

// Store keeps sessions in a kv.Store.
type Store struct {
	kv  kv.Store
	now func() time.Time
}

// New returns a store on kv.
func New(store kv.Store) *Store { return &Store{kv: store, now: time.Now} }

// idOf turns a token into the session id: the store never sees the token.
func idOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

func slugOf(ctx context.Context) (tenant.Slug, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return "", ErrNoTenant
	}
	return t.Slug, nil
}

func sessionKey(slug tenant.Slug, id string) string { return "sess:" + string(slug) + ":" + id }
func userKey(slug tenant.Slug, userID int64) string {
	return fmt.Sprintf("sessu:%s:%d", slug, userID)
}

// Create starts a session for userID on the portal in ctx and returns the
// token to put in the cookie.
func (s *Store) Create(ctx context.Context, userID int64, userAgent, ip string) (string, Session, error) {
	slug, err := slugOf(ctx)
	if err != nil {
		return "", Session{}, err
	}
	raw := make([]byte, 16) // 128 bits
	if _, err := rand.Read(raw); err != nil {
		return "", Session{}, fmt.Errorf("session: token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.now()
	if len(userAgent) > 200 {
		userAgent = userAgent[:200]
	}
	sess := Session{ID: idOf(token), UserID: userID, CreatedAt: now, LastSeen: now, UserAgent: userAgent, IP: ip}
	if err := s.save(ctx, slug, sess); err != nil {
		return "", Session{}, err
	}
	if err := s.kv.SetAdd(ctx, userKey(slug, userID), sess.ID, AbsoluteTimeout); err != nil {
		return "", Session{}, fmt.Errorf("session: index: %w", err)
	}
	return token, sess, nil
}

func (s *Store) save(ctx context.Context, slug tenant.Slug, sess Session) error {
	b, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("session: encode: %w", err)
	}
	// The record lives until the earlier of its idle and absolute ends.
	ttl := min(IdleTimeout, sess.CreatedAt.Add(AbsoluteTimeout).Sub(s.now()))
	if ttl <= 0 {
		return nil
	}
	if err := s.kv.Set(ctx, sessionKey(slug, sess.ID), b, ttl); err != nil {
		return fmt.Errorf("session: save: %w", err)
	}
	return nil
}

func (s *Store) load(ctx context.Context, slug tenant.Slug, id string) (Session, bool, error) {
	b, ok, err := s.kv.Get(ctx, sessionKey(slug, id))
	if err != nil || !ok {
		return Session{}, false, err
	}
	return s.decode(b, id)
}

// decode reads a stored record, and says a session that outlived its
// idle or absolute end is not found, whatever the store still holds.
func (s *Store) decode(record []byte, id string) (Session, bool, error) {
	var sess Session
	if err := json.Unmarshal(record, &sess); err != nil {
		return Session{}, false, fmt.Errorf("session: decode: %w", err)
	}
	sess.ID = id
	now := s.now()
	if now.Sub(sess.LastSeen) > IdleTimeout || now.Sub(sess.CreatedAt) > AbsoluteTimeout {
		return Session{}, false, nil
	}
	return sess, true, nil
}

// Lookup returns the session of token on the portal in ctx, and refreshes
// its last-seen time. A token of another portal, an ended or expired
// session, or an empty token is simply not found.
func (s *Store) Lookup(ctx context.Context, token string) (Session, bool, error) {
	if _, err := slugOf(ctx); err != nil {
		return Session{}, false, err
	}
	key := s.RecordKey(ctx, token)
	if key == "" {
		return Session{}, false, nil
	}
	record, _, err := s.kv.Get(ctx, key)
	if err != nil {
		return Session{}, false, fmt.Errorf("session: read: %w", err)
	}
	return s.LookupRecord(ctx, token, record)
}

// Backend is the store holding the records: a caller reading RecordKey
// itself must read it there.
func (s *Store) Backend() kv.Store { return s.kv }

// RecordKey names the store key that holds token's session on the portal
// in ctx, or "" when token cannot open one there. The web layer reads it
// in the same round trip as the request's rate-limit count, then hands
// what it read to LookupRecord.
func (s *Store) RecordKey(ctx context.Context, token string) string {
	slug, err := slugOf(ctx)
	if err != nil || token == "" || len(token) > 64 {
		return ""
	}
	return sessionKey(slug, idOf(token))
}

// LookupRecord is Lookup with the record already read at RecordKey (nil
// when there was none): it checks and refreshes it the same way.
func (s *Store) LookupRecord(ctx context.Context, token string, record []byte) (Session, bool, error) {
	slug, err := slugOf(ctx)
	if err != nil || token == "" || len(token) > 64 || record == nil {
		return Session{}, false, err
	}
	sess, ok, err := s.decode(record, idOf(token))
	if err != nil || !ok {
		return Session{}, false, err
	}
	if s.now().Sub(sess.LastSeen) >= touchEvery {
		sess.LastSeen = s.now()
		if err := s.save(ctx, slug, sess); err != nil {
			return Session{}, false, err
		}
	}
	return sess, true, nil
}

// List returns the person's live sessions on the portal in ctx, most
// recently seen first, and forgets the expired ones.
func (s *Store) List(ctx context.Context, userID int64) ([]Session, error) {
	slug, err := slugOf(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := s.kv.SetMembers(ctx, userKey(slug, userID))
	if err != nil {
		return nil, fmt.Errorf("session: list: %w", err)
	}
	var out []Session
	for _, id := range ids {
		sess, ok, err := s.load(ctx, slug, id)
		if err != nil {
			return nil, err
		}
		if !ok || sess.UserID != userID {
			if err := s.kv.SetRemove(ctx, userKey(slug, userID), id); err != nil {
				return nil, fmt.Errorf("session: prune: %w", err)
			}
			continue
		}
		out = append(out, sess)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastSeen.After(out[j].LastSeen) })
	return out, nil
}

// End ends one of the person's sessions. An id that is not theirs is
// ignored, so nobody can end someone else's session by guessing.
func (s *Store) End(ctx context.Context, userID int64, id string) error {
	slug, err := slugOf(ctx)
	if err != nil {
		return err
	}
	sess, ok, err := s.load(ctx, slug, id)
	if err != nil {
		return err
	}
	if ok && sess.UserID != userID {
		return nil
	}
	if err := s.kv.Del(ctx, sessionKey(slug, id)); err != nil {
		return fmt.Errorf("session: end: %w", err)
	}
	if err := s.kv.SetRemove(ctx, userKey(slug, userID), id); err != nil {
		return fmt.Errorf("session: end: %w", err)
	}
	return nil
}

// EndToken ends the session of a token (signing out).
func (s *Store) EndToken(ctx context.Context, userID int64, token string) error {
	return s.End(ctx, userID, idOf(token))
}

// EndAll ends every session of the person except the one with id keep
// (empty: all), as after a password change or a suspension.
func (s *Store) EndAll(ctx context.Context, userID int64, keep string) error {
	slug, err := slugOf(ctx)
	if err != nil {
		return err
	}
	ids, err := s.kv.SetMembers(ctx, userKey(slug, userID))
	if err != nil {
		return fmt.Errorf("session: end all: %w", err)
	}
	for _, id := range ids {
		if id == keep {
			continue
		}
		if err := s.End(ctx, userID, id); err != nil {
			return err
		}
	}
	return nil
}

// IDOf returns the public id of the session a token opens, to tell the
// current session apart in a list.
func IDOf(token string) string { return idOf(token) }
