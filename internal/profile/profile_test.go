package profile_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/profile"
	"github.com/entraide/entraide/internal/rules"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5"
)

type person struct {
	name, commune, epci string
	interests           []string
	public              bool
}

// Where the people live: Nantes and Saint-Herblain share Nantes Métropole,
// Chaumes-en-Retz is in a bordering EPCI, Saint-Nazaire (CARENE) is not.
var people = []person{
	{"Léa", "44109", "244400404", []string{"cuisine", "jardinage"}, true},         // 1
	{"Paul", "44162", "244400404", []string{"cuisine", "marche"}, true},           // 2
	{"Max", "44005", "200067346", []string{"cuisine", "jardinage", "vélo"}, true}, // 3: neighbouring EPCI, two shared
	{"Zoé", "44184", "244400644", []string{"cuisine"}, true},                      // 4: too far
	{"Nina", "44109", "244400404", []string{"cuisine"}, false},                    // 5: did not opt in
	{"Omar", "44109", "244400404", []string{"lecture"}, true},                     // 6: nothing shared
}

func setup(t *testing.T) (*testutil.Env, *profile.Service, context.Context, context.Context) {
	t.Helper()
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	for _, p := range []*tenant.Tenant{alpha, beta} {
		p.Interests = []tenant.Interest{
			{Code: "cuisine", Label: tenant.Text{"fr": "Cuisine", "en": "Cooking"}},
			{Code: "jardinage", Label: tenant.Text{"fr": "Jardinage", "en": "Gardening"}},
		}
	}
	alpha.Rules.ForbiddenWords = []string{"carte bancaire"}
	env := testutil.NewEnv(t, alpha, beta)
	atlas, err := territory.Load()
	if err != nil {
		t.Fatal(err)
	}
	svc := profile.New(profile.Deps{DB: env.DB, Neighbours: atlas.Neighbours, Portals: env.Registry.All()})
	a, b := env.Ctx(t, "alpha"), env.Ctx(t, "beta")
	for _, ctx := range []context.Context{a, b} {
		for i, p := range people {
			public := p.public
			if ctx == b {
				public = true // on beta everyone opted in: none of it may show on alpha
			}
			err := env.DB.Tx(ctx, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code, interests, profile_public, email_confirmed_at)
VALUES ($1, $1, $2, 'x', $3, $4, $5, $6, now())`, string(rune('a'+i))+"@exemple.fr", p.name, p.commune, p.epci, p.interests, public)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return env, svc, a, b
}

// A profile is seen by its owner, and by other signed-in people of the
// portal only once its owner opted in.
func TestVisibility(t *testing.T) {
	_, svc, alpha, beta := setup(t)
	tests := []struct {
		viewer, id int64
		sees       bool
	}{
		{1, 2, true},  // a public profile
		{5, 5, true},  // one's own, not public
		{1, 5, false}, // not opted in
		{0, 2, false}, // a visitor
		{1, 99, false},
	}
	for _, tc := range tests {
		_, err := svc.Get(alpha, tc.viewer, tc.id)
		if tc.sees != (err == nil) || !tc.sees && !errors.Is(err, profile.ErrNotFound) {
			t.Errorf("%d sees %d: %v, want %v", tc.viewer, tc.id, err, tc.sees)
		}
	}
	// Opting out hides it at once.
	if _, err := svc.Save(alpha, 2, profile.Edit{Public: false, Listed: []string{"cuisine"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Get(alpha, 1, 2); !errors.Is(err, profile.ErrNotFound) {
		t.Errorf("an opted-out profile is still shown: %v", err)
	}
	// Nina is public on beta: that says nothing on alpha.
	if p, err := svc.Get(beta, 1, 5); err != nil || !p.Public {
		t.Fatalf("beta's Nina: %+v %v", p, err)
	}
	if _, err := svc.Get(alpha, 1, 5); !errors.Is(err, profile.ErrNotFound) {
		t.Error("alpha shows Nina because she is public on beta")
	}
}

// Neighbours who opted in and share interests are suggested, most shared
// first; nobody too far, not opted in, or sharing nothing.
func TestSuggest(t *testing.T) {
	_, svc, alpha, _ := setup(t)
	got, err := svc.Suggest(alpha, 1, profile.SuggestionLimit)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.DisplayName)
	}
	if !slices.Equal(names, []string{"Max", "Paul"}) {
		t.Fatalf("Léa's suggestions: %v, want Max (two shared, next door) then Paul", names)
	}
	if !slices.Equal(got[0].Shared, []string{"cuisine", "jardinage"}) || got[0].SameEPCI || !got[1].SameEPCI ||
		!slices.Equal(got[1].Shared, []string{"cuisine"}) {
		t.Errorf("suggestions: %+v", got)
	}
	// Nina did not opt in: she is not suggested, and sees nobody.
	if got, err := svc.Suggest(alpha, 5, 10); err != nil || len(got) != 0 {
		t.Errorf("Nina's suggestions: %v %v", got, err)
	}
	// Once she opts in, Léa sees her, and she sees Léa and Paul.
	if _, err := svc.Save(alpha, 5, profile.Edit{Public: true, Listed: []string{"cuisine"}}); err != nil {
		t.Fatal(err)
	}
	got, _ = svc.Suggest(alpha, 1, 10)
	if len(got) != 3 {
		t.Errorf("Léa's suggestions after Nina opted in: %+v", got)
	}
	got, _ = svc.Suggest(alpha, 5, 10)
	if len(got) != 3 || got[0].DisplayName != "Léa" {
		t.Errorf("Nina's suggestions: %+v", got)
	}
}

// Saving: interests from the list and own words, one list without
// duplicates; the text under the portal's rules.
func TestSave(t *testing.T) {
	_, svc, alpha, _ := setup(t)
	p, err := svc.Save(alpha, 6, profile.Edit{Public: true, Listed: []string{"jardinage", "cuisine"}, Tags: " Cuisine, Jeux  de cartes,,lecture ",
		Offer: "Je peux lire le journal à voix haute."})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Interests, []string{"jardinage", "cuisine", "jeux de cartes", "lecture"}) || p.Offer == "" || !p.Public {
		t.Fatalf("saved: %+v", p)
	}
	alphaPortal, _ := tenant.FromContext(alpha)
	if l := p.Listed(alphaPortal); len(l) != 2 || !slices.Equal(p.Tags(alphaPortal), []string{"jeux de cartes", "lecture"}) {
		t.Errorf("listed %v, tags %v", l, p.Tags(alphaPortal))
	}
	var fe invalid.Fields
	if _, err := svc.Save(alpha, 6, profile.Edit{Listed: []string{"astrologie"}, Offer: string(make([]rune, 501))}); !errors.As(err, &fe) ||
		fe["interests"] == "" || fe["offer"] == "" {
		t.Errorf("bad edit: %v", err)
	}
	var refused *rules.Refused
	if _, err := svc.Save(alpha, 6, profile.Edit{Offer: "Je fais vos courses pour 10 € de l'heure."}); !errors.As(err, &refused) || refused.Findings[0].Match != "10 €" {
		t.Errorf("money: %v", err)
	}
	if _, err := svc.Save(alpha, 6, profile.Edit{Tags: "carte bancaire"}); !errors.As(err, &refused) {
		t.Errorf("forbidden word in a tag: %v", err)
	}
}
