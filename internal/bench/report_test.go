package bench

import "testing"

func TestRatioCellShowsTheRoundsSpread(t *testing.T) {
	tests := []struct {
		name string
		page Page
		want string
	}{
		{name: "a floor itself", page: Page{}, want: ""},
		{name: "one round", page: Page{Floor: "f", Ratio: 0.714, RoundRatios: []float64{0.714}}, want: "0.71"},
		{name: "no rounds beside", page: Page{Floor: "f", Ratio: 0.7}, want: "0.70"},
		{name: "three rounds", page: Page{Floor: "f", Ratio: 0.71, RoundRatios: []float64{0.8, 0.62, 0.7}}, want: "0.71 (0.62–0.80)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.page.RatioCell(); got != tt.want {
				t.Fatalf("%q, want %q", got, tt.want)
			}
		})
	}
}
