// Package events owns the portal's calendar ("agenda"): events made by
// référents and admins (or by residents, held for moderation, where the
// portal allows it), their recurrences in Europe/Paris, sign-ups per
// occurrence with a capacity and a waiting line, reminders the day before,
// and iCalendar feeds.
//
// Events are free and open to all: the portal's rule set (internal/rules,
// the same as posts) refuses money where services must be free, and its
// forbidden words, on every path that writes an event.
package events

import (
	"context"
	"errors"
	"fmt"
	"net/url"
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

// Visibilities of an event, as for posts.
const (
	VisibilityPending = "en_attente"
	VisibilityVisible = "visible"
	VisibilityHidden  = "masquee"
)

// Statuses of a sign-up.
const (
	StatusRegistered = "inscrit"
	StatusWaiting    = "attente"
)

// Limits of what an organiser types, in characters, and of recurrences.
const (
	titleMin, titleMax = 5, 120
	descMin, descMax   = 20, 4000
	addressMax         = 200
	accessMax          = 1000
	nameMax            = 100
	urlMax             = 500
	capacityMax        = 10000
	intervalMax        = 12
	countMax           = 200
	// horizon is how far after its start a recurring event may run.
	horizon = 2 * 365 * 24 * time.Hour
	// longest is the longest one occurrence may last.
	longest = 14 * 24 * time.Hour
)

// MessageMoney words the money rule's refusal for an event rather than a
// post.
const MessageMoney = "events.rules.money"

var (
	// ErrNotFound means no such event (or occurrence), or not one this
	// person may see.
	ErrNotFound = errors.New("events: not found")
	// ErrNotAllowed means this person may not do that to this event.
	ErrNotAllowed = errors.New("events: not allowed")
	// ErrClosed means the occurrence has started, or the event is not open
	// to sign-ups (waiting for a moderator, cancelled).
	ErrClosed = errors.New("events: closed to sign-ups")
)

// Draft is what an organiser types. Days are "2006-01-02" and times
// "15:04", in Paris.
type Draft struct {
	Category    string
	Title       string
	Description string
	CommuneCode string
	Address     string
	Online      bool
	OnlineURL   string
	Day         string
	StartTime   string
	EndTime     string
	// EndDay is the last day of an event over several days; "" is Day.
	EndDay string
	// Capacity is the number of places per occurrence; 0 is no limit, a
	// negative number an unreadable one.
	Capacity      int
	Accessibility string
	// OrganiserName and OrganiserURL relay an event organised elsewhere.
	OrganiserName string
	OrganiserURL  string
	Recurrence    string
	Interval      int
	Weekdays      []string
	MonthWeek     int
	Until         string
	Count         int
	Exceptions    []string
}

// Event is a stored event.
type Event struct {
	ID               int64
	Category         string
	Title            string
	Description      string
	CommuneCode      string
	EPCICode         string
	Address          string
	Online           bool
	OnlineURL        string
	Start, End       time.Time // the first occurrence
	Capacity         *int
	Accessibility    string
	OrganiserName    string
	OrganiserURL     string
	Recurrence       Recurrence
	Visibility       string
	ModerationReason string
	CancelledAt      *time.Time
	AuthorID         int64
	AuthorName       string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Recurring reports whether the event happens more than once.
func (e Event) Recurring() bool {
	return e.Recurrence.Freq == RecurWeekly || e.Recurrence.Freq == RecurMonthly
}

// Relayed reports whether the event is organised elsewhere.
func (e Event) Relayed() bool { return e.OrganiserURL != "" }

// Occurrences are the times the event happens that overlap [from, to), at
// most limit (0: all).
func (e Event) Occurrences(from, to time.Time, limit int) []Occurrence {
	return expand(e.Start, e.End, e.Recurrence, from, to, limit)
}

// Occurrence is the occurrence of the event on day ("2006-01-02"), if it
// happens that day.
func (e Event) Occurrence(day string) (Occurrence, bool) {
	d, err := time.Parse(dayFormat, day)
	if err != nil {
		return Occurrence{}, false
	}
	from := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Paris)
	for _, o := range e.Occurrences(from, from.AddDate(0, 0, 1), 0) {
		if o.Day == day {
			return o, true
		}
	}
	return Occurrence{}, false
}

// Place says where a commune is: its EPCI and département.
type Place func(communeCode string) (epci, departement string, ok bool)

// Mailer sends one plain-text email from the portal in ctx.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// MayOrganise says whether an account may publish an event in this
// commune and category without a moderator (authz's organise_event).
type MayOrganise func(ctx context.Context, userID int64, communeCode, category string) (bool, error)

// Deps are what the service needs.
type Deps struct {
	DB          *db.DB
	Place       Place
	Portals     []*tenant.Tenant
	MayOrganise MayOrganise
	// Mailer and Messages write to the people signed up.
	Mailer   Mailer
	Messages *i18n.Bundle
}

// Service is the events capability.
type Service struct {
	db          *db.DB
	place       Place
	rules       map[tenant.Slug]*rules.Set
	mayOrganise MayOrganise
	mailer      Mailer
	messages    *i18n.Bundle
	now         func() time.Time
}

// New returns the service for the given portals; each portal's rule set is
// built once here.
func New(d Deps) *Service {
	s := &Service{db: d.DB, place: d.Place, rules: map[tenant.Slug]*rules.Set{}, mayOrganise: d.MayOrganise,
		mailer: d.Mailer, messages: d.Messages, now: time.Now}
	for _, t := range d.Portals {
		s.rules[t.Slug] = rules.New(t.Rules)
	}
	return s
}

// SetClock replaces the service's clock, for tests of what happens on a
// given day.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// MayCreate says whether authorID may propose events at all on the portal
// in ctx: anyone where residents may, else those who may organise
// somewhere (the caller knows their roles: organiser).
func MayCreate(ctx context.Context, organiser bool) bool {
	t, ok := tenant.FromContext(ctx)
	return ok && (organiser || t.Rules.ResidentsCreateEvents)
}

// Create validates and stores an event by authorID on the portal in ctx.
// One who may organise in its commune and category (référents in their
// scopes, admins) publishes it at once; a resident, where the portal lets
// residents create events, sees it wait for a moderator; anyone else gets
// ErrNotAllowed.
func (s *Service) Create(ctx context.Context, authorID int64, d Draft) (Event, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return Event{}, db.ErrNoTenant
	}
	r, errs := s.validate(t, d)
	if len(errs) > 0 {
		return Event{}, errs
	}
	set, ok := s.rules[t.Slug]
	if !ok {
		return Event{}, fmt.Errorf("events: no rules for portal %s", t.Slug)
	}
	verdict := set.Check(rules.Field{Name: "title", Text: r.d.Title}, rules.Field{Name: "description", Text: r.d.Description},
		rules.Field{Name: "accessibility", Text: r.d.Accessibility}, rules.Field{Name: "organiser_name", Text: r.d.OrganiserName})
	if len(verdict.Refused) > 0 {
		// An event is not a post: money is refused in the calendar's words.
		for i, fd := range verdict.Refused {
			if fd.MessageID == rules.MessageMoney {
				verdict.Refused[i].MessageID = MessageMoney
			}
		}
		return Event{}, &rules.Refused{Findings: verdict.Refused}
	}
	organiser, err := s.mayOrganise(ctx, authorID, r.d.CommuneCode, r.d.Category)
	if err != nil {
		return Event{}, err
	}
	visibility := VisibilityVisible
	if !organiser {
		if !t.Rules.ResidentsCreateEvents {
			return Event{}, ErrNotAllowed
		}
		visibility = VisibilityPending
	}
	var ev Event
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, insertEventSQL, r.d.Category, r.d.Title, r.d.Description, r.d.CommuneCode, r.epci,
			r.d.Address, r.d.Online, r.d.OnlineURL, r.start, r.end, r.capacity, r.d.Accessibility, r.d.OrganiserName,
			r.d.OrganiserURL, r.rec.Freq, r.rec.Interval, r.rec.Weekdays, r.monthWeek, r.rec.Until, r.count,
			r.rec.Exceptions, visibility, authorID).Scan(&id); err != nil {
			return fmt.Errorf("events: save event: %w", err)
		}
		var err error
		ev, err = scanEvent(tx.QueryRow(ctx, eventByIDSQL, id))
		return err
	})
	return ev, err
}

// checked is a validated draft, ready to store.
type checked struct {
	d          Draft
	epci       string
	start, end time.Time
	capacity   *int
	rec        Recurrence
	monthWeek  *int
	count      *int
}

// validate checks a draft and returns it ready to store, or the message id
// of what is wrong with each field.
func (s *Service) validate(t *tenant.Tenant, d Draft) (checked, invalid.Fields) {
	errs := invalid.Fields{}
	d.Title = oneLine(d.Title)
	d.Description = strings.TrimSpace(strings.ReplaceAll(d.Description, "\r\n", "\n"))
	d.Accessibility = strings.TrimSpace(strings.ReplaceAll(d.Accessibility, "\r\n", "\n"))
	d.Address = oneLine(d.Address)
	d.OrganiserName = oneLine(d.OrganiserName)
	d.OrganiserURL = strings.TrimSpace(d.OrganiserURL)
	d.OnlineURL = strings.TrimSpace(d.OnlineURL)
	r := checked{d: d}

	if !hasCategory(t, d.Category) {
		errs["category"] = "events.error.category"
	}
	if n := utf8.RuneCountInString(d.Title); n < titleMin || n > titleMax {
		errs["title"] = "events.error.title"
	}
	if n := utf8.RuneCountInString(d.Description); n < descMin || n > descMax || strings.IndexFunc(d.Description, isBadControl) >= 0 {
		errs["description"] = "events.error.description"
	}
	epci, dep, ok := s.place(d.CommuneCode)
	if !ok || dep != t.Departement {
		errs["commune"] = "commune.unknown"
	}
	r.epci = epci
	if utf8.RuneCountInString(d.Address) > addressMax {
		errs["address"] = "events.error.address"
	}
	if d.Online {
		if !webURL(d.OnlineURL) {
			errs["online_url"] = "events.error.url"
		}
	} else {
		r.d.OnlineURL = ""
	}
	if n := utf8.RuneCountInString(d.Accessibility); n > accessMax || strings.IndexFunc(d.Accessibility, isBadControl) >= 0 {
		errs["accessibility"] = "events.error.accessibility"
	}
	if utf8.RuneCountInString(d.OrganiserName) > nameMax {
		errs["organiser_name"] = "events.error.organiser_name"
	}
	if d.OrganiserURL != "" && !webURL(d.OrganiserURL) {
		errs["organiser_url"] = "events.error.url"
	}
	if d.OrganiserURL == "" && d.OrganiserName != "" {
		errs["organiser_url"] = "events.error.organiser_url"
	}
	switch {
	case d.Capacity < 0 || d.Capacity > capacityMax:
		errs["capacity"] = "events.error.capacity"
	case d.Capacity > 0:
		c := d.Capacity
		r.capacity = &c
	}

	// When: the first occurrence, in Paris.
	day, errDay := time.Parse(dayFormat, d.Day)
	startClock, errStart := time.Parse("15:04", d.StartTime)
	endClock, errEnd := time.Parse("15:04", d.EndTime)
	endDay := day
	if d.EndDay != "" && d.EndDay != d.Day {
		var err error
		if endDay, err = time.Parse(dayFormat, d.EndDay); err != nil {
			errs["end_day"] = "events.error.day"
		}
	}
	switch {
	case errDay != nil:
		errs["day"] = "events.error.day"
	case errStart != nil:
		errs["start_time"] = "events.error.time"
	case errEnd != nil:
		errs["end_time"] = "events.error.time"
	default:
		r.start = time.Date(day.Year(), day.Month(), day.Day(), startClock.Hour(), startClock.Minute(), 0, 0, Paris)
		r.end = time.Date(endDay.Year(), endDay.Month(), endDay.Day(), endClock.Hour(), endClock.Minute(), 0, 0, Paris)
		switch {
		case !r.end.After(r.start):
			errs["end_time"] = "events.error.end"
		case r.end.Sub(r.start) > longest:
			errs["end_day"] = "events.error.too_long"
		case r.start.Before(s.now().Add(-time.Hour)):
			errs["day"] = "events.error.past"
		}
	}

	// How it repeats.
	rec := Recurrence{Freq: d.Recurrence, Interval: max(d.Interval, 1)}
	if rec.Freq == "" {
		rec.Freq = RecurNone
	}
	first := civil(r.start)
	switch rec.Freq {
	case RecurNone:
		rec.Interval = 1
	case RecurWeekly:
		for _, w := range d.Weekdays {
			if !slices.Contains(Weekdays, w) {
				errs["weekdays"] = "events.error.weekdays"
			}
		}
		rec.Weekdays = weekdaysInOrder(d.Weekdays)
		if len(rec.Weekdays) == 0 && errDay == nil {
			rec.Weekdays = []string{weekdayCode(first.Weekday())}
		}
		// RFC 5545 counts the first day as an occurrence whatever the
		// rule: it must be one of the rule's days, or calendar apps and
		// this page would disagree.
		if errDay == nil && !slices.Contains(rec.Weekdays, weekdayCode(first.Weekday())) {
			errs["weekdays"] = "events.error.weekdays_start"
		}
	case RecurMonthly:
		mw := d.MonthWeek
		if mw != LastWeek && (mw < 1 || mw > 5) {
			errs["month_week"] = "events.error.month_week"
		} else if errDay == nil {
			if nth, ok := nthWeekday(first.Year(), first.Month(), first.Weekday(), mw); !ok || !nth.Equal(first) {
				errs["month_week"] = "events.error.month_week_start"
			}
		}
		rec.MonthWeek = mw
		r.monthWeek = &mw
	default:
		errs["recurrence"] = "events.error.recurrence"
	}
	if rec.Freq != RecurNone {
		if d.Interval < 0 || d.Interval > intervalMax {
			errs["interval"] = "events.error.interval"
		}
		switch {
		case d.Until == "" && d.Count == 0:
			errs["until"] = "events.error.recurrence_end"
		case d.Until != "" && d.Count != 0:
			// RFC 5545 forbids both in one rule.
			errs["count"] = "events.error.until_or_count"
		}
		if d.Until != "" {
			u, err := time.Parse(dayFormat, d.Until)
			switch {
			case err != nil:
				errs["until"] = "events.error.day"
			case errDay == nil && (u.Before(first) || u.Sub(first) > horizon):
				errs["until"] = "events.error.until"
			default:
				rec.Until = &u
			}
		}
		if d.Count != 0 {
			if d.Count < 1 || d.Count > countMax {
				errs["count"] = "events.error.count"
			} else {
				rec.Count = d.Count
				c := d.Count
				r.count = &c
			}
		}
		for _, x := range d.Exceptions {
			x = strings.TrimSpace(x)
			if x == "" {
				continue
			}
			xd, err := time.Parse(dayFormat, x)
			if err != nil {
				errs["exceptions"] = "events.error.day"
				continue
			}
			rec.Exceptions = append(rec.Exceptions, xd)
		}
	}
	if rec.Exceptions == nil {
		rec.Exceptions = []time.Time{}
	}
	if rec.Weekdays == nil {
		rec.Weekdays = []string{}
	}
	if rec.Count > 0 && errDay == nil && len(errs) == 0 {
		// Counted occurrences must also end within the horizon, so that
		// what calendar apps unroll and what this site unrolls agree.
		if c := candidates(first, rec); len(c) < rec.Count || c[rec.Count-1].Sub(first) > horizon {
			errs["count"] = "events.error.until"
		}
	}
	r.rec = rec
	return r, errs
}

// Get returns an event the viewer may see: visible ones to everyone, and
// the author's own whatever their state.
func (s *Service) Get(ctx context.Context, id, viewerID int64) (Event, error) {
	var ev Event
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		ev, err = scanEvent(tx.QueryRow(ctx, eventByIDSQL, id))
		return err
	})
	if err != nil {
		return Event{}, err
	}
	if ev.Visibility != VisibilityVisible && ev.AuthorID != viewerID {
		return Event{}, ErrNotFound
	}
	return ev, nil
}

// Filter narrows the calendar. Empty fields do not filter.
type Filter struct {
	// From and To bound the occurrences listed; both required for List.
	From, To time.Time
	Category string
	EPCI     string
	// Viewer also sees their own events waiting for a moderator.
	Viewer int64
}

// Listed is one occurrence of an event in the calendar.
type Listed struct {
	Event Event
	When  Occurrence
}

// maxListed bounds the events one calendar page unrolls.
const maxListed = 500

// List returns the occurrences of the portal's events in [f.From, f.To),
// in the order they happen.
func (s *Service) List(ctx context.Context, f Filter) ([]Listed, error) {
	evs, err := s.query(ctx, listSQL, f.To, f.From, civil(f.From), f.Category, f.EPCI, f.Viewer, maxListed)
	if err != nil {
		return nil, err
	}
	var out []Listed
	for _, ev := range evs {
		for _, o := range ev.Occurrences(f.From, f.To, 0) {
			out = append(out, Listed{Event: ev, When: o})
		}
	}
	slices.SortStableFunc(out, func(a, b Listed) int { return a.When.Start.Compare(b.When.Start) })
	return out, nil
}

// feedPast is how long past events stay in feeds, so calendar apps keep
// what people went to.
const feedPast = 90 * 24 * time.Hour

// Feed returns the visible events for the portal's iCalendar feed (its
// recurrences whole: calendar apps unroll them).
func (s *Service) Feed(ctx context.Context, category, epci string) ([]Event, error) {
	since := s.now().Add(-feedPast)
	return s.query(ctx, feedSQL, since, civil(since), category, epci, maxListed)
}

func (s *Service) query(ctx context.Context, sql string, args ...any) ([]Event, error) {
	var evs []Event
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("events: list: %w", err)
		}
		evs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) { return scanEvent(r) })
		return err
	})
	return evs, err
}

// Next returns the event's next occurrences from now, at most n.
func (s *Service) Next(ev Event, n int) []Occurrence {
	now := s.now()
	return ev.Occurrences(now, now.Add(horizon+longest), n)
}

// Signup is a person's place for one occurrence.
type Signup struct {
	EventID int64
	Day     string
	Status  string // StatusRegistered or StatusWaiting
	// Position in the waiting line, from 1; 0 when registered.
	Position int
}

// SignUp gives userID a place for the occurrence of event eventID on day,
// or a place in the waiting line when it is full. Signing up twice returns
// the first sign-up.
func (s *Service) SignUp(ctx context.Context, userID, eventID int64, day string) (Signup, error) {
	var su Signup
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		ev, err := s.lockOpen(ctx, tx, eventID, userID)
		if err != nil {
			return err
		}
		o, ok := ev.Occurrence(day)
		if !ok {
			return ErrNotFound
		}
		if !o.Start.After(s.now()) {
			return ErrClosed
		}
		var registered int
		if err := tx.QueryRow(ctx, registeredCountSQL, eventID, day).Scan(&registered); err != nil {
			return fmt.Errorf("events: count sign-ups: %w", err)
		}
		status := StatusRegistered
		if ev.Capacity != nil && registered >= *ev.Capacity {
			status = StatusWaiting
		}
		if _, err := tx.Exec(ctx, insertSignupSQL, eventID, day, userID, status); err != nil {
			return fmt.Errorf("events: sign up: %w", err)
		}
		su, err = mySignup(ctx, tx, eventID, day, userID)
		return err
	})
	return su, err
}

// lockOpen reads and locks an event open to sign-ups, so that two sign-ups
// for its last place are counted one after the other.
func (s *Service) lockOpen(ctx context.Context, tx pgx.Tx, eventID, viewerID int64) (Event, error) {
	ev, err := scanEvent(tx.QueryRow(ctx, eventForUpdateSQL, eventID))
	if err != nil {
		return Event{}, err
	}
	if ev.Visibility != VisibilityVisible && ev.AuthorID != viewerID {
		return Event{}, ErrNotFound
	}
	if ev.Visibility != VisibilityVisible || ev.CancelledAt != nil {
		return Event{}, ErrClosed
	}
	return ev, nil
}

func mySignup(ctx context.Context, tx pgx.Tx, eventID int64, day string, userID int64) (Signup, error) {
	su := Signup{EventID: eventID, Day: day}
	err := tx.QueryRow(ctx, mySignupSQL, eventID, day, userID).Scan(&su.Status, &su.Position)
	if errors.Is(err, pgx.ErrNoRows) {
		return Signup{}, ErrNotFound
	}
	if err != nil {
		return Signup{}, fmt.Errorf("events: read sign-up: %w", err)
	}
	return su, nil
}

// Leave cancels userID's sign-up for the occurrence on day. When that
// frees a place, the first person waiting gets it and is told by email
// (baseURL is the portal's address, for the link).
func (s *Service) Leave(ctx context.Context, userID, eventID int64, day, baseURL string) error {
	var promoted *recipient
	var ev Event
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		ev, err = scanEvent(tx.QueryRow(ctx, eventForUpdateSQL, eventID))
		if err != nil {
			return err
		}
		var status string
		err = tx.QueryRow(ctx, deleteSignupSQL, eventID, day, userID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("events: leave: %w", err)
		}
		if status != StatusRegistered || ev.CancelledAt != nil {
			return nil
		}
		var rc recipient
		err = tx.QueryRow(ctx, promoteSQL, eventID, day, capacityOr(ev.Capacity)).Scan(&rc.email, &rc.name, &rc.locale)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("events: promote the first waiting: %w", err)
		}
		promoted = &rc
		return nil
	})
	if err != nil || promoted == nil {
		return err
	}
	o, _ := ev.Occurrence(day)
	return s.tell(ctx, *promoted, "email.events.promoted", ev, o, baseURL)
}

// capacityOr is the capacity for SQL: a very large number when unlimited.
func capacityOr(c *int) int {
	if c == nil {
		return capacityMax + 1
	}
	return *c
}

type recipient struct{ email, name, locale string }

// tell emails one person about an occurrence, in their language.
func (s *Service) tell(ctx context.Context, rc recipient, id string, ev Event, o Occurrence, baseURL string) error {
	t, _ := tenant.FromContext(ctx)
	l := s.messages.For(rc.locale)
	body := l.T(id+".body", "Name", rc.name, "Title", ev.Title, "Portal", t.Name, "When", l.DateTime(o.Start),
		"Link", fmt.Sprintf("%s/agenda/%d", baseURL, ev.ID))
	if err := s.mailer.Send(ctx, rc.email, l.T(id+".subject", "Portal", t.Name, "Title", ev.Title), body); err != nil {
		return fmt.Errorf("events: email %s: %w", id, err)
	}
	return nil
}

// Attendance is how full one occurrence is, and the viewer's place.
type Attendance struct {
	Registered, Waiting int
	Mine                *Signup
}

// Full reports whether no place is left.
func (a Attendance) Full(capacity *int) bool { return capacity != nil && a.Registered >= *capacity }

// Left is the number of places left, for a limited event.
func (a Attendance) Left(capacity int) int { return max(capacity-a.Registered, 0) }

// Attendance returns, per day, how full the event's occurrences are and
// the viewer's sign-ups (viewerID 0: none).
func (s *Service) Attendance(ctx context.Context, eventID, viewerID int64) (map[string]Attendance, error) {
	out := map[string]Attendance{}
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, attendanceSQL, eventID, viewerID)
		if err != nil {
			return fmt.Errorf("events: attendance: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var day time.Time
			var a Attendance
			var status *string
			var position int
			if err := rows.Scan(&day, &a.Registered, &a.Waiting, &status, &position); err != nil {
				return fmt.Errorf("events: attendance: %w", err)
			}
			key := day.Format(dayFormat)
			if status != nil {
				a.Mine = &Signup{EventID: eventID, Day: key, Status: *status, Position: position}
			}
			out[key] = a
		}
		return rows.Err()
	})
	return out, err
}

// MayManage says whether userID may cancel the event's occurrences: its
// author, or one who may organise events in its commune and category.
func (s *Service) MayManage(ctx context.Context, userID int64, ev Event) (bool, error) {
	if userID == 0 {
		return false, nil
	}
	if ev.AuthorID == userID {
		return true, nil
	}
	return s.mayOrganise(ctx, userID, ev.CommuneCode, ev.Category)
}

// CancelDay cancels the occurrence on day (it becomes an exception of the
// recurrence, or the whole event when it happens once); the people signed
// up are told by email.
func (s *Service) CancelDay(ctx context.Context, userID, eventID int64, day, baseURL string) error {
	ev, err := s.Get(ctx, eventID, userID)
	if err != nil {
		return err
	}
	if ok, err := s.MayManage(ctx, userID, ev); err != nil || !ok {
		return errors.Join(ErrNotAllowed, err)
	}
	o, ok := ev.Occurrence(day)
	if !ok {
		return ErrNotFound
	}
	var told []recipient
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		if ev.Recurring() {
			_, err = tx.Exec(ctx, addExceptionSQL, eventID, day)
		} else {
			_, err = tx.Exec(ctx, cancelEventSQL, eventID)
		}
		if err != nil {
			return fmt.Errorf("events: cancel %s: %w", day, err)
		}
		rows, err := tx.Query(ctx, dropSignupsSQL, eventID, day)
		if err != nil {
			return fmt.Errorf("events: drop sign-ups: %w", err)
		}
		told, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (recipient, error) {
			var rc recipient
			err := r.Scan(&rc.email, &rc.name, &rc.locale)
			return rc, err
		})
		return err
	})
	if err != nil {
		return err
	}
	for _, rc := range told {
		if err := s.tell(ctx, rc, "email.events.cancelled", ev, o, baseURL); err != nil {
			return err
		}
	}
	return nil
}

// Mine is one of a person's sign-ups.
type Mine struct {
	Event  Event
	When   Occurrence
	Status string
}

// Mine returns userID's sign-ups from the day since on, soonest first.
func (s *Service) Mine(ctx context.Context, userID int64, since time.Time) ([]Mine, error) {
	var out []Mine
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, mineSQL, userID, civil(since))
		if err != nil {
			return fmt.Errorf("events: my sign-ups: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m Mine
			var day time.Time
			ev, err := scanEvent(rows, &day, &m.Status)
			if err != nil {
				return err
			}
			m.Event = ev
			m.When = occurrenceAt(ev.Start, ev.End, day)
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// Upcoming is userID's sign-ups from today on.
func (s *Service) Upcoming(ctx context.Context, userID int64) ([]Mine, error) {
	return s.Mine(ctx, userID, s.now())
}

// ForFeed is userID's sign-ups for their private feed, recent past
// included.
func (s *Service) ForFeed(ctx context.Context, userID int64) ([]Mine, error) {
	return s.Mine(ctx, userID, s.now().Add(-feedPast))
}

func hasCategory(t *tenant.Tenant, code string) bool {
	return slices.ContainsFunc(t.Categories, func(c tenant.Category) bool { return c.Code == code })
}

// weekdaysInOrder keeps the known codes, once each, Monday first.
func weekdaysInOrder(codes []string) []string {
	out := []string{}
	for _, w := range Weekdays {
		if slices.Contains(codes, w) {
			out = append(out, w)
		}
	}
	return out
}

// webURL accepts an absolute http(s) address of reasonable length.
func webURL(s string) bool {
	if s == "" || len(s) > urlMax || strings.ContainsAny(s, " \t\r\n\"<>") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// oneLine trims and folds white space, for single-line fields.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// isBadControl refuses control characters other than line breaks and tabs.
func isBadControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }
