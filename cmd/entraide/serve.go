package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/config"
	"github.com/entraide/entraide/internal/conversation"
	"github.com/entraide/entraide/internal/db"
	"github.com/entraide/entraide/internal/events"
	"github.com/entraide/entraide/internal/forum"
	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/jobs"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/mail"
	"github.com/entraide/entraide/internal/migrate"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/news"
	"github.com/entraide/entraide/internal/pagecache"
	"github.com/entraide/entraide/internal/profile"
	"github.com/entraide/entraide/internal/referents"
	"github.com/entraide/entraide/internal/report"
	"github.com/entraide/entraide/internal/session"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/web"
)

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	stopProfile, err := startProfile("serve-start")
	if err != nil {
		return err
	}
	cfg, err := commonFlags("serve", args, stderr, nil)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	themes, reg, err := loadPortals(cfg, stderr)
	if err != nil {
		return err
	}
	messages, err := i18n.Load()
	if err != nil {
		return err
	}
	if err := setPortalWords(messages, reg.All()); err != nil {
		return err
	}
	atlas, err := loadAtlas(reg)
	if err != nil {
		return err
	}
	secret, err := secretKey(cfg, log)
	if err != nil {
		return err
	}
	proxies, _ := cfg.TrustedPrefixes() // validated by config.Load

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	d, err := db.Open(ctx, dbOptions(cfg))
	if err != nil {
		return err
	}
	defer d.Close()

	// A portal that fails to migrate or provision is reported and not
	// served; the others are.
	var migrated map[tenant.Slug]bool
	if cfg.MigrateOnStart {
		ok, err := migrateAll(ctx, cfg, d, reg, log, io.Discard)
		if err != nil {
			log.Error("migrations incomplete", "error", err)
		}
		migrated = map[tenant.Slug]bool{}
		for _, s := range ok {
			migrated[s] = true
		}
	}
	if err := markServable(ctx, cfg, d, reg, migrated, log); err != nil {
		return err
	}

	store, err := openKV(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close()
	pages := pagecache.New(store, pagecache.Options{TTL: cfg.PageCacheTTL, MaxBytes: int64(cfg.PageCacheMB) << 20})
	if pages.Enabled() {
		d.AfterWrite(pagecache.PeopleTables, pages.OnWrite(log))
	}

	smtpURL, _ := cfg.SMTPServer() // validated by config.Load
	sender, err := mail.New(mail.Options{SMTP: smtpURL, OutboxDir: cfg.OutboxDir}, log)
	if err != nil {
		return err
	}
	queuePool, err := db.OpenQueuePool(ctx, dbOptions(cfg))
	if err != nil {
		return err
	}
	defer queuePool.Close()
	// The job queue is made after its workers; the mailer reaches it
	// through this pointer, set before anything is served.
	mailer := &mail.Queued{}
	posts := help.New(help.Deps{DB: d, Place: help.Place(placeOf(atlas)), Neighbours: atlas.Neighbours,
		Portals: reg.All(), Mailer: mailer, Messages: messages})
	// The authorizer is made after the queue; the calendar asks it
	// through this pointer, set before anything is served.
	var az *authz.Authorizer
	calendar := events.New(events.Deps{DB: d, Place: events.Place(placeOf(atlas)), Portals: reg.All(),
		MayOrganise: organiseCheck(&az), Mailer: mailer, Messages: messages})
	workers := jobs.NewWorkers(reg, log)
	mail.Register(workers, sender, cfg.MailFrom, log)
	help.RegisterJobs(workers, posts, help.Notices{Messages: messages,
		PortalURL: func(t *tenant.Tenant) string { return cfg.PortalURL(t.Hosts[0]) }}, log)
	events.RegisterJobs(workers, calendar, events.Notices{Messages: messages,
		PortalURL: func(t *tenant.Tenant) string { return cfg.PortalURL(t.Hosts[0]) }}, log)
	queue, err := jobs.New(queuePool, workers, log)
	if err != nil {
		return err
	}
	mailer.Queue = queue
	if err := queue.Start(ctx); err != nil {
		return err
	}

	az, closeAZ, err := newAuthorizer(ctx, cfg, d, atlas, log)
	if err != nil {
		return err
	}
	defer closeAZ()
	sessions := session.New(store)
	accounts := account.New(account.Deps{
		DB: d, Sessions: sessions, KV: store, Messages: messages,
		Mailer: mailer, Place: placeOf(atlas),
	})
	deps := web.Deps{
		Log: log, DB: d, KV: store, Tenants: reg, Themes: themes, ThemesDir: cfg.ThemesDir, Messages: messages,
		Accounts: accounts, Sessions: sessions, Atlas: atlas, Authz: az, Help: posts, Secret: secret,
		Conversations: conversation.New(d, mailer, messages),
		Reports:       report.New(d),
		Moderation:    moderation.New(moderation.Deps{DB: d, Authz: az, Mailer: mailer, Messages: messages, Logger: log}),
		Referents:     referents.New(d, az),
		News:          news.New(d, az, reg.All()),
		Events:        calendar,
		Forum: forum.New(forum.Deps{DB: d, Place: forum.Place(placeOf(atlas)), Portals: reg.All(), Mailer: mailer,
			Messages: messages}),
		Profiles:       profile.New(profile.Deps{DB: d, Neighbours: atlas.Neighbours, Portals: reg.All()}),
		TrustedProxies: proxies, RateLimitPerMinute: cfg.RateLimitPerMinute, Dev: cfg.Dev,
		Pages: pages,
	}
	if outbox, ok := sender.(*mail.Outbox); ok && cfg.Dev {
		deps.Outbox = outbox
	}
	srv, err := web.New(deps)
	if err != nil {
		return err
	}
	httpServer := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	for _, t := range reg.All() {
		log.Info("portal", "tenant", t.Slug, "name", t.Name, "url", fmt.Sprintf("http://%s:%s/", t.Hosts[0], port), "served", d.Servable(t.Slug))
	}
	log.Info("listening", "addr", ln.Addr().String())
	if err := stopProfile(); err != nil {
		return fmt.Errorf("start profile: %w", err)
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()
	if cfg.PprofAddr != "" {
		go servePprof(ctx, cfg.PprofAddr, log)
	}
	go reloadThemesOnHUP(ctx, srv, log)
	if cfg.Dev {
		// A designer sees an edited theme on the next page, no restart.
		go srv.WatchThemes(ctx, time.Second)
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	errHTTP := httpServer.Shutdown(shutdownCtx)
	errJobs := queue.Stop(shutdownCtx)
	if err := errors.Join(errHTTP, errJobs); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// reloadThemesOnHUP reads the themes again on SIGHUP, so a département's
// new look goes live without a restart. A broken theme is logged with the
// theme and token at fault, and the running look stays.
func reloadThemesOnHUP(ctx context.Context, srv *web.Server, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := srv.ReloadThemes(); err != nil {
				log.Error("SIGHUP: themes not reloaded", "error", err)
				continue
			}
			log.Info("SIGHUP: themes reloaded")
		}
	}
}

// organiseCheck answers the calendar's question "may this person publish
// an event here without a moderator?" with the authorizer az points to.
func organiseCheck(az **authz.Authorizer) events.MayOrganise {
	return func(ctx context.Context, userID int64, commune, category string) (bool, error) {
		return (*az).Can(ctx, userID, authz.ActOrganiseEvent, authz.Target{Commune: commune, Category: category})
	}
}

// loadAtlas reads the embedded territory data and checks it covers every
// portal's département.
func loadAtlas(reg *tenant.Registry) (*territory.Atlas, error) {
	atlas, err := territory.Load()
	if err != nil {
		return nil, err
	}
	for _, t := range reg.All() {
		if _, ok := atlas.Departement(t.Departement); !ok {
			return nil, fmt.Errorf("%s: departement %q has no territory data: run `make territories` and rebuild", t.File, t.Departement)
		}
	}
	return atlas, nil
}

// placeOf answers the account package's question "where is this commune?".
func placeOf(atlas *territory.Atlas) account.Place {
	return func(code string) (string, string, bool) {
		c, ok := atlas.Commune(code)
		return c.EPCI, c.Departement, ok
	}
}

// secretKey returns the key that signs forms and cookies. In development an
// ephemeral one is made (forms open before a restart then fail, with a
// plain message); in production it must be configured.
func secretKey(cfg config.Config, log *slog.Logger) ([]byte, error) {
	if cfg.SecretKey != "" {
		return []byte(cfg.SecretKey), nil
	}
	if !cfg.Dev {
		return nil, fmt.Errorf("secret_key is not set: set ENTRAIDE_SECRET_KEY to 32 or more random characters (for example: openssl rand -base64 33)")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	log.Warn("dev: no secret_key, using an ephemeral one: forms opened before a restart will be refused")
	return b, nil
}

// markServable lets the database serve exactly the portals whose schema is
// at this binary's version (and, when migrated is not nil, that migrated
// cleanly in this run); the others answer 503 until fixed.
func markServable(ctx context.Context, cfg config.Config, d *db.DB, reg *tenant.Registry, migrated map[tenant.Slug]bool, log *slog.Logger) error {
	m, err := migrate.New(d.Pool(), log, cfg.MigrateConcurrency, nil)
	if err != nil {
		return err
	}
	statuses, err := m.Check(ctx, reg.All())
	if err != nil {
		return fmt.Errorf("check portal schemas (did `entraide migrate` run?): %w", err)
	}
	var ok []tenant.Slug
	for _, s := range statuses {
		if s.Problem != "" {
			log.Error("portal not served: schema not at this binary's version", "tenant", s.Slug, "problem", s.Problem)
			continue
		}
		if migrated != nil && !migrated[s.Slug] {
			log.Error("portal not served: its migration or provisioning failed at start", "tenant", s.Slug)
			continue
		}
		ok = append(ok, s.Slug)
	}
	d.SetServable(ok)
	return nil
}

// openKV connects to Redis when configured. A configured Redis that does
// not answer stops the start: falling back silently would split sessions
// and rate limits between instances.
func openKV(ctx context.Context, cfg config.Config, log *slog.Logger) (kv.Store, error) {
	if cfg.RedisURL == "" {
		log.Warn("no Redis configured: sessions, rate limits and caches stay in this process; run a single instance")
		return kv.NewMemory(), nil
	}
	r, err := kv.OpenRedis(ctx, cfg.RedisURL, cfg.RedisPrefix)
	if err != nil {
		return nil, err
	}
	log.Info("redis connected", "prefix", cfg.RedisPrefix)
	return r, nil
}

// servePprof serves Go's profiler on its own loopback listener, never on
// the portals' one: measurements (`make bench`) read CPU and memory
// profiles of the running server there.
func servePprof(ctx context.Context, addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	log.Info("profiler listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Error("profiler stopped", "error", err)
	}
}
