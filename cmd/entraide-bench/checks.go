package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/entraide/entraide/internal/bench"
)

// checks compares the run with the targets for the pages; the
// scale and micro-benchmark targets are checked by their own code.
func checks(r *bench.Report) []bench.Check {
	var out []bench.Check
	top := slices.Max(r.Settings.Concurrency)
	best := map[string]float64{}
	cached := map[string]string{} // at the best level
	for _, p := range r.Pages {
		if p.RPS > best[p.Scenario] {
			best[p.Scenario], cached[p.Scenario] = p.RPS, fromCache(p.Figures)
		}
		if p.Concurrency != top || p.Floor == "" || p.Floor == floorStatic || strings.HasSuffix(p.Scenario, beforeSuffix) {
			continue
		}
		out = append(out,
			bench.Check{What: p.Scenario + ": share of its database floor", Target: ">= 0.70",
				Measured: fmt.Sprintf("%s at %d clients%s", p.RatioCell(), top, fromCache(p.Figures)), Met: p.Ratio >= 0.7},
			bench.Check{What: p.Scenario + ": p99", Target: fmt.Sprintf("< 50 ms at %d clients", top),
				Measured: fmt.Sprintf("%.1f ms", p.P99ms), Met: p.P99ms < 50 && p.Errors == 0})
	}
	for _, x := range []struct {
		name string
		rps  float64
	}{{"Accueil du portail", 2000}, {"Liste filtrée (thème + EPCI)", 2000}, {"Recherche plein texte", 1000}} {
		if _, measured := best[x.name]; !measured {
			continue // left out by -only
		}
		out = append(out, bench.Check{What: x.name + ": requests per second", Target: fmt.Sprintf("> %.0f", x.rps),
			Measured: fmt.Sprintf("%.0f (best level)%s", best[x.name], cached[x.name]), Met: best[x.name] > x.rps})
	}
	if r.Scale != nil {
		out = append(out, r.Scale.Checks()...)
	}
	for _, m := range r.Micro {
		if c, ok := m.Check(); ok {
			out = append(out, c)
		}
	}
	return out
}

// fromCache says how much of a figure a cache answered (the page cache,
// remembered rows), so that no cache figure passes for the database's.
func fromCache(f bench.Figures) string {
	if c := f.FromCache(); c != "" {
		return ", from a cache: " + c
	}
	return ""
}
