package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/jackc/pgx/v5"
)

// demoCommune is a commune of each shipped portal's département.
var demoCommune = map[string]string{"calvados": "14118", "lozere": "48095", "tousvoisins44": "44109", "alpha": "44109", "beta": "44109"}

// resident creates a confirmed account on a portal with SQL, living in the
// portal's demo commune, and returns its id and a session token.
func (f *fixture) resident(t *testing.T, slug, name string) (int64, string) {
	t.Helper()
	ctx := f.env.Ctx(t, slug)
	commune, ok := f.deps.Atlas.Commune(demoCommune[slug])
	if !ok {
		t.Fatalf("no demo commune for %s", slug)
	}
	email := strings.ToLower(strings.NewReplacer("é", "e", "è", "e", " ", ".").Replace(name)) + "@exemple.fr"
	var id int64
	err := f.env.DB.Tx(ctx, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, email_confirmed_at)
VALUES ($1, $1, $2, 'x', $3, $4, now()) RETURNING id`, email, name, commune.Code, commune.EPCI).Scan(&id)
	})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := f.deps.Sessions.Create(ctx, id, "test", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return id, token
}

// sameIDResidents creates Léa Martin on alpha and Paul Durand on beta,
// who have the same id in their portals' schemas: what a test of a cache
// keyed by id needs to show that one portal's row never answers for the
// other's. It returns that id and their session tokens.
func (f *fixture) sameIDResidents(t *testing.T) (id int64, alphaToken, betaToken string) {
	t.Helper()
	alphaID, alphaToken := f.resident(t, "alpha", "Léa Martin")
	betaID, betaToken := f.resident(t, "beta", "Paul Durand")
	if alphaID != betaID {
		t.Fatalf("the test wants the same id on both portals, got %d and %d", alphaID, betaID)
	}
	return alphaID, alphaToken, betaToken
}

// seedPosts publishes n posts of the author through the service, as the
// form would, in the portal's categories in turn.
func (f *fixture) seedPosts(t *testing.T, slug string, authorID int64, n int) []help.Post {
	t.Helper()
	var out []help.Post
	for i := range n {
		out = append(out, f.publish(t, slug, authorID, i, fmt.Sprintf("Coup de main numéro %d près de chez moi", i+1)))
	}
	return out
}

// publish publishes the i-th post of a series under title, through the
// service, as the form would.
func (f *fixture) publish(t *testing.T, slug string, authorID int64, i int, title string) help.Post {
	t.Helper()
	ctx := f.env.Ctx(t, slug)
	portal, _ := f.env.Registry.BySlug(tenant.Slug(slug))
	kind := []string{"demande", "proposition"}[i%2]
	p, err := f.deps.Help.Create(ctx, authorID, help.Draft{
		Kind: kind, Category: portal.Categories[i%len(portal.Categories)].Code,
		Title:       title,
		Description: "Je cherche quelqu'un pour m'aider une heure le samedi matin. Merci d'avance à qui pourra venir.",
		CommuneCode: demoCommune[slug], Modes: []string{"sur_place"}, WhenKind: "souple", Urgent: i%5 == 0,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
