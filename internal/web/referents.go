package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/entraide/entraide/internal/referents"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/gin-gonic/gin"
)

// directoryView is the référents page: a map of the intercommunalités and
// the same in words, by territory and by theme.
type directoryView struct {
	Map    territory.Map
	Places []placeReferents
	Themes []themeReferents
}

// placeReferents is one EPCI, on the map and in the list.
type placeReferents struct {
	territory.EPCI
	Path      string
	X, Y      float64
	Referents []referents.Referent
}

type themeReferents struct {
	Category  tenant.Category
	Referents []referents.Referent
}

func (s *Server) referentsPage(c *gin.Context) {
	all, err := s.Referents.Directory(c.Request.Context())
	if err != nil {
		s.renderError(c, err)
		return
	}
	t := currentTenant(c)
	v := &directoryView{}
	m, _ := s.Atlas.Map(t.Departement)
	v.Map = m
	paths := map[string]territory.MapEPCI{}
	for _, e := range m.EPCIs {
		paths[e.Code] = e
	}
	for _, e := range s.Atlas.EPCIs(t.Departement) {
		p := placeReferents{EPCI: e, Referents: referents.Covering(all, e.Code)}
		if me, ok := paths[e.Code]; ok {
			p.Path, p.X, p.Y = me.Path, me.X, me.Y
		}
		v.Places = append(v.Places, p)
	}
	slices.SortFunc(v.Places, func(a, b placeReferents) int { return strings.Compare(a.Name, b.Name) })
	for _, cat := range t.Categories {
		v.Themes = append(v.Themes, themeReferents{Category: cat, Referents: referents.ForTheme(all, cat.Code)})
	}
	s.render(c, http.StatusOK, "referents", s.page(c, localizer(c, s).T("referents.title"), v))
}
