package web

import (
	"net/http"

	"github.com/entraide/entraide/internal/category"
	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"
)

// homeView is what the portal's home page shows.
type homeView struct {
	Heading    string
	Categories []category.Category
	// Helped is the count of "coups de main": posts that ended with help.
	Helped int
}

// home is the portal's front page: what the portal is, its rules in plain
// words, and the kinds of help it offers, read from the portal's own schema.
func (s *Server) home(c *gin.Context) {
	var v homeView
	err := s.DB.ReadTx(c.Request.Context(), func(tx pgx.Tx) error {
		var err error
		v.Categories, err = category.ListActive(c.Request.Context(), tx)
		return err
	})
	if err != nil {
		s.renderError(c, err)
		return
	}
	if currentTenant(c).HasModule("entraide") {
		if v.Helped, err = s.Help.HelpedCount(c.Request.Context()); err != nil {
			s.renderError(c, err)
			return
		}
	}
	s.showHome(c, &v)
}

// showHome draws the home page from what was read. It is apart from home
// so that the rendering benchmark measures exactly what a request pays for
// the page once its data is at hand.
func (s *Server) showHome(c *gin.Context, v *homeView) {
	// The document title is the portal's name alone; the heading greets.
	p := s.page(c, "", v)
	v.Heading = p.L.T("home.title", "Portal", p.Portal.Name)
	s.render(c, http.StatusOK, "home", p)
}
