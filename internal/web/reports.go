package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/entraide/entraide/internal/report"
	"github.com/gin-gonic/gin"
)

// reportModules says which module each kind of report belongs to: on a
// portal without it, reporting answers 404 like the module's pages.
var reportModules = map[string]string{
	report.KindPost: "entraide", report.KindMessage: "entraide",
	report.KindForumThread: "forum", report.KindForumReply: "forum",
}

// reportView is the report form's data: what is reported and where to go
// back to.
type reportView struct {
	Kind    string // one of the report package's kinds
	ID      int64
	Back    string
	Reasons []string
}

// Thread is the forum thread a reported reply belongs to, taken from the
// way back (0 otherwise).
func (v *reportView) Thread() string {
	if t, ok := strings.CutPrefix(v.Back, "/forum/sujets/"); ok {
		return t
	}
	return ""
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
	module, known := reportModules[kind]
	if err != nil || !known || !currentTenant(c).HasModule(module) {
		s.renderError(c, errNotFound)
		return nil, false
	}
	back := "/messages"
	switch kind {
	case report.KindPost:
		back = "/annonces/" + strconv.FormatInt(id, 10)
	case report.KindForumThread:
		back = "/forum/sujets/" + strconv.FormatInt(id, 10)
	case report.KindForumReply:
		// The thread comes with the link, only to go back to it.
		back = "/forum"
		thread := c.Query("sujet")
		if c.Request.Method == http.MethodPost {
			thread = c.PostForm("sujet")
		}
		if n, err := strconv.ParseInt(thread, 10, 64); err == nil && n > 0 {
			back = "/forum/sujets/" + strconv.FormatInt(n, 10)
		}
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
