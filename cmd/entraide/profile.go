package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// startProfile is for the benchmark: when ENTRAIDE_START_PROFILE names a
// directory, the command records a CPU profile until the returned function
// is called, which also writes a heap profile, so the cost of starting
// with a thousand portals can be read with `go tool pprof`. It is not
// documented for operators: it slows the start and writes files.
func startProfile(name string) (stop func() error, err error) {
	dir := os.Getenv("ENTRAIDE_START_PROFILE")
	if dir == "" {
		return func() error { return nil }, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	cpu, err := os.Create(filepath.Join(dir, name+"-cpu.pprof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := cpu.Close(); err != nil {
			return err
		}
		heap, err := os.Create(filepath.Join(dir, name+"-heap.pprof"))
		if err != nil {
			return err
		}
		defer heap.Close()
		runtime.GC() // the heap profile shows what is live, not garbage
		return pprof.WriteHeapProfile(heap)
	}, nil
}
