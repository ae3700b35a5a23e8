package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// Micro is the figure of one micro-benchmark of a hot path: the median of
// MicroCount runs of `go test -bench`.
type Micro struct {
	// Name is the benchmark as go test names it, without the -GOMAXPROCS
	// suffix: "BenchmarkRender/posts".
	Name string `json:"name"`
	// Package is its directory under the repository root.
	Package string `json:"package"`
	// What says in words what one operation is.
	What        string  `json:"what"`
	NsPerOp     float64 `json:"ns_per_op"`
	BytesPerOp  int64   `json:"bytes_per_op"`
	AllocsPerOp int64   `json:"allocs_per_op"`
	// Samples are the ns/op of every run, to judge the noise.
	Samples []float64 `json:"ns_per_op_samples"`
	// Target is the target in words, "" when it sets none.
	Target string `json:"target,omitempty"`
	// Met says whether the median meets Target; nil when there is none.
	Met *bool `json:"met"`
}

// MicroCount is how many times each benchmark runs; the figure is the
// median run, so that one run disturbed by the machine does not make it.
const MicroCount = 3

// microBench is a benchmark RunMicro expects, and what to say about it.
type microBench struct {
	pkg  string // directory under the repository root
	name string // as go test prints it, without the -GOMAXPROCS suffix
	// what describes one operation; metrics are the run's figures by
	// unit, custom ones included ("chars", "page-bytes").
	what   func(metrics map[string]float64) (string, error)
	target string
	met    func(Micro) bool // nil when there is no target
}

// microBenches are the hot paths of issue #8, in the order they are
// reported: resolving the portal from the Host header, the Casbin check at
// 10,000 grants, the free-services rule on a long text, and drawing pages.
var microBenches = []microBench{
	{
		pkg: "internal/tenant", name: "BenchmarkResolve",
		what:   fixed("portal from the Host header (with a port), among 1,000 portals"),
		target: "< 1 µs, 0 allocations",
		met:    func(m Micro) bool { return m.NsPerOp < 1000 && m.AllocsPerOp == 0 },
	},
	{
		pkg: "internal/authz", name: "BenchmarkCanReferentAt10000Policies",
		what:   fixed("Casbin check computed each time (no remembered answer): a référent de territoire may moderate in his EPCI, on a portal of 10,000 grants"),
		target: "< 20 µs",
		met:    func(m Micro) bool { return m.NsPerOp < 20_000 },
	},
	{
		pkg: "internal/rules", name: "BenchmarkCheckLongText",
		what: withMetric("chars", func(n string) string {
			return "free-services rule and the portal's word lists on a long post of " + n + " characters, accepted"
		}),
	},
	{
		pkg: "internal/rules", name: "BenchmarkCheckLongTextRefused",
		what: withMetric("chars", func(n string) string {
			return "the same rules on the same post with amounts and a forbidden word (" + n + " characters), refused with 4 findings"
		}),
	},
	{
		pkg: "internal/web", name: "BenchmarkRender/home",
		what: withMetric("page-bytes", func(n string) string {
			return "drawing the home page of tousvoisins44 (its theme's template) for a visitor: " + n + " bytes of HTML"
		}),
	},
	{
		pkg: "internal/web", name: "BenchmarkRender/posts",
		what: withMetric("page-bytes", func(n string) string {
			return "drawing a page of the list of posts of tousvoisins44 (20 posts, filters, pagination) for a visitor: " + n + " bytes of HTML"
		}),
	},
	{
		pkg: "internal/web", name: "BenchmarkRender/queue",
		what: withMetric("page-bytes", func(n string) string {
			return "drawing a page of the moderation queue of tousvoisins44 (20 entries, filters, pagination) for a référent de territoire: " + n + " bytes of HTML"
		}),
	},
}

func fixed(s string) func(map[string]float64) (string, error) {
	return func(map[string]float64) (string, error) { return s, nil }
}

// withMetric puts a custom metric of the benchmark (a length) into its
// description; a benchmark that no longer reports it is an error, so that
// the report never shows a length it did not measure.
func withMetric(unit string, say func(string) string) func(map[string]float64) (string, error) {
	return func(metrics map[string]float64) (string, error) {
		v, ok := metrics[unit]
		if !ok {
			return "", fmt.Errorf("it reports no %q metric", unit)
		}
		return say(groupThousands(int64(v))), nil
	}
}

// RunMicro runs the micro-benchmarks with `go test -run '^$' -bench …
// -benchmem -count MicroCount`, one package at a time from the repository
// root, so that no compilation runs beside a measurement. env is added to
// this process's environment (the authz benchmark needs
// ENTRAIDE_TEST_DATABASE_URL and ENTRAIDE_TEST_REDIS_URL). go test's output
// is copied to log as it comes. A benchmark that fails, or that is missing
// from the output (renamed, removed), is an error.
func RunMicro(ctx context.Context, goBin, root string, env []string, log io.Writer) ([]Micro, error) {
	return runMicro(ctx, goBin, root, env, log, microBenches)
}

// runMicro runs benches; extra go test flags (a shorter -benchtime, for
// the tests of this file) come before the package.
func runMicro(ctx context.Context, goBin, root string, env []string, log io.Writer, benches []microBench, extra ...string) ([]Micro, error) {
	// One go test per package and depth of name: a pattern with a second
	// level ("^(A)$/^(x)$") makes go test skip the results of a top-level
	// benchmark that has no sub-benchmarks.
	type group struct {
		pkg   string
		depth int
	}
	var groups []group
	names := map[group][]string{}
	for _, b := range benches {
		g := group{b.pkg, strings.Count(b.name, "/") + 1}
		if _, ok := names[g]; !ok {
			groups = append(groups, g)
		}
		names[g] = append(names[g], b.name)
	}
	lines := map[string][]benchLine{} // by package
	for _, g := range groups {
		var out bytes.Buffer
		args := []string{"test", "-run", "^$", "-bench", benchPattern(names[g]), "-benchmem", "-count", strconv.Itoa(MicroCount)}
		cmd := exec.CommandContext(ctx, goBin, append(append(args, extra...), "./"+g.pkg)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), env...)
		// go test runs the test binary as its child: on cancellation the
		// whole process group goes, not go test alone.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
		cmd.Stdout = io.MultiWriter(log, &out)
		cmd.Stderr = cmd.Stdout
		fmt.Fprintf(log, "bench: %s\n", strings.Join(cmd.Args, " "))
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("bench: micro-benchmarks of %s failed (%w):\n%s", g.pkg, err, lastLines(out.String(), 30))
		}
		parsed, err := parseBenchOutput(&out)
		if err != nil {
			return nil, fmt.Errorf("bench: micro-benchmarks of %s: %w", g.pkg, err)
		}
		lines[g.pkg] = append(lines[g.pkg], parsed...)
	}
	ms := make([]Micro, 0, len(benches))
	for _, b := range benches {
		m, err := summarizeMicro(b, lines[b.pkg])
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// summarizeMicro makes the figure of b from the output lines of its
// package: the run with the median ns/op, its memory figures, and whether
// it meets the target.
func summarizeMicro(b microBench, all []benchLine) (Micro, error) {
	var runs []benchLine
	for _, l := range all {
		if l.Name == b.name {
			runs = append(runs, l)
		}
	}
	if len(runs) == 0 {
		return Micro{}, fmt.Errorf("bench: %s is missing from the output of go test in %s: was it renamed or removed? (RunMicro expects it; see microBenches)", b.name, b.pkg)
	}
	if len(runs) != MicroCount {
		return Micro{}, fmt.Errorf("bench: %s in %s ran %d times, want %d", b.name, b.pkg, len(runs), MicroCount)
	}
	for _, unit := range []string{"ns/op", "B/op", "allocs/op"} {
		if _, ok := runs[0].Metrics[unit]; !ok {
			return Micro{}, fmt.Errorf("bench: %s in %s reports no %s (is -benchmem lost?)", b.name, b.pkg, unit)
		}
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].Metrics["ns/op"] < runs[j].Metrics["ns/op"] })
	mid := runs[(len(runs)-1)/2]
	what, err := b.what(mid.Metrics)
	if err != nil {
		return Micro{}, fmt.Errorf("bench: %s in %s: %w", b.name, b.pkg, err)
	}
	m := Micro{
		Name: b.name, Package: b.pkg, What: what,
		NsPerOp:     mid.Metrics["ns/op"],
		BytesPerOp:  int64(mid.Metrics["B/op"]),
		AllocsPerOp: int64(mid.Metrics["allocs/op"]),
		Target:      b.target,
	}
	for _, r := range runs {
		m.Samples = append(m.Samples, r.Metrics["ns/op"])
	}
	if b.met != nil {
		ok := b.met(m)
		m.Met = &ok
	}
	return m, nil
}

// benchPattern is a -bench pattern that selects exactly the named
// benchmarks: each level of the names (split at "/", as go test splits
// the pattern) must be one of the names' elements at that level.
func benchPattern(names []string) string {
	var levels [][]string
	for _, n := range names {
		for i, part := range strings.Split(n, "/") {
			if i == len(levels) {
				levels = append(levels, nil)
			}
			if q := regexp.QuoteMeta(part); !slices.Contains(levels[i], q) {
				levels[i] = append(levels[i], q)
			}
		}
	}
	parts := make([]string, len(levels))
	for i, alts := range levels {
		parts[i] = "^(" + strings.Join(alts, "|") + ")$"
	}
	return strings.Join(parts, "/")
}

// benchLine is one result line of `go test -bench`.
type benchLine struct {
	// Name is the benchmark's full name without the -GOMAXPROCS suffix.
	Name string
	// Procs is GOMAXPROCS during the run (1 when go test prints no suffix).
	Procs int
	// N is how many operations were timed.
	N int64
	// Metrics are the figures by unit: "ns/op", "B/op", "allocs/op",
	// "MB/s" and any custom metric the benchmark reports.
	Metrics map[string]float64
}

// procsSuffix is the -GOMAXPROCS suffix go test adds to a benchmark's
// name when GOMAXPROCS is not 1.
var procsSuffix = regexp.MustCompile(`-([0-9]+)$`)

// parseBenchLine reads one result line:
//
//	BenchmarkRender/posts-2   858   1282014 ns/op   11481 page-bytes   154520 B/op   3845 allocs/op
//
// It reports false for any other line (headers, PASS, logs).
func parseBenchLine(line string) (benchLine, bool) {
	fields := strings.Fields(line)
	// A name, a count, then value-unit pairs.
	if len(fields) < 4 || len(fields)%2 != 0 || !strings.HasPrefix(fields[0], "Benchmark") {
		return benchLine{}, false
	}
	n, err := strconv.ParseInt(fields[1], 10, 64)
	if err != nil || n <= 0 {
		return benchLine{}, false
	}
	l := benchLine{Name: fields[0], Procs: 1, N: n, Metrics: map[string]float64{}}
	if m := procsSuffix.FindStringSubmatch(l.Name); m != nil {
		l.Procs, _ = strconv.Atoi(m[1])
		l.Name = strings.TrimSuffix(l.Name, m[0])
	}
	for i := 2; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return benchLine{}, false
		}
		l.Metrics[fields[i+1]] = v
	}
	if _, ok := l.Metrics["ns/op"]; !ok {
		return benchLine{}, false
	}
	return l, true
}

// parseBenchOutput reads every result line of go test's output. A
// benchmark that failed ("--- FAIL: BenchmarkX") is an error even if go
// test's exit status was lost on the way.
func parseBenchOutput(r io.Reader) ([]benchLine, error) {
	var out []benchLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(strings.TrimSpace(line), "--- FAIL: "); ok {
			return nil, fmt.Errorf("%s failed", strings.Fields(name)[0])
		}
		if l, ok := parseBenchLine(line); ok {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read go test output: %w", err)
	}
	return out, nil
}

// lastLines is the end of a command's output, for an error message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// MicroMarkdown writes the figures as a Markdown table, in the order given.
func MicroMarkdown(w io.Writer, ms []Micro) error {
	var b strings.Builder
	fmt.Fprintf(&b, "| Benchmark | What | Time/op | Runs (%d) | B/op | allocs/op | Target | Met |\n", MicroCount)
	b.WriteString("|---|---|--:|---|--:|--:|---|---|\n")
	for _, m := range ms {
		runs := make([]string, len(m.Samples))
		for i, s := range m.Samples {
			runs[i] = duration(s)
		}
		target, met := "—", "—"
		if m.Target != "" {
			target = m.Target
		}
		if m.Met != nil {
			met = "yes"
			if !*m.Met {
				met = "**no**"
			}
		}
		fmt.Fprintf(&b, "| `%s` (%s) | %s | %s | %s | %s | %s | %s | %s |\n",
			m.Name, m.Package, cell(m.What), duration(m.NsPerOp), strings.Join(runs, ", "),
			groupThousands(m.BytesPerOp), groupThousands(m.AllocsPerOp), cell(target), met)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cell keeps a table cell on one line and its pipes literal.
func cell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}

// duration writes nanoseconds in the unit that suits them: "76.5 ns",
// "31.9 µs", "1.28 ms".
func duration(ns float64) string {
	switch {
	case ns < 1000:
		return strconv.FormatFloat(ns, 'f', 1, 64) + " ns"
	case ns < 1e6:
		return strconv.FormatFloat(ns/1e3, 'f', 1, 64) + " µs"
	case ns < 1e9:
		return strconv.FormatFloat(ns/1e6, 'f', 2, 64) + " ms"
	default:
		return strconv.FormatFloat(ns/1e9, 'f', 2, 64) + " s"
	}
}

// groupThousands writes 12345 as "12,345".
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return sign + b.String()
}
