package events_test

import (
	"context"
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
	again, err := f.svc.DueReminders(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run: %d reminders, %v", len(again), err)
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
