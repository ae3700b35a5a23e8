// Package theme owns a portal's look: the manifest in themes/<name>/theme.yaml
// (name, colours as design tokens, fonts, logo, favicon, footer links, legal
// notices), the theme's own static files (static/) and template overrides
// (templates/), their validation, and the stylesheet the web layer serves.
//
// Themes are read from disk at start (and again when the server is told to
// reload), so a département can change its look without rebuilding the
// binary. Which template names exist is the web layer's knowledge: it checks
// and parses a theme's overrides (see web.CheckThemes).
package theme

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/entraide/entraide/internal/configfile"
)

// Colors are the theme's design tokens. Every pair that is read together (text
// on its background) must reach WCAG AA contrast, checked at load.
type Colors struct {
	Primary    string `mapstructure:"primary"`    // header and main buttons
	OnPrimary  string `mapstructure:"on_primary"` // text on primary
	Accent     string `mapstructure:"accent"`     // borders, highlights
	Background string `mapstructure:"background"` // page background
	Surface    string `mapstructure:"surface"`    // cards
	Text       string `mapstructure:"text"`       // body text
	Link       string `mapstructure:"link"`       // links on background and surface
	Focus      string `mapstructure:"focus"`      // keyboard focus outline
}

// Manifest is the content of theme.yaml.
type Manifest struct {
	Name   string `mapstructure:"name"`
	Colors Colors `mapstructure:"colors"`
	Fonts  Fonts  `mapstructure:"fonts"`
	// Radius is the corner radius of cards and buttons ("0", "0.5rem").
	Radius string `mapstructure:"radius"`
	Logo   string `mapstructure:"logo"` // file in the theme directory, SVG or PNG
	// LogoAlt describes the logo for screen readers when it carries words.
	LogoAlt string `mapstructure:"logo_alt"`
	// Favicon is the browser tab's icon (SVG, PNG or ICO); the logo when empty.
	Favicon string `mapstructure:"favicon"`
	// Stylesheet is an optional file of static/ appended to the generated
	// stylesheet, for layout touches the tokens cannot express.
	Stylesheet string `mapstructure:"stylesheet"`
	// FooterLinks are shown at the bottom of every page.
	FooterLinks []Link `mapstructure:"footer_links"`
	// Legal is the legal notice (publisher, host, contact), per language,
	// shown on /mentions-legales. Paragraphs are separated by blank lines.
	Legal Text `mapstructure:"legal"`
}

// Fonts are CSS font stacks. System fonts need no file; a font of the
// theme's own is a file in static/ declared in Faces. Never a URL: pages
// load nothing from elsewhere.
type Fonts struct {
	Body    string     `mapstructure:"body"`
	Heading string     `mapstructure:"heading"`
	Faces   []FontFace `mapstructure:"faces"`
}

// FontFace is one local font file.
type FontFace struct {
	Family string `mapstructure:"family"`
	File   string `mapstructure:"file"` // in static/, .woff2 or .woff
	Weight string `mapstructure:"weight"`
	Style  string `mapstructure:"style"`
}

// Link is a link of the footer, its words in each language.
type Link struct {
	Label Text   `mapstructure:"label"`
	URL   string `mapstructure:"url"`
}

// Text is a piece of text in several languages, keyed by locale.
type Text map[string]string

// In returns the text in locale, falling back to French, the source.
func (t Text) In(locale string) string {
	if s, ok := t[locale]; ok && s != "" {
		return s
	}
	return t["fr"]
}

// Paragraphs splits the text in locale at blank lines.
func (t Text) Paragraphs(locale string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(t.In(locale), "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Asset is a file served for a theme, with a content hash for cache busting.
type Asset struct {
	Body        []byte
	ContentType string
	Hash        string // first 12 hex digits of its SHA-256
}

// Theme is a loaded, validated theme.
type Theme struct {
	Key      string // directory name, as tenants refer to it
	Dir      string
	Manifest Manifest
	CSS      Asset // custom properties generated from the tokens, fonts, extra stylesheet
	Logo     Asset
	Favicon  Asset
	// Static holds the files of static/, by file name.
	Static map[string]Asset
	// Templates holds the overrides in templates/, by file name ("home.html");
	// each replaces the default template of the same name. They are read
	// once, so a reload never sees a half-edited file between check and use.
	Templates map[string][]byte
}

// File returns one of the theme's served files by name: theme.css, the
// logo, the favicon or a static file.
func (t *Theme) File(name string) (Asset, bool) {
	switch name {
	case "theme.css":
		return t.CSS, true
	case t.Manifest.Logo:
		return t.Logo, true
	case t.Manifest.Favicon:
		return t.Favicon, name != ""
	}
	a, ok := t.Static[name]
	return a, ok
}

// URL is the address of one of the theme's files, versioned by its hash.
func (t *Theme) URL(name string) string {
	a, ok := t.File(name)
	if !ok {
		return ""
	}
	return "/theme/" + a.Hash + "/" + name
}

// FaviconFile is the name of the file browsers show in their tab.
func (t *Theme) FaviconFile() string {
	if t.Manifest.Favicon != "" {
		return t.Manifest.Favicon
	}
	return t.Manifest.Logo
}

// Set is every theme found in a directory.
type Set struct {
	byKey map[string]*Theme
}

// Get returns the theme with this directory name.
func (s *Set) Get(key string) (*Theme, bool) {
	t, ok := s.byKey[key]
	return t, ok
}

// Has reports whether a theme with this directory name exists.
func (s *Set) Has(key string) bool { _, ok := s.byKey[key]; return ok }

// Keys returns the theme names, sorted.
func (s *Set) Keys() []string {
	keys := make([]string, 0, len(s.byKey))
	for k := range s.byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

var hexColor = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// LoadDir reads every themes/<name>/theme.yaml. It reports every problem,
// each naming the theme and the token or file.
func LoadDir(dir string) (*Set, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read themes directory: %w", err)
	}
	set := &Set{byKey: map[string]*Theme{}}
	var problems []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t, ps := loadTheme(filepath.Join(dir, e.Name()), e.Name())
		problems = append(problems, ps...)
		if t != nil && len(ps) == 0 {
			set.byKey[t.Key] = t
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%d problem(s) in themes:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return set, nil
}

func loadTheme(dir, key string) (*Theme, []string) {
	file := filepath.Join(dir, "theme.yaml")
	var problems []string
	add := func(field, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("theme %q (%s): %s: %s", key, file, field, fmt.Sprintf(format, args...)))
	}

	var m Manifest
	fieldErrs, err := configfile.Decode(file, &m)
	if err != nil {
		add("theme.yaml", "cannot be read: %v", err)
		return nil, problems
	}
	for _, fe := range fieldErrs {
		add(fe.Field, "%s", fe.Message)
	}
	if strings.TrimSpace(m.Name) == "" {
		add("name", "required")
	}

	tokens := map[string]string{
		"primary": m.Colors.Primary, "on_primary": m.Colors.OnPrimary, "accent": m.Colors.Accent,
		"background": m.Colors.Background, "surface": m.Colors.Surface, "text": m.Colors.Text,
		"link": m.Colors.Link, "focus": m.Colors.Focus,
	}
	names := make([]string, 0, len(tokens))
	for n := range tokens {
		names = append(names, n)
	}
	sort.Strings(names)
	colorsOK := true
	for _, n := range names {
		if !hexColor.MatchString(tokens[n]) {
			add("colors."+n, "must be a colour like \"#1a5fb4\" (got %q)", tokens[n])
			colorsOK = false
		}
	}
	if colorsOK {
		// Pairs a reader must be able to tell apart: WCAG 2.1 AA asks 4.5:1
		// for text and 3:1 for the focus ring against what it surrounds.
		pairs := []struct {
			fg, bg string
			min    float64
		}{
			{"text", "background", 4.5}, {"text", "surface", 4.5},
			{"link", "background", 4.5}, {"link", "surface", 4.5},
			{"on_primary", "primary", 4.5},
			{"focus", "background", 3}, {"focus", "primary", 3},
		}
		for _, p := range pairs {
			if r := Contrast(tokens[p.fg], tokens[p.bg]); r < p.min {
				add("colors."+p.fg, "contrast with %s is %.2f:1, below the %.1f:1 WCAG AA needs", p.bg, r, p.min)
			}
		}
	}

	t := &Theme{Key: key, Dir: dir, Manifest: m, Static: map[string]Asset{}}
	if m.Logo == "" {
		add("logo", "required: an SVG or PNG file in the theme directory")
	} else if a, ok := readFile(dir, m.Logo, "logo", imageTypes, add); ok {
		t.Logo = a
	}
	t.Favicon = t.Logo
	if m.Favicon != "" {
		if a, ok := readFile(dir, m.Favicon, "favicon", iconTypes, add); ok {
			t.Favicon = a
		}
	}

	// static/ is optional; every file in it must be of a type we serve.
	entries, err := os.ReadDir(filepath.Join(dir, "static"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		add("static", "cannot be read: %v", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			add("static/"+e.Name(), "sub-directories are not served: put the files directly in static/")
			continue
		}
		if e.Name() == "theme.css" || e.Name() == m.Logo || (m.Favicon != "" && e.Name() == m.Favicon) {
			add("static/"+e.Name(), "has the name of a file the theme already serves: rename it")
			continue
		}
		if a, ok := readFile(filepath.Join(dir, "static"), e.Name(), "static/"+e.Name(), staticTypes, add); ok {
			t.Static[e.Name()] = a
		}
	}

	checkFontStack := func(field, stack string) {
		if stack != "" && !fontStack.MatchString(stack) {
			add(field, "must be a list of font names such as `Georgia, \"Times New Roman\", serif` (got %q); fonts are files of the theme, never addresses", stack)
		}
	}
	checkFontStack("fonts.body", m.Fonts.Body)
	checkFontStack("fonts.heading", m.Fonts.Heading)
	for i, f := range m.Fonts.Faces {
		field := fmt.Sprintf("fonts.faces[%d]", i)
		if !fontName.MatchString(f.Family) {
			add(field+".family", "required: a font name of letters, digits, spaces or - (got %q)", f.Family)
		}
		if _, ok := t.Static[f.File]; !ok {
			add(field+".file", "must name a .woff2 or .woff file in static/ (got %q)", f.File)
		} else if ext := strings.ToLower(filepath.Ext(f.File)); ext != ".woff2" && ext != ".woff" {
			add(field+".file", "must be a .woff2 or .woff file (got %q)", f.File)
		}
		if f.Weight != "" && !fontWeight.MatchString(f.Weight) {
			add(field+".weight", "must be a number like 400 or a range like \"400 700\" (got %q)", f.Weight)
		}
		if f.Style != "" && f.Style != "normal" && f.Style != "italic" {
			add(field+".style", "must be normal or italic (got %q)", f.Style)
		}
	}
	if m.Radius != "" && !cssLength.MatchString(m.Radius) {
		add("radius", "must be a length such as 0, 4px or 0.5rem (got %q)", m.Radius)
	}
	var extraCSS []byte
	if m.Stylesheet != "" {
		if a, ok := t.Static[m.Stylesheet]; !ok || !strings.HasPrefix(a.ContentType, "text/css") {
			add("stylesheet", "must name a .css file in static/ (got %q)", m.Stylesheet)
		} else {
			extraCSS = a.Body
			if strings.Contains(strings.ToLower(string(extraCSS)), "@import") || externalURL.Match(extraCSS) {
				add("stylesheet", "must not load anything from elsewhere (@import or an address with a host)")
			}
		}
	}
	for i, l := range m.FooterLinks {
		field := fmt.Sprintf("footer_links[%d]", i)
		if strings.TrimSpace(l.Label["fr"]) == "" {
			add(field+".label.fr", "required: the link's words in French")
		}
		if u, err := url.Parse(l.URL); err != nil || l.URL == "" || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "mailto" && !strings.HasPrefix(l.URL, "/")) {
			add(field+".url", "must be an https:// or mailto: address, or a path starting with / (got %q)", l.URL)
		}
	}

	// templates/ is optional; the web layer checks the names and parses them.
	tdir := filepath.Join(dir, "templates")
	tentries, err := os.ReadDir(tdir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		add("templates", "cannot be read: %v", err)
	}
	for _, e := range tentries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".html" {
			add("templates/"+e.Name(), "only .html files directly in templates/ are read")
			continue
		}
		body, err := os.ReadFile(filepath.Join(tdir, e.Name()))
		if err != nil {
			add("templates/"+e.Name(), "cannot be read: %v", err)
			continue
		}
		if t.Templates == nil {
			t.Templates = map[string][]byte{}
		}
		t.Templates[e.Name()] = body
	}

	if len(problems) > 0 {
		return nil, problems
	}
	css := stylesheet(t)
	if len(extraCSS) > 0 {
		css += "\n/* " + m.Stylesheet + " */\n" + string(extraCSS)
	}
	t.CSS = newAsset([]byte(css), "text/css; charset=utf-8")
	return t, nil
}

var (
	imageTypes  = fileKinds{".svg or .png", map[string]string{".svg": "image/svg+xml", ".png": "image/png"}}
	iconTypes   = fileKinds{".svg, .png or .ico", map[string]string{".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}}
	staticTypes = fileKinds{".svg, .png, .jpg, .webp, .ico, .woff2, .woff, .css or .txt", map[string]string{
		".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
		".webp": "image/webp", ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff",
		".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8",
	}}
	// A font stack is names, quoted or not, separated by commas: nothing
	// that could close the declaration or fetch a file.
	fontStack   = regexp.MustCompile(`^\s*("[A-Za-z0-9 -]+"|'[A-Za-z0-9 -]+'|[A-Za-z0-9 -]+)(\s*,\s*("[A-Za-z0-9 -]+"|'[A-Za-z0-9 -]+'|[A-Za-z0-9 -]+))*\s*$`)
	fontName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 -]*$`)
	fontWeight  = regexp.MustCompile(`^[1-9]00( [1-9]00)?$`)
	cssLength   = regexp.MustCompile(`^(0|[0-9]+(\.[0-9]+)?(px|rem|em))$`)
	externalURL = regexp.MustCompile(`(?i)url\(\s*['"]?\s*([a-z]+:|//)`)
)

// fileKinds are the extensions a file may have, with their content types,
// and the same list in words for messages.
type fileKinds struct {
	names string
	types map[string]string
}

// readFile reads a file named in the manifest, which must sit directly in
// dir and have one of the given extensions.
func readFile(dir, name, field string, kinds fileKinds, add func(field, format string, args ...any)) (Asset, bool) {
	if filepath.Base(name) != name || name == "." || name == ".." {
		add(field, "must be a file name in the theme directory (got %q)", name)
		return Asset{}, false
	}
	ct := kinds.types[strings.ToLower(filepath.Ext(name))]
	if ct == "" {
		add(field, "must be %s (got %q)", kinds.names, name)
		return Asset{}, false
	}
	body, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		add(field, "file %q cannot be read: %v", name, err)
		return Asset{}, false
	}
	return newAsset(body, ct), true
}

func newAsset(body []byte, contentType string) Asset {
	sum := sha256.Sum256(body)
	return Asset{Body: body, ContentType: contentType, Hash: hex.EncodeToString(sum[:])[:12]}
}

// stylesheet turns the tokens into CSS custom properties that the base
// stylesheet uses, so a theme needs no CSS of its own; local fonts become
// @font-face rules pointing at the theme's files.
func stylesheet(t *Theme) string {
	c := t.Manifest.Colors
	var b strings.Builder
	for _, f := range t.Manifest.Fonts.Faces {
		format := "woff2"
		if strings.EqualFold(filepath.Ext(f.File), ".woff") {
			format = "woff"
		}
		fmt.Fprintf(&b, "@font-face{font-family:%q;src:url(%s) format(%q);font-display:swap", f.Family, t.URL(f.File), format)
		if f.Weight != "" {
			fmt.Fprintf(&b, ";font-weight:%s", f.Weight)
		}
		if f.Style != "" {
			fmt.Fprintf(&b, ";font-style:%s", f.Style)
		}
		b.WriteString("}\n")
	}
	fmt.Fprintf(&b, ":root{--primary:%s;--on-primary:%s;--accent:%s;--background:%s;--surface:%s;--text:%s;--link:%s;--focus:%s",
		c.Primary, c.OnPrimary, c.Accent, c.Background, c.Surface, c.Text, c.Link, c.Focus)
	if f := t.Manifest.Fonts.Body; f != "" {
		fmt.Fprintf(&b, ";--font-body:%s", strings.TrimSpace(f))
	}
	if f := t.Manifest.Fonts.Heading; f != "" {
		fmt.Fprintf(&b, ";--font-heading:%s", strings.TrimSpace(f))
	}
	if r := t.Manifest.Radius; r != "" {
		fmt.Fprintf(&b, ";--radius:%s", r)
	}
	b.WriteString("}\n")
	return b.String()
}

// Contrast returns the WCAG 2.1 contrast ratio of two "#rrggbb" colours.
func Contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hexColor string) float64 {
	channel := func(i int) float64 {
		v, _ := strconv.ParseUint(hexColor[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(0) + 0.7152*channel(1) + 0.0722*channel(2)
}
