package web

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/pagecache"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/gin-gonic/gin"
)

// Keys of values middleware leaves in the Gin context.
const (
	ctxRequestID = "entraide.request_id"
	ctxLocalizer = "entraide.localizer"
	ctxLogger    = "entraide.logger"
)

// requestID gives every request an id, echoed in X-Request-ID and every
// log line, so a person can quote it from an error page.
func (s *Server) requestID(c *gin.Context) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported systems; if it ever does,
		// requests are still served, with a time-based id.
		b = [8]byte{}
		copy(b[:], fmt.Sprintf("%08x", time.Now().UnixNano()))
	}
	id := hex.EncodeToString(b[:])
	c.Set(ctxRequestID, id)
	c.Set(ctxLogger, s.Log.With("request_id", id))
	c.Header("X-Request-ID", id)
	c.Next()
}

// logger returns the request's logger, carrying its id and, once resolved,
// its portal.
func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	logger(c).Log(c.Request.Context(), level, "request",
		"method", c.Request.Method, "path", c.Request.URL.Path, "status", status,
		"duration_ms", float64(time.Since(start).Microseconds())/1000, "ip", c.ClientIP(),
		"bytes", c.Writer.Size())
}

// recover turns a panic into the plain error page and a logged stack,
// instead of a dropped connection.
func (s *Server) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			logger(c).Error("panic", "panic", r, "stack", string(debug.Stack()))
			s.renderError(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// securityHeaders forbid what the pages never need: scripts from anywhere
// else, framing, sniffing content types, leaking full URLs to other sites.
func securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	c.Next()
}

// resolveTenant finds the portal from the host name. X-Forwarded-Host is
// believed only from a trusted proxy and removed otherwise, so that a client
// cannot switch portals by sending it.
func (s *Server) resolveTenant(c *gin.Context) {
	host := c.Request.Host
	if fwd := c.Request.Header.Get("X-Forwarded-Host"); fwd != "" {
		if s.fromTrustedProxy(c.Request.RemoteAddr) {
			// The proxy nearest us appends last; earlier values may come
			// from the client.
			parts := strings.Split(fwd, ",")
			host = strings.TrimSpace(parts[len(parts)-1])
		}
		c.Request.Header.Del("X-Forwarded-Host")
	}
	t, ok := s.Tenants.Resolve(host)
	if !ok {
		// <epci-slug>.<portal host> is the same portal, filtered on one
		// intercommunalité. Two map lookups, still no query.
		var epci territory.EPCI
		t, epci, ok = s.territoryHost(host)
		if !ok {
			s.renderError(c, errUnknownHost)
			return
		}
		c.Set(ctxTerritory, &epci)
	}
	c.Set(ctxTenant, t)
	c.Set(ctxHost, linkHost(host))
	c.Set(ctxLogger, logger(c).With("tenant", string(t.Slug)))
	c.Request = c.Request.WithContext(tenant.WithTenant(c.Request.Context(), t))
	c.Next()
}

// territoryHost resolves a territory subdomain: its first label must be the
// slug of an EPCI of the portal's département.
func (s *Server) territoryHost(host string) (*tenant.Tenant, territory.EPCI, bool) {
	label, rest, found := strings.Cut(tenant.NormalizeHost(host), ".")
	if !found {
		return nil, territory.EPCI{}, false
	}
	t, ok := s.Tenants.Resolve(rest)
	if !ok {
		return nil, territory.EPCI{}, false
	}
	e, ok := s.Atlas.EPCIBySlug(t.Departement, label)
	return t, e, ok
}

// currentTerritory is the intercommunalité of a territory subdomain, or nil.
func currentTerritory(c *gin.Context) *territory.EPCI {
	if v, ok := c.Get(ctxTerritory); ok {
		return v.(*territory.EPCI)
	}
	return nil
}

const (
	ctxTerritory = "entraide.territory"
	ctxTenant    = "entraide.tenant"
	// ctxHost is the host the person reached the portal by, for links.
	ctxHost = "entraide.host"
)

// linkHost lower-cases a host and drops a trailing dot, keeping
// the port: links in emails must lead back to where the person was.
func linkHost(host string) string {
	h := strings.ToLower(strings.TrimSpace(host))
	if name, port, err := net.SplitHostPort(h); err == nil {
		return strings.TrimSuffix(name, ".") + ":" + port
	}
	return strings.TrimSuffix(h, ".")
}

// currentTenant is the portal of the request, nil before resolution or on an
// unknown host.
func currentTenant(c *gin.Context) *tenant.Tenant {
	if v, ok := c.Get(ctxTenant); ok {
		return v.(*tenant.Tenant)
	}
	return nil
}

func (s *Server) fromTrustedProxy(remoteAddr string) bool {
	if len(s.TrustedProxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// requireServable refuses a portal whose schema is not at the version this
// binary expects: it answers 503 rather than risk reading a schema it does
// not understand.
func (s *Server) requireServable(c *gin.Context) {
	t := currentTenant(c)
	if t != nil && !s.DB.Servable(t.Slug) {
		s.renderError(c, errUnavailable)
		return
	}
	c.Next()
}

// rateLimit counts requests per portal and client address in a fixed
// one-minute window, in Redis when configured so that every instance shares
// the count. In the same round trip it reads what later steps need of the
// store (see prefetched).
func (s *Server) rateLimit(c *gin.Context) {
	t := currentTenant(c)
	ctx := c.Request.Context()
	key := "rl:" + string(t.Slug) + ":" + c.ClientIP()
	var want [3]string
	keys := want[:0]
	if s.readVersion {
		keys = append(keys, pagecache.VersionKey(t.Slug), pagecache.PeopleVersionKey(t.Slug))
	}
	token, _ := c.Cookie(sessionCookie)
	if s.readSession && bearerToken(c) == "" {
		if k := s.Sessions.RecordKey(ctx, token); k != "" {
			keys = append(keys, k)
		}
	}
	n, ttl, values, err := s.KV.IncrAndGet(ctx, key, time.Minute, keys...)
	if err != nil {
		// Refusing every request because the counter store is down would
		// turn a degraded feature into an outage; log it and serve.
		logger(c).Error("rate limit store unavailable", "error", err)
		c.Next()
		return
	}
	if n > int64(s.RateLimitPerMinute) {
		c.Header("Retry-After", fmt.Sprint(int(math.Ceil(ttl.Seconds()))))
		s.renderError(c, rateLimited{retryIn: ttl})
		return
	}
	pre := &prefetched{}
	if s.readVersion {
		pre.version, pre.peopleVersion, pre.hasVersion = string(values[0]), string(values[1]), true
		values = values[2:]
	}
	if len(values) > 0 {
		pre.session, pre.sessionToken = values[0], token
	}
	c.Set(ctxPrefetched, pre)
	c.Next()
}

// prefetched is what rateLimit read of the store besides its count: the
// portal's page version (for the page cache and remembered rows), the
// version of its people (for the signed-in person's remembered row) and
// the session record of the request's cookie. A step that finds nothing
// here (the store was down) reads for itself.
type prefetched struct {
	version, peopleVersion string
	hasVersion             bool
	// session is the record under sessionToken, the request's cookie
	// (nil: none); sessionToken is "" when it was not read.
	session      []byte
	sessionToken string
}

const ctxPrefetched = "entraide.prefetched"

func prefetchedOf(c *gin.Context) *prefetched {
	if v, ok := c.Get(ctxPrefetched); ok {
		return v.(*prefetched)
	}
	return &prefetched{}
}

// negotiateLocale picks the language: ?lang= (remembered in a cookie), then
// the cookie, then Accept-Language, then the portal's default.
func (s *Server) negotiateLocale(c *gin.Context) {
	enabled, def := s.Messages.Locales(), i18n.Source
	if t := currentTenant(c); t != nil {
		enabled, def = t.Locales.Enabled, t.Locales.Default
	}
	choice := c.Query("lang")
	if choice != "" && contains(enabled, choice) {
		c.SetSameSite(http.SameSiteLaxMode)
		c.SetCookie("lang", choice, 365*24*3600, "/", "", c.Request.TLS != nil, true)
	} else {
		choice, _ = c.Cookie("lang")
	}
	lang := i18n.Negotiate(choice, c.GetHeader("Accept-Language"), enabled, def)
	c.Set(ctxLocalizer, s.localizerFor(c, lang))
	c.Header("Content-Language", lang)
	c.Next()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// maxPageBody bounds what a form may send: the largest is a news item with
// its picture (news.MaxImage). The JSON API has its own, smaller limit.
const maxPageBody = 3 << 20

// limitBody stops a request body past maxPageBody, before anything reads
// it (the CSRF check parses forms).
func (s *Server) limitBody(c *gin.Context) {
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxPageBody)
	}
	c.Next()
}
