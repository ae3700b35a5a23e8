package moderation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// apply makes the change a decision asks for, logs it, settles the item's
// reports when the decision settles it, and returns who to tell. It runs
// in the decision's transaction, with the item locked.
func (s *Service) apply(ctx context.Context, tx pgx.Tx, moderatorID int64, it Item, d Decision) ([]notice, error) {
	name, err := moderatorName(ctx, tx, moderatorID)
	if err != nil {
		return nil, err
	}
	e := entry{moderatorID: moderatorID, moderatorName: name, action: d.Action, kind: it.Kind, targetID: it.ID,
		label: it.Title, personID: it.PersonID, personName: it.PersonName, epci: it.EPCI, category: it.Category,
		reason: d.Reason}
	if d.Action.settles() {
		e.queuedSince = it.Since
	}
	author := recipient{email: it.personEmail, name: it.PersonName, locale: it.personLocale}
	tell := func(kind string) []notice {
		if it.PersonID == 0 {
			return nil
		}
		return []notice{{to: author, kind: kind, item: it, reason: d.Reason}}
	}

	var notes []notice
	q := kindSQLs[it.Kind]
	switch d.Action {
	case Approve:
		if q.approve != "" {
			if err := exec(ctx, tx, q.approve, it.ID); err != nil {
				return nil, err
			}
			if it.Visibility == "en_attente" {
				notes = tell("published")
				if it.Forum() {
					notes = tell("published_forum")
				}
				if it.Kind == KindEvent {
					notes = tell("published_event")
				}
			}
		}
	case Hide:
		if err := exec(ctx, tx, q.hide, it.ID, d.Reason); err != nil {
			return nil, err
		}
		notes = tell("hidden")
	case Restore:
		if err := exec(ctx, tx, q.restore, it.ID); err != nil {
			return nil, err
		}
		notes = tell("restored")
	case Delete:
		// The log keeps the title, not the text: deleting is for what
		// must not be kept.
		if err := exec(ctx, tx, deletePostSQL, it.ID); err != nil {
			return nil, err
		}
		notes = tell("deleted")
	case EditTitle:
		// The old title is not logged: it is replaced because it exposes
		// personal data.
		if err := exec(ctx, tx, editTitleSQL, it.ID, d.Title); err != nil {
			return nil, err
		}
		e.label, e.detail = d.Title, d.Title
		n := tell("retitled")
		for i := range n {
			n[i].item.Title = d.Title
		}
		notes = n
	case Warn:
		notes = tell("warned")
	case Suspend:
		until := s.now().Add(time.Duration(d.Days) * 24 * time.Hour).Truncate(time.Minute)
		if err := exec(ctx, tx, suspendSQL, it.PersonID, until, d.Reason); err != nil {
			return nil, err
		}
		e.detail = strconv.Itoa(d.Days) + " j, " + until.UTC().Format(time.RFC3339)
		n := tell("suspended")
		for i := range n {
			n[i].until = until
		}
		notes = n
	default:
		return nil, ErrNotApplicable
	}

	id, err := insertEntry(ctx, tx, e)
	if err != nil {
		return nil, err
	}
	if !d.Action.settles() {
		return notes, nil
	}
	reporters, err := closeReports(ctx, tx, it.Kind, it.ID, id)
	if err != nil {
		return nil, err
	}
	people, err := recipients(ctx, tx, reporters)
	if err != nil {
		return nil, err
	}
	outcome := "kept"
	if d.Action == Hide || d.Action == Delete {
		outcome = "removed"
	}
	for _, p := range people {
		notes = append(notes, notice{to: p, kind: "report_" + outcome, item: it})
	}
	return notes, nil
}

// lift ends a suspension and logs it.
func (s *Service) lift(ctx context.Context, tx pgx.Tx, moderatorID int64, p suspension, d Decision) ([]notice, error) {
	name, err := moderatorName(ctx, tx, moderatorID)
	if err != nil {
		return nil, err
	}
	if err := exec(ctx, tx, liftSQL, p.id); err != nil {
		return nil, err
	}
	_, err = insertEntry(ctx, tx, entry{moderatorID: moderatorID, moderatorName: name, action: Lift, kind: KindPerson,
		targetID: p.id, label: p.name, personID: p.id, personName: p.name, epci: p.epci, category: p.category,
		reason: d.Reason})
	if err != nil {
		return nil, err
	}
	return []notice{{to: recipient{email: p.email, name: p.name, locale: p.locale}, kind: "lifted", reason: d.Reason}}, nil
}

func moderatorName(ctx context.Context, tx pgx.Tx, id int64) (string, error) {
	var name string
	err := tx.QueryRow(ctx, moderatorNameSQL, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrForbidden
	}
	if err != nil {
		return "", fmt.Errorf("moderation: moderator's name: %w", err)
	}
	return name, nil
}

func exec(ctx context.Context, tx pgx.Tx, query string, args ...any) error {
	if _, err := tx.Exec(ctx, query, args...); err != nil {
		return fmt.Errorf("moderation: apply: %w", err)
	}
	return nil
}
