package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// Every API route is described in openapi.json, every described route
// exists, and every reference in the document resolves.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	f := newFixture(t, nil)
	w := f.do(t, req{host: "alpha.localhost", path: "/api/v1/openapi.json"})
	if w.Code != 200 {
		t.Fatalf("openapi.json: %d", w.Code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	raw := w.Body.Bytes()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	param := regexp.MustCompile(`:([a-z_]+)`)
	served := map[string]bool{}
	for _, r := range f.server.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		path := param.ReplaceAllString(strings.TrimPrefix(r.Path, "/api/v1"), "{$1}")
		key := strings.ToLower(r.Method) + " " + path
		served[key] = true
		if _, ok := doc.Paths[path][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in openapi.json", r.Method, r.Path)
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if !served[method+" "+path] {
				t.Errorf("openapi.json describes %s %s, which is not served", method, path)
			}
		}
	}
	if len(served) < 10 {
		t.Fatalf("only %d API routes found", len(served))
	}
	var all any
	_ = json.Unmarshal(raw, &all)
	schemas := all.(map[string]any)["components"].(map[string]any)["schemas"].(map[string]any)
	for _, m := range regexp.MustCompile(`"\$ref":\s*"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
}

type apiClient struct {
	t     *testing.T
	srv   *httptest.Server
	host  string
	token string
	lang  string
}

func (a apiClient) call(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.srv.URL+"/api/v1"+path, rd)
	req.Host = a.host
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if a.lang != "" {
		req.Header.Set("Accept-Language", a.lang)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

var tokenShown = regexp.MustCompile(`<code class="token">(ent_[A-Za-z0-9_-]+)</code>`)

// makeToken creates a personal token from the account page, as a person would.
func makeToken(t *testing.T, b *browser, host string) string {
	t.Helper()
	b.get("http://" + host + "/compte")
	b.post("http://"+host+"/compte/jetons", map[string]string{"token_name": "Mon application"})
	m := tokenShown.FindStringSubmatch(b.last)
	if m == nil {
		t.Fatalf("no token shown:\n%s", b.last)
	}
	return m[1]
}

// The loop through the API: same rules and messages as the pages, same
// privacy, same portal boundaries.
func TestAPILoop(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	_, leaB := f.person(t, srv, "alpha", "Léa")
	_, paulB := f.person(t, srv, "alpha", "Paul")
	_, zoeB := f.person(t, srv, "alpha", "Zoé")
	lea := apiClient{t, srv, "alpha.localhost", makeToken(t, leaB, "alpha.localhost"), ""}
	paul := apiClient{t, srv, "alpha.localhost", makeToken(t, paulB, "alpha.localhost"), ""}
	zoe := apiClient{t, srv, "alpha.localhost", makeToken(t, zoeB, "alpha.localhost"), ""}

	if code, _ := (apiClient{t, srv, "alpha.localhost", "", ""}).call("GET", "/me", nil); code != http.StatusUnauthorized {
		t.Fatalf("/me without token: %d", code)
	}
	if code, me := lea.call("GET", "/me", nil); code != 200 || me["display_name"] != "Léa" {
		t.Fatalf("/me = %d %v", code, me)
	}
	// A token is worth nothing on another portal, nor a forged one.
	if code, _ := (apiClient{t, srv, "beta.localhost", lea.token, ""}).call("GET", "/me", nil); code != http.StatusUnauthorized {
		t.Fatalf("alpha's token on beta: %d", code)
	}
	if code, _ := (apiClient{t, srv, "alpha.localhost", "ent_forged", ""}).call("GET", "/me", nil); code != http.StatusUnauthorized {
		t.Fatalf("forged token: %d", code)
	}

	draft := map[string]any{"kind": "demande", "category": "courses", "title": "Aide", "description": "trop court",
		"commune": "14118", "modes": []string{}, "when": map[string]string{"kind": "souple"}}
	code, out := lea.call("POST", "/posts", draft)
	fields, _ := out["error"].(map[string]any)["fields"].(map[string]any)
	if code != http.StatusUnprocessableEntity || len(fields) != 4 || !strings.Contains(fields["commune"].(string), "commune") {
		t.Fatalf("invalid post = %d %v", code, out)
	}
	// The same messages in English for an English caller.
	_, out = apiClient{t, srv, "alpha.localhost", lea.token, "en"}.call("POST", "/posts", draft)
	if f := out["error"].(map[string]any)["fields"].(map[string]any); !strings.Contains(f["title"].(string), "Write a title") {
		t.Fatalf("English messages: %v", f)
	}
	draft["title"], draft["description"], draft["commune"], draft["modes"] = "Courses le samedi", "Je paie 10 euros pour porter mes courses depuis le marché.", "44109", []string{"sur_place"}
	code, out = lea.call("POST", "/posts", draft)
	if code != http.StatusUnprocessableEntity || !strings.Contains(out["error"].(map[string]any)["fields"].(map[string]any)["description"].(string), "10 euros") {
		t.Fatalf("money through the API = %d %v", code, out)
	}
	draft["description"] = "J'ai besoin d'aide pour porter mes courses depuis le marché."
	code, post := lea.call("POST", "/posts", draft)
	if code != http.StatusCreated || post["status"] != "ouverte" {
		t.Fatalf("create = %d %v", code, post)
	}
	id := int64(post["id"].(float64))
	path := "/posts/" + itoa(id)

	// Edits go through the same rules; only the author edits.
	draft["description"] = "J'ai besoin d'aide pour porter mes courses, 5 € pour vous."
	if code, _ := lea.call("PUT", path, draft); code != http.StatusUnprocessableEntity {
		t.Fatalf("money through an API edit: %d", code)
	}
	draft["description"] = "J'ai besoin d'aide pour porter mes courses depuis le marché, le samedi."
	if code, _ := paul.call("PUT", path, draft); code != http.StatusForbidden {
		t.Fatalf("someone else edited through the API: %d", code)
	}
	if code, p := lea.call("PUT", path, draft); code != 200 || !strings.Contains(p["description"].(string), "le samedi") {
		t.Fatalf("edit = %d %v", code, p)
	}
	if code, list := zoe.call("GET", "/posts?q=marche", nil); code != 200 || list["total"].(float64) != 1 {
		t.Fatalf("search = %d %v", code, list)
	}
	if code, _ := (apiClient{t, srv, "beta.localhost", "", ""}).call("GET", path, nil); code != http.StatusNotFound {
		t.Fatalf("alpha's post through beta's API: %d", code)
	}

	code, ans := paul.call("POST", path+"/answers", map[string]string{"body": "Je peux vous aider samedi."})
	if code != http.StatusCreated {
		t.Fatalf("answer = %d %v", code, ans)
	}
	conv := "/conversations/" + itoa(int64(ans["conversation_id"].(float64)))
	if code, _ := zoe.call("GET", conv, nil); code != http.StatusNotFound {
		t.Fatalf("a third person reads the conversation through the API: %d", code)
	}
	if code, c := lea.call("POST", conv+"/messages", map[string]string{"body": "Merci, à samedi !"}); code != 200 || len(c["messages"].([]any)) != 2 {
		t.Fatalf("reply = %d %v", code, c)
	}
	if code, _ := paul.call("POST", conv+"/helper", nil); code != http.StatusForbidden {
		t.Fatalf("the responder chose the helper of someone else's post: %d", code)
	}
	if code, _ := lea.call("POST", conv+"/helper", nil); code != http.StatusNoContent {
		t.Fatalf("helper = %d", code)
	}
	if code, _ := zoe.call("POST", "/reports", map[string]any{"type": "post", "id": id, "reason": "arnaque"}); code != http.StatusNoContent {
		t.Fatalf("report = %d", code)
	}
	if code, _ := paul.call("POST", path+"/close", map[string]string{"status": "realisee"}); code != http.StatusForbidden {
		t.Fatalf("someone else closed the post: %d", code)
	}
	code, done := lea.call("POST", path+"/close", map[string]string{"status": "realisee", "thanks": "Merci Paul !"})
	if code != 200 || done["status"] != "realisee" || done["thanks"] != "Merci Paul !" {
		t.Fatalf("close = %d %v", code, done)
	}
	if code, _ := lea.call("POST", "/posts", "pas un objet"); code != http.StatusBadRequest {
		t.Fatalf("a body that is not an object: %d", code)
	}
}

// With the session cookie instead of a token, changes need the CSRF header.
func TestAPIWithSessionNeedsCSRFHeader(t *testing.T) {
	f := newFixture(t, nil)
	srv := httptest.NewServer(f.server.Handler())
	defer srv.Close()
	_, lea := f.person(t, srv, "alpha", "Léa")
	lea.get("http://alpha.localhost/")
	token := csrfInput.FindStringSubmatch(lea.last)[1]
	body := `{"type":"post","id":1,"reason":"autre"}`
	for _, tc := range []struct {
		header string
		status int
	}{{"", http.StatusForbidden}, {token, http.StatusNotFound}} {
		req, _ := http.NewRequest("POST", "http://alpha.localhost/api/v1/reports", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if tc.header != "" {
			req.Header.Set("X-CSRF-Token", tc.header)
		}
		resp, err := lea.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// With the header the request goes through, to a post that does
		// not exist: 404, not 403.
		if resp.StatusCode != tc.status {
			t.Fatalf("with header %q: %d, want %d", tc.header, resp.StatusCode, tc.status)
		}
	}
}
