package mail

import (
	"context"
	"errors"

	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/tenant"
)

// Queued sends the plain-text emails of the capabilities (accounts, posts,
// conversations) through the job queue, so a slow or unreachable mail
// server never delays a page, and failures are retried. Each capability
// declares the one-method interface it needs; Queued and Direct satisfy it.
type Queued struct{ Queue *jobs.Queue }

// Send queues the email for the portal in ctx.
func (m *Queued) Send(ctx context.Context, to, subject, text string) error {
	return Enqueue(ctx, m.Queue, Message{To: to, Subject: subject, Text: text})
}

// SendOnce queues an email that must go out once, named once (see
// EnqueueOnce).
func (m *Queued) SendOnce(ctx context.Context, once, to, subject, text string) error {
	return EnqueueOnce(ctx, m.Queue, Message{To: to, Subject: subject, Text: text}, once)
}

// Direct sends at once through a sender, from the portal in ctx: for the
// command line and tests, where there is no worker to run jobs.
type Direct struct {
	Sender Sender
	// From is the deployment's default sender address (mail_from).
	From string
}

// Send sends the email now.
func (m Direct) Send(ctx context.Context, to, subject, text string) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return errors.New("mail: no portal in context")
	}
	return m.Sender.Send(ctx, t.Slug, From(t, m.From), Message{To: to, Subject: subject, Text: text})
}
