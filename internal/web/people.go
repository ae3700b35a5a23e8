package web

import (
	"slices"

	"github.com/entraide/entraide/internal/account"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/gin-gonic/gin"
)

// Every signed-in page needs its person's row, and reading it was one of
// a signed-in list page's two database round trips. The row changes only
// by a write to the portal's people, so it is remembered while they have
// not changed (remembered.go, keyed by pagecache.PeopleVersionKey): a post
// or a message written does not make every signed-in person's next
// request read their row again.

type personKey struct {
	portal tenant.Slug
	id     int64
}

// maxPeople bounds the remembered rows (a row is well under 1 KB).
const maxPeople = 10_000

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

// person is the signed-in person's row: remembered when the portal's
// people have not changed since it was read, else read from the database.
func (s *Server) person(c *gin.Context, id int64) (account.User, error) {
	read := func() (account.User, error) { return s.Accounts.ByID(c.Request.Context(), id) }
	pre := prefetchedOf(c)
	if !pre.hasVersion {
		return read()
	}
	k := personKey{portal: currentTenant(c).Slug, id: id}
	u, hit, err := s.people.through(k, pre.peopleVersion, s.Pages.TTL(), false, maxPeople, copyUser, read)
	if hit {
		u = copyUser(u)
	}
	return u, err
}
