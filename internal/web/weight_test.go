package web_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// pageBudget is what a page may weigh on first load, everything included
// (HTML, CSS, fonts, images, scripts), as transferred: people on old phones
// and slow connections are the portal's public.
const pageBudget = 100 * 1024

var (
	subresource = regexp.MustCompile(`<(?:link[^>]+href|img[^>]+src|script[^>]+src)="([^"]+)"`)
	cssURL      = regexp.MustCompile(`url\(([^)]+)\)`)
)

// transferred fetches a URL as a browser would on first load (accepting
// gzip, nothing cached) and returns the bytes that went over the wire and
// the decoded body.
func transferred(t *testing.T, srv *httptest.Server, host, path, session string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	req.Host = host
	req.Header.Set("Accept-Encoding", "gzip")
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "entraide_session", Value: session})
	}
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s%s = %d", host, path, resp.StatusCode)
	}
	body := string(raw)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s%s: broken gzip: %v", host, path, err)
		}
		body = string(plain)
	}
	// Headers count too, roughly: status line and fields.
	head := 0
	for k, vs := range resp.Header {
		for _, v := range vs {
			head += len(k) + len(v) + 4
		}
	}
	return len(raw) + head + 17, body, resp.Header
}

// The home page and a full list page of each demo portal weigh less than
// 100 KB on first load, compressed; text answers are gzip-compressed.
func TestPagesAreLight(t *testing.T) {
	f := newFixtureFor(t, nil, shippedPortal(t, "calvados"), shippedPortal(t, "lozere"), shippedPortal(t, "tousvoisins44"))
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	for _, slug := range []string{"calvados", "lozere", "tousvoisins44"} {
		id, session := f.resident(t, slug, "Léa Martin")
		f.seedPosts(t, slug, id, 25) // more than a page of the list
		host := slug + ".localhost"
		for _, page := range []struct{ path, session string }{{"/", ""}, {"/annonces", ""}, {"/annonces", session}} {
			total, body, h := transferred(t, srv, host, page.path, page.session)
			if h.Get("Content-Encoding") != "gzip" || !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s%s is not compressed (Content-Encoding %q, Vary %q)", host, page.path, h.Get("Content-Encoding"), h.Get("Vary"))
			}
			detail := []string{page.path + " " + strconv.Itoa(total)}
			urls := subresource.FindAllStringSubmatch(body, -1)
			fetched := map[string]bool{} // a browser fetches a URL once
			for i := 0; i < len(urls); i++ {
				u := strings.ReplaceAll(urls[i][1], "&amp;", "&")
				if fetched[u] {
					continue
				}
				fetched[u] = true
				if strings.HasPrefix(u, "http") || strings.HasPrefix(u, "//") {
					t.Errorf("%s%s loads %s from elsewhere", host, page.path, u)
					continue
				}
				n, sub, hh := transferred(t, srv, host, u, page.session)
				total += n
				detail = append(detail, u+" "+strconv.Itoa(n))
				if strings.HasPrefix(hh.Get("Content-Type"), "text/css") {
					if hh.Get("Content-Encoding") != "gzip" {
						t.Errorf("%s is not compressed", u)
					}
					// Fonts and images a stylesheet loads count too.
					for _, m := range cssURL.FindAllStringSubmatch(sub, -1) {
						urls = append(urls, []string{"", strings.Trim(m[1], `"'`)})
					}
				}
			}
			if total > pageBudget {
				t.Errorf("%s%s weighs %d bytes on first load, over %d:\n  %s", host, page.path, total, pageBudget, strings.Join(detail, "\n  "))
			} else {
				t.Logf("%s%s: %d bytes (%s)", host, page.path, total, strings.Join(detail, ", "))
			}
		}
	}
}

// A compressed file keeps its cache tag in weak form, and a browser that
// sends it back gets 304 Not Modified, compressed or not.
func TestCompressedAssetsStayCacheable(t *testing.T) {
	f := newFixture(t, nil)
	home := f.do(t, req{host: "alpha.localhost"}).Body.String()
	css := regexp.MustCompile(`/static/[0-9a-f]+/app\.css`).FindString(home)
	w := f.do(t, req{host: "alpha.localhost", path: css, header: map[string]string{"Accept-Encoding": "gzip, deflate, br"}})
	etag := w.Header().Get("ETag")
	if w.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(etag, `W/"`) {
		t.Fatalf("compressed app.css: Content-Encoding %q, ETag %q", w.Header().Get("Content-Encoding"), etag)
	}
	for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/")} {
		if w := f.do(t, req{host: "alpha.localhost", path: css, header: map[string]string{"Accept-Encoding": "gzip", "If-None-Match": inm}}); w.Code != 304 || w.Body.Len() != 0 {
			t.Errorf("If-None-Match %s = %d with %d bytes", inm, w.Code, w.Body.Len())
		}
	}
	// A client that refuses gzip gets plain text.
	if w := f.do(t, req{host: "alpha.localhost", path: css, header: map[string]string{"Accept-Encoding": "gzip;q=0"}}); w.Header().Get("Content-Encoding") != "" || !strings.Contains(w.Body.String(), "--primary") {
		t.Errorf("gzip;q=0 got Content-Encoding %q", w.Header().Get("Content-Encoding"))
	}
}
