package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/territory"
	"github.com/gin-gonic/gin"
)

// requireModule answers 404 on a portal that did not enable the module,
// as if the pages did not exist there.
func (s *Server) requireModule(name string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !currentTenant(c).HasModule(name) {
			s.renderError(c, errNotFound)
			return
		}
		c.Next()
	}
}

// postsView is the list page's data.
type postsView struct {
	Filter help.Filter
	Posts  []help.Post
	Total  int
	// Pages is how many pages there are, 0 when more than MaxCounted
	// posts match: the count stopped there (help.Filter.CountAll).
	Pages int
	// MaxCounted is help.MaxCounted, for the words "more than …".
	MaxCounted int
	// PrevURL and NextURL keep the filters; empty at either end.
	PrevURL, NextURL string
}

func (s *Server) postsList(c *gin.Context) {
	page := pageParam(c)
	f := help.Filter{Kind: c.Query("type"), Category: c.Query("categorie"), EPCI: c.Query("territoire"), Query: c.Query("q"), Date: c.Query("date"), Page: page}
	// Near: the territory subdomain's EPCI, else the signed-in person's.
	if e := currentTerritory(c); e != nil {
		f.Near = e.Code
		if c.Query("territoire") == "" && c.Request.URL.RawQuery == "" {
			f.EPCI = e.Code
		}
	} else if u := currentUser(c); u != nil {
		f.Near = u.EPCICode
	}
	posts, total, err := s.listPosts(c, f)
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.showPosts(c, f, posts, total)
}

// showPosts draws one page of the list from what was read. It is apart
// from postsList so that the rendering benchmark measures exactly what a
// request pays for the page once its posts are at hand.
func (s *Server) showPosts(c *gin.Context, f help.Filter, posts []help.Post, total int) {
	v := &postsView{Filter: f, Posts: posts, Total: total, MaxCounted: help.MaxCounted}
	if total <= help.MaxCounted {
		v.Pages = (total + help.PerPage - 1) / help.PerPage
	}
	q := c.Request.URL.Query()
	if f.Page > 1 {
		q.Set("page", strconv.Itoa(f.Page-1))
		v.PrevURL = "/annonces?" + q.Encode()
	}
	if total > f.Page*help.PerPage {
		q.Set("page", strconv.Itoa(f.Page+1))
		v.NextURL = "/annonces?" + q.Encode()
	}
	s.render(c, http.StatusOK, "posts", s.page(c, localizer(c, s).T("post.list.title"), v))
}

// postFormView is the data of the post form, for a new post or an edit.
type postFormView struct {
	Choices []territory.Commune
	// Action is where the form posts; Heading and Submit its words.
	Action, Heading, Submit string
}

func (s *Server) newPostView(c *gin.Context) *postFormView {
	l := localizer(c, s)
	return &postFormView{Action: "/annonces/nouvelle", Heading: l.T("post.new.title"), Submit: l.T("post.new.submit")}
}

func (s *Server) editPostView(c *gin.Context) *postFormView {
	l := localizer(c, s)
	return &postFormView{Action: "/annonces/" + c.Param("id") + "/modifier", Heading: l.T("post.edit.title"), Submit: l.T("post.edit.submit")}
}

var postFields = []string{"kind", "category", "title", "description", "commune", "commune_code", "when", "date_from", "date_to", "recurrence", "urgent"}

func (s *Server) newPostForm(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	u := currentUser(c)
	f := &form{values: map[string]string{"kind": c.DefaultQuery("type", help.KindRequest), "when": "souple"}, errors: map[string]string{}}
	if cm, ok := s.Atlas.Commune(u.CommuneCode); ok {
		f.values["commune"] = cm.Name
		f.values["commune_code"] = cm.Code
	}
	v := s.newPostView(c)
	p := s.page(c, v.Heading, v)
	p.Form = f
	s.render(c, http.StatusOK, "post_new", p)
}

// editPostForm shows the author's post in the post form.
func (s *Server) editPostForm(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	post, err := s.Help.Get(c.Request.Context(), id, currentUser(c).ID)
	if errors.Is(err, help.ErrNotFound) {
		s.renderError(c, errNotFound)
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	if post.AuthorID != currentUser(c).ID {
		s.renderError(c, errForbidden)
		return
	}
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02")
	}
	urgent := ""
	if post.Urgent {
		urgent = "1"
	}
	f := &form{values: map[string]string{
		"kind": post.Kind, "category": post.Category, "title": post.Title, "description": post.Description,
		"commune": s.communeName(post.CommuneCode), "commune_code": post.CommuneCode, "modes": strings.Join(post.Modes, ","),
		"when": post.WhenKind, "date_from": day(post.DateFrom), "date_to": day(post.DateTo), "recurrence": post.Recurrence, "urgent": urgent,
	}, errors: map[string]string{}}
	v := s.editPostView(c)
	p := s.page(c, v.Heading, v)
	p.Form = f
	s.render(c, http.StatusOK, "post_new", p)
}

func (s *Server) createPost(c *gin.Context) { s.savePost(c, 0) }

func (s *Server) updatePost(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	s.savePost(c, id)
}

// savePost creates (id 0) or updates a post from the form; both go through
// the same validation and rules.
func (s *Server) savePost(c *gin.Context, id int64) {
	if s.refuseSuspended(c) {
		return
	}
	u := currentUser(c)
	l := localizer(c, s)
	f := readForm(c, postFields...)
	f.values["modes"] = strings.Join(c.PostFormArray("modes"), ",")
	view := s.newPostView(c)
	if id != 0 {
		view = s.editPostView(c)
	}
	code, choices, problem := s.findCommune(c, f.Value("commune"), f.Value("commune_code"))
	if problem != "" {
		f.fail("commune", l.T(problem))
		view.Choices = choices
	}
	if f.ok() {
		ok, err := s.Authz.Can(c.Request.Context(), u.ID, authz.ActPost, authz.Target{Commune: code, Category: f.Value("category")})
		switch {
		case err != nil && !errors.Is(err, authz.ErrUnknownCommune):
			s.renderError(c, err)
			return
		case err == nil && !ok:
			s.renderError(c, errForbidden)
			return
		}
		d := help.Draft{
			Kind: f.Value("kind"), Category: f.Value("category"), Title: f.Value("title"), Description: f.Value("description"),
			CommuneCode: code, Modes: c.PostFormArray("modes"), WhenKind: f.Value("when"),
			DateFrom: f.Value("date_from"), DateTo: f.Value("date_to"), Recurrence: f.Value("recurrence"), Urgent: f.Value("urgent") != "",
		}
		post, err := s.Help.Save(c.Request.Context(), u.ID, id, d)
		switch {
		case err == nil:
			notice := map[bool]string{true: "publiee", false: "modifiee"}[id == 0]
			if post.Visibility == help.VisibilityPending {
				notice = "en-attente"
			}
			c.Redirect(http.StatusSeeOther, "/annonces/"+strconv.FormatInt(post.ID, 10)+"?fait="+notice)
			return
		case errors.Is(err, help.ErrNotAllowed):
			s.renderError(c, errForbidden)
			return
		case !s.applyError(c, f, err):
			s.renderError(c, err)
			return
		}
	}
	p := s.page(c, view.Heading, view)
	p.Form = f
	s.render(c, http.StatusUnprocessableEntity, "post_new", p)
}

// refuseSuspended stops a suspended person at the door of a form or an
// API call, saying why, and reports whether it did.
func (s *Server) refuseSuspended(c *gin.Context) bool {
	u := currentUser(c)
	if u == nil || !u.SuspendedNow(time.Now()) {
		return false
	}
	s.renderError(c, errSuspended)
	return true
}

// postView is a post page's data.
type postView struct {
	Post    help.Post
	Commune string
	Mine    bool
	// AnswerError: the answer sent was empty or too long.
	AnswerError bool
	// Matches are posts that fit this one, shown to its author.
	Matches []help.Post
}

// matchLimit is how many fitting posts the author sees and may notify.
const matchLimit = 5

func (s *Server) showPost(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	var viewer int64
	if u := currentUser(c); u != nil {
		viewer = u.ID
	}
	post, err := s.Help.Get(c.Request.Context(), id, viewer)
	if errors.Is(err, help.ErrNotFound) {
		s.renderError(c, errNotFound)
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &postView{Post: post, Commune: s.communeName(post.CommuneCode), Mine: viewer != 0 && viewer == post.AuthorID,
		AnswerError: c.Query("erreur") == "message"}
	if v.Mine && post.Status == help.StatusOpen && post.Visibility == help.VisibilityVisible {
		if v.Matches, err = s.Help.Suggest(c.Request.Context(), post, matchLimit); err != nil {
			s.renderError(c, err)
			return
		}
	}
	s.render(c, http.StatusOK, "post", s.page(c, post.Title, v))
}

// changePost renews or closes the signed-in person's own post.
func (s *Server) changePost(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	u := currentUser(c)
	notice := "prolongee"
	var err error
	switch action := c.PostForm("action"); action {
	case "prolonger":
		err = s.Help.Renew(c.Request.Context(), u.ID, id)
	case "prevenir":
		err = s.Help.NotifyMatches(c.Request.Context(), u.ID, id, matchLimit, s.baseURL(c))
		notice = "prevenus"
	case help.StatusDone, help.StatusWithdrawn:
		err = s.Help.Close(c.Request.Context(), u.ID, id, action, c.PostForm("thanks"))
		notice = "fermee"
	default:
		err = help.ErrNotAllowed
	}
	switch {
	case errors.Is(err, help.ErrNotAllowed):
		s.renderError(c, errForbidden)
	case err != nil:
		s.renderError(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/annonces/"+url.PathEscape(c.Param("id"))+"?fait="+notice)
	}
}

type myPostsView struct{ Posts []help.Post }

func (s *Server) myPosts(c *gin.Context) {
	posts, err := s.Help.ByAuthor(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.render(c, http.StatusOK, "my_posts", s.page(c, localizer(c, s).T("post.mine.title"), &myPostsView{Posts: posts}))
}

// communeName shows a commune by name, or its code if unknown.
func (s *Server) communeName(code string) string {
	if cm, ok := s.Atlas.Commune(code); ok {
		return cm.Name
	}
	return code
}
