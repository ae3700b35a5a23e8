package mail

import (
	"context"
	"errors"
	"fmt"
	"io"
	netmail "net/mail"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/jobs/jobstest"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// senderFunc adapts a function to Sender.
type senderFunc func(ctx context.Context, slug tenant.Slug, from netmail.Address, msg Message) error

func (f senderFunc) Send(ctx context.Context, slug tenant.Slug, from netmail.Address, msg Message) error {
	return f(ctx, slug, from, msg)
}

func TestWorkerRetriesOrCancels(t *testing.T) {
	down := errors.New("connection refused")
	tests := []struct {
		name       string
		sendErr    error
		wantCancel bool
	}{
		{"sent", nil, false},
		{"server down: retried", fmt.Errorf("mail: send: %w", down), false},
		{"invalid message: cancelled", invalidf("recipient %q is not an email address", "x"), true},
		{"recipient refused for good: cancelled", fmt.Errorf("RCPT TO: %w: 550 no such user", ErrRecipientRefused), true},
	}
	p := &tenant.Tenant{Slug: "lozere", Name: "Lozère Entraidons-nous"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var gotSlug tenant.Slug
			var gotFrom netmail.Address
			w := &worker{
				sender: senderFunc(func(_ context.Context, slug tenant.Slug, from netmail.Address, _ Message) error {
					gotSlug, gotFrom = slug, from
					return tc.sendErr
				}),
				deploymentFrom: "entraide@localhost",
				log:            slogTo(io.Discard),
			}
			job := &river.Job[SendArgs]{JobRow: &rivertype.JobRow{ID: 7, Attempt: 1}, Args: SendArgs{To: "lea@example.fr", Subject: "s", Text: "t"}}
			err := w.work(tenant.WithTenant(context.Background(), p), job)
			if gotSlug != "lozere" || gotFrom != (netmail.Address{Name: "Lozère Entraidons-nous", Address: "entraide@localhost"}) {
				t.Errorf("sent for %q from %v; want the context's portal and its sender", gotSlug, gotFrom)
			}
			if tc.sendErr == nil {
				if err != nil {
					t.Fatalf("work = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.sendErr) {
				t.Errorf("work = %v, want it to wrap %v", err, tc.sendErr)
			}
			if isCancel := errors.Is(err, &river.JobCancelError{}); isCancel != tc.wantCancel {
				t.Errorf("work = %v: cancelled %v, want %v", err, isCancel, tc.wantCancel)
			}
		})
	}

	t.Run("no portal in the context", func(t *testing.T) {
		w := &worker{sender: senderFunc(func(context.Context, tenant.Slug, netmail.Address, Message) error {
			t.Error("sent without a portal")
			return nil
		}), log: slogTo(io.Discard)}
		job := &river.Job[SendArgs]{JobRow: &rivertype.JobRow{ID: 8}, Args: SendArgs{To: "lea@example.fr", Subject: "s", Text: "t"}}
		if err := w.work(context.Background(), job); !errors.Is(err, &river.JobCancelError{}) {
			t.Errorf("work = %v, want a cancellation", err)
		}
	})
}

func TestSendJobsLandInTheirPortalsOutbox(t *testing.T) {
	const deploymentFrom = "entraide@localhost"
	alpha := testutil.Portal("alpha")
	alpha.Email = tenant.Email{FromName: "Lozère Entraidons-nous", FromAddress: "entraide@alpha.example"}
	beta := testutil.Portal("beta") // no email settings: the defaults
	env := testutil.NewEnv(t, alpha, beta)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	outbox, err := NewOutbox(t.TempDir(), testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	// The server refuses one recipient for good; that job must be
	// cancelled, not retried.
	const refused = "parti@example.fr"
	sender := senderFunc(func(ctx context.Context, slug tenant.Slug, from netmail.Address, msg Message) error {
		if msg.To == refused {
			return fmt.Errorf("RCPT TO: %w: 550 5.1.1 no such user", ErrRecipientRefused)
		}
		return outbox.Send(ctx, slug, from, msg)
	})
	ws := jobs.NewWorkers(env.Registry, testutil.Logger())
	Register(ws, sender, deploymentFrom, testutil.Logger())
	q := jobstest.Start(t, env, ws)

	ctxA, ctxB := env.Ctx(t, "alpha"), env.Ctx(t, "beta")
	for _, c := range []struct {
		ctx context.Context
		msg Message
	}{
		{ctxA, Message{To: "lea@example.fr", Subject: "Bienvenue sur alpha", Text: "Bonjour Léa, bienvenue sur alpha.\n", HTML: "<p>Bienvenue sur alpha</p>"}},
		{ctxB, Message{To: "Zoé <zoe@example.fr>", Subject: "Bienvenue sur beta", Text: "Bonjour Zoé, bienvenue sur beta.\n"}},
		{ctxB, Message{To: refused, Subject: "Jamais reçu", Text: "x"}},
	} {
		if err := Enqueue(c.ctx, q, c.msg); err != nil {
			t.Fatal(err)
		}
	}

	// Wait until each portal's message is in its own directory.
	wait := func(slug tenant.Slug) Entry {
		t.Helper()
		for {
			es, err := outbox.List(ctx, slug, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) > 0 {
				if len(es) != 1 {
					t.Fatalf("%s's outbox holds %d messages, want 1", slug, len(es))
				}
				e, err := outbox.Read(ctx, slug, es[0].ID)
				if err != nil {
					t.Fatal(err)
				}
				return e
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no message for %s in time", slug)
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	tests := []struct {
		slug                     tenant.Slug
		wantFrom                 netmail.Address
		wantTo, wantSubj, wantTx string
	}{
		{"alpha", netmail.Address{Name: "Lozère Entraidons-nous", Address: "entraide@alpha.example"}, "lea@example.fr", "Bienvenue sur alpha", "Bonjour Léa, bienvenue sur alpha.\n"},
		{"beta", netmail.Address{Name: "Portail beta", Address: deploymentFrom}, "zoe@example.fr", "Bienvenue sur beta", "Bonjour Zoé, bienvenue sur beta.\n"},
	}
	for _, tc := range tests {
		e := wait(tc.slug)
		from, err := netmail.ParseAddress(e.From)
		if err != nil || *from != tc.wantFrom {
			t.Errorf("%s's message is from %q (%v), want %v", tc.slug, e.From, err, tc.wantFrom)
		}
		to, err := netmail.ParseAddress(e.To)
		if err != nil || to.Address != tc.wantTo || e.Subject != tc.wantSubj || e.Text != tc.wantTx {
			t.Errorf("%s's message = %+v, want to %s, subject %q, text %q", tc.slug, e, tc.wantTo, tc.wantSubj, tc.wantTx)
		}
	}

	// The refused recipient's job ends cancelled after one attempt.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var state string
		var attempt int
		err := env.DB.Pool().QueryRow(ctx, `SELECT state, attempt FROM `+jobs.Schema+`.river_job WHERE kind = 'mail_send' AND args->>'to' = $1`, refused).Scan(&state, &attempt)
		if err != nil {
			t.Fatal(err)
		}
		if state == string(rivertype.JobStateCancelled) {
			if attempt != 1 {
				t.Errorf("the refused message was attempted %d times, want 1", attempt)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refused message's job is %s, want cancelled", state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEnqueueRefusesInvalidMessages(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"))
	q := jobstest.Start(t, env, nil)
	ctxA := env.Ctx(t, "alpha")
	ok := Message{To: "lea@example.fr", Subject: "Bonjour", Text: "Bonjour"}
	tests := []struct {
		name string
		ctx  context.Context
		msg  Message
		want error
	}{
		{"line break in the subject", ctxA, Message{To: ok.To, Subject: "a\r\nBcc: eve@example.org", Text: ok.Text}, ErrInvalidMessage},
		{"not an address", ctxA, Message{To: "léa", Subject: ok.Subject, Text: ok.Text}, ErrInvalidMessage},
		{"no portal in the context", context.Background(), ok, jobs.ErrWrongTenant},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := Enqueue(tc.ctx, q, tc.msg); !errors.Is(err, tc.want) {
				t.Errorf("Enqueue = %v, want %v", err, tc.want)
			}
		})
	}
	if err := Enqueue(ctxA, q, ok); err != nil {
		t.Errorf("Enqueue of a valid message: %v", err)
	}
}

// A message named once is queued once, however often its sender queues it
// again; the same words under another name, or to another portal, are
// other messages.
func TestEnqueueOnce(t *testing.T) {
	env := testutil.NewEnv(t, testutil.Portal("alpha"), testutil.Portal("beta"))
	q := jobstest.Start(t, env, nil)
	ctxA, ctxB := env.Ctx(t, "alpha"), env.Ctx(t, "beta")
	msg := Message{To: "lea@example.fr", Subject: "Demain", Text: "Rappel : l'atelier a lieu demain."}
	steps := []struct {
		ctx  context.Context
		once string
	}{
		{ctxA, "rappel:1"}, {ctxA, "rappel:1"}, {ctxA, "rappel:1"},
		{ctxA, "rappel:2"},
		{ctxB, "rappel:1"},
		{ctxA, ""}, {ctxA, ""},
	}
	for _, s := range steps {
		if err := EnqueueOnce(s.ctx, q, msg, s.once); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := env.DB.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM `+jobs.Schema+`.river_job WHERE kind = 'mail_send'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 5 { // rappel:1 on alpha, rappel:2, rappel:1 on beta, two unnamed
		t.Fatalf("%d messages queued, want 5", n)
	}
}
