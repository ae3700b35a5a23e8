package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/password"
	"github.com/entraide/entraide/internal/report"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
)

// DemoPassword opens every demo account. Demo data exists only with dev on.
const DemoPassword = "voisins solidaires"

// demoCmd fills each demo portal that has nobody yet with a few people and
// posts, made through the real services (so the rules and emails are the
// real ones), for `make run`. It refuses to run without dev.
func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := commonFlags("demo", args, stderr, nil)
	if err != nil {
		return err
	}
	if !cfg.Dev {
		fmt.Fprintln(stderr, "entraide demo: demo people and posts are for development only (set ENTRAIDE_DEV=true)")
		return errExit
	}
	log := newLogger(cfg, stderr)
	outbox, err := mail.NewOutbox(cfg.OutboxDir, log)
	if err != nil {
		return err
	}
	svc, err := openServices(ctx, cfg, stderr, log, mail.Direct{Sender: outbox, From: cfg.MailFrom}, password.Params{})
	if err != nil {
		return err
	}
	defer svc.close()
	reg, atlas, az, accounts, posts, talks, reports := svc.reg, svc.atlas, svc.az, svc.accounts, svc.posts, svc.talks, svc.reports
	forums, profiles, feed, calendar := svc.forums, svc.profiles, svc.feed, svc.calendar

	for _, t := range reg.All() {
		pctx := tenant.WithTenant(ctx, t)
		communes := atlas.Communes(t.Departement)
		if len(communes) < 3 || len(t.Categories) < 2 {
			continue
		}
		// The three most populated communes: demo people live where most
		// people do.
		big := biggest(communes, 3)
		// Paul lives in Léa's intercommunalité: neighbours who share
		// an interest find each other there.
		near := neighbourOf(atlas, communes, big[0])
		people := []struct{ name, email, commune, interests string }{
			{"Agnès (admin)", "admin@" + t.Hosts[0], big[0], "organisation"},
			{"Léa", "lea@" + t.Hosts[0], big[0], "cuisine, jardin"},
			{"Paul", "paul@" + t.Hosts[0], near, "cuisine, marche"},
			{"Zoé", "zoe@" + t.Hosts[0], big[2], "lecture"},
		}
		ids := map[string]int64{}
		skip := false
		for _, p := range people {
			u, err := accounts.Register(pctx, account.RegisterInput{DisplayName: p.name, Email: p.email, Password: DemoPassword,
				CommuneCode: p.commune, Interests: p.interests, Locale: t.Locales.Default}, "http://"+t.Hosts[0])
			if errors.Is(err, account.ErrAlreadyRegistered) {
				skip = true
				break
			}
			if err != nil {
				return fmt.Errorf("demo %s: %s: %w", t.Slug, p.email, err)
			}
			if err := accounts.ConfirmWithoutLink(pctx, u.ID); err != nil {
				return err
			}
			ids[p.name] = u.ID
		}
		if skip {
			fmt.Fprintf(stdout, "demo   %-16s already has its demo people\n", t.Slug)
			if err := demoEvent(pctx, stdout, accounts, calendar, t, big[0]); err != nil {
				return err
			}
			if err := demoCommunity(pctx, t, accounts, forums, profiles, stdout); err != nil {
				return err
			}
			if err := demoNews(pctx, stdout, accounts, feed, t); err != nil {
				return err
			}
			continue
		}
		if err := az.Grant(pctx, authz.OperatorActor("demo"), ids["Agnès (admin)"], authz.RoleAdminDepartement, nil); err != nil {
			return err
		}
		// Paul is the référent de territoire where Léa lives: he has a
		// queue to clear.
		home, _ := atlas.EPCIOfCommune(big[0])
		if err := az.Grant(pctx, authz.OperatorActor("demo"), ids["Paul"], authz.RoleReferentTerritoire, []string{home}); err != nil {
			return err
		}
		c1, c2 := categoryOr(t, "courses", 0), categoryOr(t, "ecoute", 1)
		drafts := []struct {
			author string
			d      help.Draft
		}{
			{"Léa", help.Draft{Kind: help.KindRequest, Category: c1, Title: "Un coup de main le samedi matin",
				Description: "Je ne peux plus porter de charges lourdes depuis mon opération. Quelqu'un pourrait-il m'aider le samedi matin ?",
				CommuneCode: big[0], Modes: []string{"sur_place"}, WhenKind: "regulier", Recurrence: "le samedi matin"}},
			{"Paul", help.Draft{Kind: help.KindOffer, Category: c1, Title: "Je peux aider près de chez moi",
				Description: "Je suis à la retraite et j'ai du temps. Je peux rendre service dans le quartier, en semaine.",
				CommuneCode: near, Modes: []string{"sur_place", "telephone"}, WhenKind: "souple"}},
			{"Zoé", help.Draft{Kind: help.KindRequest, Category: c2, Title: "Besoin d'un appel de temps en temps",
				Description: "Je vis seule et je parle peu à d'autres personnes. Un appel par semaine me ferait plaisir.",
				CommuneCode: big[2], Modes: []string{"telephone"}, WhenKind: "souple", Urgent: true}},
			// The portals' flag words send this one to Paul's queue.
			{"Zoé", help.Draft{Kind: help.KindOffer, Category: c1, Title: "Je donne des pots de confiture",
				Description: "J'ai fait trop de confiture cet été. Écrivez-moi sur WhatsApp et je vous en donne un pot.",
				CommuneCode: big[0], Modes: []string{"sur_place"}, WhenKind: "souple"}},
		}
		var created []help.Post
		for _, x := range drafts {
			p, err := posts.Create(pctx, ids[x.author], x.d)
			if err != nil {
				return fmt.Errorf("demo %s: post %q: %w", t.Slug, x.d.Title, err)
			}
			created = append(created, p)
		}
		first, jam := created[0], created[3]
		// Under premoderation the posts wait for a référent, as real ones
		// do, and nobody may answer them yet.
		if first.Visibility == help.VisibilityVisible {
			if _, err := talks.Answer(pctx, first.ID, ids["Paul"], "Bonjour Léa, je peux passer samedi vers 10 h. Cela vous convient ?", "http://"+t.Hosts[0]); err != nil {
				return fmt.Errorf("demo %s: conversation: %w", t.Slug, err)
			}
		}
		// Léa reports it too (where it is visible: under premoderation it
		// waits anyway).
		if err := reports.Report(pctx, ids["Léa"], "post", jam.ID, "autre", "Elle demande d'écrire ailleurs que sur le site, est-ce prudent ?"); err != nil &&
			!errors.Is(err, report.ErrNotFound) {
			return fmt.Errorf("demo %s: report: %w", t.Slug, err)
		}
		if err := demoCommunity(pctx, t, accounts, forums, profiles, stdout); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo   %-16s people: admin@ (admin), paul@ (référent), lea@, zoe@%s (password %q); 4 posts\n", t.Slug, t.Hosts[0], DemoPassword)
		if err := demoEvent(pctx, stdout, accounts, calendar, t, big[0]); err != nil {
			return err
		}
		if err := demoNews(pctx, stdout, accounts, feed, t); err != nil {
			return err
		}
	}
	return nil
}

// demoWorkshop is the title of the demo portal's monthly event.
const demoWorkshop = "Atelier cuisine du mois"

// demoEvent gives Tous voisins 44 a monthly cooking workshop (every 2nd
// Tuesday), made by its demo admin through the calendar service, once:
// it is made again only if it is gone.
func demoEvent(ctx context.Context, stdout io.Writer, accounts *account.Service, calendar *events.Service, t *tenant.Tenant, commune string) error {
	if t.Slug != "tousvoisins44" || !t.HasModule("agenda") {
		return nil
	}
	admin, err := accounts.ByEmail(ctx, "admin@"+t.Hosts[0])
	if err != nil {
		return fmt.Errorf("demo %s: the admin for the demo event: %w", t.Slug, err)
	}
	now := time.Now().In(events.Paris)
	list, err := calendar.List(ctx, events.Filter{From: now, To: now.AddDate(1, 1, 0), Viewer: admin.ID})
	if err != nil {
		return err
	}
	for _, it := range list {
		if it.Event.Title == demoWorkshop {
			fmt.Fprintf(stdout, "demo   %-16s already has its monthly event\n", t.Slug)
			return nil
		}
	}
	// The next second Tuesday, from tomorrow.
	first := now.AddDate(0, 0, 1)
	for first.Weekday() != time.Tuesday || (first.Day()-1)/7 != 1 {
		first = first.AddDate(0, 0, 1)
	}
	_, err = calendar.Create(ctx, admin.ID, events.Draft{
		Category: categoryOr(t, "partage_savoir_faire", 0), Title: demoWorkshop,
		Description: "Chaque 2e mardi du mois, on cuisine ensemble un plat simple avec des légumes de saison, puis on le partage. Débutants bienvenus : apportez seulement un tablier et une boîte.",
		CommuneCode: commune, Address: "Maison de quartier, salle du rez-de-chaussée",
		Day: first.Format("2006-01-02"), StartTime: "18:00", EndTime: "20:00", Capacity: 12,
		Accessibility: "Salle de plain-pied, accessible en fauteuil. Toilettes adaptées.",
		Recurrence:    events.RecurMonthly, Interval: 1, MonthWeek: 2, Count: 10,
	})
	if err != nil {
		return fmt.Errorf("demo %s: monthly event: %w", t.Slug, err)
	}
	fmt.Fprintf(stdout, "demo   %-16s monthly event %q (every 2nd Tuesday)\n", t.Slug, demoWorkshop)
	return nil
}

// categoryOr is the portal's category with this code, or its n-th one.
func categoryOr(t *tenant.Tenant, code string, n int) string {
	for _, c := range t.Categories {
		if c.Code == code {
			return code
		}
	}
	return t.Categories[n].Code
}

// biggest returns the codes of the n most populated communes.
func biggest(communes []territory.Commune, n int) []string {
	best := make([]territory.Commune, 0, n)
	for _, c := range communes {
		best = append(best, c)
		for i := len(best) - 1; i > 0 && best[i].Population > best[i-1].Population; i-- {
			best[i], best[i-1] = best[i-1], best[i]
		}
		if len(best) > n {
			best = best[:n]
		}
	}
	out := make([]string, len(best))
	for i, c := range best {
		out[i] = c.Code
	}
	return out
}
