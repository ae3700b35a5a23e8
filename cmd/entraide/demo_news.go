package main

import (
	"context"
	"fmt"
	"io"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/news"
	"github.com/entraide/entraide/internal/tenant"
)

// demoNews gives a portal with the news module an alert and a news item,
// written by its demo admin through the news service, once: only while
// its feed is empty.
func demoNews(ctx context.Context, stdout io.Writer, accounts *account.Service, feed *news.Service, t *tenant.Tenant) error {
	if !t.HasModule("actualites") {
		return nil
	}
	if _, total, err := feed.List(ctx, 1, 0); err != nil || total > 0 {
		return err
	}
	admin, err := accounts.ByEmail(ctx, "admin@"+t.Hosts[0])
	if err != nil {
		return fmt.Errorf("demo %s: admin: %w", t.Slug, err)
	}
	for _, d := range []news.Draft{
		{Kind: news.KindAlert, AlertDays: 30, Title: "Grand froid : restons attentifs",
			Body: "Il fait très froid cette semaine.\n\n- Prenez des nouvelles de vos voisins âgés ou seuls.\n- Si vous voyez une personne dehors, appelez le **115** (gratuit, jour et nuit)."},
		{Kind: news.KindNews, Title: "Bienvenue sur " + t.Name,
			Body: "Ce site sert à s'entraider entre voisins, **gratuitement**.\n\nDemandez un coup de main ou proposez le vôtre. Les référents sont là pour vous aider : [voir qui ils sont](/referents)."},
	} {
		if _, err := feed.Publish(ctx, admin.ID, d); err != nil {
			return fmt.Errorf("demo %s: news %q: %w", t.Slug, d.Title, err)
		}
	}
	fmt.Fprintf(stdout, "demo   %-16s an alert and a news item\n", t.Slug)
	return nil
}
