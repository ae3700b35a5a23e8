package i18n

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"text/template"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Word is a portal's own wording of one of the platform's messages, set in
// its configuration file: a département that says "besoin" where the
// platform says "demande" replaces the messages that carry the word. It goes
// through the same localizer as every other message, so templates do not
// know whether a word was replaced.
type Word struct {
	// ID is the message replaced, as in locales/fr.toml.
	ID string `mapstructure:"id"`
	// Text is the new wording per language, for a message that does not
	// depend on a count.
	Text map[string]string `mapstructure:"text"`
	// One and Other are the forms of a message that depends on a count.
	One   map[string]string `mapstructure:"one"`
	Other map[string]string `mapstructure:"other"`
}

// WordProblem is one thing wrong in a portal's words; Field is the dotted
// path inside the portal file ("words[2].id").
type WordProblem struct {
	Field, Message string
}

var placeholder = regexp.MustCompile(`\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}`)

// SetPortalWords checks a portal's words against the shipped messages and
// makes the portal's localizers use them. Every problem is reported: an
// unknown message id, a language the portal does not speak, a message that
// needs its two count forms, a placeholder the original does not fill. It
// is called at start, before serving: the bundle is not changed afterwards.
func (b *Bundle) SetPortalWords(portal string, words []Word, locales []string) []WordProblem {
	var problems []WordProblem
	add := func(field, format string, args ...any) {
		problems = append(problems, WordProblem{field, fmt.Sprintf(format, args...)})
	}
	byLocale := map[string][]*goi18n.Message{}
	seen := map[string]bool{}
	for i, w := range words {
		field := fmt.Sprintf("words[%d]", i)
		src, ok := b.source[w.ID]
		switch {
		case w.ID == "":
			add(field+".id", "required: the id of the message to replace, as in internal/i18n/locales/fr.toml")
			continue
		case !ok:
			add(field+".id", "unknown message %q (see internal/i18n/locales/fr.toml)", w.ID)
			continue
		case seen[w.ID]:
			add(field+".id", "message %q is replaced twice", w.ID)
			continue
		}
		seen[w.ID] = true
		plural := src.One != ""
		forms := map[string]map[string]string{"text": w.Text, "one": w.One, "other": w.Other}
		if plural {
			if len(w.Text) > 0 {
				add(field+".text", "message %q depends on a count: give its two forms as one and other", w.ID)
			}
			if len(w.One) == 0 || len(w.Other) == 0 {
				add(field, "message %q depends on a count: both one and other are required", w.ID)
			}
		} else {
			if len(w.One) > 0 || len(w.Other) > 0 {
				add(field, "message %q does not depend on a count: give its words as text", w.ID)
			}
			if len(w.Text) == 0 {
				add(field+".text", "required: the new words, per language")
			}
		}
		allowed := map[string]bool{}
		for _, m := range placeholder.FindAllStringSubmatch(src.One+" "+src.Other, -1) {
			allowed[m[1]] = true
		}
		msgs := map[string]*goi18n.Message{}
		for _, form := range []string{"text", "one", "other"} {
			for _, locale := range sortedKeys(forms[form]) {
				s := forms[form][locale]
				f := fmt.Sprintf("%s.%s.%s", field, form, locale)
				if !contains(locales, locale) {
					add(f, "the portal does not speak %q (locales.enabled: %s)", locale, strings.Join(locales, ", "))
					continue
				}
				if strings.TrimSpace(s) == "" {
					add(f, "must not be empty")
					continue
				}
				if _, err := template.New("").Parse(s); err != nil {
					add(f, "is not a valid message: %v", err)
					continue
				}
				for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
					if !allowed[m[1]] {
						add(f, "{{.%s}} is not filled for this message (it can use: %s)", m[1], strings.Join(sortedKeys(allowed), ", "))
					}
				}
				m := msgs[locale]
				if m == nil {
					m = &goi18n.Message{ID: w.ID}
					msgs[locale] = m
				}
				switch form {
				case "one":
					m.One = s
				default:
					m.Other = s
				}
			}
		}
		for locale, m := range msgs {
			byLocale[locale] = append(byLocale[locale], m)
		}
	}
	if len(problems) > 0 || len(words) == 0 {
		return problems
	}
	// The portal's words join the shipped bundle under ids of their own,
	// so a portal costs the few messages it words, not a copy of every
	// message (a thousand portals would hold a thousand copies).
	own := map[string]map[string]struct{}{}
	for locale, msgs := range byLocale {
		keyed := make([]*goi18n.Message, len(msgs))
		ids := map[string]struct{}{}
		for i, m := range msgs {
			k := *m
			k.ID = portalMessageID(portal, m.ID)
			keyed[i] = &k
			ids[m.ID] = struct{}{}
		}
		if err := b.bundle.AddMessages(language.Make(locale), keyed...); err != nil {
			return []WordProblem{{"words", err.Error()}}
		}
		own[locale] = ids
	}
	b.portals[portal] = own
	// Localizers made before these words must not serve them.
	for _, locale := range b.locales {
		b.localizers.Delete(localizerKey{portal, locale})
	}
	return nil
}

// portalMessageID is the id under which a portal's wording of message id
// is kept in the bundle. Shipped ids never contain a colon.
func portalMessageID(portal, id string) string { return "portal:" + portal + ":" + id }

// ForPortal is For with the portal's own words, if it has any. A message
// the portal words in the chosen language is looked up under the portal's
// id; any other message is the platform's (and a portal's French words
// never show on its English pages).
func (b *Bundle) ForPortal(portal, locale string) *Localizer {
	own, ok := b.portals[portal][locale]
	if !ok {
		return b.For(locale)
	}
	return b.localizer(portal, own, locale)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
