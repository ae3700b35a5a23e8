package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// outline is a commune's outline as the GeoJSON files give it: the
// commune as it was in 2018, which may since have merged into another.
type outline struct {
	code, name string // INSEE code and name in 2018
	shape      shape
}

// readOutlines reads the commune outlines of each département from the
// file communes-<code>-*.geojson in dir. A département without its file is
// an error: its EPCIs would silently get no neighbours.
func readOutlines(dir string, departements []string) ([]outline, error) {
	var all []outline
	seen := make(map[string]string) // 2018 code → file
	for _, d := range departements {
		pattern := filepath.Join(dir, "communes-"+d+"-*.geojson")
		files, err := filepath.Glob(pattern)
		if err != nil {
			return nil, err
		}
		switch len(files) {
		case 0:
			return nil, fmt.Errorf("no commune outlines for département %s: %s matches no file (every configured département needs one to compute which EPCIs border each other)", d, pattern)
		case 1:
		default:
			return nil, fmt.Errorf("several commune outline files for département %s: %s", d, strings.Join(files, ", "))
		}
		outlines, err := readGeoJSON(files[0])
		if err != nil {
			return nil, err
		}
		for _, o := range outlines {
			if f, dup := seen[o.code]; dup {
				return nil, fmt.Errorf("commune %s has an outline in both %s and %s", o.code, f, files[0])
			}
			seen[o.code] = files[0]
		}
		all = append(all, outlines...)
	}
	return all, nil
}

// readGeoJSON reads a FeatureCollection of Polygon and MultiPolygon
// features with properties code and nom.
func readGeoJSON(path string) ([]outline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties struct {
				Code string `json:"code"`
				Nom  string `json:"nom"`
			} `json:"properties"`
			Geometry struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
		} `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("%s: a %q, want a FeatureCollection", path, fc.Type)
	}
	out := make([]outline, 0, len(fc.Features))
	for _, f := range fc.Features {
		code := f.Properties.Code
		if code == "" {
			return nil, fmt.Errorf("%s: a feature has no code", path)
		}
		var polygons [][][][]float64
		switch f.Geometry.Type {
		case "Polygon":
			var p [][][]float64
			err = json.Unmarshal(f.Geometry.Coordinates, &p)
			polygons = [][][][]float64{p}
		case "MultiPolygon":
			err = json.Unmarshal(f.Geometry.Coordinates, &polygons)
		default:
			err = fmt.Errorf("geometry %q, want Polygon or MultiPolygon", f.Geometry.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: commune %s: %w", path, code, err)
		}
		var s shape
		for _, polygon := range polygons {
			for _, ring := range polygon {
				// A GeoJSON ring has at least four positions, the last
				// one repeating the first.
				if len(ring) < 4 {
					return nil, fmt.Errorf("%s: commune %s: a ring of %d positions", path, code, len(ring))
				}
				r := make([]point, len(ring))
				for k, pos := range ring {
					if len(pos) < 2 {
						return nil, fmt.Errorf("%s: commune %s: a position without longitude and latitude", path, code)
					}
					r[k] = point{lon: pos[0], lat: pos[1]}
				}
				s = append(s, r)
			}
		}
		if len(s) == 0 {
			return nil, fmt.Errorf("%s: commune %s has an empty outline", path, code)
		}
		out = append(out, outline{code: code, name: f.Properties.Nom, shape: s})
	}
	return out, nil
}

// successorsSince2018 gives today's communes for the 2018 communes whose
// fate communes.json does not tell. It is consulted before communes.json.
// An entry is needed when the generator stops on a 2018 code it cannot
// map, or on a current commune that no outline covers; check the change
// in INSEE's Code officiel géographique before adding it.
var successorsSince2018 = map[string][]string{
	// Merged on 1 January 2019 into a commune nouvelle that kept no
	// delegated commune, so that communes.json names them nowhere.
	"14185": {"14514"}, // Coudray-Rabut → Pont-l'Évêque
	"14307": {"14713"}, // Goupillières → Montillières-sur-Orne (Trois-Monts' code)
	"14604": {"14126"}, // Saint-Laurent-du-Mont → Cambremer
	"44160": {"44003"}, // Saint-Géréon → Ancenis-Saint-Géréon
	// Saline, the 2017 merger of Troarn and Sannerville under Troarn's
	// code, was annulled by the administrative court in 2020: its 2018
	// outline covers both of today's communes.
	"14712": {"14666", "14712"},
}

// linkStats counts what linkNeighbours did, for the generator's report.
type linkStats struct {
	outlines   int // 2018 communes read
	delegated  int // mapped to a commune nouvelle through a delegated or associated commune
	merged     int // mapped to a commune nouvelle through successorsSince2018
	split      int // mapped to several communes through successorsSince2018
	elsewhere  int // whose commune today is outside the configured départements
	shared     int // commune adjacencies found by shared vertices
	tolerated  int // commune adjacencies found by the near-vertex fallback
	neighbours int // pairs of neighbouring EPCIs
}

// linkNeighbours fills in each EPCI's Neighbours from the 2018 commune
// outlines: two EPCIs are neighbours when a commune of one borders a
// commune of the other. Each 2018 commune is first mapped to the
// commune(s) it is part of today: itself if it is still a current commune,
// else the chef-lieu of its delegated or associated commune in
// communes.json, or successorsSince2018's entry. It also returns the EPCI
// of each outline ("" for none), for the maps.
func linkNeighbours(out *output, src source, outlines []outline) (linkStats, []string, error) {
	stats := linkStats{outlines: len(outlines)}
	current := make(map[string]bool)
	chefLieu := make(map[string]string)
	for _, c := range src.Communes {
		switch c.Type {
		case "commune-actuelle":
			current[c.Code] = true
		case "commune-deleguee", "commune-associee":
			chefLieu[c.Code] = c.ChefLieu
		}
	}
	epciOf := make(map[string]string, len(out.Communes)) // of the configured départements' communes only
	for _, c := range out.Communes {
		epciOf[c.Code] = c.EPCI
	}

	// epcis[i] is the EPCI of outline i, or "" when no EPCI of the
	// output contains it (a commune now in another département, or an
	// island without EPCI).
	epcis := make([]string, len(outlines))
	covered := make(map[string]bool)
	var unknown []string
	for i, o := range outlines {
		successors, ok := successorsSince2018[o.code]
		switch {
		case ok && len(successors) > 1:
			stats.split++
		case ok:
			stats.merged++
		case current[o.code]:
			successors = []string{o.code}
		case chefLieu[o.code] != "":
			successors = []string{chefLieu[o.code]}
			stats.delegated++
		default:
			unknown = append(unknown, o.code+" "+o.name)
			continue
		}
		var found []string
		inOutput := false
		for _, c := range successors {
			if !current[c] {
				return linkStats{}, nil, fmt.Errorf("2018 commune %s %s maps to %s, which is not a current commune", o.code, o.name, c)
			}
			e, ok := epciOf[c]
			if !ok {
				continue
			}
			inOutput = true
			covered[c] = true
			if e != "" && !slices.Contains(found, e) {
				found = append(found, e)
			}
		}
		if !inOutput {
			stats.elsewhere++
		}
		// A 2018 commune split between EPCIs since would need its
		// outline cut to tell which part borders what.
		if len(found) > 1 {
			return linkStats{}, nil, fmt.Errorf("2018 commune %s %s is split today between EPCIs %s: its outline cannot say which of them borders what", o.code, o.name, strings.Join(found, " and "))
		}
		if len(found) == 1 {
			epcis[i] = found[0]
		}
	}
	if len(unknown) > 0 {
		return linkStats{}, nil, fmt.Errorf("2018 commune(s) neither current nor delegated or associated in communes.json, nor in successorsSince2018: %s", strings.Join(unknown, "; "))
	}
	var bare []string
	for _, c := range out.Communes {
		if !covered[c.Code] {
			bare = append(bare, c.Code+" "+c.Name)
		}
	}
	if len(bare) > 0 {
		return linkStats{}, nil, errors.New("no 2018 outline covers the current commune(s) " + strings.Join(bare, "; ") + " (a commune re-created by a split? add it to successorsSince2018)")
	}

	shapes := make([]shape, len(outlines))
	for i, o := range outlines {
		shapes[i] = o.shape
	}
	neighbours := make(map[string][]string)
	for _, c := range adjacency(shapes) {
		if c.byTolerance {
			stats.tolerated++
		} else {
			stats.shared++
		}
		a, b := epcis[c.a], epcis[c.b]
		if a == "" || b == "" || a == b || slices.Contains(neighbours[a], b) {
			continue
		}
		neighbours[a] = append(neighbours[a], b)
		neighbours[b] = append(neighbours[b], a)
		stats.neighbours++
	}
	for i := range out.EPCIs {
		// Never nil, so that the file says "neighbours":[] rather than
		// null for an EPCI without any.
		n := append([]string{}, neighbours[out.EPCIs[i].Code]...)
		slices.Sort(n)
		out.EPCIs[i].Neighbours = n
	}
	return stats, epcis, nil
}
