package account

import (
	"context"
	"errors"

	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/tenant"
)

// QueuedMailer sends account emails through the job queue, so a slow or
// unreachable mail server never delays a page, and failures are retried.
type QueuedMailer struct{ Queue *jobs.Queue }

// Send queues the email for the portal in ctx.
func (m QueuedMailer) Send(ctx context.Context, to, subject, text string) error {
	return mail.Enqueue(ctx, m.Queue, mail.Message{To: to, Subject: subject, Text: text})
}

// DirectMailer sends at once through a sender, from the portal in ctx: for
// the command line and tests, where there is no worker to run jobs.
type DirectMailer struct {
	Sender mail.Sender
	// From is the deployment's default sender address (mail_from).
	From string
}

// Send sends the email now.
func (m DirectMailer) Send(ctx context.Context, to, subject, text string) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return errors.New("account: mail: no portal in context")
	}
	return m.Sender.Send(ctx, t.Slug, mail.From(t, m.From), mail.Message{To: to, Subject: subject, Text: text})
}
