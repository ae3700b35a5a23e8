package main

import (
	"cmp"
	"math"
	"slices"
)

// Which communes border each other, from their outlines.
//
// Two outlines are adjacent when they share a stretch of border, not a
// mere point. The outlines are simplified, so the test is done twice:
//
//  1. Shared vertices. Coordinates rounded to 1e-6 degree (about 10 cm)
//     are compared exactly; two outlines that have at least two vertices
//     in common are adjacent. A simplifier that keeps the topology, as
//     the one behind our files does, gives both sides of a border the
//     same vertices, so this finds nearly every border. Communes that
//     meet at a single point (a corner, or four communes around one
//     point) share one vertex and are not adjacent.
//  2. Near vertices, for the borders where the simplification moved one
//     side's vertices and not the other's. A vertex of one outline that
//     lies within nearTolerance of a segment of the other is a contact
//     point; two outlines are adjacent when their contact points, taken
//     from both sides, lie at least minSpan apart. Requiring a span keeps
//     the single-point rule: near a shared corner every contact point is
//     within the tolerance of that corner.
//
// The second test looks only at segments that pass near a vertex, found
// through a grid of cells of cellDegrees, so that the whole of a
// département (a few hundred outlines, tens of thousands of vertices)
// takes milliseconds.
const (
	vertexScale     = 1e6                       // vertices are compared after rounding to 1/vertexScale degree
	nearTolerance   = 30.0                      // metres: how far simplification may move a border
	minSpan         = 2 * nearTolerance         // metres: how long a border found by tolerance must be
	metresPerDegree = 6371008.8 * math.Pi / 180 // of latitude, on the mean Earth radius
	cellDegrees     = 0.01                      // grid cell side: about 1.1 km by 0.75 km in France
)

// point is a position in degrees, WGS-84.
type point struct{ lon, lat float64 }

// shape is one commune's outline: every ring of its polygons. Inner rings
// count as much as outer ones: the border of an enclave is a border.
type shape [][]point

// contact says that shapes a and b (indexes, a < b) are adjacent, and
// which test found it.
type contact struct {
	a, b        int
	byTolerance bool // found by the near-vertex test, not by shared vertices
}

type pairKey struct{ a, b int32 } // a < b

func pairOf(i, j int32) pairKey {
	if i > j {
		i, j = j, i
	}
	return pairKey{i, j}
}

type vertexKey struct{ x, y int64 }

func keyOf(p point) vertexKey {
	return vertexKey{int64(math.Round(p.lon * vertexScale)), int64(math.Round(p.lat * vertexScale))}
}

// adjacency returns the adjacent pairs among shapes, sorted by a then b.
// See the comment at the top of this file for the rule.
func adjacency(shapes []shape) []contact {
	adjacent := sharedVertices(shapes)
	tolerated := nearVertices(shapes, adjacent)

	out := make([]contact, 0, len(adjacent)+len(tolerated))
	for p := range adjacent {
		out = append(out, contact{a: int(p.a), b: int(p.b)})
	}
	for _, p := range tolerated {
		out = append(out, contact{a: int(p.a), b: int(p.b), byTolerance: true})
	}
	slices.SortFunc(out, func(x, y contact) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	return out
}

// sharedVertices returns the pairs of shapes that have at least two
// vertices in common after rounding.
func sharedVertices(shapes []shape) map[pairKey]bool {
	// Shapes are visited in order, so a shape's repeated vertex (every
	// ring's closing one, at least) finds itself last in the list.
	owners := make(map[vertexKey][]int32)
	for i, s := range shapes {
		for _, ring := range s {
			for _, p := range ring {
				k := keyOf(p)
				if o := owners[k]; len(o) == 0 || o[len(o)-1] != int32(i) {
					owners[k] = append(o, int32(i))
				}
			}
		}
	}
	shared := make(map[pairKey]int)
	for _, o := range owners {
		for x := 0; x < len(o); x++ {
			for y := x + 1; y < len(o); y++ {
				shared[pairOf(o[x], o[y])]++
			}
		}
	}
	adjacent := make(map[pairKey]bool)
	for p, n := range shared {
		if n >= 2 {
			adjacent[p] = true
		}
	}
	return adjacent
}

// segment is one edge of a shape's ring.
type segment struct {
	shape int32
	a, b  point
}

type cellKey struct{ x, y int32 }

func cellOf(lon, lat float64) cellKey {
	return cellKey{int32(math.Floor(lon / cellDegrees)), int32(math.Floor(lat / cellDegrees))}
}

// nearVertices returns, sorted, the pairs not already in adjacent whose
// contact points (vertices of one within nearTolerance of the other's
// outline) lie at least minSpan apart.
func nearVertices(shapes []shape, adjacent map[pairKey]bool) []pairKey {
	// Each segment is filed under every cell its bounding box, grown by
	// the tolerance, overlaps: a vertex then only needs its own cell.
	var segments []segment
	grid := make(map[cellKey][]int32)
	for i, s := range shapes {
		for _, ring := range s {
			for k := 1; k < len(ring); k++ {
				seg := segment{shape: int32(i), a: ring[k-1], b: ring[k]}
				if seg.a == seg.b {
					continue
				}
				dLat := nearTolerance / metresPerDegree
				maxLat := math.Max(math.Abs(seg.a.lat), math.Abs(seg.b.lat)) + dLat
				dLon := dLat / math.Cos(maxLat*math.Pi/180)
				lo := cellOf(math.Min(seg.a.lon, seg.b.lon)-dLon, math.Min(seg.a.lat, seg.b.lat)-dLat)
				hi := cellOf(math.Max(seg.a.lon, seg.b.lon)+dLon, math.Max(seg.a.lat, seg.b.lat)+dLat)
				n := int32(len(segments))
				segments = append(segments, seg)
				for x := lo.x; x <= hi.x; x++ {
					for y := lo.y; y <= hi.y; y++ {
						grid[cellKey{x, y}] = append(grid[cellKey{x, y}], n)
					}
				}
			}
		}
	}

	contacts := make(map[pairKey][]point)
	var found []int32 // shapes the current vertex is already a contact of
	for i, s := range shapes {
		for _, ring := range s {
			for _, p := range ring {
				found = found[:0]
				for _, n := range grid[cellOf(p.lon, p.lat)] {
					seg := &segments[n]
					if seg.shape == int32(i) || slices.Contains(found, seg.shape) {
						continue
					}
					pair := pairOf(int32(i), seg.shape)
					if adjacent[pair] || distanceToSegment(p, seg.a, seg.b) > nearTolerance {
						continue
					}
					found = append(found, seg.shape)
					contacts[pair] = append(contacts[pair], p)
				}
			}
		}
	}

	var out []pairKey
	for pair, points := range contacts {
		if spans(points, minSpan) {
			out = append(out, pair)
		}
	}
	slices.SortFunc(out, func(x, y pairKey) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	return out
}

// distanceToSegment returns the distance in metres from p to the segment
// ab. At the scale of a few hundred metres, a plane tangent at p (an
// equirectangular projection with p's latitude) is exact enough.
func distanceToSegment(p, a, b point) float64 {
	kx := metresPerDegree * math.Cos(p.lat*math.Pi/180)
	ax, ay := (a.lon-p.lon)*kx, (a.lat-p.lat)*metresPerDegree
	bx, by := (b.lon-p.lon)*kx, (b.lat-p.lat)*metresPerDegree
	dx, dy := bx-ax, by-ay
	// The closest point is a + t(b-a) with t clamped to [0, 1]; p is the
	// origin.
	t := 0.0
	if l2 := dx*dx + dy*dy; l2 > 0 {
		t = min(max(-(ax*dx+ay*dy)/l2, 0), 1)
	}
	return math.Hypot(ax+t*dx, ay+t*dy)
}

// distance returns the distance in metres between two nearby points.
func distance(p, q point) float64 {
	kx := metresPerDegree * math.Cos((p.lat+q.lat)/2*math.Pi/180)
	return math.Hypot((q.lon-p.lon)*kx, (q.lat-p.lat)*metresPerDegree)
}

// spans reports whether two of the points lie at least d apart. A real
// border stops early; the contact points of a corner are few.
func spans(points []point, d float64) bool {
	for x := range points {
		for y := x + 1; y < len(points); y++ {
			if distance(points[x], points[y]) >= d {
				return true
			}
		}
	}
	return false
}
