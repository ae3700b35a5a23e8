package forum_test

import (
	"context"
	"errors"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/rules"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

const base = "https://alpha.localhost"

type fixture struct {
	env         *testutil.Env
	alpha, beta context.Context
	forum       *forum.Service
	outbox      *mail.Outbox
}

// newFixture serves alpha (flag word "WhatsApp") and beta (premoderation),
// each with the people Anne (1), Bruno (2) and Chloé (3).
func newFixture(t *testing.T) *fixture {
	t.Helper()
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	alpha.Rules.FlagWords = []string{"WhatsApp"}
	alpha.Rules.ForbiddenWords = []string{"carte bancaire"}
	beta.Rules.Premoderation = true
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
	f := &fixture{env: env, alpha: env.Ctx(t, "alpha"), beta: env.Ctx(t, "beta"), outbox: outbox,
		forum: forum.New(forum.Deps{DB: env.DB, Portals: env.Registry.All(), Messages: messages,
			Mailer: mail.Direct{Sender: outbox, From: "entraide@localhost"},
			Place: func(code string) (string, string, bool) {
				c, ok := atlas.Commune(code)
				return c.EPCI, c.Departement, ok
			}})}
	for _, ctx := range []context.Context{f.alpha, f.beta} {
		for _, name := range []string{"Anne", "Bruno", "Chloé"} {
			err := env.DB.Tx(ctx, func(tx pgx.Tx) error {
				email := strings.ToLower(strings.ReplaceAll(name, "é", "e")) + "@exemple.fr"
				_, err := tx.Exec(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code)
VALUES ($1, $1, $2, 'x', '44109', '244400404')`, email, name)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return f
}

const anne, bruno, chloe int64 = 1, 2, 3

func (f *fixture) thread(t *testing.T, ctx context.Context, author int64, title string) forum.Thread {
	t.Helper()
	th, err := f.forum.CreateThread(ctx, author, forum.Draft{Category: "courses", Title: title,
		Body: "Qui connaît un bon marché le dimanche matin ?", CommuneCode: "44109"})
	if err != nil {
		t.Fatalf("thread %q: %v", title, err)
	}
	return th
}

// inbox returns the messages sent on a portal, by recipient address.
func (f *fixture) inbox(t *testing.T, slug string) map[string][]mail.Entry {
	t.Helper()
	ctx := context.Background()
	list, err := f.outbox.List(ctx, tenant.Slug(slug), 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]mail.Entry{}
	for _, e := range list {
		m, err := f.outbox.Read(ctx, tenant.Slug(slug), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		to, err := netmail.ParseAddress(m.To)
		if err != nil {
			t.Fatal(err)
		}
		out[to.Address] = append(out[to.Address], m)
	}
	return out
}

// Every text goes through the portal's rules, with a message per field.
func TestThreadRules(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		ctx        context.Context
		draft      forum.Draft
		fields     []string // invalid fields
		refused    string   // a refused match
		visibility string
		flagged    bool
	}{
		{name: "plain", ctx: f.alpha, draft: forum.Draft{Category: "courses", Title: "Le marché du dimanche", Body: "Qui y va ?"},
			visibility: forum.VisibilityVisible},
		{name: "with a commune", ctx: f.alpha, draft: forum.Draft{Category: "ecoute", Title: "Parler le soir", Body: "Bonsoir à tous.", CommuneCode: "44184"},
			visibility: forum.VisibilityVisible},
		{name: "everything wrong", ctx: f.alpha, draft: forum.Draft{Category: "cuisine", Title: "Hé", Body: " ", CommuneCode: "14118"},
			fields: []string{"body", "category", "commune", "title"}},
		{name: "money", ctx: f.alpha, draft: forum.Draft{Category: "courses", Title: "Courses payées", Body: "Je donne 10 € pour les courses."},
			refused: "10 €"},
		{name: "forbidden word", ctx: f.alpha, draft: forum.Draft{Category: "courses", Title: "Paiement des courses", Body: "Donnez-moi votre carte bancaire."},
			refused: "carte bancaire"},
		{name: "flag word: online, in the queue", ctx: f.alpha, draft: forum.Draft{Category: "courses", Title: "Groupe de quartier", Body: "Rejoignez-nous sur WhatsApp."},
			visibility: forum.VisibilityVisible, flagged: true},
		{name: "premoderation holds a thread", ctx: f.beta, draft: forum.Draft{Category: "courses", Title: "Le marché du dimanche", Body: "Qui y va ?"},
			visibility: forum.VisibilityPending},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			th, err := f.forum.CreateThread(tc.ctx, anne, tc.draft)
			var fe invalid.Fields
			var refused *rules.Refused
			switch {
			case tc.fields != nil:
				if !errors.As(err, &fe) || len(fe) != len(tc.fields) {
					t.Fatalf("err = %v, want invalid %v", err, tc.fields)
				}
				for _, k := range tc.fields {
					if fe[k] == "" {
						t.Errorf("no message for %s: %v", k, fe)
					}
				}
			case tc.refused != "":
				if !errors.As(err, &refused) || refused.Findings[0].Match != tc.refused {
					t.Fatalf("err = %v, want refused %q", err, tc.refused)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if th.Visibility != tc.visibility || (len(th.Flags) > 0) != tc.flagged {
					t.Fatalf("thread %+v", th)
				}
				if tc.draft.CommuneCode != "" && th.EPCICode == "" {
					t.Errorf("no EPCI for commune %s", tc.draft.CommuneCode)
				}
				// The author sees it; someone else only when visible.
				if _, err := f.forum.Get(tc.ctx, th.ID, anne); err != nil {
					t.Errorf("author: %v", err)
				}
				_, err := f.forum.Get(tc.ctx, th.ID, bruno)
				if (tc.visibility == forum.VisibilityVisible) != (err == nil) {
					t.Errorf("someone else: %v", err)
				}
				if _, err := f.forum.Reply(tc.ctx, th.ID, bruno, "J'y vais aussi.", 0, base); tc.visibility == forum.VisibilityPending && !errors.Is(err, forum.ErrNotAllowed) {
					t.Errorf("reply to a held thread: %v", err)
				}
			}
		})
	}
	// A reply goes through the rules too.
	th := f.thread(t, f.alpha, anne, "Le marché du samedi")
	var refused *rules.Refused
	if _, err := f.forum.Reply(f.alpha, th.ID, bruno, "Je vous paierai 20 euros.", 0, base); !errors.As(err, &refused) {
		t.Errorf("a reply asking for money: %v", err)
	}
	r, err := f.forum.Reply(f.alpha, th.ID, bruno, "Écrivez-moi sur WhatsApp.", 0, base)
	if err != nil || len(r.Flags) != 1 {
		t.Errorf("a flagged reply: %+v %v", r, err)
	}
}

// A reply quotes another reply of the same thread; the page shows the
// quoted text as it is now, and nothing once a référent hid it.
func TestQuotes(t *testing.T) {
	f := newFixture(t)
	th := f.thread(t, f.alpha, anne, "Le marché du dimanche")
	other := f.thread(t, f.alpha, anne, "Une autre question")
	first, err := f.forum.Reply(f.alpha, th.ID, bruno, "Il y a <b>des fraises</b> en ce moment.", 0, base)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := f.forum.Reply(f.alpha, other.ID, bruno, "Ailleurs.", 0, base)
	if err != nil {
		t.Fatal(err)
	}
	var fe invalid.Fields
	for _, q := range []int64{elsewhere.ID, 9999} {
		if _, err := f.forum.Reply(f.alpha, th.ID, chloe, "Je cite.", q, base); !errors.As(err, &fe) || fe["quote"] == "" {
			t.Errorf("quoting reply %d of another thread: %v", q, err)
		}
	}
	second, err := f.forum.Reply(f.alpha, th.ID, chloe, "Merci pour l'info !", first.ID, base)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.forum.Get(f.alpha, th.ID, 0)
	if err != nil || len(got.Messages) != 2 || got.Replies != 2 {
		t.Fatalf("thread: %+v %v", got, err)
	}
	q := got.Messages[1].Quote
	if got.Messages[1].ID != second.ID || q == nil || q.ID != first.ID || q.AuthorName != "Bruno" || q.Body != "Il y a <b>des fraises</b> en ce moment." {
		t.Fatalf("quote: %+v", q)
	}
	// A référent hides the quoted reply (as the moderation package does):
	// neither it nor its quote shows its text to others.
	err = f.env.DB.Tx(f.alpha, func(tx pgx.Tx) error {
		_, err := tx.Exec(f.alpha, `UPDATE forum_replies SET visibility = 'masquee', moderation_reason = 'Hors sujet' WHERE id = $1`, first.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = f.forum.Get(f.alpha, th.ID, chloe)
	if m := got.Messages[0]; !m.Hidden || m.Body != "" || m.ModerationReason != "" {
		t.Errorf("hidden reply seen by another: %+v", m)
	}
	if q := got.Messages[1].Quote; !q.Hidden || q.Body != "" {
		t.Errorf("quote of a hidden reply: %+v", q)
	}
	got, _ = f.forum.Get(f.alpha, th.ID, bruno)
	if m := got.Messages[0]; !m.Hidden || m.Body == "" || m.ModerationReason != "Hors sujet" {
		t.Errorf("hidden reply seen by its author: %+v", m)
	}
	if _, err := f.forum.Reply(f.alpha, th.ID, anne, "Je cite.", first.ID, base); !errors.As(err, &fe) {
		t.Errorf("quoting a hidden reply: %v", err)
	}
}

// Subscribers are told of each new reply by email, with a link and never
// the text; the author is subscribed, and unsubscribing stops the emails.
func TestSubscriptions(t *testing.T) {
	f := newFixture(t)
	th := f.thread(t, f.alpha, anne, "Le marché du dimanche")
	if err := f.forum.Subscribe(f.alpha, th.ID, chloe, true); err != nil {
		t.Fatal(err)
	}
	secret := "Rendez-vous devant la boulangerie à 9 h."
	r, err := f.forum.Reply(f.alpha, th.ID, bruno, secret, 0, base)
	if err != nil {
		t.Fatal(err)
	}
	in := f.inbox(t, "alpha")
	for _, who := range []string{"anne@exemple.fr", "chloe@exemple.fr"} {
		if len(in[who]) != 1 {
			t.Fatalf("%s received %d emails", who, len(in[who]))
		}
		m := in[who][0]
		if !strings.Contains(m.Subject, "Le marché du dimanche") || !strings.Contains(m.Text, base+"/forum/sujets/"+itoa(th.ID)+"#reponse-"+itoa(r.ID)) ||
			!strings.Contains(m.Text, "Bruno") || strings.Contains(m.Text, "boulangerie") {
			t.Errorf("email to %s:\n%s\n%s", who, m.Subject, m.Text)
		}
	}
	if len(in["bruno@exemple.fr"]) != 0 {
		t.Error("the reply's author was told of their own reply")
	}
	// Bruno is now subscribed; Chloé leaves.
	if got, _ := f.forum.Get(f.alpha, th.ID, bruno); !got.Subscribed {
		t.Error("the reply's author is not subscribed")
	}
	if err := f.forum.Subscribe(f.alpha, th.ID, chloe, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.forum.Reply(f.alpha, th.ID, anne, "Parfait, à dimanche.", 0, base); err != nil {
		t.Fatal(err)
	}
	in = f.inbox(t, "alpha")
	if len(in["chloe@exemple.fr"]) != 1 || len(in["bruno@exemple.fr"]) != 1 || len(in["anne@exemple.fr"]) != 1 {
		t.Errorf("after unsubscribing: chloé %d, bruno %d, anne %d", len(in["chloe@exemple.fr"]), len(in["bruno@exemple.fr"]), len(in["anne@exemple.fr"]))
	}
	// Nothing was sent from beta.
	if in := f.inbox(t, "beta"); len(in) != 0 {
		t.Errorf("beta sent %v", in)
	}
}

// A suspended person reads but does not write.
func TestSuspendedCannotWrite(t *testing.T) {
	f := newFixture(t)
	th := f.thread(t, f.alpha, anne, "Le marché du dimanche")
	err := f.env.DB.Tx(f.alpha, func(tx pgx.Tx) error {
		_, err := tx.Exec(f.alpha, `UPDATE users SET suspended_until = now() + interval '1 day', suspension_reason = 'x' WHERE id = $1`, bruno)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.forum.CreateThread(f.alpha, bruno, forum.Draft{Category: "courses", Title: "Un sujet", Body: "Bonjour."}); !errors.Is(err, forum.ErrSuspended) {
		t.Errorf("thread by a suspended person: %v", err)
	}
	if _, err := f.forum.Reply(f.alpha, th.ID, bruno, "Bonjour.", 0, base); !errors.Is(err, forum.ErrSuspended) {
		t.Errorf("reply by a suspended person: %v", err)
	}
	if _, err := f.forum.Get(f.alpha, th.ID, bruno); err != nil {
		t.Errorf("a suspended person reads: %v", err)
	}
	// On beta, Bruno (another account) is not suspended.
	if _, err := f.forum.CreateThread(f.beta, bruno, forum.Draft{Category: "courses", Title: "Un sujet", Body: "Bonjour."}); err != nil {
		t.Errorf("beta's Bruno: %v", err)
	}
}

// A portal never shows, answers or subscribes to another portal's thread,
// even with the same id.
func TestIsolation(t *testing.T) {
	f := newFixture(t)
	a := f.thread(t, f.alpha, anne, "Un sujet d'alpha")
	if _, err := f.forum.Get(f.beta, a.ID, anne); !errors.Is(err, forum.ErrNotFound) {
		t.Fatalf("alpha's thread read from beta: %v", err)
	}
	if _, err := f.forum.Reply(f.beta, a.ID, anne, "Bonjour.", 0, base); !errors.Is(err, forum.ErrNotFound) {
		t.Errorf("reply to alpha's thread from beta: %v", err)
	}
	if err := f.forum.Subscribe(f.beta, a.ID, anne, true); !errors.Is(err, forum.ErrNotFound) {
		t.Errorf("subscribe to alpha's thread from beta: %v", err)
	}
	list, total, err := f.forum.List(f.beta, 0, forum.Filter{})
	if err != nil || total != 0 || len(list) != 0 {
		t.Errorf("beta's list: %v %d %v", list, total, err)
	}
	list, total, err = f.forum.List(f.alpha, 0, forum.Filter{Category: "courses"})
	if err != nil || total != 1 || list[0].Title != "Un sujet d'alpha" {
		t.Errorf("alpha's list: %v %d %v", list, total, err)
	}
	counts, err := f.forum.Counts(f.alpha)
	if err != nil || counts["courses"].Threads != 1 || counts["ecoute"].Threads != 0 {
		t.Errorf("counts: %v %v", counts, err)
	}
	if _, _, err := f.forum.List(context.Background(), 0, forum.Filter{}); err == nil {
		t.Error("a list without a portal")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
