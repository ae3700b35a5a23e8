package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/session"
	"github.com/gin-gonic/gin"
)

// Cookie names. All are host-only (no Domain attribute): a cookie set by
// one portal's host is never sent to another's.
const (
	sessionCookie = "entraide_session"
	csrfCookie    = "entraide_csrf"
	deviceCookie  = "entraide_device"
	csrfField     = "csrf"
)

const ctxUser = "entraide.user"

// secure reports whether the request reached us over HTTPS, directly or
// through a trusted proxy, so cookies get the Secure flag there.
func (s *Server) secure(c *gin.Context) bool {
	if c.Request.TLS != nil {
		return true
	}
	return s.fromTrustedProxy(c.Request.RemoteAddr) && strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
}

func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure(c), SameSite: http.SameSiteLaxMode,
	})
}

// sign is an HMAC of parts under the deployment's secret, bound to the
// portal so that nothing signed for one portal is accepted by another.
func (s *Server) sign(c *gin.Context, parts ...string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(string(currentTenant(c).Slug)))
	for _, p := range parts {
		m.Write([]byte{0})
		m.Write([]byte(p))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("web: crypto/rand failed: " + err.Error()) // never on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrf protects every form. The browser holds a random cookie; each form
// carries an HMAC of it, which only the server can compute. A forged
// request from another site has neither the cookie's value nor a valid
// signature of it, and a cookie planted from a sibling host cannot be
// signed either.
func (s *Server) csrf(c *gin.Context) {
	value, err := c.Cookie(csrfCookie)
	if err != nil || len(value) < 20 || len(value) > 64 {
		value = randomString(24)
		s.setCookie(c, csrfCookie, value, 0)
	}
	token := s.sign(c, "csrf", value)
	c.Set(ctxCSRF, token)
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	// A request signed with an API token carries no cookie a forged page
	// could ride on; the token itself is the proof.
	if bearerToken(c) != "" {
		c.Next()
		return
	}
	sent := c.PostForm(csrfField)
	if sent == "" {
		sent = c.GetHeader("X-CSRF-Token")
	}
	if !hmac.Equal([]byte(sent), []byte(token)) || !s.sameOrigin(c) {
		s.renderError(c, errCSRF)
		return
	}
	c.Next()
}

const ctxCSRF = "entraide.csrf"

// sameOrigin refuses a request whose Origin header names another host.
// Browsers send it on cross-site form posts; it is a second lock behind the
// token, for the day a token leaks.
func (s *Server) sameOrigin(c *gin.Context) bool {
	origin := c.GetHeader("Origin")
	if origin == "" || origin == "null" {
		return origin == ""
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	t, ok := s.Tenants.Resolve(u.Host)
	return ok && t == currentTenant(c)
}

// loadUser finds the signed-in person from the session cookie. A cookie
// that opens nothing (another portal's, ended, expired) is removed.
func (s *Server) loadUser(c *gin.Context) {
	if bearer := bearerToken(c); bearer != "" {
		u, err := s.Accounts.ByAPIToken(c.Request.Context(), bearer)
		switch {
		case errors.Is(err, account.ErrNotFound):
			s.renderError(c, errBadToken)
		case err != nil:
			s.renderError(c, err)
		default:
			c.Set(ctxUser, &signedIn{User: u})
			c.Set(ctxLogger, logger(c).With("user_id", u.ID))
			c.Next()
		}
		return
	}
	token, err := c.Cookie(sessionCookie)
	if err != nil || token == "" {
		c.Next()
		return
	}
	ctx := c.Request.Context()
	var sess session.Session
	var ok bool
	if pre := prefetchedOf(c); pre.sessionToken == token {
		sess, ok, err = s.Sessions.LookupRecord(ctx, token, pre.session)
	} else {
		sess, ok, err = s.Sessions.Lookup(ctx, token)
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	if !ok {
		s.setCookie(c, sessionCookie, "", -1)
		c.Next()
		return
	}
	u, err := s.person(c, sess.UserID)
	if errors.Is(err, account.ErrNotFound) {
		// The account was deleted: its sessions should have gone with it.
		if err := s.Sessions.EndToken(ctx, sess.UserID, token); err != nil {
			s.renderError(c, err)
			return
		}
		s.setCookie(c, sessionCookie, "", -1)
		c.Next()
		return
	}
	if err != nil {
		s.renderError(c, err)
		return
	}
	c.Set(ctxUser, &signedIn{User: u, SessionID: sess.ID, token: token})
	c.Set(ctxLogger, logger(c).With("user_id", u.ID))
	c.Next()
}

// bearerToken is the API token of an "Authorization: Bearer" header, or "".
func bearerToken(c *gin.Context) string {
	h := c.GetHeader("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// signedIn is the person behind a request.
type signedIn struct {
	account.User
	SessionID string
	token     string
}

func currentUser(c *gin.Context) *signedIn {
	if v, ok := c.Get(ctxUser); ok {
		return v.(*signedIn)
	}
	return nil
}

// requireUser sends anonymous visitors to the sign-in page, and back here
// afterwards.
func (s *Server) requireUser(c *gin.Context) {
	if currentUser(c) == nil {
		c.Redirect(http.StatusSeeOther, "/connexion?retour="+url.QueryEscape(c.Request.URL.Path)+"&raison=connexion")
		c.Abort()
		return
	}
	c.Next()
}

// signIn starts a session, rotating any previous one, and marks the
// browser as known to this account so throttling never locks its owner out.
func (s *Server) signIn(c *gin.Context, u account.User) error {
	ctx := c.Request.Context()
	if old, err := c.Cookie(sessionCookie); err == nil && old != "" {
		if sess, ok, err := s.Sessions.Lookup(ctx, old); err == nil && ok {
			if err := s.Sessions.EndToken(ctx, sess.UserID, old); err != nil {
				return err
			}
		}
	}
	token, _, err := s.Sessions.Create(ctx, u.ID, c.GetHeader("User-Agent"), c.ClientIP())
	if err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, token, 0)
	id := strconv.FormatInt(u.ID, 10)
	s.setCookie(c, deviceCookie, id+"."+s.sign(c, "device", id), 365*24*3600)
	return nil
}

// deviceAccount returns the account id the device cookie vouches for, or 0.
func (s *Server) deviceAccount(c *gin.Context) int64 {
	v, err := c.Cookie(deviceCookie)
	if err != nil {
		return 0
	}
	id, sig, ok := strings.Cut(v, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(c, "device", id))) {
		return 0
	}
	n, _ := strconv.ParseInt(id, 10, 64)
	return n
}
