package web_test

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entraide/entraide/internal/authz"
	"github.com/entraide/entraide/internal/news"
	"github.com/entraide/entraide/internal/testutil"
)

// postMultipart submits a form with a file, with the CSRF token of the
// last page, as the page's own form would.
func (b *browser) postMultipart(rawURL string, fields map[string]string, file string, data []byte) *http.Response {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if m := csrfInput.FindStringSubmatch(b.last); m != nil {
		_ = w.WriteField("csrf", m[1])
	}
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if data != nil {
		fw, _ := w.CreateFormFile(file, "photo.png")
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req, _ := http.NewRequest(http.MethodPost, rawURL, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", "http://"+req.URL.Host)
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	b.read(resp)
	return resp
}

// The admin publishes an alert with a picture through the form; everyone
// reads it on top of the feed and in the Atom feed; a resident cannot
// publish; a portal without the module answers 404.
func TestNewsFeed(t *testing.T) {
	alpha, beta := testutil.Portal("alpha"), testutil.Portal("beta")
	alpha.Modules = append(alpha.Modules, "actualites")
	f := newFixtureFor(t, nil, alpha, beta)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	ctx := f.env.Ctx(t, "alpha")
	adminID, admin := f.person(t, srv, "alpha", "Agnès Admin")
	_, resident := f.person(t, srv, "alpha", "Rémi")
	if err := f.deps.Authz.Grant(ctx, authz.OperatorActor("test"), adminID, authz.RoleAdminDepartement, nil); err != nil {
		t.Fatal(err)
	}
	if resp := resident.get("http://alpha.localhost/actualites/nouvelle"); resp.StatusCode != 403 {
		t.Errorf("a resident's form: %d", resp.StatusCode)
	}

	var pic bytes.Buffer
	_ = png.Encode(&pic, image.NewRGBA(image.Rect(0, 0, 3, 3)))
	admin.get("http://alpha.localhost/actualites/nouvelle")
	uniqueIDs(t, admin.last)
	// A picture without its description is refused, the text is kept.
	resp := admin.postMultipart("http://alpha.localhost/actualites/nouvelle", map[string]string{"kind": "alerte", "days": "5",
		"title": "Plan grand froid", "body": "Si vous voyez une personne dehors, appelez le **115**."}, "image", pic.Bytes())
	if resp.StatusCode != 422 || !strings.Contains(admin.last, "ce que montre la photo") || !strings.Contains(admin.last, "appelez le **115**") {
		t.Fatalf("without description: %d\n%s", resp.StatusCode, admin.last)
	}
	// Money is refused where services are free, quoting what was typed.
	resp = admin.postMultipart("http://alpha.localhost/actualites/nouvelle", map[string]string{"title": "Atelier cuisine",
		"body": "Atelier à 10 € la séance, venez nombreux."}, "", nil)
	if resp.StatusCode != 422 || !strings.Contains(admin.last, "« 10 € »") {
		t.Fatalf("money in news: %d\n%s", resp.StatusCode, admin.last)
	}
	resp = admin.postMultipart("http://alpha.localhost/actualites/nouvelle", map[string]string{"kind": "alerte", "days": "5",
		"title": "Plan grand froid", "body": "Si vous voyez une personne dehors, appelez le **115**.", "image_alt": "Un abri de nuit"}, "image", pic.Bytes())
	if resp.StatusCode != 200 || !strings.Contains(admin.last, "<strong>115</strong>") || !strings.Contains(admin.last, `alt="Un abri de nuit"`) {
		t.Fatalf("publish: %d\n%s", resp.StatusCode, admin.last)
	}
	if _, err := f.deps.News.Publish(ctx, adminID, newsDraft("Un atelier de cuisine")); err != nil {
		t.Fatal(err)
	}

	visitor := newBrowser(t, srv)
	visitor.get("http://alpha.localhost/actualites")
	if i, j := strings.Index(visitor.last, "Plan grand froid"), strings.Index(visitor.last, "Un atelier de cuisine"); i < 0 || j < 0 || i > j {
		t.Errorf("the alert is not on top:\n%s", visitor.last)
	}
	r, err := visitor.client.Get("http://alpha.localhost/actualites/1/image")
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" || !bytes.Equal(img, pic.Bytes()) {
		t.Errorf("picture: %d %v", r.StatusCode, r.Header)
	}

	r, err = visitor.client.Get("http://alpha.localhost/actualites.atom")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(r.Body)
	r.Body.Close()
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Entries []struct {
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(raw, &feed); err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/atom+xml") ||
		len(feed.Entries) != 2 || !strings.HasPrefix(feed.Entries[0].Link.Href, "http://alpha.localhost") {
		t.Fatalf("atom: %v %v %+v\n%s", err, r.Header, feed, raw)
	}

	for _, path := range []string{"/actualites", "/actualites.atom", "/actualites/1"} {
		if w := f.do(t, req{host: "beta.localhost", path: path}); w.Code != 404 {
			t.Errorf("beta without the module, %s: %d", path, w.Code)
		}
	}
}

func newsDraft(title string) news.Draft {
	return news.Draft{Kind: news.KindNews, Title: title, Body: "Rendez-vous mardi à la maison de quartier."}
}

// Every paginated list takes any ?page= without failing: a huge page
// number once overflowed into a negative OFFSET and a 500.
func TestPageNumbersOfEveryList(t *testing.T) {
	f := newFixtureFor(t, nil, shippedPortal(t, "tousvoisins44"))
	for _, path := range []string{"/annonces", "/actualites", "/forum", "/api/v1/posts", "/api/v1/forum/threads"} {
		for _, page := range []string{"9223372036854775807", "-5", "abc", "0", "2"} {
			w := f.do(t, req{host: "tousvoisins44.localhost", path: path + "?page=" + page})
			if w.Code != 200 {
				t.Errorf("%s?page=%s: %d", path, page, w.Code)
			}
		}
	}
}
