package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/entraide/entraide/internal/bench"
)

// target is what the scenarios need to know of the seeded data.
type target struct {
	portal   string  // host of the portal whose pages are measured (a generated one)
	writer   string  // host of the portal the POST scenario writes to (another generated one)
	wcommune string  // a commune of writer's département, where its resident lives
	wepci    string  // wcommune's EPCI
	wauthor  int64   // writer's resident, who writes the posts
	referent string  // the EPCI the measured portal's référent moderates
	searched string  // host of the portal with the most posts, for search
	query    string  // the words searched
	category string  // a category of the filtered list
	epci     string  // the EPCI of the filtered list (the most populated one)
	near     string  // the EPCI of the signed-in resident, whose list shows it first
	postIDs  []int64 // visible posts of portal, for the post page
	mixer    string  // host of the portal of the mixed traffic (a third generated one)
	mcommune string  // the commune of mixer's resident, who writes its posts
	mepci    string  // mcommune's EPCI
	mpostIDs []int64 // visible posts of mixer, for the mixed traffic's post pages
	commune  string  // a commune code of the portal, for new posts
	hosts    []string
	password string
}

// scenarios are the measured requests, with the floors first. Each names
// the floor its requests/s are divided by.
func scenarios(c *bench.Client, floorAddr string, t target) []measured {
	// get measures GET url through client, compared with floor ("" for
	// a floor itself).
	get := func(client *bench.Client, name, floor, url string) measured {
		return measured{floor: floor, Scenario: bench.Scenario{Name: name, New: func(ctx context.Context, _ int) (bench.Worker, error) {
			hc := client.HTTP()
			return func(ctx context.Context) error { _, err := bench.Get(ctx, hc, url, http.StatusOK); return err }, nil
		}}}
	}
	page := func(name, floor, host, path string) measured { return get(c, name, floor, "http://"+host+path) }
	floors := bench.NewClient(floorAddr, 64)
	floorPage := func(name, path string) measured { return get(floors, name, "", "http://floor"+path) }
	listQuery := url.Values{"categorie": {t.category}, "territoire": {t.epci}}.Encode()
	searchQuery := url.Values{"q": {t.query}}.Encode()
	schemaOf := func(host string) string { return "tenant_" + strings.TrimSuffix(host, ".localhost") }

	var next atomic.Uint64
	var anyPortal atomic.Uint64
	// One sign-in per person for the whole run, shared by every worker as
	// tabs of one browser share it: signing in once per worker would meet
	// the sign-in limits, which are per account.
	var mu sync.Mutex
	sessions := map[string]func() (*http.Client, error){}
	signedIn := func(who, host string) (*http.Client, error) {
		mu.Lock()
		once, ok := sessions[who+"@"+host]
		if !ok {
			once = sync.OnceValues(func() (*http.Client, error) {
				hc := c.HTTP()
				return hc, signIn(context.Background(), hc, host, "seed-"+who+"@"+host, t.password)
			})
			sessions[who+"@"+host] = once
		}
		mu.Unlock()
		return once()
	}
	// signedInPage is page for a person signed in: never from the page
	// cache. Sent with Cache-Control: no-cache (a forced reload), the list
	// and search read their rows from the database, the database's own
	// path; without, they may draw rows remembered since the portal's
	// last write (X-Cache: rows).
	signedInPage := func(name, floor, who, host, path string, noCache bool) measured {
		return measured{floor: floor, Scenario: bench.Scenario{Name: name, New: func(ctx context.Context, _ int) (bench.Worker, error) {
			hc, err := signedIn(who, host)
			if err != nil {
				return nil, err
			}
			u := "http://" + host + path
			return func(ctx context.Context) error {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
				if err != nil {
					return err
				}
				if noCache {
					req.Header.Set("Cache-Control", "no-cache")
				}
				_, err = bench.Do(hc, req, http.StatusOK)
				return err
			}, nil
		}}}
	}
	return []measured{
		floorPage(floorStatic, "/static"),
		floorPage(floorList, "/list/"+schemaOf(t.portal)+"?"+listQuery),
		floorPage(floorSearch, "/list/"+schemaOf(t.searched)+"?"+searchQuery),
		floorPage(floorNear, "/list/"+schemaOf(t.portal)+"?"+url.Values{"near": {t.near}}.Encode()),
		floorPage(floorQueue, "/queue/"+schemaOf(t.portal)+"?"+url.Values{"epci": {t.referent}}.Encode()),
		{Scenario: bench.Scenario{Name: floorWrite, New: func(ctx context.Context, w int) (bench.Worker, error) {
			hc := floors.HTTP()
			u := "http://floor/write/" + schemaOf(t.writer) + "?" + url.Values{"auteur": {fmt.Sprint(t.wauthor)}, "epci": {t.wepci}}.Encode()
			var n int
			return func(ctx context.Context) error {
				n++
				return postForm(ctx, hc, u, newPostForm(t, "", w, n))
			}, nil
		}}},
		page("Accueil du portail", floorList, t.portal, "/"),
		page("Liste filtrée (thème + EPCI)", floorList, t.portal, "/annonces?"+listQuery),
		page("Recherche plein texte", floorSearch, t.searched, "/annonces?"+searchQuery),
		signedInPage("Liste filtrée, résident connecté", floorList, "resident", t.portal, "/annonces?"+listQuery, true),
		// What a signed-in resident sees first: every post, those of their
		// own EPCI first. Its floor runs that query, as the search's runs
		// the search's.
		signedInPage("Liste, résident connecté, sans filtre", floorNear, "resident", t.portal, "/annonces", true),
		signedInPage("Recherche, résident connecté", floorSearch, "resident", t.searched, "/annonces?"+searchQuery, true),
		// The same three as people get them, from rows remembered while the
		// portal has not changed.
		signedInPage("Liste filtrée, résident connecté, lignes retenues", floorList, "resident", t.portal, "/annonces?"+listQuery, false),
		signedInPage("Liste, résident connecté, sans filtre, lignes retenues", floorNear, "resident", t.portal, "/annonces", false),
		signedInPage("Recherche, résident connecté, lignes retenues", floorSearch, "resident", t.searched, "/annonces?"+searchQuery, false),
		{floor: floorList, Scenario: bench.Scenario{Name: "Page d'une annonce", New: func(ctx context.Context, _ int) (bench.Worker, error) {
			hc := c.HTTP()
			return func(ctx context.Context) error {
				id := t.postIDs[next.Add(1)%uint64(len(t.postIDs))]
				_, err := bench.Get(ctx, hc, fmt.Sprintf("http://%s/annonces/%d", t.portal, id), http.StatusOK)
				return err
			}, nil
		}}},
		// A référent's queue, from the database as after a write, and as
		// référents get it, from rows remembered for them alone.
		signedInPage("File de modération (référent connecté)", floorQueue, "referent", t.portal, "/moderation", true),
		signedInPage("File de modération (référent connecté), lignes retenues", floorQueue, "referent", t.portal, "/moderation", false),
		{floor: floorWrite, Scenario: bench.Scenario{Name: "Formulaire : publier une annonce (POST)", New: func(ctx context.Context, w int) (bench.Worker, error) {
			hc, err := signedIn("resident", t.writer)
			if err != nil {
				return nil, err
			}
			token, err := csrfToken(ctx, hc, "http://"+t.writer+"/annonces/nouvelle")
			if err != nil {
				return nil, err
			}
			var n int
			return func(ctx context.Context) error {
				n++
				return postForm(ctx, hc, "http://"+t.writer+"/annonces/nouvelle", newPostForm(t, token, w, n))
			}, nil
		}}},
		page("Flux iCalendar de l'agenda", floorList, t.portal, "/agenda.ics"),
		page("/healthz", floorStatic, t.portal, "/healthz"),
		{floor: floorList, Scenario: bench.Scenario{Name: fmt.Sprintf("Accueil, tour des %d portails", len(t.hosts)), New: func(ctx context.Context, _ int) (bench.Worker, error) {
			hc := c.HTTP()
			return func(ctx context.Context) error {
				host := t.hosts[anyPortal.Add(1)%uint64(len(t.hosts))]
				_, err := bench.Get(ctx, hc, "http://"+host+"/", http.StatusOK)
				return err
			}, nil
		}}},
		mixedScenario(c, signedIn, t),
	}
}

// The floors' names.
const (
	floorStatic = "Plancher HTTP : page pré-rendue"
	floorList   = "Plancher base : requête de la liste"
	floorSearch = "Plancher base : requête de la recherche"
	floorNear   = "Plancher base : liste, son EPCI d'abord"
	floorQueue  = "Plancher base : requête de la file de modération"
	floorWrite  = "Plancher base : écriture d'une annonce"
)

// newPostForm is the form the POST scenario and its floor send: worker w's
// nth post, each with its own title. The floor ignores the token.
func newPostForm(t target, token string, w, n int) url.Values {
	return url.Values{"csrf": {token}, "kind": {"proposition"}, "category": {t.category},
		"title":        {fmt.Sprintf("Je peux aider pour les courses (%d-%d)", w, n)},
		"description":  {"Je passe au marché le samedi matin et je peux rapporter vos courses. C'est gratuit, entre voisins."},
		"commune_code": {t.wcommune}, "modes": {"sur_place"}, "when": {"souple"}}
}

// postForm sends form to u as a browser does, and expects the redirect to
// the new post.
func postForm(ctx context.Context, hc *http.Client, u string, form url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	_, err = bench.Do(hc, req, http.StatusSeeOther)
	return err
}

// measured is a scenario and the floor it is compared with ("" for a floor).
// pid is the process that serves it, whose CPU the run reads.
type measured struct {
	bench.Scenario
	floor string
	pid   int
}

// servedBy sets the process that serves each scenario: the floors' for the
// floors, server for the pages.
func servedBy(list []measured, floorPID, serverPID int) {
	for i := range list {
		list[i].pid = serverPID
		if list[i].floor == "" {
			list[i].pid = floorPID
		}
	}
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfToken reads a form's token, as a browser gets it with the page.
func csrfToken(ctx context.Context, hc *http.Client, pageURL string) (string, error) {
	body, err := bench.Get(ctx, hc, pageURL, http.StatusOK)
	if err != nil {
		return "", err
	}
	m := csrfInput.FindSubmatch(body)
	if m == nil {
		return "", fmt.Errorf("no form token on %s", pageURL)
	}
	return string(m[1]), nil
}

// signIn signs in through the real form, as a person would.
func signIn(ctx context.Context, hc *http.Client, host, email, password string) error {
	token, err := csrfToken(ctx, hc, "http://"+host+"/connexion")
	if err != nil {
		return err
	}
	form := url.Values{"csrf": {token}, "email": {email}, "password": {password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+host+"/connexion", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if _, err := bench.Do(hc, req, http.StatusSeeOther); err != nil {
		return fmt.Errorf("sign in as %s: %w", email, err)
	}
	return nil
}
