package moderation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/entraide/entraide/internal/tenant"
)

// notice is an email to write once a decision is saved: to the author
// (published, hidden, restored, deleted, retitled, warned, suspended,
// lifted) or to a reporter (report_kept, report_removed).
type notice struct {
	to     recipient
	kind   string
	item   Item
	reason string
	until  time.Time
}

// link is where the email points: the post or the conversation for its
// author, the account page for a suspension, the portal otherwise.
func (n notice) link(baseURL string) string {
	switch {
	case n.kind == "deleted" || n.kind == "report_kept" || n.kind == "report_removed":
		return baseURL + "/"
	case n.kind == "warned" || n.kind == "suspended" || n.kind == "lifted":
		return baseURL + "/compte"
	case n.item.Kind == KindMessage:
		return fmt.Sprintf("%s/messages/%d", baseURL, n.item.ConversationID)
	case n.item.Kind == KindEvent:
		return fmt.Sprintf("%s/agenda/%d", baseURL, n.item.ID)
	case n.item.Kind == KindForumThread:
		return fmt.Sprintf("%s/forum/sujets/%d", baseURL, n.item.ID)
	case n.item.Kind == KindForumReply:
		return fmt.Sprintf("%s/forum/sujets/%d#reponse-%d", baseURL, n.item.ThreadID, n.item.ID)
	default:
		return fmt.Sprintf("%s/annonces/%d", baseURL, n.item.ID)
	}
}

// send writes the notices, each in its reader's language. The decision is
// already saved: a failure is returned as *NotifyError after trying every
// notice.
func (s *Service) send(ctx context.Context, notes []notice, baseURL string) error {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return &NotifyError{Err: errors.New("no portal in context")}
	}
	var errs []error
	for _, n := range notes {
		if n.to.email == "" {
			continue
		}
		locale := n.to.locale
		if locale == "" {
			locale = t.Locales.Default
		}
		l := s.messages.For(locale)
		pairs := []any{"Name", n.to.name, "Portal", t.Name, "Title", n.item.Title, "Reason", n.reason, "Link", n.link(baseURL)}
		if n.item.Kind != "" {
			pairs = append(pairs, "What", l.T("email.moderation.what."+n.item.Kind, "Title", n.item.Title))
		}
		if !n.until.IsZero() {
			pairs = append(pairs, "Until", l.DateTime(n.until))
		}
		subject := l.T("email.moderation."+n.kind+".subject", "Portal", t.Name)
		body := l.T("email.moderation."+n.kind+".body", pairs...)
		if err := s.mailer.Send(ctx, n.to.email, subject, body); err != nil {
			errs = append(errs, fmt.Errorf("tell %s: %w", n.kind, err))
		}
	}
	if len(errs) > 0 {
		err := &NotifyError{Err: errors.Join(errs...)}
		s.log.ErrorContext(ctx, "moderation: decision saved but not all emails were queued", "error", err)
		return err
	}
	return nil
}
