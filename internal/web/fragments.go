package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/moderation"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/theme"
)

// Some parts of a page are the same for a great many requests: the links
// of the header for everyone signed in with the same roles, the footer, the
// list's filter form for everyone filtering the same way. html/template
// draws each of their words and attributes by reflection, and they were
// most of a list page's drawing once the post cards were remembered
// (cards.go). So such a part is drawn by its template once and remembered
// under everything it is drawn from, as cards are.
//
// A remembered part cannot show anything outside its key: its template
// receives a fragmentView, which holds the key's values and nothing of the
// request (no form token, no address, no person beyond Of). Words come
// from L, whose language and portal are in the key.

// fragmentKey is everything a remembered part is drawn from.
type fragmentKey struct {
	tmpl   *template.Template // the page's templates: reloaded themes draw anew
	name   string
	portal *tenant.Tenant // its modules, name, categories; a reload makes new ones
	theme  *theme.Theme
	lang   string
	of     any // the rest of what it shows: a comparable value
}

// fragmentView is what the template of a remembered part receives.
type fragmentView struct {
	L      *i18n.Localizer
	Portal *tenant.Tenant
	Theme  *theme.Theme
	Of     any
	atlas  *territory.Atlas
}

// EPCIs are the intercommunalités of the portal's département, from the
// embedded atlas: they depend on the portal alone.
func (v *fragmentView) EPCIs() []territory.EPCI {
	if v.atlas == nil || v.Portal == nil {
		return nil
	}
	return v.atlas.EPCIs(v.Portal.Departement)
}

// EPCIName and Category name an EPCI and a category of the portal, as
// Page's do.
func (v *fragmentView) EPCIName(code string) string { return epciName(v.atlas, code) }
func (v *fragmentView) Category(code string) string { return categoryLabel(v.Portal, v.L.Lang, code) }

// maxFragments bounds the remembered parts. The filter form is
// remembered per filter, words searched included; when full, all are
// forgotten at once, and the common ones come back at once.
const maxFragments = 4096

// fragment draws the template name with of, or gives it as remembered.
// of must be comparable (a struct of strings and booleans). A part whose
// key holds more than maxFragmentKey bytes of text (words searched, typed
// by anyone) is drawn each time and not kept, which bounds the memory.
func (p *Page) fragment(name string, of any, keyBytes int) (template.HTML, error) {
	if p.tmpl == nil || p.fragments == nil {
		return "", fmt.Errorf("web: fragment %s outside a rendered page", name)
	}
	k := fragmentKey{tmpl: p.tmpl, name: name, portal: p.Portal, theme: p.Theme, lang: p.L.Lang, of: of}
	keep := keyBytes <= maxFragmentKey
	if keep {
		if h, ok := p.fragments.get(k); ok {
			return h, nil
		}
	}
	var b bytes.Buffer
	v := &fragmentView{L: p.L, Portal: p.Portal, Theme: p.Theme, Of: of, atlas: p.atlas}
	if err := p.tmpl.ExecuteTemplate(&b, name, v); err != nil {
		return "", err
	}
	// The template escaped everything it wrote: the result is safe HTML.
	h := template.HTML(b.String())
	if keep {
		p.fragments.put(k, h, maxFragments)
	}
	return h, nil
}

// maxFragmentKey is the most text a remembered part's key may hold: with
// maxFragments, it bounds the memory to a few tens of megabytes.
const maxFragmentKey = 1024

// siteLinksOf is what the header's links depend on besides the portal and
// the language: whether someone is signed in, and the links their roles
// open.
type siteLinksOf struct {
	SignedIn, CanModerate, CanAdmin bool
}

// SiteLinks are the header's links ("site-links"): the portal's modules,
// and the person's pages or the sign-in links.
func (p *Page) SiteLinks() (template.HTML, error) {
	return p.fragment("site-links", siteLinksOf{SignedIn: p.User != nil, CanModerate: p.CanModerate, CanAdmin: p.CanAdmin}, 0)
}

// SiteFooter is the footer ("site-footer"): the portal, its theme's links
// and the legal notice.
func (p *Page) SiteFooter() (template.HTML, error) {
	return p.fragment("site-footer", struct{}{}, 0)
}

// postFiltersOf is what the list's filter form shows besides the portal's
// categories and EPCIs: the filters chosen.
type postFiltersOf struct {
	Kind, Category, EPCI, Date, Query string
}

// PostFilters is the list's filter form ("post-filters") for f.
func (p *Page) PostFilters(f help.Filter) (template.HTML, error) {
	of := postFiltersOf{Kind: f.Kind, Category: f.Category, EPCI: f.EPCI, Date: f.Date, Query: f.Query}
	return p.fragment("post-filters", of, len(of.Kind)+len(of.Category)+len(of.EPCI)+len(of.Date)+len(of.Query))
}

// queueFiltersOf is what the queue's filter form shows besides the
// portal: the filters chosen and the codes of the EPCIs and categories the
// référent may filter by, joined (a key must be comparable).
type queueFiltersOf struct {
	Why, EPCI, Category string
	epcis, categories   string
}

func (f queueFiltersOf) Whys() []string       { return moderation.Whys }
func (f queueFiltersOf) EPCIs() []string      { return splitList(f.epcis) }
func (f queueFiltersOf) Categories() []string { return splitList(f.categories) }

// QueueFilters is the queue's filter form ("queue-filters") for v.
func (p *Page) QueueFilters(v *queueView) (template.HTML, error) {
	of := queueFiltersOf{Why: v.Filter.Why, EPCI: v.Filter.EPCI, Category: v.Filter.Category,
		epcis: strings.Join(v.EPCIs, listSep), categories: strings.Join(v.Categories, listSep)}
	return p.fragment("queue-filters", of, len(of.Why)+len(of.EPCI)+len(of.Category)+len(of.epcis)+len(of.categories))
}

// queueEntryOf is everything an entry of the moderation queue shows. Its
// lists are joined (a key must be comparable) and given back by methods.
type queueEntryOf struct {
	Kind, Title, Excerpt, EPCI, Category string
	ID                                   int64
	Reports                              int
	since                                int64 // Unix nanoseconds
	whys, reasons                        string
}

// listSep joins a key's lists: it is in no word of theirs.
const listSep = "\x00"

func (e queueEntryOf) Since() time.Time { return time.Unix(0, e.since) }
func (e queueEntryOf) Why() []string    { return splitList(e.whys) }
func (e queueEntryOf) Reasons() []string {
	return splitList(e.reasons)
}
func (e queueEntryOf) Path() string { return itemPath(e.Kind, e.ID) }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, listSep)
}

// QueueEntries is the entries of the moderation queue, in one call, as
// PostCards gives cards.
func (p *Page) QueueEntries(entries []moderation.QueueEntry) (template.HTML, error) {
	return joinParts(len(entries), func(i int) (template.HTML, error) { return p.QueueEntry(entries[i]) })
}

// QueueEntry is an entry of the moderation queue ("queue-entry").
func (p *Page) QueueEntry(e moderation.QueueEntry) (template.HTML, error) {
	of := queueEntryOf{Kind: e.Kind, Title: e.Title, Excerpt: e.Excerpt, EPCI: e.EPCI, Category: e.Category, ID: e.ID,
		Reports: e.Reports, since: e.Since.UnixNano(), whys: strings.Join(e.Why, listSep), reasons: strings.Join(e.Reasons, listSep)}
	return p.fragment("queue-entry", of, len(of.Kind)+len(of.Title)+len(of.Excerpt)+len(of.EPCI)+len(of.Category)+len(of.whys)+len(of.reasons))
}
