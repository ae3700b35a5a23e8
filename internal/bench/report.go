package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// Report is everything one `make bench` run measured, written as
// build/bench/results.json and results.md.
type Report struct {
	Date     string   `json:"date"`
	Machine  Machine  `json:"machine"`
	Settings Settings `json:"settings"`
	Pages    []Page   `json:"pages"`
	Checks   []Check  `json:"checks"`
	Scale    *Scale   `json:"scale,omitempty"`
	Micro    []Micro  `json:"micro,omitempty"`
}

// Machine says what the figures were measured on.
type Machine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	MemoryGiB  int    `json:"memory_gib"`
	Kernel     string `json:"kernel"`
	Go         string `json:"go"`
	PostgreSQL string `json:"postgresql"`
	Redis      string `json:"redis"`
}

// Settings are the run's parameters and data sizes.
type Settings struct {
	Portals       int      `json:"portals"`
	People        int      `json:"people_per_portal"`
	Posts         int      `json:"posts_per_portal"`
	SearchPosts   int      `json:"posts_on_searched_portal"`
	Events        int      `json:"events_per_portal"`
	Conversations int      `json:"conversations_per_portal"`
	Concurrency   []int    `json:"concurrency"`
	Rounds        int      `json:"rounds"`
	Seconds       float64  `json:"seconds_per_run"`
	Notes         []string `json:"notes"`
}

// Page is one scenario at one concurrency, with its floor.
type Page struct {
	Figures
	Floor    string  `json:"floor,omitempty"`
	FloorRPS float64 `json:"floor_requests_per_second,omitempty"`
	Ratio    float64 `json:"ratio_to_floor,omitempty"`
	// RoundRatios are the ratios of each round alone, page against the
	// floor run beside it in that round: how far one round may stray from
	// the run's ratio, on this machine, in this run.
	RoundRatios []float64 `json:"ratio_per_round,omitempty"`
}

// RatioCell is the page's ratio to its floor, with the rounds' lowest and
// highest when there are several: "0.71 (0.62–0.80)".
func (p Page) RatioCell() string {
	if p.Floor == "" {
		return ""
	}
	s := fmt.Sprintf("%.2f", p.Ratio)
	if len(p.RoundRatios) > 1 {
		s += fmt.Sprintf(" (%.2f–%.2f)", slices.Min(p.RoundRatios), slices.Max(p.RoundRatios))
	}
	return s
}

// Check is one of the targets and whether this run met it.
type Check struct {
	What     string `json:"what"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// ReadMachine describes this machine from /proc and the runtime.
func ReadMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version()}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%d", &kb)
		m.MemoryGiB = int((kb + 1<<19) >> 20)
	}
	return m
}

// Write saves results.json and results.md in dir.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, "results.md"))
	if err != nil {
		return err
	}
	if err := r.Markdown(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Markdown writes the report for people: the machine, the page table with
// ratios to the floors, the targets, then scale and micro-benchmarks.
func (r *Report) Markdown(w io.Writer) error {
	bw := &errWriter{w: w}
	m, s := r.Machine, r.Settings
	bw.printf("# Entraide benchmark, %s\n\n", r.Date)
	bw.printf("**Machine:** %s, %d cores, %d GiB, %s; %s; PostgreSQL %s; Redis %s. The load generator runs on the same machine.\n\n",
		m.CPU, m.Cores, m.MemoryGiB, m.Kernel, m.Go, m.PostgreSQL, m.Redis)
	bw.printf("**Data:** %d portals (3 demo + %d generated), each with %d people, %d posts, %d events, %d conversations; the searched portal has %d posts. All made through the real services (`entraide seed`).\n\n",
		s.Portals, s.Portals-3, s.People, s.Posts, s.Events, s.Conversations, s.SearchPosts)
	bw.printf("**Runs:** closed loop at %s concurrent clients, %d rounds of %.0f s per scenario and concurrency, scenarios in a different order each round (floors included) so that machine noise falls on all alike.\n\n",
		joinInts(s.Concurrency), s.Rounds, s.Seconds)
	for _, n := range s.Notes {
		bw.printf("- %s\n", n)
	}
	bw.printf("\n## Pages\n\n")
	for _, c := range s.Concurrency {
		bw.printf("### %d concurrent\n\n", c)
		bw.printf("| Page | req/s | p50 ms | p95 ms | p99 ms | errors | from a cache | floor req/s | ratio (rounds) | CPU ms/req: server | PostgreSQL |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, p := range r.Pages {
			if p.Concurrency != c {
				continue
			}
			floor, ratio := "", p.RatioCell()
			if p.Floor != "" {
				floor = fmt.Sprintf("%.0f", p.FloorRPS)
			}
			bw.printf("| %s | %.0f | %.2f | %.2f | %.2f | %d | %s | %s | %s | %.2f | %.2f |\n", p.Scenario, p.RPS, p.P50ms, p.P95ms, p.P99ms, p.Errors, p.FromCache(), floor, ratio,
				p.ProcessCPUms, p.PostgresCPUms)
		}
		bw.printf("\n")
	}
	for _, p := range r.Pages {
		if p.FirstError != "" {
			bw.printf("- First error of %q at %d: `%s`\n", p.Scenario, p.Concurrency, p.FirstError)
		}
	}
	bw.printf("\n## Targets\n\n| What | Target | Measured | Met |\n|---|---|---|---|\n")
	for _, c := range r.Checks {
		bw.printf("| %s | %s | %s | %s |\n", c.What, c.Target, c.Measured, yesNo(c.Met))
	}
	bw.printf("\n")
	if bw.err != nil {
		return bw.err
	}
	if r.Scale != nil {
		if err := r.Scale.Markdown(w); err != nil {
			return err
		}
	}
	if len(r.Micro) > 0 {
		if err := MicroMarkdown(w, r.Micro); err != nil {
			return err
		}
	}
	return nil
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func joinInts(xs []int) string {
	var s []string
	for _, x := range xs {
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, ", ")
}

// errWriter keeps the first write error, so the report code reads as text.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// Check is the micro-benchmark as one of the run's targets, when the issue
// sets one for it.
func (m Micro) Check() (Check, bool) {
	if m.Met == nil {
		return Check{}, false
	}
	return Check{What: m.What, Target: m.Target,
		Measured: fmt.Sprintf("%s, %d allocations", duration(m.NsPerOp), m.AllocsPerOp), Met: *m.Met}, true
}

// Checks are the scale targets as the run's checks.
func (s Scale) Checks() []Check {
	out := make([]Check, len(s.Targets))
	for i, t := range s.Targets {
		out[i] = Check{What: t.What, Target: t.Target, Measured: t.Got, Met: t.Met}
	}
	return out
}
