package theme_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/theme"
)

func TestLoadDirDemoThemes(t *testing.T) {
	set, err := theme.LoadDir("../../themes")
	if err != nil {
		t.Fatalf("LoadDir(../../themes): %v", err)
	}
	want := []string{"calvados", "lozere", "tousvoisins44"}
	if got := set.Keys(); !slices.Equal(got, want) {
		t.Fatalf("Keys() = %v, want %v", got, want)
	}

	// Each département must be recognisable at a glance, so no two demo
	// themes may share their main colour.
	primaries := map[string]string{}
	for _, key := range want {
		t.Run(key, func(t *testing.T) {
			th, ok := set.Get(key)
			if !ok {
				t.Fatalf("Get(%q) found nothing", key)
			}
			if th.Key != key {
				t.Errorf("Key = %q, want %q", th.Key, key)
			}
			if strings.TrimSpace(th.Manifest.Name) == "" {
				t.Errorf("Manifest.Name is empty")
			}
			primary := th.Manifest.Colors.Primary
			if other, dup := primaries[primary]; dup {
				t.Errorf("primary colour %s is also the primary colour of %s", primary, other)
			}
			primaries[primary] = key

			if len(th.Logo.Body) == 0 {
				t.Errorf("Logo.Body is empty")
			}
			if th.Logo.ContentType != "image/svg+xml" {
				t.Errorf("Logo.ContentType = %q, want image/svg+xml", th.Logo.ContentType)
			}
			if len(th.Logo.Hash) != 12 || len(th.CSS.Hash) != 12 {
				t.Errorf("hashes = %q (logo), %q (CSS); want 12 hex digits each", th.Logo.Hash, th.CSS.Hash)
			}
			css := string(th.CSS.Body)
			if wantDecl := "--primary:" + primary; !strings.Contains(css, wantDecl) {
				t.Errorf("CSS = %q, want it to contain %q", css, wantDecl)
			}
			if !strings.HasPrefix(th.CSS.ContentType, "text/css") {
				t.Errorf("CSS.ContentType = %q, want text/css", th.CSS.ContentType)
			}
		})
	}
	if len(primaries) != len(want) {
		t.Errorf("%d distinct primary colours, want %d: %v", len(primaries), len(want), primaries)
	}
}

func TestContrast(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"black on white", "#000000", "#ffffff", 21},
		{"white on black, order does not matter", "#ffffff", "#000000", 21},
		{"same colour", "#1a5fb4", "#1a5fb4", 1},
		{"grey just below AA on white", "#777777", "#ffffff", 4.48},
		{"upper-case hex digits", "#FFFFFF", "#000000", 21},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := theme.Contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
				t.Errorf("Contrast(%s, %s) = %.4f, want %.2f ± 0.01", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

// validManifest is a theme that passes every check. Each broken case changes
// one thing in it, so the problem reported can only come from that change.
const validManifest = `name: Test
logo: logo.svg
logo_alt: "Portail de test"
colors:
  primary: "#0a3350"
  on_primary: "#ffffff"
  accent: "#8cc152"
  background: "#f8f6ee"
  surface: "#ffffff"
  text: "#1c2733"
  link: "#0b4f8a"
  focus: "#539330"
`

const svgLogo = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>`

// writeTheme creates root/key with a theme.yaml and the given extra files.
func writeTheme(t *testing.T, root, key, manifest string, files map[string]string) {
	t.Helper()
	dir := filepath.Join(root, key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "theme.yaml"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// edit applies one change to the valid manifest and fails the test when the
// text to change is missing, so that a case cannot silently test nothing.
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(validManifest, old) {
		t.Fatalf("test bug: %q does not occur in the valid manifest", old)
	}
	return strings.Replace(validManifest, old, new, 1)
}

func TestLoadDirValidTheme(t *testing.T) {
	// The broken cases rely on the base manifest being valid.
	root := t.TempDir()
	writeTheme(t, root, "test", validManifest, map[string]string{"logo.svg": svgLogo})
	set, err := theme.LoadDir(root)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	th, ok := set.Get("test")
	if !ok {
		t.Fatalf("Get(test) found nothing; keys: %v", set.Keys())
	}
	if th.Manifest.Name != "Test" || th.Manifest.LogoAlt != "Portail de test" || th.Manifest.Colors.Link != "#0b4f8a" {
		t.Errorf("Manifest = %+v, want name Test, logo_alt \"Portail de test\", link #0b4f8a", th.Manifest)
	}
	if string(th.Logo.Body) != svgLogo {
		t.Errorf("Logo.Body = %q, want the logo file's content %q", th.Logo.Body, svgLogo)
	}
}

// A theme with every optional part: fonts of its own, a favicon, static
// files, an extra stylesheet, footer links, legal notices and a template.
func TestLoadDirFullTheme(t *testing.T) {
	root := t.TempDir()
	manifest := validManifest + `radius: 0.25rem
favicon: favicon.png
stylesheet: extra.css
fonts:
  body: "Luciole, Verdana, sans-serif"
  heading: Georgia, serif
  faces:
    - {family: Luciole, file: luciole.woff2, weight: "400", style: normal}
footer_links:
  - {label: {fr: "Le département", en: "The county"}, url: "https://www.calvados.fr/"}
legal:
  fr: "Éditeur : le département.\n\nHébergeur : quelque part."
`
	writeTheme(t, root, "full", manifest, map[string]string{
		"logo.svg": svgLogo, "favicon.png": "\x89PNG", "static/luciole.woff2": "wOF2",
		"static/extra.css": ".site-header{border-bottom:4px solid var(--accent)}", "templates/home.html": `{{define "content"}}{{end}}`,
	})
	set, err := theme.LoadDir(root)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	th, _ := set.Get("full")
	css := string(th.CSS.Body)
	for _, want := range []string{
		`@font-face{font-family:"Luciole";src:url(` + th.URL("luciole.woff2") + `) format("woff2")`,
		"--font-body:Luciole, Verdana, sans-serif", "--font-heading:Georgia, serif", "--radius:0.25rem",
		".site-header{border-bottom:4px solid var(--accent)}",
	} {
		if !strings.Contains(css, want) {
			t.Errorf("theme.css lacks %q:\n%s", want, css)
		}
	}
	if !strings.HasPrefix(th.URL("luciole.woff2"), "/theme/") {
		t.Errorf("URL(luciole.woff2) = %q", th.URL("luciole.woff2"))
	}
	if a, ok := th.File("favicon.png"); !ok || a.ContentType != "image/png" || th.FaviconFile() != "favicon.png" {
		t.Errorf("favicon = %+v, %t, %q", a, ok, th.FaviconFile())
	}
	if _, ok := th.File("nothing.png"); ok {
		t.Errorf("File(nothing.png) found a file")
	}
	if got := th.Manifest.FooterLinks[0].Label.In("en"); got != "The county" {
		t.Errorf("footer label in English = %q", got)
	}
	if got := th.Manifest.Legal.Paragraphs("en"); len(got) != 2 || got[1] != "Hébergeur : quelque part." {
		t.Errorf("legal paragraphs (English falls back to French) = %q", got)
	}
	if string(th.Templates["home.html"]) != `{{define "content"}}{{end}}` {
		t.Errorf("Templates = %q", th.Templates)
	}
}

func TestLoadDirPNGLogo(t *testing.T) {
	// The extension decides the content type, whatever its case.
	root := t.TempDir()
	png := "\x89PNG\r\n\x1a\n"
	writeTheme(t, root, "test", edit(t, "logo: logo.svg", "logo: Logo.PNG"), map[string]string{"Logo.PNG": png})
	set, err := theme.LoadDir(root)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	th, _ := set.Get("test")
	if th.Logo.ContentType != "image/png" || string(th.Logo.Body) != png {
		t.Errorf("Logo = %q (%s), want %q (image/png)", th.Logo.Body, th.Logo.ContentType, png)
	}
}

func TestLoadDirBrokenTheme(t *testing.T) {
	tests := []struct {
		name     string
		manifest func(t *testing.T) string
		files    map[string]string // besides theme.yaml
		want     []string          // every one must be in the error
	}{
		{
			name:     "text too pale on its background",
			manifest: func(t *testing.T) string { return edit(t, `text: "#1c2733"`, `text: "#cccccc"`) },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"colors.text", "contrast", "background"},
		},
		{
			name:     "colour by name",
			manifest: func(t *testing.T) string { return edit(t, `primary: "#0a3350"`, `primary: "blue"`) },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"colors.primary", `"blue"`},
		},
		{
			name:     "short hex colour",
			manifest: func(t *testing.T) string { return edit(t, `focus: "#539330"`, `focus: "#593"`) },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"colors.focus", `"#593"`},
		},
		{
			name:     "missing colour",
			manifest: func(t *testing.T) string { return edit(t, "  surface: \"#ffffff\"\n", "") },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"colors.surface"},
		},
		{
			name:     "logo file missing",
			manifest: func(t *testing.T) string { return validManifest },
			files:    map[string]string{},
			want:     []string{"logo", `"logo.svg" cannot be read`},
		},
		{
			name:     "logo neither SVG nor PNG",
			manifest: func(t *testing.T) string { return edit(t, "logo: logo.svg", "logo: logo.gif") },
			files:    map[string]string{"logo.gif": "GIF89a"},
			want:     []string{"logo", ".svg or .png"},
		},
		{
			name:     "logo outside the theme directory",
			manifest: func(t *testing.T) string { return edit(t, "logo: logo.svg", "logo: ../logo.svg") },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"logo", "file name in the theme directory"},
		},
		{
			name:     "no logo",
			manifest: func(t *testing.T) string { return edit(t, "logo: logo.svg\n", "") },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"logo", "required"},
		},
		{
			name:     "unknown key",
			manifest: func(t *testing.T) string { return validManifest + "font: Comic Sans\n" },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"font", "unknown field"},
		},
		{
			name:     "unknown colour token",
			manifest: func(t *testing.T) string { return validManifest + "  danger: \"#c01c28\"\n" },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"colors.danger", "unknown field"},
		},
		{
			name:     "missing name",
			manifest: func(t *testing.T) string { return edit(t, "name: Test\n", "") },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"name: required"},
		},
		{
			name: "font from an address",
			manifest: func(t *testing.T) string {
				return validManifest + "fonts:\n  body: \"url(https://fonts.example/x.woff2)\"\n"
			},
			files: map[string]string{"logo.svg": svgLogo},
			want:  []string{"fonts.body", "never addresses"},
		},
		{
			name: "font file missing",
			manifest: func(t *testing.T) string {
				return validManifest + "fonts:\n  faces:\n    - {family: Marianne, file: marianne.woff2}\n"
			},
			files: map[string]string{"logo.svg": svgLogo},
			want:  []string{"fonts.faces[0].file", "static/"},
		},
		{
			name:     "favicon missing",
			manifest: func(t *testing.T) string { return validManifest + "favicon: favicon.ico\n" },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"favicon", `"favicon.ico" cannot be read`},
		},
		{
			name:     "static file of an unknown type",
			manifest: func(t *testing.T) string { return validManifest },
			files:    map[string]string{"logo.svg": svgLogo, "static/run.js": "alert(1)"},
			want:     []string{"static/run.js", "must be .svg"},
		},
		{
			name:     "stylesheet that loads from elsewhere",
			manifest: func(t *testing.T) string { return validManifest + "stylesheet: extra.css\n" },
			files:    map[string]string{"logo.svg": svgLogo, "static/extra.css": "body{background:url(https://cdn.example/bg.png)}"},
			want:     []string{"stylesheet", "elsewhere"},
		},
		{
			name: "footer link without a usable address",
			manifest: func(t *testing.T) string {
				return validManifest + "footer_links:\n  - {label: {fr: Contact}, url: \"javascript:alert(1)\"}\n"
			},
			files: map[string]string{"logo.svg": svgLogo},
			want:  []string{"footer_links[0].url", "https://"},
		},
		{
			name:     "radius that is not a length",
			manifest: func(t *testing.T) string { return validManifest + "radius: \"1rem;color:red\"\n" },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"radius", "length"},
		},
		{
			name:     "template override that is not HTML",
			manifest: func(t *testing.T) string { return validManifest },
			files:    map[string]string{"logo.svg": svgLogo, "templates/home.tmpl": "x"},
			want:     []string{"templates/home.tmpl", ".html"},
		},
		{
			name:     "invalid YAML",
			manifest: func(t *testing.T) string { return edit(t, "name: Test", "name: [Test") },
			files:    map[string]string{"logo.svg": svgLogo},
			want:     []string{"theme.yaml", "cannot be read"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			const key = "broken"
			writeTheme(t, root, key, tc.manifest(t), tc.files)
			set, err := theme.LoadDir(root)
			if err == nil {
				t.Fatalf("LoadDir succeeded with keys %v; want an error containing %q", set.Keys(), tc.want)
			}
			if set != nil {
				t.Errorf("LoadDir returned a set alongside error %v", err)
			}
			msg := err.Error()
			// The message must say which theme and which directory, so that an
			// operator with many themes knows where to look.
			want := append([]string{`theme "broken"`, filepath.Join(root, key)}, tc.want...)
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not contain %q:\n%s", w, msg)
				}
			}
		})
	}
}

func TestLoadDirReportsEveryTheme(t *testing.T) {
	// One broken theme must not hide another, and a valid theme next to
	// broken ones does not make the load succeed.
	root := t.TempDir()
	writeTheme(t, root, "good", validManifest, map[string]string{"logo.svg": svgLogo})
	writeTheme(t, root, "pale", edit(t, `text: "#1c2733"`, `text: "#dddddd"`), map[string]string{"logo.svg": svgLogo})
	writeTheme(t, root, "nologo", validManifest, map[string]string{})
	set, err := theme.LoadDir(root)
	if err == nil {
		t.Fatalf("LoadDir succeeded with keys %v; want an error", set.Keys())
	}
	msg := err.Error()
	for _, w := range []string{`theme "pale"`, `theme "nologo"`} {
		if !strings.Contains(msg, w) {
			t.Errorf("error does not mention %s:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, `theme "good"`) {
		t.Errorf("error blames the valid theme:\n%s", msg)
	}
}

func TestLoadDirMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	if set, err := theme.LoadDir(dir); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("LoadDir(%s) = %v, %v; want an error naming the directory", dir, set, err)
	}
}

func TestSetLookups(t *testing.T) {
	// Directories are created out of order so that a sorted Keys() proves
	// sorting rather than the file system's listing order. A plain file at
	// the root is not a theme and must be ignored.
	root := t.TempDir()
	for _, key := range []string{"zeta", "alpha", "mu"} {
		writeTheme(t, root, key, validManifest, map[string]string{"logo.svg": svgLogo})
	}
	if err := os.WriteFile(filepath.Join(root, "README.md"), []byte("themes"), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := theme.LoadDir(root)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	if got, want := set.Keys(), []string{"alpha", "mu", "zeta"}; !slices.Equal(got, want) {
		t.Errorf("Keys() = %v, want %v", got, want)
	}
	tests := []struct {
		key  string
		want bool
	}{
		{"alpha", true},
		{"zeta", true},
		{"Alpha", false},
		{"README.md", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := set.Has(tc.key); got != tc.want {
			t.Errorf("Has(%q) = %t, want %t", tc.key, got, tc.want)
		}
		th, ok := set.Get(tc.key)
		if ok != tc.want || (ok && th.Key != tc.key) {
			t.Errorf("Get(%q) = %v, %t; want a theme with that key: %t", tc.key, th, ok, tc.want)
		}
	}
}
