package web

import (
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Some reads are the same for many requests and change only by a write:
// a signed-in person's row, a page of the list, a page of a référent's
// queue. Every committed write gives its portal a new page version
// (db.AfterWrite, package pagecache), which rateLimit reads anyway. So
// such a read is remembered with the version it was made at, and given
// again while the portal's version is still that one (for a person's row,
// the version of the portal's people, which only writes to them change:
// pagecache.PeopleVersionKey), for at most the
// page cache's lifetime: a change no write announced (one made by the
// command line, in another process, or by time alone, like a post that
// expires) shows within that time, as it does on cached pages.
//
// A request reads the version before it reads the database, so what it
// remembers is never older than its version: a write that commits in
// between gives the portal a newer version, under which nobody finds it.

// remembered holds at most the max values its caller says: when full,
// all are forgotten at once, and the ones in use come back at once.
// Callers give each request a value of its own, or share one only to read
// it.
type remembered[K comparable, V any] struct {
	mu     sync.Mutex
	values map[K]rememberedValue[V]
}

type rememberedValue[V any] struct {
	version string
	read    time.Time
	value   V
}

// get returns the value read at version, if it was read less than ttl
// before now.
func (r *remembered[K, V]) get(k K, version string, now time.Time, ttl time.Duration) (V, bool) {
	r.mu.Lock()
	v, ok := r.values[k]
	r.mu.Unlock()
	if !ok || v.version != version || now.Sub(v.read) >= ttl {
		var zero V
		return zero, false
	}
	return v.value, true
}

// put remembers value, read at version at the time read (taken before the
// read, so that it is never given longer than the lifetime after it).
func (r *remembered[K, V]) put(k K, version string, read time.Time, value V, max int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.values == nil || len(r.values) >= max {
		r.values = make(map[K]rememberedValue[V], min(max, 256))
	}
	r.values[k] = rememberedValue[V]{version: version, read: read, value: value}
}

// through is read(), or the value remembered under k at version while it
// is younger than ttl; fresh skips what is remembered and replaces it with
// what is read. keep gives what is remembered from what was read. It says
// whether the value came from memory.
func (r *remembered[K, V]) through(k K, version string, ttl time.Duration, fresh bool, max int,
	keep func(V) V, read func() (V, error)) (V, bool, error) {
	// The time is taken before reading, so that a value is never given
	// longer than the lifetime after it was read.
	now := time.Now()
	if !fresh {
		if v, ok := r.get(k, version, now, ttl); ok {
			return v, true, nil
		}
	}
	v, err := read()
	if err != nil {
		return v, false, err
	}
	r.put(k, version, now, keep(v), max)
	return v, false, nil
}

// rowsRemembered is the X-Cache value of a page drawn from remembered
// rows: the benchmark counts them apart from the database's.
const rowsRemembered = "rows"

// rememberedRows is read(), remembered in m under k when the portal's page
// version is at hand, and said so by X-Cache: rows. A request that asks
// for a fresh answer (Cache-Control: no-cache, as browsers send on a
// forced reload) reads the database, and what it read is what the next
// ones get. What is remembered is shared, as read, by every request that
// gets it: callers only read it (they draw a page or a JSON answer), so
// it is not copied.
func rememberedRows[K comparable, V any](s *Server, c *gin.Context, m *remembered[K, V], k K, max int,
	read func() (V, error)) (V, error) {
	pre := prefetchedOf(c)
	if !pre.hasVersion {
		return read()
	}
	fresh := strings.Contains(c.GetHeader("Cache-Control"), "no-cache")
	v, hit, err := m.through(k, pre.version, s.Pages.TTL(), fresh, max, func(v V) V { return v }, read)
	// A visitor's page the page cache is drawing stays a "miss": that
	// header speaks of the whole page, which is new.
	if hit && c.Writer.Header().Get(cacheStatus) == "" {
		c.Header(cacheStatus, rowsRemembered)
	}
	return v, err
}
