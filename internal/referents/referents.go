// Package referents owns the public directory of a portal's référents:
// who covers which intercommunalité (référents de territoire) and which
// theme (référents thématiques), for residents to find the person to turn
// to. Who holds the roles is authz's; names and communes are the accounts'.
package referents

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/db"
	"github.com/jackc/pgx/v5"
)

// peopleSQL reads the public part of the référents' accounts.
const peopleSQL = `SELECT id, display_name, commune_code FROM users WHERE id = ANY ($1)`

// Referent is one person of the directory.
type Referent struct {
	UserID      int64
	Name        string
	CommuneCode string
	// EPCIs are the intercommunalités they cover (référent de territoire),
	// Themes the categories (référent thématique); one person may be both.
	EPCIs  []string
	Themes []string
}

// Holders is what the directory asks of authz.
type Holders interface {
	Holders(ctx context.Context, roles ...authz.Role) ([]authz.Holder, error)
}

// Service is the directory.
type Service struct {
	db      *db.DB
	holders Holders
}

// New returns the directory.
func New(d *db.DB, h Holders) *Service { return &Service{db: d, holders: h} }

// Directory lists the référents of the portal in ctx, by name.
func (s *Service) Directory(ctx context.Context) ([]Referent, error) {
	hs, err := s.holders.Holders(ctx, authz.RoleReferentTerritoire, authz.RoleReferentThematique)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*Referent{}
	var ids []int64
	for _, h := range hs {
		r, ok := byID[h.UserID]
		if !ok {
			r = &Referent{UserID: h.UserID}
			byID[h.UserID] = r
			ids = append(ids, h.UserID)
		}
		if h.Role == authz.RoleReferentTerritoire {
			r.EPCIs = append(r.EPCIs, h.Scopes...)
		} else {
			r.Themes = append(r.Themes, h.Scopes...)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var out []Referent
	err = s.db.ReadTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, peopleSQL, ids)
		if err != nil {
			return fmt.Errorf("referents: read people: %w", err)
		}
		var id int64
		var name, commune string
		_, err = pgx.ForEachRow(rows, []any{&id, &name, &commune}, func() error {
			r := byID[id]
			r.Name, r.CommuneCode = name, commune
			out = append(out, *r)
			return nil
		})
		if err != nil {
			return fmt.Errorf("referents: read people: %w", err)
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Referent) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID)) })
	return out, err
}

// Covering returns the référents de territoire of an EPCI.
func Covering(all []Referent, epci string) []Referent {
	var out []Referent
	for _, r := range all {
		if slices.Contains(r.EPCIs, epci) {
			out = append(out, r)
		}
	}
	return out
}

// ForTheme returns the référents thématiques of a category.
func ForTheme(all []Referent, theme string) []Referent {
	var out []Referent
	for _, r := range all {
		if slices.Contains(r.Themes, theme) {
			out = append(out, r)
		}
	}
	return out
}
