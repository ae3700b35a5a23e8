package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
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
