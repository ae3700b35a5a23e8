// Package territory owns the map of the portals' départements: their
// communes (with postcodes and population) and the EPCI, or
// intercommunalité, each commune belongs to. Residents choose their commune
// with Search, the EPCI follows from it, référents are scoped to an EPCI,
// and an EPCI's slug names its territory subdomain.
//
// The atlas also says which EPCIs border each other, so that a help post
// can be suggested to residents of the same or a neighbouring EPCI (Near).
//
// The data is a snapshot of the official reference data (the npm package
// @etalab/decoupage-administratif, and commune outlines for the borders)
// for the configured départements only, written by ./gen into
// data/territories.json and embedded in the binary:
// communes and EPCIs change once a year, by decree, not at run time. After
// adding a portal in a new département, or to take a new edition of the
// data, run `make territories` and commit the file.
package territory

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/entraide/entraide/internal/territory/placename"
)

//go:embed data/territories.json
var territoriesJSON []byte

// Commune is a current commune ("commune actuelle"): the merged commune
// when several were merged into a commune nouvelle, never a delegated one.
type Commune struct {
	Code        string   `json:"code"`        // INSEE code, such as "44109"; unique and stable
	Name        string   `json:"name"`        // official name, such as "Saint-Herblain"
	Postcodes   []string `json:"postcodes"`   // sorted; a commune may have several, and a postcode may serve several communes
	Population  int      `json:"population"`  // municipal population, used to rank search results
	Departement string   `json:"departement"` // code, such as "44" or "2A"
	// EPCI is the SIREN of the commune's EPCI. It is empty only for the
	// single-commune islands the law exempts (Yeu, Sein, Ouessant, Bréhat).
	EPCI string `json:"epci"`
}

// EPCI is an établissement public de coopération intercommunale: a
// communauté de communes (Kind "CC"), d'agglomération ("CA"), urbaine
// ("CU") or a métropole ("METRO", "MET69" for Lyon).
type EPCI struct {
	Code string `json:"code"` // SIREN, such as "244400404"; stable across renamings
	Name string `json:"name"` // official name, such as "Nantes Métropole" or "CC de Nozay"
	Kind string `json:"kind"`
	// Slug names the EPCI in URLs ("nantes-metropole"). It is unique within
	// each of the EPCI's départements and kept when the EPCI is renamed.
	Slug string `json:"slug"`
	// Communes are the INSEE codes of its member communes, sorted. Only
	// communes of the portals' départements are listed: an EPCI that
	// straddles a border with a département without a portal is partial.
	Communes []string `json:"communes"`
	// Neighbours are the SIRENs of the EPCIs whose territory borders this
	// one's, sorted. Like Communes, they are seen from the portals'
	// départements: an EPCI of another département is listed only when
	// one of its communes here touches, through that commune.
	Neighbours []string `json:"neighbours"`
}

// Atlas is the read-only territory data. Load builds it once at start; it
// is then shared by every request. Slices in the values it returns are
// shared too and must not be modified.
type Atlas struct {
	source       string
	departements map[string]*departement
	communes     []Commune
	folded       []string // folded name of communes[i], for Search
	communeIndex map[string]int32
	epcis        []EPCI
	epciIndex    map[string]int32
	maps         map[string]Map // by département
}

// departement holds one département's indexes.
type departement struct {
	name     string
	communes []int32          // by folded name
	ranked   []int32          // by population, largest first, then folded name: Search's tie order
	epcis    []int32          // by placename.EPCIKey
	slugs    map[string]int32 // EPCI slug → index
}

// file is the layout of data/territories.json.
type file struct {
	Source       string `json:"source"`
	Departements []struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"departements"`
	EPCIs    []EPCI    `json:"epcis"`
	Communes []Commune `json:"communes"`
}

// Load parses the embedded data and builds the indexes. Call it once at
// start and pass the Atlas to whoever needs it; it takes a few
// milliseconds. It checks that every reference in the file resolves, so
// that a bad regeneration stops the server instead of failing a resident.
func Load() (*Atlas, error) {
	a, err := parse(territoriesJSON)
	if err != nil {
		return nil, err
	}
	if err := a.parseMaps(mapsJSON); err != nil {
		return nil, err
	}
	return a, nil
}

func parse(data []byte) (*Atlas, error) {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("territory: decode embedded data: %w", err)
	}
	a := &Atlas{
		source:       f.Source,
		departements: make(map[string]*departement, len(f.Departements)),
		communes:     f.Communes,
		folded:       make([]string, len(f.Communes)),
		communeIndex: make(map[string]int32, len(f.Communes)),
		epcis:        f.EPCIs,
		epciIndex:    make(map[string]int32, len(f.EPCIs)),
	}
	for _, d := range f.Departements {
		a.departements[d.Code] = &departement{name: d.Name, slugs: make(map[string]int32)}
	}
	for i, e := range a.epcis {
		if _, dup := a.epciIndex[e.Code]; dup {
			return nil, fmt.Errorf("territory: EPCI %s listed twice", e.Code)
		}
		a.epciIndex[e.Code] = int32(i)
	}
	for i, c := range a.communes {
		d := a.departements[c.Departement]
		if d == nil {
			return nil, fmt.Errorf("territory: commune %s %s: unknown département %q", c.Code, c.Name, c.Departement)
		}
		if _, dup := a.communeIndex[c.Code]; dup {
			return nil, fmt.Errorf("territory: commune %s listed twice", c.Code)
		}
		if c.EPCI != "" {
			e, ok := a.EPCI(c.EPCI)
			if !ok || !slices.Contains(e.Communes, c.Code) {
				return nil, fmt.Errorf("territory: commune %s %s: EPCI %s does not list it", c.Code, c.Name, c.EPCI)
			}
		}
		a.communeIndex[c.Code] = int32(i)
		a.folded[i] = foldName(c.Name)
		d.communes = append(d.communes, int32(i))
	}

	// EPCIs sort on their names without "CC de", which would otherwise
	// split an alphabetical list into CA, CC, CU and articles.
	epciKeys := make([]string, len(a.epcis))
	for i, e := range a.epcis {
		epciKeys[i] = placename.EPCIKey(e.Name)
		if len(e.Communes) == 0 {
			return nil, fmt.Errorf("territory: EPCI %s %s has no commune", e.Code, e.Name)
		}
		seen := make(map[*departement]bool)
		for _, code := range e.Communes {
			c, ok := a.Commune(code)
			if !ok || c.EPCI != e.Code {
				return nil, fmt.Errorf("territory: EPCI %s %s lists commune %s, which is not its member", e.Code, e.Name, code)
			}
			d := a.departements[c.Departement]
			if seen[d] {
				continue
			}
			seen[d] = true
			if other, dup := d.slugs[e.Slug]; dup {
				return nil, fmt.Errorf("territory: EPCIs %s and %s share the slug %q in département %s", a.epcis[other].Code, e.Code, e.Slug, c.Departement)
			}
			d.slugs[e.Slug] = int32(i)
			d.epcis = append(d.epcis, int32(i))
		}
	}

	if err := a.checkNeighbours(); err != nil {
		return nil, err
	}

	byName := func(keys []string) func(i, j int32) int {
		return func(i, j int32) int { return cmp.Or(cmp.Compare(keys[i], keys[j]), cmp.Compare(i, j)) }
	}
	for _, d := range a.departements {
		slices.SortFunc(d.communes, byName(a.folded))
		slices.SortFunc(d.epcis, byName(epciKeys))
		d.ranked = slices.Clone(d.communes)
		slices.SortStableFunc(d.ranked, func(i, j int32) int {
			return cmp.Compare(a.communes[j].Population, a.communes[i].Population)
		})
	}
	return a, nil
}

// checkNeighbours checks that the neighbour relation is one: every
// neighbour exists, no EPCI is its own neighbour, each list is sorted
// without repeats (Near searches it by halves) and the relation is
// symmetric, so that Near(x, y) never differs from Near(y, x).
func (a *Atlas) checkNeighbours() error {
	for _, e := range a.epcis {
		for k, n := range e.Neighbours {
			if k > 0 && e.Neighbours[k-1] >= n {
				return fmt.Errorf("territory: EPCI %s %s: neighbours not sorted, or %s repeated", e.Code, e.Name, n)
			}
			if n == e.Code {
				return fmt.Errorf("territory: EPCI %s %s is listed as its own neighbour", e.Code, e.Name)
			}
			other, ok := a.EPCI(n)
			if !ok {
				return fmt.Errorf("territory: EPCI %s %s: neighbour %s is not in the file", e.Code, e.Name, n)
			}
			if _, back := slices.BinarySearch(other.Neighbours, e.Code); !back {
				return fmt.Errorf("territory: EPCI %s %s lists %s %s as a neighbour, but not the other way round", e.Code, e.Name, other.Code, other.Name)
			}
		}
	}
	return nil
}

// Source names the edition of the reference data the atlas was built from,
// such as "@etalab/decoupage-administratif@6.0.0".
func (a *Atlas) Source() string { return a.source }

// Departement returns the name of the département with this code, if it is
// one of the portals' départements.
func (a *Atlas) Departement(code string) (name string, ok bool) {
	d, ok := a.departements[code]
	if !ok {
		return "", false
	}
	return d.name, true
}

// Commune returns the commune with this INSEE code.
func (a *Atlas) Commune(code string) (Commune, bool) {
	i, ok := a.communeIndex[code]
	if !ok {
		return Commune{}, false
	}
	return a.communes[i], true
}

// EPCI returns the EPCI with this SIREN.
func (a *Atlas) EPCI(code string) (EPCI, bool) {
	i, ok := a.epciIndex[code]
	if !ok {
		return EPCI{}, false
	}
	return a.epcis[i], true
}

// EPCIOfCommune returns the SIREN of the EPCI of the commune with this
// INSEE code. It reports false for an unknown commune and for one of the
// islands that belong to no EPCI.
func (a *Atlas) EPCIOfCommune(code string) (string, bool) {
	c, ok := a.Commune(code)
	if !ok || c.EPCI == "" {
		return "", false
	}
	return c.EPCI, true
}

// EPCIBySlug returns the EPCI with this slug among those that have a
// commune in the département. Slugs are lower-case; the caller normalises
// host names before.
func (a *Atlas) EPCIBySlug(departement, slug string) (EPCI, bool) {
	d, ok := a.departements[departement]
	if !ok {
		return EPCI{}, false
	}
	i, ok := d.slugs[slug]
	if !ok {
		return EPCI{}, false
	}
	return a.epcis[i], true
}

// EPCIs returns the EPCIs that have a commune in the département, sorted by
// name ignoring case, accents and the legal form ("CC du Pays d'Ancenis"
// sorts as "pays d ancenis"). The slice is the caller's.
func (a *Atlas) EPCIs(departement string) []EPCI {
	d, ok := a.departements[departement]
	if !ok {
		return nil
	}
	out := make([]EPCI, len(d.epcis))
	for k, i := range d.epcis {
		out[k] = a.epcis[i]
	}
	return out
}

// Communes returns the département's communes, sorted by name ignoring case
// and accents. The slice is the caller's.
func (a *Atlas) Communes(departement string) []Commune {
	d, ok := a.departements[departement]
	if !ok {
		return nil
	}
	out := make([]Commune, len(d.communes))
	for k, i := range d.communes {
		out[k] = a.communes[i]
	}
	return out
}

// Neighbours returns the SIRENs of the EPCIs that border this one, sorted,
// or nil for an unknown SIREN. The slice is shared and must not be
// modified.
func (a *Atlas) Neighbours(epci string) []string {
	i, ok := a.epciIndex[epci]
	if !ok {
		return nil
	}
	return a.epcis[i].Neighbours
}

// Near reports whether the EPCIs x and y are the same or neighbours: the
// circle of places within which a help post is worth suggesting. It is
// symmetric, and false when either SIREN is unknown. It does not allocate.
func (a *Atlas) Near(x, y string) bool {
	i, ok := a.epciIndex[x]
	if !ok {
		return false
	}
	if x == y {
		return true
	}
	_, found := slices.BinarySearch(a.epcis[i].Neighbours, y)
	return found
}
