package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/riverqueue/river"
)

// SendArgs is the "mail_send" job: one message for the job's portal. The
// sender is not stored: it is built from the portal's settings when the
// job runs, so a job can never send under another portal's name.
//
// The message, links included, stays in the job table until River cleans
// completed jobs (a day by default).
type SendArgs struct {
	jobs.TenantArgs
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	ReplyTo string `json:"reply_to,omitempty"`
	// Once, when set, names a message that must go out once: queuing it
	// again with the same words under the same name, while the first is
	// waiting or was sent less than a day ago, adds nothing (see EnqueueOnce).
	Once string `json:"once,omitempty"`
}

// Kind names the job in River's table.
func (SendArgs) Kind() string { return "mail_send" }

// sendMaxAttempts spreads retries over about half a day with River's
// backoff (attempt⁴ seconds): long enough to ride out an SMTP outage,
// short enough that a confirmation link does not arrive days late.
const sendMaxAttempts = 12

// InsertOpts bounds the retries of a message; a message named Once is
// unique by its arguments (portal, recipient, words and name), so River
// drops a second copy.
func (a SendArgs) InsertOpts() river.InsertOpts {
	o := river.InsertOpts{MaxAttempts: sendMaxAttempts}
	if a.Once != "" {
		o.UniqueOpts = river.UniqueOpts{ByArgs: true}
	}
	return o
}

func (a SendArgs) message() Message {
	return Message{To: a.To, Subject: a.Subject, Text: a.Text, HTML: a.HTML, ReplyTo: a.ReplyTo}
}

// Enqueue queues msg for the portal in ctx. It checks the message first,
// so a message that could never be sent is refused here, to the caller
// (ErrInvalidMessage), rather than cancelled later in a worker.
func Enqueue(ctx context.Context, q *jobs.Queue, msg Message) error {
	return EnqueueOnce(ctx, q, msg, "")
}

// EnqueueOnce is Enqueue for a message that must go out once even if its
// sender queues it again, named once ("" for none): work that queues
// messages and then fails is retried whole, and the messages already
// queued are not sent twice.
func EnqueueOnce(ctx context.Context, q *jobs.Queue, msg Message, once string) error {
	// The sender is checked when the job runs: it is the portal's, not
	// the caller's.
	if _, _, err := checkMessage(msg); err != nil {
		return err
	}
	args := SendArgs{TenantArgs: jobs.For(ctx), To: msg.To, Subject: msg.Subject, Text: msg.Text, HTML: msg.HTML,
		ReplyTo: msg.ReplyTo, Once: once}
	if err := jobs.Enqueue(ctx, q, args); err != nil {
		return fmt.Errorf("mail: %w", err)
	}
	return nil
}

// Register adds the mail_send worker to ws. Each job sends through sender,
// from the job's portal (From with deploymentFrom, the deployment's
// mail_from). Failures are returned so River retries them, except those
// no retry can fix (an invalid message, a recipient the server refuses for
// good), which cancel the job and are logged.
func Register(ws *jobs.Workers, sender Sender, deploymentFrom string, log *slog.Logger) {
	w := &worker{sender: sender, deploymentFrom: deploymentFrom, log: log}
	jobs.Add(ws, w.work)
}

type worker struct {
	sender         Sender
	deploymentFrom string
	log            *slog.Logger
}

func (w *worker) work(ctx context.Context, job *river.Job[SendArgs]) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		// jobs.Add always sets the portal; without it there is no sender.
		return river.JobCancel(fmt.Errorf("mail: job %d has no portal in its context", job.ID))
	}
	err := w.sender.Send(ctx, t.Slug, From(t, w.deploymentFrom), job.Args.message())
	if errors.Is(err, ErrInvalidMessage) || errors.Is(err, ErrRecipientRefused) {
		w.log.Error("mail: message cancelled, retrying cannot help", "tenant", t.Slug, "job_id", job.ID, "error", err)
		return river.JobCancel(err)
	}
	if err != nil {
		return fmt.Errorf("mail: job %d (attempt %d): %w", job.ID, job.Attempt, err)
	}
	return nil
}
