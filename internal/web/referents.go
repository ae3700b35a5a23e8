package web

import (
	"net/http"
	"slices"
	"strconv"
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

// referentView is the page to write to a référent.
type referentView struct {
	Referent referents.Referent
}

// referentTarget finds the référent of the path, or answers 404: only
// people of the directory are reached this way.
func (s *Server) referentTarget(c *gin.Context) (referents.Referent, bool) {
	id, ok := s.idParam(c)
	if !ok {
		return referents.Referent{}, false
	}
	all, err := s.Referents.Directory(c.Request.Context())
	if err != nil {
		s.renderError(c, err)
		return referents.Referent{}, false
	}
	i := slices.IndexFunc(all, func(r referents.Referent) bool { return r.UserID == id })
	if i < 0 || id == currentUser(c).ID {
		s.renderError(c, errNotFound)
		return referents.Referent{}, false
	}
	return all[i], true
}

func (s *Server) referentWriteForm(c *gin.Context) {
	r, ok := s.referentTarget(c)
	if !ok {
		return
	}
	l := localizer(c, s)
	s.render(c, http.StatusOK, "referent_write", s.page(c, l.T("referents.write", "Name", r.Name), &referentView{Referent: r}))
}

// referentWrite starts a private conversation with a référent: the contact
// route of the directory.
func (s *Server) referentWrite(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	r, ok := s.referentTarget(c)
	if !ok {
		return
	}
	l := localizer(c, s)
	f := readForm(c, "body")
	conv, err := s.Conversations.Start(c.Request.Context(), currentUser(c).ID, r.UserID,
		l.T("referents.conversation_title", "Name", r.Name), f.Value("body"), s.baseURL(c))
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/messages/"+strconv.FormatInt(conv, 10)+"?fait=envoye")
	case s.applyError(c, f, err):
		p := s.page(c, l.T("referents.write", "Name", r.Name), &referentView{Referent: r})
		p.Form = f
		s.render(c, http.StatusUnprocessableEntity, "referent_write", p)
	default:
		s.renderError(c, err)
	}
}
