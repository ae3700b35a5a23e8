// Package web is the HTTP face of the platform: the Gin engine, its
// middleware, the templates and static files, and thin handlers that call the
// capability packages. It resolves the portal from the host name before any
// portal route runs, and renders every error in one place.
package web

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/conversation"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/news"
	"github.com/entraide/entraide/internal/pagecache"
	"github.com/entraide/entraide/internal/profile"
	"github.com/entraide/entraide/internal/referents"
	"github.com/entraide/entraide/internal/report"
	"github.com/entraide/entraide/internal/session"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/theme"
	"github.com/gin-gonic/gin"
)

// Deps is what the web layer needs, built by cmd/entraide.
type Deps struct {
	Log     *slog.Logger
	DB      *db.DB
	KV      kv.Store
	Tenants *tenant.Registry
	Themes  *theme.Set
	// ThemesDir is where Themes were read from, for ReloadThemes.
	ThemesDir string
	Messages  *i18n.Bundle
	Accounts  *account.Service
	Sessions  *session.Store
	Atlas     *territory.Atlas
	Authz     *authz.Authorizer
	Help      *help.Service
	// Conversations are the private exchanges that follow a post.
	Conversations *conversation.Service
	Reports       *report.Service
	// Moderation is the référents' queue, decisions and log.
	Moderation *moderation.Service
	// News is the news feed and its alerts (module actualites).
	News *news.Service
	// Referents is the public directory of référents (module referents).
	Referents *referents.Service
	// Events is the calendar (agenda module).
	Events *events.Service
	// Forum and Profiles are the modules "forum" and "profils".
	Forum    *forum.Service
	Profiles *profile.Service
	// Pages keeps public pages for visitors who are not signed in; nil or
	// disabled: every page is drawn each time.
	Pages *pagecache.Cache
	// Secret signs CSRF tokens and device cookies; at least 32 bytes.
	Secret []byte
	// TrustedProxies may set X-Forwarded-For and X-Forwarded-Host.
	TrustedProxies []netip.Prefix
	// RateLimitPerMinute is the number of requests one address may make to
	// one portal in a minute.
	RateLimitPerMinute int
	// Dev enables development-only pages.
	Dev bool
	// Outbox, in development, is shown at /dev/courriels.
	Outbox *mail.Outbox
}

// Server holds the engine and its dependencies.
type Server struct {
	Deps
	engine *gin.Engine
	// looks holds the themes and their parsed templates; reloading themes
	// swaps it whole (see ReloadThemes).
	looks atomic.Pointer[look]
	// buffers recycles the *bytes.Buffer pages are drawn into (see
	// render): a fresh one would grow by doubling to the page's size, a
	// dozen allocations and twice the page in garbage on every request.
	buffers sync.Pool
	// cards remembers posts' cards as drawn (see PostCard).
	cards memo[cardKey]
	// fragments remembers parts of pages as drawn (see fragment).
	fragments memo[fragmentKey]
	// people remembers signed-in people's rows (see person).
	people remembered[personKey, account.User]
	// lists remembers pages of the list of posts as read (see listPosts).
	lists remembered[listKey, listedPosts]
	// queues remembers pages of référents' moderation queues (see
	// moderationQueuePage).
	queues remembered[queueKey, queuePage]
	// readVersion and readSession: rateLimit reads the page version and
	// the session record with its count, which it can only where they
	// live in the same store as the count (they do, in serve).
	readVersion, readSession bool
}

// New builds the engine with every route. Templates are parsed here, so a
// broken template stops the start rather than a request.
func New(d Deps) (*Server, error) {
	if len(d.Secret) < 32 {
		return nil, fmt.Errorf("web: the secret must be at least 32 bytes (got %d)", len(d.Secret))
	}
	if d.Themes == nil {
		return nil, fmt.Errorf("web: no themes")
	}
	l, err := newLook(d.Themes)
	if err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	// Gin trusts every proxy by default; we trust exactly the configured ones.
	proxies := make([]string, len(d.TrustedProxies))
	for i, p := range d.TrustedProxies {
		proxies[i] = p.String()
	}
	if err := e.SetTrustedProxies(proxies); err != nil {
		return nil, fmt.Errorf("web: trusted proxies: %w", err)
	}
	e.RemoteIPHeaders = []string{"X-Forwarded-For"}
	e.HandleMethodNotAllowed = false

	s := &Server{Deps: d, engine: e}
	s.readVersion = d.Pages.Enabled() && d.Pages.Backend() == d.KV
	s.readSession = d.Sessions != nil && d.Sessions.Backend() == d.KV
	s.buffers.New = func() any { return new(bytes.Buffer) }
	s.looks.Store(l)
	s.routes()
	return s, nil
}

// Handler is the root HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) routes() {
	e := s.engine
	e.Use(s.requestID, s.accessLog, compress, s.recover, securityHeaders)

	// Probes answer on any host: load balancers call them by address.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/static/:hash/:file", s.staticAsset)

	// The language is chosen before the rate limit so that a 429 page
	// speaks the person's language too.
	portalChain := []gin.HandlerFunc{s.resolveTenant, s.requireServable, s.negotiateLocale, s.rateLimit, s.limitBody, s.csrf, s.loadUser, s.userLocale}
	portal := e.Group("/", portalChain...)
	portal.GET("/", s.cachePage, s.home)
	portal.GET("/theme/:hash/:file", s.themeAsset)
	portal.GET("/mentions-legales", s.cachePage, s.legal)

	portal.GET("/inscription", s.registerForm)
	portal.POST("/inscription", s.register)
	portal.GET("/inscription/envoyee", s.registerSent)
	portal.GET("/confirmer", s.confirmForm)
	portal.POST("/confirmer", s.confirm)
	portal.GET("/confirmer/nouveau-lien", s.resendForm)
	portal.POST("/confirmer/nouveau-lien", s.resend)
	portal.GET("/connexion", s.loginForm)
	portal.POST("/connexion", s.login)
	portal.POST("/deconnexion", s.logout)
	portal.GET("/mot-de-passe/oublie", s.forgotForm)
	portal.POST("/mot-de-passe/oublie", s.forgot)
	portal.GET("/mot-de-passe/nouveau", s.resetForm)
	portal.POST("/mot-de-passe/nouveau", s.reset)
	portal.GET("/compte/email/confirmer", s.emailConfirmForm)
	portal.POST("/compte/email/confirmer", s.emailConfirm)

	if s.Dev && s.Outbox != nil {
		portal.GET("/dev/courriels", s.devOutbox)
		portal.GET("/dev/courriels/:id", s.devOutboxMessage)
	}

	posts := portal.Group("/annonces", s.requireModule("entraide"))
	posts.GET("", s.cachePage, s.postsList)
	posts.GET("/nouvelle", s.requireUser, s.newPostForm)
	posts.POST("/nouvelle", s.requireUser, s.createPost)
	posts.GET("/:id", s.cachePage, s.showPost)
	posts.POST("/:id", s.requireUser, s.changePost)
	posts.GET("/:id/modifier", s.requireUser, s.editPostForm)
	posts.POST("/:id/modifier", s.requireUser, s.updatePost)
	posts.POST("/:id/repondre", s.requireUser, s.answerPost)
	msgs := portal.Group("/messages", s.requireModule("entraide"), s.requireUser)
	msgs.GET("", s.conversations)
	msgs.GET("/:id", s.showConversation)
	msgs.POST("/:id", s.sendMessage)
	msgs.POST("/:id/aidant", s.chooseHelper)
	// Reports: the handler checks the module of what is reported.
	portal.GET("/signaler", s.requireUser, s.reportForm)
	portal.POST("/signaler", s.requireUser, s.sendReport)
	portal.GET("/mes-annonces", s.requireModule("entraide"), s.requireUser, s.myPosts)

	// Events (agenda module): pages, feeds; the API is in apiRoutes.
	s.eventRoutes(portal)
	// Forum and interest profiles (modules "forum" and "profils").
	fo := portal.Group("/forum", s.requireModule("forum"))
	fo.GET("", s.cachePage, s.forumHome)
	fo.GET("/nouveau", s.requireUser, s.forumNewForm)
	fo.POST("/nouveau", s.requireUser, s.forumCreate)
	fo.GET("/sujets/:id", s.cachePage, s.forumThread)
	fo.POST("/sujets/:id/repondre", s.requireUser, s.forumReply)
	fo.POST("/sujets/:id/suivre", s.requireUser, s.forumFollow)
	pr := portal.Group("/profils", s.requireModule("profils"), s.requireUser)
	pr.GET("/moi", s.myProfile)
	pr.GET("/:id", s.showProfile)
	pr.POST("/:id/ecrire", s.writeToNeighbour)
	portal.GET("/compte/profil", s.requireModule("profils"), s.requireUser, s.profileForm)
	portal.POST("/compte/profil", s.requireModule("profils"), s.requireUser, s.saveProfile)

	s.apiRoutes(portal.Group("/api/v1"))

	admin := portal.Group("/admin")
	admin.GET("/roles", s.requireCan(authz.ActManageRoles), s.rolesPage)
	admin.POST("/roles/attribuer", s.requireCan(authz.ActManageRoles), s.changeRole(true))
	admin.POST("/roles/retirer", s.requireCan(authz.ActManageRoles), s.changeRole(false))
	admin.GET("/journal", s.requireCan(authz.ActViewAudit), s.auditPage)
	admin.GET("/moderation", s.requireCan(authz.ActViewAudit), s.moderationLog)
	admin.GET("/moderation.csv", s.requireCan(authz.ActViewAudit), s.moderationLogCSV)

	portal.GET("/referents", s.requireModule("referents"), s.cachePage, s.referentsPage)
	portal.GET("/referents/:id/ecrire", s.requireModule("referents"), s.requireUser, s.referentWriteForm)
	portal.POST("/referents/:id/ecrire", s.requireModule("referents"), s.requireUser, s.referentWrite)
	portal.GET("/liens-utiles", s.requireModule("liens_utiles"), s.cachePage, s.linksPage)
	portal.GET("/actualites.atom", s.requireModule("actualites"), s.cachePage, s.newsAtom)
	nw := portal.Group("/actualites", s.requireModule("actualites"))
	nw.GET("", s.cachePage, s.newsList)
	nw.GET("/nouvelle", s.requireUser, s.newsForm)
	nw.POST("/nouvelle", s.requireUser, s.newsPublish)
	nw.GET("/:id", s.cachePage, s.newsShow)
	nw.GET("/:id/image", s.newsImage)

	// Moderation: the service checks each référent's reach on every item.
	mod := portal.Group("/moderation", s.requireUser)
	mod.GET("", s.moderationQueue)
	mod.GET("/tableau", s.moderationDashboard)
	for word := range moderationKinds {
		mod.GET("/"+word+"/:id", s.moderationItem(word))
		mod.POST("/"+word+"/:id", s.moderationDecide(word))
	}
	mod.POST("/personne/:id/lever", s.moderationLift)

	me := portal.Group("/compte", s.requireUser)
	me.GET("", s.accountPage)
	me.POST("/email", s.changeEmail)
	me.POST("/mot-de-passe", s.changePassword)
	me.POST("/sessions/fin", s.endSession)
	me.POST("/jetons", s.createToken)
	me.POST("/jetons/supprimer", s.revokeToken)
	me.GET("/supprimer", s.deleteForm)
	me.POST("/supprimer", s.deleteAccount)

	e.NoRoute(append(portalChain, func(c *gin.Context) {
		s.renderError(c, errNotFound)
	})...)
}

// Route is one registered method and path, for the test that checks the
// API description against what the server really serves.
type Route struct{ Method, Path string }

// Routes lists every route.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{r.Method, r.Path})
	}
	return out
}
