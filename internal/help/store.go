package help

import (
	"context"
	"errors"
	"fmt"

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

	// listFilter is the public list's filter. A date keeps the posts that
	// can happen that day: on that date, in a period that includes it, or
	// whenever and regularly. Each filter is skipped when its parameter is
	// empty; PostgreSQL plans every execution with the actual values, so
	// skipped filters cost nothing.
	listFilter = `p.status = 'ouverte' AND p.visibility = 'visible'
   AND ($1 = '' OR p.kind = $1)
   AND ($2 = '' OR p.category_code = $2)
   AND ($3 = '' OR p.epci_code = $3)
   AND ($4 = '' OR p.search @@ websearch_to_tsquery('extensions.french_unaccent', $4))
   AND ($8::date IS NULL OR p.when_kind IN ('souple', 'regulier')
        OR (p.when_kind = 'date' AND p.date_from = $8)
        OR (p.when_kind = 'periode' AND $8 BETWEEN p.date_from AND p.date_to))`

	// listSQL is the public list when there is a preferred EPCI ($5: the
	// territory subdomain's, or the person's) or words: posts of the
	// preferred EPCI first, then the best text matches, then the newest.
	// Every match is ranked, so the count comes with them. The ranking
	// reads only what it sorts on; the page's 20 posts and their authors
	// are read afterwards: sorting the matches with their whole text and
	// author, as it first did, made a search 2.5 times slower (7 ms against
	// 2.5 ms for a word in 1,000 of 100,000 posts).
	listSQL = `
WITH ranked AS (
    SELECT p.id, p.epci_code = $5 AS near,
           CASE WHEN $4 = '' THEN 0 ELSE ts_rank(p.search, websearch_to_tsquery('extensions.french_unaccent', $4)) END AS rank,
           p.created_at, count(*) OVER () AS total
      FROM posts p
     WHERE ` + listFilter + `
     ORDER BY near DESC, rank DESC, p.created_at DESC, p.id DESC
     LIMIT $6 OFFSET $7
)
SELECT ` + postColumns + `, r.total
  FROM ranked r JOIN posts p ON p.id = r.id JOIN users u ON u.id = p.author_id
 ORDER BY r.near DESC, r.rank DESC, r.created_at DESC, r.id DESC`

	// listNewestSQL is the public list with neither, newest first: the page
	// is read in the order of a posts_listed index and stops after $6 rows,
	// and the count is a separate index-only scan, instead of fetching and
	// sorting every open post to count them (10 ms -> well under 1 ms at
	// 10,000 posts). $5 is not needed; it is named (always true, folded away
	// by the planner) so that both queries take the same arguments.
	listNewestSQL = `
SELECT ` + postColumns + `, (SELECT count(*) FROM posts p WHERE ` + listFilter + `) AS total
  FROM posts p JOIN users u ON u.id = p.author_id
 WHERE ` + listFilter + ` AND $5::text IS NOT NULL
 ORDER BY p.created_at DESC, p.id DESC
 LIMIT $6 OFFSET $7`

	// listNearSQL is the public list with a preferred EPCI ($5) and
	// neither words nor an EPCI filter: what a signed-in person sees first,
	// the posts of their EPCI newest first, then the others newest first.
	// Each part is read in the order of a posts_listed index and stops
	// after the rows the page can need, and the count is an index-only
	// scan, instead of ordering every open post (7 ms -> 1 ms at 10,000
	// posts). Same rows, same order as listSQL would give.
	listNearSQL = `
SELECT ` + postColumns + `, (SELECT count(*) FROM posts p WHERE ` + listFilter + `) AS total
  FROM ((SELECT p.id, true AS near, p.created_at FROM posts p
          WHERE ` + listFilter + ` AND p.epci_code = $5
          ORDER BY p.created_at DESC, p.id DESC LIMIT $6::bigint + $7::bigint)
        UNION ALL
        (SELECT p.id, false, p.created_at FROM posts p
          WHERE ` + listFilter + ` AND p.epci_code <> $5
          ORDER BY p.created_at DESC, p.id DESC LIMIT $6::bigint + $7::bigint)) r
  JOIN posts p ON p.id = r.id JOIN users u ON u.id = p.author_id
 ORDER BY r.near DESC, r.created_at DESC, r.id DESC
 LIMIT $6 OFFSET $7`

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
