// Package moderation owns what référents do to keep a portal safe: the queue
// of what waits for them, their decisions, the log of every decision, and
// the messages that tell authors and reporters.
//
// # What waits
//
// An item is a post, a message, or a forum thread or reply. A post waits
// when premoderation holds it (visibility en_attente), when the portal's
// flag words were found in it, or when someone reported it; a message
// waits when it was reported. Forum threads wait as posts do, and forum
// replies when flagged or reported; both are placed where their thread is
// (the EPCI of its commune, if any, and its theme), so the same scopes
// apply. Each
// référent sees only the items within their reach for the moderate action
// (authz.ReachOf): a référent de territoire the items of their EPCIs, a
// référent thématique the items of their categories, the département admin
// everything. Every decision is checked again with authz.Can on the item
// itself, so a forged request outside one's scope is refused
// (ErrForbidden). A private message is shown to a moderator only once
// someone in the conversation has reported it.
//
// # Decisions
//
//	approve     publish a held post, or keep a reported or flagged item as it is
//	hide        hide a post or a message, with a reason its author sees
//	restore     show a hidden post or message again
//	delete      delete a post for good (content that must not be kept)
//	edit_title  replace a post's title that exposes personal data
//	warn        send its author a warning
//	suspend     stop its author from posting and writing for some days
//	lift        end a suspension (on a person)
//
// approve, hide, restore and delete settle the item: it leaves the queue and
// its open reports are closed, and their reporters are told. Nothing hidden
// is destroyed: the author still sees their post, with the reason. Every
// decision is written to moderation_log, in the same transaction as the
// change, and the département admin reads it (Log, WriteCSV).
//
// Nobody moderates their own content: a référent's own post waits for
// another référent or the admin.
package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// Kinds of item.
const (
	KindPost    = "post"
	KindMessage = "message"
	// KindForumThread and KindForumReply are the forum's threads and
	// replies, placed where their thread is.
	KindForumThread = "forum_thread"
	KindForumReply  = "forum_reply"
	// KindEvent is an event of the calendar proposed by a resident.
	KindEvent = "event"
	// KindPerson is the target of a lifted suspension in the log.
	KindPerson = "person"
)

// Action is a moderator's decision.
type Action string

// The actions, as stored in moderation_log.
const (
	Approve   Action = "approve"
	Hide      Action = "hide"
	Restore   Action = "restore"
	Delete    Action = "delete"
	EditTitle Action = "edit_title"
	Warn      Action = "warn"
	Suspend   Action = "suspend"
	Lift      Action = "lift"
)

// Actions lists every action, in the order the log explains them.
func Actions() []Action {
	return []Action{Approve, Hide, Restore, Delete, EditTitle, Warn, Suspend, Lift}
}

// settles says whether an action takes the item out of the queue.
func (a Action) settles() bool { return a == Approve || a == Hide || a == Restore || a == Delete }

// Why an item waits, as the queue filters them.
const (
	WhyPending  = "attente"     // premoderation holds the post
	WhyFlagged  = "mots"        // the portal's flag words were found
	WhyReported = "signalement" // someone reported it
)

// Whys lists the reasons to wait, in the filter's order.
var Whys = []string{WhyPending, WhyFlagged, WhyReported}

// SuspensionDays are the lengths of suspension a moderator chooses from.
var SuspensionDays = []int{1, 3, 7, 30, 90}

// Limits on what a moderator types.
const (
	reasonMax = 500
	titleMin  = 5
	titleMax  = 100
)

// Errors, for errors.Is.
var (
	// ErrForbidden means the item is outside the moderator's reach, or is
	// their own.
	ErrForbidden = errors.New("moderation: not within your reach")
	// ErrNotFound means there is no such item to moderate.
	ErrNotFound = errors.New("moderation: no such item")
	// ErrNotApplicable means the action does not apply to the item as it
	// is now (restoring a visible post, deleting a message).
	ErrNotApplicable = errors.New("moderation: action does not apply")
	// ErrOwnContent means the moderator tried to decide about their own
	// post or message, or to suspend themselves.
	ErrOwnContent = errors.New("moderation: own content")
)

// NotifyError says that a decision was recorded but some emails telling of
// it could not be queued. The decision stands; Err says why.
type NotifyError struct{ Err error }

func (e *NotifyError) Error() string {
	return "moderation: decision saved, notification failed: " + e.Err.Error()
}
func (e *NotifyError) Unwrap() error { return e.Err }

// Authorizer is what moderation asks of authz.
type Authorizer interface {
	Can(ctx context.Context, userID int64, action authz.Action, target authz.Target) (bool, error)
	ReachOf(ctx context.Context, userID int64, action authz.Action) (authz.Reach, error)
}

// Mailer sends one plain-text email from the portal in ctx.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Deps are what the service needs.
type Deps struct {
	DB       *db.DB
	Authz    Authorizer
	Mailer   Mailer
	Messages *i18n.Bundle
	Logger   *slog.Logger
}

// Service is the moderation capability.
type Service struct {
	db       *db.DB
	authz    Authorizer
	mailer   Mailer
	messages *i18n.Bundle
	log      *slog.Logger
	now      func() time.Time
}

// New returns the service.
func New(d Deps) *Service {
	if d.DB != nil {
		// Every visit of the queue sends it.
		d.DB.KeepPrepared(queueSQL)
	}
	return &Service{db: d.DB, authz: d.Authz, mailer: d.Mailer, messages: d.Messages, log: d.Logger, now: time.Now}
}

// Report is one report of an item, without the reporter's name: moderators
// judge the content, not who pointed at it.
type Report struct {
	Reason    string
	Details   string
	CreatedAt time.Time
	Open      bool
}

// Item is a post or a message as a moderator sees it, with its context.
type Item struct {
	Kind string
	ID   int64
	// EPCI and Category place the item: they decide who may moderate it.
	EPCI     string
	Category string
	// Since is when the item started waiting; nil when it does not wait.
	Since *time.Time
	// Why lists why it waits (WhyPending, WhyFlagged, WhyReported).
	Why []string

	// Title is the post's title, or for a message the title of the post
	// its conversation is about.
	Title string
	// Body is the post's description or the message's text.
	Body        string
	CommuneCode string
	// Visibility of a post (en_attente, visible, masquee); a hidden
	// message is masquee, another visible.
	Visibility       string
	Status           string
	Flags            []string
	ModerationReason string
	CreatedAt        time.Time
	// ConversationID is the conversation of a message.
	ConversationID int64
	// ThreadID is the forum thread of a forum item (its own id for a
	// thread).
	ThreadID int64
	// queuedAt is when a post entered the queue (premoderation, flags).
	queuedAt *time.Time

	// Person is the author or sender; 0 when the account was deleted.
	PersonID   int64
	PersonName string
	// PersonSuspendedUntil is set while the person is suspended.
	PersonSuspendedUntil *time.Time
	// PersonDecisions counts the earlier warnings, hidings, deletions and
	// suspensions about this person.
	PersonDecisions int
	// personEmail and personLocale are for telling them of a decision.
	personEmail, personLocale string

	// OpenReports counts the reports not yet handled; Reports lists them
	// all, newest first.
	OpenReports int
	Reports     []Report
	// History is the decisions already made about this item, newest first.
	History []Entry
}

// Forum reports whether the item is a forum thread or reply.
func (it Item) Forum() bool { return it.Kind == KindForumThread || it.Kind == KindForumReply }

// Waiting reports whether the item is in the queue.
func (it Item) Waiting() bool { return it.Since != nil }

// Own reports whether the moderator is the item's author.
func (it Item) Own(moderatorID int64) bool { return it.PersonID != 0 && it.PersonID == moderatorID }

// Applicable lists the actions that apply to the item as it is now, in the
// order a page offers them.
func (it Item) Applicable() []Action {
	var out []Action
	hidden := it.Visibility == "masquee"
	if !hidden {
		out = append(out, Approve, Hide)
	} else {
		out = append(out, Restore)
	}
	if it.Kind == KindPost {
		out = append(out, EditTitle, Delete)
	}
	if it.PersonID != 0 {
		out = append(out, Warn, Suspend)
	}
	return out
}

// PersonSuspended reports whether the author is suspended now; lifting it
// is LiftSuspension.
func (it Item) PersonSuspended(now time.Time) bool {
	return it.PersonSuspendedUntil != nil && now.Before(*it.PersonSuspendedUntil)
}

// Decision is what a moderator decided about an item.
type Decision struct {
	Kind   string
	ID     int64
	Action Action
	// Reason is required to hide, delete, warn and suspend: the author is
	// told it.
	Reason string
	// Title is the new title, for EditTitle.
	Title string
	// Days is the length of a suspension, one of SuspensionDays.
	Days int
}

// check cleans the decision and returns what is wrong with each field.
func (d *Decision) check() invalid.Fields {
	errs := invalid.Fields{}
	d.Reason = strings.TrimSpace(strings.ReplaceAll(d.Reason, "\r\n", "\n"))
	d.Title = strings.Join(strings.Fields(d.Title), " ")
	if strings.IndexFunc(d.Reason, isBadControl) >= 0 || utf8.RuneCountInString(d.Reason) > reasonMax {
		errs["reason"] = "moderation.error.reason_long"
	}
	switch d.Action {
	case Hide, Delete, Warn, Suspend, Lift:
		if d.Reason == "" && d.Action != Lift {
			errs["reason"] = "moderation.error.reason"
		}
	case EditTitle:
		if n := utf8.RuneCountInString(d.Title); n < titleMin || n > titleMax {
			errs["title"] = "moderation.error.title"
		}
	}
	if d.Action == Suspend && !slices.Contains(SuspensionDays, d.Days) {
		errs["days"] = "moderation.error.days"
	}
	return errs
}

func isBadControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }

// reach returns where moderatorID may moderate, or ErrForbidden when
// nowhere.
func (s *Service) reach(ctx context.Context, moderatorID int64) (authz.Reach, error) {
	if _, ok := tenant.FromContext(ctx); !ok {
		return authz.Reach{}, db.ErrNoTenant
	}
	r, err := s.authz.ReachOf(ctx, moderatorID, authz.ActModerate)
	if err != nil {
		return authz.Reach{}, fmt.Errorf("moderation: reach of %d: %w", moderatorID, err)
	}
	if r.None() {
		return r, ErrForbidden
	}
	return r, nil
}

// CanModerate reports whether the person moderates anything on the portal
// in ctx: whether to show them the way to the queue.
func (s *Service) CanModerate(ctx context.Context, userID int64) (bool, error) {
	_, err := s.reach(ctx, userID)
	if errors.Is(err, ErrForbidden) {
		return false, nil
	}
	return err == nil, err
}

// allowed checks with authz that moderatorID may moderate an item placed in
// epci and category.
func (s *Service) allowed(ctx context.Context, moderatorID int64, epci, category string) error {
	ok, err := s.authz.Can(ctx, moderatorID, authz.ActModerate, authz.Target{EPCI: epci, Category: category})
	if err != nil {
		return fmt.Errorf("moderation: check reach: %w", err)
	}
	if !ok {
		return ErrForbidden
	}
	return nil
}

// Filter narrows the queue. Empty fields do not filter.
type Filter struct {
	Why      string
	EPCI     string
	Category string
	Limit    int
	Offset   int
}

// QueueEntry is one line of the queue.
type QueueEntry struct {
	Kind     string
	ID       int64
	EPCI     string
	Category string
	Since    time.Time
	Why      []string
	Title    string
	Excerpt  string
	// Reports counts open reports; Reasons are their reasons, each once.
	Reports int
	Reasons []string
}

// MaxPage is the most queue entries one call returns.
const MaxPage = 100

// Queue lists what waits for moderatorID, oldest first, within their reach,
// and how many entries match in all.
func (s *Service) Queue(ctx context.Context, moderatorID int64, f Filter) ([]QueueEntry, int, error) {
	r, err := s.reach(ctx, moderatorID)
	if err != nil {
		return nil, 0, err
	}
	f.Limit = min(max(f.Limit, 1), MaxPage)
	f.Offset = max(f.Offset, 0)
	var out []QueueEntry
	total := 0
	b := &pgx.Batch{}
	queueQuery(b, r, f, &out, &total)
	err = s.db.Read(ctx, b)
	return out, total, err
}

// Get returns an item with its context, if moderatorID may moderate it. A
// message is shown only once it has been reported.
func (s *Service) Get(ctx context.Context, moderatorID int64, kind string, id int64) (Item, error) {
	if _, err := s.reach(ctx, moderatorID); err != nil {
		return Item{}, err
	}
	var it Item
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		it, err = loadItem(ctx, tx, kind, id, false)
		if err != nil {
			return err
		}
		if err := s.allowed(ctx, moderatorID, it.EPCI, it.Category); err != nil {
			return err
		}
		return loadContext(ctx, tx, &it)
	})
	return it, err
}

// Decide applies a decision of moderatorID to an item, writes it to the log
// and then tells the author and, when the item is settled, its reporters.
// baseURL is the portal's address, for links in the emails. Typing errors
// come back as invalid.Fields; an item out of reach as ErrForbidden; a
// recorded decision whose emails failed as *NotifyError.
func (s *Service) Decide(ctx context.Context, moderatorID int64, d Decision, baseURL string) error {
	if _, err := s.reach(ctx, moderatorID); err != nil {
		return err
	}
	if !slices.Contains(Actions(), d.Action) || d.Action == Lift {
		return ErrNotApplicable
	}
	if errs := d.check(); len(errs) > 0 {
		return errs
	}
	var notes []notice
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		it, err := loadItem(ctx, tx, d.Kind, d.ID, true)
		if err != nil {
			return err
		}
		if err := s.allowed(ctx, moderatorID, it.EPCI, it.Category); err != nil {
			return err
		}
		if it.Own(moderatorID) {
			return ErrOwnContent
		}
		if !slices.Contains(it.Applicable(), d.Action) {
			return ErrNotApplicable
		}
		notes, err = s.apply(ctx, tx, moderatorID, it, d)
		return err
	})
	if err != nil {
		return err
	}
	return s.send(ctx, notes, baseURL)
}

// LiftSuspension ends the suspension of personID. The moderator must reach
// the item the suspension was decided on (the admin reaches all).
func (s *Service) LiftSuspension(ctx context.Context, moderatorID, personID int64, reason string, baseURL string) error {
	if _, err := s.reach(ctx, moderatorID); err != nil {
		return err
	}
	d := Decision{Kind: KindPerson, ID: personID, Action: Lift, Reason: reason}
	if errs := d.check(); len(errs) > 0 {
		return errs
	}
	var notes []notice
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		p, err := loadSuspension(ctx, tx, personID)
		if err != nil {
			return err
		}
		if err := s.allowed(ctx, moderatorID, p.epci, p.category); err != nil {
			return err
		}
		if personID == moderatorID {
			return ErrOwnContent
		}
		notes, err = s.lift(ctx, tx, moderatorID, p, d)
		return err
	})
	if err != nil {
		return err
	}
	return s.send(ctx, notes, baseURL)
}
