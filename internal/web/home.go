package web

import (
	"net/http"

	"github.com/entraide/entraide/internal/category"
	"github.com/entraide/entraide/internal/help"
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
	// Everything the page reads goes in one round trip to PostgreSQL:
	// the home page is the most visited.
	b := &pgx.Batch{}
	category.QueueActive(b, &v.Categories)
	if currentTenant(c).HasModule("entraide") {
		help.QueueHelpedCount(b, &v.Helped)
	}
	if err := s.DB.Read(c.Request.Context(), b); err != nil {
		s.renderError(c, err)
		return
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
