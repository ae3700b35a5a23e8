package events_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/jobs/jobstest"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/testutil"
)

// The hourly job, run at start by River, reminds each person registered
// for tomorrow once, in their language, with a link; nobody waiting, nobody
// for another day, nobody on another portal.
func TestReminderJob(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	ref := f.referent(t, ctx, "Rémi")
	tomorrow := inDays(1)
	d := workshop(tomorrow)
	d.Recurrence, d.Count, d.MonthWeek, d.Capacity = events.RecurNone, 0, 0, 2
	ev, err := f.svc.Create(ctx, ref, d)
	if err != nil {
		t.Fatal(err)
	}
	later := workshop(inDays(2))
	later.Recurrence, later.Count, later.MonthWeek = events.RecurNone, 0, 0
	ev2, err := f.svc.Create(ctx, ref, later)
	if err != nil {
		t.Fatal(err)
	}
	ana, bob, chloe := f.user(t, ctx, "Ana"), f.user(t, ctx, "Bob"), f.user(t, ctx, "Chloe")
	for _, id := range []int64{ana, bob, chloe} {
		if _, err := f.svc.SignUp(ctx, id, ev.ID, tomorrow.Format("2006-01-02")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.SignUp(ctx, ana, ev2.ID, inDays(2).Format("2006-01-02")); err != nil {
		t.Fatal(err)
	}

	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ws := jobs.NewWorkers(f.env.Registry, testutil.Logger())
	mail.Register(ws, f.outbox, "entraide@localhost", testutil.Logger())
	events.RegisterJobs(ws, f.svc, events.Notices{Messages: messages,
		PortalURL: func(t *tenant.Tenant) string { return "https://" + t.Hosts[0] + "/" }}, testutil.Logger())
	jobstest.Start(t, f.env, ws)

	deadline := time.Now().Add(20 * time.Second)
	for len(f.messages(t, "libre")) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("reminders after 20 s: %d", len(f.messages(t, "libre")))
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The job already ran: running again finds nothing more to remind.
	again, err := f.svc.Remind(ctx, func(events.Reminder) error { return nil })
	if err != nil || again != 0 {
		t.Fatalf("second run: %d reminders, %v", again, err)
	}
	time.Sleep(500 * time.Millisecond)
	msgs := f.messages(t, "libre")
	if len(msgs) != 2 {
		t.Fatalf("%d reminders, want 2 (Ana and Bob, not Chloé who waits)", len(msgs))
	}
	to := map[string]bool{}
	for _, m := range msgs {
		to[strings.Trim(m.To, "<>")] = true
		if !strings.Contains(m.Text, "Atelier cuisine du mois") || !strings.Contains(m.Text, "18 h 00") ||
			!strings.Contains(m.Text, "https://libre.localhost/agenda/") || !strings.Contains(m.Subject, "demain") {
			t.Fatalf("reminder:\n%s\n%s", m.Subject, m.Text)
		}
	}
	if !to["ana@exemple.fr"] || !to["bob@exemple.fr"] {
		t.Fatalf("reminded %v", to)
	}
	if entries, _ := f.outbox.List(context.Background(), "ouvert", 10); len(entries) != 0 {
		t.Fatalf("ouvert got %d messages", len(entries))
	}
}

// A run that cannot queue every reminder marks none: the next run hands
// them all again, and nobody goes unreminded.
func TestReminderRunThatFailsMarksNothing(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	ref := f.referent(t, ctx, "Rémi")
	tomorrow := inDays(1)
	d := workshop(tomorrow)
	d.Recurrence, d.Count, d.MonthWeek = events.RecurNone, 0, 0
	ev, err := f.svc.Create(ctx, ref, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Ana", "Bob"} {
		if _, err := f.svc.SignUp(ctx, f.user(t, ctx, name), ev.ID, tomorrow.Format("2006-01-02")); err != nil {
			t.Fatal(err)
		}
	}
	down := errors.New("queue unavailable")
	runs := []struct {
		name    string
		failAt  int // the send that fails, 0 for none
		handed  int
		wantErr error
	}{
		{"the second send fails", 2, 2, down},
		{"the next run hands both again", 0, 2, nil},
		{"then nothing is left", 0, 0, nil},
	}
	for _, run := range runs {
		sent := 0
		n, err := f.svc.Remind(ctx, func(events.Reminder) error {
			sent++
			if sent == run.failAt {
				return down
			}
			return nil
		})
		if !errors.Is(err, run.wantErr) || sent != run.handed {
			t.Fatalf("%s: %d handed, %d returned, error %v; want %d handed, error %v", run.name, sent, n, err, run.handed, run.wantErr)
		}
	}
}
