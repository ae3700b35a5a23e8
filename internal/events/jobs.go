package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// remindEvery is how often each portal looks for tomorrow's sign-ups to
// remind; a sign-up made late in the evening is still reminded that day.
const remindEvery = time.Hour

// Reminder is one sign-up to remind, the day before its occurrence.
type Reminder struct {
	EventID    int64
	Title      string
	Occurrence Occurrence
	Address    string
	OnlineURL  string
	Email      string
	Name       string
	Locale     string
}

// Remind marks the sign-ups for tomorrow (in Paris) not reminded yet and
// hands each to send, in the same transaction: when send fails, none is
// marked and the next run hands them all again, so send must not repeat a
// reminder it already queued (the job queues them with mail's EnqueueOnce).
// Each is reminded once however many runs overlap: the marking statement
// locks the rows it returns. It returns how many were handed to send.
func (s *Service) Remind(ctx context.Context, send func(Reminder) error) (int, error) {
	tomorrow := civil(s.now()).AddDate(0, 0, 1)
	var due []Reminder
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		due = due[:0]
		rows, err := tx.Query(ctx, remindSQL, tomorrow)
		if err != nil {
			return fmt.Errorf("events: due reminders: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r Reminder
			var start, end, day time.Time
			var online bool
			if err := rows.Scan(&r.EventID, &r.Title, &start, &end, &r.Address, &online, &r.OnlineURL, &day,
				&r.Email, &r.Name, &r.Locale); err != nil {
				return fmt.Errorf("events: due reminders: %w", err)
			}
			r.Occurrence = occurrenceAt(start, end, day)
			due = append(due, r)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("events: due reminders: %w", err)
		}
		for _, r := range due {
			if err := send(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(due), nil
}

// RemindArgs is the hourly job that reminds a portal's sign-ups of
// tomorrow.
type RemindArgs struct {
	jobs.TenantArgs
}

// Kind names the job in the queue.
func (RemindArgs) Kind() string { return "events_remind" }

// Notices are what the reminder job needs to write to people.
type Notices struct {
	Messages *i18n.Bundle
	// PortalURL is the address of a portal ("https://host/"), for links.
	PortalURL func(*tenant.Tenant) string
}

// RegisterJobs adds the reminder job for every portal.
func RegisterJobs(ws *jobs.Workers, svc *Service, n Notices, log *slog.Logger) {
	jobs.Periodic(ws, remindEvery, func(a jobs.TenantArgs) RemindArgs { return RemindArgs{TenantArgs: a} })
	jobs.Add(ws, func(ctx context.Context, job *river.Job[RemindArgs]) error {
		t, _ := tenant.FromContext(ctx)
		if !t.HasModule("agenda") {
			return nil
		}
		queue, err := jobs.FromContext(ctx)
		if err != nil {
			return err
		}
		// Each email is a job of its own: a mail server that is down
		// delays the emails, not the reminders.
		mailer := &mail.Queued{Queue: queue}
		_, err = svc.Remind(ctx, func(r Reminder) error {
			l := n.Messages.For(r.Locale)
			where := r.Address
			if r.OnlineURL != "" {
				where = r.OnlineURL
			}
			body := l.T("email.events.reminder.body", "Name", r.Name, "Portal", t.Name, "Title", r.Title,
				"When", l.DateTime(r.Occurrence.Start), "Where", where,
				"Link", fmt.Sprintf("%sagenda/%d", n.PortalURL(t), r.EventID))
			// Named, so that a run that fails after queuing some
			// reminders, and is retried, does not send those twice.
			once := fmt.Sprintf("events-reminder:%d:%s", r.EventID, r.Occurrence.Start.Format(time.RFC3339))
			err := mailer.SendOnce(ctx, once, r.Email, l.T("email.events.reminder.subject", "Portal", t.Name, "Title", r.Title), body)
			if errors.Is(err, mail.ErrInvalidMessage) {
				// No retry can send to this address; the others must
				// still be reminded.
				log.Error("events: reminder cannot be sent", "tenant", t.Slug, "event_id", r.EventID, "error", err)
				return nil
			}
			if err != nil {
				return fmt.Errorf("events: queue reminder for event %d: %w", r.EventID, err)
			}
			return nil
		})
		return err
	})
}
