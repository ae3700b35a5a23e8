package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/territory/placename"
	"github.com/gin-gonic/gin"
)

// baseURL is the portal's address as the person reached it, for links in
// emails. The host already resolved to this portal, so a forged Host header
// cannot make us send links to another site.
func (s *Server) baseURL(c *gin.Context) string {
	scheme := "http"
	if s.secure(c) {
		scheme = "https"
	}
	return scheme + "://" + c.GetString(ctxHost)
}

// registerView is the registration page's data.
type registerView struct {
	Choices []territory.Commune // communes to choose from when the text matched several
}

func (s *Server) registerForm(c *gin.Context) {
	if currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, "/compte")
		return
	}
	p := s.page(c, localizer(c, s).T("register.title"), &registerView{})
	s.render(c, http.StatusOK, "register", p)
}

func (s *Server) register(c *gin.Context) {
	f := readForm(c, "display_name", "email", "password", "commune", "commune_code", "interests")
	l := localizer(c, s)
	view := &registerView{}
	code, choices, problem := s.findCommune(c, f.Value("commune"), f.Value("commune_code"))
	if problem != "" {
		f.fail("commune", l.T(problem))
		view.Choices = choices
	}
	if f.ok() {
		_, err := s.Accounts.Register(c.Request.Context(), account.RegisterInput{
			DisplayName: f.Value("display_name"), Email: f.Value("email"), Password: f.Value("password"),
			CommuneCode: code, Interests: f.Value("interests"), Locale: l.Lang,
		}, s.baseURL(c))
		switch {
		case err == nil, errors.Is(err, account.ErrAlreadyRegistered):
			c.Redirect(http.StatusSeeOther, "/inscription/envoyee?email="+url.QueryEscape(strings.TrimSpace(f.Value("email"))))
			return
		case !s.applyError(c, f, err):
			s.renderError(c, err)
			return
		}
	}
	if f.Value("password") != "" && f.Error("password") == "" {
		// Passwords are not written back into pages; say why it is empty.
		f.fail("password", l.T("register.password.retype"))
	}
	p := s.page(c, l.T("register.title"), view)
	p.Form = f
	s.render(c, http.StatusUnprocessableEntity, "register", p)
}

// findCommune turns what the person typed into one commune of the portal's
// département: the radio button they picked, else the only match, else the
// exact name among several matches. Otherwise it returns the choices, or
// the id of the message to show.
func (s *Server) findCommune(c *gin.Context, text, code string) (string, []territory.Commune, string) {
	dep := currentTenant(c).Departement
	if code != "" {
		if cm, ok := s.Atlas.Commune(code); ok && cm.Departement == dep {
			return code, nil, ""
		}
	}
	if strings.TrimSpace(text) == "" {
		return "", nil, "commune.unknown"
	}
	found := s.Atlas.Search(dep, text, 12)
	switch {
	case len(found) == 0:
		return "", nil, "commune.unknown"
	case len(found) == 1:
		return found[0].Code, nil, ""
	}
	want := placename.Fold(text)
	exact := 0
	for _, cm := range found {
		if placename.Fold(cm.Name) == want {
			exact++
			code = cm.Code
		}
	}
	if exact == 1 {
		return code, nil, ""
	}
	return "", found, "commune.choose"
}

type sentView struct{ Email string }

func (s *Server) registerSent(c *gin.Context) {
	p := s.page(c, localizer(c, s).T("register.sent.title"), &sentView{Email: c.Query("email")})
	s.render(c, http.StatusOK, "register_sent", p)
}

// tokenView carries a link's token into a confirmation form. Links in
// emails open a page with a button rather than acting on GET, because mail
// scanners fetch links before people click them.
type tokenView struct {
	Token, Action, Title, Text, Submit string
	Password                           bool
}

func (s *Server) tokenPage(c *gin.Context, status int, v *tokenView, f *form) {
	p := s.page(c, v.Title, v)
	p.Form = f
	s.render(c, status, "token", p)
}

func (s *Server) confirmForm(c *gin.Context) {
	l := localizer(c, s)
	s.tokenPage(c, http.StatusOK, &tokenView{Token: c.Query("jeton"), Action: "/confirmer",
		Title: l.T("confirm.title"), Text: l.T("confirm.text"), Submit: l.T("confirm.submit")}, nil)
}

func (s *Server) confirm(c *gin.Context) {
	_, err := s.Accounts.Confirm(c.Request.Context(), c.PostForm("jeton"))
	s.afterToken(c, err, "/connexion?fait=confirme", &tokenView{Action: "/confirmer", Title: localizer(c, s).T("confirm.title")})
}

// afterToken redirects on success, or shows the link's page with the
// reason it failed.
func (s *Server) afterToken(c *gin.Context, err error, next string, v *tokenView) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	f := readForm(c, "jeton")
	if !s.applyError(c, f, err) {
		s.renderError(c, err)
		return
	}
	if !errors.Is(err, account.ErrBadLink) {
		v.Token, v.Text = c.PostForm("jeton"), ""
		v.Submit = localizer(c, s).T("reset.submit")
	}
	s.tokenPage(c, http.StatusUnprocessableEntity, v, f)
}

// emailFormView is a page with one email field (resend, forgot).
type emailFormView struct{ Title, Text, Action, Submit string }

func (s *Server) emailForm(c *gin.Context, status int, v *emailFormView, f *form) {
	p := s.page(c, v.Title, v)
	p.Form = f
	s.render(c, status, "email_form", p)
}

func (s *Server) resendView(c *gin.Context) *emailFormView {
	l := localizer(c, s)
	return &emailFormView{Title: l.T("confirm.resend.title"), Text: l.T("confirm.resend.text"), Action: "/confirmer/nouveau-lien", Submit: l.T("confirm.resend.submit")}
}

func (s *Server) resendForm(c *gin.Context) { s.emailForm(c, http.StatusOK, s.resendView(c), nil) }

func (s *Server) resend(c *gin.Context) {
	f := readForm(c, "email")
	err := s.Accounts.ResendConfirmation(c.Request.Context(), f.Value("email"), c.ClientIP(), s.baseURL(c))
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/connexion?fait=lien")
		return
	}
	if !s.applyError(c, f, err) {
		s.renderError(c, err)
		return
	}
	s.emailForm(c, http.StatusUnprocessableEntity, s.resendView(c), f)
}

// loginView is the sign-in page's data.
type loginView struct {
	Return       string
	NotConfirmed bool
}

// safeReturn keeps a return path only if it stays on this site.
func safeReturn(path string) string {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.HasPrefix(path, "/\\") {
		return ""
	}
	return path
}

func (s *Server) loginForm(c *gin.Context) {
	p := s.page(c, localizer(c, s).T("login.title"), &loginView{Return: safeReturn(c.Query("retour"))})
	s.render(c, http.StatusOK, "login", p)
}

func (s *Server) login(c *gin.Context) {
	f := readForm(c, "email", "password", "retour")
	l := localizer(c, s)
	view := &loginView{Return: safeReturn(f.Value("retour"))}
	u, err := s.Accounts.Login(c.Request.Context(), account.LoginInput{
		Email: f.Value("email"), Password: f.Value("password"), IP: c.ClientIP(), DeviceAccount: s.deviceAccount(c),
	})
	switch {
	case err == nil:
		if err := s.signIn(c, u); err != nil {
			s.renderError(c, err)
			return
		}
		next := view.Return
		if next == "" {
			next = "/"
		}
		c.Redirect(http.StatusSeeOther, next)
		return
	case errors.Is(err, account.ErrBadCredentials):
		f.fail("", l.T("login.bad"))
	case errors.Is(err, account.ErrNotConfirmed):
		f.fail("", l.T("login.not_confirmed"))
		view.NotConfirmed = true
	case !s.applyError(c, f, err):
		s.renderError(c, err)
		return
	}
	p := s.page(c, l.T("login.title"), view)
	p.Form = f
	s.render(c, http.StatusUnprocessableEntity, "login", p)
}

func (s *Server) logout(c *gin.Context) {
	if u := currentUser(c); u != nil {
		if err := s.Sessions.EndToken(c.Request.Context(), u.ID, u.token); err != nil {
			s.renderError(c, err)
			return
		}
	}
	s.setCookie(c, sessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/?fait=deconnecte")
}

func (s *Server) forgotView(c *gin.Context) *emailFormView {
	l := localizer(c, s)
	return &emailFormView{Title: l.T("forgot.title"), Text: l.T("forgot.text"), Action: "/mot-de-passe/oublie", Submit: l.T("forgot.submit")}
}

func (s *Server) forgotForm(c *gin.Context) { s.emailForm(c, http.StatusOK, s.forgotView(c), nil) }

func (s *Server) forgot(c *gin.Context) {
	f := readForm(c, "email")
	err := s.Accounts.RequestReset(c.Request.Context(), f.Value("email"), c.ClientIP(), s.baseURL(c))
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/connexion?fait=oubli")
		return
	}
	if !s.applyError(c, f, err) {
		s.renderError(c, err)
		return
	}
	s.emailForm(c, http.StatusUnprocessableEntity, s.forgotView(c), f)
}

func (s *Server) resetView(c *gin.Context, token string) *tokenView {
	l := localizer(c, s)
	return &tokenView{Token: token, Action: "/mot-de-passe/nouveau", Title: l.T("reset.title"), Submit: l.T("reset.submit"), Password: true}
}

func (s *Server) resetForm(c *gin.Context) {
	s.tokenPage(c, http.StatusOK, s.resetView(c, c.Query("jeton")), nil)
}

func (s *Server) reset(c *gin.Context) {
	_, err := s.Accounts.ResetPassword(c.Request.Context(), c.PostForm("jeton"), c.PostForm("password"))
	if err == nil {
		s.setCookie(c, sessionCookie, "", -1)
	}
	s.afterToken(c, err, "/connexion?fait=nouveau-mdp", s.resetView(c, ""))
}
