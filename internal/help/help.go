// Package help owns the heart of a portal: requests for help ("demandes")
// and offers ("propositions"). It validates what a person posts, applies the
// portal's rules (services must be free, forbidden words, premoderation) on
// every path, lists and searches posts, and ends them: closed by their
// author, or expired unless renewed.
package help

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

// Kinds of post.
const (
	KindRequest = "demande"
	KindOffer   = "proposition"
)

// Statuses of a post.
const (
	StatusOpen       = "ouverte"
	StatusInProgress = "en_cours"
	StatusDone       = "realisee"
	StatusWithdrawn  = "retiree"
	StatusExpired    = "expiree"
)

// Visibilities of a post.
const (
	VisibilityPending = "en_attente"
	VisibilityVisible = "visible"
	VisibilityHidden  = "masquee"
)

// Modes says how help is given; WhenKinds when.
var (
	Modes     = []string{"sur_place", "a_distance", "telephone"}
	WhenKinds = []string{"souple", "date", "periode", "regulier"}
)

// Limits of what a person types, in characters.
const (
	titleMin, titleMax = 5, 100
	descMin, descMax   = 20, 4000
	recurrenceMax      = 100
	// PerPage is how many posts a list page shows.
	PerPage = 20
	// MaxCounted is how far a list counts its matches unless asked to
	// count them all (Filter.CountAll): a page then says "more than
	// 1,000" instead of the exact number.
	MaxCounted = 1000
)

var (
	// ErrNotFound means no such post, or not one this person may see.
	ErrNotFound = errors.New("help: post not found")
	// ErrNotAllowed means the post is not this person's, or not in a state
	// that allows the change.
	ErrNotAllowed = errors.New("help: change not allowed")
)

// Draft is what a person types to post.
type Draft struct {
	Kind        string
	Category    string
	Title       string
	Description string
	CommuneCode string
	Modes       []string
	WhenKind    string
	DateFrom    string // YYYY-MM-DD, from the form's date input
	DateTo      string
	Recurrence  string
	Urgent      bool
}

// Post is a stored post, with its author's public name and commune (never
// their email or phone).
type Post struct {
	ID            int64
	Kind          string
	Category      string
	Title         string
	Description   string
	CommuneCode   string
	EPCICode      string
	Modes         []string
	WhenKind      string
	DateFrom      *time.Time
	DateTo        *time.Time
	Recurrence    string
	Urgent        bool
	Status        string
	Visibility    string
	AuthorID      int64
	AuthorName    string
	AuthorCommune string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ExpiresAt     time.Time
	// Thanks is the author's word to the helper, once the post is done.
	Thanks string
	// MatchesNotified: the author already told the people whose posts fit.
	MatchesNotified bool
	// ModerationReason is why a référent hid the post, shown to its author.
	ModerationReason string
	// ModeratedAt is when a référent last decided about the post.
	ModeratedAt *time.Time
	// Flags are the portal's flag words found in the post: it waits for a
	// référent's look, still visible.
	Flags []string
}

// Place says where a commune is: its EPCI and département.
type Place func(communeCode string) (epci, departement string, ok bool)

// Mailer sends one plain-text email from the portal in ctx.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Service is the help capability.
type Service struct {
	db         *db.DB
	place      Place
	neighbours func(epci string) []string
	rules      map[tenant.Slug]*rules.Set
	mailer     Mailer
	messages   *i18n.Bundle
	now        func() time.Time
}

// Deps are what the service needs.
type Deps struct {
	DB    *db.DB
	Place Place
	// Neighbours lists the EPCIs that border one (territory data).
	Neighbours func(epci string) []string
	Portals    []*tenant.Tenant
	// Mailer and Messages write to the people a post may interest.
	Mailer   Mailer
	Messages *i18n.Bundle
}

// New returns the service for the given portals; each portal's rule set is
// built once here.
func New(d Deps) *Service {
	s := &Service{db: d.DB, place: d.Place, neighbours: d.Neighbours, rules: map[tenant.Slug]*rules.Set{},
		mailer: d.Mailer, messages: d.Messages, now: time.Now}
	for _, t := range d.Portals {
		s.rules[t.Slug] = rules.New(t.Rules)
	}
	if d.DB != nil {
		// What the list, the home page and a new post send.
		d.DB.KeepPrepared(helpedCountSQL, insertPostSQL, db.KeptPlanSQL)
		d.DB.KeepPrepared(listStatements()...)
	}
	return s
}

// Create validates and stores a post by authorID on the portal in ctx. A
// post that breaks the portal's rules is refused (*rules.Refused); under
// premoderation it is stored but waits for a référent before anyone else
// sees it.
func (s *Service) Create(ctx context.Context, authorID int64, d Draft) (Post, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return Post{}, db.ErrNoTenant
	}
	d, sc, err := s.check(t, d)
	if err != nil {
		return Post{}, err
	}
	visibility := VisibilityVisible
	if sc.hold {
		visibility = VisibilityPending
	}
	expires := s.now().Add(time.Duration(t.Rules.RequestExpiryDays) * 24 * time.Hour)
	var p Post
	b := &pgx.Batch{}
	sql, args := InsertQuery(d, sc.epci, visibility, sc.flags, authorID, expires)
	b.Queue(sql, args...).
		QueryRow(func(row pgx.Row) error {
			var err error
			p, err = scanPost(row)
			return err
		})
	if err := s.db.Write(ctx, b); err != nil {
		return Post{}, fmt.Errorf("help: save post: %w", err)
	}
	return p, nil
}

// InsertQuery is the statement Create runs to store a draft that passed
// check, and its arguments: the draft, its commune's EPCI, its visibility,
// the flag words found (empty, not nil, when none), its author and when it
// expires. It returns the
// post's columns as scanPost reads them. The benchmark's write floor runs
// it as is, so that it measures the very insert the form makes.
func InsertQuery(d Draft, epci, visibility string, flags []string, authorID int64, expires time.Time) (string, []any) {
	return insertPostSQL, []any{d.Kind, d.Category, d.Title, d.Description, d.CommuneCode, epci,
		d.Modes, d.WhenKind, parseDate(d.DateFrom), parseDate(d.DateTo), d.Recurrence, d.Urgent, visibility, authorID, expires, flags}
}

// screened is what check learns of an accepted draft.
type screened struct {
	// epci is the commune's EPCI.
	epci string
	// hold: the post waits for a référent before anyone else sees it.
	hold bool
	// flags are the flag words found, as typed, each once: the post goes
	// to the moderators' queue.
	flags []string
}

// check is what every path that writes a post goes through: validation,
// then the portal's rules. It returns the cleaned draft and what the rules
// say of it.
func (s *Service) check(t *tenant.Tenant, d Draft) (Draft, screened, error) {
	d, epci, errs := s.validate(t, d)
	if len(errs) > 0 {
		return d, screened{}, errs
	}
	set, ok := s.rules[t.Slug]
	if !ok {
		return d, screened{}, fmt.Errorf("help: no rules for portal %s", t.Slug)
	}
	verdict := set.Check(rules.Field{Name: "title", Text: d.Title}, rules.Field{Name: "description", Text: d.Description},
		rules.Field{Name: "recurrence", Text: d.Recurrence})
	if len(verdict.Refused) > 0 {
		return d, screened{}, &rules.Refused{Findings: verdict.Refused}
	}
	sc := screened{epci: epci, hold: verdict.Hold, flags: []string{}}
	for _, f := range verdict.Flagged {
		if !slices.Contains(sc.flags, f.Match) {
			sc.flags = append(sc.flags, f.Match)
		}
	}
	return d, sc, nil
}

// validate checks a draft and returns it cleaned, with the commune's EPCI,
// or the message id of what is wrong with each field.
func (s *Service) validate(t *tenant.Tenant, d Draft) (Draft, string, invalid.Fields) {
	errs := invalid.Fields{}
	d.Title = oneLine(d.Title)
	d.Description = strings.TrimSpace(strings.ReplaceAll(d.Description, "\r\n", "\n"))
	d.Recurrence = oneLine(d.Recurrence)
	if d.Kind != KindRequest && d.Kind != KindOffer {
		errs["kind"] = "post.error.kind"
	}
	if !hasCategory(t, d.Category) {
		errs["category"] = "post.error.category"
	}
	if n := utf8.RuneCountInString(d.Title); n < titleMin || n > titleMax {
		errs["title"] = "post.error.title"
	}
	if n := utf8.RuneCountInString(d.Description); n < descMin || n > descMax || strings.IndexFunc(d.Description, isBadControl) >= 0 {
		errs["description"] = "post.error.description"
	}
	epci, dep, ok := s.place(d.CommuneCode)
	if !ok || dep != t.Departement {
		errs["commune"] = "commune.unknown"
	}
	if len(d.Modes) == 0 || !allIn(d.Modes, Modes) {
		errs["modes"] = "post.error.modes"
	}
	switch d.WhenKind {
	case "souple":
		d.DateFrom, d.DateTo, d.Recurrence = "", "", ""
	case "date":
		if parseDate(d.DateFrom) == nil {
			errs["date_from"] = "post.error.date"
		}
		d.DateTo, d.Recurrence = "", ""
	case "periode":
		from, to := parseDate(d.DateFrom), parseDate(d.DateTo)
		switch {
		case from == nil:
			errs["date_from"] = "post.error.date"
		case to == nil || to.Before(*from):
			errs["date_to"] = "post.error.date_to"
		}
		d.Recurrence = ""
	case "regulier":
		if n := utf8.RuneCountInString(d.Recurrence); n < 3 || n > recurrenceMax {
			errs["recurrence"] = "post.error.recurrence"
		}
		d.DateFrom, d.DateTo = "", ""
	default:
		errs["when"] = "post.error.when"
	}
	return d, epci, errs
}

// Save creates a post (id 0) or replaces the author's post id: the one
// entry point of the page and the API.
func (s *Service) Save(ctx context.Context, authorID, id int64, d Draft) (Post, error) {
	if id == 0 {
		return s.Create(ctx, authorID, d)
	}
	return s.Update(ctx, authorID, id, d)
}

// Update replaces what the author wrote, with the same validation and the
// same portal rules as a new post. Under premoderation the edited post
// waits for a référent again. A finished or hidden post cannot be edited.
func (s *Service) Update(ctx context.Context, authorID, id int64, d Draft) (Post, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return Post{}, db.ErrNoTenant
	}
	d, sc, err := s.check(t, d)
	if err != nil {
		return Post{}, err
	}
	var p Post
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, updatePostSQL, id, authorID, d.Kind, d.Category, d.Title, d.Description, d.CommuneCode, sc.epci,
			d.Modes, d.WhenKind, parseDate(d.DateFrom), parseDate(d.DateTo), d.Recurrence, d.Urgent, sc.hold, sc.flags)
		if err != nil {
			return fmt.Errorf("help: update post %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotAllowed
		}
		p, err = scanPost(tx.QueryRow(ctx, postByIDSQL, id))
		return err
	})
	return p, err
}

// Get returns a post the viewer may see: visible ones to everyone, and the
// author's own whatever their state (with the référent's reason when hidden).
func (s *Service) Get(ctx context.Context, id, viewerID int64) (Post, error) {
	var p Post
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = scanPost(tx.QueryRow(ctx, postByIDSQL, id))
		return err
	})
	if err != nil {
		return Post{}, err
	}
	if p.Visibility != VisibilityVisible && p.AuthorID != viewerID {
		return Post{}, ErrNotFound
	}
	return p, nil
}

// Filter narrows the public list. Empty fields do not filter.
type Filter struct {
	Kind     string
	Category string
	EPCI     string
	Query    string // words, searched in French without regard to accents
	// Date keeps posts that can happen that day (YYYY-MM-DD); "" or an
	// unreadable date does not filter.
	Date string
	// Near puts posts of this EPCI first.
	Near string
	Page int // from 1
	// CountAll asks for the exact number of matches however many there
	// are (the API's total). Otherwise the count stops past MaxCounted,
	// or past the page when it is further, which is all a page needs to
	// say "more than 1,000" and whether a next page exists: counting every
	// open post took most of a signed-in person's list (1 ms of 1.5 at
	// 10,000 posts), and it grows with the portal.
	CountAll bool
}

// List returns one page of open, visible posts and how many match in all,
// or, unless f.CountAll, a number above MaxCounted when there are more.
func (s *Service) List(ctx context.Context, f Filter) ([]Post, int, error) {
	sql, args := ListQuery(f)
	var posts []Post
	var total int
	// One query, known in advance: one round trip (db.Read).
	b := &pgx.Batch{}
	if RunsKeptPlan(f) {
		b.Queue(db.KeptPlanSQL)
	}
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var err error
		posts, total, err = scanPosts(rows)
		return err
	})
	err := s.db.Read(ctx, b)
	return posts, total, err
}

// ListQuery is the SQL and arguments of one page of the public list for f.
// The benchmark's database floor (cmd/entraide-bench) runs it too: it must
// measure exactly what the page runs.
func ListQuery(f Filter) (string, []any) {
	f.Page = max(f.Page, 1)
	f.Query = strings.TrimSpace(f.Query)
	if utf8.RuneCountInString(f.Query) > 200 {
		f.Query = string([]rune(f.Query)[:200])
	}
	return listSQL(f, parseDate(f.Date))
}

// RunsKeptPlan says whether the statement of f's page is to run on its kept
// plan (db.KeptPlanSQL queued before it): the list a signed-in person sees
// first, their EPCI's posts before the others', with no other filter.
// PostgreSQL otherwise planned it again on every request, because its kept
// plan, made without the page's values, is estimated dearer than one made
// for them; yet that plan is as good for every EPCI, big or empty, and
// every page (migration 0016), and planning it cost more than running it.
// With filters, the plans were not checked for every value: PostgreSQL
// still chooses.
func RunsKeptPlan(f Filter) bool {
	f.Query = strings.TrimSpace(f.Query)
	return nearFirst(f) && f.Kind == "" && f.Category == "" && f.Date == ""
}

// listStatements are the texts ListQuery may give, one per set of filters,
// for the database to keep prepared.
func listStatements() []string {
	seen := map[string]bool{}
	var all []string
	date := "2026-01-01"
	for set := range 1 << 7 {
		pick := func(bit int, v string) string {
			if set&(1<<bit) != 0 {
				return v
			}
			return ""
		}
		sql, _ := ListQuery(Filter{Kind: pick(0, "k"), Category: pick(1, "c"), EPCI: pick(2, "e"), Query: pick(3, "q"),
			Date: pick(4, date), Near: pick(5, "n"), CountAll: pick(6, "all") != ""})
		if !seen[sql] {
			seen[sql] = true
			all = append(all, sql)
		}
	}
	return all
}

// Suggest returns up to limit open posts that fit p: the opposite kind, the
// same category, someone else's, in the same or a neighbouring
// intercommunalité; the same one first, then the authors who share most
// interests with p's author.
func (s *Service) Suggest(ctx context.Context, p Post, limit int) ([]Post, error) {
	near := []string{}
	if s.neighbours != nil {
		near = append(near, s.neighbours(p.EPCICode)...)
	}
	var posts []Post
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		posts, _, err = collectPosts(ctx, tx, suggestSQL, p.Kind, p.Category, p.AuthorID, p.EPCICode, limit, near)
		return err
	})
	return posts, err
}

// Recipient is someone to write to.
type Recipient struct{ Email, Name, Locale string }

// NotifyMatches tells the authors of the posts that fit post id, by email
// with a link (baseURL is the portal's address); only its author may, and
// only once per post.
func (s *Service) NotifyMatches(ctx context.Context, authorID, id int64, limit int, baseURL string) error {
	p, err := s.Get(ctx, id, authorID)
	if err != nil {
		return err
	}
	people, err := s.matchAuthors(ctx, p, authorID, id, limit)
	if err != nil {
		return err
	}
	t, _ := tenant.FromContext(ctx)
	for _, rc := range people {
		l := s.messages.For(rc.Locale)
		body := l.T("email.match.body", "Name", rc.Name, "Title", p.Title, "Portal", t.Name,
			"Link", fmt.Sprintf("%s/annonces/%d", baseURL, p.ID))
		if err := s.mailer.Send(ctx, rc.Email, l.T("email.match.subject", "Portal", t.Name), body); err != nil {
			return fmt.Errorf("help: tell a match: %w", err)
		}
	}
	return nil
}

// matchAuthors marks the post as having told its matches and returns their
// authors.
func (s *Service) matchAuthors(ctx context.Context, p Post, authorID, id int64, limit int) ([]Recipient, error) {
	matches, err := s.Suggest(ctx, p, limit)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(matches))
	for i, m := range matches {
		ids[i] = m.AuthorID
	}
	var out []Recipient
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, markNotifiedSQL, id, authorID)
		if err != nil {
			return fmt.Errorf("help: mark matches notified: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotAllowed
		}
		rows, err := tx.Query(ctx, matchAuthorsSQL, ids)
		if err != nil {
			return fmt.Errorf("help: match authors: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Recipient, error) {
			var rc Recipient
			err := r.Scan(&rc.Email, &rc.Name, &rc.Locale)
			return rc, err
		})
		return err
	})
	return out, err
}

// ByAuthor returns a person's own posts, whatever their state.
func (s *Service) ByAuthor(ctx context.Context, authorID int64) ([]Post, error) {
	var posts []Post
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		posts, _, err = collectPosts(ctx, tx, byAuthorSQL, authorID, 100)
		return err
	})
	return posts, err
}

// Renew keeps an open (or just expired) post online for the portal's
// expiry period from now.
func (s *Service) Renew(ctx context.Context, authorID, id int64) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return db.ErrNoTenant
	}
	until := s.now().Add(time.Duration(t.Rules.RequestExpiryDays) * 24 * time.Hour)
	return s.change(ctx, renewSQL, id, authorID, until)
}

// Close ends a post by its author: done (réalisée, counted as a "coup de
// main", with optional thanks to the helper) or withdrawn (retirée).
func (s *Service) Close(ctx context.Context, authorID, id int64, status, thanks string) error {
	if status != StatusDone && status != StatusWithdrawn {
		return ErrNotAllowed
	}
	thanks = strings.TrimSpace(thanks)
	if utf8.RuneCountInString(thanks) > 500 {
		return invalid.Fields{"thanks": "post.error.thanks"}
	}
	if status == StatusWithdrawn {
		thanks = ""
	}
	return s.change(ctx, closeSQL, id, authorID, status, thanks)
}

// HelpedCount is how many posts of the portal ended with help given.
func (s *Service) HelpedCount(ctx context.Context) (int, error) {
	var n int
	b := &pgx.Batch{}
	QueueHelpedCount(b, &n)
	err := s.db.Read(ctx, b)
	return n, err
}

// QueueHelpedCount queues HelpedCount's query in b, for a page that reads
// it with other things in one round trip (db.DB.Read): *n holds the count
// once b is sent.
func QueueHelpedCount(b *pgx.Batch, n *int) {
	b.Queue(helpedCountSQL).QueryRow(func(row pgx.Row) error {
		if err := row.Scan(n); err != nil {
			return fmt.Errorf("help: count posts that ended with help: %w", err)
		}
		return nil
	})
}

func (s *Service) change(ctx context.Context, sql string, id, authorID int64, args ...any) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sql, append([]any{id, authorID}, args...)...)
		if err != nil {
			return fmt.Errorf("help: change post %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotAllowed
		}
		return nil
	})
}

// Expiring is a post about to expire, and whom to tell.
type Expiring struct {
	PostID      int64
	Title       string
	ExpiresAt   time.Time
	AuthorEmail string
	AuthorName  string
	Locale      string
}

// Expire ends the open posts whose time is up, and returns the posts that
// end within warnBefore and whose author must now be told (once).
func (s *Service) Expire(ctx context.Context, warnBefore time.Duration) (expired int64, warn []Expiring, err error) {
	now := s.now()
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, expireSQL, now)
		if err != nil {
			return fmt.Errorf("help: expire posts: %w", err)
		}
		expired = tag.RowsAffected()
		rows, err := tx.Query(ctx, expiringSQL, now.Add(warnBefore))
		if err != nil {
			return fmt.Errorf("help: posts about to expire: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var e Expiring
			if err := rows.Scan(&e.PostID, &e.Title, &e.ExpiresAt, &e.AuthorEmail, &e.AuthorName, &e.Locale); err != nil {
				return fmt.Errorf("help: posts about to expire: %w", err)
			}
			warn = append(warn, e)
		}
		return rows.Err()
	})
	return expired, warn, err
}

func hasCategory(t *tenant.Tenant, code string) bool {
	for _, c := range t.Categories {
		if c.Code == code {
			return true
		}
	}
	return false
}

func allIn(list, allowed []string) bool {
	for _, x := range list {
		ok := false
		for _, a := range allowed {
			ok = ok || x == a
		}
		if !ok {
			return false
		}
	}
	return true
}

// oneLine trims and folds white space, for single-line fields.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// isBadControl refuses control characters other than line breaks and tabs.
func isBadControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }

func parseDate(s string) *time.Time {
	if s == "" {
		return nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil
	}
	return &d
}
