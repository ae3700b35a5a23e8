// Package conversation owns the private exchanges that follow a post:
// someone answers ("Je peux aider" on a request, "Ça m'intéresse" on an
// offer), and the two people talk. A conversation may also be about no
// post (Start), when neighbours who share an interest meet through their
// profiles. Only the two of them can read it; no
// contact detail is shown unless a person writes it themselves. The post's
// author then says who helps (the post goes "en cours"); closing it as done,
// with thanks, belongs to the help package.
package conversation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// SQL of the package, in one place.
const (
	postForAnswerSQL = `SELECT author_id, title, status, visibility FROM posts WHERE id = $1`

	findSQL = `SELECT id FROM conversations WHERE post_id = $1 AND responder_id = $2`

	startSQL = `
INSERT INTO conversations (post_id, post_title, author_id, responder_id) VALUES ($1, $2, $3, $4)
RETURNING id`

	// findDirectSQL finds the conversation two people already have, in
	// either direction, under the same title and about no post.
	findDirectSQL = `
SELECT id FROM conversations
 WHERE post_id IS NULL AND post_title = $3
   AND ((author_id = $1 AND responder_id = $2) OR (author_id = $2 AND responder_id = $1))
 ORDER BY id LIMIT 1`

	personSQL = `SELECT display_name FROM users WHERE id = $1`

	addMessageSQL = `INSERT INTO messages (conversation_id, sender_id, body) VALUES ($1, $2, $3)`

	// touchSQL moves the conversation up and marks it read by the sender.
	touchSQL = `
UPDATE conversations SET last_message_at = now(),
       author_read_at = CASE WHEN author_id = $2 THEN now() ELSE author_read_at END,
       responder_read_at = CASE WHEN responder_id = $2 THEN now() ELSE responder_read_at END
 WHERE id = $1`

	conversationColumns = `c.id, c.post_id, c.post_title, coalesce(c.author_id, 0), coalesce(c.responder_id, 0),
       coalesce(a.display_name, ''), coalesce(r.display_name, ''), c.last_message_at,
       c.author_read_at, c.responder_read_at`

	byIDSQL = `SELECT ` + conversationColumns + `
  FROM conversations c LEFT JOIN users a ON a.id = c.author_id LEFT JOIN users r ON r.id = c.responder_id
 WHERE c.id = $1 AND $2 IN (c.author_id, c.responder_id)`

	mineSQL = `SELECT ` + conversationColumns + `
  FROM conversations c LEFT JOIN users a ON a.id = c.author_id LEFT JOIN users r ON r.id = c.responder_id
 WHERE $1 IN (c.author_id, c.responder_id)
 ORDER BY c.last_message_at DESC LIMIT 100`

	messagesSQL = `
SELECT m.id, coalesce(m.sender_id, 0), coalesce(u.display_name, ''), m.body, m.created_at,
       m.hidden_at IS NOT NULL, m.hidden_reason
  FROM messages m LEFT JOIN users u ON u.id = m.sender_id
 WHERE m.conversation_id = $1 ORDER BY m.id`

	markReadSQL = `
UPDATE conversations SET
       author_read_at = CASE WHEN author_id = $2 THEN now() ELSE author_read_at END,
       responder_read_at = CASE WHEN responder_id = $2 THEN now() ELSE responder_read_at END
 WHERE id = $1`

	// chooseHelperSQL: the author says who helps, among the people they
	// talk with about this post; the post goes "en cours".
	recipientSQL = `SELECT email, display_name, locale FROM users WHERE id = $1`

	chooseHelperSQL = `
UPDATE posts SET helper_id = $3, status = 'en_cours', updated_at = now()
 WHERE id = $1 AND author_id = $2 AND status IN ('ouverte', 'en_cours')
   AND EXISTS (SELECT 1 FROM conversations WHERE post_id = $1 AND responder_id = $3)`
)

var (
	// ErrNotFound means no such conversation, or not one of this person's.
	ErrNotFound = errors.New("conversation: not found")
	// ErrNotAllowed means the post cannot be answered by this person now.
	ErrNotAllowed = errors.New("conversation: not allowed")
)

const maxBody = 4000

// Conversation is one exchange, seen by one of its two people.
type Conversation struct {
	ID            int64
	PostID        *int64
	PostTitle     string
	AuthorID      int64 // 0 once the account is deleted
	ResponderID   int64
	AuthorName    string
	ResponderName string
	LastMessageAt time.Time
	// Unread says whether the viewer has not read the latest message.
	Unread   bool
	Messages []Message
}

// Other is the viewer's counterpart's id and name.
func (c Conversation) Other(viewer int64) (int64, string) {
	if viewer == c.AuthorID {
		return c.ResponderID, c.ResponderName
	}
	return c.AuthorID, c.AuthorName
}

// Message is one message; SenderID 0 means the account was deleted.
type Message struct {
	ID         int64
	SenderID   int64
	SenderName string
	Body       string
	CreatedAt  time.Time
	// Hidden: a référent hid the message, for HiddenReason. Its Body is
	// empty unless the viewer sent it.
	Hidden       bool
	HiddenReason string
}

// Mailer sends one plain-text email from the portal in ctx.
type Mailer interface {
	Send(ctx context.Context, to, subject, text string) error
}

// Service is the conversation capability.
type Service struct {
	db       *db.DB
	mailer   Mailer
	messages *i18n.Bundle
}

// New returns the service; each new message is emailed to the other person.
func New(d *db.DB, mailer Mailer, messages *i18n.Bundle) *Service {
	return &Service{db: d, mailer: mailer, messages: messages}
}

// notify tells the other person of a conversation that a message arrived,
// with a link to read it on the site (the message itself stays there: an
// email is not private enough to carry it). direct: the conversation is
// about no post (or its post is gone), and the email does not name one.
func (s *Service) notify(ctx context.Context, convID, to int64, fromName, postTitle, baseURL string, direct bool) error {
	var email, name, locale string
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, recipientSQL, to).Scan(&email, &name, &locale)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // the account was deleted: nobody to tell
	}
	if err != nil {
		return fmt.Errorf("conversation: recipient: %w", err)
	}
	t, _ := tenant.FromContext(ctx)
	l := s.messages.For(locale)
	subject := l.T("email.new_message.subject", "Portal", t.Name, "Name", fromName)
	bodyID := "email.new_message.body"
	if direct {
		bodyID = "email.new_direct_message.body"
	}
	body := l.T(bodyID, "Name", name, "From", fromName, "Title", postTitle, "Portal", t.Name,
		"Link", fmt.Sprintf("%s/messages/%d", baseURL, convID))
	if err := s.mailer.Send(ctx, email, subject, body); err != nil {
		return fmt.Errorf("conversation: notify: %w", err)
	}
	return nil
}

// Answer starts (or continues) the conversation of responder about a post
// with a first message, and returns its id. The author cannot answer their
// own post; a post nobody may see, or that is finished, cannot be answered.
func (s *Service) Answer(ctx context.Context, postID, responderID int64, body, baseURL string) (int64, error) {
	body, err := cleanBody(body)
	if err != nil {
		return 0, err
	}
	var (
		id, notifyTo            int64
		notifyFrom, notifyTitle string
	)
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		var authorID int64
		var title, status, visibility string
		err := tx.QueryRow(ctx, postForAnswerSQL, postID).Scan(&authorID, &title, &status, &visibility)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotAllowed
		}
		if err != nil {
			return fmt.Errorf("conversation: read post: %w", err)
		}
		if authorID == responderID || visibility != "visible" || (status != "ouverte" && status != "en_cours") {
			return ErrNotAllowed
		}
		err = tx.QueryRow(ctx, findSQL, postID, responderID).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, startSQL, postID, title, authorID, responderID).Scan(&id)
		}
		if err != nil {
			return fmt.Errorf("conversation: start: %w", err)
		}
		if err := addMessage(ctx, tx, id, responderID, body); err != nil {
			return err
		}
		notifyTo, notifyTitle = authorID, title
		return tx.QueryRow(ctx, `SELECT display_name FROM users WHERE id = $1`, responderID).Scan(&notifyFrom)
	})
	if err != nil {
		return 0, err
	}
	return id, s.notify(ctx, id, notifyTo, notifyFrom, notifyTitle, baseURL, false)
}

// Start opens (or continues) a conversation from fromID to toID about no
// post, under a title both see (for example "Des voisins qui aiment
// aussi : cuisine"), with a first message, and returns its id. As every
// conversation, only the two people can read it. Whether fromID may write
// to toID is the caller's decision (a profile they may see).
func (s *Service) Start(ctx context.Context, fromID, toID int64, title, body, baseURL string) (int64, error) {
	body, err := cleanBody(body)
	if err != nil {
		return 0, err
	}
	title = strings.Join(strings.Fields(title), " ")
	if n := utf8.RuneCountInString(title); n == 0 || n > 100 {
		return 0, fmt.Errorf("conversation: title of %d characters", n)
	}
	if fromID == toID {
		return 0, ErrNotAllowed
	}
	var id int64
	var fromName string
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		var toName string
		err := tx.QueryRow(ctx, personSQL, toID).Scan(&toName)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrNotAllowed
		}
		if err != nil {
			return fmt.Errorf("conversation: read recipient: %w", err)
		}
		if err := tx.QueryRow(ctx, personSQL, fromID).Scan(&fromName); err != nil {
			return fmt.Errorf("conversation: read sender: %w", err)
		}
		err = tx.QueryRow(ctx, findDirectSQL, toID, fromID, title).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			err = tx.QueryRow(ctx, startSQL, nil, title, toID, fromID).Scan(&id)
		}
		if err != nil {
			return fmt.Errorf("conversation: start: %w", err)
		}
		return addMessage(ctx, tx, id, fromID, body)
	})
	if err != nil {
		return 0, err
	}
	return id, s.notify(ctx, id, toID, fromName, title, baseURL, true)
}

// Send adds a message from senderID, who must be one of the two people.
// It returns the conversation (to notify the other person).
func (s *Service) Send(ctx context.Context, convID, senderID int64, body, baseURL string) (Conversation, error) {
	body, err := cleanBody(body)
	if err != nil {
		return Conversation{}, err
	}
	var c Conversation
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		if c, err = scanConversation(tx.QueryRow(ctx, byIDSQL, convID, senderID), senderID); err != nil {
			return err
		}
		// A conversation whose other person deleted their account is read-only.
		if other, _ := c.Other(senderID); other == 0 {
			return ErrNotAllowed
		}
		return addMessage(ctx, tx, convID, senderID, body)
	})
	if err != nil {
		return Conversation{}, err
	}
	to, _ := c.Other(senderID)
	_, fromName := c.Other(to)
	return c, s.notify(ctx, convID, to, fromName, c.PostTitle, baseURL, c.PostID == nil)
}

func addMessage(ctx context.Context, tx pgx.Tx, convID, senderID int64, body string) error {
	if _, err := tx.Exec(ctx, addMessageSQL, convID, senderID, body); err != nil {
		return fmt.Errorf("conversation: add message: %w", err)
	}
	if _, err := tx.Exec(ctx, touchSQL, convID, senderID); err != nil {
		return fmt.Errorf("conversation: touch: %w", err)
	}
	return nil
}

// Get returns a conversation with its messages, if viewer is one of its two
// people, and marks it read by them. Anyone else gets ErrNotFound.
func (s *Service) Get(ctx context.Context, convID, viewer int64) (Conversation, error) {
	var c Conversation
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		var err error
		if c, err = scanConversation(tx.QueryRow(ctx, byIDSQL, convID, viewer), viewer); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, messagesSQL, convID)
		if err != nil {
			return fmt.Errorf("conversation: messages: %w", err)
		}
		c.Messages, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Message, error) {
			var m Message
			err := r.Scan(&m.ID, &m.SenderID, &m.SenderName, &m.Body, &m.CreatedAt, &m.Hidden, &m.HiddenReason)
			// A message a référent hid is shown to its sender only, with
			// the reason; the other person sees that it was hidden.
			if m.Hidden && m.SenderID != viewer {
				m.Body = ""
			}
			return m, err
		})
		if err != nil {
			return fmt.Errorf("conversation: messages: %w", err)
		}
		_, err = tx.Exec(ctx, markReadSQL, convID, viewer)
		return err
	})
	return c, err
}

// Mine lists the viewer's conversations, most recent first.
func (s *Service) Mine(ctx context.Context, viewer int64) ([]Conversation, error) {
	var out []Conversation
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, mineSQL, viewer)
		if err != nil {
			return fmt.Errorf("conversation: list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			c, err := scanConversation(rows, viewer)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// ChooseHelper records, from one of the post author's conversations, that
// the other person is the one who helps; the post goes "en cours". Only
// the post's author may; a conversation whose post is gone changes nothing.
func (s *Service) ChooseHelper(ctx context.Context, convID, authorID int64) error {
	var c Conversation
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = scanConversation(tx.QueryRow(ctx, byIDSQL, convID, authorID), authorID)
		return err
	})
	if err != nil {
		return err
	}
	if c.PostID == nil || c.AuthorID != authorID {
		return ErrNotAllowed
	}
	return s.exec(ctx, chooseHelperSQL, *c.PostID, authorID, c.ResponderID)
}

func (s *Service) exec(ctx context.Context, sql string, args ...any) error {
	return s.db.Tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return fmt.Errorf("conversation: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return ErrNotAllowed
		}
		return nil
	})
}

func scanConversation(row pgx.Row, viewer int64) (Conversation, error) {
	var c Conversation
	var authorRead, responderRead *time.Time
	err := row.Scan(&c.ID, &c.PostID, &c.PostTitle, &c.AuthorID, &c.ResponderID, &c.AuthorName, &c.ResponderName,
		&c.LastMessageAt, &authorRead, &responderRead)
	if errors.Is(err, pgx.ErrNoRows) {
		return Conversation{}, ErrNotFound
	}
	if err != nil {
		return Conversation{}, fmt.Errorf("conversation: read: %w", err)
	}
	read := responderRead
	if viewer == c.AuthorID {
		read = authorRead
	}
	c.Unread = read == nil || read.Before(c.LastMessageAt)
	return c, nil
}

func cleanBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	n := utf8.RuneCountInString(body)
	if n == 0 || n > maxBody || strings.IndexFunc(body, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
		return "", invalid.Fields{"body": "conversation.error.body"}
	}
	return body, nil
}
