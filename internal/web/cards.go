package web

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"sync"

	"github.com/entraide/entraide/internal/help"
)

// A post's card in a list is drawn by the theme's "post-card" template
// from the post's fields alone. Drawing twenty of them was most of the
// list page's time (html/template calls every method and escaper by
// reflection), and the same posts come back on page after page, for one
// person after another. So a card, once drawn, is remembered under
// everything it is drawn from: the templates, the portal (its category
// labels and words), the language and the card's fields. A post that
// changes has other fields, hence another key: nothing is ever stale, and
// nothing needs to be told of writes.

// cardKey is everything a card is drawn from.
type cardKey struct {
	tmpl       *template.Template // the page's templates: another theme, or reloaded themes, draw anew
	portal     string
	lang       string
	id         int64
	kind       string
	category   string
	title      string
	commune    string
	status     string
	visibility string
	urgent     bool
	created    int64
}

// maxCards bounds the remembered cards (about 600 bytes each).
const maxCards = 20000

// memo remembers drawn HTML under comparable keys, up to max of them. When
// full, all are forgotten at once: cheaper than ordering them, and the busy
// ones come back on the next pages.
type memo[K comparable] struct {
	mu    sync.Mutex
	parts map[K]template.HTML
}

func (m *memo[K]) get(k K) (template.HTML, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h, ok := m.parts[k]
	return h, ok
}

func (m *memo[K]) put(k K, h template.HTML, max int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.parts == nil || len(m.parts) >= max {
		m.parts = make(map[K]template.HTML, 256)
	}
	m.parts[k] = h
}

// PostCard is the card of one post in a list, drawn by the "post-card"
// template of the page's theme, or remembered from an earlier page.
func (p *Page) PostCard(post help.Post) (template.HTML, error) {
	if p.tmpl == nil || p.cards == nil {
		return "", fmt.Errorf("web: PostCard outside a rendered page")
	}
	k := cardKey{tmpl: p.tmpl, lang: p.L.Lang, id: post.ID, kind: post.Kind, category: post.Category,
		title: post.Title, commune: post.CommuneCode, status: post.Status, visibility: post.Visibility,
		urgent: post.Urgent, created: post.CreatedAt.UnixNano()}
	if p.Portal != nil {
		k.portal = string(p.Portal.Slug)
	}
	if h, ok := p.cards.get(k); ok {
		return h, nil
	}
	var b bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&b, "post-card", itemView{Page: p, Item: post}); err != nil {
		return "", err
	}
	// The template escaped every field it wrote: the result is safe HTML.
	h := template.HTML(b.String())
	p.cards.put(k, h, maxCards)
	return h, nil
}

// PostCards is the cards of posts, one after the other, each as PostCard
// gives it. Lists draw their cards in this one call rather than by ranging
// over the posts and calling PostCard: html/template reaches a method, and
// then its escaper, by reflection, which cost a list page more than giving
// twenty remembered cards.
func (p *Page) PostCards(posts []help.Post) (template.HTML, error) {
	return joinParts(len(posts), func(i int) (template.HTML, error) { return p.PostCard(posts[i]) })
}

// joinParts is the n parts part gives, each on a line of its own, indented
// as an item of a list in the templates.
func joinParts(n int, part func(i int) (template.HTML, error)) (template.HTML, error) {
	var b strings.Builder
	for i := range n {
		h, err := part(i)
		if err != nil {
			return "", err
		}
		if i == 0 {
			b.Grow(n * (len(h) + 3))
		}
		b.WriteString("\n  ")
		b.WriteString(string(h))
	}
	// Every part is safe HTML, and so is their sequence.
	return template.HTML(b.String()), nil
}
