package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/bench"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/password"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"golang.org/x/sync/errgroup"
)

// seedSize is how much made-up content seed puts in each portal.
type seedSize struct {
	people, posts, events, conversations, reports int
}

// Seeded people sign in with the demo password. Three of them are known to
// the benchmark: seed-admin@ (admin), seed-referent@ (référent de
// territoire of the most populated EPCI, with a moderation queue) and
// seed-resident@ (who writes posts during the load test).
const (
	seedAdmin    = "seed-admin@"
	seedReferent = "seed-referent@"
	seedResident = "seed-resident@"
)

// seedHashing makes the made-up people's password hashes cheap: seeding
// 2,000 people per portal at the real cost (about 30 ms each) would take
// most of an hour for a hundred portals. Their hashes keep the real format
// and are checked by the real code; only signing in as them is cheaper,
// and the benchmark measures no sign-in.
var seedHashing = password.Params{Memory: 1024, Time: 1, Threads: 1}

// seedCmd fills portals with made-up people, posts, events, conversations
// and reports through the real services, so that their rules, indexes and
// search vectors are the real ones: the content the benchmark (`make
// bench`) measures the pages against. Development only.
func seedCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var (
		size        seedSize
		portals     string
		concurrency int
	)
	cfg, err := commonFlags("seed", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&portals, "portals", "", "comma-separated slugs of the portals to fill (default: every portal)")
		fs.IntVar(&size.people, "people", 2000, "people per portal")
		fs.IntVar(&size.posts, "posts", 10000, "help posts per portal")
		fs.IntVar(&size.events, "events", 300, "events per portal (portals with the agenda module)")
		fs.IntVar(&size.conversations, "conversations", 1000, "conversations per portal, three messages each")
		fs.IntVar(&size.reports, "reports", 50, "reported posts per portal")
		fs.IntVar(&concurrency, "concurrency", 4, "portals filled at once")
	})
	if err != nil {
		return err
	}
	if !cfg.Dev {
		fmt.Fprintln(stderr, "entraide seed: made-up content is for development and benchmarks only (set ENTRAIDE_DEV=true)")
		return errExit
	}
	if size.people < 10 {
		fmt.Fprintln(stderr, "entraide seed: -people must be 10 or more")
		return errExit
	}
	log := newLogger(cfg, stderr)
	sent := &discardMail{}
	svc, err := openServices(ctx, cfg, stderr, log, sent, seedHashing)
	if err != nil {
		return err
	}
	defer svc.close()
	targets, err := seedTargets(svc.reg, portals)
	if err != nil {
		fmt.Fprintln(stderr, "entraide seed:", err)
		return errExit
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, concurrency))
	for i, t := range targets {
		g.Go(func() error {
			start := time.Now()
			done, err := seedPortal(tenant.WithTenant(gctx, t), svc, t, size, uint64(i+1))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				return fmt.Errorf("seed %s: %w", t.Slug, err)
			case !done:
				fmt.Fprintf(stdout, "seed   %-16s already seeded\n", t.Slug)
			default:
				fmt.Fprintf(stdout, "seed   %-16s %d people, %d posts, %d events, %d conversations in %s\n",
					t.Slug, size.people, size.posts, size.events, size.conversations, time.Since(start).Round(time.Second))
			}
			return nil
		})
	}
	err = g.Wait()
	fmt.Fprintf(stdout, "seed   %d emails to made-up people were discarded\n", sent.n.Load())
	return err
}

func seedTargets(reg *tenant.Registry, portals string) ([]*tenant.Tenant, error) {
	if portals == "" {
		return reg.All(), nil
	}
	var out []*tenant.Tenant
	for _, s := range strings.Split(portals, ",") {
		t, ok := reg.BySlug(tenant.Slug(strings.TrimSpace(s)))
		if !ok {
			return nil, fmt.Errorf("no portal %q in the tenants directory", s)
		}
		out = append(out, t)
	}
	return out, nil
}

// discardMail counts the emails to made-up people and sends none: their
// addresses reach nobody, and 200,000 files in an outbox help no one.
type discardMail struct{ n atomic.Int64 }

func (m *discardMail) Send(context.Context, string, string, string) error {
	m.n.Add(1)
	return nil
}

// seedPortal fills one portal. It reports false when the portal was
// already seeded (its seed-admin@ exists): seeding twice would only double
// the content, so a new seed needs a new database.
func seedPortal(ctx context.Context, svc *services, t *tenant.Tenant, size seedSize, seed uint64) (bool, error) {
	host := t.Hosts[0]
	if _, err := svc.accounts.ByEmail(ctx, seedAdmin+host); err == nil {
		return false, nil
	} else if !errors.Is(err, account.ErrNotFound) {
		return false, err
	}
	gen := bench.NewContent(seed)
	all := svc.atlas.Communes(t.Departement)
	communes := newCommuneDraw(all)
	base := "http://" + host

	// People: three known ones, then made-up residents.
	register := func(name, email, commune string) (int64, error) {
		u, err := svc.accounts.Register(ctx, account.RegisterInput{DisplayName: name, Email: email, Password: DemoPassword,
			CommuneCode: commune, Interests: gen.Interests(), Locale: t.Locales.Default}, base)
		if err != nil {
			return 0, fmt.Errorf("person %s: %w", email, err)
		}
		return u.ID, svc.accounts.ConfirmWithoutLink(ctx, u.ID)
	}
	// The known people live in the most populated commune.
	centre := biggest(all, 1)[0]
	home, _ := svc.atlas.EPCIOfCommune(centre)
	admin, err := register("Administration", seedAdmin+host, centre)
	if err != nil {
		return false, err
	}
	referent, err := register("Référent du territoire", seedReferent+host, centre)
	if err != nil {
		return false, err
	}
	if _, err := register("Habitant d'essai", seedResident+host, centre); err != nil {
		return false, err
	}
	people := make([]int64, 0, size.people)
	for i := range size.people - 3 {
		id, err := register(gen.Name(), fmt.Sprintf("seed-%05d@%s", i+1, host), communes.draw(gen))
		if err != nil {
			return false, err
		}
		people = append(people, id)
	}

	// Roles: an admin, a référent de territoire per EPCI (seed-referent@
	// for the most populated one) and a référent thématique per theme.
	op := authz.OperatorActor("seed")
	if err := svc.az.Grant(ctx, op, admin, authz.RoleAdminDepartement, nil); err != nil {
		return false, err
	}
	if err := svc.az.Grant(ctx, op, referent, authz.RoleReferentTerritoire, []string{home}); err != nil {
		return false, err
	}
	for i, e := range svc.atlas.EPCIs(t.Departement) {
		if e.Code != home {
			if err := svc.az.Grant(ctx, op, people[i%len(people)], authz.RoleReferentTerritoire, []string{e.Code}); err != nil {
				return false, err
			}
		}
	}
	for i, c := range t.Categories {
		if err := svc.az.Grant(ctx, op, people[(len(people)-1-i+len(people))%len(people)], authz.RoleReferentThematique, []string{c.Code}); err != nil {
			return false, err
		}
	}

	// Posts, of every kind, category, rhythm; some closed, some flagged.
	var visible []help.Post
	for range size.posts {
		request := gen.Chance(0.5)
		title, desc := gen.PostText(request, gen.Chance(0.01))
		d := help.Draft{Kind: help.KindOffer, Category: t.Categories[gen.Intn(len(t.Categories))].Code, Title: title,
			Description: desc, CommuneCode: communes.draw(gen), Modes: []string{gen.Pick(help.Modes)},
			WhenKind: gen.Pick(help.WhenKinds), Urgent: request && gen.Chance(0.05)}
		if request {
			d.Kind = help.KindRequest
		}
		day := time.Now().AddDate(0, 0, 1+gen.Intn(60))
		switch d.WhenKind {
		case "date":
			d.DateFrom = day.Format("2006-01-02")
		case "periode":
			d.DateFrom, d.DateTo = day.Format("2006-01-02"), day.AddDate(0, 0, 7).Format("2006-01-02")
		case "regulier":
			d.Recurrence = gen.Recurrence()
		}
		author := people[gen.Intn(len(people))]
		p, err := svc.posts.Create(ctx, author, d)
		if err != nil {
			return false, fmt.Errorf("post %q: %w", d.Title, err)
		}
		switch {
		case gen.Chance(0.08):
			err = svc.posts.Close(ctx, author, p.ID, help.StatusDone, "Merci beaucoup !")
		case gen.Chance(0.03):
			err = svc.posts.Close(ctx, author, p.ID, help.StatusWithdrawn, "")
		case p.Visibility == help.VisibilityVisible:
			visible = append(visible, p)
		}
		if err != nil {
			return false, err
		}
	}

	// Conversations: someone answers a post, two more messages follow.
	for i := range min(size.conversations, len(visible)) {
		p := visible[(i*7919)%len(visible)]
		responder := people[gen.Intn(len(people))]
		if responder == p.AuthorID {
			continue
		}
		conv, err := svc.talks.Answer(ctx, p.ID, responder, gen.Message(), base)
		if err != nil {
			return false, fmt.Errorf("conversation on post %d: %w", p.ID, err)
		}
		if _, err := svc.talks.Send(ctx, conv, p.AuthorID, gen.Message(), base); err != nil {
			return false, err
		}
		if _, err := svc.talks.Send(ctx, conv, responder, gen.Message(), base); err != nil {
			return false, err
		}
	}

	// Reports, for the référents' queues.
	for i := range min(size.reports, len(visible)) {
		p := visible[(i*104729)%len(visible)]
		reporter := people[gen.Intn(len(people))]
		if reporter == p.AuthorID {
			continue
		}
		if err := svc.reports.Report(ctx, reporter, "post", p.ID, "autre", "Cette annonce me semble bizarre."); err != nil {
			return false, fmt.Errorf("report on post %d: %w", p.ID, err)
		}
	}

	if t.HasModule("agenda") {
		if err := seedEvents(ctx, svc, t, gen, communes, admin, people, size.events); err != nil {
			return false, err
		}
	}
	return true, nil
}

// seedEvents publishes events over the next six months, a quarter of them
// weekly or monthly, and signs a few people up to each.
func seedEvents(ctx context.Context, svc *services, t *tenant.Tenant, gen *bench.Content, communes *communeDraw, admin int64, people []int64, n int) error {
	now := time.Now().In(events.Paris)
	for i := range n {
		title, desc, place := gen.EventText(i + 1)
		day := now.AddDate(0, 0, 2+gen.Intn(180))
		d := events.Draft{Category: t.Categories[gen.Intn(len(t.Categories))].Code, Title: title, Description: desc,
			CommuneCode: communes.draw(gen), Address: place, Day: day.Format("2006-01-02"),
			StartTime: "14:00", EndTime: "16:30", Capacity: []int{0, 10, 20}[gen.Intn(3)],
			Accessibility: "Salle de plain-pied, accessible en fauteuil."}
		switch gen.Intn(8) {
		case 0:
			d.Recurrence, d.Interval, d.Count = events.RecurWeekly, 1, 8
			d.Weekdays = []string{weekdayCode(day.Weekday())}
		case 1:
			// Monthly on the nth weekday of the first date; a fifth one
			// does not happen every month, so such a date stays single.
			if n := 1 + (day.Day()-1)/7; n <= 4 {
				d.Recurrence, d.Interval, d.Count, d.MonthWeek = events.RecurMonthly, 1, 6, n
			}
		}
		ev, err := svc.calendar.Create(ctx, admin, d)
		if err != nil {
			return fmt.Errorf("event %q: %w", d.Title, err)
		}
		next := svc.calendar.Next(ev, 1)
		if len(next) == 0 {
			continue
		}
		for range gen.Intn(6) {
			if _, err := svc.calendar.SignUp(ctx, people[gen.Intn(len(people))], ev.ID, next[0].Day); err != nil {
				return fmt.Errorf("sign-up to event %d: %w", ev.ID, err)
			}
		}
	}
	return nil
}

func weekdayCode(d time.Weekday) string {
	return [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}[d]
}

// communeDraw picks communes in proportion to their population: most
// posts come from the towns, some from the villages, as on the real
// portals.
type communeDraw struct {
	codes []string
	cum   []int
}

func newCommuneDraw(communes []territory.Commune) *communeDraw {
	d := &communeDraw{}
	total := 0
	for _, c := range communes {
		total += max(c.Population, 1)
		d.codes = append(d.codes, c.Code)
		d.cum = append(d.cum, total)
	}
	return d
}

func (d *communeDraw) draw(gen *bench.Content) string {
	x := gen.Intn(d.cum[len(d.cum)-1])
	return d.codes[sort.SearchInts(d.cum, x+1)]
}
