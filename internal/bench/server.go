package bench

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is a server the benchmark started: the real one (bin/entraide
// serve) or a floor. It runs as its own process so that its memory is its
// own and it competes with the load generator for the machine's two cores
// as a deployed server would.
type Process struct {
	Addr    string
	Started time.Duration // from exec to the first good answer on /healthz
	cmd     *exec.Cmd
	exited  chan error
	logPath string
	stop    sync.Once
}

// Start runs bin with args and env on a free loopback port (given to the
// command as ENTRAIDE_HTTP_ADDR) and waits until GET /healthz answers 200,
// or until timeout. Its output goes to logPath.
func Start(ctx context.Context, bin string, args, env []string, logPath string, timeout time.Duration) (*Process, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(os.Environ(), env...), "ENTRAIDE_HTTP_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("bench: start %s: %w", bin, err)
	}
	logFile.Close() // the child has its own descriptor
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	p := &Process{Addr: addr, cmd: cmd, exited: exited, logPath: logPath}
	hc := &http.Client{Timeout: time.Second}
	deadline := begin.Add(timeout)
	for {
		res, err := hc.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				p.Started = time.Since(begin)
				return p, nil
			}
		}
		select {
		case err := <-exited:
			exited <- err // for Stop, should anyone call it
			return nil, fmt.Errorf("bench: %s exited before serving (%v): see %s", bin, err, logPath)
		case <-ctx.Done():
			p.kill()
			return nil, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("bench: %s did not answer /healthz within %s: see %s", bin, timeout, logPath)
		}
	}
}

// Pid is the server's process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// RSS is the server's resident memory, in bytes, read from /proc.
func (p *Process) RSS() (int64, error) { return ProcStatus(p.Pid(), "VmRSS") }

// Stop asks the server to shut down (SIGTERM) and waits up to 20 s for it
// to go, then kills it. Calling it again does nothing.
func (p *Process) Stop() {
	p.stop.Do(func() {
		_ = syscall.Kill(p.Pid(), syscall.SIGTERM)
		select {
		case <-p.exited:
		case <-time.After(20 * time.Second):
			p.kill()
			<-p.exited
		}
	})
}

func (p *Process) kill() { _ = syscall.Kill(p.Pid(), syscall.SIGKILL) }

// ProcStatus reads one memory line ("VmRSS", "RssAnon") of
// /proc/PID/status, in bytes.
func ProcStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: /proc/%d/status %s: %w", pid, field, err)
		}
		return kb << 10, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("bench: /proc/%d/status has no %s", pid, field)
}

// FreeAddr is a loopback address with a port nobody listens on.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
