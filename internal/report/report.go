// Package report owns "signaler": anyone signed in can report a post they
// can see, a message of a conversation they are part of, or a forum thread
// or reply they can see, with a reason.
// Reports wait for the moderators of the place and theme they concern.
package report

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/jackc/pgx/v5"
)

// Reasons a person may give, in the order the form shows them.
var Reasons = []string{"arnaque", "argent", "propos", "donnees", "autre"}

// ErrNotFound means the thing does not exist or the person cannot see it.
var ErrNotFound = errors.New("report: nothing to report there")

const (
	// postPlaceSQL finds a post the reporter may see: visible, or theirs.
	postPlaceSQL = `
SELECT epci_code, category_code FROM posts
 WHERE id = $1 AND (visibility = 'visible' OR author_id = $2)`

	// messagePlaceSQL finds a message of a conversation the reporter is in,
	// and where its post was (if it still exists).
	messagePlaceSQL = `
SELECT p.epci_code, p.category_code
  FROM messages m
  JOIN conversations c ON c.id = m.conversation_id
  LEFT JOIN posts p ON p.id = c.post_id
 WHERE m.id = $1 AND $2 IN (c.author_id, c.responder_id)`

	// forumThreadPlaceSQL finds a forum thread the reporter may see, and
	// where it is: its commune's EPCI (if any) and its theme.
	forumThreadPlaceSQL = `
SELECT epci_code, category_code FROM forum_threads
 WHERE id = $1 AND (visibility = 'visible' OR author_id = $2)`

	// forumReplyPlaceSQL finds a reply the reporter may see, placed where
	// its thread is.
	forumReplyPlaceSQL = `
SELECT t.epci_code, t.category_code
  FROM forum_replies r JOIN forum_threads t ON t.id = r.thread_id
 WHERE r.id = $1 AND (t.visibility = 'visible' OR t.author_id = $2)
   AND (r.visibility = 'visible' OR r.author_id = $2)`

	insertSQL = `
INSERT INTO reports (target_kind, target_id, epci_code, category_code, reporter_id, reason, details)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (target_kind, target_id, reporter_id) DO NOTHING`
)

// Service is the report capability.
type Service struct{ db *db.DB }

// New returns the service.
func New(d *db.DB) *Service { return &Service{db: d} }

// Kinds of thing a person may report.
const (
	KindPost        = "post"
	KindMessage     = "message"
	KindForumThread = "forum_thread"
	KindForumReply  = "forum_reply"
)

// Report records that reporterID reports a post, a message, a forum thread
// or a forum reply (the Kind constants) for a reason. Reporting the same thing twice is not an error.
func (s *Service) Report(ctx context.Context, reporterID int64, kind string, targetID int64, reason, details string) error {
	details = strings.TrimSpace(details)
	errs := invalid.Fields{}
	if !contains(Reasons, reason) {
		errs["reason"] = "report.error.reason"
	}
	if utf8.RuneCountInString(details) > 1000 {
		errs["details"] = "report.error.details"
	}
	if len(errs) > 0 {
		return errs
	}
	var place string
	switch kind {
	case KindPost:
		place = postPlaceSQL
	case KindMessage:
		place = messagePlaceSQL
	case KindForumThread:
		place = forumThreadPlaceSQL
	case KindForumReply:
		place = forumReplyPlaceSQL
	default:
		return ErrNotFound
	}
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		var epci, category *string
		err := tx.QueryRow(ctx, place, targetID, reporterID).Scan(&epci, &category)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("report: find %s %d: %w", kind, targetID, err)
		}
		if _, err := tx.Exec(ctx, insertSQL, kind, targetID, epci, category, reporterID, reason, details); err != nil {
			return fmt.Errorf("report: save: %w", err)
		}
		return nil
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
