package main

import (
	"context"
	"fmt"
	"io"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/profile"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
)

// demoCommunity gives a demo portal with the modules "profils" and
// "forum" (Tous voisins 44) Léa's and Paul's opted-in profiles, which
// share "cuisine", and a forum thread by Léa with Paul's reply. It is
// idempotent: profiles are saved to the same values, and the thread is
// written only on a forum that has none.
func demoCommunity(ctx context.Context, t *tenant.Tenant, accounts *account.Service, forums *forum.Service,
	profiles *profile.Service, stdout io.Writer) error {
	lea, err := accounts.ByEmail(ctx, "lea@"+t.Hosts[0])
	if err != nil {
		return fmt.Errorf("demo %s: Léa: %w", t.Slug, err)
	}
	paul, err := accounts.ByEmail(ctx, "paul@"+t.Hosts[0])
	if err != nil {
		return fmt.Errorf("demo %s: Paul: %w", t.Slug, err)
	}
	if t.HasModule("profils") {
		edits := []struct {
			id int64
			e  profile.Edit
		}{
			{lea.ID, profile.Edit{Public: true, Listed: listed(t, "cuisine", "jardinage"),
				Offer: "J'aime cuisiner pour plusieurs. Je peux montrer comment faire une soupe ou une tarte."}},
			{paul.ID, profile.Edit{Public: true, Listed: listed(t, "cuisine", "marche"),
				Offer: "Je connais bien le quartier. Je peux accompagner une balade, ou cuisiner à plusieurs."}},
		}
		for _, x := range edits {
			if _, err := profiles.Save(ctx, x.id, x.e); err != nil {
				return fmt.Errorf("demo %s: profile: %w", t.Slug, err)
			}
		}
	}
	if t.HasModule("forum") {
		_, total, err := forums.List(ctx, 0, forum.Filter{})
		if err != nil {
			return err
		}
		if total == 0 {
			th, err := forums.CreateThread(ctx, lea.ID, forum.Draft{Category: categoryOr(t, "partage_savoir_faire", 0),
				Title: "Des recettes de saison à partager ?", CommuneCode: lea.CommuneCode,
				Body: "Bonjour à tous. Avec les légumes du marché, je cherche des idées simples. Vous avez une recette à partager ?"})
			if err != nil {
				return fmt.Errorf("demo %s: thread: %w", t.Slug, err)
			}
			if th.Visibility == forum.VisibilityVisible {
				if _, err := forums.Reply(ctx, th.ID, paul.ID, "Une soupe de potimarron avec un peu de lait de coco. Facile et pas chère !", 0,
					"http://"+t.Hosts[0]); err != nil {
					return fmt.Errorf("demo %s: reply: %w", t.Slug, err)
				}
			}
		}
	}
	if t.HasModule("profils") || t.HasModule("forum") {
		fmt.Fprintf(stdout, "demo   %-16s Léa and Paul share « cuisine »; a forum thread with a reply\n", t.Slug)
	}
	return nil
}

// listed keeps the codes the portal lists.
func listed(t *tenant.Tenant, codes ...string) []string {
	var out []string
	for _, c := range codes {
		if _, ok := t.Interest(c); ok {
			out = append(out, c)
		}
	}
	return out
}

// neighbourOf is the most populated commune of home's EPCI other than
// home (home itself when it is alone), so that demo people live close
// enough to be suggested to each other.
func neighbourOf(atlas *territory.Atlas, communes []territory.Commune, home string) string {
	epci, _ := atlas.EPCIOfCommune(home)
	best := territory.Commune{Code: home}
	for _, c := range communes {
		if c.Code != home && c.EPCI == epci && c.Population > best.Population {
			best = c
		}
	}
	return best.Code
}
