package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sirenC = "200000003"

// rowSource has four current communes in a row, west to east, and their
// EPCIs: 44001 in A, 44002 and 44004 in B, 44003 in C. 44002 is a commune
// nouvelle: 44090 is its delegated commune, with its own 2018 outline.
func rowSource() source {
	current := func(code string) srcCommune {
		return srcCommune{Code: code, Nom: "C" + code, Type: "commune-actuelle", Departement: "44", CodesPostaux: []string{"44000"}, Population: 1}
	}
	return source{
		Version:      "test",
		Departements: []srcDepartement{{Code: "44", Nom: "Loire-Atlantique"}},
		Communes: []srcCommune{
			current("44001"), current("44002"), current("44003"), current("44004"),
			{Code: "44090", Nom: "Ancienne", Type: "commune-deleguee", Departement: "44", ChefLieu: "44002"},
			// A delegated commune that shares its code with the commune
			// nouvelle, as 14 of them do in the real data.
			{Code: "44002", Nom: "C44002-historique", Type: "commune-deleguee", Departement: "44", ChefLieu: "44002"},
		},
		EPCIs: []srcEPCI{
			{Code: sirenA, Nom: "CC A", Type: "CC", Membres: []srcMember{{"44001"}}},
			{Code: sirenB, Nom: "CC B", Type: "CC", Membres: []srcMember{{"44002"}, {"44004"}}},
			{Code: sirenC, Nom: "CC C", Type: "CC", Membres: []srcMember{{"44003"}}},
		},
	}
}

// rowOutlines are the 2018 outlines of rowSource, 1 km squares in a row:
// 44001 | 44090 | 44002 | 44003, with 44004 north of 44003. CC A touches
// CC B only through 44090, which must therefore be mapped to 44002.
func rowOutlines() []outline {
	return []outline{
		{code: "44001", name: "C44001", shape: square(0, 0, 1000)},
		{code: "44090", name: "Ancienne", shape: square(1000, 0, 1000)},
		{code: "44002", name: "C44002", shape: square(2000, 0, 1000)},
		{code: "44003", name: "C44003", shape: square(3000, 0, 1000)},
		{code: "44004", name: "C44004", shape: square(3000, 1000, 1000)},
	}
}

func TestLinkNeighbours(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*source, *[]outline)
		want      map[string][]string // EPCI → neighbours
		wantStats linkStats
		wantErr   string
	}{
		{
			name: "a delegated commune counts for its commune nouvelle",
			want: map[string][]string{sirenA: {sirenB}, sirenB: {sirenA, sirenC}, sirenC: {sirenB}},
			// 44001|44090, 44090|44002, 44002|44003, 44003|44004, and
			// 44002|44004 at a corner only, which does not count.
			wantStats: linkStats{outlines: 5, delegated: 1, shared: 4, neighbours: 2},
		},
		{
			// Saint-Géréon merged into Ancenis-Saint-Géréon (44003) and
			// left no delegated commune: successorsSince2018 knows it.
			name: "a merger without delegated commune",
			edit: func(_ *source, o *[]outline) {
				(*o)[1].code = "44160"
			},
			want:      map[string][]string{sirenA: {sirenC}, sirenB: {sirenC}, sirenC: {sirenA, sirenB}},
			wantStats: linkStats{outlines: 5, merged: 1, shared: 4, neighbours: 2},
		},
		{
			// The atlas has no EPCI for it, and its border with 44001
			// gives CC A no neighbour.
			name: "a commune of a département without portal",
			edit: func(s *source, o *[]outline) {
				s.Communes = append(s.Communes, srcCommune{Code: "49001", Nom: "Voisine", Type: "commune-actuelle", Departement: "49"})
				*o = append(*o, outline{code: "49001", name: "Voisine", shape: square(-1000, 0, 1000)})
			},
			want:      map[string][]string{sirenA: {sirenB}, sirenB: {sirenA, sirenC}, sirenC: {sirenB}},
			wantStats: linkStats{outlines: 6, delegated: 1, elsewhere: 1, shared: 5, neighbours: 2},
		},
		{
			name:    "an unknown 2018 commune fails, naming it",
			edit:    func(_ *source, o *[]outline) { (*o)[1].code = "44999" },
			wantErr: "44999 Ancienne",
		},
		{
			name:    "a current commune without outline fails, naming it",
			edit:    func(_ *source, o *[]outline) { *o = (*o)[:4] },
			wantErr: "covers the current commune(s) 44004 C44004",
		},
		{
			name:    "a delegated commune of a vanished commune fails",
			edit:    func(s *source, _ *[]outline) { s.Communes[4].ChefLieu = "44555" },
			wantErr: "2018 commune 44090 Ancienne maps to 44555, which is not a current commune",
		},
		{
			// Saline's outline covers today's Troarn and Sannerville: if
			// they were in different EPCIs, its borders could not be
			// shared out between them.
			name: "a 2018 commune split between EPCIs fails",
			edit: func(s *source, o *[]outline) {
				s.Communes[2].Code, s.Communes[3].Code = "14666", "14712"
				s.EPCIs[1].Membres = []srcMember{{"44002"}, {"14666"}}
				s.EPCIs[2].Membres = []srcMember{{"14712"}}
				(*o)[3].code, (*o)[3].name = "14712", "Saline"
				*o = (*o)[:4]
			},
			wantErr: "2018 commune 14712 Saline is split today between EPCIs 200000002 and 200000003",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src, outlines := rowSource(), rowOutlines()
			if tc.edit != nil {
				tc.edit(&src, &outlines)
			}
			out, err := build(src, []string{"44"}, nil)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			stats, _, err := linkNeighbours(&out, src, outlines)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("linkNeighbours error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("linkNeighbours: %v", err)
			}
			got := make(map[string][]string)
			for _, e := range out.EPCIs {
				if e.Neighbours == nil {
					t.Errorf("EPCI %s: nil neighbours would be written as null", e.Code)
				}
				got[e.Code] = e.Neighbours
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("neighbours = %v, want %v", got, tc.want)
			}
			if stats != tc.wantStats {
				t.Errorf("stats = %+v, want %+v", stats, tc.wantStats)
			}
		})
	}
}

const squareFeatures = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"44001","nom":"Un"},"geometry":{"type":"Polygon","coordinates":[[[0,47],[0.01,47],[0.01,47.01],[0,47.01],[0,47]]]}},
{"type":"Feature","properties":{"code":"44002","nom":"Deux"},"geometry":{"type":"MultiPolygon","coordinates":[[[[0.01,47],[0.02,47],[0.02,47.01],[0.01,47.01],[0.01,47]]],[[[0.5,47],[0.6,47,12],[0.6,47.1],[0.5,47]]]]}}
]}`

func TestReadOutlines(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("polygons and multipolygons", func(t *testing.T) {
		dir := write(t, map[string]string{"communes-44-loire-atlantique.geojson": squareFeatures})
		got, err := readOutlines(dir, []string{"44"})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].code != "44001" || got[1].name != "Deux" || len(got[0].shape) != 1 || len(got[1].shape) != 2 {
			t.Fatalf("readOutlines = %+v", got)
		}
		// An altitude, as GeoJSON allows, is ignored.
		if p := got[1].shape[1][1]; p != (point{lon: 0.6, lat: 47}) {
			t.Errorf("third position = %+v, want {0.6 47}", p)
		}
		if c := adjacency([]shape{got[0].shape, got[1].shape}); len(c) != 1 {
			t.Errorf("the two squares are not found adjacent: %+v", c)
		}
	})
	errorCases := []struct {
		name         string
		departements []string
		files        map[string]string
		wantErr      string
	}{
		{"a département without file", []string{"14", "44"}, map[string]string{"communes-14-calvados.geojson": squareFeatures}, "no commune outlines for département 44"},
		{"two files for a département", []string{"44"}, map[string]string{"communes-44-a.geojson": squareFeatures, "communes-44-b.geojson": squareFeatures}, "several commune outline files for département 44"},
		{"a commune in two files", []string{"14", "44"}, map[string]string{"communes-44-a.geojson": squareFeatures, "communes-14-b.geojson": squareFeatures}, "commune 44001 has an outline in both"},
		{"not GeoJSON", []string{"44"}, map[string]string{"communes-44-a.geojson": `{"type":"Feature"}`}, `a "Feature", want a FeatureCollection`},
		{"a point", []string{"44"}, map[string]string{"communes-44-a.geojson": strings.Replace(squareFeatures, `"Polygon","coordinates":[[`, `"Point","coordinates":[[`, 1)}, `commune 44001: geometry "Point"`},
		{"a short ring", []string{"44"}, map[string]string{"communes-44-a.geojson": strings.Replace(squareFeatures, "[0.01,47],[0.01,47.01],[0,47.01],", "", 1)}, "commune 44001: a ring of 2 positions"},
		{"a feature without code", []string{"44"}, map[string]string{"communes-44-a.geojson": strings.Replace(squareFeatures, `"code":"44001"`, `"code":""`, 1)}, "a feature has no code"},
	}
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readOutlines(write(t, tc.files), tc.departements)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("readOutlines error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
