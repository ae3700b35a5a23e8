package news

// SQL of the news package, in one place. Table names are unqualified:
// every statement runs in a transaction pinned to the portal's schema.
const (
	itemColumns = `n.id, n.kind, n.title, n.body, coalesce(n.author_id, 0), n.author_name, n.published_at, n.updated_at,
       n.expires_at, i.alt IS NOT NULL, coalesce(i.alt, '')`

	insertSQL = `
INSERT INTO news (kind, title, body, author_id, author_name, expires_at)
VALUES ($1, $2, $3, $4, (SELECT display_name FROM users WHERE id = $4), $5)
RETURNING id`

	insertImageSQL = `INSERT INTO news_images (news_id, content_type, data, alt) VALUES ($1, $2, $3, $4)`

	// listSQL is the feed: alerts still in force first, then everything
	// else newest first (an expired alert is an ordinary item).
	listSQL = `
SELECT ` + itemColumns + `, count(*) OVER ()
  FROM news n LEFT JOIN news_images i ON i.news_id = n.id
 ORDER BY (n.kind = 'alerte' AND n.expires_at > now()) DESC, n.published_at DESC, n.id DESC
 LIMIT $1 OFFSET $2`

	byIDSQL = `SELECT ` + itemColumns + `, 0 FROM news n LEFT JOIN news_images i ON i.news_id = n.id WHERE n.id = $1`

	imageSQL = `SELECT content_type, data FROM news_images WHERE news_id = $1`
)
