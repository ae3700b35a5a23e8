package events_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/rules"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

const (
	nantes          = "44109"
	saintNazaire    = "44184"
	nantesMetropole = "244400404"
)

type fixture struct {
	env    *testutil.Env
	svc    *events.Service
	az     *authz.Authorizer
	atlas  *territory.Atlas
	outbox *mail.Outbox
}

// newFixture serves two portals: "libre" (services must be free, forbidden
// word "RIB", only référents create events) and "ouvert" (money allowed,
// residents may propose events, held for a moderator).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	libre, ouvert := testutil.Portal("libre"), testutil.Portal("ouvert")
	libre.Rules.ForbiddenWords = []string{"RIB"}
	libre.Modules = []string{"entraide", "agenda"}
	ouvert.Rules = tenant.Rules{ServicesMustBeFree: false, RequestExpiryDays: 10, ResidentsCreateEvents: true}
	ouvert.Modules = []string{"entraide", "agenda"}
	env := testutil.NewEnv(t, libre, ouvert)
	atlas, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	az, err := authz.New(authz.Options{DB: env.DB, Logger: testutil.Logger(), EPCIOfCommune: atlas.EPCIOfCommune})
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(t.TempDir(), testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	svc := events.New(events.Deps{DB: env.DB, Portals: env.Registry.All(),
		Place: func(code string) (string, string, bool) {
			c, ok := atlas.Commune(code)
			return c.EPCI, c.Departement, ok
		},
		MayOrganise: func(ctx context.Context, userID int64, commune, category string) (bool, error) {
			return az.Can(ctx, userID, authz.ActOrganiseEvent, authz.Target{Commune: commune, Category: category})
		},
		Mailer: mail.Direct{Sender: outbox, From: "entraide@localhost"}, Messages: messages})
	return &fixture{env: env, svc: svc, az: az, atlas: atlas, outbox: outbox}
}

// user adds a confirmed account and returns its id.
func (f *fixture) user(t *testing.T, ctx context.Context, name string) int64 {
	t.Helper()
	var id int64
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, email_confirmed_at)
VALUES ($1, $1, $2, 'x', $3, $4, now()) RETURNING id`, strings.ToLower(name)+"@exemple.fr", name, nantes, nantesMetropole).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// referent adds an account that is référent de territoire for Nantes
// Métropole.
func (f *fixture) referent(t *testing.T, ctx context.Context, name string) int64 {
	t.Helper()
	id := f.user(t, ctx, name)
	if err := f.az.Grant(ctx, authz.OperatorActor("test"), id, authz.RoleReferentTerritoire, []string{nantesMetropole}); err != nil {
		t.Fatal(err)
	}
	return id
}

// inDays is the day n days from now in Paris, "2006-01-02".
func inDays(n int) time.Time { return time.Now().In(events.Paris).AddDate(0, 0, n) }

// monthWeek is which weekday of its month d is: 1 for the first… 5.
func monthWeek(d time.Time) int { return (d.Day()-1)/7 + 1 }

func workshop(first time.Time) events.Draft {
	return events.Draft{Category: "courses", Title: "Atelier cuisine du mois",
		Description: "On cuisine ensemble des plats simples avec des légumes de saison.", CommuneCode: nantes,
		Address: "Maison de quartier, 3 rue des Lilas", Day: first.Format("2006-01-02"), StartTime: "18:00", EndTime: "20:00",
		Accessibility: "Salle de plain-pied.", Recurrence: events.RecurMonthly, Interval: 1, MonthWeek: monthWeek(first), Count: 6}
}

func TestCreateValidationAndRules(t *testing.T) {
	f := newFixture(t)
	libre, ouvert := f.env.Ctx(t, "libre"), f.env.Ctx(t, "ouvert")
	ref := f.referent(t, libre, "Rémi")
	resident := f.user(t, libre, "Léa")
	first := inDays(20)
	good := workshop(first)

	fields := []struct {
		name   string
		change func(*events.Draft)
		field  string
	}{
		{"category of no portal", func(d *events.Draft) { d.Category = "bricolage" }, "category"},
		{"title too short", func(d *events.Draft) { d.Title = "Fête" }, "title"},
		{"description too short", func(d *events.Draft) { d.Description = "Venez !" }, "description"},
		{"commune of another département", func(d *events.Draft) { d.CommuneCode = "14118" }, "commune"},
		{"online without a link", func(d *events.Draft) { d.Online = true }, "online_url"},
		{"online with a link that is not a web address", func(d *events.Draft) { d.Online, d.OnlineURL = true, "javascript:alert(1)" }, "online_url"},
		{"relayed without the organiser's page", func(d *events.Draft) { d.OrganiserName = "La Cuisine Solidaire" }, "organiser_url"},
		{"unreadable day", func(d *events.Draft) { d.Day = "31/02/2026" }, "day"},
		{"a day in the past", func(d *events.Draft) { d.Day = inDays(-3).Format("2006-01-02") }, "day"},
		{"unreadable time", func(d *events.Draft) { d.StartTime = "18h" }, "start_time"},
		{"ends before it starts", func(d *events.Draft) { d.EndTime = "17:00" }, "end_time"},
		{"a capacity that is not a number", func(d *events.Draft) { d.Capacity = -1 }, "capacity"},
		{"unknown recurrence", func(d *events.Draft) { d.Recurrence = "annuelle" }, "recurrence"},
		{"recurrence without an end", func(d *events.Draft) { d.Count = 0 }, "until"},
		{"both an end day and a count", func(d *events.Draft) { d.Until = inDays(200).Format("2006-01-02") }, "count"},
		{"the first day is not the chosen week of the month", func(d *events.Draft) { d.MonthWeek = monthWeek(first)%4 + 1 }, "month_week"},
		{"an end more than two years on", func(d *events.Draft) { d.Count, d.Until = 0, inDays(900).Format("2006-01-02") }, "until"},
		{"weekly, but the first day is not one of its days", func(d *events.Draft) {
			d.Recurrence, d.Weekdays = events.RecurWeekly, []string{events.Weekdays[(int(first.Weekday())+1)%7]}
		}, "weekdays"},
	}
	for _, tc := range fields {
		t.Run(tc.name, func(t *testing.T) {
			d := good
			tc.change(&d)
			_, err := f.svc.Create(libre, ref, d)
			var fe invalid.Fields
			if !errors.As(err, &fe) || fe[tc.field] == "" {
				t.Fatalf("error = %v, want one on %s", err, tc.field)
			}
		})
	}

	refusals := []struct {
		name  string
		d     func() events.Draft
		field string
		match string
	}{
		{"a price in the description", func() events.Draft {
			d := good
			d.Description = "Participation de 5 € par personne pour les ingrédients du repas."
			return d
		}, "description", "5 €"},
		{"a price in the title", func() events.Draft { d := good; d.Title = "Atelier payant du mois"; return d }, "title", "payant"},
		{"a price in the accessibility notes", func() events.Draft { d := good; d.Accessibility = "Entrée 3 euros."; return d }, "accessibility", "3 euros"},
		{"a forbidden word", func() events.Draft { d := good; d.Description += " Envoyez votre RIB."; return d }, "description", "RIB"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.Create(libre, ref, tc.d())
			var refused *rules.Refused
			if !errors.As(err, &refused) {
				t.Fatalf("error = %v, want a refusal", err)
			}
			found := false
			for _, fd := range refused.Findings {
				found = found || fd.Field == tc.field && strings.EqualFold(fd.Match, tc.match)
			}
			if !found {
				t.Fatalf("findings %+v, want %q in %s", refused.Findings, tc.match, tc.field)
			}
		})
	}

	// Who creates: a référent within their territory publishes at once; not
	// outside it, and a resident not at all where residents may not.
	ev, err := f.svc.Create(libre, ref, good)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Visibility != events.VisibilityVisible || ev.EPCICode != nantesMetropole || ev.AuthorName != "Rémi" ||
		ev.Recurrence.MonthWeek != monthWeek(first) || ev.Start.Format("15:04") != "18:00" {
		t.Fatalf("created = %+v", ev)
	}
	away := good
	away.CommuneCode = saintNazaire
	if _, err := f.svc.Create(libre, ref, away); !errors.Is(err, events.ErrNotAllowed) {
		t.Fatalf("référent outside their territory: %v", err)
	}
	if _, err := f.svc.Create(libre, resident, good); !errors.Is(err, events.ErrNotAllowed) {
		t.Fatalf("resident where residents may not: %v", err)
	}

	// Where residents may, theirs wait for a moderator: seen by their
	// author only. The same price is accepted there (money allowed).
	author, other := f.user(t, ouvert, "Paul"), f.user(t, ouvert, "Zoé")
	priced := good
	priced.Description = "Participation de 5 € par personne pour les ingrédients du repas."
	held, err := f.svc.Create(ouvert, author, priced)
	if err != nil || held.Visibility != events.VisibilityPending {
		t.Fatalf("resident's event = %+v, %v", held, err)
	}
	if _, err := f.svc.Get(ouvert, held.ID, other); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("someone else sees a pending event: %v", err)
	}
	if _, err := f.svc.Get(ouvert, held.ID, author); err != nil {
		t.Fatalf("the author cannot see their pending event: %v", err)
	}
	from, to := first.AddDate(0, 0, -1), first.AddDate(0, 0, 2)
	if l, _ := f.svc.List(ouvert, events.Filter{From: from, To: to, Viewer: other}); len(l) != 0 {
		t.Fatalf("the calendar shows a pending event to others: %d", len(l))
	}
	if l, _ := f.svc.List(ouvert, events.Filter{From: from, To: to, Viewer: author}); len(l) != 1 {
		t.Fatalf("the author's calendar lacks their pending event: %d", len(l))
	}
	if _, err := f.svc.SignUp(ouvert, other, held.ID, held.Start.Format("2006-01-02")); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("sign-up to a pending event: %v", err)
	}
	if feed, _ := f.svc.Feed(ouvert, "", ""); len(feed) != 0 {
		t.Fatalf("the feed publishes a pending event")
	}
}

// A portal never sees another's events, sign-ups or feed addresses, even
// with the same ids.
func TestIsolation(t *testing.T) {
	f := newFixture(t)
	libre, ouvert := f.env.Ctx(t, "libre"), f.env.Ctx(t, "ouvert")
	ref := f.referent(t, libre, "Rémi")
	if id := f.referent(t, ouvert, "Rémi"); id != ref {
		t.Fatalf("ids differ (%d, %d): the test relies on equal ids", id, ref)
	}
	first := inDays(20)
	ev, err := f.svc.Create(libre, ref, workshop(first))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(ouvert, ev.ID, ref); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("ouvert reads libre's event: %v", err)
	}
	if _, err := f.svc.SignUp(ouvert, ref, ev.ID, ev.Start.Format("2006-01-02")); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("sign-up on ouvert to libre's event: %v", err)
	}
	if l, _ := f.svc.List(ouvert, events.Filter{From: first.AddDate(0, 0, -1), To: first.AddDate(1, 0, 0)}); len(l) != 0 {
		t.Fatalf("ouvert's calendar lists %d of libre's occurrences", len(l))
	}
	if feed, _ := f.svc.Feed(ouvert, "", ""); len(feed) != 0 {
		t.Fatal("ouvert's feed publishes libre's event")
	}
	token, err := f.svc.NewFeedToken(libre, ref)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := f.svc.FeedOwner(libre, token); err != nil || id != ref {
		t.Fatalf("feed owner = %d, %v", id, err)
	}
	if _, err := f.svc.FeedOwner(ouvert, token); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("libre's feed address opens on ouvert: %v", err)
	}
	// A new address replaces the old one.
	if _, err := f.svc.NewFeedToken(libre, ref); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.FeedOwner(libre, token); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("the replaced feed address still opens: %v", err)
	}
}

// Places per occurrence, then a waiting line; someone leaving gives their
// place to the first person waiting, who is told by email.
func TestCapacityAndWaitingLine(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	ref := f.referent(t, ctx, "Rémi")
	d := workshop(inDays(20))
	d.Capacity = 2
	ev, err := f.svc.Create(ctx, ref, d)
	if err != nil {
		t.Fatal(err)
	}
	next := f.svc.Next(ev, 3)
	if len(next) != 3 {
		t.Fatalf("next occurrences = %v", next)
	}
	day, day2 := next[0].Day, next[1].Day
	people := map[string]int64{}
	for _, n := range []string{"Ana", "Bob", "Chloe", "Dan"} {
		people[n] = f.user(t, ctx, n)
	}
	want := []struct {
		who      string
		status   string
		position int
	}{{"Ana", events.StatusRegistered, 0}, {"Bob", events.StatusRegistered, 0}, {"Chloe", events.StatusWaiting, 1}, {"Dan", events.StatusWaiting, 2}}
	for _, w := range want {
		su, err := f.svc.SignUp(ctx, people[w.who], ev.ID, day)
		if err != nil || su.Status != w.status || su.Position != w.position {
			t.Fatalf("%s signs up: %+v, %v; want %s at %d", w.who, su, err, w.status, w.position)
		}
	}
	// Twice is once; another occurrence has its own places; a day without
	// an occurrence has none.
	if su, err := f.svc.SignUp(ctx, people["Ana"], ev.ID, day); err != nil || su.Status != events.StatusRegistered {
		t.Fatalf("signing up twice: %+v, %v", su, err)
	}
	if su, err := f.svc.SignUp(ctx, people["Dan"], ev.ID, day2); err != nil || su.Status != events.StatusRegistered {
		t.Fatalf("another occurrence: %+v, %v", su, err)
	}
	if _, err := f.svc.SignUp(ctx, people["Dan"], ev.ID, inDays(21).Format("2006-01-02")); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("a day without an occurrence: %v", err)
	}
	att, err := f.svc.Attendance(ctx, ev.ID, people["Dan"])
	if err != nil {
		t.Fatal(err)
	}
	if a := att[day]; a.Registered != 2 || a.Waiting != 2 || a.Mine == nil || a.Mine.Status != events.StatusWaiting || a.Mine.Position != 2 || !a.Full(ev.Capacity) {
		t.Fatalf("attendance of %s = %+v (mine %+v)", day, a, a.Mine)
	}

	// Bob leaves: Chloé, first in line, gets the place and an email; Dan
	// moves up.
	if err := f.svc.Leave(ctx, people["Bob"], ev.ID, day, "https://libre.localhost"); err != nil {
		t.Fatal(err)
	}
	att, _ = f.svc.Attendance(ctx, ev.ID, people["Dan"])
	if a := att[day]; a.Registered != 2 || a.Waiting != 1 || a.Mine.Position != 1 {
		t.Fatalf("after Bob leaves: %+v (mine %+v)", a, a.Mine)
	}
	att, _ = f.svc.Attendance(ctx, ev.ID, people["Chloe"])
	if a := att[day]; a.Mine == nil || a.Mine.Status != events.StatusRegistered {
		t.Fatalf("Chloé was not given the place: %+v", a.Mine)
	}
	msgs := f.messages(t, "libre")
	if len(msgs) != 1 || !strings.Contains(msgs[0].To, "chloe@exemple.fr") || !strings.Contains(msgs[0].Text, "Atelier cuisine du mois") ||
		!strings.Contains(msgs[0].Text, "https://libre.localhost/agenda/") {
		t.Fatalf("promotion emails = %+v", msgs)
	}
	// Someone waiting who leaves frees no place: nobody else is told.
	if err := f.svc.Leave(ctx, people["Dan"], ev.ID, day, "https://libre.localhost"); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Leave(ctx, people["Dan"], ev.ID, day, "https://libre.localhost"); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("leaving twice: %v", err)
	}
	if msgs := f.messages(t, "libre"); len(msgs) != 1 {
		t.Fatalf("%d emails, want still 1", len(msgs))
	}
	mine, err := f.svc.Upcoming(ctx, people["Dan"])
	if err != nil || len(mine) != 1 || mine[0].When.Day != day2 {
		t.Fatalf("Dan's sign-ups = %+v, %v", mine, err)
	}
}

// When many sign up at once for the last places, exactly the capacity get
// one: the event is locked while places are counted.
func TestLastPlacesUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	ref := f.referent(t, ctx, "Rémi")
	d := workshop(inDays(20))
	d.Capacity = 3
	ev, err := f.svc.Create(ctx, ref, d)
	if err != nil {
		t.Fatal(err)
	}
	day := ev.Start.Format("2006-01-02")
	var ids []int64
	for i := range 8 {
		ids = append(ids, f.user(t, ctx, "Voisin"+string(rune('A'+i))))
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(ids))
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.svc.SignUp(ctx, id, ev.ID, day)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	att, _ := f.svc.Attendance(ctx, ev.ID, 0)
	if a := att[day]; a.Registered != 3 || a.Waiting != 5 {
		t.Fatalf("attendance = %+v, want 3 registered and 5 waiting", a)
	}
}

// The organiser cancels one date: it leaves the recurrence (and the feed
// gets an EXDATE), the people signed up are told; others may not.
func TestCancelOneDate(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	ref := f.referent(t, ctx, "Rémi")
	ev, err := f.svc.Create(ctx, ref, workshop(inDays(20)))
	if err != nil {
		t.Fatal(err)
	}
	next := f.svc.Next(ev, 2)
	ana, bob := f.user(t, ctx, "Ana"), f.user(t, ctx, "Bob")
	if _, err := f.svc.SignUp(ctx, ana, ev.ID, next[1].Day); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CancelDay(ctx, bob, ev.ID, next[1].Day, "https://libre.localhost"); !errors.Is(err, events.ErrNotAllowed) {
		t.Fatalf("a resident cancels a date: %v", err)
	}
	if err := f.svc.CancelDay(ctx, ref, ev.ID, next[1].Day, "https://libre.localhost"); err != nil {
		t.Fatal(err)
	}
	ev, _ = f.svc.Get(ctx, ev.ID, 0)
	if _, ok := ev.Occurrence(next[1].Day); ok {
		t.Fatal("the cancelled date still happens")
	}
	if got := f.svc.Next(ev, 2); got[0].Day != next[0].Day || got[1].Day == next[1].Day {
		t.Fatalf("next occurrences after cancelling = %v", got)
	}
	if !strings.Contains(string(events.Calendar{Host: "h", Events: []events.Event{ev}}.ICS()), "EXDATE;TZID=Europe/Paris:"+strings.ReplaceAll(next[1].Day, "-", "")+"T180000") {
		t.Fatal("the feed lacks the EXDATE")
	}
	if mine, _ := f.svc.Upcoming(ctx, ana); len(mine) != 0 {
		t.Fatalf("Ana is still signed up to a cancelled date: %+v", mine)
	}
	if msgs := f.messages(t, "libre"); len(msgs) != 1 || !strings.Contains(msgs[0].To, "ana@exemple.fr") {
		t.Fatalf("cancellation emails = %+v", msgs)
	}
}

// messages reads every email the outbox holds for a portal.
func (f *fixture) messages(t *testing.T, slug tenant.Slug) []mail.Entry {
	t.Helper()
	ctx := context.Background()
	entries, err := f.outbox.List(ctx, slug, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]mail.Entry, len(entries))
	for i, e := range entries {
		if out[i], err = f.outbox.Read(ctx, slug, e.ID); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// Cancelling the one date of a single event cancels the event.
func TestCancelSingleEvent(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	ref := f.referent(t, ctx, "Rémi")
	d := workshop(inDays(20))
	d.Recurrence, d.Count, d.MonthWeek = events.RecurNone, 0, 0
	ev, err := f.svc.Create(ctx, ref, d)
	if err != nil {
		t.Fatal(err)
	}
	day := ev.Start.Format("2006-01-02")
	if err := f.svc.CancelDay(ctx, ref, ev.ID, day, "https://libre.localhost"); err != nil {
		t.Fatal(err)
	}
	ev, _ = f.svc.Get(ctx, ev.ID, 0)
	if ev.CancelledAt == nil {
		t.Fatal("the event is not cancelled")
	}
	if _, err := f.svc.SignUp(ctx, f.user(t, ctx, "Ana"), ev.ID, day); !errors.Is(err, events.ErrClosed) {
		t.Fatalf("sign-up to a cancelled event: %v", err)
	}
	if feed, _ := f.svc.Feed(ctx, "", ""); len(feed) != 0 {
		t.Fatal("the feed still publishes a cancelled event")
	}
}
