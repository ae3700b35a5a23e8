package web

import (
	"net/url"

	"github.com/entraide/entraide/internal/i18n"
	"github.com/gin-gonic/gin"
)

// userLocale completes the language choice once the person is known: a
// choice made with the language switch while signed in is kept in their
// account; with no choice on this browser (no ?lang=, no cookie), the
// account's language comes before the browser's Accept-Language (pages
// only: an API client asks for a language with each call). It runs after
// loadUser.
func (s *Server) userLocale(c *gin.Context) {
	u, t := currentUser(c), currentTenant(c)
	if u == nil || t == nil {
		c.Next()
		return
	}
	if choice := c.Query("lang"); choice != "" && t.SpeaksLocale(choice) {
		if choice != u.Locale {
			if err := s.Accounts.SetLocale(c.Request.Context(), u.ID, choice); err != nil {
				// The page still comes in the chosen language; only the
				// memory of it for other browsers is lost.
				logger(c).Error("remember the chosen language", "error", err)
			} else {
				u.Locale = choice
			}
		}
		c.Next()
		return
	}
	// An API call says its language with each request (Accept-Language).
	if cookie, _ := c.Cookie("lang"); cookie == "" && !wantsJSON(c) && t.SpeaksLocale(u.Locale) && u.Locale != localizer(c, s).Lang {
		c.Set(ctxLocalizer, s.localizerFor(c, u.Locale))
		c.Header("Content-Language", u.Locale)
	}
	c.Next()
}

// localizerFor speaks lang with the portal's own words, if it has some.
func (s *Server) localizerFor(c *gin.Context, lang string) *i18n.Localizer {
	if t := currentTenant(c); t != nil {
		return s.Messages.ForPortal(string(t.Slug), lang)
	}
	return s.Messages.For(lang)
}

// LanguageName is a language's own name ("Français", "English"), written
// in that language, for the language switch.
func (p *Page) LanguageName(lang string) string {
	if p.messages == nil {
		return lang
	}
	return p.messages.For(lang).T("language.name")
}

// LanguageURL is the current page in another language: same path and
// query, with lang= set. The link works without JavaScript, and the choice
// is remembered (cookie, and the account of a signed-in person).
func (p *Page) LanguageURL(lang string) string {
	q := url.Values{}
	if p.query != nil {
		for k, v := range p.query {
			q[k] = v
		}
	}
	q.Set("lang", lang)
	// A notice of the previous action (?fait=) was already read.
	q.Del("fait")
	return p.Path + "?" + q.Encode()
}
