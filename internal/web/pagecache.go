package web

import (
	"bytes"
	"net/http"
	"slices"
	"strconv"

	"github.com/entraide/entraide/internal/pagecache"
	"github.com/gin-gonic/gin"
)

// The public pages (home, lists, a post, the agenda and its feed, news,
// forum, référents) are the same for every visitor who is not signed in:
// cachePage serves them from the page cache (package pagecache), which
// forgets a portal's pages as soon as anything in the portal is written.
// It is put on those routes one by one: a page is cached because someone
// decided it may be, never by default.

// cachedHeaders are the handler's headers a stored page keeps; the others
// (language, security headers, cookies) are set again by the middleware on
// every request.
var cachedHeaders = []string{"Content-Type", "Content-Disposition", "Cache-Control"}

// cacheStatus tells operators, and the benchmark, whether a page came from
// the cache ("hit") or was drawn ("miss"), on the routes that may cache.
const cacheStatus = "X-Cache"

func (s *Server) cachePage(c *gin.Context) {
	if !s.Pages.Enabled() || c.Request.Method != http.MethodGet || currentUser(c) != nil || bearerToken(c) != "" {
		c.Next()
		return
	}
	t := currentTenant(c)
	pre := prefetchedOf(c)
	version, err := pre.version, error(nil)
	if !pre.hasVersion {
		version, err = s.Pages.Version(c.Request.Context(), t.Slug)
	}
	if err != nil {
		// Without the version nobody can tell a stored page is still
		// true: draw it.
		logger(c).Error("page cache unavailable", "error", err)
		c.Next()
		return
	}
	// The host and scheme are those the visitor used, as the page's links
	// are (behind a proxy, from X-Forwarded-Host and -Proto): a territory
	// subdomain is another page, and feeds write absolute addresses.
	key := pagecache.Key(t.Slug, version, s.baseURL(c), localizer(c, s).Lang,
		strconv.FormatBool(wantsJSON(c)), c.Request.URL.RequestURI())
	if p, ok := s.Pages.Get(key); ok {
		servePage(c, p)
		return
	}

	cookies := len(c.Writer.Header().Values("Set-Cookie"))
	c.Header(cacheStatus, "miss")
	rec := &pageRecorder{ResponseWriter: c.Writer, limit: s.Pages.MaxPage()}
	c.Writer = rec
	c.Next()
	c.Writer = rec.ResponseWriter

	// Only a whole, successful page for nobody in particular is kept: no
	// error, no cookie set by the handler, and no form token (a token is
	// tied to one browser's cookie; another visitor's form would be
	// refused).
	token := c.GetString(ctxCSRF)
	if rec.Status() != http.StatusOK || rec.over || len(c.Errors) > 0 ||
		len(c.Writer.Header().Values("Set-Cookie")) != cookies ||
		(token != "" && bytes.Contains(rec.body.Bytes(), []byte(token))) {
		return
	}
	header := http.Header{}
	for _, k := range cachedHeaders {
		if v := c.Writer.Header().Values(k); len(v) > 0 {
			header[k] = slices.Clone(v)
		}
	}
	// The recorder is this request's alone: its bytes can be kept as they are.
	if err := s.Pages.Put(key, header, rec.body.Bytes()); err != nil {
		logger(c).Error("page cache: store", "error", err)
	}
}

// servePage writes a stored page, compressed when the client accepts it.
// The compress middleware sees Content-Encoding set and leaves it alone.
func servePage(c *gin.Context, p *pagecache.Page) {
	h := c.Writer.Header()
	for k, v := range p.Header {
		h[k] = slices.Clone(v)
	}
	body := p.Body
	if acceptsGzip(c.GetHeader("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = p.Gzip
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set(cacheStatus, "hit")
	c.Status(http.StatusOK)
	if _, err := c.Writer.Write(body); err != nil {
		// The visitor went away; nothing to tell them.
		logger(c).Debug("page cache: write", "error", err)
	}
	c.Abort()
}

// pageRecorder passes the page through to the client and keeps a copy of
// its body, up to limit bytes.
type pageRecorder struct {
	gin.ResponseWriter
	body  bytes.Buffer
	limit int64
	over  bool
}

func (r *pageRecorder) Write(p []byte) (int, error) {
	r.keep(p)
	return r.ResponseWriter.Write(p)
}

func (r *pageRecorder) WriteString(s string) (int, error) {
	r.keep([]byte(s))
	return r.ResponseWriter.WriteString(s)
}

func (r *pageRecorder) keep(p []byte) {
	if r.over {
		return
	}
	if int64(r.body.Len()+len(p)) > r.limit {
		r.over = true
		r.body = bytes.Buffer{}
		return
	}
	r.body.Write(p)
}
