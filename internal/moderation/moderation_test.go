package moderation_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/jackc/pgx/v5"
)

// TestScope checks, for every role on two portals, which items a person
// sees in the queue, may open and may decide about: in scope, out of
// scope, and on the other portal (where the same account ids hold other
// roles and the same post ids are other posts).
func TestScope(t *testing.T) {
	f := newFixture(t)
	// alpha holds every post for a référent (premoderation).
	p1 := f.post(t, f.alpha, "Courses à Nantes", nantes, "courses")
	p2 := f.post(t, f.alpha, "Courses à Saint-Nazaire", saintNazaire, "courses")
	p3 := f.post(t, f.alpha, "Un appel à Saint-Nazaire", saintNazaire, "ecoute")
	// beta: one flagged post, with the same id as p1.
	q1, err := f.help.Create(f.beta, author, help.Draft{Kind: help.KindOffer, Category: "courses", Title: "Courses partagées",
		Description: "Je fais les courses, écrivez-moi sur WhatsApp pour en parler.", CommuneCode: nantes,
		Modes: []string{"sur_place"}, WhenKind: "souple"})
	if err != nil {
		t.Fatal(err)
	}
	if q1.ID != p1.ID || q1.Visibility != help.VisibilityVisible {
		t.Fatalf("beta's post: id %d (alpha's %d), %s; the test needs the same id, visible", q1.ID, p1.ID, q1.Visibility)
	}

	all := []int64{p1.ID, p2.ID, p3.ID}
	cases := []struct {
		portal string
		ctx    context.Context
		user   int64
		sees   []int64 // nil: no queue at all (ErrForbidden)
	}{
		{"alpha", f.alpha, admin, all},
		{"alpha", f.alpha, territoire, []int64{p1.ID}},
		{"alpha", f.alpha, thematique, []int64{p3.ID}},
		{"alpha", f.alpha, association, nil},
		{"alpha", f.alpha, author, nil},
		{"alpha", f.alpha, 0, nil},
		{"beta", f.beta, admin, nil},
		{"beta", f.beta, territoire, []int64{q1.ID}},
		{"beta", f.beta, thematique, nil},
		{"beta", f.beta, association, nil},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/%d", tc.portal, tc.user), func(t *testing.T) {
			_, _, err := f.mod.Queue(tc.ctx, tc.user, moderation.Filter{})
			if tc.sees == nil {
				if !errors.Is(err, moderation.ErrForbidden) {
					t.Fatalf("queue: %v, want ErrForbidden", err)
				}
			} else if got := f.queueIDs(t, tc.ctx, tc.user, moderation.KindPost); !slices.Equal(got, tc.sees) {
				t.Fatalf("queue = %v, want %v", got, tc.sees)
			}
			ids := all
			if tc.portal == "beta" {
				ids = []int64{q1.ID}
			}
			for _, id := range ids {
				in := slices.Contains(tc.sees, id)
				_, err := f.mod.Get(tc.ctx, tc.user, moderation.KindPost, id)
				if in != (err == nil) || !in && !errors.Is(err, moderation.ErrForbidden) {
					t.Errorf("Get post %d: %v (in scope: %v)", id, err, in)
				}
				if in {
					continue
				}
				err = f.mod.Decide(tc.ctx, tc.user, moderation.Decision{Kind: moderation.KindPost, ID: id,
					Action: moderation.Hide, Reason: "Hors de portée"}, base)
				if !errors.Is(err, moderation.ErrForbidden) {
					t.Errorf("hide post %d out of scope: %v, want ErrForbidden", id, err)
				}
			}
		})
	}
	// Nothing out of scope changed, and nothing was logged.
	for _, p := range []help.Post{p1, p2, p3} {
		got, err := f.help.Get(f.alpha, p.ID, author)
		if err != nil || got.Visibility != help.VisibilityPending {
			t.Errorf("post %d after refused decisions: %+v, %v", p.ID, got.Visibility, err)
		}
	}
	if rows := f.logRows(t, f.alpha, admin); len(rows) != 0 {
		t.Errorf("refused decisions were logged: %+v", rows)
	}

	// beta's admin approving "post 1" on beta approves beta's post, never
	// alpha's post with the same id.
	if err := f.mod.Decide(f.beta, territoire, moderation.Decision{Kind: moderation.KindPost, ID: q1.ID, Action: moderation.Approve}, base); err != nil {
		t.Fatal(err)
	}
	if got := f.queueIDs(t, f.alpha, admin, moderation.KindPost); !slices.Equal(got, all) {
		t.Errorf("alpha's queue after a decision on beta: %v", got)
	}
	if rows := f.logRows(t, f.alpha, admin); len(rows) != 0 {
		t.Errorf("beta's decision logged on alpha: %+v", rows)
	}
	if rows := f.logRows(t, f.beta, territoire); len(rows) != 1 || rows[0].TargetLabel != "Courses partagées" {
		t.Errorf("beta's log: %+v", rows)
	}
}

// TestDecisions applies each action to a fresh item and checks its effect,
// its log row and the email its author receives.
func TestDecisions(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name     string
		prepare  func(t *testing.T, p help.Post) // before the decision
		decision moderation.Decision
		check    func(t *testing.T, p help.Post)
		detail   string // expected log detail ("" for none); "*" for any
		subject  string // expected subject of the author's email; "" for none
		inBody   []string
	}{
		{
			name:     "approve a held post",
			decision: moderation.Decision{Action: moderation.Approve},
			check: func(t *testing.T, p help.Post) {
				got := f.mustGet(t, p.ID, reporter)
				if got.Visibility != help.VisibilityVisible {
					t.Errorf("visibility %s", got.Visibility)
				}
			},
			subject: "votre annonce est en ligne", inBody: []string{"est maintenant en ligne", "/annonces/"},
		},
		{
			name:     "hide, with a reason the author sees",
			decision: moderation.Decision{Action: moderation.Hide, Reason: "Numéro de téléphone dans le texte"},
			check: func(t *testing.T, p help.Post) {
				if _, err := f.help.Get(f.alpha, p.ID, reporter); !errors.Is(err, help.ErrNotFound) {
					t.Errorf("someone else still sees the hidden post: %v", err)
				}
				got := f.mustGet(t, p.ID, author)
				if got.Visibility != help.VisibilityHidden || got.ModerationReason != "Numéro de téléphone dans le texte" {
					t.Errorf("author sees %s %q", got.Visibility, got.ModerationReason)
				}
			},
			subject: "a masqué votre texte", inBody: []string{"Numéro de téléphone dans le texte", "Vous, vous le voyez encore"},
		},
		{
			name: "restore a hidden post",
			prepare: func(t *testing.T, p help.Post) {
				f.decide(t, admin, moderation.Decision{Kind: moderation.KindPost, ID: p.ID, Action: moderation.Hide, Reason: "Erreur"})
			},
			decision: moderation.Decision{Action: moderation.Restore},
			check: func(t *testing.T, p help.Post) {
				got := f.mustGet(t, p.ID, reporter)
				if got.Visibility != help.VisibilityVisible || got.ModerationReason != "" {
					t.Errorf("restored: %s %q", got.Visibility, got.ModerationReason)
				}
			},
			subject: "de nouveau visible",
		},
		{
			name:     "delete for good",
			decision: moderation.Decision{Action: moderation.Delete, Reason: "Annonce contraire aux règles"},
			check: func(t *testing.T, p help.Post) {
				if _, err := f.help.Get(f.alpha, p.ID, author); !errors.Is(err, help.ErrNotFound) {
					t.Errorf("deleted post still there: %v", err)
				}
			},
			subject: "a supprimé votre annonce", inBody: []string{"Annonce contraire aux règles"},
		},
		{
			name:     "edit a title that exposes someone",
			decision: moderation.Decision{Action: moderation.EditTitle, Title: "  Courses   pour une voisine ", Reason: "Nom et adresse retirés"},
			check: func(t *testing.T, p help.Post) {
				if got := f.mustGet(t, p.ID, author); got.Title != "Courses pour une voisine" {
					t.Errorf("title %q", got.Title)
				}
			},
			detail:  "Courses pour une voisine",
			subject: "a changé le titre", inBody: []string{"« Courses pour une voisine »", "Nom et adresse retirés"},
		},
		{
			name:     "warn the author",
			decision: moderation.Decision{Action: moderation.Warn, Reason: "Restez courtois"},
			check: func(t *testing.T, p help.Post) {
				if got := f.mustGet(t, p.ID, author); got.Visibility != help.VisibilityPending {
					t.Errorf("a warning changed the post: %s", got.Visibility)
				}
			},
			subject: "un avertissement", inBody: []string{"Restez courtois"},
		},
		{
			name:     "suspend the author for a week",
			decision: moderation.Decision{Action: moderation.Suspend, Reason: "Demandes d'argent répétées", Days: 7},
			check: func(t *testing.T, p help.Post) {
				until, reason := f.suspension(t, author)
				if until == nil || time.Until(*until) < 6*24*time.Hour || time.Until(*until) > 7*24*time.Hour || reason != "Demandes d'argent répétées" {
					t.Errorf("suspension %v %q", until, reason)
				}
			},
			detail:  "*",
			subject: "votre compte est suspendu", inBody: []string{"Demandes d'argent répétées", "jusqu'au"},
		},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := f.post(t, f.alpha, fmt.Sprintf("Courses numéro %d", i), nantes, "courses")
			if tc.prepare != nil {
				tc.prepare(t, p)
			}
			before := len(f.logRows(t, f.alpha, admin))
			mailsBefore := len(f.inbox(t, "alpha")[emailOf(author)])
			d := tc.decision
			d.Kind, d.ID = moderation.KindPost, p.ID
			if err := f.mod.Decide(f.alpha, territoire, d, base); err != nil {
				t.Fatalf("decide: %v", err)
			}
			tc.check(t, p)

			rows := f.logRows(t, f.alpha, admin)
			if len(rows) != before+1 {
				t.Fatalf("log has %d rows, want %d", len(rows), before+1)
			}
			e := rows[len(rows)-1]
			if e.ModeratorID != territoire || e.ModeratorName != "Théo Territoire" || e.Action != d.Action ||
				e.TargetKind != "post" || e.TargetID != p.ID || e.PersonID != author || e.PersonName != "Aurore Autrice" ||
				e.EPCI != nantesMetropole || e.Category != "courses" || e.Reason != strings.TrimSpace(d.Reason) {
				t.Errorf("log row %+v", e)
			}
			if tc.detail == "*" && e.Detail == "" || tc.detail != "*" && e.Detail != tc.detail {
				t.Errorf("log detail %q, want %q", e.Detail, tc.detail)
			}
			if time.Since(e.CreatedAt) > time.Minute {
				t.Errorf("log time %v", e.CreatedAt)
			}

			mails := f.inbox(t, "alpha")[emailOf(author)]
			if tc.subject == "" {
				if len(mails) != mailsBefore {
					t.Errorf("author got an email: %+v", mails[mailsBefore:])
				}
				return
			}
			if len(mails) != mailsBefore+1 {
				t.Fatalf("author has %d emails, want %d", len(mails), mailsBefore+1)
			}
			m := mails[len(mails)-1]
			if !strings.Contains(m.Subject, tc.subject) {
				t.Errorf("subject %q, want %q", m.Subject, tc.subject)
			}
			for _, s := range tc.inBody {
				if !strings.Contains(m.Text, s) {
					t.Errorf("email body lacks %q:\n%s", s, m.Text)
				}
			}
			if strings.Contains(m.Text, "email.moderation") {
				t.Errorf("untranslated message id in:\n%s", m.Text)
			}
		})
	}

	t.Run("lift the suspension", func(t *testing.T) {
		// The référent who suspended from Nantes Métropole may lift; the
		// thematic référent of another theme may not.
		if err := f.mod.LiftSuspension(f.alpha, thematique, author, "", base); !errors.Is(err, moderation.ErrForbidden) {
			t.Fatalf("lift out of scope: %v", err)
		}
		if err := f.mod.LiftSuspension(f.alpha, territoire, author, "Fin anticipée", base); err != nil {
			t.Fatal(err)
		}
		if until, _ := f.suspension(t, author); until != nil {
			t.Errorf("still suspended until %v", until)
		}
		rows := f.logRows(t, f.alpha, admin)
		if e := rows[len(rows)-1]; e.Action != moderation.Lift || e.TargetKind != "person" || e.TargetID != author || e.Reason != "Fin anticipée" {
			t.Errorf("log row %+v", e)
		}
		mails := f.inbox(t, "alpha")[emailOf(author)]
		if m := mails[len(mails)-1]; !strings.Contains(m.Subject, "n'est plus suspendu") {
			t.Errorf("last email %q", m.Subject)
		}
		if err := f.mod.LiftSuspension(f.alpha, territoire, author, "", base); !errors.Is(err, moderation.ErrNotApplicable) {
			t.Errorf("lifting twice: %v", err)
		}
	})
}

func (f *fixture) mustGet(t *testing.T, id, viewer int64) help.Post {
	t.Helper()
	p, err := f.help.Get(f.alpha, id, viewer)
	if err != nil {
		t.Fatalf("get post %d as %d: %v", id, viewer, err)
	}
	return p
}

func (f *fixture) decide(t *testing.T, moderator int64, d moderation.Decision) {
	t.Helper()
	if err := f.mod.Decide(f.alpha, moderator, d, base); err != nil {
		t.Fatalf("decide %+v: %v", d, err)
	}
}

func (f *fixture) suspension(t *testing.T, id int64) (*time.Time, string) {
	t.Helper()
	var until *time.Time
	var reason *string
	err := f.env.DB.ReadTx(f.alpha, func(tx pgx.Tx) error {
		return tx.QueryRow(f.alpha, `SELECT suspended_until, suspension_reason FROM users WHERE id = $1`, id).Scan(&until, &reason)
	})
	if err != nil {
		t.Fatal(err)
	}
	if reason == nil {
		return until, ""
	}
	return until, *reason
}

// TestReports checks that reports bring a visible post into the queue with
// their reasons, that a decision settles them all, and that each reporter
// is told how it ended.
func TestReports(t *testing.T) {
	f := newFixture(t)
	p := f.post(t, f.alpha, "Courses du jeudi", nantes, "courses")
	f.decide(t, admin, moderation.Decision{Kind: moderation.KindPost, ID: p.ID, Action: moderation.Approve})
	if got := f.queueIDs(t, f.alpha, territoire, moderation.KindPost); len(got) != 0 {
		t.Fatalf("approved post still waits: %v", got)
	}
	for _, r := range []struct {
		who    int64
		reason string
	}{{reporter, "argent"}, {reporter2, "arnaque"}, {reporter, "argent"}} {
		if err := f.reports.Report(f.alpha, r.who, "post", p.ID, r.reason, "Il demande de l'argent en privé"); err != nil {
			t.Fatal(err)
		}
	}
	entries, total, err := f.mod.Queue(f.alpha, territoire, moderation.Filter{Why: moderation.WhyReported})
	if err != nil || total != 1 || len(entries) != 1 {
		t.Fatalf("queue: %+v %d %v", entries, total, err)
	}
	if e := entries[0]; e.ID != p.ID || e.Reports != 2 || !slices.Equal(e.Reasons, []string{"argent", "arnaque"}) ||
		!slices.Equal(e.Why, []string{moderation.WhyReported}) {
		t.Errorf("entry %+v", e)
	}
	if _, n, _ := f.mod.Queue(f.alpha, territoire, moderation.Filter{Why: moderation.WhyPending}); n != 0 {
		t.Errorf("filter by why: %d pending", n)
	}
	it, err := f.mod.Get(f.alpha, territoire, moderation.KindPost, p.ID)
	if err != nil || it.OpenReports != 2 || len(it.Reports) != 2 || it.Reports[0].Details != "Il demande de l'argent en privé" ||
		len(it.History) != 1 || it.History[0].Action != moderation.Approve {
		t.Fatalf("item %+v, %v", it, err)
	}

	// Keeping it settles both reports; each reporter is told once.
	f.decide(t, territoire, moderation.Decision{Kind: moderation.KindPost, ID: p.ID, Action: moderation.Approve})
	if got := f.queueIDs(t, f.alpha, territoire, moderation.KindPost); len(got) != 0 {
		t.Fatalf("settled post still waits: %v", got)
	}
	inbox := f.inbox(t, "alpha")
	for _, who := range []int64{reporter, reporter2} {
		if m := inbox[emailOf(who)]; len(m) != 1 || !strings.Contains(m[0].Text, "rien trouvé de contraire") {
			t.Errorf("reporter %d got %+v", who, m)
		}
	}
	rows := f.logRows(t, f.alpha, admin)
	if e := rows[len(rows)-1]; e.ReportsClosed != 2 || e.Waited == nil {
		t.Errorf("log row %+v", e)
	}

	// A new report, then hiding: the reporter learns it is gone.
	// The same person reporting the same post again is the same report,
	// already handled.
	if err := f.reports.Report(f.alpha, reporter2, "post", p.ID, "propos", ""); err != nil {
		t.Fatal(err)
	}
	if got := f.queueIDs(t, f.alpha, territoire, moderation.KindPost); len(got) != 0 {
		t.Fatalf("a second report by the same person reopened the item: %v", got)
	}
	other := f.addUser(t, f.alpha, "Octave Autre")
	if err := f.reports.Report(f.alpha, other, "post", p.ID, "propos", ""); err != nil {
		t.Fatal(err)
	}
	f.decide(t, territoire, moderation.Decision{Kind: moderation.KindPost, ID: p.ID, Action: moderation.Hide, Reason: "Propos blessants"})
	if m := f.inbox(t, "alpha")["octave.autre@exemple.fr"]; len(m) != 1 || !strings.Contains(m[0].Text, "n'est plus visible") {
		t.Errorf("new reporter got %+v", m)
	}
}

// TestMessages checks that a reported message can be moderated, hidden
// from the other person but not from its sender, and that an unreported
// message is never shown to a moderator.
func TestMessages(t *testing.T) {
	f := newFixture(t)
	p := f.post(t, f.alpha, "Un appel le soir", nantes, "ecoute")
	f.decide(t, admin, moderation.Decision{Kind: moderation.KindPost, ID: p.ID, Action: moderation.Approve})
	convID, err := f.convs.Answer(f.alpha, p.ID, reporter, "Bonjour, je peux vous appeler.", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.convs.Send(f.alpha, convID, author, "Envoyez-moi 50 euros d'abord.", base); err != nil {
		t.Fatal(err)
	}
	c, err := f.convs.Get(f.alpha, convID, author)
	if err != nil {
		t.Fatal(err)
	}
	bad := c.Messages[len(c.Messages)-1]
	if _, err := f.mod.Get(f.alpha, admin, moderation.KindMessage, bad.ID); !errors.Is(err, moderation.ErrNotFound) {
		t.Fatalf("an unreported message is readable by a moderator: %v", err)
	}
	if err := f.reports.Report(f.alpha, reporter, "message", bad.ID, "argent", ""); err != nil {
		t.Fatal(err)
	}
	// Both référents reach it: Nantes Métropole and the theme "ecoute".
	for _, who := range []int64{territoire, thematique} {
		if got := f.queueIDs(t, f.alpha, who, moderation.KindMessage); !slices.Equal(got, []int64{bad.ID}) {
			t.Errorf("queue of %d: %v", who, got)
		}
	}
	// The queue shows the message under its conversation's post.
	if e := f.queueEntry(t, f.alpha, territoire, moderation.KindMessage, bad.ID); e.Title != "Un appel le soir" ||
		e.Excerpt != "Envoyez-moi 50 euros d'abord." || e.Reports != 1 || !slices.Equal(e.Reasons, []string{"argent"}) {
		t.Errorf("queue entry %+v", e)
	}
	it, err := f.mod.Get(f.alpha, thematique, moderation.KindMessage, bad.ID)
	if err != nil || it.Body != "Envoyez-moi 50 euros d'abord." || it.PersonID != author || it.Title != "Un appel le soir" {
		t.Fatalf("item %+v, %v", it, err)
	}
	if slices.Contains(it.Applicable(), moderation.Delete) || slices.Contains(it.Applicable(), moderation.EditTitle) {
		t.Errorf("a message offers %v", it.Applicable())
	}
	err = f.mod.Decide(f.alpha, thematique, moderation.Decision{Kind: moderation.KindMessage, ID: bad.ID, Action: moderation.Delete, Reason: "x"}, base)
	if !errors.Is(err, moderation.ErrNotApplicable) {
		t.Errorf("deleting a message: %v", err)
	}
	f.decide(t, thematique, moderation.Decision{Kind: moderation.KindMessage, ID: bad.ID, Action: moderation.Hide, Reason: "Demande d'argent"})

	for _, tc := range []struct {
		viewer int64
		body   string
	}{{reporter, ""}, {author, "Envoyez-moi 50 euros d'abord."}} {
		got, err := f.convs.Get(f.alpha, convID, tc.viewer)
		if err != nil {
			t.Fatal(err)
		}
		m := got.Messages[len(got.Messages)-1]
		if !m.Hidden || m.HiddenReason != "Demande d'argent" || m.Body != tc.body {
			t.Errorf("viewer %d sees %+v", tc.viewer, m)
		}
	}
	if m := f.inbox(t, "alpha")[emailOf(author)]; len(m) == 0 || !strings.Contains(m[len(m)-1].Text, "votre message dans la conversation « Un appel le soir »") {
		t.Errorf("sender's email: %+v", m)
	}
	f.decide(t, admin, moderation.Decision{Kind: moderation.KindMessage, ID: bad.ID, Action: moderation.Restore})
	got, _ := f.convs.Get(f.alpha, convID, reporter)
	if m := got.Messages[len(got.Messages)-1]; m.Hidden || m.Body != "Envoyez-moi 50 euros d'abord." {
		t.Errorf("restored message: %+v", m)
	}
}

// TestFlagWords checks that a flag word sends a post to the queue while it
// stays visible, and that an edit without it takes it out again.
func TestFlagWords(t *testing.T) {
	f := newFixture(t)
	d := help.Draft{Kind: help.KindOffer, Category: "courses", Title: "Je fais vos courses",
		Description: "Contactez-moi sur whatsapp, je passe le samedi matin.", CommuneCode: nantes,
		Modes: []string{"sur_place"}, WhenKind: "souple"}
	p, err := f.help.Create(f.beta, author, d)
	if err != nil {
		t.Fatal(err)
	}
	if p.Visibility != help.VisibilityVisible || !slices.Equal(p.Flags, []string{"whatsapp"}) {
		t.Fatalf("flagged post: %s %v", p.Visibility, p.Flags)
	}
	entries, _, err := f.mod.Queue(f.beta, territoire, moderation.Filter{Why: moderation.WhyFlagged})
	if err != nil || len(entries) != 1 || entries[0].ID != p.ID {
		t.Fatalf("flag queue: %+v %v", entries, err)
	}
	d.Description = "Contactez-moi par la messagerie du site, je passe le samedi."
	if _, err := f.help.Update(f.beta, author, p.ID, d); err != nil {
		t.Fatal(err)
	}
	if _, n, _ := f.mod.Queue(f.beta, territoire, moderation.Filter{}); n != 0 {
		t.Errorf("an edit without the flag word still waits: %d", n)
	}
	// On alpha (premoderation) a flagged post waits for both reasons.
	p2, err := f.help.Create(f.alpha, author, help.Draft{Kind: help.KindOffer, Category: "courses", Title: "Je fais vos courses",
		Description: "Contactez-moi sur WhatsApp, je passe le samedi matin.", CommuneCode: nantes,
		Modes: []string{"sur_place"}, WhenKind: "souple"})
	if err != nil {
		t.Fatal(err)
	}
	it, err := f.mod.Get(f.alpha, territoire, moderation.KindPost, p2.ID)
	if err != nil || !slices.Equal(it.Why, []string{moderation.WhyPending, moderation.WhyFlagged}) || !slices.Equal(it.Flags, []string{"WhatsApp"}) {
		t.Errorf("item %+v %v", it, err)
	}
	f.decide(t, territoire, moderation.Decision{Kind: moderation.KindPost, ID: p2.ID, Action: moderation.Approve})
	if got := f.mustGet(t, p2.ID, reporter); got.Visibility != help.VisibilityVisible || len(got.Flags) != 0 {
		t.Errorf("approved flagged post: %s %v", got.Visibility, got.Flags)
	}
}

// TestRefusals checks what a moderator typed wrong, own content and
// actions that do not apply.
func TestRefusals(t *testing.T) {
	f := newFixture(t)
	p := f.post(t, f.alpha, "Courses du lundi", nantes, "courses")
	tests := []struct {
		name  string
		who   int64
		d     moderation.Decision
		field string // invalid.Fields key, or "" for err
		err   error
	}{
		{"hide without a reason", territoire, moderation.Decision{Action: moderation.Hide, Reason: "  "}, "reason", nil},
		{"warn without a reason", territoire, moderation.Decision{Action: moderation.Warn}, "reason", nil},
		{"reason too long", territoire, moderation.Decision{Action: moderation.Hide, Reason: strings.Repeat("a", 501)}, "reason", nil},
		{"suspend for 2 days", territoire, moderation.Decision{Action: moderation.Suspend, Reason: "x", Days: 2}, "days", nil},
		{"title too short", territoire, moderation.Decision{Action: moderation.EditTitle, Title: "Aide"}, "title", nil},
		{"restore a post not hidden", territoire, moderation.Decision{Action: moderation.Restore}, "", moderation.ErrNotApplicable},
		{"unknown action", territoire, moderation.Decision{Action: "bannir"}, "", moderation.ErrNotApplicable},
		{"lift through Decide", territoire, moderation.Decision{Action: moderation.Lift}, "", moderation.ErrNotApplicable},
		{"unknown kind", territoire, moderation.Decision{Kind: "event", Action: moderation.Approve}, "", moderation.ErrNotFound},
		{"no such post", territoire, moderation.Decision{ID: 999, Action: moderation.Approve}, "", moderation.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.d
			if d.Kind == "" {
				d.Kind = moderation.KindPost
			}
			if d.ID == 0 {
				d.ID = p.ID
			}
			err := f.mod.Decide(f.alpha, tc.who, d, base)
			var fe invalid.Fields
			switch {
			case tc.field != "":
				if !errors.As(err, &fe) || fe[tc.field] == "" || len(fe) != 1 {
					t.Errorf("err = %v, want an error on %s", err, tc.field)
				}
			case !errors.Is(err, tc.err):
				t.Errorf("err = %v, want %v", err, tc.err)
			}
		})
	}
	// A référent's own post waits for someone else.
	own, err := f.help.Create(f.alpha, territoire, help.Draft{Kind: help.KindRequest, Category: "courses", Title: "Mes courses",
		Description: "J'ai besoin d'aide pour porter mes courses.", CommuneCode: nantes, Modes: []string{"sur_place"}, WhenKind: "souple"})
	if err != nil {
		t.Fatal(err)
	}
	err = f.mod.Decide(f.alpha, territoire, moderation.Decision{Kind: moderation.KindPost, ID: own.ID, Action: moderation.Approve}, base)
	if !errors.Is(err, moderation.ErrOwnContent) {
		t.Errorf("approving one's own post: %v", err)
	}
	if got := f.mustGet(t, p.ID, author); got.Visibility != help.VisibilityPending {
		t.Errorf("refused decisions changed the post: %s", got.Visibility)
	}
	if rows := f.logRows(t, f.alpha, admin); len(rows) != 0 {
		t.Errorf("refused decisions logged: %+v", rows)
	}
}

// TestDashboard checks the queue sizes per EPCI and theme within reach and
// the median time to a decision.
func TestDashboard(t *testing.T) {
	f := newFixture(t)
	// Before anything happens: nothing waits, nothing was decided.
	if d, err := f.mod.Dashboard(f.alpha, admin); err != nil || fmt.Sprint(d) != fmt.Sprint(moderation.Dashboard{}) {
		t.Fatalf("empty dashboard: %+v, %v", d, err)
	}
	var posts []help.Post
	for _, c := range []struct{ commune, category string }{
		{nantes, "courses"}, {nantes, "ecoute"}, {nantes, "courses"}, {saintNazaire, "ecoute"}, {saintNazaire, "courses"},
	} {
		posts = append(posts, f.post(t, f.alpha, "Un coup de main "+c.category, c.commune, c.category))
	}
	// Three decisions in Nantes Métropole after 1 h, 2 h and 6 h of wait.
	for i, waited := range []time.Duration{time.Hour, 2 * time.Hour, 6 * time.Hour} {
		err := f.env.DB.Tx(f.alpha, func(tx pgx.Tx) error {
			_, err := tx.Exec(f.alpha, `UPDATE posts SET queued_at = now() - make_interval(secs => $2) WHERE id = $1`, posts[i].ID, waited.Seconds())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		f.decide(t, admin, moderation.Decision{Kind: moderation.KindPost, ID: posts[i].ID, Action: moderation.Approve})
	}
	d, err := f.mod.Dashboard(f.alpha, admin)
	if err != nil {
		t.Fatal(err)
	}
	want := moderation.Dashboard{
		ByEPCI: []moderation.Count{{Code: carene, N: 2}}, ByCategory: []moderation.Count{{Code: "courses", N: 1}, {Code: "ecoute", N: 1}},
		Waiting:      2,
		Overall:      moderation.Median{Median: 2 * time.Hour, Decisions: 3},
		MedianByEPCI: []moderation.Median{{Code: nantesMetropole, Median: 2 * time.Hour, Decisions: 3}},
		MedianByCategory: []moderation.Median{{Code: "courses", Median: 3*time.Hour + 30*time.Minute, Decisions: 2},
			{Code: "ecoute", Median: 2 * time.Hour, Decisions: 1}},
	}
	if fmt.Sprint(d) != fmt.Sprint(want) {
		t.Errorf("admin's dashboard\n got %+v\nwant %+v", d, want)
	}
	// The référent of Nantes Métropole sees nothing waiting, and only the
	// decisions of its EPCI.
	d, err = f.mod.Dashboard(f.alpha, territoire)
	if err != nil {
		t.Fatal(err)
	}
	if d.Waiting != 0 || len(d.ByEPCI) != 0 || d.Overall.Decisions != 3 {
		t.Errorf("territoire's dashboard %+v", d)
	}
	d, err = f.mod.Dashboard(f.alpha, thematique)
	if err != nil {
		t.Fatal(err)
	}
	if d.Waiting != 1 || d.Overall.Decisions != 1 || d.Overall.Median != 2*time.Hour {
		t.Errorf("thematique's dashboard %+v", d)
	}
	if _, err := f.mod.Dashboard(f.alpha, author); !errors.Is(err, moderation.ErrForbidden) {
		t.Errorf("a resident's dashboard: %v", err)
	}
}

// TestLogExport checks who reads the log and its CSV form.
func TestLogExport(t *testing.T) {
	f := newFixture(t)
	p := f.post(t, f.alpha, "Courses du mardi", nantes, "courses")
	f.decide(t, territoire, moderation.Decision{Kind: moderation.KindPost, ID: p.ID, Action: moderation.Hide, Reason: "=HYPERLINK(\"x\");bad"})
	for _, who := range []int64{territoire, thematique, association, author} {
		if _, _, err := f.mod.Log(f.alpha, who, moderation.LogFilter{}); !errors.Is(err, moderation.ErrForbidden) {
			t.Errorf("%d reads the log: %v", who, err)
		}
	}
	if _, _, err := f.mod.Log(f.beta, admin, moderation.LogFilter{}); !errors.Is(err, moderation.ErrForbidden) {
		t.Errorf("alpha's admin reads beta's log: %v", err)
	}
	var buf bytes.Buffer
	if err := f.mod.ExportCSV(f.alpha, admin, moderation.LogFilter{}, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeffid;date;moderateur;action;") {
		t.Errorf("CSV header: %q", out[:min(60, len(out))])
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], ";Théo Territoire;hide;post;") ||
		!strings.Contains(lines[1], `"'=HYPERLINK(""x"");bad"`) {
		t.Errorf("CSV:\n%s", out)
	}
	buf.Reset()
	if err := f.mod.ExportCSV(f.alpha, territoire, moderation.LogFilter{}, &buf); !errors.Is(err, moderation.ErrForbidden) {
		t.Errorf("référent exports the log: %v", err)
	}
}
