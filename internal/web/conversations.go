package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/entraide/entraide/internal/conversation"
	"github.com/entraide/entraide/internal/invalid"
	"github.com/gin-gonic/gin"
)

// answerPost starts a conversation with a post's author ("Je peux aider",
// "Ça m'intéresse").
func (s *Server) answerPost(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	convID, err := s.Conversations.Answer(c.Request.Context(), id, currentUser(c).ID, c.PostForm("body"), s.baseURL(c))
	var fe invalid.Fields
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/messages/"+strconv.FormatInt(convID, 10)+"?fait=envoye")
	case errors.As(err, &fe):
		c.Redirect(http.StatusSeeOther, "/annonces/"+c.Param("id")+"?erreur=message#repondre")
	case errors.Is(err, conversation.ErrNotAllowed):
		s.renderError(c, errForbidden)
	default:
		s.renderError(c, err)
	}
}

type conversationsView struct{ Conversations []conversation.Conversation }

func (s *Server) conversations(c *gin.Context) {
	list, err := s.Conversations.Mine(c.Request.Context(), currentUser(c).ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	s.render(c, http.StatusOK, "conversations", s.page(c, localizer(c, s).T("conversation.list.title"), &conversationsView{Conversations: list}))
}

type conversationView struct {
	Conversation conversation.Conversation
	Viewer       int64
	OtherName    string
	OtherGone    bool
	// CanChoose: the viewer wrote the post, which can still get a helper.
	CanChoose bool
}

func (s *Server) showConversation(c *gin.Context) {
	s.renderConversation(c, http.StatusOK, nil)
}

func (s *Server) renderConversation(c *gin.Context, status int, f *form) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	u := currentUser(c)
	conv, err := s.Conversations.Get(c.Request.Context(), id, u.ID)
	if errors.Is(err, conversation.ErrNotFound) {
		// Someone else's conversation does not exist, as far as this
		// person can tell.
		s.renderError(c, errNotFound)
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	otherID, otherName := conv.Other(u.ID)
	v := &conversationView{Conversation: conv, Viewer: u.ID, OtherName: otherName, OtherGone: otherID == 0}
	if conv.PostID != nil && u.ID == conv.AuthorID && otherID != 0 {
		if post, err := s.Help.Get(c.Request.Context(), *conv.PostID, u.ID); err == nil {
			v.CanChoose = post.Status == "ouverte" || (post.Status == "en_cours")
		}
	}
	p := s.page(c, conv.PostTitle, v)
	p.Form = f
	s.render(c, status, "conversation", p)
}

func (s *Server) sendMessage(c *gin.Context) {
	if s.refuseSuspended(c) {
		return
	}
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	_, err := s.Conversations.Send(c.Request.Context(), id, currentUser(c).ID, c.PostForm("body"), s.baseURL(c))
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/messages/"+c.Param("id")+"#dernier")
	case errors.Is(err, conversation.ErrNotFound):
		s.renderError(c, errNotFound)
	case errors.Is(err, conversation.ErrNotAllowed):
		s.renderError(c, errForbidden)
	default:
		f := readForm(c, "body")
		if !s.applyError(c, f, err) {
			s.renderError(c, err)
			return
		}
		s.renderConversation(c, http.StatusUnprocessableEntity, f)
	}
}

// chooseHelper: the post's author says the other person of this
// conversation is the one who helps.
func (s *Server) chooseHelper(c *gin.Context) {
	id, ok := s.idParam(c)
	if !ok {
		return
	}
	err := s.Conversations.ChooseHelper(c.Request.Context(), id, currentUser(c).ID)
	switch {
	case errors.Is(err, conversation.ErrNotFound):
		s.renderError(c, errNotFound)
	case errors.Is(err, conversation.ErrNotAllowed):
		s.renderError(c, errForbidden)
	case err != nil:
		s.renderError(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/messages/"+c.Param("id")+"?fait=aidant")
	}
}
