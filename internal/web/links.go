package web

import (
	"net/http"
	"net/url"

	"github.com/entraide/entraide/internal/tenant"
	"github.com/gin-gonic/gin"
)

// linksView is the useful links page: the portal's links grouped by
// theme, general ones first.
type linksView struct {
	Groups []linkGroup
}

type linkGroup struct {
	// Category is nil for the general links.
	Category *tenant.Category
	Links    []linkView
}

type linkView struct {
	tenant.Link
	// Site is the address's host, said next to the link so people know
	// where it leads before they follow it.
	Site string
}

func (s *Server) linksPage(c *gin.Context) {
	t := currentTenant(c)
	v := &linksView{}
	add := func(cat *tenant.Category, theme string) {
		g := linkGroup{Category: cat}
		for _, l := range t.Links {
			if l.Theme == theme {
				u, _ := url.Parse(l.URL) // checked when the portal was loaded
				g.Links = append(g.Links, linkView{Link: l, Site: u.Host})
			}
		}
		if len(g.Links) > 0 {
			v.Groups = append(v.Groups, g)
		}
	}
	add(nil, "")
	for i := range t.Categories {
		add(&t.Categories[i], t.Categories[i].Code)
	}
	s.render(c, http.StatusOK, "links", s.page(c, localizer(c, s).T("links.title"), v))
}
