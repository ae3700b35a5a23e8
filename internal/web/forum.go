package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/gin-gonic/gin"
)

// The forum's pages (module "forum"): the themes and threads, a thread
// with its replies, a new thread, a reply (quoting another with
// ?citer=<id>, no JavaScript needed), following a thread. Anyone reads;
// writing needs an account that is not suspended.

// forumCategory is one theme of the forum with its count.
type forumCategory struct {
	tenant.Category
	forum.CategoryCount
}

// forumView is the forum's home page.
type forumView struct {
	Categories []forumCategory
	// Theme is the theme listed ("" for all).
	Theme   string
	Threads []forum.Thread
	Total   int
	pageLinks
}

func (s *Server) forumHome(c *gin.Context) {
	ctx := c.Request.Context()
	t := currentTenant(c)
	theme := c.Query("theme")
	if theme != "" && !slices.ContainsFunc(t.Categories, func(x tenant.Category) bool { return x.Code == theme }) {
		s.renderError(c, errNotFound)
		return
	}
	counts, err := s.Forum.Counts(ctx)
	if err != nil {
		s.renderError(c, err)
		return
	}
	page := pageParam(c)
	threads, total, err := s.Forum.List(ctx, viewerID(c), forum.Filter{Category: theme, Page: page})
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &forumView{Theme: theme, Threads: threads, Total: total}
	for _, cat := range t.Categories {
		v.Categories = append(v.Categories, forumCategory{cat, counts[cat.Code]})
	}
	q := url.Values{}
	if theme != "" {
		q.Set("theme", theme)
	}
	v.pageLinks = newPageLinks("/forum", q, page, total, forum.PerPage)
	s.render(c, http.StatusOK, "forum", s.page(c, localizer(c, s).T("forum.title"), v))
}

// viewerID is the signed-in person's id, 0 for a visitor.
func viewerID(c *gin.Context) int64 {
	if u := currentUser(c); u != nil {
		return u.ID
	}
	return 0
}

var forumThreadFields = []string{"category", "title", "body", "commune", "commune_code"}

// forumNewView is the new thread form's data.
type forumNewView struct{ Choices []territory.Commune }

func (s *Server) forumNewForm(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	f := &form{values: map[string]string{"category": c.Query("theme")}, errors: map[string]string{}}
	p := s.page(c, localizer(c, s).T("forum.new.title"), &forumNewView{})
	p.Form = f
	s.render(c, http.StatusOK, "forum_new", p)
}

func (s *Server) forumCreate(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	l := localizer(c, s)
	f := readForm(c, forumThreadFields...)
	v := &forumNewView{}
	code := ""
	if f.Value("commune") != "" || f.Value("commune_code") != "" {
		var problem string
		code, v.Choices, problem = s.findCommune(c, f.Value("commune"), f.Value("commune_code"))
		if problem != "" {
			f.fail("commune", l.T(problem))
		}
	}
	if f.ok() {
		th, err := s.Forum.CreateThread(c.Request.Context(), currentUser(c).ID, forum.Draft{
			Category: f.Value("category"), Title: f.Value("title"), Body: f.Value("body"), CommuneCode: code})
		if err == nil {
			notice := "sujet"
			if th.Visibility == forum.VisibilityPending {
				notice = "sujet-en-attente"
			}
			c.Redirect(http.StatusSeeOther, "/forum/sujets/"+strconv.FormatInt(th.ID, 10)+"?fait="+notice)
			return
		}
		if !s.forumFormError(c, f, err) {
			return
		}
	}
	p := s.page(c, l.T("forum.new.title"), v)
	p.Form = f
	s.render(c, http.StatusUnprocessableEntity, "forum_new", p)
}

// forumFormError puts a forum service error on the form, or renders the
// error page and reports false.
func (s *Server) forumFormError(c *gin.Context, f *form, err error) bool {
	switch {
	case s.applyError(c, f, err):
		return true
	default:
		s.renderError(c, forumError(err))
		return false
	}
}

// forumError maps the forum's errors to the web layer's.
func forumError(err error) error {
	switch {
	case errors.Is(err, forum.ErrNotFound):
		return errNotFound
	case errors.Is(err, forum.ErrSuspended):
		return errSuspended
	case errors.Is(err, forum.ErrNotAllowed):
		return errForbidden
	}
	return err
}

// forumThreadView is a thread page's data.
type forumThreadView struct {
	Thread forum.Thread
	Mine   bool
	// Quoting is the reply the reply form quotes (?citer=), nil for none.
	Quoting *forum.Reply
}

func (s *Server) forumThread(c *gin.Context) {
	s.showForumThread(c, http.StatusOK, nil)
}

// showForumThread renders a thread, with the refused reply form f.
func (s *Server) showForumThread(c *gin.Context, status int, f *form) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	viewer := viewerID(c)
	th, err := s.Forum.Get(c.Request.Context(), id, viewer)
	if err != nil {
		s.renderError(c, forumError(err))
		return
	}
	v := &forumThreadView{Thread: th, Mine: viewer != 0 && viewer == th.AuthorID}
	quote := atoiOr(c.Query("citer"), 0)
	if f != nil {
		quote = atoiOr(f.Value("quote"), 0)
	}
	for i, r := range th.Messages {
		if int(r.ID) == quote && !r.Hidden {
			v.Quoting = &th.Messages[i]
		}
	}
	p := s.page(c, th.Title, v)
	p.Form = f
	s.render(c, status, "forum_thread", p)
}

func (s *Server) forumReply(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	f := readForm(c, "body", "quote")
	r, err := s.Forum.Reply(c.Request.Context(), id, currentUser(c).ID, f.Value("body"), int64(atoiOr(f.Value("quote"), 0)), s.baseURL(c))
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/forum/sujets/"+strconv.FormatInt(id, 10)+"?fait=reponse#reponse-"+strconv.FormatInt(r.ID, 10))
	case r.ID != 0:
		// Saved, but the subscribers' emails could not all be queued.
		logger(c).Error("forum: reply saved, notification failed", "error", err)
		c.Redirect(http.StatusSeeOther, "/forum/sujets/"+strconv.FormatInt(id, 10)+"?fait=reponse#reponse-"+strconv.FormatInt(r.ID, 10))
	case s.forumFormError(c, f, err):
		s.showForumThread(c, http.StatusUnprocessableEntity, f)
	}
}

// forumFollow starts or stops the emails of a thread's new replies.
func (s *Server) forumFollow(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	on := c.PostForm("action") != "arreter"
	if err := s.Forum.Subscribe(c.Request.Context(), id, currentUser(c).ID, on); err != nil {
		s.renderError(c, forumError(err))
		return
	}
	notice := map[bool]string{true: "suivi", false: "plus-suivi"}[on]
	c.Redirect(http.StatusSeeOther, "/forum/sujets/"+strconv.FormatInt(id, 10)+"?fait="+notice)
}
