package main

import (
	"slices"
	"testing"
	"time"

	"github.com/entraide/entraide/internal/bench"
)

func TestRoundRatiosPairEachRoundWithTheFloorBesideIt(t *testing.T) {
	s := func(requests int) bench.Sample { return bench.Sample{Requests: requests, Elapsed: 2 * time.Second} }
	tests := []struct {
		name         string
		page, beside []bench.Sample
		want         []float64
	}{
		{name: "two rounds", page: []bench.Sample{s(140), s(300)}, beside: []bench.Sample{s(200), s(400)}, want: []float64{0.7, 0.75}},
		{name: "no floor beside (fewer clients)", page: []bench.Sample{s(140), s(300)}, want: nil},
		{name: "a floor that answered nothing", page: []bench.Sample{s(140)}, beside: []bench.Sample{s(0)}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := roundRatios(tt.page, tt.beside); !slices.Equal(got, tt.want) {
				t.Fatalf("%v, want %v", got, tt.want)
			}
		})
	}
}
