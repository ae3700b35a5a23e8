package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/entraide/entraide/internal/report"
	"github.com/gin-gonic/gin"
)

// reportView is the report form's data: what is reported and where to go
// back to.
type reportView struct {
	Kind    string // post or message
	ID      int64
	Back    string
	Reasons []string
}

func (s *Server) reportTarget(c *gin.Context) (*reportView, bool) {
	kind := c.Query("type")
	if c.Request.Method == http.MethodPost {
		kind = c.PostForm("type")
	}
	idText := c.Query("id")
	if c.Request.Method == http.MethodPost {
		idText = c.PostForm("id")
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || (kind != "post" && kind != "message") {
		s.renderError(c, errNotFound)
		return nil, false
	}
	back := "/messages"
	if kind == "post" {
		back = "/annonces/" + strconv.FormatInt(id, 10)
	}
	return &reportView{Kind: kind, ID: id, Back: back, Reasons: report.Reasons}, true
}

func (s *Server) reportForm(c *gin.Context) {
	v, ok := s.reportTarget(c)
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "report", s.page(c, localizer(c, s).T("report.title"), v))
}

func (s *Server) sendReport(c *gin.Context) {
	v, ok := s.reportTarget(c)
	if !ok {
		return
	}
	f := readForm(c, "reason", "details")
	err := s.Reports.Report(c.Request.Context(), currentUser(c).ID, v.Kind, v.ID, f.Value("reason"), f.Value("details"))
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, v.Back+"?fait=signale")
	case errors.Is(err, report.ErrNotFound):
		s.renderError(c, errNotFound)
	case s.applyError(c, f, err):
		p := s.page(c, localizer(c, s).T("report.title"), v)
		p.Form = f
		s.render(c, http.StatusUnprocessableEntity, "report", p)
	default:
		s.renderError(c, err)
	}
}
