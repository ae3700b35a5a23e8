package web_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/theme"
	"github.com/entraide/entraide/internal/web"
)

// copyThemes copies the shipped themes into a temporary directory that a
// test may edit.
func copyThemes(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir("../../themes", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("../../themes", p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func loadThemes(t *testing.T, dir string) *theme.Set {
	t.Helper()
	set, err := theme.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// A theme's override replaces the default template of the same name for
// that theme's portals only; every other page and portal keeps the
// defaults. Alpha uses tousvoisins44 (which overrides home.html), beta
// calvados (which overrides nothing).
func TestThemeTemplateOverride(t *testing.T) {
	dir := copyThemes(t)
	writeFile(t, filepath.Join(dir, "tousvoisins44", "templates", "login.html"),
		`{{define "content"}}<h1 class="override-login">{{.L.T "login.title"}}</h1>{{end}}`)
	f := newFixture(t, func(d *web.Deps) { d.Themes, d.ThemesDir = loadThemes(t, dir), dir })

	alphaHome := f.do(t, req{host: "alpha.localhost"}).Body.String()
	betaHome := f.do(t, req{host: "beta.localhost"}).Body.String()
	if !strings.Contains(alphaHome, `<section class="welcome"`) {
		t.Errorf("alpha (tousvoisins44) home page is not its theme's override")
	}
	if strings.Contains(betaHome, `class="welcome"`) || !strings.Contains(betaHome, `<section class="intro"`) {
		t.Errorf("beta (calvados) home page is not the default one")
	}
	if w := f.do(t, req{host: "alpha.localhost", path: "/connexion"}); !strings.Contains(w.Body.String(), `class="override-login"`) {
		t.Errorf("alpha's login page ignores the override:\n%s", w.Body.String())
	}
	if w := f.do(t, req{host: "beta.localhost", path: "/connexion"}); strings.Contains(w.Body.String(), "override-login") || w.Code != 200 {
		t.Errorf("beta's login page took alpha's theme override (status %d)", w.Code)
	}
	// The parts of the page the override did not replace still come from
	// the defaults: the layout, the footer with the theme's links.
	if !strings.Contains(alphaHome, `href="https://www.loire-atlantique.fr/"`) || !strings.Contains(alphaHome, `href="/mentions-legales"`) {
		t.Errorf("alpha's footer lacks its theme's links")
	}
}

// Overrides are checked when themes are loaded: a file that replaces no
// default template, or that does not parse, is an error naming the theme
// and the file.
func TestThemeTemplateProblems(t *testing.T) {
	tests := []struct {
		name, file, body string
		want             []string
	}{
		{"unknown name", "acceuil.html", `{{define "content"}}{{end}}`, []string{`theme "calvados"`, "templates/acceuil.html", "no default template"}},
		{"does not parse", "home.html", `{{define "content"}}{{if}}{{end}}`, []string{`theme "calvados"`, "home.html", "missing value for if"}},
		{"cannot be escaped", "home.html", `{{define "content"}}<a href="{{.Path}}>x</a>{{end}}`, []string{`theme "calvados"`, "home.html"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyThemes(t)
			writeFile(t, filepath.Join(dir, "calvados", "templates", tc.file), tc.body)
			err := web.CheckThemes(loadThemes(t, dir))
			if err == nil {
				t.Fatal("CheckThemes accepted the theme")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
	if err := web.CheckThemes(loadThemes(t, "../../themes")); err != nil {
		t.Fatalf("shipped themes: %v", err)
	}
}

// Themes are read again without a restart: a new colour shows on the next
// page; a broken edit is refused with the theme and token named, and the
// running look stays.
func TestReloadThemes(t *testing.T) {
	dir := copyThemes(t)
	f := newFixture(t, func(d *web.Deps) { d.Themes, d.ThemesDir = loadThemes(t, dir), dir })
	cssURL := func() string {
		body := f.do(t, req{host: "beta.localhost"}).Body.String()
		i := strings.Index(body, "/theme/")
		return body[i : i+strings.Index(body[i:], `"`)]
	}
	before := cssURL()
	manifest := filepath.Join(dir, "calvados", "theme.yaml")
	orig, _ := os.ReadFile(manifest)
	writeFile(t, manifest, strings.Replace(string(orig), `primary: "#0a3350"`, `primary: "#123456"`, 1))
	if err := f.server.ReloadThemes(); err != nil {
		t.Fatal(err)
	}
	after := cssURL()
	if after == before || !strings.Contains(f.do(t, req{host: "beta.localhost", path: after}).Body.String(), "--primary:#123456") {
		t.Fatalf("after reload the stylesheet is %s (was %s), without the new colour", after, before)
	}

	writeFile(t, manifest, strings.Replace(string(orig), `text: "#1c2733"`, `text: "#dddddd"`, 1))
	err := f.server.ReloadThemes()
	if err == nil || !strings.Contains(err.Error(), `theme "calvados"`) || !strings.Contains(err.Error(), "colors.text") {
		t.Fatalf("reload of a pale theme = %v, want an error naming calvados and colors.text", err)
	}
	if cssURL() != after {
		t.Fatal("a refused reload changed the running look")
	}

	// A theme that a portal uses cannot disappear.
	writeFile(t, manifest, string(orig))
	if err := os.RemoveAll(filepath.Join(dir, "calvados")); err != nil {
		t.Fatal(err)
	}
	if err := f.server.ReloadThemes(); err == nil || !strings.Contains(err.Error(), `"calvados"`) {
		t.Fatalf("reload without a theme in use = %v", err)
	}
}

// Every file a theme serves comes from its own directory, under its hash:
// static files and the favicon; nothing else.
func TestThemeStaticFiles(t *testing.T) {
	f := newFixture(t, nil)
	th, _ := loadThemes(t, "../../themes").Get("calvados")
	home := f.do(t, req{host: "beta.localhost"}).Body.String()
	if !strings.Contains(home, `<link rel="icon" href="`+th.URL(th.FaviconFile())+`"`) {
		t.Errorf("home page lacks the favicon link")
	}
	css := f.do(t, req{host: "beta.localhost", path: th.URL("theme.css")}).Body.String()
	for _, want := range []string{"--font-heading:Georgia", "--radius:2px", ".site-header{border-bottom:6px solid var(--accent)}"} {
		if !strings.Contains(css, want) {
			t.Errorf("calvados theme.css lacks %q", want)
		}
	}
	if w := f.do(t, req{host: "beta.localhost", path: th.URL("calvados.css")}); w.Code != 200 {
		t.Errorf("static file = %d", w.Code)
	}
	// Another portal's host does not serve this theme's files.
	if w := f.do(t, req{host: "alpha.localhost", path: th.URL("calvados.css")}); w.Code != 404 {
		t.Errorf("alpha serves calvados's static file: %d", w.Code)
	}
	if w := f.do(t, req{host: "beta.localhost", path: "/theme/x/theme.yaml"}); w.Code != 404 {
		t.Errorf("the manifest itself is served: %d", w.Code)
	}
	legal := f.do(t, req{host: "beta.localhost", path: "/mentions-legales?lang=en"}).Body.String()
	if !strings.Contains(legal, "Publisher: Calvados") {
		t.Errorf("legal page in English lacks the theme's notice")
	}
}

// In development the server watches the themes directory: an edit shows on
// the next page without a restart or a signal.
func TestWatchThemesReloadsOnChange(t *testing.T) {
	dir := copyThemes(t)
	f := newFixture(t, func(d *web.Deps) { d.Themes, d.ThemesDir = loadThemes(t, dir), dir })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go f.server.WatchThemes(ctx, 20*time.Millisecond)
	time.Sleep(50 * time.Millisecond) // the watcher has taken its first stamp

	writeFile(t, filepath.Join(dir, "calvados", "static", "calvados.css"), ".site-header{border-bottom:9px solid var(--accent)}")
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		th, _ := loadThemes(t, dir).Get("calvados")
		if strings.Contains(f.do(t, req{host: "beta.localhost"}).Body.String(), th.URL("theme.css")) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the edited theme was not reloaded")
}
