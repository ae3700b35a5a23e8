package conversation_test

import (
	"context"
	"errors"
	"testing"

	"github.com/entraide/entraide/internal/conversation"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

func setup(t *testing.T) (*testutil.Env, *conversation.Service, context.Context) {
	t.Helper()
	env := testutil.NewEnv(t, testutil.Portal("alpha"))
	outbox, err := mail.NewOutbox(t.TempDir(), testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return env, conversation.New(env.DB, mail.Direct{Sender: outbox, From: "entraide@localhost"}, messages), env.Ctx(t, "alpha")
}

func exec(t *testing.T, env *testutil.Env, ctx context.Context, sql string, args ...any) int64 {
	t.Helper()
	var id int64
	err := env.DB.Tx(ctx, func(tx pgx.Tx) error {
		if len(sql) > 6 && sql[:6] == "INSERT" {
			return tx.QueryRow(ctx, sql+" RETURNING id", args...).Scan(&id)
		}
		_, err := tx.Exec(ctx, sql, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

const insertUser = `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, email_confirmed_at)
VALUES ($1, $1, $2, 'x', '44109', '244400404', now())`

const insertPost = `INSERT INTO posts (kind, category_code, title, description, commune_code, epci_code, modes, when_kind, author_id, expires_at)
VALUES ('demande', 'courses', 'Courses le samedi', 'Porter les courses depuis le marché.', '44109', '244400404', '{sur_place}', 'souple', $1, now() + interval '30 days')`

// What the deletion page promises: the other person keeps the
// conversation, signed "compte supprimé", whether the account or the post
// goes; and a conversation with a deleted account takes no new messages.
func TestConversationsOutliveDeletions(t *testing.T) {
	env, svc, ctx := setup(t)
	lea := exec(t, env, ctx, insertUser, "lea@exemple.fr", "Léa")
	paul := exec(t, env, ctx, insertUser, "paul@exemple.fr", "Paul")
	post := exec(t, env, ctx, insertPost, lea)

	if _, err := svc.Answer(ctx, post, lea, "Moi-même", "http://alpha.localhost"); !errors.Is(err, conversation.ErrNotAllowed) {
		t.Fatalf("the author answered their own post: %v", err)
	}
	var fe invalid.Fields
	if _, err := svc.Answer(ctx, post, paul, "", "http://alpha.localhost"); !errors.As(err, &fe) {
		t.Fatalf("empty answer: %v", err)
	}
	id, err := svc.Answer(ctx, post, paul, "Je peux vous aider.", "http://alpha.localhost")
	if err != nil {
		t.Fatal(err)
	}
	again, err := svc.Answer(ctx, post, paul, "Et je peux venir à 10 h.", "http://alpha.localhost")
	if err != nil || again != id {
		t.Fatalf("a second answer opened another conversation: %d vs %d (%v)", again, id, err)
	}

	exec(t, env, ctx, `DELETE FROM posts WHERE id = $1`, post)
	c, err := svc.Get(ctx, id, lea)
	if err != nil || c.PostID != nil || c.PostTitle != "Courses le samedi" || len(c.Messages) != 2 {
		t.Fatalf("after the post was deleted: %+v, %v", c, err)
	}
	exec(t, env, ctx, `DELETE FROM users WHERE id = $1`, paul)
	c, err = svc.Get(ctx, id, lea)
	if err != nil || len(c.Messages) != 2 || c.Messages[0].SenderID != 0 || c.Messages[0].SenderName != "" {
		t.Fatalf("after Paul's account was deleted: %+v, %v", c, err)
	}
	if other, _ := c.Other(lea); other != 0 {
		t.Fatalf("other person = %d, want 0 (deleted)", other)
	}
	if _, err := svc.Send(ctx, id, lea, "Vous êtes là ?", "http://alpha.localhost"); !errors.Is(err, conversation.ErrNotAllowed) {
		t.Fatalf("wrote to a deleted account: %v", err)
	}
	list, err := svc.Mine(ctx, lea)
	if err != nil || len(list) != 1 {
		t.Fatalf("Léa's list: %+v, %v", list, err)
	}
}

// A conversation about no post (neighbours who share an interest): only
// the two people read it, a second Start continues it, and nobody writes
// to themselves or to a deleted account.
func TestStartWithoutPost(t *testing.T) {
	env, svc, ctx := setup(t)
	lea := exec(t, env, ctx, insertUser, "lea@exemple.fr", "Léa")
	paul := exec(t, env, ctx, insertUser, "paul@exemple.fr", "Paul")
	zoe := exec(t, env, ctx, insertUser, "zoe@exemple.fr", "Zoé")
	title := "Des voisins qui aiment aussi : cuisine"
	id, err := svc.Start(ctx, paul, lea, title, "Bonjour Léa, on cuisine ensemble ?", "https://alpha.localhost")
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []int64{lea, paul} {
		c, err := svc.Get(ctx, id, who)
		if err != nil || c.PostID != nil || c.PostTitle != title || len(c.Messages) != 1 {
			t.Fatalf("seen by %d: %+v %v", who, c, err)
		}
	}
	if _, err := svc.Get(ctx, id, zoe); !errors.Is(err, conversation.ErrNotFound) {
		t.Fatalf("a third person reads it: %v", err)
	}
	// Léa answering the same way continues the same conversation.
	again, err := svc.Start(ctx, lea, paul, title, "Avec plaisir !", "https://alpha.localhost")
	if err != nil || again != id {
		t.Fatalf("second start: %d %v (first %d)", again, err, id)
	}
	if err := svc.ChooseHelper(ctx, id, paul); !errors.Is(err, conversation.ErrNotAllowed) {
		t.Errorf("choosing a helper without a post: %v", err)
	}
	if _, err := svc.Start(ctx, lea, lea, title, "Moi ?", "https://alpha.localhost"); !errors.Is(err, conversation.ErrNotAllowed) {
		t.Errorf("to oneself: %v", err)
	}
	if _, err := svc.Start(ctx, lea, 9999, title, "Allô ?", "https://alpha.localhost"); !errors.Is(err, conversation.ErrNotAllowed) {
		t.Errorf("to nobody: %v", err)
	}
	var fe invalid.Fields
	if _, err := svc.Start(ctx, lea, zoe, title, "  ", "https://alpha.localhost"); !errors.As(err, &fe) {
		t.Errorf("empty message: %v", err)
	}
}
