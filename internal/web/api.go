package web

import (
	_ "embed"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/conversation"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/entraide/entraide/internal/report"
	"github.com/entraide/entraide/internal/rules"
	"github.com/gin-gonic/gin"
)

// The JSON API offers the same actions as the pages, through the same
// services: the same rules, the same messages (in the Accept-Language of
// the caller), the same portal from the host. Callers sign in with a
// personal token ("Authorization: Bearer ent_…") or the session cookie plus
// the X-CSRF-Token header on changes. Every route is described in
// openapi.json, and a test fails if one is not.

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) apiRoutes(api *gin.RouterGroup) {
	api.GET("/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPIDoc) })
	api.GET("/categories", s.apiCategories)
	api.GET("/posts", s.requireModule("entraide"), s.apiListPosts)
	api.GET("/posts/:id", s.requireModule("entraide"), s.apiGetPost)

	auth := api.Group("", s.apiRequireUser)
	auth.GET("/me", s.apiMe)
	auth.POST("/posts", s.requireModule("entraide"), s.apiCreatePost)
	auth.PUT("/posts/:id", s.requireModule("entraide"), s.apiUpdatePost)
	auth.POST("/posts/:id/renew", s.requireModule("entraide"), s.apiChangePost("renew"))
	auth.POST("/posts/:id/close", s.requireModule("entraide"), s.apiChangePost("close"))
	auth.POST("/posts/:id/answers", s.requireModule("entraide"), s.apiAnswer)
	auth.GET("/conversations", s.requireModule("entraide"), s.apiConversations)
	auth.GET("/conversations/:id", s.requireModule("entraide"), s.apiConversation)
	auth.POST("/conversations/:id/messages", s.requireModule("entraide"), s.apiSend)
	auth.POST("/conversations/:id/helper", s.requireModule("entraide"), s.apiChooseHelper)
	auth.POST("/reports", s.apiReport)
	s.apiForumRoutes(api, auth)
	s.apiProfileRoutes(auth)
	s.apiModerationRoutes(auth)

	s.eventsAPIRoutes(api, auth)
}

func (s *Server) apiRequireUser(c *gin.Context) {
	if currentUser(c) == nil {
		s.renderError(c, errNeedSignIn)
		return
	}
	c.Next()
}

// apiFail answers a service error: field errors and rule refusals as 422
// with a message per field, the rest through the one error renderer.
func (s *Server) apiFail(c *gin.Context, err error) {
	l := localizer(c, s)
	fields := map[string]string{}
	var fe invalid.Fields
	var refused *rules.Refused
	var th *account.Throttled
	switch {
	case errors.As(err, &fe):
		for k, id := range fe {
			fields[k] = l.T(id)
		}
	case errors.As(err, &refused):
		for _, f := range refused.Findings {
			fields[f.Field] = l.T(f.MessageID, "Match", f.Match)
		}
	case errors.As(err, &th):
		s.renderError(c, rateLimited{retryIn: th.RetryIn})
		return
	case errors.Is(err, help.ErrNotFound), errors.Is(err, conversation.ErrNotFound), errors.Is(err, report.ErrNotFound),
		errors.Is(err, errNotFound):
		s.renderError(c, errNotFound)
		return
	case errors.Is(err, help.ErrNotAllowed), errors.Is(err, conversation.ErrNotAllowed), errors.Is(err, errForbidden):
		s.renderError(c, errForbidden)
		return
	default:
		s.renderError(c, err)
		return
	}
	c.AbortWithStatusJSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{
		"status": http.StatusUnprocessableEntity, "title": l.N("form.errors.title", len(fields)), "fields": fields,
	}})
}

type apiPlace struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type apiWhen struct {
	Kind       string `json:"kind"`
	From       string `json:"from,omitempty"`
	To         string `json:"to,omitempty"`
	Recurrence string `json:"recurrence,omitempty"`
}

type apiPost struct {
	ID          int64     `json:"id"`
	URL         string    `json:"url"`
	Kind        string    `json:"kind"`
	Category    string    `json:"category"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Commune     apiPlace  `json:"commune"`
	EPCI        string    `json:"epci"`
	Modes       []string  `json:"modes"`
	When        apiWhen   `json:"when"`
	Urgent      bool      `json:"urgent"`
	Status      string    `json:"status"`
	Visibility  string    `json:"visibility"`
	Author      apiPlace  `json:"author"` // name, and commune code as Code
	CreatedAt   time.Time `json:"created_at"`
	ExpiresAt   time.Time `json:"expires_at"`
	Thanks      string    `json:"thanks,omitempty"`
}

func (s *Server) apiPostOf(c *gin.Context, p help.Post) apiPost {
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02")
	}
	return apiPost{
		ID: p.ID, URL: s.baseURL(c) + "/annonces/" + strconv.FormatInt(p.ID, 10), Kind: p.Kind, Category: p.Category,
		Title: p.Title, Description: p.Description, Commune: apiPlace{p.CommuneCode, s.communeName(p.CommuneCode)},
		EPCI: p.EPCICode, Modes: p.Modes, When: apiWhen{p.WhenKind, day(p.DateFrom), day(p.DateTo), p.Recurrence},
		Urgent: p.Urgent, Status: p.Status, Visibility: p.Visibility, Author: apiPlace{Code: p.AuthorCommune, Name: p.AuthorName},
		CreatedAt: p.CreatedAt, ExpiresAt: p.ExpiresAt, Thanks: p.Thanks,
	}
}

func (s *Server) apiCategories(c *gin.Context) {
	l := localizer(c, s)
	out := []gin.H{}
	for _, cat := range currentTenant(c).Categories {
		out = append(out, gin.H{"code": cat.Code, "label": cat.Label.In(l.Lang), "description": cat.Description.In(l.Lang)})
	}
	c.JSON(http.StatusOK, gin.H{"categories": out})
}

func (s *Server) apiMe(c *gin.Context) {
	u := currentUser(c)
	c.JSON(http.StatusOK, gin.H{"id": u.ID, "display_name": u.DisplayName, "commune": apiPlace{u.CommuneCode, s.communeName(u.CommuneCode)},
		"epci": u.EPCICode, "interests": u.Interests})
}

func (s *Server) apiListPosts(c *gin.Context) {
	page := pageParam(c)
	// The API's total is exact, as its clients may rely on it.
	f := help.Filter{Kind: c.Query("kind"), Category: c.Query("category"), EPCI: c.Query("epci"), Query: c.Query("q"), Date: c.Query("date"), Page: page,
		CountAll: true}
	if u := currentUser(c); u != nil {
		f.Near = u.EPCICode
	}
	if e := currentTerritory(c); e != nil {
		f.Near = e.Code
	}
	posts, total, err := s.listPosts(c, f)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := make([]apiPost, len(posts))
	for i, p := range posts {
		out[i] = s.apiPostOf(c, p)
	}
	c.JSON(http.StatusOK, gin.H{"posts": out, "total": total, "page": f.Page,
		"pages": int(math.Ceil(float64(total) / float64(help.PerPage)))})
}

func (s *Server) apiGetPost(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	var viewer int64
	if u := currentUser(c); u != nil {
		viewer = u.ID
	}
	p, err := s.Help.Get(c.Request.Context(), id, viewer)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.apiPostOf(c, p))
}

type apiDraft struct {
	Kind        string   `json:"kind"`
	Category    string   `json:"category"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Commune     string   `json:"commune"`
	Modes       []string `json:"modes"`
	When        apiWhen  `json:"when"`
	Urgent      bool     `json:"urgent"`
}

// bindJSON reads a JSON body of at most 64 KiB, or answers 400.
func (s *Server) bindJSON(c *gin.Context, v any) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10)
	if err := c.ShouldBindJSON(v); err != nil {
		l := localizer(c, s)
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": gin.H{"status": http.StatusBadRequest,
			"title": l.T("api.bad_json.title"), "message": l.T("api.bad_json")}})
		return false
	}
	return true
}

func (s *Server) apiCreatePost(c *gin.Context) { s.apiSavePost(c, 0) }

func (s *Server) apiUpdatePost(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	s.apiSavePost(c, id)
}

// apiSavePost creates (id 0) or replaces a post, through the same
// validation and rules as the form.
func (s *Server) apiSavePost(c *gin.Context, id int64) {
	if s.refuseSuspended(c) {
		return
	}
	var d apiDraft
	if !s.bindJSON(c, &d) {
		return
	}
	draft := help.Draft{
		Kind: d.Kind, Category: d.Category, Title: d.Title, Description: d.Description, CommuneCode: d.Commune,
		Modes: d.Modes, WhenKind: d.When.Kind, DateFrom: d.When.From, DateTo: d.When.To, Recurrence: d.When.Recurrence, Urgent: d.Urgent,
	}
	p, err := s.Help.Save(c.Request.Context(), currentUser(c).ID, id, draft)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	c.JSON(status, s.apiPostOf(c, p))
}

func (s *Server) apiChangePost(action string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c)
		if !ok {
			return
		}
		u := currentUser(c)
		var err error
		if action == "renew" {
			err = s.Help.Renew(c.Request.Context(), u.ID, id)
		} else {
			var body struct {
				Status string `json:"status"`
				Thanks string `json:"thanks"`
			}
			if !s.bindJSON(c, &body) {
				return
			}
			err = s.Help.Close(c.Request.Context(), u.ID, id, body.Status, body.Thanks)
		}
		if err != nil {
			s.apiFail(c, err)
			return
		}
		s.apiGetPost(c)
	}
}

type apiBody struct {
	Body string `json:"body"`
}

func (s *Server) apiAnswer(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	var b apiBody
	if !s.bindJSON(c, &b) {
		return
	}
	conv, err := s.Conversations.Answer(c.Request.Context(), id, currentUser(c).ID, b.Body, s.baseURL(c))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"conversation_id": conv})
}

type apiMessage struct {
	ID        int64     `json:"id"`
	From      string    `json:"from"` // "" when the account was deleted
	Mine      bool      `json:"mine"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

type apiConversationOut struct {
	ID        int64        `json:"id"`
	PostID    *int64       `json:"post_id"`
	PostTitle string       `json:"post_title"`
	With      string       `json:"with"`
	Unread    bool         `json:"unread"`
	LastAt    time.Time    `json:"last_message_at"`
	Messages  []apiMessage `json:"messages,omitempty"`
}

func apiConversationOf(cv conversation.Conversation, viewer int64) apiConversationOut {
	_, with := cv.Other(viewer)
	out := apiConversationOut{ID: cv.ID, PostID: cv.PostID, PostTitle: cv.PostTitle, With: with, Unread: cv.Unread, LastAt: cv.LastMessageAt}
	for _, m := range cv.Messages {
		out.Messages = append(out.Messages, apiMessage{ID: m.ID, From: m.SenderName, Mine: m.SenderID == viewer, Body: m.Body, CreatedAt: m.CreatedAt})
	}
	return out
}

func (s *Server) apiConversations(c *gin.Context) {
	u := currentUser(c)
	list, err := s.Conversations.Mine(c.Request.Context(), u.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := make([]apiConversationOut, len(list))
	for i, cv := range list {
		out[i] = apiConversationOf(cv, u.ID)
	}
	c.JSON(http.StatusOK, gin.H{"conversations": out})
}

func (s *Server) apiConversation(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	u := currentUser(c)
	cv, err := s.Conversations.Get(c.Request.Context(), id, u.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, apiConversationOf(cv, u.ID))
}

func (s *Server) apiSend(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	var b apiBody
	if !s.bindJSON(c, &b) {
		return
	}
	if _, err := s.Conversations.Send(c.Request.Context(), id, currentUser(c).ID, b.Body, s.baseURL(c)); err != nil {
		s.apiFail(c, err)
		return
	}
	s.apiConversation(c)
}

// apiChooseHelper: the post's author says the other person of this
// conversation is the one who helps.
func (s *Server) apiChooseHelper(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	if err := s.Conversations.ChooseHelper(c.Request.Context(), id, currentUser(c).ID); err != nil {
		s.apiFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiReport(c *gin.Context) {
	var b struct {
		Type    string `json:"type"`
		ID      int64  `json:"id"`
		Reason  string `json:"reason"`
		Details string `json:"details"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	if module, ok := reportModules[b.Type]; !ok || !currentTenant(c).HasModule(module) {
		s.renderError(c, errNotFound)
		return
	}
	if err := s.Reports.Report(c.Request.Context(), currentUser(c).ID, b.Type, b.ID, b.Reason, b.Details); err != nil {
		s.apiFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
