package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/entraide/entraide/internal/bench"
)

// The mixed traffic answers the question the pages one by one leave open:
// what does one portal's day ask of the server, all at once? Visitors read
// the home page, the list and posts; signed-in residents read their list as
// a browser does (remembered rows allowed); some search; a référent opens
// the queue; now and then someone publishes a post. All of it goes to one
// portal of its own (t.mixer), so that every post retires that portal's
// stored pages and remembered rows, as it would in real life, while the
// portal the other pages are measured on stays as seeded, and the POST
// scenario's thousands of posts land elsewhere.

// A mix step is one kind of request of the mixed traffic.
const (
	mixHome           = "home"
	mixList           = "list"
	mixPostPage       = "post"
	mixSignedList     = "signed-in list"
	mixSignedFiltered = "signed-in filtered list"
	mixSearch         = "search"
	mixQueue          = "queue"
	mixAgenda         = "agenda.ics"
	mixWrite          = "POST"
)

// mixWeights are the steps per hundred requests. A mutual-aid portal is
// read far more than it is written to; one post in a hundred requests is
// still 10 to 16 a second at full speed (1,000 to 1,600 requests a second
// on the 2-core machines measured), more than any département sees.
var mixWeights = []mixWeight{
	{mixHome, 30}, {mixList, 15}, {mixPostPage, 24}, {mixSignedList, 12}, {mixSignedFiltered, 5},
	{mixSearch, 8}, {mixQueue, 3}, {mixAgenda, 2}, {mixWrite, 1},
}

type mixWeight struct {
	step string
	per  int
}

// mixSequence spreads the steps over a cycle as long as the weights' sum,
// each as often as its weight and as evenly as it can (smooth weighted
// round robin): a worker that walks it sends no long run of one kind.
func mixSequence(weights []mixWeight) []string {
	total := 0
	for _, w := range weights {
		total += w.per
	}
	current := make([]int, len(weights))
	seq := make([]string, 0, total)
	for range total {
		best := 0
		for i, w := range weights {
			current[i] += w.per
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		seq = append(seq, weights[best].step)
	}
	return seq
}

// mixedScenario is the mixed traffic on t.mixer, compared with the HTTP
// floor (no target: the mix is what it is). signedIn gives the run's one
// client per person.
func mixedScenario(c *bench.Client, signedIn func(who, host string) (*http.Client, error), t target) measured {
	base := "http://" + t.mixer
	return measured{floor: floorStatic, Scenario: bench.Scenario{Name: mixedName, New: func(ctx context.Context, w int) (bench.Worker, error) {
		visitor := c.HTTP()
		resident, err := signedIn("resident", t.mixer)
		if err != nil {
			return nil, err
		}
		referent, err := signedIn("referent", t.mixer)
		if err != nil {
			return nil, err
		}
		token, err := csrfToken(ctx, resident, base+"/annonces/nouvelle")
		if err != nil {
			return nil, err
		}
		get := func(hc *http.Client, path string) func(context.Context) error {
			return func(ctx context.Context) error { _, err := bench.Get(ctx, hc, base+path, http.StatusOK); return err }
		}
		var posts, written int
		steps := map[string]func(context.Context) error{
			mixHome: get(visitor, "/"),
			mixList: get(visitor, "/annonces?"+url.Values{"categorie": {t.category}, "territoire": {t.mepci}}.Encode()),
			mixPostPage: func(ctx context.Context) error {
				posts++
				id := t.mpostIDs[(w*131+posts)%len(t.mpostIDs)]
				_, err := bench.Get(ctx, visitor, fmt.Sprintf("%s/annonces/%d", base, id), http.StatusOK)
				return err
			},
			mixSignedList:     get(resident, "/annonces"),
			mixSignedFiltered: get(resident, "/annonces?"+url.Values{"categorie": {t.category}}.Encode()),
			mixSearch:         get(visitor, "/annonces?"+url.Values{"q": {t.query}}.Encode()),
			mixQueue:          get(referent, "/moderation"),
			mixAgenda:         get(visitor, "/agenda.ics"),
			mixWrite: func(ctx context.Context) error {
				written++
				form := newPostForm(t, token, w, written)
				form.Set("commune_code", t.mcommune)
				return postForm(ctx, resident, base+"/annonces/nouvelle", form)
			},
		}
		// The cycle is resolved to its requests once, before the clock
		// starts; a weight without its request is the bench's own error.
		order := mixSequence(mixWeights)
		cycle := make([]func(context.Context) error, len(order))
		for i, step := range order {
			if cycle[i] = steps[step]; cycle[i] == nil {
				return nil, fmt.Errorf("mixed traffic: no request for the step %q", step)
			}
		}
		// Each worker starts at its own place in the cycle, so that the
		// clients are not all on the same kind of request at once.
		next := w * 37
		return func(ctx context.Context) error {
			req := cycle[next%len(cycle)]
			next++
			return req(ctx)
		}, nil
	}}}
}

// mixedName is the mixed traffic's name in the results.
const mixedName = "Trafic mêlé d'un portail (lectures, recherche, file, 1 % de POST)"
