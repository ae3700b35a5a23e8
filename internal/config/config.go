// Package config owns the deployment's configuration: one typed, validated
// struct read once at start from an optional file, then ENTRAIDE_* environment
// variables (DATABASE_URL and REDIS_URL are honoured too). Nothing else in the
// program reads viper or the environment for settings.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Config is the deployment's settings. Per-portal settings live in tenants/.
type Config struct {
	// HTTPAddr is where the server listens.
	HTTPAddr string `mapstructure:"http_addr"`
	// DatabaseURL is the PostgreSQL database holding every portal's schema.
	DatabaseURL string `mapstructure:"database_url"`
	// RedisURL is optional: without it the server runs as a single instance
	// with in-process sessions, rate limits and caches.
	RedisURL string `mapstructure:"redis_url"`
	// RedisPrefix namespaces every key this deployment writes in Redis.
	RedisPrefix string `mapstructure:"redis_prefix"`

	TenantsDir string `mapstructure:"tenants_dir"`
	ThemesDir  string `mapstructure:"themes_dir"`

	// TrustedProxies are the addresses (CIDR) whose X-Forwarded-For and
	// X-Forwarded-Host headers are believed. Empty: nobody's.
	TrustedProxies []string `mapstructure:"trusted_proxies"`

	// MigrateOnStart makes serve apply pending migrations before listening.
	MigrateOnStart bool `mapstructure:"migrate_on_start"`
	// MigrateConcurrency bounds how many portal schemas migrate at once.
	MigrateConcurrency int `mapstructure:"migrate_concurrency"`

	DBMaxConns        int32         `mapstructure:"db_max_conns"`
	DBMaxConnLifetime time.Duration `mapstructure:"db_max_conn_lifetime"`
	DBMaxConnIdleTime time.Duration `mapstructure:"db_max_conn_idle_time"`
	// DBMaxConnSchemas closes a pooled connection once it has served this
	// many distinct portal schemas; 0 turns it off. PostgreSQL caches every
	// table a connection opens, once per schema, for the connection's life.
	DBMaxConnSchemas int `mapstructure:"db_max_conn_schemas"`

	// RateLimitPerMinute is how many requests one address may make to one
	// portal per minute before getting 429.
	RateLimitPerMinute int `mapstructure:"rate_limit_per_minute"`

	// PageCacheTTL is how long a public page drawn for a visitor who is not
	// signed in may be served again to others; 0 turns the page cache off.
	// Any write in a portal retires its pages at once, whatever this says:
	// the lifetime only bounds what changes with time alone.
	PageCacheTTL time.Duration `mapstructure:"page_cache_ttl"`
	// PageCacheMB bounds the page cache's memory, in megabytes (0: off).
	PageCacheMB int `mapstructure:"page_cache_mb"`

	// SMTPURL is the mail server that sends every portal's email:
	// smtp://user:password@host:587 (STARTTLS, required whenever the server
	// offers it) or smtps://user:password@host:465 (TLS from the first
	// byte). Empty: messages are written to OutboxDir and reach nobody,
	// which is what development wants. The URL holds a password: set it
	// through the environment (ENTRAIDE_SMTP_URL), never in a committed
	// file, and print it only through SMTPServer().Redacted().
	SMTPURL string `mapstructure:"smtp_url"`
	// MailFrom is the sender address of the portals whose file does not set
	// email.from_address.
	MailFrom string `mapstructure:"mail_from"`
	// OutboxDir is where messages are written, one .eml file per message
	// under a directory per portal, when SMTPURL is empty.
	OutboxDir string `mapstructure:"outbox_dir"`

	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	LogLevel        string        `mapstructure:"log_level"`
	LogFormat       string        `mapstructure:"log_format"` // json or text
	// PublicScheme and PublicPort make the portals' addresses in emails sent
	// by background jobs, which have no request to copy them from:
	// <scheme>://<first host>[:port]/.
	PublicScheme string `mapstructure:"public_scheme"`
	PublicPort   int    `mapstructure:"public_port"`

	// SecretKey signs form tokens and device cookies. At least 32
	// characters, kept out of the repository (ENTRAIDE_SECRET_KEY); serve
	// refuses to start without one unless dev is set.
	SecretKey string `mapstructure:"secret_key"`

	// Dev enables development-only pages (the outbox of sent emails), an
	// ephemeral secret key, and reloading themes when their files change.
	// Never in production.
	Dev bool `mapstructure:"dev"`

	// PprofAddr is a loopback address where Go's profiler
	// (net/http/pprof) listens, apart from the portals, for measuring a
	// running server (`make bench` uses it). Empty: no profiler.
	PprofAddr string `mapstructure:"pprof_addr"`
}

// Defaults are the values used when neither the file nor the environment
// says otherwise.
func Defaults() Config {
	return Config{
		HTTPAddr:           ":8080",
		DatabaseURL:        "postgres://postgres@127.0.0.1:5432/entraide?sslmode=disable",
		RedisPrefix:        "entraide:",
		TenantsDir:         "tenants",
		ThemesDir:          "themes",
		MigrateOnStart:     true,
		MigrateConcurrency: 8,
		DBMaxConns:         16,
		// Connections are recycled so that PostgreSQL's per-backend catalog
		// cache, which grows with every schema a connection touches, stays
		// bounded when one deployment serves hundreds of portals.
		DBMaxConnLifetime: 10 * time.Minute,
		DBMaxConnIdleTime: 2 * time.Minute,
		// Age alone does not bound that cache: a busy connection can serve
		// a thousand portals in a minute. See internal/db/recycle.go.
		DBMaxConnSchemas:   100,
		RateLimitPerMinute: 600,
		PageCacheTTL:       30 * time.Second,
		PageCacheMB:        64,
		MailFrom:           "entraide@localhost",
		PublicScheme:       "https",
		OutboxDir:          "var/outbox",
		ShutdownTimeout:    15 * time.Second,
		LogLevel:           "info",
		LogFormat:          "json",
	}
}

// Load reads the optional file (empty path: none) and the environment.
func Load(file string) (Config, error) {
	v := viper.New()
	def := Defaults()
	// Registering every key with its default is what lets AutomaticEnv find
	// ENTRAIDE_<KEY> for keys the file does not mention.
	defaults := map[string]any{}
	if err := mapstructure.Decode(def, &defaults); err != nil {
		return Config{}, fmt.Errorf("config defaults: %w", err)
	}
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("ENTRAIDE")
	v.AutomaticEnv()

	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("read config file %s: %w", file, err)
		}
	}

	var c Config
	var md mapstructure.Metadata
	err := v.Unmarshal(&c, func(dc *mapstructure.DecoderConfig) {
		dc.Metadata = &md
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		)
	})
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if len(md.Unused) > 0 {
		return Config{}, fmt.Errorf("config file %s: unknown field(s) %s", file, strings.Join(md.Unused, ", "))
	}

	// The conventional variables, set by most hosting platforms, win over
	// the file and the defaults (the environment is the operator's last
	// word) but not over an explicit ENTRAIDE_ variable.
	if os.Getenv("ENTRAIDE_DATABASE_URL") == "" && os.Getenv("DATABASE_URL") != "" {
		c.DatabaseURL = os.Getenv("DATABASE_URL")
	}
	if os.Getenv("ENTRAIDE_REDIS_URL") == "" && os.Getenv("REDIS_URL") != "" {
		c.RedisURL = os.Getenv("REDIS_URL")
	}
	return c, c.Validate()
}

// Validate checks the values that would otherwise fail late and obscurely.
func (c Config) Validate() error {
	var errs []error
	if c.HTTPAddr == "" {
		errs = append(errs, errors.New("http_addr: required"))
	}
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("database_url: required (or DATABASE_URL)"))
	}
	if _, err := c.TrustedPrefixes(); err != nil {
		errs = append(errs, err)
	}
	if c.MigrateConcurrency < 1 {
		errs = append(errs, fmt.Errorf("migrate_concurrency: must be at least 1 (got %d)", c.MigrateConcurrency))
	}
	if c.PublicScheme != "http" && c.PublicScheme != "https" {
		errs = append(errs, fmt.Errorf("public_scheme: must be http or https (got %q)", c.PublicScheme))
	}
	if c.PublicPort < 0 || c.PublicPort > 65535 {
		errs = append(errs, fmt.Errorf("public_port: must be a port number (got %d)", c.PublicPort))
	}
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		errs = append(errs, fmt.Errorf("secret_key: must be at least 32 characters (got %d)", len(c.SecretKey)))
	}
	if c.DBMaxConns < 2 {
		errs = append(errs, fmt.Errorf("db_max_conns: must be at least 2 (got %d)", c.DBMaxConns))
	}
	if c.DBMaxConnLifetime <= 0 {
		errs = append(errs, errors.New("db_max_conn_lifetime: must be positive, so connections are recycled"))
	}
	if c.DBMaxConnSchemas < 0 {
		errs = append(errs, fmt.Errorf("db_max_conn_schemas: must be 0 (off) or more (got %d)", c.DBMaxConnSchemas))
	}
	if c.PprofAddr != "" {
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if ip, perr := netip.ParseAddr(host); err != nil || (host != "localhost" && (perr != nil || !ip.IsLoopback())) {
			errs = append(errs, fmt.Errorf("pprof_addr: must be a loopback address such as 127.0.0.1:6060, profiles show the program's insides (got %q)", c.PprofAddr))
		}
	}
	if c.PageCacheTTL < 0 {
		errs = append(errs, fmt.Errorf("page_cache_ttl: must be 0 (off) or a positive duration such as 30s (got %s)", c.PageCacheTTL))
	}
	if c.PageCacheMB < 0 {
		errs = append(errs, fmt.Errorf("page_cache_mb: must be 0 (off) or more (got %d)", c.PageCacheMB))
	}
	if c.RateLimitPerMinute < 1 {
		errs = append(errs, fmt.Errorf("rate_limit_per_minute: must be at least 1 (got %d)", c.RateLimitPerMinute))
	}
	if _, err := c.SMTPServer(); err != nil {
		errs = append(errs, err)
	}
	if err := checkMailFrom(c.MailFrom); err != nil {
		errs = append(errs, err)
	}
	if c.SMTPURL == "" && strings.TrimSpace(c.OutboxDir) == "" {
		errs = append(errs, errors.New("outbox_dir: required when smtp_url is empty (messages are written there)"))
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		errs = append(errs, fmt.Errorf("log_format: must be json or text (got %q)", c.LogFormat))
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level: must be debug, info, warn or error (got %q)", c.LogLevel))
	}
	return errors.Join(errs...)
}

// PortalURL is a portal's public address, ending with "/".
func (c Config) PortalURL(host string) string {
	if c.PublicPort != 0 {
		return fmt.Sprintf("%s://%s:%d/", c.PublicScheme, host, c.PublicPort)
	}
	return c.PublicScheme + "://" + host + "/"
}

// TrustedPrefixes parses TrustedProxies. A bare address counts as a /32 or /128.
func (c Config) TrustedPrefixes() ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(c.TrustedProxies))
	for _, s := range c.TrustedProxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("trusted_proxies: %q is neither an address nor a CIDR range", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// SMTPServer parses SMTPURL: nil when it is empty (messages go to the
// outbox). Errors name the key and never repeat the URL, which holds a
// password; print a parsed URL with Redacted.
func (c Config) SMTPServer() (*url.URL, error) {
	if c.SMTPURL == "" {
		return nil, nil
	}
	// No message below repeats a part of the URL other than its scheme:
	// url.Parse's own errors quote the offending part, which is often the
	// password (an unescaped "/" or "#" in it moves the host boundary).
	u, err := url.Parse(c.SMTPURL)
	if err != nil {
		return nil, errors.New("smtp_url: not a valid URL (special characters in the user name or password must be percent-encoded)")
	}
	switch u.Scheme {
	case "smtp", "smtps":
	default:
		return nil, fmt.Errorf("smtp_url: must start with smtp:// (STARTTLS) or smtps:// (TLS) (got %q)", u.Scheme+"://")
	}
	if u.Hostname() == "" {
		return nil, errors.New("smtp_url: names no host")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, errors.New("smtp_url: the port must be a number between 1 and 65535")
		}
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, errors.New("smtp_url: must be only scheme://user:password@host:port, without a path or query")
	}
	if u.User != nil {
		if pw, ok := u.User.Password(); u.User.Username() == "" || !ok || pw == "" {
			return nil, errors.New("smtp_url: credentials need both a user name and a password (smtp://user:password@host:587); special characters in them must be percent-encoded")
		}
	}
	return u, nil
}

// checkMailFrom accepts a bare address (no display name: each portal's
// name is the display name) that net/mail parses back to itself. It must
// be ASCII: the address goes into the SMTP envelope, and not every server
// speaks SMTPUTF8.
func checkMailFrom(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" || !isASCII(s) {
		return fmt.Errorf("mail_from: must be a plain email address such as \"entraide@example.fr\" (got %q)", s)
	}
	return nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
