package territory_test

import (
	"cmp"
	"regexp"
	"slices"
	"testing"

	"github.com/entraide/entraide/internal/territory"
	"github.com/entraide/entraide/internal/territory/placename"
)

// The embedded data must come from this edition of the reference data: the
// counts below were read from it (commune-actuelle entries of communes.json
// per département, and EPCIs of epci.json with a member there). After
// `make territories` with another edition, check them against the new
// files and update both.
const wantSource = "@etalab/decoupage-administratif@6.0.0"

// wantCounts are those counts. neighbourPairs, the pairs of neighbouring
// EPCIs of the département, comes from the generator rather than from the
// reference files; it was checked against a separate count, by another
// program, of the commune outlines that share two vertices or more.
var wantCounts = []struct {
	departement, name string
	communes, epcis   int
	neighbourPairs    int
}{
	{"14", "Calvados", 526, 16, 31},
	{"44", "Loire-Atlantique", 207, 17, 36},
	{"48", "Lozère", 152, 11, 20},
}

// load returns the atlas built from the embedded data, failing the test if
// it does not load.
func load(tb testing.TB) *territory.Atlas {
	tb.Helper()
	a, err := territory.Load()
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return a
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func TestCompleteness(t *testing.T) {
	a := load(t)
	if got := a.Source(); got != wantSource {
		t.Fatalf("data built from %q; the expected counts are for %q", got, wantSource)
	}
	for _, want := range wantCounts {
		t.Run(want.departement, func(t *testing.T) {
			if name, ok := a.Departement(want.departement); !ok || name != want.name {
				t.Errorf("Departement(%q) = %q, %t; want %q", want.departement, name, ok, want.name)
			}
			communes := a.Communes(want.departement)
			if len(communes) != want.communes {
				t.Errorf("%d communes, want %d", len(communes), want.communes)
			}
			epcis := a.EPCIs(want.departement)
			if len(epcis) != want.epcis {
				t.Errorf("%d EPCIs, want %d", len(epcis), want.epcis)
			}

			for _, c := range communes {
				if c.Departement != want.departement {
					t.Errorf("commune %s %s: département %q", c.Code, c.Name, c.Departement)
				}
				if len(c.Postcodes) == 0 || c.Population <= 0 {
					t.Errorf("commune %s %s: postcodes %q, population %d", c.Code, c.Name, c.Postcodes, c.Population)
				}
				if got, ok := a.Commune(c.Code); !ok || got.Name != c.Name {
					t.Errorf("Commune(%s) = %v, %t", c.Code, got.Name, ok)
				}
				code, ok := a.EPCIOfCommune(c.Code)
				if !ok || code != c.EPCI {
					t.Errorf("commune %s %s: EPCIOfCommune = %q, %t; field says %q", c.Code, c.Name, code, ok, c.EPCI)
					continue
				}
				e, ok := a.EPCI(code)
				if !ok || !slices.Contains(e.Communes, c.Code) {
					t.Errorf("commune %s %s: its EPCI %s (found: %t) does not list it", c.Code, c.Name, code, ok)
				}
				if !slices.ContainsFunc(epcis, func(x territory.EPCI) bool { return x.Code == code }) {
					t.Errorf("commune %s %s: EPCI %s missing from EPCIs(%q)", c.Code, c.Name, code, want.departement)
				}
			}

			slugs := make(map[string]string)
			for _, e := range epcis {
				if !slugPattern.MatchString(e.Slug) {
					t.Errorf("EPCI %s %s: slug %q is not lower-case ASCII words joined by hyphens", e.Code, e.Name, e.Slug)
				}
				if other, dup := slugs[e.Slug]; dup {
					t.Errorf("EPCIs %s and %s share the slug %q", other, e.Code, e.Slug)
				}
				slugs[e.Slug] = e.Code
				if got, ok := a.EPCIBySlug(want.departement, e.Slug); !ok || got.Code != e.Code {
					t.Errorf("EPCIBySlug(%q, %q) = %s, %t; want %s", want.departement, e.Slug, got.Code, ok, e.Code)
				}
				inDepartement := 0
				for _, code := range e.Communes {
					c, ok := a.Commune(code)
					if !ok || c.EPCI != e.Code {
						t.Errorf("EPCI %s lists %s, which is not its member (found: %t)", e.Code, code, ok)
					}
					if c.Departement == want.departement {
						inDepartement++
					}
				}
				if inDepartement == 0 {
					t.Errorf("EPCI %s %s is listed for %s but has no commune there", e.Code, e.Name, want.departement)
				}
			}

			byName := func(x, y territory.Commune) int { return cmp.Compare(placename.Fold(x.Name), placename.Fold(y.Name)) }
			if !slices.IsSortedFunc(communes, byName) {
				t.Error("Communes are not sorted by folded name")
			}
			byKey := func(x, y territory.EPCI) int {
				return cmp.Compare(placename.EPCIKey(x.Name), placename.EPCIKey(y.Name))
			}
			if !slices.IsSortedFunc(epcis, byKey) {
				t.Error("EPCIs are not sorted by name without legal form")
			}
		})
	}
}

// TestWellKnown checks facts anyone can verify on a map (and that were
// checked against communes.json and epci.json).
func TestWellKnown(t *testing.T) {
	a := load(t)
	tests := []struct {
		code, name, departement, postcode string
		epci, epciName, slug              string
	}{
		{"44109", "Nantes", "44", "44300", "244400404", "Nantes Métropole", "nantes-metropole"},
		{"44162", "Saint-Herblain", "44", "44800", "244400404", "Nantes Métropole", "nantes-metropole"},
		{"44184", "Saint-Nazaire", "44", "44600", "244400644", "CA de la Région Nazairienne et de l'Estuaire (CARENE)", "region-nazairienne-et-de-l-estuaire"},
		{"14118", "Caen", "14", "14000", "200065597", "CU Caen la Mer", "caen-la-mer"},
		{"14333", "Honfleur", "14", "14600", "200066827", "CC du Pays de Honfleur-Beuzeville", "pays-de-honfleur-beuzeville"},
		{"48095", "Mende", "48", "48000", "244800405", "CC Coeur de Lozère", "coeur-de-lozere"},
		// Le Rozier belongs to an EPCI of Aveyron, which has no portal.
		{"48131", "Le Rozier", "48", "48150", "241200567", "CC de Millau Grands Causses", "millau-grands-causses"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := a.Commune(tc.code)
			if !ok {
				t.Fatalf("Commune(%s) not found", tc.code)
			}
			if c.Name != tc.name || c.Departement != tc.departement || !slices.Contains(c.Postcodes, tc.postcode) || c.EPCI != tc.epci {
				t.Errorf("Commune(%s) = %+v; want %s in %s, postcode %s, EPCI %s", tc.code, c, tc.name, tc.departement, tc.postcode, tc.epci)
			}
			e, ok := a.EPCI(tc.epci)
			if !ok || e.Name != tc.epciName || e.Slug != tc.slug {
				t.Errorf("EPCI(%s) = %q, slug %q, %t; want %q, slug %q", tc.epci, e.Name, e.Slug, ok, tc.epciName, tc.slug)
			}
		})
	}

	t.Run("EPCIs across a border list only the portals' communes", func(t *testing.T) {
		// CC du Pays d'Ancenis has 20 members, one of them in
		// Maine-et-Loire (49160 Ingrandes-le-Fresne-sur-Loire).
		e, _ := a.EPCI("244400552")
		if len(e.Communes) != 19 {
			t.Errorf("CC du Pays d'Ancenis lists %d communes, want the 19 of Loire-Atlantique", len(e.Communes))
		}
		if _, ok := a.Commune("49160"); ok {
			t.Error("Commune(49160) found, but Maine-et-Loire has no portal")
		}
		if e, _ := a.EPCI("241200567"); !slices.Equal(e.Communes, []string{"48131"}) {
			t.Errorf("CC de Millau Grands Causses lists %q, want only Le Rozier", e.Communes)
		}
	})

	t.Run("EPCIs sort without their legal form", func(t *testing.T) {
		var got []string
		for _, e := range a.EPCIs("48")[:4] {
			got = append(got, e.Slug)
		}
		want := []string{"aubrac-lot-causses-tarn", "cevennes-au-mont-lozere", "coeur-de-lozere", "gevaudan"}
		if !slices.Equal(got, want) {
			t.Errorf("first EPCIs of 48 = %q, want %q", got, want)
		}
	})
}

// TestNeighbourRelation checks the relation as a whole: symmetric, never
// reflexive, sorted, and giving every EPCI at least one neighbour (none of
// the three départements has an island EPCI).
func TestNeighbourRelation(t *testing.T) {
	a := load(t)
	for _, want := range wantCounts {
		t.Run(want.departement, func(t *testing.T) {
			pairs := make(map[[2]string]bool)
			for _, e := range a.EPCIs(want.departement) {
				got := a.Neighbours(e.Code)
				if len(got) == 0 {
					t.Errorf("EPCI %s %s has no neighbour", e.Code, e.Name)
				}
				if !slices.Equal(got, e.Neighbours) {
					t.Errorf("Neighbours(%s) = %q, but its EPCI lists %q", e.Code, got, e.Neighbours)
				}
				if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
					t.Errorf("Neighbours(%s) = %q: not sorted or repeated", e.Code, got)
				}
				if !a.Near(e.Code, e.Code) {
					t.Errorf("Near(%s, itself) = false", e.Code)
				}
				for _, n := range got {
					if n == e.Code {
						t.Errorf("EPCI %s %s is its own neighbour", e.Code, e.Name)
					}
					other, ok := a.EPCI(n)
					if !ok {
						t.Errorf("EPCI %s %s: neighbour %s not found", e.Code, e.Name, n)
						continue
					}
					if !slices.Contains(a.Neighbours(n), e.Code) || !a.Near(e.Code, n) || !a.Near(n, e.Code) {
						t.Errorf("EPCIs %s and %s: the relation is not symmetric", e.Code, n)
					}
					// Calvados, Loire-Atlantique and Lozère have no border in
					// common, so neighbours always share a département; with
					// two portals side by side this would no longer hold.
					if !slices.ContainsFunc(a.EPCIs(want.departement), func(x territory.EPCI) bool { return x.Code == n }) {
						t.Errorf("EPCI %s %s borders %s %s, which has no commune in %s", e.Code, e.Name, n, other.Name, want.departement)
					}
					pairs[[2]string{min(e.Code, n), max(e.Code, n)}] = true
				}
			}
			if len(pairs) != want.neighbourPairs {
				t.Errorf("%d pairs of neighbouring EPCIs, want %d", len(pairs), want.neighbourPairs)
			}
		})
	}
}

// TestNeighbourFacts checks borders anyone can see on a map; each was
// also traced to the communes that make it (in brackets).
func TestNeighbourFacts(t *testing.T) {
	a := load(t)
	const (
		nantesMetropole  = "244400404"
		erdreEtGesvres   = "244400503"
		clisson          = "200067635"
		carene           = "244400644"
		capAtlantique    = "244400610"
		caenLaMer        = "200065597"
		coeurDeNacre     = "241400860"
		honfleur         = "200066827"
		coeurCoteFleurie = "241400415"
		terreDAuge       = "241400878"
		coeurDeLozere    = "244800405"
		randonMargeride  = "200069102"
		hautAllier       = "200006930"
		millau           = "241200567"
		gorgesCausses    = "200069151"
	)
	tests := []struct {
		name string
		x, y string
		want bool
	}{
		{"Nantes Métropole and Erdre et Gesvres (La Chapelle-sur-Erdre, Sucé-sur-Erdre)", nantesMetropole, erdreEtGesvres, true},
		{"Nantes Métropole and Clisson Sèvre et Maine (Vertou, Haute-Goulaine)", nantesMetropole, clisson, true},
		{"CARENE and Cap Atlantique (Pornichet, La Baule-Escoublac)", carene, capAtlantique, true},
		{"Nantes Métropole and CARENE: Estuaire et Sillon lies between", nantesMetropole, carene, false},
		{"Nantes Métropole and Cap Atlantique", nantesMetropole, capAtlantique, false},
		{"Caen la Mer and Cœur de Nacre (Mathieu, Douvres-la-Délivrande)", caenLaMer, coeurDeNacre, true},
		{"Caen la Mer and the Pays de Honfleur", caenLaMer, honfleur, false},
		{"Cœur de Lozère and Randon-Margeride (Mende, Rieutort-de-Randon)", coeurDeLozere, randonMargeride, true},
		{"Cœur de Lozère and Haut Allier Margeride", coeurDeLozere, hautAllier, false},
		{"Nantes Métropole and Caen la Mer, départements apart", nantesMetropole, caenLaMer, false},
		{"an unknown SIREN", nantesMetropole, "200054781", false},
		{"an unknown SIREN with itself", "200054781", "200054781", false},
		{"the same EPCI", caenLaMer, caenLaMer, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.Near(tc.x, tc.y); got != tc.want {
				t.Errorf("Near(%s, %s) = %t, want %t", tc.x, tc.y, got, tc.want)
			}
			if got := a.Near(tc.y, tc.x); got != tc.want {
				t.Errorf("Near(%s, %s) = %t, want %t", tc.y, tc.x, got, tc.want)
			}
		})
	}

	whole := []struct {
		name, epci string
		want       []string
	}{
		// The Pays de Honfleur-Beuzeville continues into the Eure, which
		// has no portal: in Calvados it meets only these two.
		{"Pays de Honfleur-Beuzeville", honfleur, []string{coeurCoteFleurie, terreDAuge}},
		// Of Millau Grands Causses (Aveyron), only Le Rozier is in
		// Lozère, and it borders Saint-Pierre-des-Tripiers only.
		{"Millau Grands Causses", millau, []string{gorgesCausses}},
		{"an unknown SIREN", "200054781", nil},
	}
	for _, tc := range whole {
		if got := a.Neighbours(tc.epci); !slices.Equal(got, tc.want) || (tc.want == nil) != (got == nil) {
			t.Errorf("Neighbours(%s) (%s) = %q, want %q", tc.epci, tc.name, got, tc.want)
		}
	}
}

func TestNearDoesNotAllocate(t *testing.T) {
	a := load(t)
	allocs := testing.AllocsPerRun(100, func() {
		if !a.Near("244400404", "244400503") || len(a.Neighbours("244400404")) == 0 {
			t.Fatal("Nantes Métropole lost its neighbours")
		}
	})
	if allocs != 0 {
		t.Errorf("Near and Neighbours allocate %.0f times per call", allocs)
	}
}

func TestLookupMisses(t *testing.T) {
	a := load(t)
	if _, ok := a.Departement("75"); ok {
		t.Error(`Departement("75") found, but Paris has no portal`)
	}
	if _, ok := a.Commune("75056"); ok {
		t.Error(`Commune("75056") found, but Paris has no portal`)
	}
	if _, ok := a.Commune(""); ok {
		t.Error(`Commune("") found`)
	}
	if _, ok := a.EPCI("200054781"); ok {
		t.Error(`EPCI("200054781") (Métropole du Grand Paris) found`)
	}
	if _, ok := a.EPCIOfCommune("99999"); ok {
		t.Error(`EPCIOfCommune("99999") found`)
	}
	if _, ok := a.EPCIBySlug("14", "nantes-metropole"); ok {
		t.Error("EPCIBySlug found Nantes Métropole in Calvados")
	}
	if _, ok := a.EPCIBySlug("99", "nantes-metropole"); ok {
		t.Error("EPCIBySlug found an EPCI in an unknown département")
	}
	if got := a.Communes("75"); got != nil {
		t.Errorf("Communes(75) = %d communes, want none", len(got))
	}
	if got := a.EPCIs("75"); got != nil {
		t.Errorf("EPCIs(75) = %d EPCIs, want none", len(got))
	}
}

// TestListsAreCopies checks that a caller reordering a list it was given
// does not reorder the atlas for the next request.
func TestListsAreCopies(t *testing.T) {
	a := load(t)
	first := a.Communes("44")[0].Code
	list := a.Communes("44")
	slices.Reverse(list)
	if got := a.Communes("44")[0].Code; got != first {
		t.Errorf("after reversing a returned list, Communes(44)[0] = %s, want %s", got, first)
	}
	firstEPCI := a.EPCIs("44")[0].Code
	epcis := a.EPCIs("44")
	slices.Reverse(epcis)
	if got := a.EPCIs("44")[0].Code; got != firstEPCI {
		t.Errorf("after reversing a returned list, EPCIs(44)[0] = %s, want %s", got, firstEPCI)
	}
}

func TestSearch(t *testing.T) {
	a := load(t)
	tests := []struct {
		name, departement, query string
		limit                    int
		want                     []string // names, in order; nil: nothing
		whole                    bool     // want is the whole result, not its start
	}{
		{"exact name", "44", "nantes", 10, []string{"Nantes"}, false},
		{"upper case", "44", "NANTES", 10, []string{"Nantes"}, false},
		{"official spelling", "44", "Saint-Herblain", 10, []string{"Saint-Herblain"}, true},
		{"words", "44", "saint herblain", 10, []string{"Saint-Herblain"}, true},
		{"st and hyphen", "44", "St-Herblain", 10, []string{"Saint-Herblain"}, true},
		{"st lower case", "44", "st herblain", 10, []string{"Saint-Herblain"}, true},
		{"st. with a dot", "44", "St. Herblain", 10, []string{"Saint-Herblain"}, true},
		{"ste", "44", "ste luce", 10, []string{"Sainte-Luce-sur-Loire"}, true},
		{"a later word", "44", "herblain", 10, []string{"Saint-Herblain"}, true},
		{"words in any order, some left out", "44", "julien concelles", 10, []string{"Saint-Julien-de-Concelles"}, true},
		{"postcode", "44", "44800", 10, []string{"Saint-Herblain"}, true},
		{"postcode with a space", "44", "44 800", 10, []string{"Saint-Herblain"}, true},
		{"one of several postcodes", "44", "44300", 10, []string{"Nantes"}, true},
		{"postcode shared, largest first", "44", "44110", 3, []string{"Châteaubriant", "Erbray", "Soudan"}, true},
		{"INSEE code", "44", "44109", 10, []string{"Nantes"}, true},
		// 44100 is a postcode of Nantes and the INSEE code of Monnières;
		// 44110 a postcode of seven communes and Nort-sur-Erdre's code.
		{"postcode before INSEE code", "44", "44100", 10, []string{"Nantes", "Monnières"}, true},
		{"shared postcode before INSEE code", "44", "44110", 10, []string{"Châteaubriant", "Erbray", "Soudan", "Saint-Aubin-des-Châteaux", "Louisfert", "Villepot", "Noyal-sur-Brutz", "Nort-sur-Erdre"}, true},
		{"postcode prefix, largest first", "48", "4800", 2, []string{"Mende", "Monts-de-Randon"}, true},
		{"accent folded", "48", "lozere", 10, []string{"Mont Lozère et Goulet", "Pont de Montvert - Sud Mont Lozère"}, true},
		{"accent typed", "48", "Balsièges", 10, []string{"Balsièges"}, true},
		{"accent omitted", "48", "balsieges", 10, []string{"Balsièges"}, true},
		{"accents and apostrophe", "48", "cheylard l eveque", 10, []string{"Cheylard-l'Évêque"}, true},
		{"capital with accent", "48", "st etienne du valdonnez", 10, []string{"Saint-Étienne-du-Valdonnez"}, true},
		{"ligature", "14", "cricqueboeuf", 10, []string{"Cricquebœuf"}, true},
		{"initial accent", "14", "equemauville", 10, []string{"Équemauville"}, true},
		{"exact before a larger prefix match", "14", "les loges", 2, []string{"Les Loges", "Les Loges-Saulces"}, true},
		{"prefix: largest first", "44", "saint", 3, []string{"Saint-Nazaire", "Saint-Herblain", "Saint-Sébastien-sur-Loire"}, true},
		{"st alone reads as saint", "44", "st", 1, []string{"Saint-Nazaire"}, true},
		{"word start: largest first", "44", "chapelle", 2, []string{"La Chapelle-sur-Erdre", "La Chapelle-des-Marais"}, true},
		{"prefix before word start before substring", "44", "nan", 10, []string{"Nantes", "Saint-Aignan-Grandlieu"}, true},
		{"other département's commune", "44", "caen", 10, nil, true},
		{"other département's postcode", "14", "44800", 10, nil, true},
		{"other département's INSEE code", "48", "44109", 10, nil, true},
		{"unknown département", "75", "paris", 10, nil, true},
		{"empty", "44", "", 10, nil, true},
		{"spaces", "44", "   ", 10, nil, true},
		{"punctuation only", "44", "-'", 10, nil, true},
		{"zero limit", "44", "nantes", 0, nil, true},
		{"no match", "44", "zzz", 10, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := a.Search(tc.departement, tc.query, tc.limit)
			names := make([]string, len(got))
			for i, c := range got {
				names[i] = c.Name
				if c.Departement != tc.departement {
					t.Errorf("Search(%q, %q) returned %s of département %s", tc.departement, tc.query, c.Name, c.Departement)
				}
			}
			if len(got) > tc.limit {
				t.Errorf("Search(%q, %q, %d) returned %d communes", tc.departement, tc.query, tc.limit, len(got))
			}
			if tc.whole && !slices.Equal(names, tc.want) || !tc.whole && (len(names) < len(tc.want) || !slices.Equal(names[:len(tc.want)], tc.want)) {
				t.Errorf("Search(%q, %q, %d) = %q, want %s %q", tc.departement, tc.query, tc.limit, names, map[bool]string{true: "exactly", false: "starting with"}[tc.whole], tc.want)
			}
		})
	}
}

// TestSearchFindsEveryCommune searches every commune by its official name,
// its INSEE code and its postcodes: none may be unreachable.
func TestSearchFindsEveryCommune(t *testing.T) {
	a := load(t)
	for _, want := range wantCounts {
		for _, c := range a.Communes(want.departement) {
			if got := a.Search(want.departement, c.Name, 1); len(got) != 1 || got[0].Code != c.Code {
				t.Errorf("Search(%q, %q) does not put it first", want.departement, c.Name)
			}
			// A code may also be a postcode of other communes, which
			// come first: the commune must be among the results, not first.
			for _, code := range append([]string{c.Code}, c.Postcodes...) {
				found := slices.ContainsFunc(a.Search(want.departement, code, want.communes), func(x territory.Commune) bool { return x.Code == c.Code })
				if !found {
					t.Errorf("Search(%q, %q) does not find %s", want.departement, code, c.Name)
				}
			}
		}
	}
}

func TestSearchLimit(t *testing.T) {
	a := load(t)
	all := a.Search("44", "saint", 1000)
	if len(all) < 10 {
		t.Fatalf("Search(44, saint) found %d communes, expected dozens", len(all))
	}
	for limit := 1; limit <= len(all)+1; limit++ {
		got := a.Search("44", "saint", limit)
		want := all[:min(limit, len(all))]
		if !slices.EqualFunc(got, want, func(x, y territory.Commune) bool { return x.Code == y.Code }) {
			t.Fatalf("Search(44, saint, %d) is not the first %d of the full result", limit, len(want))
		}
	}
}

func BenchmarkSearch(b *testing.B) {
	a := load(b)
	b.ReportAllocs()
	for b.Loop() {
		if len(a.Search("44", "sai", 10)) != 10 {
			b.Fatal("expected 10 results")
		}
	}
}

func BenchmarkSearchPostcode(b *testing.B) {
	a := load(b)
	b.ReportAllocs()
	for b.Loop() {
		if len(a.Search("44", "441", 10)) != 10 {
			b.Fatal("expected 10 results")
		}
	}
}

func BenchmarkNear(b *testing.B) {
	a := load(b)
	b.ReportAllocs()
	for b.Loop() {
		if a.Near("244400404", "244400644") {
			b.Fatal("Nantes Métropole and the CARENE do not touch")
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := territory.Load(); err != nil {
			b.Fatal(err)
		}
	}
}
