package bench

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

// The load generator counts, apart, the answers the server took from its
// page cache and those it drew from remembered rows, so that the report
// never passes a cache figure for the database's.
func TestRunCountsWhatCachesAnswered(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.URL.Query().Get("cache"); v != "" {
			w.Header().Set("X-Cache", v)
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	client := NewClient(strings.TrimPrefix(srv.URL, "http://"), 2)
	defer client.Close()

	tests := []struct {
		cache     string // the X-Cache the server answers
		pages     bool   // every answer counted as the page cache's
		rows      bool   // every answer counted as remembered rows'
		fromCache string
	}{
		{"", false, false, ""},
		{"miss", false, false, ""},
		{"hit", true, false, "100 % pages"},
		{"rows", false, true, "100 % rows"},
	}
	for _, tc := range tests {
		s := Scenario{Name: "cache=" + tc.cache, New: func(ctx context.Context, _ int) (Worker, error) {
			hc := client.HTTP()
			return func(ctx context.Context) error {
				_, err := Get(ctx, hc, "http://test/?cache="+tc.cache, http.StatusOK)
				return err
			}, nil
		}}
		sample, err := Run(context.Background(), s, 2, 20*time.Millisecond, 100*time.Millisecond)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		if sample.Errors != 0 || sample.Requests == 0 {
			t.Fatalf("%s: %d requests, %d errors (%s)", s.Name, sample.Requests, sample.Errors, sample.FirstErr)
		}
		if got := sample.CacheHits == sample.Requests; got != tc.pages || (!tc.pages && sample.CacheHits != 0) {
			t.Errorf("%s: %d of %d counted from the page cache", s.Name, sample.CacheHits, sample.Requests)
		}
		if got := sample.RowsHits == sample.Requests; got != tc.rows || (!tc.rows && sample.RowsHits != 0) {
			t.Errorf("%s: %d of %d counted from remembered rows", s.Name, sample.RowsHits, sample.Requests)
		}
		if got := Summarize(s.Name, 2, []Sample{sample}).FromCache(); got != tc.fromCache {
			t.Errorf("%s: FromCache %q, want %q", s.Name, got, tc.fromCache)
		}
	}
}

// The CPU a run used is given per request, over every run at a level, and
// only the measured share of a run's window counts.
func TestCPUPerRequest(t *testing.T) {
	tests := []struct {
		name                  string
		samples               []Sample
		wantProcess, wantPgMs float64
	}{
		{"not measured", []Sample{{Requests: 10, Elapsed: time.Second}}, 0, 0},
		{"one run", []Sample{{Requests: 1000, Elapsed: time.Second, ProcessCPU: 0.5, PostgresCPU: 0.25}}, 0.5, 0.25},
		{"runs added before dividing", []Sample{
			{Requests: 1000, Elapsed: time.Second, ProcessCPU: 1, PostgresCPU: 0.5},
			{Requests: 3000, Elapsed: time.Second, ProcessCPU: 1, PostgresCPU: 1.5},
		}, 0.5, 0.5},
		{"no request", []Sample{{Elapsed: time.Second, ProcessCPU: 1}}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Summarize("page", 8, tt.samples)
			if math.Abs(f.ProcessCPUms-tt.wantProcess) > 1e-9 || math.Abs(f.PostgresCPUms-tt.wantPgMs) > 1e-9 {
				t.Fatalf("CPU ms/request %v + %v, want %v + %v", f.ProcessCPUms, f.PostgresCPUms, tt.wantProcess, tt.wantPgMs)
			}
		})
	}

	// CountCPU reads this very process: once it has used CPU, the sample
	// holds it, scaled by the measured share of the window (here a half).
	meter := StartCPUMeter("no_such_database")
	defer meter.Stop()
	pid := os.Getpid()
	before, pg, err := meter.Read(pid)
	if err != nil {
		t.Fatal(err)
	}
	for now, _, _ := meter.Read(pid); now < before+0.05; now, _, _ = meter.Read(pid) {
		for i := 0; i < 1_000_000; i++ {
			_ = math.Sqrt(float64(i))
		}
	}
	s := Sample{Requests: 100, Elapsed: time.Second}
	if err := s.CountCPU(meter, pid, before, pg, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if s.ProcessCPU < 0.025-1e-9 || s.PostgresCPU != 0 {
		t.Fatalf("counted %v s of CPU and %v of PostgreSQL; want at least half of 0.05 s and none", s.ProcessCPU, s.PostgresCPU)
	}
}
