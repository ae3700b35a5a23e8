// Command entraide-bench measures how fast and how far one deployment goes
// (`make bench`). It seeds its own database through the real services,
// starts the real server and two floors in their own processes, drives
// them over loopback at fixed concurrency, runs the scale measurements and
// the micro-benchmarks, and writes build/bench/results.{md,json}.
//
//	entraide-bench [-tenants 100] [-posts 10000] ...   the whole benchmark
//	entraide-bench floor ...                           a floor server (started by the benchmark)
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/entraide/entraide/internal/bench"
	"github.com/entraide/entraide/internal/db"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// options are the benchmark's flags.
type options struct {
	tenants, people, posts, events, conversations, searchPosts int
	concurrency                                                []int
	rounds                                                     int
	duration, warmup                                           time.Duration
	out, bin, pgURL, redisURL                                  string
	// before is an earlier server binary measured in the same run, page
	// by page in alternation with bin, for before/after figures.
	before                                string
	reseed, skipScale, skipMicro, profile bool
	pprofAddr                             string
	// only, when set, keeps the pages whose name it matches (and the
	// floors): for working on one page without measuring them all.
	only *regexp.Regexp
	// dbMaxConns is the pool size of the server and of the database
	// floor alike, so that the ratio between them stays fair.
	dbMaxConns int
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		if err := floorCmd(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "entraide-bench floor:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "entraide-bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("entraide-bench", flag.ContinueOnError)
	fs.IntVar(&o.tenants, "tenants", 100, "generated portals, besides the 3 demo ones (1000 for the large run)")
	fs.IntVar(&o.people, "people", 2000, "people per portal")
	fs.IntVar(&o.posts, "posts", 10000, "help posts per portal")
	fs.IntVar(&o.searchPosts, "search-posts", 100000, "help posts of the portal the search is measured on (tousvoisins44)")
	fs.IntVar(&o.events, "events", 300, "events per portal")
	fs.IntVar(&o.conversations, "conversations", 1000, "conversations per portal (three messages each)")
	conc := fs.String("concurrency", "1,8,32", "concurrent clients, comma-separated levels")
	fs.IntVar(&o.rounds, "rounds", 3, "runs of each scenario at each level, alternating with the others")
	fs.DurationVar(&o.duration, "duration", 4*time.Second, "measured time of one run")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured time before each run")
	fs.StringVar(&o.out, "out", "build/bench", "where the results and the generated portal files go")
	fs.StringVar(&o.bin, "bin", "bin/entraide", "the server binary")
	fs.StringVar(&o.before, "before", "", "an earlier server binary to measure in the same run, page by page in alternation (before/after figures); it must expect the same migrations")
	fs.StringVar(&o.pgURL, "database-url", envOr("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "a URL of the PostgreSQL server (its database name is replaced)")
	fs.StringVar(&o.redisURL, "redis-url", envOr("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis")
	fs.BoolVar(&o.reseed, "reseed", false, "seed a new database even if the last run's matches")
	fs.BoolVar(&o.skipScale, "skip-scale", false, "skip the scale figures (1,000 portals)")
	fs.BoolVar(&o.skipMicro, "skip-micro", false, "skip the micro-benchmarks")
	fs.BoolVar(&o.profile, "profile", false, "save a CPU profile of the server during each page's first run at the top level, in build/bench/profiles/")
	fs.IntVar(&o.dbMaxConns, "db-max-conns", 16, "PostgreSQL connections of the server (db_max_conns) and of the database floor alike")
	only := fs.String("only", "", "measure only the pages whose name matches this regular expression (the floors always run)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if *only != "" {
		re, err := regexp.Compile(*only)
		if err != nil {
			return o, fmt.Errorf("-only: %w", err)
		}
		o.only = re
	}
	if o.dbMaxConns < 2 {
		return o, fmt.Errorf("-db-max-conns: %d; the server needs at least 2 connections", o.dbMaxConns)
	}
	if o.tenants < 3 {
		// One generated portal is read, another written to, a third
		// given the mixed traffic (findTarget).
		return o, fmt.Errorf("-tenants: %d; the bench needs at least 3 generated portals", o.tenants)
	}
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-concurrency: %q is not a number of clients", s)
		}
		o.concurrency = append(o.concurrency, n)
	}
	return o, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	logf := func(format string, a ...any) { fmt.Fprintf(os.Stderr, "bench: "+format+"\n", a...) }
	report := &bench.Report{Date: time.Now().Format("2006-01-02 15:04"), Machine: bench.ReadMachine(),
		Settings: bench.Settings{Portals: o.tenants + 3, People: o.people, Posts: o.posts, SearchPosts: o.searchPosts,
			Events: o.events, Conversations: o.conversations, Concurrency: o.concurrency, Rounds: o.rounds,
			Seconds: o.duration.Seconds()}}

	// The portals and their database, seeded once per set of parameters.
	portals, err := bench.WritePortals("tenants", filepath.Join(o.out, "tenants"), o.tenants)
	if err != nil {
		return err
	}
	dbName := fmt.Sprintf("entraide_bench_%d", o.tenants)
	dbURL, err := withDatabase(o.pgURL, dbName)
	if err != nil {
		return err
	}
	if err := prepareDatabase(ctx, o, dbURL, portals, logf); err != nil {
		return err
	}

	if !o.skipMicro {
		// First, on a quiet machine: the servers are not started yet.
		logf("micro-benchmarks")
		report.Micro, err = bench.RunMicro(ctx, "go", ".", testEnv(o), os.Stderr)
		if err != nil {
			return err
		}
	}

	secret := make([]byte, 24)
	rand.Read(secret)
	serverEnv := []string{"DATABASE_URL=" + dbURL, "REDIS_URL=" + o.redisURL,
		"ENTRAIDE_TENANTS_DIR=" + filepath.Join(o.out, "tenants"), "ENTRAIDE_SECRET_KEY=" + hex.EncodeToString(secret),
		// Every request comes from 127.0.0.1: the per-address limit would
		// answer 429 to the load generator. The limiter still runs.
		"ENTRAIDE_RATE_LIMIT_PER_MINUTE=1000000000",
		"ENTRAIDE_MIGRATE_ON_START=false", "ENTRAIDE_LOG_LEVEL=warn", "ENTRAIDE_PUBLIC_SCHEME=http",
		"ENTRAIDE_OUTBOX_DIR=" + filepath.Join(o.out, "outbox"), "ENTRAIDE_DEV=false",
		"ENTRAIDE_DB_MAX_CONNS=" + strconv.Itoa(o.dbMaxConns)}
	if o.profile {
		if o.pprofAddr, err = bench.FreeAddr(); err != nil {
			return err
		}
		serverEnv = append(serverEnv, "ENTRAIDE_PPROF_ADDR="+o.pprofAddr)
	}
	report.Settings.Notes = append(report.Settings.Notes,
		"The server runs as in production (no dev mode, Redis for sessions and limits, log level warn: no access log line per request); the per-address rate limit is raised so that the load generator, all on 127.0.0.1, is not refused; the limiter still counts every request in Redis.",
		"Emails of the POST scenario go to the outbox directory (no SMTP server here), through the job queue as in production.",
		fmt.Sprintf("The server and the database floor each have at most %d PostgreSQL connections (-db-max-conns, the server's db_max_conns).", o.dbMaxConns),
		fmt.Sprintf("At %d clients, each page's floor runs again right beside it in every round (before it, then after it), and its floor figure and ratio are those runs': the machine's speed changes from minute to minute. The floors' own rows are their runs in the round's order.", slices.Max(o.concurrency)))

	server, err := bench.Start(ctx, o.bin, []string{"serve"}, serverEnv, filepath.Join(o.out, "server.log"), time.Minute)
	if err != nil {
		return err
	}
	defer server.Stop()
	logf("server up on %s in %s", server.Addr, server.Started.Round(time.Millisecond))

	t, err := findTarget(ctx, dbURL, portals)
	if err != nil {
		return err
	}
	client := bench.NewClient(server.Addr, 64)
	defer client.Close()

	// The static floor serves the list page as the real server renders it.
	listPage, err := bench.Get(ctx, client.HTTP(), "http://"+t.portal+"/annonces?categorie="+t.category+"&territoire="+t.epci, 200)
	if err != nil {
		return err
	}
	pagePath := filepath.Join(o.out, "floor-page.html")
	if err := os.WriteFile(pagePath, listPage, 0o644); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	floor, err := bench.Start(ctx, self, []string{"floor", "-database-url", dbURL, "-page", pagePath,
		"-schemas", "tenant_" + slugOf(t.portal) + ",tenant_" + slugOf(t.searched) + ",tenant_" + slugOf(t.writer), "-max-conns", strconv.Itoa(o.dbMaxConns)}, nil, filepath.Join(o.out, "floor.log"), time.Minute)
	if err != nil {
		return err
	}
	defer floor.Stop()

	list := scenarios(client, floor.Addr, t)
	servedBy(list, floor.Pid(), server.Pid())
	stopEarlier := func() {}
	if o.before != "" {
		// The earlier binary, with the same settings but no profiler, on
		// the same database and Redis; its pages run in the same rounds.
		env := slices.DeleteFunc(slices.Clone(serverEnv), func(e string) bool { return strings.HasPrefix(e, "ENTRAIDE_PPROF_ADDR=") })
		earlier, err := bench.Start(ctx, o.before, []string{"serve"}, env, filepath.Join(o.out, "server-before.log"), time.Minute)
		if err != nil {
			return fmt.Errorf("-before: %w", err)
		}
		defer earlier.Stop()
		stopEarlier = earlier.Stop
		bc := bench.NewClient(earlier.Addr, 64)
		defer bc.Close()
		before := scenarios(bc, floor.Addr, t)
		servedBy(before, floor.Pid(), earlier.Pid())
		for _, m := range before {
			if m.floor != "" {
				m.Name += beforeSuffix
				list = append(list, m)
			}
		}
		report.Settings.Notes = append(report.Settings.Notes, fmt.Sprintf(
			"Pages marked %q were served by an earlier binary (%s), measured in the same rounds as the others (-before).", beforeSuffix, o.before))
	}
	if o.only != nil {
		list = slices.DeleteFunc(list, func(m measured) bool { return m.floor != "" && !o.only.MatchString(m.Name) })
		report.Settings.Notes = append(report.Settings.Notes, fmt.Sprintf("Only the pages matching %q were measured (-only).", o.only))
	}
	meter := bench.StartCPUMeter(dbName)
	report.Pages, err = measure(ctx, o, list, meter, logf)
	meter.Stop()
	if err != nil {
		return err
	}
	rss, _ := server.RSS()
	report.Settings.Notes = append(report.Settings.Notes, fmt.Sprintf("The server's resident memory after the page runs: %d MB (%d portals).", rss>>20, len(portals)))
	floor.Stop()
	server.Stop()
	stopEarlier()

	if !o.skipScale {
		logf("scale figures")
		s, err := bench.RunScale(ctx, bench.ScaleOptions{Bin: o.bin, TenantsSrc: "tenants", WorkDir: filepath.Join(o.out, "scale"),
			DatabaseURL: func(name string) string { u, _ := withDatabase(o.pgURL, name); return u },
			Env: []string{"REDIS_URL=" + o.redisURL, "ENTRAIDE_SECRET_KEY=" + hex.EncodeToString(secret),
				"ENTRAIDE_RATE_LIMIT_PER_MINUTE=1000000000", "ENTRAIDE_LOG_LEVEL=warn", "ENTRAIDE_PUBLIC_SCHEME=http",
				"ENTRAIDE_OUTBOX_DIR=" + filepath.Join(o.out, "scale", "outbox")},
			Sizes: []int{100, 1000}, Concurrency: 8, Log: os.Stderr})
		if err != nil {
			return err
		}
		report.Scale = &s
	}
	report.Machine.PostgreSQL, report.Machine.Redis = versions(ctx, dbURL, o.redisURL)
	if conn, err := pgx.Connect(ctx, dbURL); err == nil {
		var buffers string
		if conn.QueryRow(ctx, "SHOW shared_buffers").Scan(&buffers) == nil {
			report.Settings.Notes = append(report.Settings.Notes, fmt.Sprintf(
				"PostgreSQL runs as installed (shared_buffers %s): the seeded portals do not fit in its buffers, and pages read from the system's file cache.", buffers))
		}
		conn.Close(ctx)
	}
	report.Checks = checks(report)
	if err := report.Write(o.out); err != nil {
		return err
	}
	logf("results in %s", filepath.Join(o.out, "results.md"))
	return nil
}

// measure runs every scenario at every concurrency, rounds times, each
// round in another order, and summarizes them with their floors.
//
// At the top level, where the targets are read, each page's floor runs
// again right beside it (before it in even rounds, after it in odd ones),
// and the page's ratio is to those runs: the machine's speed changes from
// minute to minute, and a floor measured minutes away from its page gave
// ratios that moved by 0.1 from one run to the next. The floors' own rows
// keep their runs in the round's order.
func measure(ctx context.Context, o options, list []measured, meter *bench.CPUMeter, logf func(string, ...any)) ([]bench.Page, error) {
	type key struct {
		name string
		conc int
	}
	samples := map[key][]bench.Sample{}
	// besideKey holds a page's floor runs made right beside it.
	besideKey := func(m measured, conc int) key { return key{m.floor + " @ " + m.Name, conc} }
	floors := map[string]measured{}
	for _, m := range list {
		if m.floor == "" {
			floors[m.Name] = m
		}
	}
	top := slices.Max(o.concurrency)
	run := func(m measured, round, conc int, profile bool) (bench.Sample, error) {
		var profiled chan error
		if profile {
			profiled = make(chan error, 1)
			go func() { profiled <- saveProfile(ctx, o, m.Name) }()
		}
		started := time.Now()
		process0, postgres0, cpuErr := meter.Read(m.pid)
		s, err := bench.Run(ctx, m.Scenario, conc, o.warmup, o.duration)
		if err == nil && cpuErr == nil {
			cpuErr = s.CountCPU(meter, m.pid, process0, postgres0, time.Since(started))
		}
		if err == nil && cpuErr != nil {
			return s, fmt.Errorf("%s: CPU time: %w", m.Name, cpuErr)
		}
		if profiled != nil {
			if perr := <-profiled; perr != nil {
				return s, perr
			}
		}
		if err != nil {
			return s, err
		}
		logf("round %d, %2d clients: %-45s %7.0f req/s, p99 %6.2f ms, %d errors, CPU ms/req %.2f + PostgreSQL %.2f", round+1, conc, m.Name,
			float64(s.Requests)/s.Elapsed.Seconds(), msOf(s), s.Errors,
			1000*s.ProcessCPU/float64(s.Requests), 1000*s.PostgresCPU/float64(s.Requests))
		return s, nil
	}
	beside := func(m measured, round, conc int) error {
		f, ok := floors[m.floor]
		if !ok || conc != top {
			return nil
		}
		s, err := run(f, round, conc, false)
		samples[besideKey(m, conc)] = append(samples[besideKey(m, conc)], s)
		return err
	}
	for round := range o.rounds {
		for _, conc := range o.concurrency {
			order := slices.Clone(list)
			// Rotate, and reverse every other round: no scenario always
			// follows the same one.
			k := (round * 3) % len(order)
			order = append(order[k:], order[:k]...)
			if round%2 == 1 {
				slices.Reverse(order)
			}
			for _, m := range order {
				if round%2 == 0 {
					if err := beside(m, round, conc); err != nil {
						return nil, err
					}
				}
				s, err := run(m, round, conc, o.profile && round == 0 && conc == top && m.floor != "")
				if err != nil {
					return nil, err
				}
				samples[key{m.Name, conc}] = append(samples[key{m.Name, conc}], s)
				if round%2 == 1 {
					if err := beside(m, round, conc); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	var pages []bench.Page
	for _, conc := range o.concurrency {
		for _, m := range list {
			p := bench.Page{Figures: bench.Summarize(m.Name, conc, samples[key{m.Name, conc}])}
			if m.floor != "" {
				floorRuns := samples[besideKey(m, conc)]
				if len(floorRuns) == 0 {
					floorRuns = samples[key{m.floor, conc}]
				}
				f := bench.Summarize(m.floor, conc, floorRuns)
				p.Floor, p.FloorRPS = m.floor, f.RPS
				if f.RPS > 0 {
					p.Ratio = p.RPS / f.RPS
				}
				p.RoundRatios = roundRatios(samples[key{m.Name, conc}], samples[besideKey(m, conc)])
			}
			pages = append(pages, p)
		}
	}
	return pages, nil
}

// roundRatios are each round's page figure over the floor run beside it in
// the same round; none when the floor did not run beside the page.
func roundRatios(page, beside []bench.Sample) []float64 {
	if len(beside) != len(page) {
		return nil
	}
	var out []float64
	for i, s := range page {
		f := beside[i]
		if s.Elapsed <= 0 || f.Elapsed <= 0 || f.Requests == 0 {
			return nil
		}
		out = append(out, (float64(s.Requests)/s.Elapsed.Seconds())/(float64(f.Requests)/f.Elapsed.Seconds()))
	}
	return out
}

// saveProfile records the server's CPU for the measured part of a run.
func saveProfile(ctx context.Context, o options, name string) error {
	select {
	case <-time.After(o.warmup):
	case <-ctx.Done():
		return ctx.Err()
	}
	secs := max(1, int(o.duration.Seconds()))
	hc := &http.Client{Timeout: time.Duration(secs+10) * time.Second}
	body, err := bench.Get(ctx, hc, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", o.pprofAddr, secs), http.StatusOK)
	if err != nil {
		return fmt.Errorf("profile of %s: %w", name, err)
	}
	dir := filepath.Join(o.out, "profiles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	file := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, name)
	return os.WriteFile(filepath.Join(dir, file+".pprof"), body, 0o644)
}

func msOf(s bench.Sample) float64 {
	return bench.Summarize("", 0, []bench.Sample{s}).P99ms
}

func slugOf(host string) string { return strings.TrimSuffix(host, ".localhost") }

// withDatabase replaces the database name of a PostgreSQL URL.
func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("database URL %q: want postgres://…", raw)
	}
	u.Path = "/" + name
	if u.RawQuery == "" {
		u.RawQuery = "sslmode=disable"
	}
	return u.String(), nil
}

// seedManifest records what the bench database was seeded with; a run with
// the same parameters reuses it, migrated to the latest schema (seeding 100
// portals takes a quarter of an hour or more).
type seedManifest struct {
	Version       int `json:"version"`
	Tenants       int `json:"tenants"`
	People        int `json:"people"`
	Posts         int `json:"posts"`
	SearchPosts   int `json:"search_posts"`
	Events        int `json:"events"`
	Conversations int `json:"conversations"`
}

// beforeSuffix marks the pages of the -before binary.
const beforeSuffix = " [avant]"

// searchedSlug is the demo portal with the most posts, where the search is
// measured.
const searchedSlug = "tousvoisins44"

// seedVersion changes when what seed makes changes.
const seedVersion = 1

func prepareDatabase(ctx context.Context, o options, dbURL string, portals []bench.Portal, logf func(string, ...any)) error {
	want := seedManifest{Version: seedVersion, Tenants: o.tenants, People: o.people, Posts: o.posts,
		SearchPosts: o.searchPosts, Events: o.events, Conversations: o.conversations}
	if !o.reseed {
		have, err := readSeedManifest(ctx, dbURL, logf)
		if err != nil {
			return err
		}
		if have == want {
			logf("reusing the seeded database (its comment says what it holds); -reseed to seed a new one")
			// Migrations written since apply to the seeded data, as they
			// would to a live deployment's.
			return runBin(ctx, o.bin, []string{"DATABASE_URL=" + dbURL, "ENTRAIDE_TENANTS_DIR=" + filepath.Join(o.out, "tenants"),
				"ENTRAIDE_LOG_LEVEL=warn"}, "migrate")
		}
	}
	if err := db.DropDatabase(ctx, dbURL); err != nil {
		return err
	}
	// Seeding does not wait for each commit to reach the disk
	// (synchronous_commit=off, for these connections only): the seeded
	// data is thrown away anyway. The server measured later commits as
	// in production.
	seedURL := dbURL + "&synchronous_commit=off"
	env := []string{"DATABASE_URL=" + seedURL, "REDIS_URL=" + o.redisURL, "ENTRAIDE_TENANTS_DIR=" + filepath.Join(o.out, "tenants"),
		"ENTRAIDE_DEV=true", "ENTRAIDE_LOG_LEVEL=warn"}
	start := time.Now()
	if err := runBin(ctx, o.bin, env, "migrate", "-create-database"); err != nil {
		return err
	}
	logf("migrated %d portals in %s", o.tenants+3, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	size := func(posts int) []string {
		return []string{"-people", fmt.Sprint(o.people), "-posts", fmt.Sprint(posts), "-events", fmt.Sprint(o.events),
			"-conversations", fmt.Sprint(o.conversations)}
	}
	// The searched portal, with the most posts, fills alongside the others.
	var others []string
	for _, p := range portals {
		if p.Slug != searchedSlug {
			others = append(others, p.Slug)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return runBin(gctx, o.bin, env, append([]string{"seed", "-portals", searchedSlug}, size(o.searchPosts)...)...)
	})
	g.Go(func() error {
		return runBin(gctx, o.bin, env, append([]string{"seed", "-concurrency", "3", "-portals", strings.Join(others, ",")}, size(o.posts)...)...)
	})
	if err := g.Wait(); err != nil {
		return err
	}
	logf("seeded in %s", time.Since(start).Round(time.Second))
	// Fresh statistics, as autovacuum would have them on a live portal.
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		return err
	}
	return writeSeedManifest(ctx, conn, want)
}

// The seed manifest is the database's own comment: it is written last, once
// the seed is whole, and goes with the database, so that no output
// directory (-out) can disagree with what the database holds.

// readSeedManifest is the manifest of the seeded database at url, or the
// zero one when there is no such database or it has no (readable) comment.
// A server it cannot reach is an error, not a reason to seed again.
func readSeedManifest(ctx context.Context, url string, logf func(string, ...any)) (seedManifest, error) {
	var have seedManifest
	conn, err := pgx.Connect(ctx, url)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" {
		// No database yet (invalid_catalog_name): it is seeded anew.
		return have, nil
	}
	if err != nil {
		return have, fmt.Errorf("reading the bench database's seed manifest: %w", err)
	}
	defer conn.Close(ctx)
	var comment *string
	if err := conn.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database
		WHERE datname = current_database()`).Scan(&comment); err != nil {
		return have, fmt.Errorf("reading the bench database's seed manifest: %w", err)
	}
	if comment != nil {
		if err := json.Unmarshal([]byte(*comment), &have); err != nil {
			// An unreadable comment is an unknown seed: seed again.
			logf("the bench database's comment is not a seed manifest (%v): seeding again", err)
			return seedManifest{}, nil
		}
	}
	return have, nil
}

func writeSeedManifest(ctx context.Context, conn *pgx.Conn, m seedManifest) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	// COMMENT takes no parameters: the server quotes the name and the text.
	var stmt string
	if err := conn.QueryRow(ctx, `SELECT format('COMMENT ON DATABASE %I IS %L', current_database(), $1::text)`,
		string(b)).Scan(&stmt); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, stmt)
	return err
}

func runBin(ctx context.Context, bin string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", bin, strings.Join(args, " "), err)
	}
	return nil
}

// testEnv is what the micro-benchmarks that need a database read.
func testEnv(o options) []string {
	u, _ := withDatabase(o.pgURL, "postgres")
	return []string{"ENTRAIDE_TEST_DATABASE_URL=" + u, "ENTRAIDE_TEST_REDIS_URL=" + o.redisURL}
}

// findTarget reads, from the seeded database, what the scenarios ask for:
// the measured portal's most populated EPCI, a category, posts to open.
func findTarget(ctx context.Context, dbURL string, portals []bench.Portal) (target, error) {
	t := target{portal: bench.GeneratedSlug(1) + ".localhost", searched: searchedSlug + ".localhost", query: "imprimante",
		password: "voisins solidaires"}
	for _, p := range portals {
		t.hosts = append(t.hosts, p.Host)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return t, err
	}
	defer conn.Close(ctx)
	schema := pgx.Identifier{"tenant_" + slugOf(t.portal)}.Sanitize()
	err = conn.QueryRow(ctx, `SELECT epci_code, category_code, commune_code FROM `+schema+`.posts
		WHERE status = 'ouverte' AND visibility = 'visible'
		GROUP BY 1, 2, 3 ORDER BY count(*) DESC LIMIT 1`).Scan(&t.epci, &t.category, &t.commune)
	if err != nil {
		return t, fmt.Errorf("bench: the measured portal has no posts (seed it): %w", err)
	}
	// The POST scenario writes to another portal, so that the posts it
	// adds never change what the read pages show; the ones the last run
	// added are removed first, so every run starts from the seeded content.
	t.writer = bench.GeneratedSlug(2) + ".localhost"
	if t.wauthor, t.wcommune, t.wepci, err = writtenPortal(ctx, conn, t.writer); err != nil {
		return t, err
	}
	// The mixed traffic writes too, to a portal of its own: the POST
	// and the write floor leave thousands of posts in theirs each run.
	t.mixer = bench.GeneratedSlug(3) + ".localhost"
	mixer := pgx.Identifier{"tenant_" + slugOf(t.mixer)}.Sanitize()
	if _, t.mcommune, t.mepci, err = writtenPortal(ctx, conn, t.mixer); err != nil {
		return t, err
	}
	// The seed makes the référent référent de territoire of the EPCI they
	// live in; the grant is checked, so that the queue's floor never runs
	// with another reach than the page's.
	if err := conn.QueryRow(ctx, `SELECT u.epci_code FROM `+schema+`.users u WHERE u.email_key = $1
		AND EXISTS (SELECT 1 FROM `+schema+`.casbin_rule g WHERE g.ptype = 'g' AND g.v0 = 'user:' || u.id
		            AND g.v1 = 'role:referent_territoire@epci:' || u.epci_code)`,
		"seed-referent@"+t.portal).Scan(&t.referent); err != nil {
		return t, fmt.Errorf("bench: the measured portal's référent de territoire: %w", err)
	}
	if err := conn.QueryRow(ctx, `SELECT epci_code FROM `+schema+`.users WHERE email_key = $1`, "seed-resident@"+t.portal).Scan(&t.near); err != nil {
		return t, fmt.Errorf("bench: the measured portal's resident: %w", err)
	}
	if t.postIDs, err = visiblePosts(ctx, conn, schema); err != nil {
		return t, fmt.Errorf("bench: the measured portal: %w", err)
	}
	// The mixed traffic's post pages are its portal's seeded posts (this
	// run's own come and go).
	if t.mpostIDs, err = visiblePosts(ctx, conn, mixer); err != nil {
		return t, fmt.Errorf("bench: the mixed traffic's portal: %w", err)
	}
	return t, nil
}

// writtenPortal readies a portal that a scenario writes posts to, as its
// seeded resident: the posts the last run added are removed, so every run
// starts from the seeded content, and the table is vacuumed now rather
// than by autovacuum while the pages are measured (a run leaves tens of
// thousands). It returns the resident's id, commune and EPCI.
func writtenPortal(ctx context.Context, conn *pgx.Conn, host string) (author int64, commune, epci string, err error) {
	schema := pgx.Identifier{"tenant_" + slugOf(host)}.Sanitize()
	resident := "seed-resident@" + host
	if _, err := conn.Exec(ctx, `DELETE FROM `+schema+`.posts WHERE author_id =
		(SELECT id FROM `+schema+`.users WHERE email_key = $1)`, resident); err != nil {
		return 0, "", "", fmt.Errorf("bench: remove the last run's posts on %s: %w", host, err)
	}
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE) `+schema+`.posts`); err != nil {
		return 0, "", "", fmt.Errorf("bench: vacuum the posts of %s: %w", host, err)
	}
	if err := conn.QueryRow(ctx, `SELECT id, commune_code, epci_code FROM `+schema+`.users WHERE email_key = $1`,
		resident).Scan(&author, &commune, &epci); err != nil {
		return 0, "", "", fmt.Errorf("bench: the resident of %s: %w", host, err)
	}
	return author, commune, epci, nil
}

// visiblePosts are up to 1,000 open, visible posts of schema (quoted),
// picked at random.
func visiblePosts(ctx context.Context, conn *pgx.Conn, schema string) ([]int64, error) {
	rows, err := conn.Query(ctx, `SELECT id FROM `+schema+`.posts WHERE status = 'ouverte' AND visibility = 'visible' ORDER BY random() LIMIT 1000`)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err == nil && len(ids) == 0 {
		err = errors.New("no visible post")
	}
	return ids, err
}

// versions asks the servers theirs.
func versions(ctx context.Context, dbURL, redisURL string) (pg, redis string) {
	if conn, err := pgx.Connect(ctx, dbURL); err == nil {
		_ = conn.QueryRow(ctx, "SHOW server_version").Scan(&pg)
		conn.Close(ctx)
	}
	if opts, err := goredis.ParseURL(redisURL); err == nil {
		c := goredis.NewClient(opts)
		defer c.Close()
		if info, err := c.Info(ctx, "server").Result(); err == nil {
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
					redis = v
				}
			}
		}
	}
	return pg, redis
}
