package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is the unit of the CPU times in /proc/PID/stat (USER_HZ),
// 100 on every Linux the benchmark runs on.
const clockTicks = 100

// backendCPU follows the CPU time of the PostgreSQL backends serving one
// database, found by their process title ("postgres: … user dbname
// host(port) state") in /proc. A backend's time is lost when it exits, so
// it is sampled often and the last reading of each kept.
type backendCPU struct {
	dbname string
	stopc  chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	ticks  map[int]int64 // last reading per backend
}

// startBackendCPU starts sampling every interval (100 ms while migrating,
// when backends come and go). On a machine where PostgreSQL runs
// elsewhere it finds nothing and reports 0.
func startBackendCPU(dbname string, interval time.Duration) *backendCPU {
	b := &backendCPU{dbname: dbname, stopc: make(chan struct{}), done: make(chan struct{}), ticks: map[int]int64{}}
	go func() {
		defer close(b.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			b.sample()
			select {
			case <-b.stopc:
				return
			case <-t.C:
			}
		}
	}()
	return b
}

// stop ends the sampling and returns the CPU seconds of every backend seen.
func (b *backendCPU) stop() float64 {
	close(b.stopc)
	<-b.done
	return b.seconds()
}

// seconds samples now and returns the CPU seconds of every backend seen
// so far, those that have exited included.
func (b *backendCPU) seconds() float64 {
	b.sample()
	b.mu.Lock()
	defer b.mu.Unlock()
	var sum int64
	for _, t := range b.ticks {
		sum += t
	}
	return float64(sum) / clockTicks
}

func (b *backendCPU) sample() {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		title, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !isBackendOf(title, b.dbname) {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(d, "stat"))
		if err != nil {
			continue
		}
		ticks, err := cpuTicks(stat)
		if err != nil {
			continue
		}
		b.mu.Lock()
		b.ticks[pid] = max(b.ticks[pid], ticks)
		b.mu.Unlock()
	}
}

// isBackendOf reports whether a process title is a PostgreSQL backend
// connected to dbname: "postgres: 15/main: postgres dbname 127.0.0.1(40200) idle".
func isBackendOf(cmdline []byte, dbname string) bool {
	title := string(bytes.TrimRight(cmdline, "\x00"))
	if !strings.HasPrefix(title, "postgres: ") {
		return false
	}
	for _, f := range strings.Fields(title) {
		if f == dbname {
			return true
		}
	}
	return false
}

// cpuTicks is utime + stime of a /proc/PID/stat line. The command name,
// second field, is in parentheses and may hold spaces: fields are counted
// after its closing parenthesis.
func cpuTicks(stat []byte) (int64, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("bench: malformed /proc stat line")
	}
	f := strings.Fields(string(stat[i+1:]))
	// After the name: state(3) ppid … utime(14) stime(15), so index 11 and 12.
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc stat line")
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bench: malformed /proc stat times")
	}
	return u + s, nil
}

// processCPU is the user and system time, in seconds, a process has used.
func processCPU(pid int) (float64, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	ticks, err := cpuTicks(stat)
	return float64(ticks) / clockTicks, err
}

// CPUMeter splits what a run costs the machine between a process (the
// server, or the floors) and PostgreSQL's backends of one database: where
// a page's time goes, before any profile. A backend that exits between
// two samples loses what it did since the last one; the server's pool
// keeps its connections through a run.
type CPUMeter struct{ backends *backendCPU }

// StartCPUMeter follows the backends of dbname until Stop.
func StartCPUMeter(dbname string) *CPUMeter {
	return &CPUMeter{backends: startBackendCPU(dbname, 250*time.Millisecond)}
}

// Read returns the CPU seconds pid and the backends have used so far.
func (m *CPUMeter) Read(pid int) (process, postgres float64, err error) {
	process, err = processCPU(pid)
	return process, m.backends.seconds(), err
}

// Stop ends the sampling.
func (m *CPUMeter) Stop() { m.backends.stop() }
