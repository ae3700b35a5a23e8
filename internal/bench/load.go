package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"time"
)

// Client talks to one server on loopback whatever the host in the URL:
// requests name the portal's host (so cookies and the Host header are the
// portal's, as a browser's would be) and every connection goes to addr.
type Client struct {
	addr      string
	transport *http.Transport
}

// NewClient returns a client for the server listening on addr
// ("127.0.0.1:PORT") that keeps up to conns connections open.
func NewClient(addr string, conns int) *Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	return &Client{addr: addr, transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     time.Minute,
	}}
}

// HTTP returns an http.Client with its own cookie jar (a browser of its
// own) that never follows redirects: a 303 after a form is the answer.
func (c *Client) HTTP() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Transport: c.transport,
		Jar:       jar,
		Timeout:   30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Close drops the idle connections.
func (c *Client) Close() { c.transport.CloseIdleConnections() }

// Get fetches url and returns the body when the status is want.
func Get(ctx context.Context, hc *http.Client, url string, want int) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	return Do(hc, req, want)
}

// Do sends req and reads the whole body; a status other than want is an error.
func Do(hc *http.Client, req *http.Request, want int) ([]byte, error) {
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		return body, fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL, res.StatusCode, want)
	}
	if h, ok := req.Context().Value(hitsKey{}).(*hits); ok {
		switch res.Header.Get("X-Cache") {
		case "hit":
			h.pages++
		case "rows":
			h.rows++
		}
	}
	return body, nil
}

// hitsKey carries, in a worker's context, the counts of the answers the
// server took from its page cache (X-Cache: hit) or drew from rows it
// remembered (X-Cache: rows), so that the report says which figures are
// the caches'.
type hitsKey struct{}

type hits struct{ pages, rows int }

// Worker sends one request and says whether it went as expected. Each
// worker goroutine gets its own, made by a Scenario.
type Worker func(ctx context.Context) error

// Scenario is one thing the load generator measures: a page, a feed, a
// form. New prepares one worker (signs in, reads a form's token) before the
// clock starts.
type Scenario struct {
	Name string
	New  func(ctx context.Context, worker int) (Worker, error)
}

// Sample is what one timed run of a scenario measured.
type Sample struct {
	Requests  int
	Errors    int
	CacheHits int // answers from the server's page cache
	RowsHits  int // pages drawn from rows the server remembered, not read
	Elapsed   time.Duration
	Latencies []time.Duration // one per request, errors included
	FirstErr  string
	// ProcessCPU and PostgresCPU are the CPU seconds the serving process
	// and PostgreSQL's backends used during the measured time (CPUMeter);
	// zero when not measured.
	ProcessCPU, PostgresCPU float64
}

// Run drives s with conc workers for warmup (not counted) then dur, each
// worker sending its next request as soon as the previous one is answered
// (a closed loop: the concurrency is fixed, the rate is what is measured).
func Run(ctx context.Context, s Scenario, conc int, warmup, dur time.Duration) (Sample, error) {
	workers := make([]Worker, conc)
	for i := range workers {
		w, err := s.New(ctx, i)
		if err != nil {
			return Sample{}, fmt.Errorf("%s: prepare worker %d: %w", s.Name, i, err)
		}
		workers[i] = w
	}
	type result struct {
		lat      []time.Duration
		errors   int
		hits     hits
		firstErr error
	}
	results := make([]result, conc)
	var (
		wg       sync.WaitGroup
		start    = time.Now()
		counting = start.Add(warmup)
		stop     = counting.Add(dur)
	)
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &results[i]
			r.lat = make([]time.Duration, 0, 4096)
			wctx := context.WithValue(ctx, hitsKey{}, &r.hits)
			for {
				t0 := time.Now()
				if !t0.Before(stop) || ctx.Err() != nil {
					return
				}
				hits := r.hits
				err := w(wctx)
				t1 := time.Now()
				if t0.Before(counting) {
					r.hits = hits
					continue
				}
				r.lat = append(r.lat, t1.Sub(t0))
				if err != nil {
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
				}
			}
		}()
	}
	wg.Wait()
	// The run ends when the last request started before stop is answered.
	elapsed := time.Since(counting)
	var out Sample
	out.Elapsed = elapsed
	for _, r := range results {
		out.Latencies = append(out.Latencies, r.lat...)
		out.Errors += r.errors
		out.CacheHits += r.hits.pages
		out.RowsHits += r.hits.rows
		if r.firstErr != nil && out.FirstErr == "" {
			out.FirstErr = r.firstErr.Error()
		}
	}
	out.Requests = len(out.Latencies)
	if ctx.Err() != nil {
		return out, ctx.Err()
	}
	if out.Requests == 0 {
		return out, errors.New(s.Name + ": no request completed")
	}
	return out, nil
}

// CountCPU sets ProcessCPU and PostgresCPU from the readings of meter
// before the run (process0, postgres0) and now, window after them. The
// window holds the warm-up, at the same load: the CPU used is counted in
// the share of the window that was measured.
func (s *Sample) CountCPU(meter *CPUMeter, pid int, process0, postgres0 float64, window time.Duration) error {
	process1, postgres1, err := meter.Read(pid)
	if err != nil {
		return err
	}
	share := min(s.Elapsed.Seconds()/window.Seconds(), 1)
	s.ProcessCPU = (process1 - process0) * share
	s.PostgresCPU = (postgres1 - postgres0) * share
	return nil
}

// Figures are a scenario's results over every run at one concurrency.
type Figures struct {
	Scenario    string  `json:"scenario"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	CacheHits   int     `json:"cache_hits"`
	RowsHits    int     `json:"remembered_rows_hits"`
	Seconds     float64 `json:"seconds"`
	RPS         float64 `json:"requests_per_second"`
	P50ms       float64 `json:"p50_ms"`
	P95ms       float64 `json:"p95_ms"`
	P99ms       float64 `json:"p99_ms"`
	// ProcessCPUms and PostgresCPUms are the CPU milliseconds one request
	// cost the serving process and PostgreSQL, on average.
	ProcessCPUms  float64 `json:"process_cpu_ms_per_request"`
	PostgresCPUms float64 `json:"postgres_cpu_ms_per_request"`
	FirstError    string  `json:"first_error,omitempty"`
}

// Summarize merges samples of the same scenario and concurrency: the rate
// is all requests over all measured time, the percentiles are over every
// request.
func Summarize(name string, conc int, samples []Sample) Figures {
	f := Figures{Scenario: name, Concurrency: conc}
	var lat []time.Duration
	var elapsed time.Duration
	var processCPU, postgresCPU float64
	for _, s := range samples {
		processCPU += s.ProcessCPU
		postgresCPU += s.PostgresCPU
		f.Requests += s.Requests
		f.Errors += s.Errors
		f.CacheHits += s.CacheHits
		f.RowsHits += s.RowsHits
		elapsed += s.Elapsed
		lat = append(lat, s.Latencies...)
		if f.FirstError == "" {
			f.FirstError = s.FirstErr
		}
	}
	f.Seconds = elapsed.Seconds()
	if f.Seconds > 0 {
		f.RPS = float64(f.Requests) / f.Seconds
	}
	if f.Requests > 0 {
		f.ProcessCPUms = 1000 * processCPU / float64(f.Requests)
		f.PostgresCPUms = 1000 * postgresCPU / float64(f.Requests)
	}
	slices.Sort(lat)
	f.P50ms, f.P95ms, f.P99ms = ms(percentile(lat, 50)), ms(percentile(lat, 95)), ms(percentile(lat, 99))
	return f
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	return sorted[max(rank, 1)-1]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// FromCache says which share of the figures' answers a cache gave: the
// page cache ("pages") or remembered rows ("rows"); "" when none did.
func (f Figures) FromCache() string {
	var parts []string
	if f.CacheHits > 0 {
		parts = append(parts, fmt.Sprintf("%.0f %% pages", 100*float64(f.CacheHits)/float64(max(f.Requests, 1))))
	}
	if f.RowsHits > 0 {
		parts = append(parts, fmt.Sprintf("%.0f %% rows", 100*float64(f.RowsHits)/float64(max(f.Requests, 1))))
	}
	return strings.Join(parts, ", ")
}
