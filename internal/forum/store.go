package forum

// SQL of the forum package, in one place. Table names are unqualified:
// every statement runs in a transaction pinned to the portal's schema.
const (
	threadColumns = `t.id, t.category_code, t.title, t.body, coalesce(t.commune_code, ''), coalesce(t.epci_code, ''),
       coalesce(t.author_id, 0), coalesce(u.display_name, ''), t.visibility, t.moderation_reason, t.flags,
       t.created_at, t.last_activity_at,
       (SELECT count(*) FROM forum_replies r WHERE r.thread_id = t.id AND r.visibility = 'visible')`

	// insertThreadSQL stores a thread; one held by premoderation or with
	// flag words enters the moderators' queue at once.
	insertThreadSQL = `
INSERT INTO forum_threads (category_code, title, body, commune_code, epci_code, author_id, visibility, flags, queued_at)
VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), $6, $7, $8,
        CASE WHEN $7 = 'en_attente' OR cardinality($8::text[]) > 0 THEN now() END)
RETURNING id`

	// threadSQL reads a thread the viewer ($2) may see: visible, or theirs.
	threadSQL = `SELECT ` + threadColumns + `
  FROM forum_threads t LEFT JOIN users u ON u.id = t.author_id
 WHERE t.id = $1 AND (t.visibility = 'visible' OR (t.author_id = $2 AND $2 <> 0))`

	// listSQL lists visible threads (and the viewer's own waiting or
	// hidden ones), liveliest first, in a category ($1, '' for all).
	listSQL = `SELECT ` + threadColumns + `, count(*) OVER ()
  FROM forum_threads t LEFT JOIN users u ON u.id = t.author_id
 WHERE (t.visibility = 'visible' OR (t.author_id = $2 AND $2 <> 0))
   AND ($1 = '' OR t.category_code = $1)
 ORDER BY t.last_activity_at DESC, t.id DESC
 LIMIT $3 OFFSET $4`

	// countsSQL counts the visible threads of each category.
	countsSQL = `
SELECT category_code, count(*), max(last_activity_at) FROM forum_threads
 WHERE visibility = 'visible' GROUP BY category_code`

	// repliesSQL reads a thread's replies, oldest first, with the reply
	// each quotes as it is now.
	repliesSQL = `
SELECT r.id, coalesce(r.author_id, 0), coalesce(u.display_name, ''), r.body, r.visibility, r.moderation_reason, r.created_at,
       q.id, coalesce(qu.display_name, ''), coalesce(q.body, ''), coalesce(q.visibility, '')
  FROM forum_replies r
  LEFT JOIN users u ON u.id = r.author_id
  LEFT JOIN forum_replies q ON q.id = r.quote_id
  LEFT JOIN users qu ON qu.id = q.author_id
 WHERE r.thread_id = $1 ORDER BY r.id`

	// threadForReplySQL holds the thread while a reply is added, so that
	// the reply and its notifications see the same thread.
	threadForReplySQL = `SELECT title, visibility FROM forum_threads WHERE id = $1 FOR SHARE`

	// quotableSQL: a reply may quote a visible reply of the same thread.
	quotableSQL = `SELECT 1 FROM forum_replies WHERE id = $1 AND thread_id = $2 AND visibility = 'visible'`

	insertReplySQL = `
INSERT INTO forum_replies (thread_id, author_id, body, quote_id, flags, queued_at)
VALUES ($1, $2, $3, $4, $5, CASE WHEN cardinality($5::text[]) > 0 THEN now() END)
RETURNING id, created_at`

	touchThreadSQL = `UPDATE forum_threads SET last_activity_at = now() WHERE id = $1`

	subscribeSQL = `
INSERT INTO forum_subscriptions (thread_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	unsubscribeSQL = `DELETE FROM forum_subscriptions WHERE thread_id = $1 AND user_id = $2`
	subscribedSQL  = `SELECT EXISTS (SELECT 1 FROM forum_subscriptions WHERE thread_id = $1 AND user_id = $2)`

	// subscribersSQL lists who to tell of a new reply: every subscriber
	// but its author.
	subscribersSQL = `
SELECT u.email, u.display_name, u.locale FROM forum_subscriptions s JOIN users u ON u.id = s.user_id
 WHERE s.thread_id = $1 AND s.user_id <> $2`

	nameSQL = `SELECT display_name FROM users WHERE id = $1`

	// suspendedSQL says whether a person may not write now.
	suspendedSQL = `SELECT coalesce(suspended_until > now(), false) FROM users WHERE id = $1`
)
