package web

import (
	"net/http"
	"strconv"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/session"
	"github.com/gin-gonic/gin"
)

// accountView is the "my account" page's data.
type accountView struct {
	Commune  string
	Sessions []session.Session
	Tokens   []account.APIToken
	// NewToken is shown once, right after it is made.
	NewToken string
	Current  string // id of this browser's session
	// Section is the form that was sent, so its errors show in the right place.
	Section string
}

// SentForm tells Page.FormFor which of the page's forms was sent.
func (v *accountView) SentForm() string { return v.Section }

func (s *Server) accountPage(c *gin.Context) {
	s.renderAccount(c, http.StatusOK, "", nil)
}

func (s *Server) renderAccount(c *gin.Context, status int, section string, f *form) {
	s.renderAccountWith(c, status, section, f, "")
}

func (s *Server) renderAccountWith(c *gin.Context, status int, section string, f *form, newToken string) {
	u := currentUser(c)
	sessions, err := s.Sessions.List(c.Request.Context(), u.ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	tokens, err := s.Accounts.APITokens(c.Request.Context(), u.ID)
	if err != nil {
		s.renderError(c, err)
		return
	}
	v := &accountView{Sessions: sessions, Tokens: tokens, NewToken: newToken, Current: u.SessionID, Section: section, Commune: u.CommuneCode}
	if cm, ok := s.Atlas.Commune(u.CommuneCode); ok {
		v.Commune = cm.Name
	}
	p := s.page(c, localizer(c, s).T("account.title"), v)
	p.Form = f
	s.render(c, status, "account", p)
}

func (s *Server) changeEmail(c *gin.Context) {
	f := readForm(c, "new_email", "password")
	u := currentUser(c)
	err := s.Accounts.RequestEmailChange(c.Request.Context(), u.ID, f.Value("password"), f.Value("new_email"), s.baseURL(c))
	if err == nil {
		p := s.page(c, localizer(c, s).T("account.email.title"), &sentView{Email: f.Value("new_email")})
		s.render(c, http.StatusOK, "email_sent", p)
		return
	}
	if !s.applyError(c, f, err) {
		s.renderError(c, err)
		return
	}
	s.renderAccount(c, http.StatusUnprocessableEntity, "email", f)
}

func (s *Server) emailConfirmView(c *gin.Context, token string) *tokenView {
	l := localizer(c, s)
	return &tokenView{Token: token, Action: "/compte/email/confirmer", Title: l.T("account.email.confirm.title"), Submit: l.T("account.email.confirm.submit")}
}

func (s *Server) emailConfirmForm(c *gin.Context) {
	s.tokenPage(c, http.StatusOK, s.emailConfirmView(c, c.Query("jeton")), nil)
}

func (s *Server) emailConfirm(c *gin.Context) {
	_, err := s.Accounts.ConfirmEmailChange(c.Request.Context(), c.PostForm("jeton"))
	next := "/connexion?fait=email"
	if currentUser(c) != nil {
		next = "/compte?fait=email"
	}
	s.afterToken(c, err, next, s.emailConfirmView(c, ""))
}

func (s *Server) changePassword(c *gin.Context) {
	f := readForm(c, "password", "new_password")
	u := currentUser(c)
	err := s.Accounts.ChangePassword(c.Request.Context(), u.ID, f.Value("password"), f.Value("new_password"), u.SessionID)
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/compte?fait=mdp")
		return
	}
	if !s.applyError(c, f, err) {
		s.renderError(c, err)
		return
	}
	s.renderAccount(c, http.StatusUnprocessableEntity, "password", f)
}

// endSession signs out one device, or every other one ("autres").
func (s *Server) endSession(c *gin.Context) {
	u := currentUser(c)
	ctx := c.Request.Context()
	var err error
	if id := c.PostForm("session"); id == "autres" {
		err = s.Sessions.EndAll(ctx, u.ID, u.SessionID)
	} else {
		err = s.Sessions.End(ctx, u.ID, id)
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/compte?fait=session")
}

// createToken makes a personal API token and shows it once.
func (s *Server) createToken(c *gin.Context) {
	f := readForm(c, "token_name")
	token, err := s.Accounts.CreateAPIToken(c.Request.Context(), currentUser(c).ID, f.Value("token_name"))
	if err != nil {
		if !s.applyError(c, f, err) {
			s.renderError(c, err)
			return
		}
		s.renderAccount(c, http.StatusUnprocessableEntity, "token", f)
		return
	}
	// The token goes in the page, never in a URL or a log.
	c.Header("Cache-Control", "no-store")
	s.renderAccountWith(c, http.StatusOK, "", nil, token)
}

func (s *Server) revokeToken(c *gin.Context) {
	id, _ := strconv.ParseInt(c.PostForm("token"), 10, 64)
	if err := s.Accounts.RevokeAPIToken(c.Request.Context(), currentUser(c).ID, id); err != nil {
		s.renderError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/compte?fait=jeton")
}

func (s *Server) deleteForm(c *gin.Context) {
	s.render(c, http.StatusOK, "delete", s.page(c, localizer(c, s).T("account.delete.title"), nil))
}

func (s *Server) deleteAccount(c *gin.Context) {
	f := readForm(c, "password")
	id := currentUser(c).ID
	err := s.Accounts.Delete(c.Request.Context(), id, f.Value("password"))
	if err == nil {
		// The account is gone; its roles gave nothing any more, but go too.
		if err := s.Authz.Forget(c.Request.Context(), id); err != nil {
			logger(c).Error("authz: forget a deleted account's roles", "user_id", id, "error", err)
		}
		s.setCookie(c, sessionCookie, "", -1)
		s.setCookie(c, deviceCookie, "", -1)
		c.Redirect(http.StatusSeeOther, "/?fait=supprime")
		return
	}
	if !s.applyError(c, f, err) {
		s.renderError(c, err)
		return
	}
	p := s.page(c, localizer(c, s).T("account.delete.title"), nil)
	p.Form = f
	s.render(c, http.StatusUnprocessableEntity, "delete", p)
}
