package config_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/config"
)

// settingVars is every environment variable Load reads.
var settingVars = []string{
	"ENTRAIDE_HTTP_ADDR", "ENTRAIDE_DATABASE_URL", "ENTRAIDE_REDIS_URL", "ENTRAIDE_REDIS_PREFIX",
	"ENTRAIDE_TENANTS_DIR", "ENTRAIDE_THEMES_DIR", "ENTRAIDE_TRUSTED_PROXIES",
	"ENTRAIDE_MIGRATE_ON_START", "ENTRAIDE_MIGRATE_CONCURRENCY",
	"ENTRAIDE_DB_MAX_CONNS", "ENTRAIDE_DB_MAX_CONN_LIFETIME", "ENTRAIDE_DB_MAX_CONN_IDLE_TIME", "ENTRAIDE_DB_MAX_CONN_SCHEMAS",
	"ENTRAIDE_RATE_LIMIT_PER_MINUTE", "ENTRAIDE_SHUTDOWN_TIMEOUT",
	"ENTRAIDE_LOG_LEVEL", "ENTRAIDE_LOG_FORMAT", "ENTRAIDE_DEV", "ENTRAIDE_SECRET_KEY", "ENTRAIDE_PUBLIC_SCHEME", "ENTRAIDE_PUBLIC_PORT",
	"ENTRAIDE_SMTP_URL", "ENTRAIDE_MAIL_FROM", "ENTRAIDE_OUTBOX_DIR",
	"DATABASE_URL", "REDIS_URL",
}

// cleanEnv unsets every variable Load reads for the duration of the test, so
// that the developer's or CI's environment cannot change the outcome.
// t.Setenv records the original value for restoring at the end; the variable
// is then truly unset, not merely empty.
func cleanEnv(t *testing.T) {
	t.Helper()
	for _, k := range settingVars {
		t.Setenv(k, "")
		if err := os.Unsetenv(k); err != nil {
			t.Fatalf("unset %s: %v", k, err)
		}
	}
}

// load calls Load and fails the test on error.
func load(t *testing.T, file string) config.Config {
	t.Helper()
	c, err := config.Load(file)
	if err != nil {
		t.Fatalf("Load(%q): %v", file, err)
	}
	return c
}

// writeFile writes content to name in a fresh temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDefaults(t *testing.T) {
	cleanEnv(t)
	c := load(t, "")
	d := config.Defaults()
	checks := []struct {
		name      string
		got, want any
	}{
		{"HTTPAddr", c.HTTPAddr, ":8080"},
		{"MigrateOnStart", c.MigrateOnStart, true},
		{"DatabaseURL", c.DatabaseURL, d.DatabaseURL},
		{"RedisURL", c.RedisURL, ""},
		{"RedisPrefix", c.RedisPrefix, "entraide:"},
		{"TenantsDir", c.TenantsDir, "tenants"},
		{"ThemesDir", c.ThemesDir, "themes"},
		{"len(TrustedProxies)", len(c.TrustedProxies), 0},
		{"MigrateConcurrency", c.MigrateConcurrency, d.MigrateConcurrency},
		{"DBMaxConns", c.DBMaxConns, d.DBMaxConns},
		{"DBMaxConnLifetime", c.DBMaxConnLifetime, d.DBMaxConnLifetime},
		{"DBMaxConnIdleTime", c.DBMaxConnIdleTime, d.DBMaxConnIdleTime},
		{"DBMaxConnSchemas", c.DBMaxConnSchemas, d.DBMaxConnSchemas},
		{"RateLimitPerMinute", c.RateLimitPerMinute, d.RateLimitPerMinute},
		{"ShutdownTimeout", c.ShutdownTimeout, d.ShutdownTimeout},
		{"LogLevel", c.LogLevel, "info"},
		{"LogFormat", c.LogFormat, "json"},
		{"Dev", c.Dev, false},
		{"SMTPURL", c.SMTPURL, ""},
		{"MailFrom", c.MailFrom, "entraide@localhost"},
		{"OutboxDir", c.OutboxDir, "var/outbox"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %#v, want %#v", ch.name, ch.got, ch.want)
		}
	}
	// Connections must be recycled, or PostgreSQL's per-backend catalog cache
	// grows without bound on a deployment with many portals.
	if c.DBMaxConnLifetime <= 0 {
		t.Errorf("DBMaxConnLifetime = %v, want > 0", c.DBMaxConnLifetime)
	}
	if err := d.Validate(); err != nil {
		t.Errorf("Defaults().Validate() = %v, want nil", err)
	}
}

func TestLoadEmptyEnvKeepsDefaults(t *testing.T) {
	// Viper's AutomaticEnv treats an empty variable as unset (AllowEmptyEnv
	// is off), and Load's DATABASE_URL/REDIS_URL fallback does the same, so
	// "ENTRAIDE_HTTP_ADDR=" in a compose file cannot blank a setting.
	cleanEnv(t)
	for _, k := range settingVars {
		t.Setenv(k, "")
	}
	c := load(t, "")
	d := config.Defaults()
	if c.HTTPAddr != ":8080" {
		t.Errorf("HTTPAddr = %q, want %q", c.HTTPAddr, ":8080")
	}
	if c.DatabaseURL != d.DatabaseURL {
		t.Errorf("DatabaseURL = %q, want the default %q", c.DatabaseURL, d.DatabaseURL)
	}
	if !c.MigrateOnStart {
		t.Errorf("MigrateOnStart = false, want the default true")
	}
	if c.DBMaxConnLifetime != d.DBMaxConnLifetime {
		t.Errorf("DBMaxConnLifetime = %v, want the default %v", c.DBMaxConnLifetime, d.DBMaxConnLifetime)
	}
}

func TestLoadEnvOverrides(t *testing.T) {
	cleanEnv(t)
	t.Setenv("ENTRAIDE_HTTP_ADDR", "127.0.0.1:9090")
	t.Setenv("ENTRAIDE_TENANTS_DIR", "/etc/entraide/tenants")
	t.Setenv("ENTRAIDE_DB_MAX_CONN_LIFETIME", "90s")
	t.Setenv("ENTRAIDE_TRUSTED_PROXIES", "10.0.0.0/8,192.0.2.1")
	t.Setenv("ENTRAIDE_MIGRATE_ON_START", "false")
	t.Setenv("ENTRAIDE_DB_MAX_CONNS", "32")
	t.Setenv("ENTRAIDE_DB_MAX_CONN_SCHEMAS", "0")
	t.Setenv("ENTRAIDE_SMTP_URL", "smtps://mailer:s3cr%2Ft@smtp.example.org:465")
	t.Setenv("ENTRAIDE_MAIL_FROM", "ne-pas-repondre@entraide.example.org")
	t.Setenv("ENTRAIDE_OUTBOX_DIR", "/tmp/outbox")
	c := load(t, "")

	if c.HTTPAddr != "127.0.0.1:9090" {
		t.Errorf("HTTPAddr = %q, want %q", c.HTTPAddr, "127.0.0.1:9090")
	}
	if c.TenantsDir != "/etc/entraide/tenants" {
		t.Errorf("TenantsDir = %q, want %q", c.TenantsDir, "/etc/entraide/tenants")
	}
	if c.DBMaxConnLifetime != 90*time.Second {
		t.Errorf("DBMaxConnLifetime = %v, want 1m30s", c.DBMaxConnLifetime)
	}
	if want := []string{"10.0.0.0/8", "192.0.2.1"}; !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %q, want %q", c.TrustedProxies, want)
	}
	if c.MigrateOnStart {
		t.Errorf("MigrateOnStart = true, want false")
	}
	if c.DBMaxConns != 32 {
		t.Errorf("DBMaxConns = %d, want 32", c.DBMaxConns)
	}
	if c.DBMaxConnSchemas != 0 {
		t.Errorf("DBMaxConnSchemas = %d, want 0 (off)", c.DBMaxConnSchemas)
	}
	if c.SMTPURL != "smtps://mailer:s3cr%2Ft@smtp.example.org:465" {
		t.Errorf("SMTPURL = %q, want the environment's", c.SMTPURL)
	}
	if c.MailFrom != "ne-pas-repondre@entraide.example.org" || c.OutboxDir != "/tmp/outbox" {
		t.Errorf("MailFrom, OutboxDir = %q, %q; want the environment's", c.MailFrom, c.OutboxDir)
	}
	// Settings the environment does not mention keep their defaults.
	if c.ThemesDir != "themes" {
		t.Errorf("ThemesDir = %q, want the default %q", c.ThemesDir, "themes")
	}
}

func TestLoadConventionalURLs(t *testing.T) {
	const (
		conventionalDB    = "postgres://app@db.internal:5432/entraide"
		explicitDB        = "postgres://entraide@primary.internal:5432/entraide"
		conventionalRedis = "redis://cache.internal:6379/0"
		explicitRedis     = "redis://entraide-cache.internal:6379/1"
	)
	tests := []struct {
		name      string
		env       map[string]string
		wantDB    string
		wantRedis string
	}{
		{
			name:      "DATABASE_URL and REDIS_URL are honoured",
			env:       map[string]string{"DATABASE_URL": conventionalDB, "REDIS_URL": conventionalRedis},
			wantDB:    conventionalDB,
			wantRedis: conventionalRedis,
		},
		{
			name: "ENTRAIDE_ variables win over the conventional ones",
			env: map[string]string{
				"DATABASE_URL": conventionalDB, "ENTRAIDE_DATABASE_URL": explicitDB,
				"REDIS_URL": conventionalRedis, "ENTRAIDE_REDIS_URL": explicitRedis,
			},
			wantDB:    explicitDB,
			wantRedis: explicitRedis,
		},
		{
			name:      "ENTRAIDE_ variables alone",
			env:       map[string]string{"ENTRAIDE_DATABASE_URL": explicitDB, "ENTRAIDE_REDIS_URL": explicitRedis},
			wantDB:    explicitDB,
			wantRedis: explicitRedis,
		},
		{
			name:      "neither",
			env:       map[string]string{},
			wantDB:    config.Defaults().DatabaseURL,
			wantRedis: "",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c := load(t, "")
			if c.DatabaseURL != tc.wantDB {
				t.Errorf("DatabaseURL = %q, want %q", c.DatabaseURL, tc.wantDB)
			}
			if c.RedisURL != tc.wantRedis {
				t.Errorf("RedisURL = %q, want %q", c.RedisURL, tc.wantRedis)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	cleanEnv(t)
	file := writeFile(t, "entraide.yaml", `http_addr: ":9000"
log_format: text
log_level: debug
trusted_proxies:
  - 10.0.0.0/8
  - 2001:db8::/32
db_max_conn_lifetime: 5m
migrate_concurrency: 2
dev: true
mail_from: entraide@calvados.example.org
outbox_dir: /srv/entraide/outbox
`)
	c := load(t, file)
	if c.HTTPAddr != ":9000" || c.LogFormat != "text" || c.LogLevel != "debug" ||
		c.DBMaxConnLifetime != 5*time.Minute || c.MigrateConcurrency != 2 || !c.Dev {
		t.Errorf("Load = %+v; want http_addr :9000, log_format text, log_level debug, "+
			"db_max_conn_lifetime 5m, migrate_concurrency 2, dev true", c)
	}
	if want := []string{"10.0.0.0/8", "2001:db8::/32"}; !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %q, want %q", c.TrustedProxies, want)
	}
	if c.MailFrom != "entraide@calvados.example.org" || c.OutboxDir != "/srv/entraide/outbox" {
		t.Errorf("MailFrom, OutboxDir = %q, %q; want the file's", c.MailFrom, c.OutboxDir)
	}
	// What the file does not set keeps its default.
	if c.TenantsDir != "tenants" {
		t.Errorf("TenantsDir = %q, want the default %q", c.TenantsDir, "tenants")
	}

	// The environment is read after the file and wins over it.
	t.Setenv("ENTRAIDE_HTTP_ADDR", ":7000")
	if c := load(t, file); c.HTTPAddr != ":7000" {
		t.Errorf("with ENTRAIDE_HTTP_ADDR set, HTTPAddr = %q, want %q", c.HTTPAddr, ":7000")
	}
}

func TestLoadFileRefused(t *testing.T) {
	tests := []struct {
		name    string
		content string // empty: the file does not exist
		want    []string
		// namesFile is set when the mistake is in the file itself. A value
		// refused by validation could as well have come from the
		// environment, so that message names the field only.
		namesFile bool
	}{
		{
			name:      "unknown key",
			content:   "http_adr: \":9000\"\n",
			want:      []string{"unknown field", "http_adr"},
			namesFile: true,
		},
		{
			name:      "missing file",
			content:   "",
			want:      []string{"read config file"},
			namesFile: true,
		},
		{
			name:    "invalid value",
			content: "log_format: xml\n",
			want:    []string{"log_format", `"xml"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			file := filepath.Join(t.TempDir(), "entraide.yaml")
			if tc.content != "" {
				file = writeFile(t, "entraide.yaml", tc.content)
			}
			_, err := config.Load(file)
			if err == nil {
				t.Fatalf("Load(%s) succeeded; want an error containing %q", file, tc.want)
			}
			want := tc.want
			if tc.namesFile {
				want = append(want[:len(want):len(want)], file)
			}
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*config.Config)
		want   string // the field the error must name
	}{
		{"bad log_format", func(c *config.Config) { c.LogFormat = "xml" }, "log_format"},
		{"bad log_level", func(c *config.Config) { c.LogLevel = "loud" }, "log_level"},
		{"bad trusted proxy", func(c *config.Config) { c.TrustedProxies = []string{"10.0.0.0/8", "proxy.local"} }, "trusted_proxies"},
		{"migrate_concurrency 0", func(c *config.Config) { c.MigrateConcurrency = 0 }, "migrate_concurrency"},
		{"short secret_key", func(c *config.Config) { c.SecretKey = "trop court" }, "secret_key"},
		{"public_scheme ftp", func(c *config.Config) { c.PublicScheme = "ftp" }, "public_scheme"},
		{"public_port out of range", func(c *config.Config) { c.PublicPort = 70000 }, "public_port"},
		{"db_max_conns 1", func(c *config.Config) { c.DBMaxConns = 1 }, "db_max_conns"},
		{"db_max_conn_lifetime 0", func(c *config.Config) { c.DBMaxConnLifetime = 0 }, "db_max_conn_lifetime"},
		{"db_max_conn_schemas negative", func(c *config.Config) { c.DBMaxConnSchemas = -1 }, "db_max_conn_schemas"},
		{"rate_limit_per_minute 0", func(c *config.Config) { c.RateLimitPerMinute = 0 }, "rate_limit_per_minute"},
		{"page_cache_ttl negative", func(c *config.Config) { c.PageCacheTTL = -time.Second }, "page_cache_ttl"},
		{"page_cache_mb negative", func(c *config.Config) { c.PageCacheMB = -1 }, "page_cache_mb"},
		{"empty http_addr", func(c *config.Config) { c.HTTPAddr = "" }, "http_addr"},
		{"empty database_url", func(c *config.Config) { c.DatabaseURL = "" }, "database_url"},
		{"bad smtp_url", func(c *config.Config) { c.SMTPURL = "http://mail.example.org" }, "smtp_url"},
		{"empty mail_from", func(c *config.Config) { c.MailFrom = "" }, "mail_from"},
		{"mail_from with a name", func(c *config.Config) { c.MailFrom = "Entraide <entraide@example.org>" }, "mail_from"},
		{"mail_from not an address", func(c *config.Config) { c.MailFrom = "entraide" }, "mail_from"},
		{"mail_from not ASCII", func(c *config.Config) { c.MailFrom = "entraide@lozère.example" }, "mail_from"},
		{"mail_from with a line break", func(c *config.Config) { c.MailFrom = "a@example.org\r\nBcc: b@example.org" }, "mail_from"},
		{"no outbox_dir nor smtp_url", func(c *config.Config) { c.OutboxDir = " " }, "outbox_dir"},
		{"pprof_addr on every interface", func(c *config.Config) { c.PprofAddr = ":6060" }, "pprof_addr"},
		{"pprof_addr public", func(c *config.Config) { c.PprofAddr = "192.0.2.10:6060" }, "pprof_addr"},
		{"pprof_addr without port", func(c *config.Config) { c.PprofAddr = "127.0.0.1" }, "pprof_addr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Defaults()
			tc.mutate(&c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want an error naming %s", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Validate() = %q, want it to name %q", err, tc.want)
			}
		})
	}

	t.Run("pprof_addr on loopback", func(t *testing.T) {
		for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060"} {
			c := config.Defaults()
			c.PprofAddr = addr
			if err := c.Validate(); err != nil {
				t.Errorf("pprof_addr %q: %v", addr, err)
			}
		}
	})

	t.Run("every mistake is reported", func(t *testing.T) {
		c := config.Defaults()
		c.LogFormat = "xml"
		c.MigrateConcurrency = 0
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), "log_format") || !strings.Contains(err.Error(), "migrate_concurrency") {
			t.Errorf("Validate() = %v, want it to name both log_format and migrate_concurrency", err)
		}
	})
}

func TestLoadValidatesEnvironment(t *testing.T) {
	// Values from the environment go through the same validation as the file.
	tests := []struct {
		name, key, value, want string
	}{
		{"bad log_format", "ENTRAIDE_LOG_FORMAT", "xml", "log_format"},
		{"bad trusted proxy", "ENTRAIDE_TRUSTED_PROXIES", "10.0.0.0/8,not-an-address", "trusted_proxies"},
		{"migrate_concurrency 0", "ENTRAIDE_MIGRATE_CONCURRENCY", "0", "migrate_concurrency"},
		{"bad smtp_url", "ENTRAIDE_SMTP_URL", "smtp://", "smtp_url"},
		{"bad mail_from", "ENTRAIDE_MAIL_FROM", "personne", "mail_from"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			t.Setenv(tc.key, tc.value)
			if _, err := config.Load(""); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("with %s=%q, Load error = %v, want one naming %s", tc.key, tc.value, err, tc.want)
			}
		})
	}
}

func TestTrustedPrefixes(t *testing.T) {
	tests := []struct {
		name    string
		proxies []string
		want    []string
	}{
		{"bare IPv4 address is a /32", []string{"192.0.2.1"}, []string{"192.0.2.1/32"}},
		{"bare IPv6 address is a /128", []string{"2001:db8::1"}, []string{"2001:db8::1/128"}},
		{"range is masked", []string{"10.1.2.3/8"}, []string{"10.0.0.0/8"}},
		{"spaces and empty entries are ignored", []string{" 10.0.0.0/8", "", "192.0.2.1 "}, []string{"10.0.0.0/8", "192.0.2.1/32"}},
		{"none", nil, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Config{TrustedProxies: tc.proxies}
			got, err := c.TrustedPrefixes()
			if err != nil {
				t.Fatalf("TrustedPrefixes() error: %v", err)
			}
			want := make([]netip.Prefix, len(tc.want))
			for i, s := range tc.want {
				want[i] = netip.MustParsePrefix(s)
			}
			if !slices.Equal(got, want) {
				t.Errorf("TrustedPrefixes(%q) = %v, want %v", tc.proxies, got, want)
			}
		})
	}

	c := config.Config{TrustedProxies: []string{"192.0.2.1", "proxy.local"}}
	if got, err := c.TrustedPrefixes(); err == nil || !strings.Contains(err.Error(), `"proxy.local"`) {
		t.Errorf("TrustedPrefixes(proxy.local) = %v, %v; want an error naming \"proxy.local\"", got, err)
	}
}

func TestSMTPServer(t *testing.T) {
	// The password of every case: no error message may repeat it.
	const secret = "Tr3s-s3cret"
	tests := []struct {
		name     string
		url      string
		wantHost string // empty: an error naming smtp_url is wanted
		wantErr  string
	}{
		{name: "STARTTLS with credentials", url: "smtp://mailer:" + secret + "@smtp.example.org:587", wantHost: "smtp.example.org:587"},
		{name: "implicit TLS", url: "smtps://mailer:" + secret + "@smtp.example.org:465", wantHost: "smtp.example.org:465"},
		{name: "no port: the sender picks the scheme's", url: "smtp://smtp.example.org", wantHost: "smtp.example.org"},
		{name: "no credentials, local relay", url: "smtp://127.0.0.1:25", wantHost: "127.0.0.1:25"},
		{name: "escaped user name and password", url: "smtp://mailer%40example.org:p%2Fss%23" + secret + "@[::1]:2525", wantHost: "[::1]:2525"},
		{name: "trailing slash", url: "smtp://smtp.example.org:587/", wantHost: "smtp.example.org:587"},
		{name: "other scheme", url: "https://mailer:" + secret + "@smtp.example.org", wantErr: "smtp://"},
		{name: "no scheme", url: "smtp.example.org:587", wantErr: "smtp://"},
		{name: "no host", url: "smtp://mailer:" + secret + "@:587", wantErr: "no host"},
		{name: "port out of range", url: "smtp://mailer:" + secret + "@smtp.example.org:99999", wantErr: "port"},
		{name: "unescaped slash in the password", url: "smtp://mailer:ab/" + secret + "@smtp.example.org:587", wantErr: "percent-encoded"},
		{name: "unescaped slash in a numeric password", url: "smtp://mailer:1234/" + secret + "@smtp.example.org:587", wantErr: "path"},
		{name: "query", url: "smtp://mailer:" + secret + "@smtp.example.org:587?tls=off", wantErr: "query"},
		{name: "user without password", url: "smtp://mailer@smtp.example.org:587", wantErr: "password"},
		{name: "password without user", url: "smtp://:" + secret + "@smtp.example.org:587", wantErr: "user name"},
		{name: "control character", url: "smtp://mailer:" + secret + "@smtp.example.org:587\n", wantErr: "not a valid URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Defaults()
			c.SMTPURL = tc.url
			u, err := c.SMTPServer()
			verr := c.Validate()
			if tc.wantErr == "" {
				if err != nil || verr != nil {
					t.Fatalf("SMTPServer() error %v, Validate() %v; want none", err, verr)
				}
				if u.Host != tc.wantHost {
					t.Errorf("host = %q, want %q", u.Host, tc.wantHost)
				}
				if strings.Contains(u.Redacted(), secret) {
					t.Errorf("Redacted() = %q shows the password", u.Redacted())
				}
				return
			}
			if err == nil || verr == nil {
				t.Fatalf("SMTPServer() = %v, %v and Validate() = %v; want errors containing %q", u, err, verr, tc.wantErr)
			}
			for _, e := range []error{err, verr} {
				if !strings.Contains(e.Error(), "smtp_url") || !strings.Contains(e.Error(), tc.wantErr) {
					t.Errorf("error = %q, want it to name smtp_url and contain %q", e, tc.wantErr)
				}
				if strings.Contains(e.Error(), secret) {
					t.Errorf("error = %q repeats the password", e)
				}
			}
		})
	}

	if u, err := config.Defaults().SMTPServer(); u != nil || err != nil {
		t.Errorf("SMTPServer() with no smtp_url = %v, %v; want nil, nil (the outbox)", u, err)
	}
	// With an SMTP server, the outbox is not used and need not be set.
	c := config.Defaults()
	c.SMTPURL, c.OutboxDir = "smtp://127.0.0.1:25", ""
	if err := c.Validate(); err != nil {
		t.Errorf("Validate() with smtp_url and no outbox_dir = %v, want nil", err)
	}
}
