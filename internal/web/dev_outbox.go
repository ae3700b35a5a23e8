package web

import (
	"errors"
	"net/http"

	"github.com/entraide/entraide/internal/mail"
	"github.com/gin-gonic/gin"
)

// The development outbox: every email the portal "sent" when no SMTP
// server is configured. Only mounted with dev on, and each portal sees only
// its own messages.

func (s *Server) devOutbox(c *gin.Context) {
	entries, err := s.Outbox.List(c.Request.Context(), currentTenant(c).Slug, 100)
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.render(c, http.StatusOK, "dev_outbox", s.page(c, localizer(c, s).T("dev.outbox.title"), entries))
}

func (s *Server) devOutboxMessage(c *gin.Context) {
	e, err := s.Outbox.Read(c.Request.Context(), currentTenant(c).Slug, c.Param("id"))
	if errors.Is(err, mail.ErrNotFound) {
		s.renderError(c, errNotFound)
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.render(c, http.StatusOK, "dev_outbox_message", s.page(c, e.Subject, e))
}
