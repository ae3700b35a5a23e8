// Package i18n owns the platform's words in every language: message files in
// locales/ (French is the source), and the choice of a language for each
// request. A localizer is made per request and passed in the render data;
// templates never share a mutable translation function, so one request can
// never be rendered in another's language.
package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // dates in Paris time even where the system has no zone files

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"github.com/pelletier/go-toml/v2"
	"golang.org/x/text/language"
)

//go:embed locales/*.toml
var localeFS embed.FS

// Source is the language every message is written in first.
const Source = "fr"

// Bundle holds every message in every shipped language.
type Bundle struct {
	bundle  *goi18n.Bundle
	locales []string
	ids     map[string][]string // message ids per locale
	// source holds the French messages, to check portals' words against.
	source map[string]*goi18n.Message
	// portals holds, per portal and language, the ids of the messages the
	// portal words itself (see SetPortalWords).
	portals map[string]map[string]map[string]struct{}
	// localizers keeps one Localizer per portal ("" for none) and shipped
	// language, made on first use: every request needs one, and making it
	// parses language tags again.
	localizers sync.Map // localizerKey → *Localizer
}

type localizerKey struct{ portal, locale string }

// Load reads the embedded message files.
func Load() (*Bundle, error) {
	b := goi18n.NewBundle(language.French)
	b.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	files, err := fs.Glob(localeFS, "locales/*.toml")
	if err != nil {
		return nil, fmt.Errorf("i18n: list message files: %w", err)
	}
	out := &Bundle{bundle: b, ids: map[string][]string{},
		source: map[string]*goi18n.Message{}, portals: map[string]map[string]map[string]struct{}{}}
	for _, f := range files {
		mf, err := b.LoadMessageFileFS(localeFS, f)
		if err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
		locale := strings.TrimSuffix(path.Base(f), ".toml")
		out.locales = append(out.locales, locale)
		for _, m := range mf.Messages {
			out.ids[locale] = append(out.ids[locale], m.ID)
			if locale == Source {
				out.source[m.ID] = m
			}
		}
	}
	return out, nil
}

// Locales returns the shipped languages.
func (b *Bundle) Locales() []string { return b.locales }

// MessageIDs returns the ids of the messages of one language, for tests that
// check every language has every message.
func (b *Bundle) MessageIDs(locale string) []string {
	return b.ids[locale]
}

// Localizer speaks one language. The same one serves every request in
// that language on a portal (see For and ForPortal): never change one.
type Localizer struct {
	l *goi18n.Localizer
	// Lang is the BCP 47 tag of the chosen language ("fr", "en"), for the
	// page's lang attribute and for picking configured texts.
	Lang string
	// own holds the ids of the messages that portal words itself in Lang.
	own    map[string]struct{}
	portal string
	// plain remembers the messages asked for without data (most of a
	// page's words), id → text: the same id always gives the same text
	// here, and go-i18n's lookup cost microseconds each, dozens of times
	// per page. Only known ids are kept, so it holds at most the bundle.
	plain sync.Map
}

// For returns a localizer for locale, falling back to French for any
// message the locale lacks.
func (b *Bundle) For(locale string) *Localizer {
	return b.localizer("", nil, locale)
}

// localizer returns the localizer of portal, which words the messages in
// own itself, for locale, made once for a shipped language. Other values
// (a language that is not shipped, read from an old account) get a new
// one each time, so that what callers pass cannot grow the cache.
func (b *Bundle) localizer(portal string, own map[string]struct{}, locale string) *Localizer {
	if !contains(b.locales, locale) {
		return &Localizer{l: goi18n.NewLocalizer(b.bundle, locale, Source), Lang: locale, own: own, portal: portal}
	}
	key := localizerKey{portal, locale}
	if l, ok := b.localizers.Load(key); ok {
		return l.(*Localizer)
	}
	l, _ := b.localizers.LoadOrStore(key, &Localizer{l: goi18n.NewLocalizer(b.bundle, locale, Source), Lang: locale, own: own, portal: portal})
	return l.(*Localizer)
}

// T translates the message id, filling {{.Name}} placeholders from data
// given as key, value pairs: T("home.welcome", "Name", portalName).
// A missing message shows its id, which tests catch, rather than a blank.
func (l *Localizer) T(id string, pairs ...any) string {
	return l.translate(id, nil, pairs)
}

// N is T for a message whose wording depends on a count ({{.Count}}).
func (l *Localizer) N(id string, count int, pairs ...any) string {
	return l.translate(id, count, pairs)
}

func (l *Localizer) translate(id string, count any, pairs []any) string {
	if count == nil && len(pairs) == 0 {
		if s, ok := l.plain.Load(id); ok {
			return s.(string)
		}
		s, ok := l.localize(id, map[string]any{}, nil)
		if ok {
			l.plain.Store(id, s)
		}
		return s
	}
	data := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if k, ok := pairs[i].(string); ok {
			data[k] = pairs[i+1]
		}
	}
	if n, ok := count.(int); ok {
		// The plural form is chosen from the number; the text shows it
		// written as the language writes numbers ("1 234", "1,234").
		data["Count"] = l.Number(n)
	}
	s, _ := l.localize(id, data, count)
	return s
}

// localize asks go-i18n for the message, the portal's own wording first; a
// missing message gives its id, and false.
func (l *Localizer) localize(id string, data map[string]any, count any) (string, bool) {
	key := id
	if _, ok := l.own[id]; ok {
		key = portalMessageID(l.portal, id)
	}
	s, err := l.l.Localize(&goi18n.LocalizeConfig{MessageID: key, TemplateData: data, PluralCount: count})
	if err != nil {
		return id, false
	}
	return s, true
}

// Negotiate picks the language of a request among the portal's enabled
// ones: the person's explicit choice first, then their browser's
// Accept-Language, then the portal's default.
func Negotiate(choice, acceptLanguage string, enabled []string, def string) string {
	for _, l := range enabled {
		if l == choice {
			return l
		}
	}
	if acceptLanguage != "" && len(enabled) > 0 {
		tags := make([]language.Tag, 0, len(enabled)+1)
		// The default goes first so that it wins when nothing matches.
		tags = append(tags, language.Make(def))
		for _, l := range enabled {
			tags = append(tags, language.Make(l))
		}
		wanted, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(wanted) > 0 {
			_, idx, conf := language.NewMatcher(tags).Match(wanted...)
			if conf != language.No {
				if idx == 0 {
					return def
				}
				return enabled[idx-1]
			}
		}
	}
	return def
}

// Number writes a whole number as people of the language write it: French
// groups thousands with a narrow no-break space ("12 345"), English with a
// comma ("12,345").
func (l *Localizer) Number(n int) string {
	sep := "\u202f"
	if l.Lang == "en" {
		sep = ","
	}
	digits := fmt.Sprint(n)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b strings.Builder
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}

// paris is the time zone every portal lives in; dates are shown in it.
var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		// Without the zone database (a bare container), UTC+1 is less
		// wrong than UTC; the binary embeds time/tzdata to avoid this.
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// Paris is the time zone every portal lives in, for reading dates people
// type (a day means a day in Paris).
func Paris() *time.Location { return paris }

var months = map[string][12]string{
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"en": {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// DateTime writes a moment as people of the language write it, in Paris
// time: "22 novembre 2026 à 14 h 05", "22 November 2026 at 2:05 pm".
func (l *Localizer) DateTime(t time.Time) string {
	t = t.In(paris)
	m, ok := months[l.Lang]
	if !ok {
		m = months[Source]
	}
	day := fmt.Sprintf("%d %s %d", t.Day(), m[t.Month()-1], t.Year())
	if l.Lang == "en" {
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		suffix := "am"
		if t.Hour() >= 12 {
			suffix = "pm"
		}
		return fmt.Sprintf("%s at %d:%02d %s", day, h, t.Minute(), suffix)
	}
	return fmt.Sprintf("%s à %d h %02d", day, t.Hour(), t.Minute())
}

// Date writes a day as people of the language write it: "22 novembre
// 2026", "22 November 2026". It takes a time.Time or a *time.Time (nil
// gives "").
func (l *Localizer) Date(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return ""
		}
		t = *x
	default:
		return ""
	}
	// A date without time of day (from a date column) is midnight UTC; it
	// must not move to the day before when shown in Paris time.
	if t.Hour() != 0 || t.Minute() != 0 || t.Location() != time.UTC {
		t = t.In(paris)
	}
	m, ok := months[l.Lang]
	if !ok {
		m = months[Source]
	}
	return fmt.Sprintf("%d %s %d", t.Day(), m[t.Month()-1], t.Year())
}
