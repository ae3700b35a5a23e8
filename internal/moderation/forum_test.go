package moderation_test

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/territory"
)

// newForum is the forum service on the fixture's portals and outbox.
func (f *fixture) newForum(t *testing.T) *forum.Service {
	t.Helper()
	atlas, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return forum.New(forum.Deps{DB: f.env.DB, Portals: f.env.Registry.All(), Messages: messages,
		Mailer: mail.Direct{Sender: f.outbox, From: "entraide@localhost"},
		Place: func(code string) (string, string, bool) {
			c, ok := atlas.Commune(code)
			return c.EPCI, c.Departement, ok
		}})
}

// TestForum checks that forum threads and replies reach the queue of the
// référents whose scope covers their thread (its commune's EPCI, its
// theme), never another EPCI's, and that decisions apply to them as to
// posts.
func TestForum(t *testing.T) {
	f := newFixture(t)
	fs := f.newForum(t)
	thread := func(title, commune, category string) forum.Thread {
		t.Helper()
		th, err := fs.CreateThread(f.alpha, author, forum.Draft{Category: category, Title: title, Body: "Qui veut en parler ?", CommuneCode: commune})
		if err != nil {
			t.Fatal(err)
		}
		return th
	}
	// alpha premoderates: each new thread waits.
	tNantes := thread("Marché de Nantes", nantes, "courses")
	tNazaire := thread("Marché de Saint-Nazaire", saintNazaire, "courses")
	tNowhere := thread("Parler le soir", "", "ecoute")
	if tNantes.Visibility != forum.VisibilityPending {
		t.Fatalf("a new thread under premoderation is %s", tNantes.Visibility)
	}
	cases := []struct {
		who  int64
		sees []int64
	}{
		{admin, []int64{tNantes.ID, tNazaire.ID, tNowhere.ID}},
		{territoire, []int64{tNantes.ID}},
		{thematique, []int64{tNowhere.ID}},
	}
	for _, tc := range cases {
		if got := f.queueIDs(t, f.alpha, tc.who, moderation.KindForumThread); !slices.Equal(got, tc.sees) {
			t.Errorf("threads in %d's queue: %v, want %v", tc.who, got, tc.sees)
		}
	}
	if _, err := f.mod.Get(f.alpha, territoire, moderation.KindForumThread, tNazaire.ID); !errors.Is(err, moderation.ErrForbidden) {
		t.Errorf("another EPCI's thread: %v", err)
	}
	err := f.mod.Decide(f.alpha, territoire, moderation.Decision{Kind: moderation.KindForumThread, ID: tNazaire.ID, Action: moderation.Approve}, base)
	if !errors.Is(err, moderation.ErrForbidden) {
		t.Errorf("approving another EPCI's thread: %v", err)
	}

	// The référent publishes the Nantes thread; its author is told.
	f.decide(t, territoire, moderation.Decision{Kind: moderation.KindForumThread, ID: tNantes.ID, Action: moderation.Approve})
	if th, err := fs.Get(f.alpha, tNantes.ID, reporter); err != nil || th.Visibility != forum.VisibilityVisible {
		t.Fatalf("published thread: %+v %v", th.Visibility, err)
	}
	if m := f.inbox(t, "alpha")[emailOf(author)]; len(m) == 0 || !strings.Contains(m[len(m)-1].Subject, "votre sujet est en ligne") ||
		!strings.Contains(m[len(m)-1].Text, "/forum/sujets/") {
		t.Errorf("author's email: %+v", m)
	}
	f.decide(t, admin, moderation.Decision{Kind: moderation.KindForumThread, ID: tNazaire.ID, Action: moderation.Approve})

	// A flagged reply and a reported one: each in the queue of its
	// thread's référent only.
	flagged, err := fs.Reply(f.alpha, tNantes.ID, author, "Écrivez-moi sur WhatsApp.", 0, base)
	if err != nil {
		t.Fatal(err)
	}
	far, err := fs.Reply(f.alpha, tNazaire.ID, author, "Venez tous samedi.", 0, base)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.reports.Report(f.alpha, reporter, "forum_reply", far.ID, "propos", "Pas gentil"); err != nil {
		t.Fatal(err)
	}
	if err := f.reports.Report(f.alpha, reporter, "forum_reply", flagged.ID, "arnaque", ""); err != nil {
		t.Fatal(err)
	}
	if got := f.queueIDs(t, f.alpha, territoire, moderation.KindForumReply); !slices.Equal(got, []int64{flagged.ID}) {
		t.Errorf("replies in the référent's queue: %v", got)
	}
	if got := f.queueIDs(t, f.alpha, admin, moderation.KindForumReply); !slices.Equal(got, []int64{flagged.ID, far.ID}) {
		t.Errorf("replies in the admin's queue: %v", got)
	}
	entries, _, err := f.mod.Queue(f.alpha, territoire, moderation.Filter{Why: moderation.WhyReported, Limit: 10})
	if err != nil || len(entries) != 1 || entries[0].Title != "Marché de Nantes" || entries[0].Excerpt != "Écrivez-moi sur WhatsApp." ||
		!slices.Equal(entries[0].Why, []string{moderation.WhyFlagged, moderation.WhyReported}) {
		t.Errorf("reported entries: %+v %v", entries, err)
	}
	it, err := f.mod.Get(f.alpha, territoire, moderation.KindForumReply, flagged.ID)
	if err != nil || it.ThreadID != tNantes.ID || it.EPCI != nantesMetropole || it.OpenReports != 1 ||
		slices.Contains(it.Applicable(), moderation.Delete) {
		t.Fatalf("item: %+v %v", it, err)
	}

	// Hiding the reply settles it: out of the queue, hidden to others,
	// the reporter and the author told.
	f.decide(t, territoire, moderation.Decision{Kind: moderation.KindForumReply, ID: flagged.ID, Action: moderation.Hide, Reason: "Pas de messagerie extérieure"})
	th, _ := fs.Get(f.alpha, tNantes.ID, reporter)
	if m := th.Messages[0]; !m.Hidden || m.Body != "" {
		t.Errorf("hidden reply, seen by another: %+v", m)
	}
	th, _ = fs.Get(f.alpha, tNantes.ID, author)
	if m := th.Messages[0]; !m.Hidden || m.ModerationReason != "Pas de messagerie extérieure" {
		t.Errorf("hidden reply, seen by its author: %+v", m)
	}
	if got := f.queueIDs(t, f.alpha, territoire, moderation.KindForumReply); len(got) != 0 {
		t.Errorf("queue after hiding: %v", got)
	}
	in := f.inbox(t, "alpha")
	if m := in[emailOf(reporter)]; len(m) == 0 || !strings.Contains(m[len(m)-1].Subject, "signalement") {
		t.Errorf("reporter's email: %+v", m)
	}
	if m := in[emailOf(author)]; !strings.Contains(m[len(m)-1].Text, "votre réponse dans le sujet « Marché de Nantes » du forum") ||
		!strings.Contains(m[len(m)-1].Text, "/forum/sujets/"+itoa(tNantes.ID)+"#reponse-"+itoa(flagged.ID)) {
		t.Errorf("author's email: %+v", m[len(m)-1])
	}
	f.decide(t, territoire, moderation.Decision{Kind: moderation.KindForumReply, ID: flagged.ID, Action: moderation.Restore})
	if th, _ := fs.Get(f.alpha, tNantes.ID, reporter); th.Messages[0].Hidden {
		t.Error("restored reply still hidden")
	}

	// Suspending the author from a forum item stops them writing in the
	// forum; the log names the forum item.
	f.decide(t, territoire, moderation.Decision{Kind: moderation.KindForumThread, ID: tNantes.ID, Action: moderation.Suspend, Reason: "Insistance", Days: 3})
	if _, err := fs.Reply(f.alpha, tNantes.ID, author, "Encore moi.", 0, base); !errors.Is(err, forum.ErrSuspended) {
		t.Errorf("a suspended author replies: %v", err)
	}
	rows := f.logRows(t, f.alpha, admin)
	last := rows[len(rows)-1]
	if last.Action != moderation.Suspend || last.TargetKind != moderation.KindForumThread || last.TargetLabel != "Marché de Nantes" || last.EPCI != nantesMetropole {
		t.Errorf("log: %+v", last)
	}
	// Nothing happened on beta, whose items have the same ids.
	if rows := f.logRows(t, f.beta, territoire); len(rows) != 0 {
		t.Errorf("beta's log: %+v", rows)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
