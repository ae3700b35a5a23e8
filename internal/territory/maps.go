package territory

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// The maps of each département's intercommunalités, drawn from the
// official commune outlines by the generator (see gen/maps.go) into
// data/maps.json: one SVG path per EPCI, in a viewBox Width × Height.
// Pages draw them server-side: no tile server, no script.

//go:embed data/maps.json
var mapsJSON []byte

// Map is a département's map.
type Map struct {
	Departement string    `json:"departement"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	EPCIs       []MapEPCI `json:"epcis"`
}

// MapEPCI is one EPCI on a map: its outline as SVG path data (closed
// rings, to fill with the even-odd rule) and a point inside it for a label.
type MapEPCI struct {
	Code string  `json:"code"`
	Path string  `json:"path"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// parseMaps reads the embedded maps and checks that every EPCI drawn is
// known, so that a bad regeneration stops the server.
func (a *Atlas) parseMaps(data []byte) error {
	var maps []Map
	if err := json.Unmarshal(data, &maps); err != nil {
		return fmt.Errorf("territory: decode embedded maps: %w", err)
	}
	a.maps = make(map[string]Map, len(maps))
	for _, m := range maps {
		for _, e := range m.EPCIs {
			if _, ok := a.epciIndex[e.Code]; !ok {
				return fmt.Errorf("territory: the map of %s draws unknown EPCI %s", m.Departement, e.Code)
			}
		}
		a.maps[m.Departement] = m
	}
	return nil
}

// Map returns the map of a département's EPCIs.
func (a *Atlas) Map(departement string) (Map, bool) {
	m, ok := a.maps[departement]
	return m, ok
}
