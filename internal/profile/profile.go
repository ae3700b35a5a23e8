// Package profile owns interest profiles: what a person likes (interests
// from the portal's list and their own words) and what they offer, shown
// to the other signed-in people of the portal once the person opts in, and
// "Des voisins qui aiment aussi…": the opted-in people of the same
// intercommunalité and the bordering ones, ranked by shared interests.
//
// A profile holds a display name, a commune, interests and a short text.
// There is no field for age, gender, job or family status, and there will
// not be: people meet here through what they like to do.
//
// Interests live in users.interests, one list for the portal's codes and
// free tags, lower-cased, so a tag "cuisine" typed at registration and the
// listed "cuisine" are the same interest.
package profile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/rules"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// Limits of a profile.
const (
	maxInterests      = 20
	maxInterestLength = 30
	maxOffer          = 500
	// SuggestionLimit is how many neighbours a profile page suggests.
	SuggestionLimit = 10
)

// ErrNotFound means no such profile, or one the viewer may not see.
var ErrNotFound = errors.New("profile: not found")

// Profile is a person's profile.
type Profile struct {
	ID          int64
	DisplayName string
	CommuneCode string
	EPCICode    string
	// Interests are the portal's codes and free tags, as stored.
	Interests []string
	Offer     string
	// Public: the person opted in to show it and be suggested.
	Public bool
}

// Listed and Tags split the interests between the portal's list (codes)
// and the person's own words.
func (p Profile) Listed(t *tenant.Tenant) []tenant.Interest {
	var out []tenant.Interest
	for _, code := range p.Interests {
		if in, ok := t.Interest(code); ok {
			out = append(out, in)
		}
	}
	return out
}

// Tags are the interests that are not in the portal's list.
func (p Profile) Tags(t *tenant.Tenant) []string {
	var out []string
	for _, code := range p.Interests {
		if _, ok := t.Interest(code); !ok {
			out = append(out, code)
		}
	}
	return out
}

// Edit is what a person changes on their profile.
type Edit struct {
	Public bool
	// Listed are codes of the portal's interests.
	Listed []string
	// Tags are the person's own words, comma-separated.
	Tags  string
	Offer string
}

// Suggestion is a neighbour who shares interests.
type Suggestion struct {
	Profile
	// Shared are the interests in common, as stored.
	Shared []string
	// SameEPCI: they live in the same intercommunalité.
	SameEPCI bool
}

// Deps are what the service needs.
type Deps struct {
	DB *db.DB
	// Neighbours lists the EPCIs that border one (territory data).
	Neighbours func(epci string) []string
	Portals    []*tenant.Tenant
}

// Service is the profile capability.
type Service struct {
	db         *db.DB
	neighbours func(string) []string
	rules      map[tenant.Slug]*rules.Set
}

// New returns the service; each portal's rule set is built once here.
func New(d Deps) *Service {
	s := &Service{db: d.DB, neighbours: d.Neighbours, rules: map[tenant.Slug]*rules.Set{}}
	for _, t := range d.Portals {
		s.rules[t.Slug] = rules.New(t.Rules)
	}
	return s
}

// Get returns id's profile as viewerID sees it: their own always, another
// person's only when it is public and both are signed in to this portal
// (viewerID 0, a visitor, sees none).
func (s *Service) Get(ctx context.Context, viewerID, id int64) (Profile, error) {
	if viewerID == 0 {
		return Profile{}, ErrNotFound
	}
	var p Profile
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		var err error
		p, err = scan(tx.QueryRow(ctx, profileSQL, id, viewerID))
		return err
	})
	return p, err
}

// Save changes userID's profile. Interests must come from the portal's
// list or be short tags; the text goes through the portal's rules.
func (s *Service) Save(ctx context.Context, userID int64, e Edit) (Profile, error) {
	t, ok := tenant.FromContext(ctx)
	if !ok {
		return Profile{}, db.ErrNoTenant
	}
	errs := invalid.Fields{}
	interests := []string{}
	for _, code := range e.Listed {
		if _, ok := t.Interest(code); !ok {
			errs["interests"] = "profile.error.interests"
			continue
		}
		if !slices.Contains(interests, code) {
			interests = append(interests, code)
		}
	}
	for _, part := range strings.Split(e.Tags, ",") {
		tag := strings.ToLower(strings.Join(strings.Fields(part), " "))
		if tag == "" || slices.Contains(interests, tag) {
			continue
		}
		if utf8.RuneCountInString(tag) > maxInterestLength || strings.IndexFunc(tag, unicode.IsControl) >= 0 {
			errs["tags"] = "profile.error.tags"
		}
		interests = append(interests, tag)
	}
	if len(interests) > maxInterests {
		errs["tags"] = "profile.error.tags"
	}
	e.Offer = strings.TrimSpace(strings.ReplaceAll(e.Offer, "\r\n", "\n"))
	if utf8.RuneCountInString(e.Offer) > maxOffer ||
		strings.IndexFunc(e.Offer, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) >= 0 {
		errs["offer"] = "profile.error.offer"
	}
	if len(errs) > 0 {
		return Profile{}, errs
	}
	set, ok := s.rules[t.Slug]
	if !ok {
		return Profile{}, fmt.Errorf("profile: no rules for portal %s", t.Slug)
	}
	// Flag words do not apply: nobody moderates profiles, and the text
	// is read only by signed-in neighbours the person chose to show it to.
	if v := set.Check(rules.Field{Name: "offer", Text: e.Offer}, rules.Field{Name: "tags", Text: strings.Join(interests, ", ")}); len(v.Refused) > 0 {
		return Profile{}, &rules.Refused{Findings: v.Refused}
	}
	var p Profile
	err := s.db.Tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, saveSQL, userID, e.Public, interests, e.Offer); err != nil {
			return fmt.Errorf("profile: save: %w", err)
		}
		var err error
		p, err = scan(tx.QueryRow(ctx, profileSQL, userID, userID))
		return err
	})
	return p, err
}

// Suggest lists the opted-in people of userID's intercommunalité and the
// bordering ones who share at least one interest with them, most shared
// interests first, then the same intercommunalité first. Someone who did
// not opt in gets no suggestions: being suggested goes both ways.
func (s *Service) Suggest(ctx context.Context, userID int64, limit int) ([]Suggestion, error) {
	var out []Suggestion
	err := s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		me, err := scan(tx.QueryRow(ctx, profileSQL, userID, userID))
		if err != nil {
			return err
		}
		if !me.Public || len(me.Interests) == 0 {
			return nil
		}
		epcis := append([]string{me.EPCICode}, s.neighbours(me.EPCICode)...)
		rows, err := tx.Query(ctx, suggestSQL, userID, me.Interests, epcis, me.EPCICode, limit)
		if err != nil {
			return fmt.Errorf("profile: suggest: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Suggestion, error) {
			var sg Suggestion
			err := row.Scan(&sg.ID, &sg.DisplayName, &sg.CommuneCode, &sg.EPCICode, &sg.Interests, &sg.Offer, &sg.Public, &sg.Shared)
			sg.SameEPCI = sg.EPCICode == me.EPCICode
			return sg, err
		})
		if err != nil {
			return fmt.Errorf("profile: read suggestions: %w", err)
		}
		return nil
	})
	return out, err
}

// Shared returns the interests a and b have in common, in a's order.
func Shared(a, b Profile) []string {
	var out []string
	for _, i := range a.Interests {
		if slices.Contains(b.Interests, i) {
			out = append(out, i)
		}
	}
	return out
}

func scan(row pgx.Row) (Profile, error) {
	var p Profile
	err := row.Scan(&p.ID, &p.DisplayName, &p.CommuneCode, &p.EPCICode, &p.Interests, &p.Offer, &p.Public)
	if errors.Is(err, pgx.ErrNoRows) {
		return Profile{}, ErrNotFound
	}
	if err != nil {
		return Profile{}, fmt.Errorf("profile: read: %w", err)
	}
	return p, nil
}
