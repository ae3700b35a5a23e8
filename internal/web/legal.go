package web

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// legal shows the portal's legal notice (mentions légales), written in its
// theme: each département publishes its own.
func (s *Server) legal(c *gin.Context) {
	p := s.page(c, "", nil)
	p.Title = p.L.T("legal.title")
	var paragraphs []string
	if p.Theme != nil {
		paragraphs = p.Theme.Manifest.Legal.Paragraphs(p.L.Lang)
	}
	p.Data = paragraphs
	s.render(c, http.StatusOK, "legal", p)
}
