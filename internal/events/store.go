package events

import (
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SQL of the events package, in one place. Table names are unqualified:
// every statement runs in a transaction pinned to the portal's schema.
const (
	eventColumns = `e.id, e.category_code, e.title, e.description, e.commune_code, e.epci_code, e.address, e.online,
       e.online_url, e.starts_at, e.ends_at, e.capacity, e.accessibility, e.organiser_name, e.organiser_url,
       e.recurrence, e.interval_n, e.weekdays, e.month_week, e.until_day, e.occurrence_count, e.exceptions,
       e.visibility, e.moderation_reason, e.cancelled_at, e.author_id, u.display_name, e.created_at, e.updated_at`

	insertEventSQL = `
INSERT INTO events (category_code, title, description, commune_code, epci_code, address, online, online_url,
                    starts_at, ends_at, capacity, accessibility, organiser_name, organiser_url, recurrence,
                    interval_n, weekdays, month_week, until_day, occurrence_count, exceptions, visibility, author_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
RETURNING id`

	eventByIDSQL = `SELECT ` + eventColumns + ` FROM events e JOIN users u ON u.id = e.author_id WHERE e.id = $1`

	// eventForUpdateSQL locks the event while its places are counted.
	eventForUpdateSQL = eventByIDSQL + ` FOR UPDATE OF e`

	// listSQL finds the events that may happen in [$2, $1): those that
	// start before the end of the window and, once or repeating, have not
	// ended before it. Recurrences are unrolled in Go. The viewer ($6)
	// also sees their own events waiting for a moderator.
	listSQL = `
SELECT ` + eventColumns + `
  FROM events e JOIN users u ON u.id = e.author_id
 WHERE (e.visibility = 'visible' OR e.author_id = $6) AND e.cancelled_at IS NULL
   AND e.starts_at < $1
   AND (e.recurrence <> 'aucune' OR e.ends_at > $2)
   AND (e.until_day IS NULL OR e.until_day >= $3::date - 14)
   AND ($4 = '' OR e.category_code = $4)
   AND ($5 = '' OR e.epci_code = $5)
 ORDER BY e.starts_at, e.id
 LIMIT $7`

	// feedSQL is what the iCalendar feeds publish: visible events not
	// ended before $1.
	feedSQL = `
SELECT ` + eventColumns + `
  FROM events e JOIN users u ON u.id = e.author_id
 WHERE e.visibility = 'visible' AND e.cancelled_at IS NULL
   AND (e.recurrence <> 'aucune' OR e.ends_at > $1)
   AND (e.until_day IS NULL OR e.until_day >= $2::date)
   AND ($3 = '' OR e.category_code = $3)
   AND ($4 = '' OR e.epci_code = $4)
 ORDER BY e.starts_at, e.id
 LIMIT $5`

	registeredCountSQL = `SELECT count(*) FROM event_signups WHERE event_id = $1 AND day = $2::date AND status = 'inscrit'`

	insertSignupSQL = `
INSERT INTO event_signups (event_id, day, user_id, status) VALUES ($1, $2::date, $3, $4)
ON CONFLICT (event_id, day, user_id) DO NOTHING`

	// mySignupSQL reads one sign-up and, for someone waiting, their place
	// in the line (first come, first served).
	mySignupSQL = `
SELECT s.status,
       CASE WHEN s.status = 'attente' THEN
         (SELECT count(*) FROM event_signups w
           WHERE w.event_id = s.event_id AND w.day = s.day AND w.status = 'attente'
             AND (w.created_at, w.user_id) <= (s.created_at, s.user_id))
       ELSE 0 END
  FROM event_signups s WHERE s.event_id = $1 AND s.day = $2::date AND s.user_id = $3`

	deleteSignupSQL = `DELETE FROM event_signups WHERE event_id = $1 AND day = $2::date AND user_id = $3 RETURNING status`

	// promoteSQL gives a freed place to the first person waiting, if the
	// occurrence has a place left ($3 is its capacity), and returns whom
	// to tell.
	promoteSQL = `
UPDATE event_signups s SET status = 'inscrit'
  FROM users u
 WHERE u.id = s.user_id AND (s.event_id, s.day, s.user_id) = (
       SELECT w.event_id, w.day, w.user_id FROM event_signups w
        WHERE w.event_id = $1 AND w.day = $2::date AND w.status = 'attente'
        ORDER BY w.created_at, w.user_id LIMIT 1)
   AND (SELECT count(*) FROM event_signups r WHERE r.event_id = $1 AND r.day = $2::date AND r.status = 'inscrit') < $3
RETURNING u.email, u.display_name, u.locale`

	// attendanceSQL counts each day's places and gives the viewer's own
	// sign-up with their place in the waiting line.
	attendanceSQL = `
SELECT s.day,
       count(*) FILTER (WHERE s.status = 'inscrit'),
       count(*) FILTER (WHERE s.status = 'attente'),
       max(s.status) FILTER (WHERE s.user_id = $2),
       coalesce(max(w.pos) FILTER (WHERE s.user_id = $2 AND s.status = 'attente'), 0)
  FROM event_signups s
  LEFT JOIN LATERAL (
       SELECT count(*) AS pos FROM event_signups x
        WHERE x.event_id = s.event_id AND x.day = s.day AND x.status = 'attente'
          AND (x.created_at, x.user_id) <= (s.created_at, s.user_id)) w ON s.user_id = $2
 WHERE s.event_id = $1
 GROUP BY s.day`

	addExceptionSQL = `
UPDATE events SET exceptions = array_append(exceptions, $2::date), updated_at = now()
 WHERE id = $1 AND NOT ($2::date = ANY (exceptions))`

	cancelEventSQL = `UPDATE events SET cancelled_at = now(), updated_at = now() WHERE id = $1 AND cancelled_at IS NULL`

	// dropSignupsSQL removes the sign-ups of a cancelled day and returns
	// whom to tell.
	dropSignupsSQL = `
DELETE FROM event_signups s USING users u
 WHERE u.id = s.user_id AND s.event_id = $1 AND s.day = $2::date
RETURNING u.email, u.display_name, u.locale`

	mineSQL = `
SELECT ` + eventColumns + `, s.day, s.status
  FROM event_signups s JOIN events e ON e.id = s.event_id JOIN users u ON u.id = e.author_id
 WHERE s.user_id = $1 AND s.day >= $2::date AND e.cancelled_at IS NULL
 ORDER BY s.day, e.starts_at, e.id
 LIMIT 500`

	upsertFeedSQL = `
INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2)
ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()`

	feedOwnerSQL = `SELECT user_id FROM calendar_feeds WHERE token_hash = $1`

	hasFeedSQL = `SELECT EXISTS (SELECT 1 FROM calendar_feeds WHERE user_id = $1)`

	// remindSQL marks the sign-ups of day $1 not reminded yet, in the same
	// statement that returns them, so each is reminded once even when
	// two runs overlap.
	remindSQL = `
UPDATE event_signups s SET reminded_at = now()
  FROM events e, users u
 WHERE e.id = s.event_id AND u.id = s.user_id
   AND s.day = $1::date AND s.status = 'inscrit' AND s.reminded_at IS NULL
   AND e.visibility = 'visible' AND e.cancelled_at IS NULL AND NOT (s.day = ANY (e.exceptions))
RETURNING e.id, e.title, e.starts_at, e.ends_at, e.address, e.online, e.online_url, s.day, u.email, u.display_name, u.locale`
)

func scanEvent(row pgx.Row, extra ...any) (Event, error) {
	var e Event
	var monthWeek *int16
	var until *time.Time
	var count *int32
	var capacity *int32
	var reason *string
	dest := []any{&e.ID, &e.Category, &e.Title, &e.Description, &e.CommuneCode, &e.EPCICode, &e.Address, &e.Online,
		&e.OnlineURL, &e.Start, &e.End, &capacity, &e.Accessibility, &e.OrganiserName, &e.OrganiserURL,
		&e.Recurrence.Freq, &e.Recurrence.Interval, &e.Recurrence.Weekdays, &monthWeek, &until, &count, &e.Recurrence.Exceptions,
		&e.Visibility, &reason, &e.CancelledAt, &e.AuthorID, &e.AuthorName, &e.CreatedAt, &e.UpdatedAt}
	err := row.Scan(append(dest, extra...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return Event{}, ErrNotFound
	}
	if err != nil {
		return Event{}, fmt.Errorf("events: read event: %w", err)
	}
	e.Start, e.End = e.Start.In(Paris), e.End.In(Paris)
	if capacity != nil {
		c := int(*capacity)
		e.Capacity = &c
	}
	if monthWeek != nil {
		e.Recurrence.MonthWeek = int(*monthWeek)
	}
	e.Recurrence.Until = until
	if count != nil {
		e.Recurrence.Count = int(*count)
	}
	if reason != nil {
		e.ModerationReason = *reason
	}
	return e, nil
}
