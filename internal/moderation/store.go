package moderation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/jackc/pgx/v5"
)

// SQL of the moderation package, in one place. Table names are unqualified:
// every statement runs in a transaction pinned to the portal's schema.
//
// Reach parameters are always $1 (anywhere), $2 (EPCIs) and $3
// (categories): an item is within reach when the moderator reaches
// anywhere, its EPCI, or its category, as authz.Reach.Covers says.
const (
	reachFilter = `($1 OR i.epci_code = ANY ($2::text[]) OR i.category_code = ANY ($3::text[]))`

	// queueSQL lists the items within reach, oldest first, with filters
	// $4 (why), $5 (EPCI), $6 (category); each is skipped when empty. What
	// waits is in moderation_queue, which triggers keep equal to the view
	// moderation_waiting (migration 0015): the query picks the page's rows
	// there, then reads their titles and open reports for those rows only.
	// Each row's title and text come from the one table of its kind: the
	// branches of the UNION ALL that are not its kind are skipped before
	// they read anything (one-time filters), where joining every kind's
	// table made PostgreSQL scan the events for each page. Alone (pgx, 8
	// connections) PostgreSQL answers it 10 to 20 % more often a second;
	// in the whole page, about 7 % less PostgreSQL time per request.
	// Reports are counted only for the rows that wait because of them
	// (WhyReported is among their whys exactly when they have open
	// reports): for the others the count is skipped before it
	// reads anything, where the kept plan scanned reports once per row,
	// and the statement alone ran 1.5 times as often a second (a queue of
	// 140 items, 50 of them reported, none on the first page).
	queueSQL = `
WITH page AS (
    SELECT i.kind, i.id, i.epci_code, i.category_code, i.since, i.whys, count(*) OVER () AS total
      FROM moderation_queue i
     WHERE ` + reachFilter + `
       AND ($4 = '' OR $4 = ANY (i.whys))
       AND ($5 = '' OR i.epci_code = $5)
       AND ($6 = '' OR i.category_code = $6)
     ORDER BY i.since, i.kind, i.id
     LIMIT $7 OFFSET $8
)
SELECT i.kind, i.id, i.epci_code, i.category_code, i.since, i.whys,
       coalesce(x.title, ''), left(coalesce(x.body, ''), 200),
       coalesce(rs.open, 0), coalesce(rs.reasons, '{}'), i.total
  FROM page i
  LEFT JOIN LATERAL (
        SELECT p.title, p.description AS body FROM posts p WHERE i.kind = 'post' AND p.id = i.id
        UNION ALL
        SELECT c.post_title, m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id
         WHERE i.kind = 'message' AND m.id = i.id
        UNION ALL
        SELECT ft.title, ft.body FROM forum_threads ft WHERE i.kind = 'forum_thread' AND ft.id = i.id
        UNION ALL
        SELECT t.title, fr.body FROM forum_replies fr JOIN forum_threads t ON t.id = fr.thread_id
         WHERE i.kind = 'forum_reply' AND fr.id = i.id
        UNION ALL
        SELECT ev.title, ev.description FROM events ev WHERE i.kind = 'event' AND ev.id = i.id) x ON true
  LEFT JOIN LATERAL (
        SELECT count(*) AS open, array_agg(DISTINCT r.reason ORDER BY r.reason) AS reasons
          FROM reports r
         WHERE '` + WhyReported + `' = ANY (i.whys)
           AND r.target_kind = i.kind AND r.target_id = i.id AND r.handled_at IS NULL) rs ON true
 ORDER BY i.since, i.kind, i.id`

	// queueSizesSQL counts the items within reach by EPCI and by category
	// (grouping sets: the EPCI rows have no category, and the other way).
	queueSizesSQL = `
SELECT GROUPING(i.epci_code) = 0, coalesce(i.epci_code, ''), coalesce(i.category_code, ''), count(*)
  FROM moderation_queue i
 WHERE ` + reachFilter + `
 GROUP BY GROUPING SETS ((i.epci_code), (i.category_code))`

	// medianSQL is the median time to a decision over the last $4 days,
	// for decisions about items within reach: in all, by EPCI and by
	// category. kind: 0 all, 1 EPCI, 2 category.
	medianSQL = `
SELECT GROUPING(i.epci_code, i.category_code), coalesce(i.epci_code, ''), coalesce(i.category_code, ''),
       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.created_at - i.queued_since)), 0), count(*)
  FROM (SELECT created_at, queued_since, coalesce(epci_code, '') AS epci_code, coalesce(category_code, '') AS category_code
          FROM moderation_log WHERE queued_since IS NOT NULL AND created_at > now() - make_interval(days => $4)) i
 WHERE ` + reachFilter + `
 GROUP BY GROUPING SETS ((), (i.epci_code), (i.category_code))`

	// postItemSQL reads a post for a moderator. The reports part says
	// whether it waits because of reports, and since when.
	postItemSQL = `
SELECT p.id, p.epci_code, p.category_code, p.title, p.description, p.commune_code, p.visibility, p.status,
       p.flags, p.moderation_reason, p.created_at, p.queued_at, 0::bigint,
       p.author_id, u.display_name, u.email, u.locale, u.suspended_until
  FROM posts p JOIN users u ON u.id = p.author_id
 WHERE p.id = $1`

	// messageItemSQL reads a reported message: one nobody reported is not
	// found, so that moderators never read private messages at will.
	messageItemSQL = `
SELECT m.id, coalesce(p.epci_code, r.epci_code, ''), coalesce(p.category_code, r.category_code, ''), c.post_title, m.body,
       coalesce(p.commune_code, ''), CASE WHEN m.hidden_at IS NULL THEN 'visible' ELSE 'masquee' END, '',
       '{}'::text[], m.hidden_reason, m.created_at, NULL::timestamptz, c.id,
       coalesce(m.sender_id, 0), coalesce(u.display_name, ''), coalesce(u.email, ''), coalesce(u.locale, ''), u.suspended_until
  FROM messages m
  JOIN conversations c ON c.id = m.conversation_id
  LEFT JOIN posts p ON p.id = c.post_id
  LEFT JOIN users u ON u.id = m.sender_id
  JOIN LATERAL (SELECT epci_code, category_code FROM reports
                 WHERE target_kind = 'message' AND target_id = m.id ORDER BY id LIMIT 1) r ON true
 WHERE m.id = $1`

	// lockPostSQL and lockMessageSQL hold the item while a decision is
	// made, so two référents deciding at once are applied one after the
	// other, each on what the other left.
	lockPostSQL    = `SELECT 1 FROM posts WHERE id = $1 FOR UPDATE`
	lockMessageSQL = `SELECT 1 FROM messages WHERE id = $1 FOR UPDATE`

	// forumThreadItemSQL and forumReplyItemSQL read a forum item for a
	// moderator, placed where its thread is; the thread's id comes where
	// a message has its conversation's.
	forumThreadItemSQL = `
SELECT t.id, coalesce(t.epci_code, ''), t.category_code, t.title, t.body, coalesce(t.commune_code, ''), t.visibility, '',
       t.flags, t.moderation_reason, t.created_at, t.queued_at, t.id,
       coalesce(t.author_id, 0), coalesce(u.display_name, ''), coalesce(u.email, ''), coalesce(u.locale, ''), u.suspended_until
  FROM forum_threads t LEFT JOIN users u ON u.id = t.author_id
 WHERE t.id = $1`
	forumReplyItemSQL = `
SELECT r.id, coalesce(t.epci_code, ''), t.category_code, t.title, r.body, coalesce(t.commune_code, ''), r.visibility, '',
       r.flags, r.moderation_reason, r.created_at, r.queued_at, t.id,
       coalesce(r.author_id, 0), coalesce(u.display_name, ''), coalesce(u.email, ''), coalesce(u.locale, ''), u.suspended_until
  FROM forum_replies r JOIN forum_threads t ON t.id = r.thread_id LEFT JOIN users u ON u.id = r.author_id
 WHERE r.id = $1`
	// eventItemSQL reads an event of the calendar; a resident's waits
	// (en_attente) since it was written or last changed.
	eventItemSQL = `
SELECT e.id, e.epci_code, e.category_code, e.title, e.description, e.commune_code, e.visibility, '',
       '{}'::text[], coalesce(e.moderation_reason, ''), e.created_at,
       CASE WHEN e.visibility = 'en_attente' THEN e.updated_at END, 0::bigint,
       e.author_id, u.display_name, u.email, u.locale, u.suspended_until
  FROM events e JOIN users u ON u.id = e.author_id
 WHERE e.id = $1`
	lockEventSQL    = `SELECT 1 FROM events WHERE id = $1 FOR UPDATE`
	approveEventSQL = `UPDATE events SET visibility = 'visible', moderated_at = now() WHERE id = $1`
	hideEventSQL    = `UPDATE events SET visibility = 'masquee', moderation_reason = $2, moderated_at = now() WHERE id = $1`
	restoreEventSQL = `UPDATE events SET visibility = 'visible', moderation_reason = NULL, moderated_at = now() WHERE id = $1`

	lockForumThreadSQL = `SELECT 1 FROM forum_threads WHERE id = $1 FOR UPDATE`
	lockForumReplySQL  = `SELECT 1 FROM forum_replies WHERE id = $1 FOR UPDATE`

	openReportsSQL = `
SELECT count(*), min(created_at) FROM reports
 WHERE target_kind = $1 AND target_id = $2 AND handled_at IS NULL`

	reportsSQL = `
SELECT reason, details, created_at, handled_at IS NULL FROM reports
 WHERE target_kind = $1 AND target_id = $2 ORDER BY created_at DESC LIMIT 50`

	personDecisionsSQL = `
SELECT count(*) FROM moderation_log
 WHERE person_id = $1 AND action IN ('hide', 'delete', 'warn', 'suspend')`

	itemHistorySQL = `SELECT ` + entryColumns + ` FROM moderation_log
 WHERE target_kind = $1 AND target_id = $2 ORDER BY created_at DESC, id DESC LIMIT 50`

	moderatorNameSQL = `SELECT display_name FROM users WHERE id = $1`

	approvePostSQL = `
UPDATE posts SET visibility = CASE WHEN visibility = 'en_attente' THEN 'visible' ELSE visibility END,
       queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`
	hidePostSQL = `
UPDATE posts SET visibility = 'masquee', moderation_reason = $2, queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`
	restorePostSQL = `
UPDATE posts SET visibility = 'visible', moderation_reason = '', queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`
	deletePostSQL     = `DELETE FROM posts WHERE id = $1`
	editTitleSQL      = `UPDATE posts SET title = $2, moderated_at = now() WHERE id = $1`
	hideMessageSQL    = `UPDATE messages SET hidden_at = now(), hidden_reason = $2 WHERE id = $1`
	restoreMessageSQL = `UPDATE messages SET hidden_at = NULL, hidden_reason = '' WHERE id = $1`

	// Forum threads and replies are approved, hidden and restored as
	// posts are.
	approveForumThreadSQL = `
UPDATE forum_threads SET visibility = CASE WHEN visibility = 'en_attente' THEN 'visible' ELSE visibility END,
       queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`
	hideForumThreadSQL = `
UPDATE forum_threads SET visibility = 'masquee', moderation_reason = $2, queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`
	restoreForumThreadSQL = `
UPDATE forum_threads SET visibility = 'visible', moderation_reason = '', queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`
	approveForumReplySQL = `
UPDATE forum_replies SET visibility = CASE WHEN visibility = 'en_attente' THEN 'visible' ELSE visibility END,
       queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`
	hideForumReplySQL = `
UPDATE forum_replies SET visibility = 'masquee', moderation_reason = $2, queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`
	restoreForumReplySQL = `
UPDATE forum_replies SET visibility = 'visible', moderation_reason = '', queued_at = NULL, flags = '{}', moderated_at = now()
 WHERE id = $1`

	suspendSQL = `
UPDATE users SET suspended_until = $2, suspension_reason = $3, updated_at = now() WHERE id = $1`
	liftSQL = `
UPDATE users SET suspended_until = NULL, suspension_reason = NULL, updated_at = now() WHERE id = $1`

	// suspensionSQL reads a suspended person and where the suspension was
	// decided (the latest suspend entry), which says who may lift it.
	suspensionSQL = `
SELECT u.id, u.display_name, u.email, u.locale, u.suspended_until,
       coalesce(l.epci_code, ''), coalesce(l.category_code, '')
  FROM users u
  LEFT JOIN LATERAL (SELECT epci_code, category_code FROM moderation_log
                      WHERE person_id = u.id AND action = 'suspend'
                      ORDER BY created_at DESC, id DESC LIMIT 1) l ON true
 WHERE u.id = $1 AND u.suspended_until > now()
 FOR UPDATE OF u`

	insertEntrySQL = `
INSERT INTO moderation_log (moderator_id, moderator_name, action, target_kind, target_id, target_label,
                            person_id, person_name, epci_code, category_code, reason, detail, queued_since)
VALUES ($1, $2, $3, $4, $5, $6, nullif($7, 0), $8, nullif($9, ''), nullif($10, ''), $11, $12, $13)
RETURNING id`

	// closeReportsSQL settles the open reports of an item and returns who
	// made them, to tell them.
	closeReportsSQL = `
UPDATE reports SET handled_at = now(), decision_id = $3
 WHERE target_kind = $1 AND target_id = $2 AND handled_at IS NULL
RETURNING reporter_id`

	countClosedSQL = `UPDATE moderation_log SET reports_closed = $2 WHERE id = $1`

	recipientsSQL = `SELECT email, display_name, locale FROM users WHERE id = ANY ($1)`

	entryColumns = `id, created_at, coalesce(moderator_id, 0), moderator_name, action, target_kind, target_id, target_label,
       coalesce(person_id, 0), person_name, coalesce(epci_code, ''), coalesce(category_code, ''), reason, detail,
       CASE WHEN queued_since IS NULL THEN NULL ELSE extract(epoch FROM created_at - queued_since) END, reports_closed`

	// logSQL lists the log, newest first, between two dates ($1, $2: NULL
	// for no bound) and for an action ($3, empty for all).
	logSQL = `SELECT ` + entryColumns + `, count(*) OVER () FROM moderation_log
 WHERE ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::timestamptz IS NULL OR created_at < $2)
   AND ($3 = '' OR action = $3)
 ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5`
)

// kindSQL is the SQL of one kind of item: read it, hold it, and the
// changes of approve ("" when approving changes nothing but the queue),
// hide and restore.
type kindSQL struct{ item, lock, approve, hide, restore string }

var kindSQLs = map[string]kindSQL{
	KindPost:        {postItemSQL, lockPostSQL, approvePostSQL, hidePostSQL, restorePostSQL},
	KindMessage:     {messageItemSQL, lockMessageSQL, "", hideMessageSQL, restoreMessageSQL},
	KindForumThread: {forumThreadItemSQL, lockForumThreadSQL, approveForumThreadSQL, hideForumThreadSQL, restoreForumThreadSQL},
	KindForumReply:  {forumReplyItemSQL, lockForumReplySQL, approveForumReplySQL, hideForumReplySQL, restoreForumReplySQL},
	KindEvent:       {eventItemSQL, lockEventSQL, approveEventSQL, hideEventSQL, restoreEventSQL},
}

// reachArgs are the $1, $2, $3 of reachFilter.
func reachArgs(r authz.Reach) []any {
	e, c := r.EPCIs, r.Categories
	if e == nil {
		e = []string{}
	}
	if c == nil {
		c = []string{}
	}
	return []any{r.Anywhere, e, c}
}

// QueueQuery is the statement that reads one page of the queue within r,
// and its arguments. Its columns are those queueQuery scans. The
// benchmark's queue floor runs it as is, so that it measures the very
// query of the page.
func QueueQuery(r authz.Reach, f Filter) (string, []any) {
	return queueSQL, append(reachArgs(r), f.Why, f.EPCI, f.Category, f.Limit, f.Offset)
}

// queueQuery queues the read of one page of the queue in b; *out and
// *total hold it once b is sent (db.DB.Read). The statement is kept
// prepared (see New): it reads and returns built-in types only.
func queueQuery(b *pgx.Batch, r authz.Reach, f Filter, out *[]QueueEntry, total *int) {
	sql, args := QueueQuery(r, f)
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var err error
		*out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (QueueEntry, error) {
			var e QueueEntry
			err := row.Scan(&e.Kind, &e.ID, &e.EPCI, &e.Category, &e.Since, &e.Why, &e.Title, &e.Excerpt,
				&e.Reports, &e.Reasons, total)
			return e, err
		})
		if err != nil {
			return fmt.Errorf("moderation: read queue: %w", err)
		}
		return nil
	})
}

// loadItem reads an item and why it waits; with lock, it holds the item
// until the transaction ends.
func loadItem(ctx context.Context, tx pgx.Tx, kind string, id int64, lock bool) (Item, error) {
	q, ok := kindSQLs[kind]
	if !ok {
		return Item{}, ErrNotFound
	}
	if lock {
		if _, err := tx.Exec(ctx, q.lock, id); err != nil {
			return Item{}, fmt.Errorf("moderation: lock %s %d: %w", kind, id, err)
		}
	}
	it := Item{Kind: kind}
	var parent int64
	err := tx.QueryRow(ctx, q.item, id).Scan(&it.ID, &it.EPCI, &it.Category, &it.Title, &it.Body, &it.CommuneCode,
		&it.Visibility, &it.Status, &it.Flags, &it.ModerationReason, &it.CreatedAt, &it.queuedAt, &parent,
		&it.PersonID, &it.PersonName, &it.personEmail, &it.personLocale, &it.PersonSuspendedUntil)
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, ErrNotFound
	}
	if err != nil {
		return Item{}, fmt.Errorf("moderation: read %s %d: %w", kind, id, err)
	}
	if kind == KindMessage {
		it.ConversationID = parent
	} else if it.Forum() {
		it.ThreadID = parent
	}
	var firstOpen *time.Time
	if err := tx.QueryRow(ctx, openReportsSQL, kind, id).Scan(&it.OpenReports, &firstOpen); err != nil {
		return Item{}, fmt.Errorf("moderation: count reports of %s %d: %w", kind, id, err)
	}
	if it.queuedAt != nil {
		it.Since = it.queuedAt
		if it.Visibility == "en_attente" {
			it.Why = append(it.Why, WhyPending)
		}
		if len(it.Flags) > 0 {
			it.Why = append(it.Why, WhyFlagged)
		}
	}
	if it.OpenReports > 0 {
		it.Why = append(it.Why, WhyReported)
		if it.Since == nil || firstOpen.Before(*it.Since) {
			it.Since = firstOpen
		}
	}
	return it, nil
}

// loadContext adds what a moderator reads before deciding: the reports,
// the item's earlier decisions, and how often its author was sanctioned.
func loadContext(ctx context.Context, tx pgx.Tx, it *Item) error {
	rows, err := tx.Query(ctx, reportsSQL, it.Kind, it.ID)
	if err != nil {
		return fmt.Errorf("moderation: reports: %w", err)
	}
	it.Reports, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Report, error) {
		var r Report
		err := row.Scan(&r.Reason, &r.Details, &r.CreatedAt, &r.Open)
		return r, err
	})
	if err != nil {
		return fmt.Errorf("moderation: read reports: %w", err)
	}
	if it.History, err = collectEntries(ctx, tx, nil, itemHistorySQL, it.Kind, it.ID); err != nil {
		return err
	}
	if it.PersonID != 0 {
		if err := tx.QueryRow(ctx, personDecisionsSQL, it.PersonID).Scan(&it.PersonDecisions); err != nil {
			return fmt.Errorf("moderation: person's decisions: %w", err)
		}
	}
	return nil
}

// suspension is a suspended person, and where it was decided.
type suspension struct {
	id                  int64
	name, email, locale string
	until               time.Time
	epci, category      string
}

func loadSuspension(ctx context.Context, tx pgx.Tx, personID int64) (suspension, error) {
	var p suspension
	err := tx.QueryRow(ctx, suspensionSQL, personID).Scan(&p.id, &p.name, &p.email, &p.locale, &p.until, &p.epci, &p.category)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, ErrNotApplicable
	}
	if err != nil {
		return p, fmt.Errorf("moderation: read suspension of %d: %w", personID, err)
	}
	return p, nil
}

// entry is a log row to write.
type entry struct {
	moderatorID    int64
	moderatorName  string
	action         Action
	kind           string
	targetID       int64
	label          string
	personID       int64
	personName     string
	epci, category string
	reason, detail string
	queuedSince    *time.Time
}

func insertEntry(ctx context.Context, tx pgx.Tx, e entry) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, insertEntrySQL, e.moderatorID, e.moderatorName, string(e.action), e.kind, e.targetID, e.label,
		e.personID, e.personName, e.epci, e.category, e.reason, e.detail, e.queuedSince).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("moderation: log %s: %w", e.action, err)
	}
	return id, nil
}

// closeReports settles the open reports of an item with decision id and
// returns their authors' ids (without deleted accounts, each once).
func closeReports(ctx context.Context, tx pgx.Tx, kind string, id, decision int64) ([]int64, error) {
	rows, err := tx.Query(ctx, closeReportsSQL, kind, id, decision)
	if err != nil {
		return nil, fmt.Errorf("moderation: close reports: %w", err)
	}
	reporters, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*int64, error) {
		var r *int64
		err := row.Scan(&r)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("moderation: read closed reports: %w", err)
	}
	if _, err := tx.Exec(ctx, countClosedSQL, decision, len(reporters)); err != nil {
		return nil, fmt.Errorf("moderation: count closed reports: %w", err)
	}
	var out []int64
	for _, r := range reporters {
		if r != nil && !slices.Contains(out, *r) {
			out = append(out, *r)
		}
	}
	return out, nil
}

// recipient is someone to tell of a decision.
type recipient struct{ email, name, locale string }

func recipients(ctx context.Context, tx pgx.Tx, ids []int64) ([]recipient, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, recipientsSQL, ids)
	if err != nil {
		return nil, fmt.Errorf("moderation: reporters: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recipient, error) {
		var r recipient
		err := row.Scan(&r.email, &r.name, &r.locale)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("moderation: read reporters: %w", err)
	}
	return out, nil
}

// collectEntries reads log rows; total, when not nil, receives the count
// column that logSQL adds.
func collectEntries(ctx context.Context, tx pgx.Tx, total *int, query string, args ...any) ([]Entry, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("moderation: log: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Entry, error) {
		var e Entry
		var waited *float64
		dest := []any{&e.ID, &e.CreatedAt, &e.ModeratorID, &e.ModeratorName, &e.Action, &e.TargetKind, &e.TargetID,
			&e.TargetLabel, &e.PersonID, &e.PersonName, &e.EPCI, &e.Category, &e.Reason, &e.Detail, &waited, &e.ReportsClosed}
		if total != nil {
			dest = append(dest, total)
		}
		if err := row.Scan(dest...); err != nil {
			return e, err
		}
		if waited != nil {
			d := time.Duration(*waited * float64(time.Second))
			e.Waited = &d
		}
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("moderation: read log: %w", err)
	}
	return out, nil
}
