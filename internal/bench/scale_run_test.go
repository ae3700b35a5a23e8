//go:build benchscale

package bench

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRunScale runs the scale part of `make bench` alone, for working on
// it (a few minutes; it creates and drops entraide_bench_scale_* databases):
//
//	go build -o bin/entraide ./cmd/entraide
//	./deploy/with-services.sh test go test -tags benchscale -run TestRunScale -timeout 30m -v ./internal/bench/
//
// BENCH_SCALE_SIZES=100,1000 (the default) chooses the sizes and
// BENCH_SCALE_DURATION=1s each timed run. Results go to
// build/bench/scale.md and scale.json.
func TestRunScale(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	server := os.Getenv("ENTRAIDE_TEST_DATABASE_URL")
	if server == "" {
		server = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	redisURL := os.Getenv("ENTRAIDE_TEST_REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://127.0.0.1:6379/0"
	}
	o := ScaleOptions{
		Bin:        filepath.Join(root, "bin", "entraide"),
		TenantsSrc: filepath.Join(root, "tenants"),
		WorkDir:    filepath.Join(root, "build", "bench", "scale"),
		DatabaseURL: func(name string) string {
			u, err := url.Parse(server)
			if err != nil {
				t.Fatal(err)
			}
			u.Path = "/" + name
			return u.String()
		},
		Env: []string{
			"REDIS_URL=" + redisURL,
			"ENTRAIDE_REDIS_PREFIX=entraide-bench-scale:",
			"ENTRAIDE_SECRET_KEY=bench-scale-secret-key-0123456789abcdef",
			"ENTRAIDE_RATE_LIMIT_PER_MINUTE=100000000",
			"ENTRAIDE_LOG_LEVEL=warn",
			"ENTRAIDE_OUTBOX_DIR=" + filepath.Join(root, "build", "bench", "scale", "outbox"),
		},
		Log: testWriter{t},
	}
	if v := os.Getenv("BENCH_SCALE_SIZES"); v != "" {
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				t.Fatalf("BENCH_SCALE_SIZES: %v", err)
			}
			o.Sizes = append(o.Sizes, n)
		}
	}
	if v := os.Getenv("BENCH_SCALE_DURATION"); v != "" {
		if o.Duration, err = time.ParseDuration(v); err != nil {
			t.Fatalf("BENCH_SCALE_DURATION: %v", err)
		}
	}
	if _, err := os.Stat(o.Bin); err != nil {
		t.Fatalf("build the server first (go build -o bin/entraide ./cmd/entraide): %v", err)
	}
	s, err := RunScale(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.Create(filepath.Join(root, "build", "bench", "scale.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer md.Close()
	if err := s.Markdown(md); err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "build", "bench", "scale.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	_ = s.Markdown(&b)
	t.Log("\n" + b.String())
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
