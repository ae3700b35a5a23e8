package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/theme"
	"github.com/gin-gonic/gin"
)

//go:embed templates/*.html
var templateFS embed.FS

// views are the parsed page templates, one set per page, each made of the
// shared layout plus the page's own "content" block.
type views struct {
	pages map[string]*template.Template
}

// funcs are pure helpers for building arguments; nothing in them depends on
// the request (translations come with the page's localizer).
var funcs = template.FuncMap{
	// dict passes the page and an item to a partial template.
	"dict": func(p *Page, item any) itemView { return itemView{Page: p, Item: item} },
	// list makes a list of strings, for loops over fixed choices.
	"list": func(items ...string) []string { return items },
	// inc counts from 1 where range counts from 0.
	"inc": func(i int) int { return i + 1 },
}

// itemView is what a partial for one item of a list receives.
type itemView struct {
	Page *Page
	Item any
}

// Page is what every template receives. L speaks the request's language;
// there are no shared translation funcs, so two requests in two languages
// never see each other's words.
type Page struct {
	L         *i18n.Localizer
	Portal    *tenant.Tenant // nil on an unknown host
	Theme     *theme.Theme   // nil on an unknown host
	Title     string
	RequestID string
	Path      string
	Languages []string
	AppCSS    string // URL of the base stylesheet
	Data      any
	// User is the signed-in person, nil for visitors.
	User *signedIn
	// CSRF is the token every form of the page carries.
	CSRF string
	// Form is the submitted form being shown again, nil on first display.
	Form *form
	// Notice is a confirmation after a redirect (?fait=…), translated.
	Notice string
	// Territory is the intercommunalité of a territory subdomain, nil on
	// the portal's own host.
	Territory *territory.EPCI
	// PortalURL is the portal's main address, to leave a territory.
	PortalURL string
	// CanAdmin shows the administration link to those who manage roles.
	CanAdmin bool
	// CanModerate shows the moderation link to référents and admins.
	CanModerate bool
	// Suspension tells a suspended person why and until when, on every
	// page; empty otherwise.
	Suspension string

	communeName func(string) string
	atlas       *territory.Atlas
	// messages and query serve the language switch (see LanguageURL).
	messages *i18n.Bundle
	query    url.Values

	// tmpl is the page's template set, cards the cards and fragments the
	// parts remembered from earlier pages (see PostCard and fragment); all
	// set by render.
	tmpl      *template.Template
	cards     *memo[cardKey]
	fragments *memo[fragmentKey]

	// idPrefix keeps field ids unique when a page holds several forms with
	// a field of the same name (see FormFor).
	idPrefix string
}

// Commune names a commune by its INSEE code.
func (p *Page) Commune(code string) string { return p.communeName(code) }

// Duration says how long, in whole hours and minutes: "2 h 05", "45 min".
func (p *Page) Duration(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d.Hours()), int(d.Minutes())%60
	if h == 0 {
		return p.L.N("duration.minutes", m)
	}
	return p.L.T("duration.hours", "Hours", h, "Minutes", fmt.Sprintf("%02d", m))
}

// IsEPCI reports whether a code is an EPCI's (SIREN) rather than a
// category's.
func (p *Page) IsEPCI(code string) bool {
	if p.atlas == nil {
		return false
	}
	_, ok := p.atlas.EPCI(code)
	return ok
}

// EPCIName is the name of an intercommunalité, or its code if unknown.
func (p *Page) EPCIName(code string) string { return epciName(p.atlas, code) }

func epciName(atlas *territory.Atlas, code string) string {
	if atlas != nil {
		if e, ok := atlas.EPCI(code); ok {
			return e.Name
		}
	}
	return code
}

// Category is the label of one of the portal's categories, in the page's
// language.
func (p *Page) Category(code string) string { return categoryLabel(p.Portal, p.L.Lang, code) }

func categoryLabel(portal *tenant.Tenant, lang, code string) string {
	if portal != nil {
		for _, c := range portal.Categories {
			if c.Code == code {
				return c.Label.In(lang)
			}
		}
	}
	return code
}

// Checked reports whether a multi-choice field of the form holds value.
func (p *Page) Checked(name, value string) bool {
	for _, v := range strings.Split(p.Form.Value(name), ",") {
		if v == value {
			return true
		}
	}
	return false
}

// FieldID is the HTML id of a field of the page's form, for its label and
// the links of the error summary.
func (p *Page) FieldID(name string) string { return "champ-" + p.idPrefix + name }

// Text picks the request's language from a configured text.
func (p *Page) Text(t tenant.Text) string { return t.In(p.L.Lang) }

// ThemeURL is the URL of one of the portal theme's files: "theme.css",
// "logo", "favicon" or a file of its static/ directory.
func (p *Page) ThemeURL(file string) string {
	switch file {
	case "logo":
		file = p.Theme.Manifest.Logo
	case "favicon":
		file = p.Theme.FaviconFile()
	}
	return p.Theme.URL(file)
}

func (s *Server) page(c *gin.Context, title string, data any) *Page {
	p := &Page{
		L:           localizer(c, s),
		Portal:      currentTenant(c),
		Title:       title,
		RequestID:   c.GetString(ctxRequestID),
		Path:        c.Request.URL.Path,
		AppCSS:      appCSSURL,
		Data:        data,
		User:        currentUser(c),
		CSRF:        c.GetString(ctxCSRF),
		Territory:   currentTerritory(c),
		communeName: s.communeName,
		atlas:       s.Atlas,
		messages:    s.Messages,
		query:       c.Request.URL.Query(),
	}
	if p.Territory != nil && p.Portal != nil {
		p.PortalURL = "//" + p.Portal.Hosts[0] + portOf(c.GetString(ctxHost)) + "/"
	}
	if p.User != nil && s.Authz != nil {
		// A remembered decision costs well under a microsecond; an error
		// only hides the link, the pages themselves check again.
		ok, err := s.Authz.Can(c.Request.Context(), p.User.ID, authz.ActManageRoles, authz.Target{})
		if err != nil {
			logger(c).Error("authz: check for the admin link", "error", err)
		}
		p.CanAdmin = ok
		reach, err := s.Authz.ReachOf(c.Request.Context(), p.User.ID, authz.ActModerate)
		if err != nil {
			logger(c).Error("authz: reach for the moderation link", "error", err)
		}
		p.CanModerate = !reach.None()
		p.Suspension = suspensionText(p.L, p.User)
	}
	if id, ok := notices[c.Query("fait")]; ok {
		p.Notice = p.L.T(id)
	}
	if p.Portal != nil {
		p.Theme, _ = s.look().themes.Get(p.Portal.Theme)
		p.Languages = p.Portal.Locales.Enabled
	}
	return p
}

// suspensionText tells a suspended person why and until when; "" for
// anyone else.
func suspensionText(l *i18n.Localizer, u *signedIn) string {
	if u == nil || !u.SuspendedNow(time.Now()) {
		return ""
	}
	return l.T("account.suspended", "Until", l.DateTime(*u.SuspendedUntil), "Reason", u.SuspensionReason)
}

// localizer is the request's; on paths that fail before negotiation (an
// unknown host) it is chosen from Accept-Language alone.
func localizer(c *gin.Context, s *Server) *i18n.Localizer {
	if l, ok := c.Get(ctxLocalizer); ok {
		return l.(*i18n.Localizer)
	}
	lang := i18n.Negotiate("", c.GetHeader("Accept-Language"), s.Messages.Locales(), i18n.Source)
	return s.Messages.For(lang)
}

// render executes a page into a buffer first, so that a template error
// becomes a clean error page rather than half a page.
func (s *Server) render(c *gin.Context, status int, name string, p *Page) {
	t, ok := s.look().viewsFor(p.Theme).pages[name]
	if !ok {
		s.renderError(c, fmt.Errorf("web: no template %q", name))
		return
	}
	p.tmpl, p.cards, p.fragments = t, &s.cards, &s.fragments
	buf := s.buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			s.buffers.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "layout", p); err != nil {
		if name == "error" {
			// The error page itself failed: fall back to plain text.
			logger(c).Error("render error page", "error", err)
			c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("500 Internal Server Error"))
			c.Abort()
			return
		}
		s.renderError(c, fmt.Errorf("web: render %s: %w", name, err))
		return
	}
	// Data writes the bytes out before it returns (through gzip when the
	// client takes it), so the buffer may go back to the pool afterwards.
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// maxPooledBuffer is the largest page buffer kept for the next request;
// one grown past it by an unusually long page is let go.
const maxPooledBuffer = 1 << 20

// Errors the web layer knows how to show.
var (
	errNotFound    = errors.New("not found")
	errUnknownHost = errors.New("unknown host")
	errUnavailable = errors.New("portal unavailable")
	errCSRF        = errors.New("form token missing or wrong")
	errForbidden   = errors.New("forbidden")
	errBadToken    = errors.New("unknown API token")
	errSuspended   = errors.New("account suspended")
	errNeedSignIn  = errors.New("sign-in required")
)

type rateLimited struct{ retryIn time.Duration }

func (r rateLimited) Error() string { return fmt.Sprintf("rate limited for %s", r.retryIn) }

// errorView is the safe, translated face of an error.
type errorView struct {
	Status   int
	Title    string
	Text     string
	HomeLink bool
}

// renderError is the one place errors become responses: a status and a
// plain message in the person's language, as HTML or JSON. Internal details
// go to the log, never to the page.
func (s *Server) renderError(c *gin.Context, err error) {
	l := localizer(c, s)
	v := errorView{HomeLink: currentTenant(c) != nil}
	var rl rateLimited
	switch {
	case errors.Is(err, errNotFound):
		v.Status, v.Title, v.Text = http.StatusNotFound, l.T("error.not_found.title"), l.T("error.not_found.text")
	case errors.Is(err, errUnknownHost):
		v.Status, v.Title, v.Text = http.StatusNotFound, l.T("error.not_found.title"), l.T("error.unknown_host.text")
	case errors.Is(err, errUnavailable), errors.Is(err, db.ErrTenantUnavailable):
		v.Status, v.Title, v.Text = http.StatusServiceUnavailable, l.T("error.unavailable.title"), l.T("error.unavailable.text")
		c.Header("Retry-After", "120")
	case errors.Is(err, errBadToken), errors.Is(err, errNeedSignIn):
		v.Status, v.Title, v.Text = http.StatusUnauthorized, l.T("error.unauthorized.title"), l.T("login.required")
		c.Header("WWW-Authenticate", `Bearer realm="entraide"`)
	case errors.Is(err, errSuspended):
		v.Status, v.Title, v.Text = http.StatusForbidden, l.T("error.forbidden.title"), suspensionText(l, currentUser(c))
	case errors.Is(err, moderation.ErrOwnContent):
		v.Status, v.Title, v.Text = http.StatusForbidden, l.T("error.forbidden.title"), l.T("moderation.error.own")
	case errors.Is(err, moderation.ErrNotApplicable):
		v.Status, v.Title, v.Text = http.StatusConflict, l.T("moderation.error.not_applicable.title"), l.T("moderation.error.not_applicable")
	case errors.Is(err, moderation.ErrNotFound):
		v.Status, v.Title, v.Text = http.StatusNotFound, l.T("error.not_found.title"), l.T("error.not_found.text")
	case errors.Is(err, errForbidden), errors.Is(err, moderation.ErrForbidden):
		v.Status, v.Title, v.Text = http.StatusForbidden, l.T("error.forbidden.title"), l.T("error.forbidden.text")
	case errors.Is(err, errCSRF):
		v.Status, v.Title, v.Text = http.StatusForbidden, l.T("form.csrf.title"), l.T("form.csrf")
	case errors.As(err, &rl):
		minutes := int(math.Ceil(rl.retryIn.Minutes()))
		v.Status, v.Title, v.Text = http.StatusTooManyRequests, l.T("error.rate_limited.title"), l.N("error.rate_limited.text", max(minutes, 1))
	default:
		logger(c).Error("request failed", "error", err)
		v.Status, v.Title = http.StatusInternalServerError, l.T("error.internal.title")
		v.Text = l.T("error.internal.text", "RequestID", c.GetString(ctxRequestID))
	}

	if wantsJSON(c) {
		c.AbortWithStatusJSON(v.Status, gin.H{"error": gin.H{"status": v.Status, "title": v.Title, "message": v.Text}})
		return
	}
	s.render(c, v.Status, "error", s.page(c, v.Title, v))
	c.Abort()
}

// wantsJSON prefers JSON for API paths and clients that ask only for it.
func wantsJSON(c *gin.Context) bool {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		return true
	}
	accept := c.GetHeader("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// FormFor is the page as one of its several forms sees it: with the
// submitted values and errors when that form is the one that was sent
// (the page's data says which, through SentForm), without them otherwise.
func (p *Page) FormFor(name string) *Page {
	q := *p
	q.idPrefix = name + "-"
	if v, ok := p.Data.(interface{ SentForm() string }); !ok || v.SentForm() != name {
		q.Form = nil
	}
	return &q
}

// portOf returns ":port" of a host, or "" when it has none, so links
// between a portal's hosts keep the port in development.
func portOf(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		return host[i:]
	}
	return ""
}

// maxPageNumber bounds ?page=: far past any real list, and small enough
// that page × page size never overflows into a negative OFFSET.
const maxPageNumber = 100_000

// pageParam reads ?page=, from 1; anything else (missing, not a number,
// out of range) is the nearest valid page.
func pageParam(c *gin.Context) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil {
		return 1
	}
	return min(max(n, 1), maxPageNumber)
}

// idParam reads the numeric :id of the path; on anything else it answers
// 404 and reports false.
func (s *Server) idParam(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.renderError(c, errNotFound)
		return 0, false
	}
	return id, true
}
