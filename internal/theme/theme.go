// Package theme owns a portal's look: the manifest in themes/<name>/theme.yaml
// (name, colours as design tokens, logo), its validation, and the stylesheet
// and logo the web layer serves for it.
//
// Themes are read from disk at start, so a département can change its colours
// without rebuilding the binary.
package theme

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
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
	Logo   string `mapstructure:"logo"` // file in the theme directory, SVG or PNG
	// LogoAlt describes the logo for screen readers when it carries words.
	LogoAlt string `mapstructure:"logo_alt"`
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
	Manifest Manifest
	CSS      Asset // custom properties generated from the colours
	Logo     Asset
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

	t := &Theme{Key: key, Manifest: m}
	if m.Logo == "" {
		add("logo", "required: an SVG or PNG file in the theme directory")
	} else if filepath.Base(m.Logo) != m.Logo {
		add("logo", "must be a file name in the theme directory (got %q)", m.Logo)
	} else {
		body, err := os.ReadFile(filepath.Join(dir, m.Logo))
		if err != nil {
			add("logo", "file %q cannot be read: %v", m.Logo, err)
		} else {
			ct := map[string]string{".svg": "image/svg+xml", ".png": "image/png"}[strings.ToLower(filepath.Ext(m.Logo))]
			if ct == "" {
				add("logo", "must be .svg or .png (got %q)", m.Logo)
			}
			t.Logo = newAsset(body, ct)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	t.CSS = newAsset([]byte(stylesheet(m.Colors)), "text/css; charset=utf-8")
	return t, nil
}

func newAsset(body []byte, contentType string) Asset {
	sum := sha256.Sum256(body)
	return Asset{Body: body, ContentType: contentType, Hash: hex.EncodeToString(sum[:])[:12]}
}

// stylesheet turns the tokens into CSS custom properties that the base
// stylesheet uses, so a theme never needs to ship CSS of its own.
func stylesheet(c Colors) string {
	return fmt.Sprintf(`:root{--primary:%s;--on-primary:%s;--accent:%s;--background:%s;--surface:%s;--text:%s;--link:%s;--focus:%s}
`, c.Primary, c.OnPrimary, c.Accent, c.Background, c.Surface, c.Text, c.Link, c.Focus)
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
