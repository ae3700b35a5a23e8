package main

import (
	"strings"
	"testing"
)

// TestDrawEPCI draws EPCIs made of square communes and checks that only
// the outer border is drawn, as closed rings.
func TestDrawEPCI(t *testing.T) {
	// A row of three 1 km squares: A and B in one EPCI, C in another; and
	// a lone square D far away in the first EPCI.
	outlines := []outline{
		{code: "44001", shape: square(0, 0, 1000)},
		{code: "44002", shape: square(1000, 0, 1000)},
		{code: "44003", shape: square(2000, 0, 1000)},
		{code: "44004", shape: square(10000, 0, 1000)},
	}
	epcis := []string{"E1", "E1", "E2", "E1"}
	maps, err := buildMaps([]string{"44"}, outlines, epcis)
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 1 || len(maps[0].EPCIs) != 2 {
		t.Fatalf("maps: %+v", maps)
	}
	m := maps[0]
	if m.Width != 800 || m.Height < 60 || m.Height > 80 {
		t.Errorf("11 km by 1 km drawn %d by %d", m.Width, m.Height)
	}
	e1, e2 := m.EPCIs[0], m.EPCIs[1]
	// E1: two rings (A+B as one rectangle, D), four corners each: the
	// shared edge of A and B is not drawn, and the points along the
	// rectangle's long sides are simplified away.
	if n := strings.Count(e1.Path, "M"); n != 2 {
		t.Errorf("E1 has %d rings: %s", n, e1.Path)
	}
	if n := strings.Count(e1.Path, "L"); n != 6 {
		t.Errorf("E1 has %d more corners, want 3 per ring: %s", n, e1.Path)
	}
	if strings.Count(e2.Path, "M") != 1 || strings.Count(e2.Path, "Z") != 1 {
		t.Errorf("E2: %s", e2.Path)
	}
	if e1.X < 0 || e1.X > 800 || e1.Y < 0 || e1.Y > float64(m.Height) {
		t.Errorf("E1's label at %v,%v", e1.X, e1.Y)
	}
	if _, err := buildMaps([]string{"14"}, outlines, epcis); err == nil {
		t.Error("a département without outlines was drawn")
	}
}

func TestDouglasPeucker(t *testing.T) {
	// A closed square with extra points along its sides and a bump of 0.5.
	ring := [][2]float64{{0, 0}, {5, 0}, {10, 0}, {10, 5}, {10.5, 7}, {10, 10}, {0, 10}, {0, 5}, {0, 0}}
	got := douglasPeucker(ring, 1)
	if len(got) != 5 {
		t.Errorf("simplified to %v, want the four corners and the closing point", got)
	}
	if got := douglasPeucker(ring, 0.1); len(got) != 7 {
		t.Errorf("with a finer tolerance: %v, want the bump and its foot kept", got)
	}
}
