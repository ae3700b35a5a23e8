package main

import (
	"math"
	"slices"
	"testing"
)

// The hand-made outlines below are drawn in metres on a plane around
// 47° N (Nantes) and turned into degrees, so that distances in the test
// read as the rule states them.
const testLat = 47.0

// at converts a position in metres east and north of (-1.5°, 47°) into
// degrees.
func at(x, y float64) point {
	return point{
		lon: -1.5 + x/(metresPerDegree*math.Cos(testLat*math.Pi/180)),
		lat: testLat + y/metresPerDegree,
	}
}

// polygon returns a one-ring shape through the positions (in metres),
// closed as GeoJSON closes rings.
func polygon(xy ...[2]float64) shape {
	ring := make([]point, 0, len(xy)+1)
	for _, p := range xy {
		ring = append(ring, at(p[0], p[1]))
	}
	return shape{append(ring, ring[0])}
}

// square returns the shape of a square with its south-west corner at
// (x, y) and sides of size metres.
func square(x, y, size float64) shape {
	return polygon([2]float64{x, y}, [2]float64{x + size, y}, [2]float64{x + size, y + size}, [2]float64{x, y + size})
}

func TestAdjacency(t *testing.T) {
	tests := []struct {
		name   string
		shapes []shape
		want   []contact // nil: none adjacent
	}{
		{
			name:   "squares sharing an edge",
			shapes: []shape{square(0, 0, 1000), square(1000, 0, 1000)},
			want:   []contact{{a: 0, b: 1}},
		},
		{
			// One side of the border has a vertex the other lacks; the
			// two ends are still shared.
			name: "shared edge with an extra vertex on one side",
			shapes: []shape{
				square(0, 0, 1000),
				polygon([2]float64{1000, 0}, [2]float64{2000, 0}, [2]float64{2000, 1000}, [2]float64{1000, 1000}, [2]float64{1000, 500}),
			},
			want: []contact{{a: 0, b: 1}},
		},
		{
			// A single point in common is not a border: the squares
			// share one vertex, and every contact point is that corner.
			name:   "squares touching at one corner only",
			shapes: []shape{square(0, 0, 1000), square(1000, 1000, 1000)},
			want:   nil,
		},
		{
			name: "four squares around one point",
			shapes: []shape{
				square(0, 0, 1000), square(1000, 0, 1000),
				square(0, 1000, 1000), square(1000, 1000, 1000),
			},
			want: []contact{{a: 0, b: 1}, {a: 0, b: 2}, {a: 1, b: 3}, {a: 2, b: 3}},
		},
		{
			// Simplification artefact: the second square's western edge is
			// 10 m away and its vertices 3 m further north. Nothing is
			// shared; the near-vertex fallback finds the border.
			name: "gap of 10 m with misaligned vertices",
			shapes: []shape{
				square(0, 0, 1000),
				polygon([2]float64{1010, 3}, [2]float64{2000, 3}, [2]float64{2000, 1003}, [2]float64{1010, 1003}),
			},
			want: []contact{{a: 0, b: 1, byTolerance: true}},
		},
		{
			name:   "gap of 100 m",
			shapes: []shape{square(0, 0, 1000), square(1100, 0, 1000)},
			want:   nil,
		},
		{
			// Within the tolerance at one corner only: the contact points
			// span a few metres, not a border.
			name:   "corners 10 m apart",
			shapes: []shape{square(0, 0, 1000), square(1007, 1007, 1000)},
			want:   nil,
		},
		{
			// The inner ring of the first is the outline of the second.
			name: "enclave",
			shapes: []shape{
				append(square(0, 0, 3000), square(1000, 1000, 1000)[0]),
				square(1000, 1000, 1000),
			},
			want: []contact{{a: 0, b: 1}},
		},
		{
			name:   "a row of three: the ends do not touch",
			shapes: []shape{square(2000, 0, 1000), square(0, 0, 1000), square(1000, 0, 1000)},
			want:   []contact{{a: 0, b: 2}, {a: 1, b: 2}},
		},
		{
			name: "the second polygon of a multipolygon",
			shapes: []shape{
				append(square(0, 0, 1000), square(5000, 0, 1000)[0]),
				square(6000, 0, 1000),
			},
			want: []contact{{a: 0, b: 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := adjacency(tc.shapes); !slices.Equal(got, tc.want) {
				t.Errorf("adjacency = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDistanceToSegment(t *testing.T) {
	tests := []struct {
		name    string
		p, a, b point
		want    float64 // metres
	}{
		{"perpendicular foot inside", at(500, 20), at(0, 0), at(1000, 0), 20},
		{"beyond an end", at(1030, 40), at(0, 0), at(1000, 0), 50},
		{"on the segment", at(250, 0), at(0, 0), at(1000, 0), 0},
		{"a degenerate segment", at(3, 4), at(0, 0), at(0, 0), 5},
	}
	for _, tc := range tests {
		if got := distanceToSegment(tc.p, tc.a, tc.b); math.Abs(got-tc.want) > 0.05 {
			t.Errorf("%s: distance = %.3f m, want %.1f m", tc.name, got, tc.want)
		}
	}
}

// BenchmarkAdjacency times a grid of 30 × 30 squares, about as many as
// the communes of the three demo départements.
func BenchmarkAdjacency(b *testing.B) {
	var shapes []shape
	for x := range 30 {
		for y := range 30 {
			shapes = append(shapes, square(float64(x)*1000, float64(y)*1000, 1000))
		}
	}
	for b.Loop() {
		if n := len(adjacency(shapes)); n != 2*30*29 {
			b.Fatalf("%d pairs, want %d", n, 2*30*29)
		}
	}
}
