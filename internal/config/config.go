// Package config owns the deployment's configuration: one typed, validated
// struct read once at start from an optional file, then ENTRAIDE_* environment
// variables (DATABASE_URL and REDIS_URL are honoured too). Nothing else in the
// program reads viper or the environment for settings.
package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
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

	// RateLimitPerMinute is how many requests one address may make to one
	// portal per minute before getting 429.
	RateLimitPerMinute int `mapstructure:"rate_limit_per_minute"`

	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	LogLevel        string        `mapstructure:"log_level"`
	LogFormat       string        `mapstructure:"log_format"` // json or text
	// Dev enables development-only pages and plainer logs. Never in production.
	Dev bool `mapstructure:"dev"`
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
		DBMaxConnLifetime:  10 * time.Minute,
		DBMaxConnIdleTime:  2 * time.Minute,
		RateLimitPerMinute: 600,
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
	if c.DBMaxConns < 2 {
		errs = append(errs, fmt.Errorf("db_max_conns: must be at least 2 (got %d)", c.DBMaxConns))
	}
	if c.DBMaxConnLifetime <= 0 {
		errs = append(errs, errors.New("db_max_conn_lifetime: must be positive, so connections are recycled"))
	}
	if c.RateLimitPerMinute < 1 {
		errs = append(errs, fmt.Errorf("rate_limit_per_minute: must be at least 1 (got %d)", c.RateLimitPerMinute))
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
