package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	sirenA = "200000001" // CC du Pays d'Exemple: 44001 and 49001, across a border
	sirenB = "200000002" // CA Pays d'Exemple (CAPE): 44002; same slug as A
)

// tinySource is a hand-made extract shaped like the real files: three
// current communes in two départements, a delegated commune that shares
// its code with its commune nouvelle (as 14 of them do in the real data)
// and must not shadow it, and two EPCIs whose names give the same slug.
func tinySource() source {
	return source{
		Version: "@etalab/decoupage-administratif@0.0.0-test",
		Departements: []srcDepartement{
			{Code: "49", Nom: "Maine-et-Loire"},
			{Code: "44", Nom: "Loire-Atlantique"},
			{Code: "14", Nom: "Calvados"},
		},
		Communes: []srcCommune{
			{Code: "49001", Nom: "Voisine", Type: "commune-actuelle", Departement: "49", CodesPostaux: []string{"49100"}, Population: 300},
			{Code: "44002", Nom: "Le Bourg", Type: "commune-deleguee", Departement: "44"},
			{Code: "44002", Nom: "Le Bourg-Nouveau", Type: "commune-actuelle", Departement: "44", CodesPostaux: []string{"44300"}, Population: 200},
			{Code: "44001", Nom: "Saint-Exemple", Type: "commune-actuelle", Departement: "44", CodesPostaux: []string{"44200", "44100", "44100"}, Population: 1000},
		},
		EPCIs: []srcEPCI{
			{Code: sirenB, Nom: "CA Pays d'Exemple (CAPE)", Type: "CA", Membres: []srcMember{{"44002"}}},
			{Code: sirenA, Nom: "CC du Pays d'Exemple", Type: "CC", Membres: []srcMember{{"49001"}, {"44001"}}},
		},
	}
}

func TestBuild(t *testing.T) {
	communes44 := []outCommune{
		{Code: "44001", Name: "Saint-Exemple", Postcodes: []string{"44100", "44200"}, Population: 1000, Departement: "44", EPCI: sirenA},
		{Code: "44002", Name: "Le Bourg-Nouveau", Postcodes: []string{"44300"}, Population: 200, Departement: "44", EPCI: sirenB},
	}
	tests := []struct {
		name         string
		departements []string
		edit         func(*source)
		previous     map[string]string
		want         output // compared whole when wantErr is empty
		wantErr      string // a part of the error message
	}{
		{
			name:         "colliding slugs both get their SIREN",
			departements: []string{"44"},
			want: output{
				Source:       "@etalab/decoupage-administratif@0.0.0-test",
				Departements: []outDepartement{{Code: "44", Name: "Loire-Atlantique"}},
				EPCIs: []outEPCI{
					// Only the configured département's member is listed.
					{Code: sirenA, Name: "CC du Pays d'Exemple", Kind: "CC", Slug: "pays-d-exemple-" + sirenA, Communes: []string{"44001"}},
					{Code: sirenB, Name: "CA Pays d'Exemple (CAPE)", Kind: "CA", Slug: "pays-d-exemple-" + sirenB, Communes: []string{"44002"}},
				},
				Communes: communes44,
			},
		},
		{
			name:         "two départements, distinct names",
			departements: []string{"49", "44"},
			edit:         func(s *source) { s.EPCIs[0].Nom = "Exemple Métropole" },
			want: output{
				Source:       "@etalab/decoupage-administratif@0.0.0-test",
				Departements: []outDepartement{{Code: "44", Name: "Loire-Atlantique"}, {Code: "49", Name: "Maine-et-Loire"}},
				EPCIs: []outEPCI{
					{Code: sirenA, Name: "CC du Pays d'Exemple", Kind: "CC", Slug: "pays-d-exemple", Communes: []string{"44001", "49001"}},
					{Code: sirenB, Name: "Exemple Métropole", Kind: "CA", Slug: "exemple-metropole", Communes: []string{"44002"}},
				},
				Communes: append(communes44[:2:2], outCommune{Code: "49001", Name: "Voisine", Postcodes: []string{"49100"}, Population: 300, Departement: "49", EPCI: sirenA}),
			},
		},
		{
			name:         "a previous slug is kept and the newcomer gives way",
			departements: []string{"44"},
			previous:     map[string]string{sirenB: "pays-d-exemple"},
			want: output{
				Source:       "@etalab/decoupage-administratif@0.0.0-test",
				Departements: []outDepartement{{Code: "44", Name: "Loire-Atlantique"}},
				EPCIs: []outEPCI{
					{Code: sirenA, Name: "CC du Pays d'Exemple", Kind: "CC", Slug: "pays-d-exemple-" + sirenA, Communes: []string{"44001"}},
					{Code: sirenB, Name: "CA Pays d'Exemple (CAPE)", Kind: "CA", Slug: "pays-d-exemple", Communes: []string{"44002"}},
				},
				Communes: communes44,
			},
		},
		{
			name:         "a renamed EPCI keeps its slug",
			departements: []string{"44"},
			previous:     map[string]string{sirenA: "ancien-nom"},
			want: output{
				Source:       "@etalab/decoupage-administratif@0.0.0-test",
				Departements: []outDepartement{{Code: "44", Name: "Loire-Atlantique"}},
				EPCIs: []outEPCI{
					{Code: sirenA, Name: "CC du Pays d'Exemple", Kind: "CC", Slug: "ancien-nom", Communes: []string{"44001"}},
					{Code: sirenB, Name: "CA Pays d'Exemple (CAPE)", Kind: "CA", Slug: "pays-d-exemple", Communes: []string{"44002"}},
				},
				Communes: communes44,
			},
		},
		{
			name:         "an island the law exempts may have no EPCI",
			departements: []string{"85"},
			edit: func(s *source) {
				s.Departements = append(s.Departements, srcDepartement{Code: "85", Nom: "Vendée"})
				s.Communes = append(s.Communes, srcCommune{Code: "85113", Nom: "L'Île-d'Yeu", Type: "commune-actuelle", Departement: "85", CodesPostaux: []string{"85350"}, Population: 4800})
			},
			want: output{
				Source:       "@etalab/decoupage-administratif@0.0.0-test",
				Departements: []outDepartement{{Code: "85", Name: "Vendée"}},
				Communes:     []outCommune{{Code: "85113", Name: "L'Île-d'Yeu", Postcodes: []string{"85350"}, Population: 4800, Departement: "85"}},
			},
		},
		{
			name:         "a commune without EPCI fails, naming it",
			departements: []string{"44"},
			edit:         func(s *source) { s.EPCIs = s.EPCIs[1:] },
			wantErr:      "44002 Le Bourg-Nouveau (44)",
		},
		{
			name:         "previous slugs that collide fail",
			departements: []string{"44"},
			previous:     map[string]string{sirenA: "meme", sirenB: "meme"},
			wantErr:      `share the slug "meme"`,
		},
		{
			name:         "a commune in two EPCIs fails",
			departements: []string{"44"},
			edit: func(s *source) {
				s.EPCIs[0].Membres = append(s.EPCIs[0].Membres, s.EPCIs[1].Membres[1])
			},
			wantErr: "commune 44001 is a member of two EPCIs",
		},
		{
			name:         "an unknown département fails",
			departements: []string{"44", "99"},
			wantErr:      "département(s) 99 not in the reference data",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := tinySource()
			if tc.edit != nil {
				tc.edit(&src)
			}
			got, err := build(src, tc.departements, tc.previous)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("build error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("build =\n%+v\nwant\n%+v", got, tc.want)
			}
		})
	}
}

func TestNameSlug(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Nantes Métropole", "nantes-metropole"},
		{"CC de Nozay", "nozay"},
		{"CC du Pays d'Ancenis", "pays-d-ancenis"},
		{"CC d'Erdre et Gesvres", "erdre-et-gesvres"},
		{"CC des Hautes Terres de l'Aubrac", "hautes-terres-de-l-aubrac"},
		{"CA de la Région Nazairienne et de l'Estuaire (CARENE)", "region-nazairienne-et-de-l-estuaire"},
		{"CU Caen la Mer", "caen-la-mer"},
		{"Communauté de communes du Pays de Blain", "pays-de-blain"},
		{"Communauté d'agglomération Redon Agglomération", "redon-agglomeration"},
		{"Communauté urbaine de Dunkerque", "dunkerque"},
		{"CC Randon - Margeride", "randon-margeride"},
		{"Métropole de Lyon", "metropole-de-lyon"},
		{"CC Val ès Dunes", "val-es-dunes"},
		// A name that is nothing but a legal form still gets a usable slug.
		{"CC (X)", "epci-200000009"},
	}
	for _, tc := range tests {
		if got := nameSlug(tc.name, "200000009"); got != tc.want {
			t.Errorf("nameSlug(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestEncode checks the file layout: valid JSON, one item per line, and
// the field names package territory reads.
func TestEncode(t *testing.T) {
	out, err := build(tinySource(), []string{"44", "49"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	data, err := encode(out)
	if err != nil {
		t.Fatal(err)
	}
	var decoded struct {
		Source       string            `json:"source"`
		Departements []json.RawMessage `json:"departements"`
		EPCIs        []json.RawMessage `json:"epcis"`
		Communes     []json.RawMessage `json:"communes"`
	}
	if err := json.Unmarshal(data, &decoded); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, data)
	}
	if decoded.Source != out.Source || len(decoded.Departements) != 2 || len(decoded.EPCIs) != 2 || len(decoded.Communes) != 3 {
		t.Errorf("decoded %q with %d départements, %d EPCIs, %d communes; want %q, 2, 2, 3",
			decoded.Source, len(decoded.Departements), len(decoded.EPCIs), len(decoded.Communes), out.Source)
	}
	wantLine := `{"code":"44001","name":"Saint-Exemple","postcodes":["44100","44200"],"population":1000,"departement":"44","epci":"200000001"},`
	if !bytes.Contains(data, []byte("\n"+wantLine+"\n")) {
		t.Errorf("output lacks the line %s:\n%s", wantLine, data)
	}
	if !bytes.Contains(data, []byte(`"name":"CC du Pays d'Exemple"`)) {
		t.Errorf("apostrophes should stay readable:\n%s", data)
	}
	// Every line holding an item is a whole JSON object on its own.
	items := 0
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "{\"code\"") {
			items++
			if !json.Valid([]byte(strings.TrimSuffix(line, ","))) {
				t.Errorf("line is not a JSON object: %s", line)
			}
		}
	}
	if items != 7 {
		t.Errorf("%d item lines, want 7 (2 départements, 2 EPCIs, 3 communes):\n%s", items, data)
	}
}

func TestTenantDepartements(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("distinct and sorted", func(t *testing.T) {
		dir := write(t, map[string]string{
			"a.yaml":   "slug: a\n# departement: \"75\" is a comment\ndepartement: \"44\"\n",
			"b.yml":    "slug: b\ndepartement: '14' # Calvados\n",
			"c.yaml":   "slug: c\ndepartement: \"44\"\n",
			"note.txt": "departement: \"75\"\n",
		})
		got, err := tenantDepartements(dir)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"14", "44"}; !reflect.DeepEqual(got, want) {
			t.Errorf("tenantDepartements = %q, want %q", got, want)
		}
	})
	t.Run("a file without departement fails, naming it", func(t *testing.T) {
		dir := write(t, map[string]string{"a.yaml": "slug: a\n  departement: \"44\"\n"})
		_, err := tenantDepartements(dir)
		if err == nil || !strings.Contains(err.Error(), "a.yaml") {
			t.Errorf("error = %v, want one naming a.yaml", err)
		}
	})
	t.Run("no portal file fails", func(t *testing.T) {
		if _, err := tenantDepartements(write(t, nil)); err == nil {
			t.Error("no error for an empty directory")
		}
	})
}

// TestRun runs the generator on files shaped like the package's and the
// outlines': twice on the same input, which must give the same bytes, then
// after the EPCI was renamed in the source, which must keep the slug the
// first run wrote.
func TestRun(t *testing.T) {
	root := t.TempDir()
	for _, dir := range []string{"data", "geo"} {
		if err := os.Mkdir(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dataDir, geoDir := filepath.Join(root, "data"), filepath.Join(root, "geo")
	files := map[string]string{
		"package.json":           `{"name": "@etalab/decoupage-administratif", "version": "6.0.0"}`,
		"data/departements.json": `[{"code": "44", "nom": "Loire-Atlantique", "region": "52"}]`,
		"data/communes.json": `[
			{"code": "44001", "nom": "Un", "type": "commune-actuelle", "departement": "44", "codesPostaux": ["44100"], "population": 10, "zone": "metro"},
			{"code": "44001", "nom": "Un-Ancien", "type": "commune-deleguee", "departement": "44", "chefLieu": "44001"},
			{"code": "44002", "nom": "Deux", "type": "commune-actuelle", "departement": "44", "codesPostaux": ["44200"], "population": 20, "zone": "metro"}]`,
		"data/epci.json": `[{"code": "200000001", "nom": "CC du Pays d'Un", "type": "CC", "membres": [{"code": "44001", "siren": "214400010", "nom": "Un"}]},
			{"code": "200000002", "nom": "CC Deux", "type": "CC", "membres": [{"code": "44002", "siren": "214400020", "nom": "Deux"}]}]`,
		"geo/communes-44-loire-atlantique.geojson": squareFeatures,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(root, "out", "territories.json")
	if err := run(dataDir, "", "44", geoDir, out); err != nil {
		t.Fatalf("first run: %v", err)
	}
	first, _ := os.ReadFile(out)
	want := `{"code":"200000001","name":"CC du Pays d'Un","kind":"CC","slug":"pays-d-un","communes":["44001"],"neighbours":["200000002"]},`
	if !strings.Contains(string(first), "\n"+want+"\n") || !strings.Contains(string(first), `"source": "@etalab/decoupage-administratif@6.0.0"`) {
		t.Fatalf("first run wrote:\n%s\nwant the line %s and the source", first, want)
	}

	if err := run(dataDir, "", "44", geoDir, out); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if again, _ := os.ReadFile(out); !bytes.Equal(again, first) {
		t.Errorf("a second run on the same input wrote different bytes:\n%s\nthen\n%s", first, again)
	}

	epci := filepath.Join(dataDir, "epci.json")
	renamed := strings.Replace(files["data/epci.json"], "CC du Pays d'Un", "CC Un Nouveau", 1)
	if err := os.WriteFile(epci, []byte(renamed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(dataDir, "", "44", geoDir, out); err != nil {
		t.Fatalf("run after renaming: %v", err)
	}
	third, _ := os.ReadFile(out)
	want = `{"code":"200000001","name":"CC Un Nouveau","kind":"CC","slug":"pays-d-un","communes":["44001"],"neighbours":["200000002"]},`
	if !strings.Contains(string(third), "\n"+want+"\n") {
		t.Errorf("run after renaming wrote:\n%s\nwant the line %s", third, want)
	}
	if _, err := os.Stat(out + ".tmp"); err == nil {
		t.Error("the temporary file was left behind")
	}

	// Without outlines for a configured département, nothing is written.
	if err := os.Remove(filepath.Join(geoDir, "communes-44-loire-atlantique.geojson")); err != nil {
		t.Fatal(err)
	}
	if err := run(dataDir, "", "44", geoDir, out); err == nil || !strings.Contains(err.Error(), "no commune outlines for département 44") {
		t.Errorf("run without outlines: error = %v, want one about département 44", err)
	}
	if err := run(dataDir, "", "44", "", out); err == nil || !strings.Contains(err.Error(), "-geo is required") {
		t.Errorf("run without -geo: error = %v, want one saying it is required", err)
	}
	if last, _ := os.ReadFile(out); !bytes.Equal(last, third) {
		t.Error("a failed run changed the output")
	}
}
