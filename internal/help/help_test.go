package help_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/help"
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
	nantes        = "44109"
	saintHerblain = "44162"
	saintNazaire  = "44184"
)

type fixture struct {
	env    *testutil.Env
	svc    *help.Service
	atlas  *territory.Atlas
	outbox *mail.Outbox
}

// newFixture serves two portals: "libre" (services must be free, no
// premoderation, forbidden word "RIB") and "relu" (premoderation, money
// allowed).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	libre, relu := testutil.Portal("libre"), testutil.Portal("relu")
	libre.Rules.ForbiddenWords = []string{"RIB"}
	relu.Rules = tenant.Rules{ServicesMustBeFree: false, Premoderation: true, RequestExpiryDays: 10}
	env := testutil.NewEnv(t, libre, relu)
	atlas, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	place := func(code string) (string, string, bool) {
		c, ok := atlas.Commune(code)
		return c.EPCI, c.Departement, ok
	}
	outbox, err := mail.NewOutbox(t.TempDir(), testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	svc := help.New(help.Deps{DB: env.DB, Place: place, Neighbours: atlas.Neighbours, Portals: env.Registry.All(),
		Mailer: mail.Direct{Sender: outbox, From: "entraide@localhost"}, Messages: messages})
	return &fixture{env: env, svc: svc, atlas: atlas, outbox: outbox}
}

// user adds a confirmed account and returns its id.
func (f *fixture) user(t *testing.T, ctx context.Context, name, commune string) int64 {
	t.Helper()
	epci, _ := f.atlas.EPCIOfCommune(commune)
	var id int64
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, email_confirmed_at)
VALUES ($1, $1, $2, 'x', $3, $4, now()) RETURNING id`, asciiEmail(name), name, commune, epci).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// asciiEmail makes an address from a name: addresses are ASCII.
func asciiEmail(name string) string {
	return strings.ToLower(strings.NewReplacer("é", "e", "è", "e", "ë", "e", "ï", "i", "ô", "o").Replace(name)) + "@exemple.fr"
}

// show makes a post visible, as a référent approving it would.
func (f *fixture) show(t *testing.T, ctx context.Context, id int64) {
	t.Helper()
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE posts SET visibility = 'visible' WHERE id = $1`, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func draft(title, description string) help.Draft {
	return help.Draft{Kind: help.KindRequest, Category: "courses", Title: title, Description: description,
		CommuneCode: nantes, Modes: []string{"sur_place"}, WhenKind: "souple"}
}

func TestCreateValidation(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	author := f.user(t, ctx, "Léa", nantes)
	good := draft("Courses le samedi", "J'ai besoin d'aide pour porter mes courses depuis le marché.")
	tests := []struct {
		name   string
		change func(*help.Draft)
		fields []string
	}{
		{"unknown kind", func(d *help.Draft) { d.Kind = "vente" }, []string{"kind"}},
		{"category of no portal", func(d *help.Draft) { d.Category = "bricolage" }, []string{"category"}},
		{"title too short", func(d *help.Draft) { d.Title = "  Aide " }, []string{"title"}},
		{"description too short", func(d *help.Draft) { d.Description = "Aidez-moi" }, []string{"description"}},
		{"control character", func(d *help.Draft) { d.Description += "\x00" }, []string{"description"}},
		{"commune of another département", func(d *help.Draft) { d.CommuneCode = "14118" }, []string{"commune"}},
		{"no mode", func(d *help.Draft) { d.Modes = nil }, []string{"modes"}},
		{"unknown mode", func(d *help.Draft) { d.Modes = []string{"pigeon"} }, []string{"modes"}},
		{"date missing", func(d *help.Draft) { d.WhenKind = "date" }, []string{"date_from"}},
		{"period ending before it starts", func(d *help.Draft) { d.WhenKind, d.DateFrom, d.DateTo = "periode", "2026-12-10", "2026-12-01" }, []string{"date_to"}},
		{"regular without when", func(d *help.Draft) { d.WhenKind = "regulier" }, []string{"recurrence"}},
		{"unknown when", func(d *help.Draft) { d.WhenKind = "jamais" }, []string{"when"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := good
			tc.change(&d)
			_, err := f.svc.Create(ctx, author, d)
			var fe invalid.Fields
			if !errors.As(err, &fe) || len(fe) != len(tc.fields) {
				t.Fatalf("error = %v, want errors on %v", err, tc.fields)
			}
			for _, field := range tc.fields {
				if fe[field] == "" {
					t.Fatalf("no error on %s: %v", field, fe)
				}
			}
		})
	}
	p, err := f.svc.Create(ctx, author, good)
	if err != nil {
		t.Fatal(err)
	}
	if p.EPCICode != "244400404" || p.Status != help.StatusOpen || p.Visibility != help.VisibilityVisible || p.AuthorName != "Léa" {
		t.Fatalf("created post = %+v", p)
	}
	if want := time.Now().Add(30 * 24 * time.Hour); p.ExpiresAt.Sub(want).Abs() > time.Minute {
		t.Fatalf("expires at %s, want about %s", p.ExpiresAt, want)
	}
}

// The portal's rules apply: money refused where services must be free,
// allowed elsewhere; forbidden words; premoderation holds posts.
func TestPortalRules(t *testing.T) {
	f := newFixture(t)
	libre, relu := f.env.Ctx(t, "libre"), f.env.Ctx(t, "relu")
	a, b := f.user(t, libre, "Léa", nantes), f.user(t, relu, "Paul", nantes)
	tests := []struct {
		name    string
		ctx     context.Context
		author  int64
		d       help.Draft
		refused string // rule id, "" when accepted
		match   string
		vis     string
	}{
		{"free portal refuses a price", libre, a, draft("Courses le samedi", "Je fais vos courses pour 10 € de l'heure, à Nantes."), "services_must_be_free", "10 €", ""},
		{"free portal refuses a price in the title", libre, a, draft("Ménage payant", "Je propose du ménage chez vous le mardi matin."), "services_must_be_free", "payant", ""},
		{"free portal refuses a forbidden word", libre, a, draft("Aide pour un virement", "Envoyez-moi votre RIB pour que je vous aide."), "forbidden_word", "RIB", ""},
		{"free portal accepts free help", libre, a, draft("Courses le samedi", "Je peux faire vos courses, vous me remboursez le ticket."), "", "", help.VisibilityVisible},
		{"other portal accepts a price, held for review", relu, b, draft("Courses le samedi", "Je fais vos courses pour 10 € de l'heure, à Nantes."), "", "", help.VisibilityPending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.svc.Create(tc.ctx, tc.author, tc.d)
			var refused *rules.Refused
			if tc.refused != "" {
				if !errors.As(err, &refused) {
					t.Fatalf("error = %v, want a refusal", err)
				}
				found := false
				for _, fd := range refused.Findings {
					found = found || (fd.Rule == tc.refused && strings.EqualFold(fd.Match, tc.match) && fd.MessageID != "")
				}
				if !found {
					t.Fatalf("findings = %+v, want %s on %q", refused.Findings, tc.refused, tc.match)
				}
				return
			}
			if err != nil || p.Visibility != tc.vis {
				t.Fatalf("Create = %+v, %v; want visibility %s", p, err, tc.vis)
			}
		})
	}
}

// Pending posts are seen by their author only; lists show open, visible
// posts of their own portal.
func TestVisibilityAndIsolation(t *testing.T) {
	f := newFixture(t)
	libre, relu := f.env.Ctx(t, "libre"), f.env.Ctx(t, "relu")
	a := f.user(t, libre, "Léa", nantes)
	b := f.user(t, relu, "Paul", nantes)
	other := f.user(t, relu, "Zoé", nantes)
	pub, err := f.svc.Create(libre, a, draft("Courses le samedi", "J'ai besoin d'aide pour porter mes courses depuis le marché."))
	if err != nil {
		t.Fatal(err)
	}
	held, err := f.svc.Create(relu, b, draft("Promenade du chien", "Mon chien a besoin de sortir le midi pendant mon travail."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(relu, held.ID, b); err != nil {
		t.Fatalf("author cannot see their pending post: %v", err)
	}
	if _, err := f.svc.Get(relu, held.ID, other); !errors.Is(err, help.ErrNotFound) {
		t.Fatalf("someone else sees a pending post: %v", err)
	}
	if list, _, _ := f.svc.List(relu, help.Filter{}); len(list) != 0 {
		t.Fatalf("pending post listed: %+v", list)
	}
	// Both portals have a post with id 1; each sees only its own.
	if pub.ID != held.ID {
		t.Logf("ids %d and %d differ; isolation is still checked", pub.ID, held.ID)
	}
	got, err := f.svc.Get(libre, held.ID, 0)
	if err != nil || got.Title != "Courses le samedi" {
		t.Fatalf("libre's post %d = %+v, %v", held.ID, got, err)
	}
	list, total, err := f.svc.List(libre, help.Filter{})
	if err != nil || total != 1 || list[0].Title != "Courses le samedi" {
		t.Fatalf("libre's list = %+v (%d), %v", list, total, err)
	}
}

func TestListAndSearch(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	a := f.user(t, ctx, "Léa", nantes)
	posts := []struct {
		title, desc, commune, kind, category string
	}{
		{"Aide à domicile pour ma mère", "Ma mère a besoin de compagnie et d'aide à domicile le jeudi.", nantes, help.KindRequest, "ecoute"},
		{"Courses au marché", "Je cherche quelqu'un pour m'accompagner au marché de Talensac.", saintHerblain, help.KindRequest, "courses"},
		{"Je propose des appels", "Je peux appeler une personne seule une fois par semaine pour discuter.", saintNazaire, help.KindOffer, "ecoute"},
	}
	for i, p := range posts {
		d := draft(p.title, p.desc)
		d.CommuneCode, d.Kind, d.Category = p.commune, p.kind, p.category
		if i == 1 { // the market post is for the Christmas week only
			d.WhenKind, d.DateFrom, d.DateTo = "periode", "2026-12-21", "2026-12-27"
		}
		if _, err := f.svc.Create(ctx, a, d); err != nil {
			t.Fatal(err)
		}
	}
	titles := func(f help.Filter, svc *help.Service) string {
		list, _, err := svc.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(list))
		for i, p := range list {
			out[i] = p.Title
		}
		return strings.Join(out, " | ")
	}
	tests := []struct {
		name   string
		filter help.Filter
		want   string
	}{
		{"newest first", help.Filter{}, "Je propose des appels | Courses au marché | Aide à domicile pour ma mère"},
		{"search without accents finds accents", help.Filter{Query: "aide a domicile"}, "Aide à domicile pour ma mère"},
		{"search with accents", help.Filter{Query: "marché"}, "Courses au marché"},
		{"French stemming", help.Filter{Query: "appeler"}, "Je propose des appels"},
		{"kind", help.Filter{Kind: help.KindOffer}, "Je propose des appels"},
		{"category", help.Filter{Category: "ecoute"}, "Je propose des appels | Aide à domicile pour ma mère"},
		{"EPCI (Nantes Métropole)", help.Filter{EPCI: "244400404"}, "Courses au marché | Aide à domicile pour ma mère"},
		{"nearest first", help.Filter{Near: "244400404"}, "Courses au marché | Aide à domicile pour ma mère | Je propose des appels"},
		{"one EPCI, another preferred", help.Filter{EPCI: "244400404", Near: "244400610"}, "Courses au marché | Aide à domicile pour ma mère"},
		{"one EPCI, the same preferred", help.Filter{EPCI: "244400404", Near: "244400404"}, "Courses au marché | Aide à domicile pour ma mère"},
		{"no match", help.Filter{Query: "piano"}, ""},
		{"a date keeps posts that can happen then", help.Filter{Date: "2026-12-24"}, "Je propose des appels | Courses au marché | Aide à domicile pour ma mère"},
		{"a date outside a period", help.Filter{Date: "2027-02-01", Category: "courses"}, ""},
		{"search syntax is not an error", help.Filter{Query: `"aide & | !(`}, "Aide à domicile pour ma mère"},
		// Every condition is written only when set (store.go), so filters
		// are also tried together, in each of the three statements.
		{"kind and category", help.Filter{Kind: help.KindRequest, Category: "ecoute"}, "Aide à domicile pour ma mère"},
		{"kind, category, EPCI and date", help.Filter{Kind: help.KindRequest, Category: "courses", EPCI: "244400404", Date: "2026-12-24"}, "Courses au marché"},
		{"words in one EPCI", help.Filter{Query: "domicile", EPCI: "244400404"}, "Aide à domicile pour ma mère"},
		{"words in another EPCI", help.Filter{Query: "domicile", EPCI: "244400644"}, ""},
		{"words, a kind, a category and a date", help.Filter{Query: "appeler", Kind: help.KindOffer, Category: "ecoute", Date: "2026-12-24"}, "Je propose des appels"},
		{"words, another kind", help.Filter{Query: "appeler", Kind: help.KindRequest}, ""},
		{"nearest first, one kind", help.Filter{Near: "244400644", Kind: help.KindRequest}, "Courses au marché | Aide à domicile pour ma mère"},
		{"nearest first, one category", help.Filter{Near: "244400644", Category: "ecoute"}, "Je propose des appels | Aide à domicile pour ma mère"},
		{"nearest first, outside a period", help.Filter{Near: "244400644", Date: "2027-02-01"}, "Je propose des appels | Aide à domicile pour ma mère"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := titles(tc.filter, f.svc); got != tc.want {
				t.Fatalf("got  %q\nwant %q", got, tc.want)
			}
		})
	}

	// Pagination: 25 more posts make two pages.
	for i := 0; i < 25; i++ {
		if _, err := f.svc.Create(ctx, a, draft(fmt.Sprintf("Annonce numéro %d", i), "Une annonce de plus pour remplir les pages.")); err != nil {
			t.Fatal(err)
		}
	}
	p1, total, _ := f.svc.List(ctx, help.Filter{Page: 1})
	p2, _, _ := f.svc.List(ctx, help.Filter{Page: 2})
	if total != 28 || len(p1) != help.PerPage || len(p2) != 28-help.PerPage || p1[0].ID == p2[0].ID {
		t.Fatalf("pages: total %d, %d + %d", total, len(p1), len(p2))
	}
	// The same pages with a preferred EPCI (its posts first): the same
	// count, every post once.
	r1, rtotal, _ := f.svc.List(ctx, help.Filter{Page: 1, Near: "244400404"})
	r2, _, _ := f.svc.List(ctx, help.Filter{Page: 2, Near: "244400404"})
	seen := map[int64]bool{}
	for _, p := range append(r1, r2...) {
		seen[p.ID] = true
	}
	if rtotal != 28 || len(r1) != help.PerPage || len(seen) != 28 {
		t.Fatalf("near pages: total %d, %d + %d, %d distinct", rtotal, len(r1), len(r2), len(seen))
	}
	// And through the ranked query (words): 25 posts say "remplir".
	w1, wtotal, _ := f.svc.List(ctx, help.Filter{Page: 1, Query: "remplir", Near: "244400404"})
	w2, _, _ := f.svc.List(ctx, help.Filter{Page: 2, Query: "remplir", Near: "244400404"})
	seen = map[int64]bool{}
	for _, p := range append(w1, w2...) {
		seen[p.ID] = true
	}
	if wtotal != 25 || len(w1) != help.PerPage || len(seen) != 25 {
		t.Fatalf("ranked pages: total %d, %d + %d, %d distinct", wtotal, len(w1), len(w2), len(seen))
	}
}

func TestCloseRenewAndExpire(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	a, b := f.user(t, ctx, "Léa", nantes), f.user(t, ctx, "Paul", nantes)
	p, err := f.svc.Create(ctx, a, draft("Courses le samedi", "J'ai besoin d'aide pour porter mes courses depuis le marché."))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Close(ctx, b, p.ID, help.StatusDone, ""); !errors.Is(err, help.ErrNotAllowed) {
		t.Fatalf("someone else closed the post: %v", err)
	}
	if err := f.svc.Close(ctx, a, p.ID, "supprimee", ""); !errors.Is(err, help.ErrNotAllowed) {
		t.Fatalf("unknown status accepted: %v", err)
	}

	// Bring the post near its end, as if 28 of its 30 days had passed.
	age := func(days int) {
		t.Helper()
		err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE posts SET expires_at = now() + make_interval(days => $2) WHERE id = $1`, p.ID, days)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	age(2)
	expired, warn, err := f.svc.Expire(ctx, 3*24*time.Hour)
	if err != nil || expired != 0 || len(warn) != 1 || warn[0].AuthorEmail != "lea@exemple.fr" {
		t.Fatalf("Expire = %d, %+v, %v", expired, warn, err)
	}
	if _, warn, _ := f.svc.Expire(ctx, 3*24*time.Hour); len(warn) != 0 {
		t.Fatal("the author was told twice")
	}
	age(-1)
	if expired, _, _ := f.svc.Expire(ctx, 3*24*time.Hour); expired != 1 {
		t.Fatalf("expired %d posts, want 1", expired)
	}
	if list, _, _ := f.svc.List(ctx, help.Filter{}); len(list) != 0 {
		t.Fatal("an expired post is still listed")
	}
	// Renewing brings it back for the portal's period.
	if err := f.svc.Renew(ctx, a, p.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := f.svc.Get(ctx, p.ID, a)
	if got.Status != help.StatusOpen || time.Until(got.ExpiresAt) < 29*24*time.Hour {
		t.Fatalf("after renewal: %s until %s", got.Status, got.ExpiresAt)
	}
	if n, _ := f.svc.HelpedCount(ctx); n != 0 {
		t.Fatalf("coups de main before: %d", n)
	}
	if err := f.svc.Close(ctx, a, p.ID, help.StatusDone, strings.Repeat("merci ", 100)); err == nil {
		t.Fatal("thanks of 600 characters accepted")
	}
	if err := f.svc.Close(ctx, a, p.ID, help.StatusDone, "Merci Paul !"); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.svc.HelpedCount(ctx); n != 1 {
		t.Fatalf("coups de main after: %d", n)
	}
	if err := f.svc.Renew(ctx, a, p.ID); !errors.Is(err, help.ErrNotAllowed) {
		t.Fatalf("a finished post was renewed: %v", err)
	}
}

// Suggestions are open posts of the opposite kind in the same category, in
// the same or a neighbouring EPCI, same EPCI first, then shared interests;
// notifying them happens once.
func TestSuggestAndNotify(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	lea := f.user(t, ctx, "Léa", nantes)
	far := f.user(t, ctx, "Paul", saintNazaire)
	near := f.user(t, ctx, "Zoé", saintHerblain)
	cook := f.user(t, ctx, "Marc", saintHerblain)
	if err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE users SET interests = '{cuisine,jardin}' WHERE id IN ($1, $2)`, lea, cook)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	offer := func(author int64, commune, category, title string) {
		d := draft(title, "Je peux aider les voisins quand ils en ont besoin.")
		d.Kind, d.CommuneCode, d.Category = help.KindOffer, commune, category
		if _, err := f.svc.Create(ctx, author, d); err != nil {
			t.Fatal(err)
		}
	}
	offer(far, saintNazaire, "courses", "Courses à Saint-Nazaire")
	offer(far, "44071", "courses", "Courses à Haute-Goulaine")
	offer(near, saintHerblain, "courses", "Courses à Saint-Herblain")
	offer(cook, saintHerblain, "courses", "Courses et cuisine")
	offer(near, saintHerblain, "ecoute", "Appels du soir")
	req, err := f.svc.Create(ctx, lea, draft("Courses le samedi", "J'ai besoin d'aide pour porter mes courses depuis le marché."))
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Suggest(ctx, req, 5)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, p := range got {
		titles = append(titles, p.Title)
	}
	// Saint-Nazaire's agglomeration does not border Nantes Métropole: its
	// offer is too far to suggest. Haute-Goulaine's (Clisson Sèvre et
	// Maine, which borders Nantes Métropole) is near enough, after those of
	// Léa's own intercommunalité.
	if want := "Courses et cuisine | Courses à Saint-Herblain | Courses à Haute-Goulaine"; strings.Join(titles, " | ") != want {
		t.Fatalf("suggestions = %q, want %q", strings.Join(titles, " | "), want)
	}
	if err := f.svc.NotifyMatches(ctx, far, req.ID, 5, "http://libre.localhost"); !errors.Is(err, help.ErrNotFound) && !errors.Is(err, help.ErrNotAllowed) {
		t.Fatalf("someone else notified the matches: %v", err)
	}
	if err := f.svc.NotifyMatches(ctx, lea, req.ID, 5, "http://libre.localhost"); err != nil {
		t.Fatal(err)
	}
	entries, _ := f.outbox.List(context.Background(), "libre", 10)
	if len(entries) != 3 {
		t.Fatalf("%d emails, want one per author (3)", len(entries))
	}
	if err := f.svc.NotifyMatches(ctx, lea, req.ID, 5, "http://libre.localhost"); !errors.Is(err, help.ErrNotAllowed) {
		t.Fatalf("matches notified twice: %v", err)
	}
}

// Edits go through the same validation and rules as new posts; under
// premoderation an edited post waits again; only the author edits, and not
// once the post is finished.
func TestUpdate(t *testing.T) {
	f := newFixture(t)
	libre, relu := f.env.Ctx(t, "libre"), f.env.Ctx(t, "relu")
	a, b := f.user(t, libre, "Léa", nantes), f.user(t, libre, "Paul", nantes)
	p, err := f.svc.Create(libre, a, draft("Courses le samedi", "J'ai besoin d'aide pour porter mes courses depuis le marché."))
	if err != nil {
		t.Fatal(err)
	}
	edit := draft("Courses le dimanche", "J'ai besoin d'aide pour porter mes courses, je paie 5 euros.")
	var refused *rules.Refused
	if _, err := f.svc.Update(libre, a, p.ID, edit); !errors.As(err, &refused) {
		t.Fatalf("money slipped in through an edit: %v", err)
	}
	edit.Description = "J'ai besoin d'aide pour porter mes courses le dimanche matin."
	if _, err := f.svc.Update(libre, b, p.ID, edit); !errors.Is(err, help.ErrNotAllowed) {
		t.Fatalf("someone else edited the post: %v", err)
	}
	got, err := f.svc.Update(libre, a, p.ID, edit)
	if err != nil || got.Title != "Courses le dimanche" || got.Visibility != help.VisibilityVisible {
		t.Fatalf("edit = %+v, %v", got, err)
	}
	if err := f.svc.Close(libre, a, p.ID, help.StatusWithdrawn, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Update(libre, a, p.ID, edit); !errors.Is(err, help.ErrNotAllowed) {
		t.Fatalf("a withdrawn post was edited: %v", err)
	}

	// Premoderation: approve by hand, edit, and it waits again.
	c := f.user(t, relu, "Zoé", nantes)
	q, err := f.svc.Create(relu, c, draft("Promenade du chien", "Mon chien a besoin de sortir le midi pendant mon travail."))
	if err != nil {
		t.Fatal(err)
	}
	f.show(t, relu, q.ID)
	got, err = f.svc.Update(relu, c, q.ID, draft("Promenade du chien", "Mon chien a besoin de sortir le midi et le soir."))
	if err != nil || got.Visibility != help.VisibilityPending {
		t.Fatalf("edited premoderated post = %s, %v", got.Visibility, err)
	}
}

// The list is read newest first, in the order of an index that stops after
// the page, whenever nothing is ranked: no words, and no preferred EPCI
// that could come before the others.
func TestListQueryRanksOnlyWhenNeeded(t *testing.T) {
	shape := func(sql string) string {
		switch {
		case strings.Contains(sql, "ts_rank"):
			return "ranked"
		case strings.Contains(sql, "UNION ALL"):
			return "near first"
		}
		return "newest"
	}
	tests := []struct {
		name   string
		filter help.Filter
		want   string
	}{
		{"nothing", help.Filter{}, "newest"},
		{"one EPCI", help.Filter{EPCI: "244400404"}, "newest"},
		{"one EPCI, another preferred", help.Filter{EPCI: "244400404", Near: "244400610"}, "newest"},
		{"one EPCI, the same preferred", help.Filter{EPCI: "244400404", Near: "244400404"}, "newest"},
		{"every EPCI, one preferred", help.Filter{Near: "244400404", Category: "courses"}, "near first"},
		{"words", help.Filter{EPCI: "244400404", Query: "courses"}, "ranked"},
		{"words and a preferred EPCI", help.Filter{Near: "244400404", Query: "courses"}, "ranked"},
		{"blank words", help.Filter{Query: "   "}, "newest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if sql, _ := help.ListQuery(tc.filter); shape(sql) != tc.want {
				t.Fatalf("got the %s query, want the %s one", shape(sql), tc.want)
			}
		})
	}
}

// A post in a list is the same as the post read alone, field by field:
// the rows of a list are read into one reused post (postScanner), so a
// field one row sets (modes, dates, flags) must not stay for the next.
func TestListedPostsAreThemselves(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	a := f.user(t, ctx, "Léa", nantes)
	drafts := []func(*help.Draft){
		func(d *help.Draft) { d.WhenKind, d.DateFrom, d.DateTo = "periode", "2026-12-21", "2026-12-27" },
		func(d *help.Draft) { d.Modes = []string{"telephone", "sur_place"}; d.Urgent = true },
		func(d *help.Draft) { d.Kind, d.CommuneCode = help.KindOffer, saintNazaire },
		func(d *help.Draft) { d.WhenKind, d.DateFrom = "date", "2026-12-24" },
	}
	for i, change := range drafts {
		d := draft(fmt.Sprintf("Annonce numéro %d pour la liste", i+1), "Une annonce parmi d'autres, pour vérifier la liste.")
		change(&d)
		if _, err := f.svc.Create(ctx, a, d); err != nil {
			t.Fatal(err)
		}
	}
	list, total, err := f.svc.List(ctx, help.Filter{Page: 1})
	if err != nil || total != len(drafts) || len(list) != len(drafts) {
		t.Fatalf("List = %d posts of %d, %v", len(list), total, err)
	}
	for _, listed := range list {
		alone, err := f.svc.Get(ctx, listed.ID, a)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(listed, alone) {
			t.Errorf("post %d listed:\n%+v\nread alone:\n%+v", listed.ID, listed, alone)
		}
	}
}

// A list counts its matches up to what its page needs, unless asked to
// count them all: past help.MaxCounted the page says "more than", and the
// count still reaches past the page to tell whether another follows.
func TestListCountStopsPastMaxCounted(t *testing.T) {
	f := newFixture(t)
	ctx := f.env.Ctx(t, "libre")
	a := f.user(t, ctx, "Léa", nantes)
	many, err := f.svc.Create(ctx, a, draft("Courses au marché", "Je cherche quelqu'un pour m'accompagner au marché."))
	if err != nil {
		t.Fatal(err)
	}
	far := draft("Appels le soir", "Je peux appeler une personne seule le soir pour discuter.")
	far.CommuneCode = saintNazaire
	few, err := f.svc.Create(ctx, a, far)
	if err != nil {
		t.Fatal(err)
	}
	f.env.CopyPosts(t, ctx, help.MaxCounted+24, many.ID) // Nantes Métropole: 1,025 posts
	f.env.CopyPosts(t, ctx, 4, few.ID)                   // CARENE (Saint-Nazaire): 5
	const all = help.MaxCounted + 30
	const nantesMetropole, carene = "244400404", "244400644"
	tests := []struct {
		name       string
		filter     help.Filter
		total, got int
	}{
		{"first page: the count stops past the most counted", help.Filter{Page: 1}, help.MaxCounted + 1, help.PerPage},
		{"first page, every match counted", help.Filter{Page: 1, CountAll: true}, all, help.PerPage},
		{"an EPCI first: the count stops too", help.Filter{Page: 1, Near: nantesMetropole}, help.MaxCounted + 1, help.PerPage},
		{"an EPCI first, every match counted", help.Filter{Page: 1, Near: carene, CountAll: true}, all, help.PerPage},
		{"under the most counted: exact", help.Filter{Page: 1, EPCI: carene}, 5, 5},
		{"a page at the most counted: the count reaches past it", help.Filter{Page: help.MaxCounted / help.PerPage}, help.MaxCounted + 1, help.PerPage},
		{"a page past the most counted: one more", help.Filter{Page: help.MaxCounted/help.PerPage + 1}, help.MaxCounted + help.PerPage + 1, help.PerPage},
		{"the last page: exact", help.Filter{Page: all/help.PerPage + 1}, all, all % help.PerPage},
		{"the last page, an EPCI first: exact", help.Filter{Page: all/help.PerPage + 1, Near: carene}, all, all % help.PerPage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := f.svc.List(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total || len(list) != tc.got {
				t.Fatalf("total %d, %d posts; want %d, %d", total, len(list), tc.total, tc.got)
			}
		})
	}
}
