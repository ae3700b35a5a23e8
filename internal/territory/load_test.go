package territory

import (
	"strings"
	"testing"
)

// TestParseRejectsBrokenData feeds parse a small valid file, then copies of
// it with one reference broken each, as a faulty regeneration or a hand
// edit could leave it. Load must refuse them rather than serve a commune
// whose EPCI cannot be found.
func TestParseRejectsBrokenData(t *testing.T) {
	const valid = `{
"source": "test",
"departements": [
{"code":"44","name":"Loire-Atlantique"},
{"code":"49","name":"Maine-et-Loire"}
],
"epcis": [
{"code":"200000001","name":"CC A","kind":"CC","slug":"a","communes":["44001","49001"],"neighbours":["200000002","200000004"]},
{"code":"200000002","name":"CC B","kind":"CC","slug":"b","communes":["44002"],"neighbours":["200000001"]},
{"code":"200000004","name":"CC D","kind":"CC","slug":"d","communes":["44004"],"neighbours":["200000001"]}
],
"communes": [
{"code":"44001","name":"Un","postcodes":["44100"],"population":10,"departement":"44","epci":"200000001"},
{"code":"44002","name":"Deux","postcodes":["44200"],"population":20,"departement":"44","epci":"200000002"},
{"code":"44004","name":"Quatre","postcodes":["44400"],"population":40,"departement":"44","epci":"200000004"},
{"code":"49001","name":"Trois","postcodes":["49100"],"population":30,"departement":"49","epci":"200000001"}
]
}`
	a, err := parse([]byte(valid))
	if err != nil {
		t.Fatalf("parse(valid): %v", err)
	}
	if e, ok := a.EPCIBySlug("49", "a"); !ok || e.Code != "200000001" {
		t.Errorf("an EPCI across a border is not found by slug in its second département")
	}
	if !a.Near("200000001", "200000002") || !a.Near("200000002", "200000001") || a.Near("200000002", "200000004") {
		t.Errorf("Near does not follow the neighbours of the file")
	}

	tests := []struct {
		name, old, new, wantErr string
	}{
		{"not JSON", `"source"`, `source`, "decode"},
		{"unknown département", `"departement":"49","epci"`, `"departement":"50","epci"`, `unknown département "50"`},
		{"duplicate commune", `"code":"44002","name":"Deux"`, `"code":"44001","name":"Deux"`, "commune 44001 listed twice"},
		{"unknown EPCI", `"epci":"200000002"`, `"epci":"200000009"`, "EPCI 200000009 does not list it"},
		{"EPCI does not list its member", `"communes":["44001","49001"]`, `"communes":["44001"]`, "49001 Trois: EPCI 200000001 does not list it"},
		{"EPCI lists a stranger", `"communes":["44002"]`, `"communes":["44002","44001"]`, "lists commune 44001, which is not its member"},
		{"EPCI without commune", `"communes":["44002"],`, `"communes":["44002"],"neighbours":["200000001"]},
{"code":"200000003","name":"CC C","kind":"CC","slug":"c","communes":[],`, "200000003 CC C has no commune"},
		{"duplicate slug", `"slug":"b"`, `"slug":"a"`, `share the slug "a" in département 44`},
		{"duplicate EPCI", `"code":"200000002","name":"CC B"`, `"code":"200000001","name":"CC B"`, "EPCI 200000001 listed twice"},
		{"unknown neighbour", `"neighbours":["200000001"]},
{"code":"200000004"`, `"neighbours":["200000001","200000009"]},
{"code":"200000004"`, "EPCI 200000002 CC B: neighbour 200000009 is not in the file"},
		{"one-way neighbour", `"slug":"d","communes":["44004"],"neighbours":["200000001"]`, `"slug":"d","communes":["44004"],"neighbours":["200000001","200000002"]`, "200000004 CC D lists 200000002 CC B as a neighbour, but not the other way round"},
		{"own neighbour", `"slug":"b","communes":["44002"],"neighbours":["200000001"]`, `"slug":"b","communes":["44002"],"neighbours":["200000001","200000002"]`, "EPCI 200000002 CC B is listed as its own neighbour"},
		{"unsorted neighbours", `"neighbours":["200000002","200000004"]`, `"neighbours":["200000004","200000002"]`, "EPCI 200000001 CC A: neighbours not sorted, or 200000002 repeated"},
		{"repeated neighbour", `"neighbours":["200000002","200000004"]`, `"neighbours":["200000002","200000002","200000004"]`, "neighbours not sorted, or 200000002 repeated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(valid, tc.old) {
				t.Fatalf("test data lacks %q", tc.old)
			}
			_, err := parse([]byte(strings.Replace(valid, tc.old, tc.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parse error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestSearchTriesStAsTyped checks that "st" finds names that really start
// with "St" as well as the Saints. No commune of the portals' départements
// does, hence this small made-up file.
func TestSearchTriesStAsTyped(t *testing.T) {
	a, err := parse([]byte(`{
"source": "test",
"departements": [{"code":"93","name":"Seine-Saint-Denis"}],
"epcis": [{"code":"200000001","name":"Plaine Commune","kind":"CA","slug":"plaine-commune","communes":["93066","93072"]}],
"communes": [
{"code":"93066","name":"Saint-Denis","postcodes":["93200"],"population":113000,"departement":"93","epci":"200000001"},
{"code":"93072","name":"Stains","postcodes":["93240"],"population":39000,"departement":"93","epci":"200000001"}
]
}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"st", []string{"Saint-Denis", "Stains"}},
		{"sta", []string{"Stains"}},
		{"st denis", []string{"Saint-Denis"}},
		{"stains", []string{"Stains"}},
	}
	for _, tc := range tests {
		var got []string
		for _, c := range a.Search("93", tc.query, 10) {
			got = append(got, c.Name)
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("Search(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

// Every EPCI of every département has an outline on its département's map,
// inside the map, and nothing else is drawn.
func TestMaps(t *testing.T) {
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range []string{"14", "44", "48"} {
		m, ok := a.Map(dep)
		if !ok || m.Width != 800 || m.Height < 300 || m.Height > 1200 {
			t.Fatalf("map of %s: %v %dx%d", dep, ok, m.Width, m.Height)
		}
		drawn := map[string]bool{}
		for _, e := range m.EPCIs {
			drawn[e.Code] = true
			if !strings.HasPrefix(e.Path, "M") || !strings.HasSuffix(e.Path, "Z") || len(e.Path) > 20_000 {
				t.Errorf("%s: EPCI %s path of %d bytes", dep, e.Code, len(e.Path))
			}
			if e.X < 0 || e.X > float64(m.Width) || e.Y < 0 || e.Y > float64(m.Height) {
				t.Errorf("%s: EPCI %s label at %v,%v", dep, e.Code, e.X, e.Y)
			}
		}
		for _, e := range a.EPCIs(dep) {
			if !drawn[e.Code] {
				t.Errorf("%s: EPCI %s %s is not on the map", dep, e.Code, e.Name)
			}
		}
		if len(drawn) != len(a.EPCIs(dep)) {
			t.Errorf("%s: %d EPCIs drawn, %d in the département", dep, len(drawn), len(a.EPCIs(dep)))
		}
	}
	if _, ok := a.Map("75"); ok {
		t.Error("a map of Paris")
	}
}
