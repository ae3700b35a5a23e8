package web

import (
	"slices"
	"sync"
	"time"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/gin-gonic/gin"
)

// Every signed-in page needs its person's row, and reading it was one of
// a signed-in list page's two database round trips. The row changes only
// by a write, and every committed write gives its portal a new page
// version (db.AfterWrite, package pagecache), which rateLimit reads
// anyway. So a row is remembered with the version it was read at, and
// given again while the portal's version is still that one, for at most
// the page cache's lifetime: a change no write announced (one made by the
// command line, in another process) shows within that time, as it does on
// cached pages.

type personKey struct {
	portal tenant.Slug
	id     int64
}

type rememberedPerson struct {
	version string
	read    time.Time
	user    account.User
}

// people holds the remembered rows, at most maxPeople: when full, all are
// forgotten at once and the people who are active come back at once.
type people struct {
	mu   sync.Mutex
	rows map[personKey]rememberedPerson
}

const maxPeople = 10_000

func (p *people) get(k personKey, version string, now time.Time, ttl time.Duration) (account.User, bool) {
	p.mu.Lock()
	r, ok := p.rows[k]
	p.mu.Unlock()
	if !ok || r.version != version || now.Sub(r.read) >= ttl {
		return account.User{}, false
	}
	return copyUser(r.user), true
}

func (p *people) put(k personKey, version string, read time.Time, u account.User) {
	r := rememberedPerson{version: version, read: read, user: copyUser(u)}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rows == nil || len(p.rows) >= maxPeople {
		p.rows = make(map[personKey]rememberedPerson, 256)
	}
	p.rows[k] = r
}

// copyUser gives each request a row of its own: a handler may change
// what it was given without changing what the next request gets.
func copyUser(u account.User) account.User {
	u.Interests = slices.Clone(u.Interests)
	if u.EmailConfirmedAt != nil {
		t := *u.EmailConfirmedAt
		u.EmailConfirmedAt = &t
	}
	if u.SuspendedUntil != nil {
		t := *u.SuspendedUntil
		u.SuspendedUntil = &t
	}
	return u
}

// person is the signed-in person's row: remembered when the portal has
// not changed since it was read, else read from the database.
func (s *Server) person(c *gin.Context, id int64) (account.User, error) {
	pre := prefetchedOf(c)
	ctx := c.Request.Context()
	if !pre.hasVersion {
		return s.Accounts.ByID(ctx, id)
	}
	k := personKey{portal: currentTenant(c).Slug, id: id}
	// The time is taken before reading, so that a row is never served
	// longer than the lifetime after it was read.
	now := time.Now()
	if u, ok := s.people.get(k, pre.version, now, s.Pages.TTL()); ok {
		return u, nil
	}
	u, err := s.Accounts.ByID(ctx, id)
	if err != nil {
		return account.User{}, err
	}
	s.people.put(k, pre.version, now, u)
	return u, nil
}
