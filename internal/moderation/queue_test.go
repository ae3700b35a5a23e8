package moderation_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/testutil"

	"github.com/jackc/pgx/v5"
)

// The queue is kept by triggers, not by the services: any write, by any
// code, keeps it equal to what waits. Each step below changes what an item
// waits for, where it is placed or whether it exists, by plain SQL as an
// operator or a future service might; after each, the queue must be what
// the view moderation_waiting says (checkQueue), and the expected number
// of items must wait.
func TestQueueFollowsEveryWrite(t *testing.T) {
	f := newFixture(t)
	ctx := f.alpha
	setup := []string{
		// Two posts, one flagged, both with a conversation whose second
		// message is reported.
		`INSERT INTO posts (kind, category_code, title, description, commune_code, epci_code, modes, when_kind, author_id, expires_at, flags, queued_at)
		 VALUES ('demande', 'courses', 'Courses du samedi', 'Qui pourrait passer au marché pour moi ?', '44109', '244400404', '{sur_place}', 'souple', 5, now() + interval '30 days', '{WhatsApp}', now() - interval '2 days'),
		        ('proposition', 'ecoute', 'Un appel par semaine', 'Je peux appeler une personne seule chaque semaine.', '44184', '244400644', '{telephone}', 'souple', 5, now() + interval '30 days', '{}', NULL)`,
		`INSERT INTO conversations (post_id, post_title, author_id, responder_id) VALUES (1, 'Courses du samedi', 5, 6), (2, 'Un appel par semaine', 5, 7)`,
		`INSERT INTO messages (conversation_id, sender_id, body) VALUES (1, 6, 'Bonjour'), (1, 5, 'Payez-moi d''abord'), (2, 7, 'Bonjour'), (2, 5, 'Envoyez un virement')`,
		`INSERT INTO reports (target_kind, target_id, epci_code, category_code, reporter_id, reason) VALUES
		 ('message', 2, '244400404', 'courses', 6, 'argent'), ('message', 4, '244400644', 'ecoute', 7, 'argent'), ('post', 2, '244400644', 'ecoute', 6, 'arnaque')`,
		// A thread with a flagged reply, and a resident's event waiting.
		`INSERT INTO forum_threads (category_code, title, body, commune_code, epci_code, author_id) VALUES
		 ('courses', 'Marchés du coin', 'Quels marchés le dimanche ?', '44109', '244400404', 5),
		 ('ecoute', 'Se parler', 'Un fil pour discuter', '44184', '244400644', 5)`,
		`INSERT INTO forum_replies (thread_id, author_id, body, flags, queued_at) VALUES (1, 6, 'Écrivez-moi sur WhatsApp', '{WhatsApp}', now())`,
		`INSERT INTO events (category_code, title, description, commune_code, epci_code, starts_at, ends_at, visibility, author_id)
		 VALUES ('courses', 'Atelier cuisine', 'Un atelier cuisine entre voisins, gratuit.', '44109', '244400404', now() + interval '3 days', now() + interval '3 days 2 hours', 'en_attente', 5)`,
	}
	steps := []struct {
		name string
		sql  string
		want int // items waiting afterwards
	}{
		{"what waits at first", `SELECT 1`, 6},
		{"a post moves to another EPCI and theme, with its reported message", `UPDATE posts SET epci_code = '244400644', category_code = 'ecoute', commune_code = '44184' WHERE id = 1`, 6},
		{"a post's text changes (nothing waits differently)", `UPDATE posts SET description = 'Qui pourrait passer au marché samedi ?' WHERE id = 1`, 6},
		{"a conversation loses its post", `UPDATE conversations SET post_id = NULL WHERE id = 1`, 6},
		{"a post with a reported message is deleted", `DELETE FROM posts WHERE id = 2`, 5},
		{"a report is settled", `UPDATE reports SET handled_at = now() WHERE id = 2`, 4},
		{"a settled report is reopened", `UPDATE reports SET handled_at = NULL WHERE id = 2`, 5},
		{"a report is moved to another message", `UPDATE reports SET target_id = 3 WHERE id = 2`, 5},
		{"a reported message is deleted", `DELETE FROM messages WHERE id = 3`, 4},
		{"a thread moves", `UPDATE forum_threads SET epci_code = '244400644', commune_code = '44184', category_code = 'ecoute' WHERE id = 1`, 4},
		{"a reply moves to another thread", `UPDATE forum_replies SET thread_id = 2 WHERE id = 1`, 4},
		{"a thread is flagged", `UPDATE forum_threads SET flags = '{WhatsApp}', queued_at = now() WHERE id = 2`, 5},
		{"a thread is deleted with its replies", `DELETE FROM forum_threads WHERE id = 2`, 3},
		{"an event is changed", `UPDATE events SET updated_at = now(), epci_code = '244400644', commune_code = '44184' WHERE id = 1`, 3},
		{"an event is cancelled", `UPDATE events SET cancelled_at = now() WHERE id = 1`, 2},
		{"a post's flags are cleared", `UPDATE posts SET flags = '{}', queued_at = NULL WHERE id = 1`, 1},
		{"a conversation is deleted with its messages", `DELETE FROM conversations WHERE id = 1`, 0},
	}
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		for _, sql := range setup {
			if _, err := tx.Exec(ctx, sql); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error { _, err := tx.Exec(ctx, st.sql); return err }); err != nil {
				t.Fatal(err)
			}
			f.checkQueue(t, ctx)
			var n int
			if err := f.env.DB.ReadTx(ctx, func(tx pgx.Tx) error {
				return tx.QueryRow(ctx, `SELECT count(*) FROM moderation_queue`).Scan(&n)
			}); err != nil {
				t.Fatal(err)
			}
			if n != st.want {
				t.Fatalf("%d items wait, want %d", n, st.want)
			}
		})
	}
}

// The queue counts reports only for the entries that wait because of
// them. Its kept plan cannot know in advance which rows those are, and it
// read the reports table once for every entry of the page. On a page of
// six waiting posts, five held for a référent and one reported, the
// reports table is read once.
func TestQueueReadsReportsOnlyForReportedEntries(t *testing.T) {
	f := newFixture(t)
	var reported int64
	for i, title := range []string{"Courses du lundi", "Courses du mardi", "Courses du mercredi", "Courses du jeudi", "Courses du vendredi", "Courses du samedi"} {
		p := f.post(t, f.alpha, title, nantes, "courses")
		if i == 2 {
			reported = p.ID
		}
	}
	// alpha holds every post for a référent: the reported one is approved
	// first, then reported, and waits again.
	f.decide(t, admin, moderation.Decision{Kind: moderation.KindPost, ID: reported, Action: moderation.Approve})
	if err := f.reports.Report(f.alpha, reporter, "post", reported, "argent", "Il demande de l'argent"); err != nil {
		t.Fatal(err)
	}
	entries, _, err := f.mod.Queue(f.alpha, admin, moderation.Filter{Limit: 20})
	if err != nil || len(entries) != 6 {
		t.Fatalf("queue: %+v, %v", entries, err)
	}
	for _, e := range entries {
		if want := map[bool]int{true: 1}[e.ID == reported]; e.Reports != want {
			t.Errorf("%q: %d open reports, want %d", e.Title, e.Reports, want)
		}
	}
	var plan []string
	err = f.env.DB.ReadTx(f.alpha, func(tx pgx.Tx) error {
		var err error
		plan, err = testutil.KeptPlan(f.alpha, tx, "queue", moderation.QueueSQL, "ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF",
			"true", "'{}'", "'{}'", "''", "''", "''", "20", "0")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	scans := 0
	for _, line := range plan {
		if !strings.Contains(line, " on reports r") {
			continue
		}
		if m := loops.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			scans += n
		}
	}
	if scans != 1 {
		t.Errorf("the reports table is read %d times for one reported entry:\n%s", scans, strings.Join(plan, "\n"))
	}
}

// loops is how many times a node of EXPLAIN ANALYZE ran; "never executed"
// nodes have none.
var loops = regexp.MustCompile(`loops=(\d+)\)`)
