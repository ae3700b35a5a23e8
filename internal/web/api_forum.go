package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/profile"
	"github.com/gin-gonic/gin"
)

// The forum's and profiles' API: the same services, rules and privacy as
// their pages, under the same module switches.

func (s *Server) apiForumRoutes(api, auth *gin.RouterGroup) {
	on := s.requireModule("forum")
	api.GET("/forum/threads", on, s.apiForumThreads)
	api.GET("/forum/threads/:id", on, s.apiForumThread)
	auth.POST("/forum/threads", on, s.apiForumCreate)
	auth.POST("/forum/threads/:id/replies", on, s.apiForumReply)
	auth.PUT("/forum/threads/:id/subscription", on, s.apiForumSubscribe(true))
	auth.DELETE("/forum/threads/:id/subscription", on, s.apiForumSubscribe(false))
}

func (s *Server) apiProfileRoutes(auth *gin.RouterGroup) {
	on := s.requireModule("profils")
	auth.GET("/profiles/me", on, s.apiMyProfile)
	auth.PUT("/profiles/me", on, s.apiSaveProfile)
	auth.GET("/profiles/me/neighbours", on, s.apiNeighbours)
	auth.GET("/profiles/:id", on, s.apiProfile)
	auth.POST("/profiles/:id/conversations", on, s.apiWriteToNeighbour)
}

// apiForumFail answers a forum or profile error through apiFail, which
// also shows rule refusals as 422 per field.
func (s *Server) apiForumFail(c *gin.Context, err error) {
	if errors.Is(err, profile.ErrNotFound) {
		s.renderError(c, errNotFound)
		return
	}
	s.apiFail(c, forumError(err))
}

type apiQuote struct {
	ID     int64  `json:"id"`
	Author string `json:"author"`
	Body   string `json:"body"`
	Hidden bool   `json:"hidden"`
}

type apiForumReply struct {
	ID        int64     `json:"id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	Hidden    bool      `json:"hidden"`
	Quote     *apiQuote `json:"quote,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

type apiForumThread struct {
	ID           int64           `json:"id"`
	URL          string          `json:"url"`
	Category     string          `json:"category"`
	Title        string          `json:"title"`
	Body         string          `json:"body"`
	Commune      *apiPlace       `json:"commune,omitempty"`
	EPCI         string          `json:"epci,omitempty"`
	Author       string          `json:"author"`
	Visibility   string          `json:"visibility"`
	CreatedAt    time.Time       `json:"created_at"`
	LastActivity time.Time       `json:"last_activity_at"`
	Replies      int             `json:"replies"`
	Subscribed   bool            `json:"subscribed"`
	Messages     []apiForumReply `json:"messages,omitempty"`
}

func (s *Server) apiThreadOf(c *gin.Context, th forum.Thread) apiForumThread {
	out := apiForumThread{ID: th.ID, URL: s.baseURL(c) + "/forum/sujets/" + strconv.FormatInt(th.ID, 10), Category: th.Category,
		Title: th.Title, Body: th.Body, EPCI: th.EPCICode, Author: th.AuthorName, Visibility: th.Visibility,
		CreatedAt: th.CreatedAt, LastActivity: th.LastActivityAt, Replies: th.Replies, Subscribed: th.Subscribed}
	if th.CommuneCode != "" {
		out.Commune = &apiPlace{th.CommuneCode, s.communeName(th.CommuneCode)}
	}
	for _, r := range th.Messages {
		m := apiForumReply{ID: r.ID, Author: r.AuthorName, Body: r.Body, Hidden: r.Hidden, CreatedAt: r.CreatedAt}
		if q := r.Quote; q != nil {
			m.Quote = &apiQuote{ID: q.ID, Author: q.AuthorName, Body: q.Body, Hidden: q.Hidden}
		}
		out.Messages = append(out.Messages, m)
	}
	return out
}

func (s *Server) apiForumThreads(c *gin.Context) {
	page := pageParam(c)
	list, total, err := s.Forum.List(c.Request.Context(), viewerID(c), forum.Filter{Category: c.Query("category"), Page: page})
	if err != nil {
		s.apiForumFail(c, err)
		return
	}
	out := make([]apiForumThread, len(list))
	for i, th := range list {
		out[i] = s.apiThreadOf(c, th)
	}
	c.JSON(http.StatusOK, gin.H{"threads": out, "total": total, "page": page, "pages": (total + forum.PerPage - 1) / forum.PerPage})
}

func (s *Server) apiForumThread(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	th, err := s.Forum.Get(c.Request.Context(), id, viewerID(c))
	if err != nil {
		s.apiForumFail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.apiThreadOf(c, th))
}

func (s *Server) apiForumCreate(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	var b struct {
		Category string `json:"category"`
		Title    string `json:"title"`
		Body     string `json:"body"`
		Commune  string `json:"commune"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	th, err := s.Forum.CreateThread(c.Request.Context(), currentUser(c).ID, forum.Draft{Category: b.Category, Title: b.Title,
		Body: b.Body, CommuneCode: b.Commune})
	if err != nil {
		s.apiForumFail(c, err)
		return
	}
	c.JSON(http.StatusCreated, s.apiThreadOf(c, th))
}

func (s *Server) apiForumReply(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	var b struct {
		Body    string `json:"body"`
		QuoteID int64  `json:"quote_id"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	r, err := s.Forum.Reply(c.Request.Context(), id, currentUser(c).ID, b.Body, b.QuoteID, s.baseURL(c))
	if err != nil && r.ID == 0 {
		s.apiForumFail(c, err)
		return
	}
	if err != nil {
		logger(c).Error("forum: reply saved, notification failed", "error", err)
	}
	c.JSON(http.StatusCreated, gin.H{"id": r.ID, "thread_id": id})
}

func (s *Server) apiForumSubscribe(on bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.idParam(c)
		if !ok {
			return
		}
		if err := s.Forum.Subscribe(c.Request.Context(), id, currentUser(c).ID, on); err != nil {
			s.apiForumFail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

type apiProfileOut struct {
	ID        int64    `json:"id"`
	Name      string   `json:"display_name"`
	Commune   apiPlace `json:"commune"`
	Interests []string `json:"interests"`
	Offer     string   `json:"offer"`
	Public    bool     `json:"public"`
	// Shared and SameEPCI are set on suggestions.
	Shared   []string `json:"shared,omitempty"`
	SameEPCI *bool    `json:"same_epci,omitempty"`
}

func (s *Server) apiProfileOf(p profile.Profile) apiProfileOut {
	return apiProfileOut{ID: p.ID, Name: p.DisplayName, Commune: apiPlace{p.CommuneCode, s.communeName(p.CommuneCode)},
		Interests: p.Interests, Offer: p.Offer, Public: p.Public}
}

func (s *Server) apiMyProfile(c *gin.Context) {
	me := currentUser(c).ID
	p, err := s.Profiles.Get(c.Request.Context(), me, me)
	if err != nil {
		s.apiForumFail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.apiProfileOf(p))
}

func (s *Server) apiSaveProfile(c *gin.Context) {
	var b struct {
		Public    bool     `json:"public"`
		Interests []string `json:"interests"`
		Tags      []string `json:"tags"`
		Offer     string   `json:"offer"`
	}
	if !s.bindJSON(c, &b) {
		return
	}
	tags := ""
	for _, t := range b.Tags {
		tags += t + ","
	}
	p, err := s.Profiles.Save(c.Request.Context(), currentUser(c).ID, profile.Edit{Public: b.Public, Listed: b.Interests,
		Tags: tags, Offer: b.Offer})
	if err != nil {
		s.apiForumFail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.apiProfileOf(p))
}

func (s *Server) apiNeighbours(c *gin.Context) {
	list, err := s.Profiles.Suggest(c.Request.Context(), currentUser(c).ID, profile.SuggestionLimit)
	if err != nil {
		s.apiForumFail(c, err)
		return
	}
	out := make([]apiProfileOut, len(list))
	for i, sg := range list {
		out[i] = s.apiProfileOf(sg.Profile)
		same := sg.SameEPCI
		out[i].Shared, out[i].SameEPCI = sg.Shared, &same
	}
	c.JSON(http.StatusOK, gin.H{"neighbours": out})
}

func (s *Server) apiProfile(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	p, err := s.Profiles.Get(c.Request.Context(), currentUser(c).ID, id)
	if err != nil {
		s.apiForumFail(c, err)
		return
	}
	c.JSON(http.StatusOK, s.apiProfileOf(p))
}

func (s *Server) apiWriteToNeighbour(c *gin.Context) {
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
	ctx := c.Request.Context()
	me := currentUser(c).ID
	target, err := s.Profiles.Get(ctx, me, id)
	if err != nil || id == me {
		s.renderError(c, errNotFound)
		return
	}
	mine, err := s.Profiles.Get(ctx, me, me)
	if err != nil {
		s.apiForumFail(c, err)
		return
	}
	title := s.neighbourTitle(s.page(c, "", nil), profile.Shared(mine, target))
	conv, err := s.Conversations.Start(ctx, me, id, title, b.Body, s.baseURL(c))
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"conversation_id": conv})
}
