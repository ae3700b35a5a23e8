package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseBenchLine(t *testing.T) {
	tests := []struct {
		line string
		want benchLine
		ok   bool
	}{
		{
			line: "BenchmarkResolve-2   \t15701907\t        76.45 ns/op\t       0 B/op\t       0 allocs/op",
			want: benchLine{Name: "BenchmarkResolve", Procs: 2, N: 15701907, Metrics: map[string]float64{"ns/op": 76.45, "B/op": 0, "allocs/op": 0}},
			ok:   true,
		},
		{
			// Custom metrics and MB/s sit between the time and the memory.
			line: "BenchmarkCheckLongText-2          \t   10000\t    143638 ns/op\t  35.78 MB/s\t      5016 chars\t       0 B/op\t       0 allocs/op",
			want: benchLine{Name: "BenchmarkCheckLongText", Procs: 2, N: 10000, Metrics: map[string]float64{"ns/op": 143638, "MB/s": 35.78, "chars": 5016, "B/op": 0, "allocs/op": 0}},
			ok:   true,
		},
		{
			// A sub-benchmark whose own name holds '=' and '/'.
			line: "BenchmarkCanByGrantCount/grants=10000-16 \t   34762\t     33227 ns/op\t    3692 B/op\t      81 allocs/op",
			want: benchLine{Name: "BenchmarkCanByGrantCount/grants=10000", Procs: 16, N: 34762, Metrics: map[string]float64{"ns/op": 33227, "B/op": 3692, "allocs/op": 81}},
			ok:   true,
		},
		{
			// GOMAXPROCS=1: no suffix; without -benchmem, no memory.
			line: "BenchmarkRender/home \t 3230\t 367910 ns/op",
			want: benchLine{Name: "BenchmarkRender/home", Procs: 1, N: 3230, Metrics: map[string]float64{"ns/op": 367910}},
			ok:   true,
		},
		{
			line: "BenchmarkLoad-2   \t       1\t1234567890 ns/op",
			want: benchLine{Name: "BenchmarkLoad", Procs: 2, N: 1, Metrics: map[string]float64{"ns/op": 1234567890}},
			ok:   true,
		},
		{line: "goos: linux"},
		{line: "pkg: github.com/entraide/entraide/internal/web"},
		{line: "PASS"},
		{line: "ok  \tgithub.com/entraide/entraide/internal/rules\t2.683s"},
		// The name alone, printed before a benchmark that logs.
		{line: "BenchmarkCan/referent_territoire/in_scope-2"},
		{line: "--- FAIL: BenchmarkCan"},
		{line: "    bench_test.go:57: 9999 rules stored (<nil>), want 10000"},
		// Not a count, not a number, no ns/op.
		{line: "BenchmarkX-2 \t many \t 12 ns/op"},
		{line: "BenchmarkX-2 \t 10 \t twelve ns/op"},
		{line: "BenchmarkX-2 \t 10 \t 12 B/op \t 1 allocs/op"},
	}
	for _, tc := range tests {
		got, ok := parseBenchLine(tc.line)
		if ok != tc.ok {
			t.Errorf("parseBenchLine(%q) ok = %v, want %v", tc.line, ok, tc.ok)
			continue
		}
		if ok && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseBenchLine(%q)\n got %+v\nwant %+v", tc.line, got, tc.want)
		}
	}
}

func TestParseBenchOutput(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/entraide/entraide/internal/rules
cpu: AMD EPYC
BenchmarkCheckLongText-2          	   10000	    143638 ns/op	  35.78 MB/s	      5016 chars	       0 B/op	       0 allocs/op
BenchmarkCheckLongTextRefused-2   	   10000	    122142 ns/op	      5071 chars	     256 B/op	       1 allocs/op
PASS
ok  	github.com/entraide/entraide/internal/rules	2.683s
`
	lines, err := parseBenchOutput(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 2 || lines[0].Name != "BenchmarkCheckLongText" || lines[1].Metrics["B/op"] != 256 {
		t.Fatalf("got %+v", lines)
	}

	failed := "BenchmarkRender/home-2 \t 100 \t 5 ns/op\n--- FAIL: BenchmarkRender/posts\n    render_bench_test.go:170: GET /annonces?page=2: 500\nFAIL\n"
	if _, err := parseBenchOutput(strings.NewReader(failed)); err == nil || !strings.Contains(err.Error(), "BenchmarkRender/posts failed") {
		t.Fatalf("a failed benchmark gave %v", err)
	}
}

// TestBenchPattern checks the patterns the way go test applies them: split
// at "/", each part matched against one level of the name.
func TestBenchPattern(t *testing.T) {
	tests := []struct {
		names   []string
		pattern string
		match   []string
		miss    []string
	}{
		{
			names:   []string{"BenchmarkResolve"},
			pattern: "^(BenchmarkResolve)$",
			match:   []string{"BenchmarkResolve"},
			miss:    []string{"BenchmarkResolveAll", "XBenchmarkResolve"},
		},
		{
			names:   []string{"BenchmarkCheckLongText", "BenchmarkCheckLongTextRefused"},
			pattern: "^(BenchmarkCheckLongText|BenchmarkCheckLongTextRefused)$",
			match:   []string{"BenchmarkCheckLongText", "BenchmarkCheckLongTextRefused"},
			miss:    []string{"BenchmarkCheckShortText"},
		},
		{
			names:   []string{"BenchmarkRender/home", "BenchmarkRender/posts"},
			pattern: "^(BenchmarkRender)$/^(home|posts)$",
			match:   []string{"BenchmarkRender/home", "BenchmarkRender/posts"},
			miss:    []string{"BenchmarkRender/homely", "BenchmarkRender/news", "BenchmarkRenderAll/home"},
		},
		{
			names:   []string{"BenchmarkCanByGrantCount/grants=10000"},
			pattern: `^(BenchmarkCanByGrantCount)$/^(grants=10000)$`,
			match:   []string{"BenchmarkCanByGrantCount/grants=10000"},
			miss:    []string{"BenchmarkCanByGrantCount/grants=9"},
		},
		{
			names:   []string{"BenchmarkA.b+c"},
			pattern: `^(BenchmarkA\.b\+c)$`,
			match:   []string{"BenchmarkA.b+c"},
			miss:    []string{"BenchmarkAxbbc"},
		},
	}
	matches := func(pattern, name string) bool {
		pats, levels := strings.Split(pattern, "/"), strings.Split(name, "/")
		for i, level := range levels {
			if i < len(pats) && !regexp.MustCompile(pats[i]).MatchString(level) {
				return false
			}
		}
		return true
	}
	for _, tc := range tests {
		got := benchPattern(tc.names)
		if got != tc.pattern {
			t.Errorf("benchPattern(%q) = %q, want %q", tc.names, got, tc.pattern)
			continue
		}
		for _, n := range tc.match {
			if !matches(got, n) {
				t.Errorf("%q does not select %q", got, n)
			}
		}
		for _, n := range tc.miss {
			if matches(got, n) {
				t.Errorf("%q selects %q", got, n)
			}
		}
	}
}

func TestSummarizeMicro(t *testing.T) {
	line := func(name string, ns, bytes, allocs float64) benchLine {
		return benchLine{Name: name, Procs: 2, N: 100, Metrics: map[string]float64{"ns/op": ns, "B/op": bytes, "allocs/op": allocs, "chars": 5016}}
	}
	resolve := microBenches[0]
	if resolve.name != "BenchmarkResolve" {
		t.Fatalf("the first micro-benchmark is %s", resolve.name)
	}
	// The median run is chosen by time, and its memory figures go with it.
	m, err := summarizeMicro(resolve, []benchLine{
		line("BenchmarkResolve", 90, 0, 0), line("BenchmarkOther", 1, 0, 0),
		line("BenchmarkResolve", 2500, 16, 1), line("BenchmarkResolve", 80, 0, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.NsPerOp != 90 || m.AllocsPerOp != 0 || !reflect.DeepEqual(m.Samples, []float64{80, 90, 2500}) || m.Met == nil || !*m.Met {
		t.Fatalf("got %+v", m)
	}

	// Over 1 µs, or one allocation, misses the target.
	for _, runs := range [][]benchLine{
		{line("BenchmarkResolve", 1000, 0, 0), line("BenchmarkResolve", 1001, 0, 0), line("BenchmarkResolve", 999, 0, 0)},
		{line("BenchmarkResolve", 70, 8, 1), line("BenchmarkResolve", 71, 8, 1), line("BenchmarkResolve", 72, 8, 1)},
	} {
		m, err := summarizeMicro(resolve, runs)
		if err != nil || m.Met == nil || *m.Met {
			t.Errorf("%+v: met %v (%v), want false", runs, m.Met, err)
		}
	}

	// No target: Met stays nil; the length comes from the benchmark.
	text := microBenches[2]
	if text.name != "BenchmarkCheckLongText" {
		t.Fatalf("the third micro-benchmark is %s", text.name)
	}
	runs := []benchLine{line(text.name, 3, 0, 0), line(text.name, 2, 0, 0), line(text.name, 1, 0, 0)}
	m, err = summarizeMicro(text, runs)
	if err != nil || m.Met != nil || !strings.Contains(m.What, "5,016 characters") {
		t.Fatalf("got %+v, %v", m, err)
	}
	delete(runs[1].Metrics, "chars")
	if _, err := summarizeMicro(text, runs); err == nil || !strings.Contains(err.Error(), `"chars"`) {
		t.Fatalf("a lost length metric gave %v", err)
	}

	// Missing, run too few times, or without -benchmem: errors that say so.
	if _, err := summarizeMicro(resolve, []benchLine{line("BenchmarkResolveOld", 1, 0, 0)}); err == nil || !strings.Contains(err.Error(), "BenchmarkResolve is missing") {
		t.Errorf("a missing benchmark gave %v", err)
	}
	if _, err := summarizeMicro(resolve, []benchLine{line("BenchmarkResolve", 1, 0, 0)}); err == nil || !strings.Contains(err.Error(), "ran 1 times") {
		t.Errorf("a single run gave %v", err)
	}
	bare := benchLine{Name: "BenchmarkResolve", N: 1, Metrics: map[string]float64{"ns/op": 1}}
	if _, err := summarizeMicro(resolve, []benchLine{bare, bare, bare}); err == nil || !strings.Contains(err.Error(), "B/op") {
		t.Errorf("runs without -benchmem gave %v", err)
	}
}

func TestMicroMarkdown(t *testing.T) {
	yes, no := true, false
	ms := []Micro{
		{Name: "BenchmarkResolve", Package: "internal/tenant", What: "host", NsPerOp: 76.45, Samples: []float64{76.45, 75, 80}, Target: "< 1 µs, 0 allocations", Met: &yes},
		{Name: "BenchmarkCanReferentAt10000Policies", Package: "internal/authz", What: "check", NsPerOp: 31967, BytesPerOp: 3275, AllocsPerOp: 73, Samples: []float64{31967}, Target: "< 20 µs", Met: &no},
		{Name: "BenchmarkRender/posts", Package: "internal/web", What: "a | b", NsPerOp: 1282014, BytesPerOp: 154520, AllocsPerOp: 3845, Samples: []float64{1282014}},
	}
	var b bytes.Buffer
	if err := MicroMarkdown(&b, ms); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"| `BenchmarkResolve` (internal/tenant) | host | 76.5 ns | 76.5 ns, 75.0 ns, 80.0 ns | 0 | 0 | < 1 µs, 0 allocations | yes |",
		"| `BenchmarkCanReferentAt10000Policies` (internal/authz) | check | 32.0 µs | 32.0 µs | 3,275 | 73 | < 20 µs | **no** |",
		"| `BenchmarkRender/posts` (internal/web) | a \\| b | 1.28 ms | 1.28 ms | 154,520 | 3,845 | — | — |",
	}
	got := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(got) != 2+len(want) || !reflect.DeepEqual(got[2:], want) {
		t.Fatalf("got\n%s\nwant rows\n%s", b.String(), strings.Join(want, "\n"))
	}
}

func TestMicroJSON(t *testing.T) {
	yes := true
	body, err := json.Marshal([]Micro{{Name: "BenchmarkResolve", Met: &yes}, {Name: "BenchmarkRender/home"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`"name":"BenchmarkResolve"`, `"met":true`, `"met":null`, `"ns_per_op":0`, `"allocs_per_op":0`} {
		if !strings.Contains(string(body), w) {
			t.Errorf("%s lacks %s", body, w)
		}
	}
}

// TestRunMicro runs real go test benchmarks in a small module: selection by
// exact name, the median of three runs, a custom metric in the
// description, and the errors for a missing or failing benchmark.
func TestRunMicro(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is needed to run benchmarks: %v", err)
	}
	root := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/micro\n\ngo 1.24\n")
	write("internal/fast/fast_test.go", `package fast

import (
	"os"
	"strconv"
	"testing"
)

var sink int

func BenchmarkAdd(b *testing.B) {
	for b.Loop() {
		sink++
	}
}

func BenchmarkText(b *testing.B) {
	for _, name := range []string{"short", "long"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink += len(strconv.Itoa(sink))
			}
			b.ReportMetric(12, "chars")
		})
	}
}

func BenchmarkFails(b *testing.B) {
	if os.Getenv("MICRO_FAIL") != "" {
		b.Fatal("asked to fail")
	}
	for b.Loop() {
		sink--
	}
}
`)
	ctx := context.Background()
	env := []string{"GOWORK=off", "GOFLAGS=-mod=mod"}
	add := microBench{pkg: "internal/fast", name: "BenchmarkAdd", what: fixed("adding"), target: "< 1 s", met: func(m Micro) bool { return m.NsPerOp < 1e9 }}
	short := microBench{pkg: "internal/fast", name: "BenchmarkText/short", what: withMetric("chars", func(n string) string { return n + " chars" })}
	fails := microBench{pkg: "internal/fast", name: "BenchmarkFails", what: fixed("failing")}

	var log bytes.Buffer
	ms, err := runMicro(ctx, goBin, root, env, &log, []microBench{add, short, fails}, "-benchtime", "100x")
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(ms) != 3 || ms[0].Name != "BenchmarkAdd" || ms[1].Name != "BenchmarkText/short" || ms[2].Name != "BenchmarkFails" {
		t.Fatalf("got %+v", ms)
	}
	for _, m := range ms {
		if len(m.Samples) != MicroCount || m.NsPerOp <= 0 || m.Package != "internal/fast" {
			t.Errorf("%+v", m)
		}
	}
	if ms[0].Met == nil || !*ms[0].Met || ms[1].Met != nil || ms[1].What != "12 chars" {
		t.Errorf("got %+v and %+v", ms[0], ms[1])
	}
	if strings.Contains(log.String(), "BenchmarkText/long") {
		t.Errorf("a benchmark that was not asked for ran:\n%s", log.String())
	}

	gone := microBench{pkg: "internal/fast", name: "BenchmarkGone", what: fixed("gone")}
	if _, err := runMicro(ctx, goBin, root, env, &log, []microBench{add, gone}, "-benchtime", "10x"); err == nil || !strings.Contains(err.Error(), "BenchmarkGone is missing") {
		t.Errorf("a missing benchmark gave %v", err)
	}
	failEnv := append(env, "MICRO_FAIL=1")
	if _, err := runMicro(ctx, goBin, root, failEnv, &log, []microBench{fails}, "-benchtime", "10x"); err == nil || !strings.Contains(err.Error(), "asked to fail") {
		t.Errorf("a failing benchmark gave %v", err)
	}
}

// TestRunMicroCancel stops go test and the benchmark it runs when the
// context ends, rather than leaving the benchmark running.
func TestRunMicroCancel(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is needed to run benchmarks: %v", err)
	}
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module example.com/micro\n\ngo 1.24\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "slow"), 0o755); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(root, "started")
	body := `package slow

import (
	"os"
	"testing"
	"time"
)

func BenchmarkSlow(b *testing.B) {
	os.WriteFile(` + strconv.Quote(marker) + `, []byte(strconv.Itoa(os.Getpid())), 0o644)
	time.Sleep(time.Minute)
}
`
	body = strings.Replace(body, `"os"`, `"os"
	"strconv"`, 1)
	if err := os.WriteFile(filepath.Join(root, "slow", "slow_test.go"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var log bytes.Buffer
	go func() {
		_, err := runMicro(ctx, goBin, root, []string{"GOWORK=off"}, &log, []microBench{{pkg: "slow", name: "BenchmarkSlow", what: fixed("slow")}})
		done <- err
	}()
	var pid int
	for deadline := time.Now().Add(time.Minute); pid == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the benchmark did not start:\n%s", log.String())
		}
		if b, err := os.ReadFile(marker); err == nil && len(b) > 0 {
			pid, _ = strconv.Atoi(string(b))
		}
	}
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a cancelled run reported no error")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunMicro did not return after cancellation")
	}
	// The benchmark process is gone (kill -0 fails), not left sleeping.
	for deadline := time.Now().Add(5 * time.Second); syscall.Kill(pid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the benchmark process %d still runs after cancellation", pid)
		}
	}
}
