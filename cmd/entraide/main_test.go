package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/testutil"
)

// brokenTenants copies the shipped portal files into a temporary directory
// and breaks calvados.yaml in two ways.
func brokenTenants(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob("../../tenants/*.yaml")
	if err != nil || len(files) != 3 {
		t.Fatalf("shipped portal files: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "calvados.yaml" {
			s := strings.Replace(string(b), "request_expiry_days: 30", `request_expiry_days: "un mois"`, 1)
			s += "couleur: bleu\n"
			if s == string(b)+"couleur: bleu\n" {
				t.Fatal("calvados.yaml no longer has request_expiry_days: 30; update the test")
			}
			b = []byte(s)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// shippedDirs points the commands at the repository's own portals and themes.
func shippedDirs(t *testing.T) {
	t.Setenv("ENTRAIDE_TENANTS_DIR", "../../tenants")
	t.Setenv("ENTRAIDE_THEMES_DIR", "../../themes")
	t.Setenv("ENTRAIDE_CONFIG", "")
}

func TestTenantCheck(t *testing.T) {
	shippedDirs(t)
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"tenant", "check"}, &out, &errOut); err != nil {
		t.Fatalf("tenant check on the shipped files: %v\n%s", err, errOut.String())
	}
	for _, slug := range []string{"calvados", "lozere", "tousvoisins44"} {
		if !strings.Contains(out.String(), "ok  "+slug) {
			t.Fatalf("output does not list %s:\n%s", slug, out.String())
		}
	}

	broken := brokenTenants(t)
	for _, cmd := range [][]string{{"tenant", "check"}, {"serve"}} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			t.Setenv("ENTRAIDE_TENANTS_DIR", broken)
			// serve must refuse before touching the database.
			t.Setenv("ENTRAIDE_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
			var out, errOut bytes.Buffer
			err := run(context.Background(), cmd, &out, &errOut)
			if !errors.Is(err, errExit) {
				t.Fatalf("error = %v, want the exit-1 error", err)
			}
			msg := errOut.String()
			for _, want := range []string{
				filepath.Join(broken, "calvados.yaml") + ": rules.request_expiry_days: malformed value",
				filepath.Join(broken, "calvados.yaml") + ": couleur: unknown field",
			} {
				if !strings.Contains(msg, want) {
					t.Fatalf("output lacks %q:\n%s", want, msg)
				}
			}
			if strings.Contains(msg, "lozere.yaml") {
				t.Fatalf("a valid file is blamed:\n%s", msg)
			}
		})
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer lets the test read what the server logs while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve on an empty database migrates, provisions and serves the three demo
// portals, each with its own look, then stops cleanly when told to.
func TestServeEndToEnd(t *testing.T) {
	shippedDirs(t)
	dbURL := testutil.NewDatabase(t)
	addr := freePort(t)
	t.Setenv("ENTRAIDE_DATABASE_URL", dbURL)
	t.Setenv("ENTRAIDE_REDIS_URL", testutil.RedisURL())
	t.Setenv("ENTRAIDE_REDIS_PREFIX", "entraide_test_serve:")
	t.Setenv("ENTRAIDE_HTTP_ADDR", addr)
	t.Setenv("ENTRAIDE_LOG_FORMAT", "text")
	t.Setenv("ENTRAIDE_SECRET_KEY", "a test secret key of at least 32 characters")
	t.Setenv("ENTRAIDE_OUTBOX_DIR", t.TempDir())

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, io.Discard, logs) }()

	client := &http.Client{Timeout: 5 * time.Second}
	get := func(host, path string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		req.Host = host
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := get("any", "/readyz"); code == 200 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped early: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready in time:\n%s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	themeLinks := map[string]bool{}
	for host, name := range map[string]string{
		"calvados.localhost": "Entraide Calvados", "tousvoisins44.localhost": "Tous voisins 44", "lozere.localhost": "Lozère Entraidons-nous",
	} {
		code, body := get(host, "/")
		if code != 200 || !strings.Contains(body, name) {
			t.Fatalf("%s: %d, want a page naming %q:\n%s", host, code, name, body)
		}
		i := strings.Index(body, "/theme/")
		themeLinks[body[i:i+20]] = true
	}
	if len(themeLinks) != 3 {
		t.Fatalf("the three portals share a theme: %v", themeLinks)
	}
	if code, _ := get("inconnu.localhost", "/"); code != 404 {
		t.Fatalf("unknown host: %d", code)
	}
	for _, want := range []string{"tenant=calvados", "url=http://calvados.localhost:", "redis connected"} {
		if !strings.Contains(logs.String(), want) {
			t.Fatalf("logs lack %q:\n%s", want, logs.String())
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
	if !strings.Contains(logs.String(), "stopped") {
		t.Fatalf("no clean stop in the logs:\n%s", logs.String())
	}

	// The schemas it created are up to date and identical to fresh ones.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "check"}, &out, io.Discard); err != nil {
		t.Fatalf("migrate check after serve: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), fmt.Sprintf("%d portal schema(s)", 3)) {
		t.Fatalf("migrate check output:\n%s", out.String())
	}
}

// A new portal gets its first admin from the command line, and an operator
// can name a référent by the EPCI's slug.
func TestUserGrantCommand(t *testing.T) {
	shippedDirs(t)
	dbURL := testutil.NewDatabase(t)
	t.Setenv("ENTRAIDE_DATABASE_URL", dbURL)
	t.Setenv("ENTRAIDE_REDIS_URL", testutil.RedisURL())
	t.Setenv("ENTRAIDE_REDIS_PREFIX", "entraide_test_cli:")
	t.Setenv("ENTRAIDE_LOG_LEVEL", "error")
	ctx := context.Background()
	if err := run(ctx, []string{"migrate"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	d := testutil.Open(t, dbURL, 2)
	if _, err := d.Pool().Exec(ctx, `INSERT INTO tenant_tousvoisins44.users (email, email_key, display_name, password_hash, commune_code, epci_code)
VALUES ('Agnes@Exemple.fr', 'agnes@exemple.fr', 'Agnès', 'x', '44109', '244400404')`); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
		wantOut string
	}{
		{"first admin", []string{"user", "grant", "-portal", "tousvoisins44", "-email", "agnes@exemple.fr", "-role", "admin_departement", "-as", "camille"},
			"", "Agnès (Agnes@Exemple.fr) on tousvoisins44: resident, admin_departement"},
		{"référent by EPCI slug", []string{"user", "grant", "-portal", "tousvoisins44", "-email", "AGNES@exemple.fr", "-role", "referent_territoire", "-scope", "nantes-metropole"},
			"", "referent_territoire [Nantes Métropole (244400404)]"},
		{"EPCI of another département", []string{"user", "grant", "-portal", "tousvoisins44", "-email", "agnes@exemple.fr", "-role", "referent_territoire", "-scope", "caen-la-mer"},
			"no EPCI \"caen-la-mer\" in département 44", ""},
		{"unknown person", []string{"user", "grant", "-portal", "tousvoisins44", "-email", "personne@exemple.fr", "-role", "admin_departement"},
			"no account with email personne@exemple.fr on tousvoisins44", ""},
		{"the same email on another portal is another person", []string{"user", "roles", "-portal", "calvados", "-email", "agnes@exemple.fr"},
			"no account with email agnes@exemple.fr on calvados", ""},
		{"unknown portal", []string{"user", "roles", "-portal", "nulle_part", "-email", "agnes@exemple.fr"},
			"no portal \"nulle_part\"", ""},
		{"missing flags", []string{"user", "grant", "-portal", "tousvoisins44"},
			"-portal, -email and -role are required", ""},
		{"revoke", []string{"user", "revoke", "-portal", "tousvoisins44", "-email", "agnes@exemple.fr", "-role", "referent_territoire"},
			"", "on tousvoisins44: resident, admin_departement\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := run(ctx, tc.args, &out, &errOut)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(errOut.String(), tc.wantErr) {
					t.Fatalf("err = %v, stderr %q, want %q", err, errOut.String(), tc.wantErr)
				}
				return
			}
			if err != nil || !strings.Contains(out.String(), tc.wantOut) {
				t.Fatalf("err = %v, stdout %q, want %q (stderr %s)", err, out.String(), tc.wantOut, errOut.String())
			}
		})
	}
	var label string
	if err := d.Pool().QueryRow(ctx, `SELECT actor_label FROM tenant_tousvoisins44.role_audit ORDER BY id LIMIT 1`).Scan(&label); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(label, "camille") {
		t.Fatalf("audit actor = %q, want the operator named", label)
	}
}

// The demo data fills each demo portal once, through the real services,
// and only in development.
func TestDemoCommand(t *testing.T) {
	shippedDirs(t)
	dbURL := testutil.NewDatabase(t)
	t.Setenv("ENTRAIDE_DATABASE_URL", dbURL)
	t.Setenv("ENTRAIDE_LOG_LEVEL", "error")
	t.Setenv("ENTRAIDE_OUTBOX_DIR", t.TempDir())
	ctx := context.Background()
	if err := run(ctx, []string{"migrate"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var errOut bytes.Buffer
	if err := run(ctx, []string{"demo"}, io.Discard, &errOut); err == nil || !strings.Contains(errOut.String(), "development only") {
		t.Fatalf("demo without dev: %v %s", err, errOut.String())
	}
	t.Setenv("ENTRAIDE_DEV", "true")
	var out bytes.Buffer
	if err := run(ctx, []string{"demo"}, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v", err)
	}
	if strings.Count(out.String(), "4 posts") != 3 {
		t.Fatalf("demo output:\n%s", out.String())
	}
	d := testutil.Open(t, dbURL, 2)
	var posts, pending int
	if err := d.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE visibility = 'en_attente') FROM tenant_lozere.posts`).Scan(&posts, &pending); err != nil {
		t.Fatal(err)
	}
	// Lozère premoderates: its demo posts wait for a référent, as real ones would.
	if posts != 4 || pending != 4 {
		t.Fatalf("lozere posts = %d (%d pending)", posts, pending)
	}
	// On Calvados, Zoé's post is flagged and reported: it waits in Paul's
	// queue, still visible.
	var flagged, reports int
	err := d.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE queued_at IS NOT NULL AND visibility = 'visible'),
       (SELECT count(*) FROM tenant_calvados.reports) FROM tenant_calvados.posts`).Scan(&flagged, &reports)
	if err != nil || flagged != 1 || reports != 1 {
		t.Fatalf("calvados: %d flagged, %d reports, %v", flagged, reports, err)
	}
	// On Tous voisins 44, Léa and Paul show their profiles and share
	// "cuisine", and the forum has a thread with a reply.
	community := func() (profiles, cooks, threads, replies int) {
		t.Helper()
		err := d.Pool().QueryRow(ctx, `SELECT
       (SELECT count(*) FROM tenant_tousvoisins44.users WHERE profile_public),
       (SELECT count(*) FROM tenant_tousvoisins44.users WHERE profile_public AND 'cuisine' = ANY (interests)),
       (SELECT count(*) FROM tenant_tousvoisins44.forum_threads WHERE visibility = 'visible'),
       (SELECT count(*) FROM tenant_tousvoisins44.forum_replies WHERE visibility = 'visible')`).Scan(&profiles, &cooks, &threads, &replies)
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	if p, c, th, r := community(); p != 2 || c != 2 || th != 1 || r != 1 {
		t.Fatalf("tousvoisins44: %d public profiles, %d with cuisine, %d threads, %d replies", p, c, th, r)
	}
	// Léa and Paul live in the same intercommunalité.
	var epcis int
	if err := d.Pool().QueryRow(ctx, `SELECT count(DISTINCT epci_code) FROM tenant_tousvoisins44.users WHERE profile_public`).Scan(&epcis); err != nil || epcis != 1 {
		t.Fatalf("Léa and Paul live in %d EPCIs (%v)", epcis, err)
	}
	out.Reset()
	if err := run(ctx, []string{"demo"}, &out, io.Discard); err != nil || strings.Count(out.String(), "already has its demo people") != 3 {
		t.Fatalf("second demo run: %v\n%s", err, out.String())
	}
	// Tous voisins 44 has one monthly event, made once, published by its
	// admin; the other portals have none.
	var evs, visible int
	var rec string
	if err := d.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE visibility = 'visible'), min(recurrence) FROM tenant_tousvoisins44.events`).Scan(&evs, &visible, &rec); err != nil {
		t.Fatal(err)
	}
	if evs != 1 || visible != 1 || rec != "mensuelle" {
		t.Fatalf("tousvoisins44 events = %d (%d visible, %s)", evs, visible, rec)
	}
	// Portals with the news module have an alert and a news item, once.
	var items, alerts int
	if err := d.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE kind = 'alerte') FROM tenant_tousvoisins44.news`).Scan(&items, &alerts); err != nil || items != 2 || alerts != 1 {
		t.Fatalf("tousvoisins44 news = %d (%d alerts), %v", items, alerts, err)
	}
	if err := d.Pool().QueryRow(ctx, `SELECT count(*) FROM tenant_calvados.events`).Scan(&evs); err != nil || evs != 0 {
		t.Fatalf("calvados events = %d, %v", evs, err)
	}
	if p, c, th, r := community(); p != 2 || c != 2 || th != 1 || r != 1 {
		t.Fatalf("tousvoisins44 after a second run: %d, %d, %d threads, %d replies", p, c, th, r)
	}
}
