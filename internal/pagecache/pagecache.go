// Package pagecache keeps the pages drawn for visitors who are not signed
// in, for a short while, so that the same home page or list asked for by a
// hundred visitors is read from the database and drawn once, not a hundred
// times.
//
// A stored page is never served after its portal changed. Each portal has
// a version, a random value kept in the shared store (Redis), that every
// committed write transaction in the portal's schema replaces (see
// db.DB.AfterWrite); the version is part of every key, so a page drawn
// before the write is simply never asked for again and ages out. The
// version is read before the page's own database reads, so a page stored
// under a version always shows at least what was written before it. Pages
// also expire after a short lifetime, for what changes with time alone
// (an event that starts, an alert that ends), and the whole cache is bounded
// in bytes, least recently used first out.
//
// Only the web layer decides what may be stored (see web.cachePage): pages
// for nobody in particular, never one holding a form's CSRF token.
package pagecache

import (
	"bytes"
	"compress/gzip"
	"container/list"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/tenant"
)

// Page is one stored answer: its headers, its body, and the body
// gzip-compressed once, for the clients that accept it.
type Page struct {
	Header http.Header
	Body   []byte
	Gzip   []byte
}

func (p *Page) size() int64 {
	n := int64(len(p.Body) + len(p.Gzip))
	for k, vs := range p.Header {
		n += int64(len(k))
		for _, v := range vs {
			n += int64(len(v))
		}
	}
	return n
}

// Options bound the cache.
type Options struct {
	// TTL is how long a page may be served after it was drawn; 0 turns
	// the cache off.
	TTL time.Duration
	// MaxBytes bounds the stored pages, bodies and headers counted.
	MaxBytes int64
	// MaxPage is the largest page worth storing; larger ones are drawn
	// each time. 0: MaxBytes/64.
	MaxPage int64
}

// Cache is safe for concurrent use.
type Cache struct {
	opts  Options
	store kv.Store
	now   func() time.Time

	mu    sync.Mutex
	items map[string]*list.Element // key → *entry, in order
	order *list.List               // front: most recently used
	bytes int64
}

type entry struct {
	key     string
	page    *Page
	expires time.Time
	size    int64
}

// New returns a cache whose portal versions live in store.
func New(store kv.Store, o Options) *Cache {
	if o.MaxPage <= 0 {
		o.MaxPage = o.MaxBytes / 64
	}
	return &Cache{opts: o, store: store, now: time.Now, items: map[string]*list.Element{}, order: list.New()}
}

// MaxPage is the largest page stored, in bytes.
func (c *Cache) MaxPage() int64 { return c.opts.MaxPage }

// Enabled reports whether pages are stored at all.
func (c *Cache) Enabled() bool { return c != nil && c.opts.TTL > 0 && c.opts.MaxBytes > 0 }

// TTL is how long a page may be served after it was drawn: the longest a
// change that no write announced (time passing, a change made by another
// program) may go unseen.
func (c *Cache) TTL() time.Duration { return c.opts.TTL }

// Backend is the store holding the versions: a caller reading VersionKey
// itself must read it there.
func (c *Cache) Backend() kv.Store { return c.store }

// VersionKey is the store key holding the portal's version, for a caller
// that reads it in the same round trip as other keys (the web layer's
// rate limit); Version reads it alone.
func VersionKey(slug tenant.Slug) string { return "pages:" + string(slug) }

// Version is the portal's current version, to be read before the page's
// own reads. A portal never written to since the store started has the
// empty version.
func (c *Cache) Version(ctx context.Context, slug tenant.Slug) (string, error) {
	v, _, err := c.store.Get(ctx, VersionKey(slug))
	if err != nil {
		return "", fmt.Errorf("pagecache: read the version of %s: %w", slug, err)
	}
	return string(v), nil
}

// versionLifetime keeps a quiet portal's version in the store for a while;
// when it lapses the version becomes empty, which no page stored in the
// last TTL carries, since a write happened since the empty version was
// last current.
const versionLifetime = 30 * 24 * time.Hour

// Changed gives the portal a new version, after a write committed. The new
// value is random: a counter could come back to a value that stored pages
// still carry once its key expired.
func (c *Cache) Changed(ctx context.Context, slug tenant.Slug) error {
	return c.renew(ctx, VersionKey(slug), slug)
}

// PeopleVersionKey is the store key holding the version of the portal's
// people, its users rows: PeopleChanged replaces it only when a write
// changed one of them, where every write replaces the portal's version.
// The web layer keys a signed-in person's remembered row by it, so that
// on a portal busy with posts and messages every signed-in request does
// not read its person again after each write.
func PeopleVersionKey(slug tenant.Slug) string { return "people:" + string(slug) }

// PeopleTables are the tables whose rows make up a person: a write to any
// of them changes the people version (OnWrite, with db.DB.AfterWrite
// watching them).
var PeopleTables = []string{"users"}

// PeopleChanged gives the portal's people a new version, after a write to
// PeopleTables committed.
func (c *Cache) PeopleChanged(ctx context.Context, slug tenant.Slug) error {
	return c.renew(ctx, PeopleVersionKey(slug), slug)
}

// renew replaces the version under key with a new random value.
func (c *Cache) renew(ctx context.Context, key string, slug tenant.Slug) error {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return fmt.Errorf("pagecache: new version: %w", err)
	}
	if err := c.store.Set(ctx, key, []byte(base64.RawURLEncoding.EncodeToString(b)), versionLifetime); err != nil {
		return fmt.Errorf("pagecache: new version of %s: %w", slug, err)
	}
	return nil
}

// OnWrite is what db.DB.AfterWrite calls, watching PeopleTables: it gives
// the written portal a new version, and its people a new one when the
// write changed rows of PeopleTables (wrote). It logs when it cannot: the
// portal's stored pages, or its remembered people, then show the old
// content until they expire.
func (c *Cache) OnWrite(log *slog.Logger) func(ctx context.Context, slug tenant.Slug, wrote []string) {
	return func(ctx context.Context, slug tenant.Slug, wrote []string) {
		// The write is done whatever happens to its request now; so is
		// telling the cache.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := c.Changed(ctx, slug); err != nil {
			log.Error("page cache: the portal's pages may show old content until they expire",
				"tenant", slug, "ttl", c.opts.TTL, "error", err)
		}
		if !slices.ContainsFunc(wrote, func(t string) bool { return slices.Contains(PeopleTables, t) }) {
			return
		}
		if err := c.PeopleChanged(ctx, slug); err != nil {
			log.Error("page cache: signed-in people may see their old account details until they expire",
				"tenant", slug, "ttl", c.opts.TTL, "error", err)
		}
	}
}

// Key names a page: the portal and its version, then whatever else the
// page depends on (the caller's parts: host, language, address).
func Key(slug tenant.Slug, version string, parts ...string) string {
	var b bytes.Buffer
	b.WriteString(string(slug))
	b.WriteByte(0)
	b.WriteString(version)
	for _, p := range parts {
		b.WriteByte(0)
		b.WriteString(p)
	}
	return b.String()
}

// Get returns the page stored at key, if it is still fresh.
func (c *Cache) Get(key string) (*Page, bool) {
	if !c.Enabled() {
		return nil, false
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return nil, false
	}
	e := el.Value.(*entry)
	if !now.Before(e.expires) {
		c.remove(el)
		return nil, false
	}
	c.order.MoveToFront(el)
	return e.page, true
}

// gzipWriters are reused: a compressor's state is a few hundred
// kilobytes, too much to make again for every page stored. The default
// level: a page is compressed once and sent many times, so a little more
// work than the on-the-fly compression's fastest level pays.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return w
}}

// Put stores a page drawn under key: header (copied) and body (kept: the
// caller must not change it afterwards). It compresses the body once here.
// A page larger than MaxPage is not stored.
func (c *Cache) Put(key string, header http.Header, body []byte) error {
	if !c.Enabled() || int64(len(body)) > c.opts.MaxPage {
		return nil
	}
	var gz bytes.Buffer
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(&gz)
	if _, err := w.Write(body); err != nil {
		return fmt.Errorf("pagecache: gzip: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("pagecache: gzip: %w", err)
	}
	p := &Page{Header: header.Clone(), Body: body, Gzip: gz.Bytes()}
	e := &entry{key: key, page: p, expires: c.now().Add(c.opts.TTL), size: p.size() + int64(len(key))}

	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.items[key]; ok {
		c.remove(old)
	}
	c.items[key] = c.order.PushFront(e)
	c.bytes += e.size
	for c.bytes > c.opts.MaxBytes {
		c.remove(c.order.Back())
	}
	return nil
}

// remove takes el out; the caller holds mu.
func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	c.order.Remove(el)
	delete(c.items, e.key)
	c.bytes -= e.size
}

// Clear forgets every page, when what every page is drawn with changes
// (themes reloaded).
func (c *Cache) Clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items = map[string]*list.Element{}
	c.order.Init()
	c.bytes = 0
}

// Size is how many pages are stored, and their bytes as bounded by
// MaxBytes.
func (c *Cache) Size() (pages int, bytes int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.items), c.bytes
}
