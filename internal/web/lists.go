package web

import (
	"slices"
	"strings"
	"time"

	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/gin-gonic/gin"
)

// A page of the list depends only on its filter (the preferred EPCI
// included) and on what was written: it is the same for everyone who asks
// it. Visitors get whole stored pages; a signed-in person's page cannot be
// stored (it holds their name and form tokens), but the posts it shows can
// be remembered while the portal has not changed (remembered.go), so that
// people browsing and searching do not each run the same query. Measured
// with `make bench`: the README's benchmark section.

type listKey struct {
	portal tenant.Slug
	filter help.Filter
}

// listedPosts is one page of the list and how many posts match in all.
// Remembered ones are shared by the requests that get them, which only
// draw them.
type listedPosts struct {
	posts []help.Post
	total int
}

// maxLists bounds the remembered pages: 20 posts each, a few tens of KB
// at most with long descriptions.
const maxLists = 1_000

// rowsRemembered is the X-Cache value of a page drawn from remembered
// rows: the benchmark counts them apart from the database's.
const rowsRemembered = "rows"

// listPosts is s.Help.List, remembered when the portal's page version is
// at hand. A request that asks for a fresh answer (Cache-Control:
// no-cache, as browsers send on a forced reload) reads the database.
func (s *Server) listPosts(c *gin.Context, f help.Filter) ([]help.Post, int, error) {
	pre := prefetchedOf(c)
	ctx := c.Request.Context()
	if !pre.hasVersion {
		return s.Help.List(ctx, f)
	}
	k := listKey{portal: currentTenant(c).Slug, filter: f}
	now := time.Now()
	if !strings.Contains(c.GetHeader("Cache-Control"), "no-cache") {
		if l, ok := s.lists.get(k, pre.version, now, s.Pages.TTL()); ok {
			// A visitor's page the page cache is drawing stays a "miss":
			// that header speaks of the whole page, which is new.
			if c.Writer.Header().Get(cacheStatus) == "" {
				c.Header(cacheStatus, rowsRemembered)
			}
			return l.posts, l.total, nil
		}
	}
	posts, total, err := s.Help.List(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	// What is remembered is shared: it is a copy, so that this request may
	// do what it likes with its own.
	s.lists.put(k, pre.version, now, listedPosts{posts: slices.Clone(posts), total: total}, maxLists)
	return posts, total, nil
}
