package help

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// SQL of the help package, in one place. Table names are unqualified: every
// statement runs in a transaction pinned to the portal's schema. The text
// search configuration is shared and named explicitly.
const (
	postColumns = `p.id, p.kind, p.category_code, p.title, p.description, p.commune_code, p.epci_code,
       p.modes, p.when_kind, p.date_from, p.date_to, p.recurrence, p.urgent, p.status, p.visibility,
       p.author_id, u.display_name, u.commune_code, p.created_at, p.updated_at, p.expires_at, p.thanks, p.matches_notified_at IS NOT NULL,
       p.moderation_reason, p.moderated_at, p.flags`

	// insertPostSQL stores a post and returns it as postByIDSQL would, in
	// one statement: a new post costs one round trip (db.Write).
	insertPostSQL = `
WITH p AS (
INSERT INTO posts (kind, category_code, title, description, commune_code, epci_code, modes,
                   when_kind, date_from, date_to, recurrence, urgent, visibility, author_id, expires_at,
                   flags, queued_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
        $16, CASE WHEN $13 = 'en_attente' OR cardinality($16::text[]) > 0 THEN now() END)
RETURNING *)
SELECT ` + postColumns + ` FROM p JOIN users u ON u.id = p.author_id`

	// updatePostSQL changes what the author wrote; under premoderation an
	// edited post waits for a référent again ($15), and an edit with flag
	// words ($16) goes back to the queue. An edit that removes the flag
	// words takes a visible post out of the queue.
	updatePostSQL = `
UPDATE posts SET kind = $3, category_code = $4, title = $5, description = $6, commune_code = $7, epci_code = $8,
       modes = $9, when_kind = $10, date_from = $11, date_to = $12, recurrence = $13, urgent = $14,
       visibility = CASE WHEN $15 THEN 'en_attente' ELSE visibility END,
       flags = $16,
       queued_at = CASE WHEN $15 OR cardinality($16::text[]) > 0 THEN coalesce(queued_at, now())
                        WHEN visibility = 'en_attente' THEN queued_at END,
       updated_at = now()
 WHERE id = $1 AND author_id = $2 AND status IN ('ouverte', 'en_cours') AND visibility <> 'masquee'`

	postByIDSQL = `SELECT ` + postColumns + ` FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = $1`

	// suggestSQL finds open, visible posts of the opposite kind in the same
	// category, by someone else, in the same EPCI ($4) or a neighbouring one
	// ($6): same EPCI first, then the most interests shared with the
	// author, then the newest.
	suggestSQL = `
SELECT ` + postColumns + `, 0
  FROM posts p JOIN users u ON u.id = p.author_id
 WHERE p.status = 'ouverte' AND p.visibility = 'visible'
   AND p.kind <> $1 AND p.category_code = $2 AND p.author_id <> $3
   AND (p.epci_code = $4 OR p.epci_code = ANY ($6::text[]))
 ORDER BY (p.epci_code = $4) DESC,
          (SELECT count(*) FROM unnest(u.interests) i WHERE i = ANY (SELECT unnest(interests) FROM users WHERE id = $3)) DESC,
          p.created_at DESC
 LIMIT $5`

	// markNotifiedSQL lets the author notify the matches of a post once.
	markNotifiedSQL = `
UPDATE posts SET matches_notified_at = now()
 WHERE id = $1 AND author_id = $2 AND matches_notified_at IS NULL AND status = 'ouverte' AND visibility = 'visible'`

	matchAuthorsSQL = `SELECT DISTINCT u.email, u.display_name, u.locale FROM users u WHERE u.id = ANY($1)`

	byAuthorSQL = `SELECT ` + postColumns + `, 0 FROM posts p JOIN users u ON u.id = p.author_id
 WHERE p.author_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2`

	renewSQL = `
UPDATE posts SET expires_at = $3, expiry_warned_at = NULL, status = 'ouverte', updated_at = now()
 WHERE id = $1 AND author_id = $2 AND status IN ('ouverte', 'expiree')`

	closeSQL = `
UPDATE posts SET status = $3, thanks = $4, updated_at = now()
 WHERE id = $1 AND author_id = $2 AND status IN ('ouverte', 'en_cours')`

	helpedCountSQL = `SELECT count(*) FROM posts WHERE status = 'realisee'`

	expireSQL = `
UPDATE posts SET status = 'expiree', updated_at = now()
 WHERE status = 'ouverte' AND expires_at <= $1`

	// expiringSQL finds the open posts that end before $1 and whose author
	// was not told yet, and marks them told in the same statement.
	expiringSQL = `
UPDATE posts p SET expiry_warned_at = now()
  FROM users u
 WHERE u.id = p.author_id AND p.status = 'ouverte' AND p.expiry_warned_at IS NULL AND p.expires_at <= $1
RETURNING p.id, p.title, p.expires_at, u.email, u.display_name, u.locale`
)

func scanPost(row pgx.Row, extra ...any) (Post, error) {
	return newPostScanner(extra...).scan(row)
}

// postScanner reads rows of postColumns (then extra) into one Post that
// its destinations point at, and gives a copy: a list page allocates its
// 26 destinations once, not once per row. The Post is cleared before each
// row, so no slice or time read for one post is shared with the next.
type postScanner struct {
	p    Post
	dest []any
}

func newPostScanner(extra ...any) *postScanner {
	s := &postScanner{}
	p := &s.p
	s.dest = append(make([]any, 0, 26+len(extra)), &p.ID, &p.Kind, &p.Category, &p.Title, &p.Description,
		&p.CommuneCode, &p.EPCICode, &p.Modes, &p.WhenKind, &p.DateFrom, &p.DateTo, &p.Recurrence, &p.Urgent,
		&p.Status, &p.Visibility, &p.AuthorID, &p.AuthorName, &p.AuthorCommune, &p.CreatedAt, &p.UpdatedAt,
		&p.ExpiresAt, &p.Thanks, &p.MatchesNotified, &p.ModerationReason, &p.ModeratedAt, &p.Flags)
	s.dest = append(s.dest, extra...)
	return s
}

func (s *postScanner) scan(row pgx.Row) (Post, error) {
	s.p = Post{}
	err := row.Scan(s.dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Post{}, ErrNotFound
	}
	if err != nil {
		return Post{}, fmt.Errorf("help: read post: %w", err)
	}
	return s.p, nil
}

func collectPosts(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]Post, int, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("help: list posts: %w", err)
	}
	return scanPosts(rows)
}

// scanPosts reads the posts of rows (with the total of the list queries)
// and closes them.
func scanPosts(rows pgx.Rows) ([]Post, int, error) {
	defer rows.Close()
	out := make([]Post, 0, PerPage)
	total := 0
	scanner := newPostScanner(&total)
	for rows.Next() {
		p, err := scanner.scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("help: list posts: %w", err)
	}
	return out, total, nil
}

// The public list's SQL is written for the filters a page sets, with only
// their conditions, rather than as one statement with every condition
// skipped when its parameter is empty ("$2 = '' OR p.category_code = $2").
// The statements are kept prepared (db.KeepPrepared), and PostgreSQL reuses
// a prepared statement's plan only when that plan does not depend on the
// values: with the skippable conditions it did, so every page was planned
// again, and planning cost twice what running it did (0.8 ms against
// 0.35 ms for a category in one EPCI at 10,000 posts; 2.5 times the
// queries per second once planned once). A page's statement is one of
// about forty, so each connection prepares few.

// listArgs numbers a statement's parameters in the order they are added.
type listArgs []any

func (a *listArgs) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// listWhere is the public list's filter for f: open, visible posts, and
// each condition f sets. A date keeps the posts that can happen that day:
// on that date, in a period that includes it, or whenever and regularly.
// words is the parameter holding f's words, "" when there are none.
func listWhere(f Filter, date *time.Time, a *listArgs) (where, words string) {
	var b strings.Builder
	b.WriteString("p.status = 'ouverte' AND p.visibility = 'visible'")
	if f.Kind != "" {
		b.WriteString(" AND p.kind = " + a.add(f.Kind))
	}
	if f.Category != "" {
		b.WriteString(" AND p.category_code = " + a.add(f.Category))
	}
	if f.EPCI != "" {
		b.WriteString(" AND p.epci_code = " + a.add(f.EPCI))
	}
	if f.Query != "" {
		// q is the words as a text-search query, made once in the
		// statement's FROM (see listSQL).
		words = a.add(f.Query)
		b.WriteString(" AND p.search @@ q")
	}
	if date != nil {
		d := a.add(*date) + "::date"
		b.WriteString(" AND (p.when_kind IN ('souple', 'regulier') OR (p.when_kind = 'date' AND p.date_from = " + d +
			") OR (p.when_kind = 'periode' AND " + d + " BETWEEN p.date_from AND p.date_to))")
	}
	return b.String(), words
}

// countSQL counts the posts that match where: every one when f.CountAll,
// else as many as the page needs (see Filter.CountAll). Both are an
// index-only scan of a posts_listed index; the limit makes the second
// stop early.
func countSQL(f Filter, where string, a *listArgs) string {
	if f.CountAll {
		return `(SELECT count(*) FROM posts p WHERE ` + where + `)`
	}
	upTo := max(MaxCounted, f.Page*PerPage) + 1
	return `(SELECT count(*) FROM (SELECT FROM posts p WHERE ` + where + ` LIMIT ` + a.add(upTo) + `) c)`
}

// nearFirst says whether the list for f (already trimmed) shows the posts
// of an EPCI first, then the others, newest first in each part: there is
// an EPCI to put first, no words to rank, and the list is not of one EPCI.
func nearFirst(f Filter) bool {
	return f.Query == "" && f.Near != "" && f.EPCI == ""
}

// listSQL is one page of the public list for f (already trimmed), and its
// arguments.
func listSQL(f Filter, date *time.Time) (string, []any) {
	var a listArgs
	where, words := listWhere(f, date, &a)
	// Without words to rank, the preferred EPCI changes nothing when
	// there is none, or when the list is of one EPCI (every post shown is
	// in it, or none is): the order is then simply the newest first.
	// Otherwise, without words, it is its EPCI's newest, then the others'.
	switch {
	case f.Query != "":
		// Words: posts of the preferred EPCI first (the territory
		// subdomain's, or the person's), then the best text matches, then
		// the newest. Every match is ranked, so the count comes with them.
		// The ranking reads only what it sorts on; the page's 20 posts and
		// their authors are read afterwards: sorting the matches with their
		// whole text and author, as it first did, made a search 2.5 times
		// slower (7 ms against 2.5 ms for a word in 1,000 of 100,000 posts).
		// The words become a query once, in FROM: written in the
		// condition and the rank, websearch_to_tsquery ran again for
		// every match, since a kept plan cannot fold it for its value
		// ($n), and that was half the statement's time (4.0 ms against
		// 1.9 ms for a word in 1,041 of 100,000 posts).
		near := "false"
		if f.Near != "" {
			near = "p.epci_code = " + a.add(f.Near)
		}
		return `
WITH ranked AS (
    SELECT p.id, ` + near + ` AS near, ts_rank(p.search, q) AS rank,
           p.created_at, count(*) OVER () AS total
      FROM websearch_to_tsquery('extensions.french_unaccent', ` + words + `) q, posts p
     WHERE ` + where + `
     ORDER BY near DESC, rank DESC, p.created_at DESC, p.id DESC
     LIMIT ` + a.add(PerPage) + ` OFFSET ` + a.add((f.Page-1)*PerPage) + `
)
SELECT ` + postColumns + `, r.total
  FROM ranked r JOIN posts p ON p.id = r.id JOIN users u ON u.id = p.author_id
 ORDER BY r.near DESC, r.rank DESC, r.created_at DESC, r.id DESC`, a

	case nearFirst(f):
		// What a signed-in person sees first: the posts of their EPCI
		// newest first, then the others newest first. Each part is read in
		// the order of a posts_listed index and stops after the rows the
		// page can need, instead of ordering every open post (7 ms -> 1 ms
		// at 10,000 posts). The page's 20 are chosen before their columns
		// and authors are read, and PerPage is written in the statement:
		// its kept plan then knows it reads 20 posts, not a tenth of the
		// portal's, and joins them by their keys (RunsKeptPlan).
		near, offset, perPage := a.add(f.Near), a.add((f.Page-1)*PerPage), strconv.Itoa(PerPage)
		return `
WITH page AS (
    SELECT r.id, r.near, r.created_at
      FROM ((SELECT p.id, true AS near, p.created_at FROM posts p
              WHERE ` + where + ` AND p.epci_code = ` + near + `
              ORDER BY p.created_at DESC, p.id DESC LIMIT ` + perPage + ` + ` + offset + `::bigint)
            UNION ALL
            (SELECT p.id, false, p.created_at FROM posts p
              WHERE ` + where + ` AND p.epci_code <> ` + near + `
              ORDER BY p.created_at DESC, p.id DESC LIMIT ` + perPage + ` + ` + offset + `::bigint)) r
     ORDER BY r.near DESC, r.created_at DESC, r.id DESC
     LIMIT ` + perPage + ` OFFSET ` + offset + `
)
SELECT ` + postColumns + `, ` + countSQL(f, where, &a) + ` AS total
  FROM page r JOIN posts p ON p.id = r.id JOIN users u ON u.id = p.author_id
 ORDER BY r.near DESC, r.created_at DESC, r.id DESC`, a

	default:
		// Neither words nor an EPCI that could come before the others:
		// newest first. The page is read in the order of a posts_listed
		// index and stops after its rows, and the count is a separate
		// index-only scan, instead of fetching and sorting every open post
		// to count them (10 ms -> well under 1 ms at 10,000 posts).
		return `
SELECT ` + postColumns + `, ` + countSQL(f, where, &a) + ` AS total
  FROM posts p JOIN users u ON u.id = p.author_id
 WHERE ` + where + `
 ORDER BY p.created_at DESC, p.id DESC
 LIMIT ` + a.add(PerPage) + ` OFFSET ` + a.add((f.Page-1)*PerPage), a
	}
}
