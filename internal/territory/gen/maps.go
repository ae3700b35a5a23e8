package main

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The maps of intercommunalités, drawn server-side as SVG so that a
// portal shows who covers where without any tile server or script.
//
// For each département, every EPCI gets an SVG path (its outline: the
// commune edges that no other commune of the same EPCI shares, as closed
// rings) in a viewBox mapWidth wide. Coordinates are projected with an
// equirectangular projection around the département's middle latitude
// (good enough at this scale), rounded to a tenth of a unit, and each ring
// is simplified with Douglas-Peucker to within mapTolerance.

const (
	mapWidth     = 800.0
	mapTolerance = 1.0 // units of the viewBox; about 170 m in Loire-Atlantique
)

// outMap is one département's map, as territory reads it.
type outMap struct {
	Departement string       `json:"departement"`
	Width       int          `json:"width"`
	Height      int          `json:"height"`
	EPCIs       []outMapEPCI `json:"epcis"`
}

// outMapEPCI is one EPCI on a map: its outline (closed rings, to fill
// with the even-odd rule and to stroke), and a point inside it for a label
// (the centre of its largest commune's bounding box).
type outMapEPCI struct {
	Code string  `json:"code"`
	Path string  `json:"path"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// projection turns degrees into viewBox units.
type projection struct {
	minLon, maxLat, kx, ky float64
}

func (p projection) xy(pt point) (float64, float64) {
	return round1((pt.lon - p.minLon) * p.kx), round1((p.maxLat - pt.lat) * p.ky)
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

// buildMaps draws each département's EPCIs from the 2018 outlines and the
// EPCI each outline belongs to today (epcis[i], "" for none). An outline
// is drawn in the département of its 2018 code.
func buildMaps(departements []string, outlines []outline, epcis []string) ([]outMap, error) {
	var maps []outMap
	for _, d := range departements {
		var idx []int
		for i, o := range outlines {
			if strings.HasPrefix(o.code, d) && epcis[i] != "" {
				idx = append(idx, i)
			}
		}
		if len(idx) == 0 {
			return nil, fmt.Errorf("map of %s: no outline belongs to an EPCI", d)
		}
		proj, height := project(outlines, idx)
		byEPCI := map[string][]int{}
		for _, i := range idx {
			byEPCI[epcis[i]] = append(byEPCI[epcis[i]], i)
		}
		m := outMap{Departement: d, Width: int(mapWidth), Height: height}
		for code, members := range byEPCI {
			m.EPCIs = append(m.EPCIs, drawEPCI(code, members, outlines, proj))
		}
		slices.SortFunc(m.EPCIs, func(a, b outMapEPCI) int { return cmp.Compare(a.Code, b.Code) })
		maps = append(maps, m)
	}
	return maps, nil
}

// project fits the outlines idx into mapWidth.
func project(outlines []outline, idx []int) (projection, int) {
	minLon, maxLon, minLat, maxLat := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, i := range idx {
		for _, ring := range outlines[i].shape {
			for _, pt := range ring {
				minLon, maxLon = min(minLon, pt.lon), max(maxLon, pt.lon)
				minLat, maxLat = min(minLat, pt.lat), max(maxLat, pt.lat)
			}
		}
	}
	aspect := math.Cos((minLat + maxLat) / 2 * math.Pi / 180)
	kx := mapWidth / (maxLon - minLon)
	ky := kx / aspect
	return projection{minLon: minLon, maxLat: maxLat, kx: kx, ky: ky}, int(math.Ceil((maxLat - minLat) * ky))
}

// drawEPCI outlines an EPCI: the edges of its communes' rings that no
// other of its communes shares, chained into closed rings. The outlines
// share their vertices along borders (see adjacency.go), so an inner edge
// appears exactly twice.
func drawEPCI(code string, members []int, outlines []outline, proj projection) outMapEPCI {
	count := map[[2]vertexKey]int{}
	var bestArea float64
	e := outMapEPCI{Code: code}
	for _, i := range members {
		for _, ring := range outlines[i].shape {
			for k := 1; k < len(ring); k++ {
				if a, b := keyOf(ring[k-1]), keyOf(ring[k]); a != b {
					count[edgeKey(a, b)]++
				}
			}
			minX, minY, maxX, maxY := bounds(ring, proj)
			if s := (maxX - minX) * (maxY - minY); s > bestArea {
				bestArea, e.X, e.Y = s, round1((minX+maxX)/2), round1((minY+maxY)/2)
			}
		}
	}
	// next lists, for each vertex, the border edges that leave it.
	next := map[vertexKey][]vertexKey{}
	where := map[vertexKey]point{}
	for _, i := range members {
		for _, ring := range outlines[i].shape {
			for k := 1; k < len(ring); k++ {
				a, b := keyOf(ring[k-1]), keyOf(ring[k])
				if a == b || count[edgeKey(a, b)] != 1 {
					continue
				}
				next[a] = append(next[a], b)
				where[a], where[b] = ring[k-1], ring[k]
			}
		}
	}
	// Walk each ring once, in a fixed order so the file is reproducible.
	starts := make([]vertexKey, 0, len(next))
	for v := range next {
		starts = append(starts, v)
	}
	slices.SortFunc(starts, func(a, b vertexKey) int { return cmp.Or(cmp.Compare(a.x, b.x), cmp.Compare(a.y, b.y)) })
	var w strings.Builder
	for _, start := range starts {
		for len(next[start]) > 0 {
			ring := []point{where[start]}
			v := start
			for len(next[v]) > 0 {
				n := next[v][0]
				next[v] = next[v][1:]
				ring = append(ring, where[n])
				v = n
				if v == start {
					break
				}
			}
			writeRing(&w, ring, proj)
		}
	}
	e.Path = w.String()
	return e
}

func edgeKey(a, b vertexKey) [2]vertexKey {
	if b.x < a.x || b.x == a.x && b.y < a.y {
		a, b = b, a
	}
	return [2]vertexKey{a, b}
}

// writeRing appends one closed ring, simplified.
func writeRing(w *strings.Builder, ring []point, proj projection) {
	pts := make([][2]float64, len(ring))
	for k, pt := range ring {
		x, y := proj.xy(pt)
		pts[k] = [2]float64{x, y}
	}
	pts = douglasPeucker(pts, mapTolerance)
	if len(pts) < 4 {
		return
	}
	for k, p := range pts[:len(pts)-1] {
		if k == 0 {
			w.WriteString("M")
		} else {
			w.WriteString("L")
		}
		writeXY(w, p)
	}
	w.WriteString("Z")
}

// douglasPeucker keeps the points a line needs to stay within eps of the
// original: the first, the last, and recursively the farthest from the
// chord when it is farther than eps.
func douglasPeucker(pts [][2]float64, eps float64) [][2]float64 {
	if len(pts) < 3 {
		return pts
	}
	keep := make([]bool, len(pts))
	keep[0], keep[len(pts)-1] = true, true
	var walk func(i, j int)
	walk = func(i, j int) {
		far, best := -1, eps
		for k := i + 1; k < j; k++ {
			if d := segmentDistance(pts[k], pts[i], pts[j]); d > best {
				far, best = k, d
			}
		}
		if far >= 0 {
			keep[far] = true
			walk(i, far)
			walk(far, j)
		}
	}
	// A closed ring's chord is a point: split it at its farthest point
	// first, so each half has a real chord.
	far, best := len(pts)/2, -1.0
	for k := 1; k < len(pts)-1; k++ {
		if d := math.Hypot(pts[k][0]-pts[0][0], pts[k][1]-pts[0][1]); d > best {
			far, best = k, d
		}
	}
	keep[far] = true
	walk(0, far)
	walk(far, len(pts)-1)
	out := pts[:0:0]
	for k, p := range pts {
		if keep[k] {
			out = append(out, p)
		}
	}
	return out
}

// segmentDistance is the distance from p to the segment ab.
func segmentDistance(p, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l2 := dx*dx + dy*dy
	if l2 == 0 {
		return math.Hypot(p[0]-a[0], p[1]-a[1])
	}
	t := max(0, min(1, ((p[0]-a[0])*dx+(p[1]-a[1])*dy)/l2))
	return math.Hypot(p[0]-a[0]-t*dx, p[1]-a[1]-t*dy)
}

func writeXY(w *strings.Builder, p [2]float64) {
	w.WriteString(strconv.FormatFloat(p[0], 'f', -1, 64))
	w.WriteByte(' ')
	w.WriteString(strconv.FormatFloat(p[1], 'f', -1, 64))
}

func bounds(ring []point, proj projection) (minX, minY, maxX, maxY float64) {
	minX, minY, maxX, maxY = math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, pt := range ring {
		x, y := proj.xy(pt)
		minX, maxX, minY, maxY = min(minX, x), max(maxX, x), min(minY, y), max(maxY, y)
	}
	return
}
