package help

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
	"github.com/riverqueue/river"
)

// How often posts are expired, and how long before the end their author is
// told.
const (
	expireEvery = time.Hour
	warnBefore  = 3 * 24 * time.Hour
)

// ExpireArgs is the hourly job that ends a portal's posts whose time is up
// and tells authors whose post ends soon.
type ExpireArgs struct {
	jobs.TenantArgs
}

// Kind names the job in the queue.
func (ExpireArgs) Kind() string { return "help_expire" }

// Notices are what the expiry job needs to write to authors.
type Notices struct {
	Messages *i18n.Bundle
	// PortalURL is the address of a portal, for the link in the email.
	PortalURL func(*tenant.Tenant) string
}

// RegisterJobs adds the expiry job for every portal.
func RegisterJobs(ws *jobs.Workers, svc *Service, n Notices, log *slog.Logger) {
	jobs.Periodic(ws, expireEvery, func(a jobs.TenantArgs) ExpireArgs { return ExpireArgs{TenantArgs: a} })
	jobs.Add(ws, func(ctx context.Context, job *river.Job[ExpireArgs]) error {
		_, warn, err := svc.Expire(ctx, warnBefore)
		if err != nil {
			return err
		}
		if len(warn) == 0 {
			return nil
		}
		queue, err := jobs.FromContext(ctx)
		if err != nil {
			return err
		}
		t, _ := tenant.FromContext(ctx)
		for _, e := range warn {
			l := n.Messages.For(e.Locale)
			msg := mail.Message{
				To:      e.AuthorEmail,
				Subject: l.T("email.expiring.subject", "Portal", t.Name),
				Text: l.T("email.expiring.body", "Name", e.AuthorName, "Portal", t.Name, "Title", e.Title,
					"Date", l.Date(e.ExpiresAt), "Link", fmt.Sprintf("%sannonces/%d", n.PortalURL(t), e.PostID)),
			}
			// The email goes through its own job, so a mail server that is
			// down delays it without failing the expiry.
			err := mail.Enqueue(ctx, queue, msg)
			if errors.Is(err, mail.ErrInvalidMessage) {
				// No retry can send to this address; the other authors
				// must still be told.
				log.Error("help: expiry notice cannot be sent", "tenant", t.Slug, "post_id", e.PostID, "error", err)
				continue
			}
			if err != nil {
				return fmt.Errorf("help: queue expiry notice for post %d: %w", e.PostID, err)
			}
		}
		return nil
	})
}
