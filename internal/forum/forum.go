// Package forum owns the portal's forum: threads under the portal's
// categories of help (a portal needs no other configuration), replies that
// may quote another reply of the thread, and subscriptions that tell people
// of new replies by email (a link, never the text).
//
// Every text goes through the portal's rules, as posts do: money where
// services must be free and forbidden words are refused, flag words send
// the thread or reply to the référents' queue (it stays online), and under
// premoderation a new thread waits for a référent. Replies are not held by
// premoderation: the thread they answer was already read by a référent,
// and flag words and reports still send a reply to the queue. A thread is
// placed like a post (category, and the commune's EPCI when the author
// gives one), so référents moderate it within the same scopes; the
// moderation package reads these tables directly.
//
// Suspended people read but do not write (ErrSuspended).
package forum

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/rules"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// Visibilities of a thread or a reply, as for posts.
const (
	VisibilityPending = "en_attente"
	VisibilityVisible = "visible"
	VisibilityHidden  = "masquee"
)

// Limits of what a person types, in characters.
const (
	titleMin, titleMax = 5, 100
	bodyMin, bodyMax   = 2, 4000
	// PerPage is how many threads a list page shows.
	PerPage = 20
)

var (
	// ErrNotFound means no such thread or reply, or not one this person
	// may see.
	ErrNotFound = errors.New("forum: not found")
	// ErrNotAllowed means the thread cannot take a reply now (it waits
	// for a référent or was hidden).
	ErrNotAllowed = errors.New("forum: not allowed")
	// ErrSuspended means the person is suspended and may not write.
	ErrSuspended = errors.New("forum: author suspended")
)

// Draft is what a person types to open a thread. CommuneCode is optional.
type Draft struct {
	Category    string
	Title       string
	Body        string
	CommuneCode string
}

// Thread is a stored thread, with its author's public name.
type Thread struct {
	ID               int64
	Category         string
	Title            string
	Body             string
	CommuneCode      string
	EPCICode         string
	AuthorID         int64 // 0 once the account is deleted
	AuthorName       string
	Visibility       string
	ModerationReason string
	Flags            []string
	CreatedAt        time.Time
	LastActivityAt   time.Time
	// Replies counts the visible replies.
	Replies int

	// With Get: the replies, oldest first, and whether the viewer is
	// subscribed.
	Messages   []Reply
	Subscribed bool
}

// Reply is one reply of a thread.
type Reply struct {
	ID         int64
	ThreadID   int64
	AuthorID   int64 // 0 once the account is deleted
	AuthorName string
	// Body is empty when a référent hid the reply and the viewer is not
	// its author (Hidden says so).
	Body             string
	Hidden           bool
	ModerationReason string
	Flags            []string
	CreatedAt        time.Time
	// Quote is the reply this one quotes, nil when none (or when the
	// quoted reply was deleted with its account).
	Quote *Quote
}

// Quote is a quoted reply as it is now: a hidden one shows no text.
type Quote struct {
	ID         int64
	AuthorName string
	Body       string
	Hidden     bool
}

// CategoryCount is how many visible threads a category has.
type CategoryCount struct {
	Threads      int
	LastActivity *time.Time
}

// Place says where a commune is: its EPCI and département.
type Place func(communeCode string) (epci, departement string, ok bool)

// Mailer sends one plain-text email from the portal in ctx.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Deps are what the service needs.
type Deps struct {
	DB       *db.DB
	Place    Place
	Portals  []*tenant.Tenant
	Mailer   Mailer
	Messages *i18n.Bundle
}

// Service is the forum capability.
type Service struct {
	db       *db.DB
	place    Place
	rules    map[tenant.Slug]*rules.Set
	mailer   Mailer
	messages *i18n.Bundle
}

// New returns the service; each portal's rule set is built once here.
func New(d Deps) *Service {
	s := &Service{db: d.DB, place: d.Place, rules: map[tenant.Slug]*rules.Set{}, mailer: d.Mailer, messages: d.Messages}
	for _, t := range d.Portals {
		s.rules[t.Slug] = rules.New(t.Rules)
	}
	return s
}

// screen applies the portal's rules to fields: refusals come back as
// *rules.Refused; otherwise it says whether premoderation holds the text and
// which flag words it holds, each once.
func (s *Service) screen(t *tenant.Tenant, fields ...rules.Field) (hold bool, flags []string, err error) {
	set, ok := s.rules[t.Slug]
	if !ok {
		return false, nil, fmt.Errorf("forum: no rules for portal %s", t.Slug)
	}
	v := set.Check(fields...)
	if len(v.Refused) > 0 {
		return false, nil, &rules.Refused{Findings: v.Refused}
	}
	flags = []string{}
	for _, f := range v.Flagged {
		if !slices.Contains(flags, f.Match) {
			flags = append(flags, f.Match)
		}
	}
	return v.Hold, flags, nil
}

// CreateThread validates and stores a thread by authorID, who is
// subscribed to it. Under premoderation it waits for a référent.
func (s *Service) CreateThread(ctx context.Context, authorID int64, d Draft) (Thread, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return Thread{}, db.ErrNoTenant
	}
	d.Title = oneLine(d.Title)
	d.Body = cleanText(d.Body)
	d.CommuneCode = strings.TrimSpace(d.CommuneCode)
	errs := invalid.Fields{}
	if !hasCategory(t, d.Category) {
		errs["category"] = "forum.error.category"
	}
	if n := utf8.RuneCountInString(d.Title); n < titleMin || n > titleMax || strings.IndexFunc(d.Title, unicode.IsControl) >= 0 {
		errs["title"] = "forum.error.title"
	}
	if !bodyOK(d.Body) {
		errs["body"] = "forum.error.body"
	}
	var epci string
	if d.CommuneCode != "" {
		e, dep, ok := s.place(d.CommuneCode)
		if !ok || dep != t.Departement {
			errs["commune"] = "forum.error.commune"
		}
		epci = e
	}
	if len(errs) > 0 {
		return Thread{}, errs
	}
	hold, flags, err := s.screen(t, rules.Field{Name: "title", Text: d.Title}, rules.Field{Name: "body", Text: d.Body})
	if err != nil {
		return Thread{}, err
	}
	visibility := VisibilityVisible
	if hold {
		visibility = VisibilityPending
	}
	var th Thread
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		if err := refuseSuspended(ctx, tx, authorID); err != nil {
			return err
		}
		var id int64
		if err := tx.QueryRow(ctx, insertThreadSQL, d.Category, d.Title, d.Body, d.CommuneCode, epci, authorID, visibility, flags).Scan(&id); err != nil {
			return fmt.Errorf("forum: save thread: %w", err)
		}
		if _, err := tx.Exec(ctx, subscribeSQL, id, authorID); err != nil {
			return fmt.Errorf("forum: subscribe author: %w", err)
		}
		var err error
		th, err = scanThread(tx.QueryRow(ctx, threadSQL, id, authorID))
		return err
	})
	return th, err
}

// Filter narrows the list of threads.
type Filter struct {
	Category string
	Page     int
}

// List returns a page of threads the viewer may see (0 for a visitor),
// liveliest first, and how many there are in all.
func (s *Service) List(ctx context.Context, viewerID int64, f Filter) ([]Thread, int, error) {
	page := max(f.Page, 1)
	var out []Thread
	total := 0
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listSQL, f.Category, viewerID, PerPage, (page-1)*PerPage)
		if err != nil {
			return fmt.Errorf("forum: list: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Thread, error) {
			return scanThreadRow(row, &total)
		})
		if err != nil {
			return fmt.Errorf("forum: read list: %w", err)
		}
		return nil
	})
	return out, total, err
}

// Counts returns the number of visible threads of each category.
func (s *Service) Counts(ctx context.Context) (map[string]CategoryCount, error) {
	out := map[string]CategoryCount{}
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, countsSQL)
		if err != nil {
			return fmt.Errorf("forum: counts: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var c CategoryCount
			if err := rows.Scan(&code, &c.Threads, &c.LastActivity); err != nil {
				return fmt.Errorf("forum: read counts: %w", err)
			}
			out[code] = c
		}
		return rows.Err()
	})
	return out, err
}

// Get returns a thread the viewer may see, with its replies. A hidden
// reply shows its text (and the référent's reason) to its author only.
func (s *Service) Get(ctx context.Context, id, viewerID int64) (Thread, error) {
	var th Thread
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		if th, err = scanThread(tx.QueryRow(ctx, threadSQL, id, viewerID)); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, repliesSQL, id)
		if err != nil {
			return fmt.Errorf("forum: replies: %w", err)
		}
		th.Messages, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Reply, error) {
			r := Reply{ThreadID: id}
			var visibility string
			var qID *int64
			var qName, qBody, qVisibility string
			if err := row.Scan(&r.ID, &r.AuthorID, &r.AuthorName, &r.Body, &visibility, &r.ModerationReason, &r.CreatedAt,
				&qID, &qName, &qBody, &qVisibility); err != nil {
				return r, err
			}
			r.Hidden = visibility != VisibilityVisible
			if r.Hidden && (viewerID == 0 || r.AuthorID != viewerID) {
				r.Body, r.ModerationReason = "", ""
			}
			if qID != nil {
				r.Quote = &Quote{ID: *qID, AuthorName: qName, Body: qBody, Hidden: qVisibility != VisibilityVisible}
				if r.Quote.Hidden {
					r.Quote.Body = ""
				}
			}
			return r, nil
		})
		if err != nil {
			return fmt.Errorf("forum: read replies: %w", err)
		}
		if viewerID != 0 {
			if err := tx.QueryRow(ctx, subscribedSQL, id, viewerID).Scan(&th.Subscribed); err != nil {
				return fmt.Errorf("forum: subscribed: %w", err)
			}
		}
		return nil
	})
	return th, err
}

// Reply adds a reply by authorID to a visible thread, quoting quoteID (0
// for none, else a visible reply of the same thread), subscribes its
// author, and tells the other subscribers by email with a link to it.
// baseURL is the portal's address. The reply is saved even when an email
// could not be queued; the error then says so.
func (s *Service) Reply(ctx context.Context, threadID, authorID int64, body string, quoteID int64, baseURL string) (Reply, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return Reply{}, db.ErrNoTenant
	}
	body = cleanText(body)
	if !bodyOK(body) {
		return Reply{}, invalid.Fields{"body": "forum.error.body"}
	}
	_, flags, err := s.screen(t, rules.Field{Name: "body", Text: body})
	if err != nil {
		return Reply{}, err
	}
	r := Reply{ThreadID: threadID, AuthorID: authorID, Body: body, Flags: flags}
	var title, authorName string
	var to []recipient
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		if err := refuseSuspended(ctx, tx, authorID); err != nil {
			return err
		}
		var visibility string
		err := tx.QueryRow(ctx, threadForReplySQL, threadID).Scan(&title, &visibility)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("forum: read thread: %w", err)
		}
		if visibility != VisibilityVisible {
			return ErrNotAllowed
		}
		var quote *int64
		if quoteID != 0 {
			var one int
			err := tx.QueryRow(ctx, quotableSQL, quoteID, threadID).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return invalid.Fields{"quote": "forum.error.quote"}
			}
			if err != nil {
				return fmt.Errorf("forum: read quote: %w", err)
			}
			quote = &quoteID
		}
		if err := tx.QueryRow(ctx, insertReplySQL, threadID, authorID, body, quote, flags).Scan(&r.ID, &r.CreatedAt); err != nil {
			return fmt.Errorf("forum: save reply: %w", err)
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{{touchThreadSQL, []any{threadID}}, {subscribeSQL, []any{threadID, authorID}}} {
			if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
				return fmt.Errorf("forum: after reply: %w", err)
			}
		}
		if err := tx.QueryRow(ctx, nameSQL, authorID).Scan(&authorName); err != nil {
			return fmt.Errorf("forum: author's name: %w", err)
		}
		r.AuthorName = authorName
		to, err = subscribers(ctx, tx, threadID, authorID)
		return err
	})
	if err != nil {
		return Reply{}, err
	}
	return r, s.notify(ctx, t, to, threadID, r.ID, title, authorName, baseURL)
}

// Subscribe starts (on) or stops (off) the emails of a thread's new
// replies for userID. Subscribing needs a thread the person may see.
func (s *Service) Subscribe(ctx context.Context, threadID, userID int64, on bool) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		if !on {
			if _, err := tx.Exec(ctx, unsubscribeSQL, threadID, userID); err != nil {
				return fmt.Errorf("forum: unsubscribe: %w", err)
			}
			return nil
		}
		if _, err := scanThread(tx.QueryRow(ctx, threadSQL, threadID, userID)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, subscribeSQL, threadID, userID); err != nil {
			return fmt.Errorf("forum: subscribe: %w", err)
		}
		return nil
	})
}

// recipient is a subscriber to tell of a reply.
type recipient struct{ email, name, locale string }

func subscribers(ctx context.Context, tx pgx.Tx, threadID, authorID int64) ([]recipient, error) {
	rows, err := tx.Query(ctx, subscribersSQL, threadID, authorID)
	if err != nil {
		return nil, fmt.Errorf("forum: subscribers: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recipient, error) {
		var r recipient
		err := row.Scan(&r.email, &r.name, &r.locale)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("forum: read subscribers: %w", err)
	}
	return out, nil
}

// notify tells each subscriber, in their language, that a reply arrived,
// with a link to it; the reply's text stays on the site.
func (s *Service) notify(ctx context.Context, t *tenant.Tenant, to []recipient, threadID, replyID int64, title, from, baseURL string) error {
	link := fmt.Sprintf("%s/forum/sujets/%d#reponse-%d", baseURL, threadID, replyID)
	var errs []error
	for _, r := range to {
		l := s.messages.For(r.locale)
		subject := l.T("email.forum_reply.subject", "Portal", t.Name, "Title", title)
		body := l.T("email.forum_reply.body", "Name", r.name, "From", from, "Title", title, "Portal", t.Name, "Link", link,
			"Unsubscribe", fmt.Sprintf("%s/forum/sujets/%d", baseURL, threadID))
		if err := s.mailer.Send(ctx, r.email, subject, body); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("forum: notify subscribers: %w", errors.Join(errs...))
	}
	return nil
}

func refuseSuspended(ctx context.Context, tx pgx.Tx, userID int64) error {
	var suspended bool
	err := tx.QueryRow(ctx, suspendedSQL, userID).Scan(&suspended)
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("forum: read author: %w", err)
	}
	if suspended {
		return ErrSuspended
	}
	return nil
}

func scanThread(row pgx.Row) (Thread, error) {
	th, err := scanThreadRow(row, nil)
	if errors.Is(err, pgx.ErrNoRows) {
		return Thread{}, ErrNotFound
	}
	if err != nil {
		return Thread{}, fmt.Errorf("forum: read thread: %w", err)
	}
	return th, nil
}

// scanThreadRow reads threadColumns; total, when not nil, receives the
// count column that listSQL adds.
func scanThreadRow(row pgx.Row, total *int) (Thread, error) {
	var th Thread
	dest := []any{&th.ID, &th.Category, &th.Title, &th.Body, &th.CommuneCode, &th.EPCICode, &th.AuthorID, &th.AuthorName,
		&th.Visibility, &th.ModerationReason, &th.Flags, &th.CreatedAt, &th.LastActivityAt, &th.Replies}
	if total != nil {
		dest = append(dest, total)
	}
	err := row.Scan(dest...)
	return th, err
}

func hasCategory(t *tenant.Tenant, code string) bool {
	for _, c := range t.Categories {
		if c.Code == code {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func cleanText(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

func bodyOK(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= bodyMin && n <= bodyMax &&
		strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) < 0
}
