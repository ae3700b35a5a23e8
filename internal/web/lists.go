package web

import (
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

// listPosts is s.Help.List, remembered (rememberedRows).
func (s *Server) listPosts(c *gin.Context, f help.Filter) ([]help.Post, int, error) {
	k := listKey{portal: currentTenant(c).Slug, filter: f}
	l, err := rememberedRows(s, c, &s.lists, k, maxLists,
		func() (listedPosts, error) {
			posts, total, err := s.Help.List(c.Request.Context(), f)
			return listedPosts{posts: posts, total: total}, err
		})
	return l.posts, l.total, err
}
