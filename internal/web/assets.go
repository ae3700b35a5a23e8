package web

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"

	"github.com/entraide/entraide/internal/theme"
	"github.com/gin-gonic/gin"
)

//go:embed static/app.css
var appCSS []byte

// appCSSHash versions the base stylesheet's URL, so browsers may keep it
// forever and still get a new one when it changes.
var appCSSHash = func() string {
	sum := sha256.Sum256(appCSS)
	return hex.EncodeToString(sum[:])[:12]
}()

var appCSSURL = "/static/" + appCSSHash + "/app.css"

func (s *Server) staticAsset(c *gin.Context) {
	if c.Param("file") != "app.css" {
		s.renderError(c, errNotFound)
		return
	}
	serveAsset(c, theme.Asset{Body: appCSS, ContentType: "text/css; charset=utf-8", Hash: appCSSHash})
}

// themeAsset serves the portal's own theme files: its stylesheet, logo,
// favicon and static files (fonts, images). The portal comes from the host, so one portal can never be
// served another's look.
func (s *Server) themeAsset(c *gin.Context) {
	th, ok := s.look().themes.Get(currentTenant(c).Theme)
	if !ok {
		s.renderError(c, errNotFound)
		return
	}
	a, ok := th.File(c.Param("file"))
	if !ok {
		s.renderError(c, errNotFound)
		return
	}
	serveAsset(c, a)
}

// serveAsset lets browsers cache a file for a year when the URL carries its
// current hash, and only briefly when it names an older one.
func serveAsset(c *gin.Context, a theme.Asset) {
	if c.Param("hash") == a.Hash {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=60")
	}
	c.Header("ETag", `"`+a.Hash+`"`)
	// A compressed answer carries the weak form of the same tag.
	if inm := c.GetHeader("If-None-Match"); inm == `"`+a.Hash+`"` || inm == `W/"`+a.Hash+`"` {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, a.ContentType, a.Body)
}
