package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/help"
	"github.com/entraide/entraide/internal/testutil"
	"github.com/jackc/pgx/v5/pgxpool"
)

// The floors run the pages' own statements on the schema they are given,
// and only there: the write floor stores the form's post as the form
// would, the queue floor lists what waits within the reach in the address
// and nothing else, and a schema the floor was not given is not found.
func TestFloorsRunThePagesStatementsOnTheirSchema(t *testing.T) {
	ctx := context.Background()
	env := testutil.NewEnv(t, testutil.Portal("plancher"), testutil.Portal("voisin"))
	const schema = "tenant_plancher"
	pool, err := schemaPool(ctx, env.URL, schema, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	e, err := floorRoutes([]byte("<p>page</p>"), map[string]*pgxpool.Pool{schema: pool})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	const nantes, nantesEPCI, stNazaire, stNazaireEPCI = "44109", "244400404", "44184", "244400644"
	var author int64
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, email_key, display_name, password_hash, commune_code, epci_code)
		VALUES ('a@example.org', 'a@example.org', 'Aline', 'x', $1, $2) RETURNING id`, nantes, nantesEPCI).Scan(&author); err != nil {
		t.Fatal(err)
	}
	// Two posts wait for a référent, one in each EPCI, stored with the
	// form's own statement.
	for _, p := range []struct{ title, commune, epci string }{
		{"En attente à Nantes", nantes, nantesEPCI}, {"En attente à Saint-Nazaire", stNazaire, stNazaireEPCI},
	} {
		d := help.Draft{Kind: help.KindOffer, Category: "courses", Title: p.title, CommuneCode: p.commune,
			Description: "Je passe au marché le samedi matin et je rapporte vos courses.", Modes: []string{"sur_place"}, WhenKind: "souple"}
		sql, args := help.InsertQuery(d, p.epci, help.VisibilityPending, []string{}, author, time.Now().Add(time.Hour))
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}

	// The form, as the POST scenario sends it.
	form := newPostForm(target{category: "courses", wcommune: nantes}, "", 3, 7)
	resp, err := hc.PostForm(srv.URL+"/write/"+schema+"?"+url.Values{"auteur": {itoa(author)}, "epci": {nantesEPCI}}.Encode(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/annonces/\d+\?fait=publiee$`).MatchString(resp.Header.Get("Location")) {
		t.Fatalf("write: %d to %q, want 303 to the new post", resp.StatusCode, resp.Header.Get("Location"))
	}
	var title, commune, epci, visibility string
	var modes, flags []string
	var by int64
	var queued bool
	if err := pool.QueryRow(ctx, `SELECT title, commune_code, epci_code, visibility, modes, flags, author_id, queued_at IS NOT NULL
		FROM posts WHERE id = $1`, strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/annonces/"), "?fait=publiee")).
		Scan(&title, &commune, &epci, &visibility, &modes, &flags, &by, &queued); err != nil {
		t.Fatal(err)
	}
	if title != form.Get("title") || commune != nantes || epci != nantesEPCI || visibility != help.VisibilityVisible ||
		strings.Join(modes, ",") != "sur_place" || len(flags) != 0 || by != author || queued {
		t.Fatalf("stored %q %s %s %s %v %v by %d, queued %v; want the form's post, visible, by %d",
			title, commune, epci, visibility, modes, flags, by, queued, author)
	}

	tests := []struct {
		name       string
		path       string
		want, not  []string
		wantStatus int
	}{
		{name: "queue of the Nantes EPCI", path: "/queue/" + schema + "?epci=" + nantesEPCI,
			want: []string{"En attente à Nantes"}, not: []string{"Saint-Nazaire", "courses (3-7)"}},
		{name: "queue of both EPCIs", path: "/queue/" + schema + "?epci=" + nantesEPCI + "," + stNazaireEPCI,
			want: []string{"En attente à Nantes", "En attente à Saint-Nazaire"}},
		{name: "queue of the whole portal", path: "/queue/" + schema + "?partout=1",
			want: []string{"En attente à Nantes", "En attente à Saint-Nazaire"}, not: []string{"courses (3-7)"}},
		{name: "queue of another category", path: "/queue/" + schema + "?categorie=ecoute", not: []string{"En attente"}},
		{name: "list of the Nantes EPCI", path: "/list/" + schema + "?territoire=" + nantesEPCI,
			want: []string{"Je peux aider pour les courses (3-7)"}, not: []string{"En attente"}},
		{name: "another portal's list", path: "/list/tenant_voisin", wantStatus: http.StatusNotFound},
		{name: "another portal's queue", path: "/queue/tenant_voisin?partout=1", wantStatus: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := hc.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			want := http.StatusOK
			if tt.wantStatus != 0 {
				want = tt.wantStatus
			}
			if resp.StatusCode != want {
				t.Fatalf("%d, want %d: %s", resp.StatusCode, want, body)
			}
			page := strings.ReplaceAll(string(body), "&#39;", "'")
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("%q missing from:\n%s", w, page)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(page, n) {
					t.Errorf("%q shown:\n%s", n, page)
				}
			}
		})
	}

	// Writing to a schema the floor was not given stores nothing anywhere.
	resp, err = hc.PostForm(srv.URL+"/write/tenant_voisin?"+url.Values{"auteur": {itoa(author)}, "epci": {nantesEPCI}}.Encode(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM tenant_voisin.posts`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusNotFound || n != 0 {
		t.Fatalf("write to another portal: %d, %d posts there; want 404 and none", resp.StatusCode, n)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
