package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/entraide/entraide/internal/config"
	"github.com/entraide/entraide/internal/db"
	"github.com/jackc/pgx/v5"
)

// ScaleOptions say what RunScale measures and with what.
type ScaleOptions struct {
	Bin         string                     // the built bin/entraide
	TenantsSrc  string                     // the repository's tenants/ directory
	WorkDir     string                     // portal files and server logs, e.g. build/bench/scale
	DatabaseURL func(dbname string) string // URL of a database on the benchmark's PostgreSQL
	Env         []string                   // the server's base environment: REDIS_URL, ENTRAIDE_SECRET_KEY, rate limit, log level…
	Sizes       []int                      // portals generated and migrated from empty; default 100 and 1,000
	Duration    time.Duration              // each timed run of portal #1 versus portal #N (8 each); default 1 s
	Concurrency int                        // load generator workers; default 8
	Log         io.Writer                  // progress lines; default none
	Seed        *SeedSize                  // content put in #1 and #N before comparing them; nil: DefaultSeed
}

// SeedSize is the content `entraide seed` puts in portal #1 and portal #N
// before they are compared: the same small amount in both.
type SeedSize struct {
	People, Posts, Events, Conversations, Reports int
}

// DefaultSeed is small on purpose: the comparison is about the portal's
// rank among a thousand, not about the volume of its content (the page
// benchmarks measure that).
var DefaultSeed = SeedSize{People: 50, Posts: 500, Events: 10, Conversations: 20, Reports: 5}

// Scale is what RunScale measured.
type Scale struct {
	// LoadBefore and LoadAfter are /proc/loadavg when the run began and
	// ended: the machine is shared, and a busy one stretches every time.
	LoadBefore string          `json:"load_before"`
	LoadAfter  string          `json:"load_after"`
	Migrations []MigrateFigure `json:"migrations"`
	Starts     []StartFigure   `json:"starts"`
	// Seeded says whether portals #1 and #N held seeded content when
	// compared (SeedNote says why not, or how long seeding took).
	Seeded     bool            `json:"seeded"`
	SeedNote   string          `json:"seed_note"`
	Ranks      []RankFigure    `json:"ranks"`
	ConnMemory []ConnMemoryRun `json:"connection_memory"`
	Targets    []TargetCheck   `json:"targets"`
	Seconds    float64         `json:"seconds"`   // the whole run
	Portals    int             `json:"portals"`   // of the largest size, demo portals included
	Generated  int             `json:"generated"` // of the largest size: portal #N is the last of them
	Notes      []string        `json:"notes,omitempty"`
}

// MigrateFigure is one `entraide migrate -create-database` from an empty
// database.
type MigrateFigure struct {
	Portals     int     `json:"portals"`   // portal files: generated and demo
	Generated   int     `json:"generated"` // of which generated
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	// MigrateCPU is the user and system time of the migrate process;
	// PostgresCPU that of the PostgreSQL backends serving its database,
	// read from /proc (0 when PostgreSQL runs elsewhere).
	MigrateCPU  float64 `json:"migrate_cpu_seconds"`
	PostgresCPU float64 `json:"postgres_cpu_seconds"`
}

// StartFigure is the start of `entraide serve` on the largest database.
type StartFigure struct {
	Portals        int  `json:"portals"`
	MigrateOnStart bool `json:"migrate_on_start"`
	// Seconds is from exec to the first 200 on /healthz: the median of
	// Runs starts, each listed in AllSeconds. CPUSeconds is the server's
	// user and system time by then (median too): on a shared machine the
	// wall time stretches, the CPU time much less.
	Seconds    float64   `json:"seconds"`
	AllSeconds []float64 `json:"all_seconds"`
	CPUSeconds float64   `json:"cpu_seconds"`
	RSSMB      float64   `json:"rss_mb"` // resident memory once started
	// StartupJobs is how many jobs the server queued at start (each
	// portal's periodic jobs run once at start), and JobsSeconds how long
	// after /healthz answered they were all done (0 when not measured).
	StartupJobs int     `json:"startup_jobs,omitempty"`
	JobsSeconds float64 `json:"jobs_seconds,omitempty"`
	// RSSLoadedMB is the resident memory once the start-up jobs are done
	// and every portal has served its home page (0 when not measured).
	RSSLoadedMB float64 `json:"rss_loaded_mb,omitempty"`
}

// RankFigure compares one page on portal #1 and portal #N, in alternating
// timed runs.
type RankFigure struct {
	Page  string  `json:"page"`
	Path  string  `json:"path"`
	First Figures `json:"first"`
	Last  Figures `json:"last"`
	// Ratio is the last portal's rate over the first's: 1 means served as
	// fast.
	Ratio float64 `json:"ratio"`
}

// ConnMemoryRun is the memory of the server's PostgreSQL connections as one
// client asks every portal for its pages in turn.
type ConnMemoryRun struct {
	MaxConnSchemas int               `json:"max_conn_schemas"` // 0: recycling off
	Points         []ConnMemoryPoint `json:"points"`
	// KBPerSchema is how much the largest connection grew per portal
	// schema it served, between the first and the last point.
	KBPerSchema float64 `json:"kb_per_schema"`
	// MaxMB is the largest connection seen at any point.
	MaxMB float64 `json:"max_mb"`
	// Backends is how many different connections the samples saw.
	Backends int `json:"backends"`
}

// ConnMemoryPoint is a sample of the pool's backends after Schemas portals
// had been served.
type ConnMemoryPoint struct {
	Schemas   int     `json:"schemas"`
	Backends  int     `json:"backends"`   // open at that moment
	LargestMB float64 `json:"largest_mb"` // private memory (RssAnon) of the largest
	TotalMB   float64 `json:"total_mb"`
}

// TargetCheck is one of issue #8's scale targets and whether it was met.
type TargetCheck struct {
	What   string `json:"what"`
	Target string `json:"target"`
	Got    string `json:"got"`
	Met    bool   `json:"met"`
}

// The pages compared between portal #1 and portal #N.
var rankPages = []struct{ name, path string }{
	{"home", "/"},
	{"list", "/annonces"},
}

// memoryCheckpoints are the numbers of portals served after which the
// pool's backends are sampled.
var memoryCheckpoints = []int{1, 10, 100, 250, 500, 1000}

// RunScale measures how one deployment grows with its portals: migrating
// from empty for each size, then, on the largest, the server's start time
// and memory, portal #1 against portal #N, and the memory of its
// PostgreSQL connections with and without recycling. Every database it
// creates is named entraide_bench_scale_<n> and dropped before it returns.
func RunScale(ctx context.Context, o ScaleOptions) (Scale, error) {
	o = o.withDefaults()
	begin := time.Now()
	s := Scale{LoadBefore: loadAvg()}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return s, err
	}
	sizes := slices.Clone(o.Sizes)
	slices.Sort(sizes)
	largest := sizes[len(sizes)-1]
	var portals []Portal
	for _, n := range sizes {
		dbname := fmt.Sprintf("entraide_bench_scale_%d", n)
		url := o.DatabaseURL(dbname)
		// A database left by an interrupted run would make "from empty" a lie.
		if err := dropDatabase(ctx, url); err != nil {
			return s, err
		}
		dir := filepath.Join(o.WorkDir, fmt.Sprintf("tenants-%d", n))
		ps, err := WritePortals(o.TenantsSrc, dir, n)
		if err != nil {
			return s, err
		}
		o.logf("scale: migrating %d portals (%d generated) from empty", len(ps), n)
		m, err := o.migrate(ctx, dbname, dir, len(ps), n)
		if n != largest || err != nil {
			if derr := dropDatabase(context.WithoutCancel(ctx), url); derr != nil {
				err = errors.Join(err, derr)
			}
		}
		if err != nil {
			return s, err
		}
		o.logf("scale: %d portals migrated in %.1f s", m.Portals, m.Seconds)
		s.Migrations = append(s.Migrations, m)
		portals = ps
	}
	s.Portals, s.Generated = len(portals), largest
	dbname := fmt.Sprintf("entraide_bench_scale_%d", largest)
	defer func() {
		if err := dropDatabase(context.WithoutCancel(ctx), o.DatabaseURL(dbname)); err != nil {
			o.logf("scale: drop %s: %v", dbname, err)
		}
	}()
	largeRun := scaleRun{o: o, dbname: dbname, tenantsDir: filepath.Join(o.WorkDir, fmt.Sprintf("tenants-%d", largest)), portals: portals}
	first, last := GeneratedSlug(1), GeneratedSlug(largest)

	s.Seeded, s.SeedNote = largeRun.seed(ctx, first, last)
	o.logf("scale: %s", s.SeedNote)

	if err := largeRun.startsAndRanks(ctx, &s, first, last); err != nil {
		return s, err
	}
	for _, k := range []int{0, config.Defaults().DBMaxConnSchemas} {
		run, err := largeRun.connMemory(ctx, k)
		if err != nil {
			return s, err
		}
		s.ConnMemory = append(s.ConnMemory, run)
	}
	s.Targets = s.checkTargets()
	s.LoadAfter = loadAvg()
	s.Seconds = time.Since(begin).Seconds()
	return s, nil
}

func (o ScaleOptions) withDefaults() ScaleOptions {
	if len(o.Sizes) == 0 {
		o.Sizes = []int{100, 1000}
	}
	if o.Duration <= 0 {
		o.Duration = time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Seed == nil {
		seed := DefaultSeed
		o.Seed = &seed
	}
	// The themes sit next to the portal files in the repository; a server
	// started from elsewhere would not find them.
	if envValue(o.Env, "ENTRAIDE_THEMES_DIR") == "" {
		themes := filepath.Join(filepath.Dir(o.TenantsSrc), "themes")
		if _, err := os.Stat(themes); err == nil {
			o.Env = append(slices.Clone(o.Env), "ENTRAIDE_THEMES_DIR="+themes)
		}
	}
	return o
}

func (o ScaleOptions) logf(format string, args ...any) {
	fmt.Fprintf(o.Log, format+"\n", args...)
}

// env is the base environment plus the database and portal files.
func (o ScaleOptions) env(dbname, tenantsDir string, more ...string) []string {
	env := append(slices.Clone(o.Env), "DATABASE_URL="+o.DatabaseURL(dbname), "ENTRAIDE_TENANTS_DIR="+tenantsDir)
	return append(env, more...)
}

// migrate runs `entraide migrate -create-database` on an empty database
// and times it, with the CPU it cost on both sides.
func (o ScaleOptions) migrate(ctx context.Context, dbname, tenantsDir string, portals, generated int) (MigrateFigure, error) {
	f := MigrateFigure{Portals: portals, Generated: generated, Concurrency: config.Defaults().MigrateConcurrency}
	if v := envValue(append(os.Environ(), o.Env...), "ENTRAIDE_MIGRATE_CONCURRENCY"); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			f.Concurrency = n
		}
	}
	logPath := filepath.Join(o.WorkDir, fmt.Sprintf("migrate-%d.log", generated))
	logFile, err := os.Create(logPath)
	if err != nil {
		return f, err
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, o.Bin, "migrate", "-create-database")
	cmd.Env = append(os.Environ(), o.env(dbname, tenantsDir)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	sampler := startBackendCPU(dbname, 100*time.Millisecond)
	start := time.Now()
	err = cmd.Run()
	f.Seconds = time.Since(start).Seconds()
	f.PostgresCPU = sampler.stop()
	if err != nil {
		return f, fmt.Errorf("bench: entraide migrate of %d portals: %w (see %s)", portals, err, logPath)
	}
	f.MigrateCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	return f, nil
}

// scaleRun is the largest database, migrated, and what runs on it.
type scaleRun struct {
	o          ScaleOptions
	dbname     string
	tenantsDir string
	portals    []Portal
}

// seed fills portals #1 and #N with the same small content through
// `entraide seed`, one portal per run: seed draws a portal's content from
// its place in -portals, so seeding each alone gives both the same. It
// reports whether it did, and in words what happened: without content the
// comparison still runs, on empty portals.
func (r scaleRun) seed(ctx context.Context, first, last string) (bool, string) {
	sz := r.o.Seed
	logPath := filepath.Join(r.o.WorkDir, "seed.log")
	out, err := os.Create(logPath)
	if err != nil {
		return false, fmt.Sprintf("portals compared empty: %v", err)
	}
	defer out.Close()
	start := time.Now()
	for _, slug := range []string{first, last} {
		args := []string{"seed", "-portals", slug,
			"-people", strconv.Itoa(sz.People), "-posts", strconv.Itoa(sz.Posts), "-events", strconv.Itoa(sz.Events),
			"-conversations", strconv.Itoa(sz.Conversations), "-reports", strconv.Itoa(sz.Reports)}
		cmd := exec.CommandContext(ctx, r.o.Bin, args...)
		cmd.Env = append(os.Environ(), r.o.env(r.dbname, r.tenantsDir, "ENTRAIDE_DEV=true")...)
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return false, fmt.Sprintf("portals compared empty: `entraide seed` failed on %s (%v, see %s)", slug, err, logPath)
		}
	}
	return true, fmt.Sprintf("%s and %s each seeded with the same %d people, %d posts, %d events, %d conversations and %d reports in %.1f s",
		first, last, sz.People, sz.Posts, sz.Events, sz.Conversations, sz.Reports, time.Since(start).Seconds())
}

// startRuns is how many times the production start is timed; the median
// is kept. The start with migrate_on_start, slower and not a target, is
// timed once.
const startRuns = 3

// startsAndRanks starts the server as production does (migrations run
// before, by `entraide migrate`) a few times, and on the last start
// measures its memory once its start-up jobs are done and every portal
// has served a page, then compares portal #1 and #N. Then it times starts
// with migrate_on_start, which runs the migrator on every portal first.
func (r scaleRun) startsAndRanks(ctx context.Context, s *Scale, first, last string) error {
	// The page cache is off for these starts: portal #N against #1 is
	// about what reaching a portal's schema costs, and stored pages would
	// answer for both. Its memory is bounded apart (page_cache_mb).
	st, p, err := r.timedStarts(ctx, startRuns, "serve-scale", "ENTRAIDE_MIGRATE_ON_START=false", "ENTRAIDE_PAGE_CACHE_TTL=0")
	if err != nil {
		return err
	}
	err = r.loadedAndRanks(ctx, s, &st, p, first, last)
	p.Stop()
	s.Starts = append(s.Starts, st)
	if err != nil {
		return err
	}
	st2, p2, err := r.timedStarts(ctx, 1, "serve-scale-migrate", "ENTRAIDE_MIGRATE_ON_START=true")
	if err != nil {
		return err
	}
	p2.Stop()
	st2.MigrateOnStart = true
	s.Starts = append(s.Starts, st2)
	return nil
}

// timedStarts starts the server runs times, stopping all but the last,
// which it returns running.
func (r scaleRun) timedStarts(ctx context.Context, runs int, logName string, more ...string) (StartFigure, *Process, error) {
	st := StartFigure{Portals: len(r.portals)}
	var cpus, rss []float64
	var p *Process
	for i := range runs {
		var err error
		p, err = r.start(ctx, fmt.Sprintf("%s-%d.log", logName, i+1), more...)
		if err != nil {
			return st, nil, err
		}
		cpu, err1 := processCPU(p.Pid())
		mb, err2 := rssMB(p)
		if err := errors.Join(err1, err2); err != nil {
			p.Stop()
			return st, nil, err
		}
		st.AllSeconds = append(st.AllSeconds, p.Started.Seconds())
		cpus, rss = append(cpus, cpu), append(rss, mb)
		r.o.logf("scale: started with %d portals (%s) in %.2f s, %.2f s of CPU, %.0f MB", st.Portals, strings.Join(more, " "), p.Started.Seconds(), cpu, mb)
		if i < runs-1 {
			p.Stop()
		}
	}
	st.Seconds, st.CPUSeconds, st.RSSMB = median(st.AllSeconds), median(cpus), median(rss)
	return st, p, nil
}

// loadedAndRanks waits for p's start-up jobs, has every portal serve its
// home page, records the memory, then compares portal #1 and #N.
func (r scaleRun) loadedAndRanks(ctx context.Context, s *Scale, st *StartFigure, p *Process, first, last string) error {
	conn, err := pgx.Connect(ctx, r.o.DatabaseURL(r.dbname))
	if err != nil {
		return fmt.Errorf("bench: connect to follow the job queue: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	answered := time.Now()
	began := answered.Add(-p.Started - time.Second)
	if st.StartupJobs, st.JobsSeconds, err = waitStartupJobs(ctx, conn, began, answered); err != nil {
		return err
	}
	r.o.logf("scale: %d start-up jobs done %.1f s after /healthz answered", st.StartupJobs, st.JobsSeconds)
	client := NewClient(p.Addr, r.o.Concurrency)
	defer client.Close()
	if err := r.touchAll(ctx, client); err != nil {
		return err
	}
	if st.RSSLoadedMB, err = rssMB(p); err != nil {
		return err
	}
	r.o.logf("scale: every portal served its home page: %.0f MB", st.RSSLoadedMB)

	for _, page := range rankPages {
		fig, err := r.compare(ctx, client, page.name, page.path, first, last)
		if err != nil {
			return err
		}
		r.o.logf("scale: %s %s %.0f req/s, %s %.0f req/s, ratio %.3f", page.name, first, fig.First.RPS, last, fig.Last.RPS, fig.Ratio)
		s.Ranks = append(s.Ranks, fig)
	}
	return nil
}

// waitStartupJobs waits until the job queue has nothing left to run, up
// to two minutes: at start the server runs each portal's periodic jobs
// once, a thousand portals' worth, through the same connections as the
// pages. It returns how many jobs were queued since the server was started
// (at began) and how long after it answered (at answered) they were done.
func waitStartupJobs(ctx context.Context, conn *pgx.Conn, began, answered time.Time) (int, float64, error) {
	const pending = `SELECT count(*) FILTER (WHERE state IN ('available', 'running', 'pending', 'retryable')),
       count(*) FILTER (WHERE created_at >= $1)
FROM entraide.river_job`
	deadline := answered.Add(2 * time.Minute)
	// The queue's leader is elected a moment after start, later when the
	// previous server's leadership has yet to lapse; until it has queued
	// the periodic jobs (every portal has some), an empty queue means
	// nothing.
	if wait := time.Until(answered.Add(3 * time.Second)); wait > 0 {
		time.Sleep(wait)
	}
	for {
		var left, queued int
		if err := conn.QueryRow(ctx, pending, began).Scan(&left, &queued); err != nil {
			return 0, 0, fmt.Errorf("bench: read the job queue: %w", err)
		}
		if (queued > 0 && left == 0) || time.Now().After(deadline) {
			return queued, time.Since(answered).Seconds(), nil
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (r scaleRun) start(ctx context.Context, logName string, more ...string) (*Process, error) {
	return Start(ctx, r.o.Bin, []string{"serve"}, r.o.env(r.dbname, r.tenantsDir, more...),
		filepath.Join(r.o.WorkDir, logName), 2*time.Minute)
}

// touchAll asks every portal for its home page once.
func (r scaleRun) touchAll(ctx context.Context, client *Client) error {
	var next atomic.Int64
	errs := make([]error, r.o.Concurrency)
	var wg sync.WaitGroup
	for w := range r.o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := client.HTTP()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(r.portals) || ctx.Err() != nil {
					return
				}
				if _, err := Get(ctx, hc, "http://"+r.portals[i].Host+"/", 200); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(append(errs, ctx.Err())...)
}

// rankRounds is how many times each portal's page is timed. Short runs,
// many times, in the order ABBA BAAB…, so that the load of a shared
// machine, which comes and goes, weighs on both portals alike.
const rankRounds = 8

// compare measures page on portals first and last in alternating timed
// runs of r.o.Duration each.
func (r scaleRun) compare(ctx context.Context, client *Client, name, path, first, last string) (RankFigure, error) {
	scenario := func(slug string) Scenario {
		url := "http://" + slug + ".localhost" + path
		return Scenario{Name: name + " " + slug, New: func(ctx context.Context, _ int) (Worker, error) {
			hc := client.HTTP()
			return func(ctx context.Context) error {
				_, err := Get(ctx, hc, url, 200)
				return err
			}, nil
		}}
	}
	samples := map[string][]Sample{}
	for round := range rankRounds {
		order := []string{first, last}
		if round%4 == 1 || round%4 == 2 {
			order = []string{last, first}
		}
		for _, slug := range order {
			sm, err := Run(ctx, scenario(slug), r.o.Concurrency, 200*time.Millisecond, r.o.Duration)
			if err != nil {
				return RankFigure{}, err
			}
			samples[slug] = append(samples[slug], sm)
		}
	}
	f := RankFigure{Page: name, Path: path,
		First: Summarize(name+" "+first, r.o.Concurrency, samples[first]),
		Last:  Summarize(name+" "+last, r.o.Concurrency, samples[last])}
	if f.First.RPS > 0 {
		f.Ratio = f.Last.RPS / f.First.RPS
	}
	return f, nil
}

// connMemory starts the server with db_max_conn_schemas = maxSchemas, lets
// its start-up jobs finish, then has one client ask every portal, in turn,
// for its home and list pages, sampling the private memory of the pool's
// PostgreSQL backends at each checkpoint. One request at a time goes to
// the connection the pool handed back last, so one connection serves
// nearly every portal: the growth per schema is that connection's. (It had
// already run some portals' start-up jobs, whose tables it need not open
// again, so the figure errs low.)
func (r scaleRun) connMemory(ctx context.Context, maxSchemas int) (ConnMemoryRun, error) {
	run := ConnMemoryRun{MaxConnSchemas: maxSchemas}
	p, err := r.start(ctx, fmt.Sprintf("serve-connmem-%d.log", maxSchemas),
		"ENTRAIDE_MIGRATE_ON_START=false", "ENTRAIDE_DB_MAX_CONN_SCHEMAS="+strconv.Itoa(maxSchemas))
	if err != nil {
		return run, err
	}
	defer p.Stop()
	conn, err := pgx.Connect(ctx, r.o.DatabaseURL(r.dbname))
	if err != nil {
		return run, fmt.Errorf("bench: connect to sample backends: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// The start-up jobs go through the same pool; they are let finish so
	// that what grows afterwards is the pages' doing.
	answered := time.Now()
	if _, _, err := waitStartupJobs(ctx, conn, answered.Add(-p.Started-time.Second), answered); err != nil {
		return run, err
	}
	client := NewClient(p.Addr, 1)
	defer client.Close()
	hc := client.HTTP()
	seen := map[int]bool{}
	served := 0
	for _, cp := range memoryCheckpoints {
		cp = min(cp, len(r.portals))
		for ; served < cp; served++ {
			for _, page := range rankPages {
				if _, err := Get(ctx, hc, "http://"+r.portals[served].Host+page.path, 200); err != nil {
					return run, err
				}
			}
		}
		pt, pids, err := samplePool(ctx, conn, r.dbname)
		if err != nil {
			return run, err
		}
		pt.Schemas = served
		for _, pid := range pids {
			seen[pid] = true
		}
		run.Points = append(run.Points, pt)
		run.MaxMB = max(run.MaxMB, pt.LargestMB)
		if served == len(r.portals) {
			break
		}
	}
	run.Backends = len(seen)
	if n := len(run.Points); n > 1 {
		a, b := run.Points[0], run.Points[n-1]
		run.KBPerSchema = (b.LargestMB - a.LargestMB) * 1024 / float64(b.Schemas-a.Schemas)
	}
	r.o.logf("scale: db_max_conn_schemas=%d: largest connection %.1f MB, %.0f KB per schema, %d connections seen",
		maxSchemas, run.MaxMB, run.KBPerSchema, run.Backends)
	return run, nil
}

// samplePool reads the private memory of the server's portal pool's
// backends (application_name "entraide"; the job queue's pool names itself
// apart) from /proc: the benchmark runs on the database's machine.
func samplePool(ctx context.Context, conn *pgx.Conn, dbname string) (ConnMemoryPoint, []int, error) {
	var pt ConnMemoryPoint
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'entraide'`, dbname)
	if err != nil {
		return pt, nil, fmt.Errorf("bench: list the server's backends: %w", err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return pt, nil, fmt.Errorf("bench: list the server's backends: %w", err)
	}
	for _, pid := range pids {
		anon, err := ProcStatus(pid, "RssAnon")
		if err != nil {
			// The backend may have ended between the query and now
			// (recycled); a backend we cannot read at all is an error.
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return pt, nil, fmt.Errorf("bench: memory of PostgreSQL backend %d (the benchmark must run on the database's machine): %w", pid, err)
		}
		mb := float64(anon) / (1 << 20)
		pt.Backends++
		pt.TotalMB += mb
		pt.LargestMB = max(pt.LargestMB, mb)
	}
	return pt, pids, nil
}

// median is the middle value (the mean of the two middle ones for an even
// count); 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func rssMB(p *Process) (float64, error) {
	rss, err := p.RSS()
	return float64(rss) / (1 << 20), err
}

// checkTargets compares the figures with issue #8's targets for a 2-core
// machine.
func (s Scale) checkTargets() []TargetCheck {
	var out []TargetCheck
	for _, m := range s.Migrations {
		if m.Generated >= 1000 {
			out = append(out, TargetCheck{What: fmt.Sprintf("migrate %d portals from empty", m.Portals), Target: "under 2 min",
				Got: fmt.Sprintf("%.0f s", m.Seconds), Met: m.Seconds < 120})
		}
	}
	if s.Generated < 1000 {
		return out
	}
	for _, st := range s.Starts {
		if st.MigrateOnStart {
			continue
		}
		out = append(out,
			TargetCheck{What: fmt.Sprintf("start with %d portals", st.Portals), Target: "under 3 s",
				Got: fmt.Sprintf("%.2f s", st.Seconds), Met: st.Seconds < 3},
			TargetCheck{What: fmt.Sprintf("resident memory with %d portals, every one served", st.Portals), Target: "under 300 MB",
				Got: fmt.Sprintf("%.0f MB", max(st.RSSMB, st.RSSLoadedMB)), Met: max(st.RSSMB, st.RSSLoadedMB) < 300})
	}
	for _, r := range s.Ranks {
		out = append(out, TargetCheck{What: fmt.Sprintf("%s page, portal #%d versus #1", r.Page, s.Generated), Target: "ratio at least 0.95",
			Got: fmt.Sprintf("%.3f", r.Ratio), Met: r.Ratio >= 0.95})
	}
	return out
}

// Markdown writes the figures as a section of the results, in plain words.
func (s Scale) Markdown(w io.Writer) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## Scale: %d portals on one deployment\n\n", s.Portals)
	p("Load average before and after (the machine may be shared): %s / %s. The whole run took %.0f s.\n\n", s.LoadBefore, s.LoadAfter, s.Seconds)

	if len(s.Targets) > 0 {
		p("| target | wanted | measured | |\n|---|---|---|---|\n")
		for _, t := range s.Targets {
			verdict := "met"
			if !t.Met {
				verdict = "**missed**"
			}
			p("| %s | %s | %s | %s |\n", t.What, t.Target, t.Got, verdict)
		}
		p("\n")
	}

	p("### Migrating from an empty database\n\n")
	p("`entraide migrate -create-database` on a new database: the platform schema, the job queue's tables, then every portal's schema (all its migrations, one transaction each) and its categories, at most *concurrency* portals at once. Portals are the demo portals plus generated ones. CPU is the migrate process's and that of the PostgreSQL backends serving the database.\n\n")
	p("| portals | concurrency | time | migrate CPU | PostgreSQL CPU |\n|---|---|---|---|---|\n")
	for _, m := range s.Migrations {
		p("| %d (%d generated) | %d | %.1f s | %.1f s | %s |\n", m.Portals, m.Generated, m.Concurrency, m.Seconds, m.MigrateCPU, cpuOrDash(m.PostgresCPU))
	}
	p("\n")

	p("### Starting and memory\n\n")
	p("Time from starting `entraide serve` to the first answer on `/healthz` (the median of %d starts; one with `migrate_on_start`), the server's CPU time by then, and its resident memory (VmRSS) then and once its start-up jobs are done and every portal has served its home page. With `migrate_on_start: false` (production: `entraide migrate` runs before) the server only checks that every schema is at its version; with `true` it also runs the migrator, which has nothing to apply but still visits every portal. At start the job queue runs each portal's periodic jobs once. The page cache is off here (`page_cache_ttl: 0`): every page is drawn from its portal's schema; in production it adds at most `page_cache_mb` (64 MB).\n\n", startRuns)
	p("| portals | migrate_on_start | start (each) | CPU by then | memory once started | start-up jobs | memory once every portal served |\n|---|---|---|---|---|---|---|\n")
	for _, st := range s.Starts {
		each := make([]string, len(st.AllSeconds))
		for i, x := range st.AllSeconds {
			each[i] = fmt.Sprintf("%.2f", x)
		}
		jobs, loaded := "–", "–"
		if st.StartupJobs > 0 {
			jobs = fmt.Sprintf("%d, done %.0f s after start", st.StartupJobs, st.JobsSeconds)
		}
		if st.RSSLoadedMB > 0 {
			loaded = fmt.Sprintf("%.0f MB", st.RSSLoadedMB)
		}
		p("| %d | %t | %.2f s (%s) | %.2f s | %.0f MB | %s | %s |\n", st.Portals, st.MigrateOnStart, st.Seconds, strings.Join(each, ", "),
			st.CPUSeconds, st.RSSMB, jobs, loaded)
	}
	p("\n")

	p("### Portal #1 versus portal #%d\n\n", s.Generated)
	if s.Seeded {
		p("Both hold the same content: %s. ", s.SeedNote)
	} else {
		p("Both are empty (%s). ", s.SeedNote)
	}
	p("Each page was measured in %d short timed runs per portal, alternating (ABBA), at the same concurrency; the ratio is the last portal's rate over the first's. The page cache is off, so that every request reads its portal's schema.\n\n", rankRounds)
	p("| page | #1 req/s | #%d req/s | ratio | #1 p50 / p99 | #%d p50 / p99 | errors |\n|---|---|---|---|---|---|---|\n", s.Generated, s.Generated)
	for _, r := range s.Ranks {
		p("| %s (`%s`) | %.0f | %.0f | %.3f | %.1f / %.1f ms | %.1f / %.1f ms | %d |\n", r.Page, r.Path, r.First.RPS, r.Last.RPS, r.Ratio,
			r.First.P50ms, r.First.P99ms, r.Last.P50ms, r.Last.P99ms, r.First.Errors+r.Last.Errors)
	}
	p("\n")

	p("### Memory of the database connections\n\n")
	p("PostgreSQL keeps a cache entry for every table, index and type a connection opens, once per schema, for the connection's life. Once the server's start-up jobs were done (they had already gone through the pool's connections, every portal's), one client asked every portal in turn for its home and list pages; after each number of portals served, the private memory (RssAnon) of the server's pool connections was read from /proc. With `db_max_conn_schemas` the pool closes a connection once it has served that many portals.\n\n")
	p("| portals served |")
	for _, run := range s.ConnMemory {
		p(" %s: connections, largest, total |", recyclingLabel(run.MaxConnSchemas))
	}
	p("\n|---|")
	for range s.ConnMemory {
		p("---|")
	}
	p("\n")
	if len(s.ConnMemory) > 0 {
		for i := range s.ConnMemory[0].Points {
			p("| %d |", s.ConnMemory[0].Points[i].Schemas)
			for _, run := range s.ConnMemory {
				if i < len(run.Points) {
					pt := run.Points[i]
					p(" %d, %.1f MB, %.1f MB |", pt.Backends, pt.LargestMB, pt.TotalMB)
				} else {
					p(" – |")
				}
			}
			p("\n")
		}
	}
	p("\n")
	for _, run := range s.ConnMemory {
		if run.MaxConnSchemas == 0 {
			p("- %s: a connection grows by about %.0f KB per portal it serves, without bound: the largest reached %.1f MB.\n",
				recyclingLabel(run.MaxConnSchemas), run.KBPerSchema, run.MaxMB)
		} else {
			p("- %s: no connection went over %.1f MB (%d connections seen at the samples).\n",
				recyclingLabel(run.MaxConnSchemas), run.MaxMB, run.Backends)
		}
	}
	for _, n := range s.Notes {
		p("- %s\n", n)
	}
	p("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func recyclingLabel(k int) string {
	if k == 0 {
		return "recycling off"
	}
	return fmt.Sprintf("db_max_conn_schemas %d", k)
}

func cpuOrDash(sec float64) string {
	if sec <= 0 {
		return "not measured"
	}
	return fmt.Sprintf("%.1f s", sec)
}

// envValue is the last value of key in env ("KEY=value" entries).
func envValue(env []string, key string) string {
	v := ""
	for _, kv := range env {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// dropDatabase drops the database at url if it exists, and only a
// benchmark's own.
func dropDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("bench: parse database URL: %w", err)
	}
	if !strings.HasPrefix(cfg.Database, "entraide_bench_") {
		return fmt.Errorf("bench: refusing to drop %q: the benchmark drops only entraide_bench_* databases", cfg.Database)
	}
	return db.DropDatabase(ctx, url)
}
