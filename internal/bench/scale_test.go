package bench

import (
	"os"
	"strings"
	"testing"
)

func TestCPUTicksReadsTimesAfterTheCommandName(t *testing.T) {
	// A process title with spaces and parentheses in the name field.
	line := "4242 (postgres: x (y)) S 1 4242 4242 0 -1 4194560 100 0 0 0 37 5 0 0 20 0 1 0 100 0 0\n"
	got, err := cpuTicks([]byte(line))
	if err != nil || got != 42 {
		t.Fatalf("cpuTicks = %d, %v; want 42 (37 user + 5 system)", got, err)
	}
	if _, err := cpuTicks([]byte("4242 (short) S 1")); err == nil {
		t.Fatal("a short line gave no error")
	}
	// This very process: its line parses.
	self, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Skip("no /proc here")
	}
	if _, err := cpuTicks(self); err != nil {
		t.Fatalf("own /proc/self/stat: %v", err)
	}
}

func TestIsBackendOf(t *testing.T) {
	tests := []struct {
		title string
		want  bool
	}{
		{"postgres: 15/main: postgres entraide_bench_scale_100 127.0.0.1(40200) idle\x00", true},
		{"postgres: 15/main: postgres entraide_bench_scale_1000 127.0.0.1(40200) idle\x00", false},
		{"postgres: 15/main: checkpointer \x00", false},
		{"psql\x00-d\x00entraide_bench_scale_100\x00", false},
	}
	for _, tc := range tests {
		if got := isBackendOf([]byte(tc.title), "entraide_bench_scale_100"); got != tc.want {
			t.Errorf("isBackendOf(%q) = %v, want %v", tc.title, got, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{9, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestEnvValueTakesTheLast(t *testing.T) {
	env := []string{"A=1", "ENTRAIDE_MIGRATE_CONCURRENCY=4", "B=x=y", "ENTRAIDE_MIGRATE_CONCURRENCY=2"}
	if got := envValue(env, "ENTRAIDE_MIGRATE_CONCURRENCY"); got != "2" {
		t.Errorf("envValue = %q, want 2 (the last, as exec keeps it)", got)
	}
	if got := envValue(env, "B"); got != "x=y" {
		t.Errorf("envValue(B) = %q, want x=y", got)
	}
	if got := envValue(env, "C"); got != "" {
		t.Errorf("envValue(C) = %q, want empty", got)
	}
}

// The targets are checked against issue #8's numbers, and the section
// says which were missed.
func TestScaleTargetsAndMarkdown(t *testing.T) {
	s := Scale{
		Portals:    1003,
		Generated:  1000,
		Migrations: []MigrateFigure{{Portals: 103, Generated: 100, Seconds: 12}, {Portals: 1003, Generated: 1000, Seconds: 130}},
		Starts:     []StartFigure{{Portals: 1003, Seconds: 1.5, AllSeconds: []float64{1.4, 1.5, 2}, RSSMB: 100, StartupJobs: 2006, JobsSeconds: 16, RSSLoadedMB: 180}, {Portals: 1003, MigrateOnStart: true, Seconds: 5, RSSMB: 110}},
		Ranks: []RankFigure{
			{Page: "home", Path: "/", First: Figures{RPS: 1000}, Last: Figures{RPS: 990}, Ratio: 0.99},
			{Page: "list", Path: "/annonces", First: Figures{RPS: 500}, Last: Figures{RPS: 450}, Ratio: 0.90},
		},
		ConnMemory: []ConnMemoryRun{
			{MaxConnSchemas: 0, Points: []ConnMemoryPoint{{Schemas: 1, Backends: 1, LargestMB: 2, TotalMB: 2}, {Schemas: 1000, Backends: 1, LargestMB: 200, TotalMB: 200}}, KBPerSchema: 203, MaxMB: 200, Backends: 1},
			{MaxConnSchemas: 100, Points: []ConnMemoryPoint{{Schemas: 1, Backends: 1, LargestMB: 2, TotalMB: 2}, {Schemas: 1000, Backends: 1, LargestMB: 20, TotalMB: 20}}, KBPerSchema: 18, MaxMB: 21, Backends: 10},
		},
	}
	s.Targets = s.checkTargets()
	met := map[string]bool{}
	for _, tc := range s.Targets {
		met[tc.What] = tc.Met
	}
	want := map[string]bool{
		"migrate 1003 portals from empty":                     false,
		"start with 1003 portals":                             true,
		"resident memory with 1003 portals, every one served": true,
		"home page, portal #1000 versus #1":                   true,
		"list page, portal #1000 versus #1":                   false,
	}
	for what, ok := range want {
		got, found := met[what]
		if !found || got != ok {
			t.Errorf("target %q: met = %v (found %v), want %v; all: %+v", what, got, found, ok, s.Targets)
		}
	}
	if len(s.Targets) != len(want) {
		t.Errorf("%d targets, want %d: %+v", len(s.Targets), len(want), s.Targets)
	}
	var b strings.Builder
	if err := s.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, w := range []string{"## Scale: 1003 portals", "| migrate 1003 portals from empty | under 2 min | 130 s | **missed** |",
		"| 1000 | 1, 200.0 MB, 200.0 MB | 1, 20.0 MB, 20.0 MB |", "recycling off: a connection grows by about 203 KB", "0.900",
		"| 1003 | false | 1.50 s (1.40, 1.50, 2.00) | 0.00 s | 100 MB | 2006, done 16 s after start | 180 MB |"} {
		if !strings.Contains(out, w) {
			t.Errorf("Markdown lacks %q:\n%s", w, out)
		}
	}
}
