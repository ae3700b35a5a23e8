package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/i18n"
	"github.com/entraide/entraide/internal/kv"
	"github.com/entraide/entraide/internal/pagecache"
	"github.com/entraide/entraide/internal/tenant"
	"github.com/gin-gonic/gin"
)

// cachePage stores only what any visitor may be given. Each case is a
// handler's answer and whether a second visitor may get it from the cache.
func TestCachePageKeepsOnlyPagesForNobodyInParticular(t *testing.T) {
	messages, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		signedIn bool
		handler  gin.HandlerFunc
		stored   bool
	}{
		{"a page for anyone", false, func(c *gin.Context) { c.Data(200, "text/html; charset=utf-8", []byte("<p>bonjour</p>")) }, true},
		{"a page with a form token", false, func(c *gin.Context) {
			c.Data(200, "text/html; charset=utf-8", []byte(`<input name="csrf" value="`+c.GetString(ctxCSRF)+`">`))
		}, false},
		{"an error", false, func(c *gin.Context) { c.Data(404, "text/html; charset=utf-8", []byte("<p>introuvable</p>")) }, false},
		{"a page setting a cookie", false, func(c *gin.Context) {
			http.SetCookie(c.Writer, &http.Cookie{Name: "x", Value: "1"})
			c.Data(200, "text/html; charset=utf-8", []byte("<p>cookie</p>"))
		}, false},
		{"a page larger than the largest kept", false, func(c *gin.Context) {
			c.Data(200, "text/html; charset=utf-8", []byte(strings.Repeat("a", 2048)))
		}, false},
		{"a page drawn for a signed-in person", true, func(c *gin.Context) {
			c.Data(200, "text/html; charset=utf-8", []byte("<p>à vous</p>"))
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{Deps: Deps{Messages: messages,
				Pages: pagecache.New(kv.NewMemory(), pagecache.Options{TTL: time.Minute, MaxBytes: 64 << 10, MaxPage: 1024})}}
			portal := &tenant.Tenant{Slug: "alpha"}
			visitor := 0
			e := gin.New()
			e.GET("/page", func(c *gin.Context) {
				visitor++
				c.Set(ctxTenant, portal)
				c.Set(ctxCSRF, "token-of-visitor-"+string(rune('0'+visitor)))
				if tc.signedIn { // as loadUser does
					c.Set(ctxUser, &signedIn{})
				}
			}, s.cachePage, tc.handler)
			var second *httptest.ResponseRecorder
			for range 2 {
				second = httptest.NewRecorder()
				e.ServeHTTP(second, httptest.NewRequest(http.MethodGet, "/page", nil))
			}
			if got := second.Header().Get(cacheStatus) == "hit"; got != tc.stored {
				t.Fatalf("second visitor served from the cache: %v, want %v (body %q)", got, tc.stored, second.Body)
			}
			if strings.Contains(second.Body.String(), "token-of-visitor-1") {
				t.Fatal("the second visitor got the first one's form token")
			}
		})
	}
}
