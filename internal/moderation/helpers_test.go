package moderation_test

import (
	"context"
	netmail "net/mail"
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/conversation"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/report"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

// Communes and EPCIs of Loire-Atlantique the tests use.
const (
	nantes          = "44109" // Nantes Métropole
	saintNazaire    = "44184" // CARENE, which borders Nantes Métropole's neighbours
	nantesMetropole = "244400404"
	carene          = "244400644"
	base            = "https://alpha.localhost"
)

// The accounts of each portal, by id: the same ids on both portals, with
// other roles on beta, so a grant leaking across portals shows.
const (
	admin       int64 = 1 // alpha: admin_departement
	territoire  int64 = 2 // alpha: référent de territoire of Nantes Métropole
	thematique  int64 = 3 // alpha: référent thématique of "ecoute"
	association int64 = 4 // alpha: association
	author      int64 = 5 // alpha and beta: resident who posts
	reporter    int64 = 6 // resident who reports
	reporter2   int64 = 7 // another resident who reports
)

var names = []string{"Adèle Admin", "Théo Territoire", "Thérèse Thématique", "Assia Association", "Aurore Autrice", "Rémi Rapporteur", "Rose Rapporteuse"}

type fixture struct {
	env         *testutil.Env
	alpha, beta context.Context
	authz       *authz.Authorizer
	mod         *moderation.Service
	help        *help.Service
	reports     *report.Service
	convs       *conversation.Service
	outbox      *mail.Outbox
}

// newFixture serves alpha (premoderation, flag word "WhatsApp") and beta
// (no premoderation, flag word "WhatsApp"), each with the seven accounts.
// On beta, account 1 is a resident and account 2 the admin.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	alpha.Rules.Premoderation = true
	alpha.Rules.FlagWords = []string{"WhatsApp"}
	beta.Rules.FlagWords = []string{"WhatsApp"}
	env := testutil.NewEnv(t, alpha, beta)
	atlas, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(t.TempDir(), testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	mailer := mail.Direct{Sender: outbox, From: "entraide@localhost"}
	a, err := authz.New(authz.Options{DB: env.DB, EPCIOfCommune: atlas.EPCIOfCommune, Logger: testutil.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	place := func(code string) (string, string, bool) {
		c, ok := atlas.Commune(code)
		return c.EPCI, c.Departement, ok
	}
	f := &fixture{
		env: env, alpha: env.Ctx(t, "alpha"), beta: env.Ctx(t, "beta"), authz: a, outbox: outbox,
		mod: moderation.New(moderation.Deps{DB: env.DB, Authz: a, Mailer: mailer, Messages: messages, Logger: testutil.Logger()}),
		help: help.New(help.Deps{DB: env.DB, Place: place, Neighbours: atlas.Neighbours, Portals: env.Registry.All(),
			Mailer: mailer, Messages: messages}),
		reports: report.New(env.DB),
		convs:   conversation.New(env.DB, mailer, messages),
	}
	// Whatever a test did, the queue the triggers keep must be what the
	// view says waits, on both portals.
	t.Cleanup(func() {
		for _, ctx := range []context.Context{f.alpha, f.beta} {
			f.checkQueue(t, ctx)
		}
	})
	for _, ctx := range []context.Context{f.alpha, f.beta} {
		for i, name := range names {
			if id := f.addUser(t, ctx, name); id != int64(i+1) {
				t.Fatalf("%s has id %d, want %d", name, id, i+1)
			}
		}
	}
	op := authz.OperatorActor("test")
	grants := []struct {
		ctx   context.Context
		user  int64
		role  authz.Role
		scope []string
	}{
		{f.alpha, admin, authz.RoleAdminDepartement, nil},
		{f.alpha, territoire, authz.RoleReferentTerritoire, []string{nantesMetropole}},
		{f.alpha, thematique, authz.RoleReferentThematique, []string{"ecoute"}},
		{f.alpha, association, authz.RoleAssociation, nil},
		{f.beta, territoire, authz.RoleAdminDepartement, nil},
	}
	for _, g := range grants {
		if err := a.Grant(g.ctx, op, g.user, g.role, g.scope); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) addUser(t *testing.T, ctx context.Context, name string) int64 {
	t.Helper()
	email := strings.ToLower(strings.NewReplacer("é", "e", "è", "e", "ô", "o", " ", ".").Replace(name)) + "@exemple.fr"
	var id int64
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, email_confirmed_at)
VALUES ($1, $1, $2, 'x', $3, $4, now()) RETURNING id`, email, name, nantes, nantesMetropole).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func emailOf(id int64) string {
	return strings.ToLower(strings.NewReplacer("é", "e", "è", "e", "ô", "o", " ", ".").Replace(names[id-1])) + "@exemple.fr"
}

// post creates a post by author through the help service.
func (f *fixture) post(t *testing.T, ctx context.Context, title, commune, category string) help.Post {
	t.Helper()
	p, err := f.help.Create(ctx, author, help.Draft{Kind: help.KindRequest, Category: category, Title: title,
		Description: "J'ai besoin d'un coup de main pour " + strings.ToLower(title) + ", merci.",
		CommuneCode: commune, Modes: []string{"sur_place"}, WhenKind: "souple"})
	if err != nil {
		t.Fatalf("post %q: %v", title, err)
	}
	return p
}

// queueIDs lists the ids of the kind in a moderator's whole queue.
func (f *fixture) queueIDs(t *testing.T, ctx context.Context, moderator int64, kind string) []int64 {
	t.Helper()
	entries, _, err := f.mod.Queue(ctx, moderator, moderation.Filter{Limit: moderation.MaxPage})
	if err != nil {
		t.Fatalf("queue of %d: %v", moderator, err)
	}
	var ids []int64
	for _, e := range entries {
		if e.Kind == kind {
			ids = append(ids, e.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// queueEntry is the entry of the item kind id in moderator's queue; the
// test fails when it is not there.
func (f *fixture) queueEntry(t *testing.T, ctx context.Context, moderator int64, kind string, id int64) moderation.QueueEntry {
	t.Helper()
	entries, _, err := f.mod.Queue(ctx, moderator, moderation.Filter{Limit: moderation.MaxPage})
	if err != nil {
		t.Fatalf("queue of %d: %v", moderator, err)
	}
	for _, e := range entries {
		if e.Kind == kind && e.ID == id {
			return e
		}
	}
	t.Fatalf("%s %d is not in the queue of %d: %+v", kind, id, moderator, entries)
	return moderation.QueueEntry{}
}

// mail is one message received.
type received struct{ Subject, Text string }

// inbox returns the messages sent on a portal, by recipient.
func (f *fixture) inbox(t *testing.T, slug string) map[string][]received {
	t.Helper()
	ctx := context.Background()
	list, err := f.outbox.List(ctx, tenant.Slug(slug), 1000)
	if err != nil {
		t.Fatal(err)
	}
	// Oldest first: ids start with the time they were written.
	slices.SortFunc(list, func(a, b mail.Entry) int { return strings.Compare(a.ID, b.ID) })
	out := map[string][]received{}
	for _, e := range list {
		full, err := f.outbox.Read(ctx, tenant.Slug(slug), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		to, err := netmail.ParseAddress(full.To)
		if err != nil {
			t.Fatalf("outbox: To %q: %v", full.To, err)
		}
		out[to.Address] = append(out[to.Address], received{Subject: full.Subject, Text: full.Text})
	}
	return out
}

// logRows returns the moderation log of a portal, oldest first, read as
// the admin would.
func (f *fixture) logRows(t *testing.T, ctx context.Context, viewer int64) []moderation.Entry {
	t.Helper()
	entries, _, err := f.mod.Log(ctx, viewer, moderation.LogFilter{Limit: moderation.MaxLog})
	if err != nil {
		t.Fatalf("log: %v", err)
	}
	slices.Reverse(entries)
	return entries
}

// queueDriftSQL lists the rows where moderation_queue and what the view
// moderation_waiting says waits differ: "+" for a row the queue lacks,
// "-" for one it should not hold.
const queueDriftSQL = `
WITH want AS (
    SELECT kind, id, coalesce(min(epci_code), '') AS epci_code, coalesce(min(category_code), '') AS category_code,
           min(since) AS since, array_agg(DISTINCT why ORDER BY why) AS whys
      FROM moderation_waiting GROUP BY kind, id
), have AS (
    SELECT kind, id, epci_code, category_code, since, whys FROM moderation_queue
)
SELECT '+', * FROM (SELECT * FROM want EXCEPT SELECT * FROM have) missing
UNION ALL
SELECT '-', * FROM (SELECT * FROM have EXCEPT SELECT * FROM want) extra`

// checkQueue fails the test when the portal's moderation queue is not what
// waits.
func (f *fixture) checkQueue(t *testing.T, ctx context.Context) {
	t.Helper()
	var diffs []string
	err := f.env.DB.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT concat_ws(' ', sign, kind, id, epci_code, category_code, since, whys) FROM (`+queueDriftSQL+`) d (sign, kind, id, epci_code, category_code, since, whys)`)
		if err != nil {
			return err
		}
		diffs, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatalf("compare the moderation queue with what waits: %v", err)
	}
	if len(diffs) > 0 {
		t.Fatalf("the moderation queue differs from what waits:\n%s", strings.Join(diffs, "\n"))
	}
}
