// Package news owns a portal's news feed ("actualités"): items written by
// référents and admins in a small, safe Markdown (see Render), each with an
// optional picture, and the département's social-watch alerts ("veille
// sociale"), which admins pin on top of the feed until they expire. The
// feed is also an Atom feed (Atom).
package news

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/rules"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// Kinds of item.
const (
	KindNews  = "actualite"
	KindAlert = "alerte"
)

// Limits.
const (
	titleMin, titleMax = 5, 120
	bodyMin, bodyMax   = 10, 20000
	altMin, altMax     = 3, 200
	// MaxImage is the largest picture accepted, in bytes.
	MaxImage = 1 << 20
	// MaxAlertDays is how long an alert may stay on top.
	MaxAlertDays = 90
)

// Errors.
var (
	ErrNotFound  = errors.New("news: no such item")
	ErrForbidden = errors.New("news: not allowed to publish")
)

// Item is one item of the feed.
type Item struct {
	ID          int64
	Kind        string
	Title       string
	Body        string
	AuthorID    int64
	AuthorName  string
	PublishedAt time.Time
	UpdatedAt   time.Time
	ExpiresAt   *time.Time
	HasImage    bool
	ImageAlt    string
}

// HTML is the item's text, rendered.
func (it Item) HTML() template.HTML { return Render(it.Body) }

// Pinned reports whether the item is an alert still in force at now.
func (it Item) Pinned(now time.Time) bool {
	return it.Kind == KindAlert && it.ExpiresAt != nil && now.Before(*it.ExpiresAt)
}

// Draft is what an author writes.
type Draft struct {
	Kind  string
	Title string
	Body  string
	// AlertDays is how many days an alert stays on top.
	AlertDays int
	// Image, if not empty, is the picture's bytes, with its description.
	Image    []byte
	ImageAlt string
}

// Authorizer is what news asks of authz.
type Authorizer interface {
	Can(ctx context.Context, userID int64, action authz.Action, target authz.Target) (bool, error)
}

// Service is the news feed.
type Service struct {
	db    *db.DB
	authz Authorizer
	rules map[tenant.Slug]*rules.Set
	now   func() time.Time
}

// New returns the service for the given portals.
func New(d *db.DB, a Authorizer, portals []*tenant.Tenant) *Service {
	s := &Service{db: d, authz: a, rules: map[tenant.Slug]*rules.Set{}, now: time.Now}
	for _, t := range portals {
		s.rules[t.Slug] = rules.New(t.Rules)
	}
	return s
}

// MayPublish reports whether the person may write news, and alerts.
func (s *Service) MayPublish(ctx context.Context, userID int64) (news, alerts bool, err error) {
	if news, err = s.authz.Can(ctx, userID, authz.ActPublishNews, authz.Target{}); err != nil {
		return false, false, err
	}
	alerts, err = s.authz.Can(ctx, userID, authz.ActPublishAlert, authz.Target{})
	return news, alerts, err
}

// Publish adds an item by authorID to the portal in ctx. The portal's
// rules apply to its words as to a post's (money where services are free,
// forbidden words); a picture must be a PNG, JPEG, WebP or GIF of at most
// MaxImage bytes, described for people who cannot see it.
func (s *Service) Publish(ctx context.Context, authorID int64, d Draft) (Item, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return Item{}, db.ErrNoTenant
	}
	action := authz.ActPublishNews
	if d.Kind == KindAlert {
		action = authz.ActPublishAlert
	}
	if d.Kind != KindNews && d.Kind != KindAlert {
		return Item{}, invalid.Fields{"kind": "news.error.kind"}
	}
	allowed, err := s.authz.Can(ctx, authorID, action, authz.Target{})
	if err != nil {
		return Item{}, fmt.Errorf("news: check author: %w", err)
	}
	if !allowed {
		return Item{}, ErrForbidden
	}
	contentType, errs := s.check(&d)
	if len(errs) > 0 {
		return Item{}, errs
	}
	if v := s.rules[t.Slug].Check(rules.Field{Name: "title", Text: d.Title}, rules.Field{Name: "body", Text: d.Body}); !v.Accepted() {
		return Item{}, &rules.Refused{Findings: v.Refused}
	}
	var expires *time.Time
	if d.Kind == KindAlert {
		e := s.now().Add(time.Duration(d.AlertDays) * 24 * time.Hour)
		expires = &e
	}
	var it Item
	err = s.db.Tx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, insertSQL, d.Kind, d.Title, d.Body, authorID, expires).Scan(&id); err != nil {
			return fmt.Errorf("news: save: %w", err)
		}
		if len(d.Image) > 0 {
			if _, err := tx.Exec(ctx, insertImageSQL, id, contentType, d.Image, d.ImageAlt); err != nil {
				return fmt.Errorf("news: save picture: %w", err)
			}
		}
		var err error
		it, _, err = scanItem(tx.QueryRow(ctx, byIDSQL, id))
		return err
	})
	return it, err
}

// check cleans a draft and says what is wrong with it, and the picture's
// type.
func (s *Service) check(d *Draft) (string, invalid.Fields) {
	errs := invalid.Fields{}
	d.Title = strings.Join(strings.Fields(d.Title), " ")
	d.Body = strings.TrimSpace(strings.ReplaceAll(d.Body, "\r\n", "\n"))
	d.ImageAlt = strings.Join(strings.Fields(d.ImageAlt), " ")
	if n := utf8.RuneCountInString(d.Title); n < titleMin || n > titleMax {
		errs["title"] = "news.error.title"
	}
	if n := utf8.RuneCountInString(d.Body); n < bodyMin || n > bodyMax || strings.IndexFunc(d.Body, badControl) >= 0 {
		errs["body"] = "news.error.body"
	}
	if d.Kind == KindAlert && (d.AlertDays < 1 || d.AlertDays > MaxAlertDays) {
		errs["days"] = "news.error.days"
	}
	contentType := ""
	if len(d.Image) > 0 {
		// The type is read from the bytes, never from what the browser
		// says; only pictures browsers show safely are kept (no SVG).
		contentType = http.DetectContentType(d.Image)
		switch {
		case len(d.Image) > MaxImage:
			errs["image"] = "news.error.image_size"
		case !slices.Contains([]string{"image/png", "image/jpeg", "image/webp", "image/gif"}, contentType):
			errs["image"] = "news.error.image_type"
		}
		if n := utf8.RuneCountInString(d.ImageAlt); n < altMin || n > altMax {
			errs["image_alt"] = "news.error.image_alt"
		}
	}
	return contentType, errs
}

func badControl(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }

// List returns a page of the feed, alerts in force first, and how many
// items there are.
func (s *Service) List(ctx context.Context, limit, offset int) ([]Item, int, error) {
	var out []Item
	total := 0
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, listSQL, limit, offset)
		if err != nil {
			return fmt.Errorf("news: list: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			it, n, err := scanItem(rows)
			if err != nil {
				return err
			}
			out, total = append(out, it), n
		}
		return rows.Err()
	})
	return out, total, err
}

// Get returns one item.
func (s *Service) Get(ctx context.Context, id int64) (Item, error) {
	var it Item
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		it, _, err = scanItem(tx.QueryRow(ctx, byIDSQL, id))
		return err
	})
	return it, err
}

// Image returns an item's picture and its type.
func (s *Service) Image(ctx context.Context, id int64) (string, []byte, error) {
	var contentType string
	var data []byte
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, imageSQL, id).Scan(&contentType, &data)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("news: picture %d: %w", id, err)
	}
	return contentType, bytes.Clone(data), nil
}

func scanItem(row pgx.Row) (Item, int, error) {
	var it Item
	var total int
	err := row.Scan(&it.ID, &it.Kind, &it.Title, &it.Body, &it.AuthorID, &it.AuthorName, &it.PublishedAt, &it.UpdatedAt,
		&it.ExpiresAt, &it.HasImage, &it.ImageAlt, &total)
	if errors.Is(err, pgx.ErrNoRows) {
		return Item{}, 0, ErrNotFound
	}
	if err != nil {
		return Item{}, 0, fmt.Errorf("news: read: %w", err)
	}
	return it, total, nil
}
