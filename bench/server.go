package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
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

// serverSettings are the environment variables the server reads; they are
// dropped from the inherited environment so the caller's shell cannot change
// the server under measurement.
var serverSettings = []string{
	"HOST", "PORT", "DB_PATH", "AUTH_DISABLED", "CORS_ORIGIN", "RETENTION_DAYS",
	"LOG_LEVEL", "LOG_FORMAT", "AGENTLENS_CONFIG", "AGENTLENS_SIGNING_KEY",
	"AGENTGATE_WEBHOOK_SECRET", "FORMBRIDGE_WEBHOOK_SECRET", "GENERIC_WEBHOOK_SECRET",
}

// healthPoll is how often start-up polls GET /api/health; it bounds the
// resolution of the start-up time.
const healthPoll = 2 * time.Millisecond

// server is one `agentlens serve` process.
type server struct {
	url     string
	pid     int
	startup time.Duration // process start to the first 200 from /api/health
	log     *logTail

	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has been waited for
	waitErr error         // the result of Wait, set before exited is closed
}

// startServer runs `bin serve --config config` in dir on a free port of
// 127.0.0.1 with auth disabled, log level warn and the database dbPath, and
// waits until it answers 200 on /api/health. The start-up time runs from just
// before the process is started to that first 200. A server that exits or
// does not become healthy within timeout is an error carrying its log.
func startServer(ctx context.Context, bin, config, dir, dbPath string, timeout time.Duration) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env := make([]string, 0, len(os.Environ())+5)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !contains(serverSettings, name) {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AUTH_DISABLED=true",
		"HOST=127.0.0.1",
		"PORT="+strconv.Itoa(port),
		"DB_PATH="+dbPath,
		"LOG_LEVEL=warn",
	)
	s := &server{
		url:    "http://127.0.0.1:" + strconv.Itoa(port),
		log:    &logTail{max: 40},
		exited: make(chan struct{}),
	}
	s.cmd = exec.Command(bin, "serve", "--config", config)
	s.cmd.Dir = dir
	s.cmd.Env = env
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log

	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s.pid = s.cmd.Process.Pid
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitHealthy(ctx, timeout); err != nil {
		s.kill()
		return nil, err
	}
	s.startup = time.Since(start)
	return s, nil
}

// waitHealthy polls GET /api/health until it answers 200, the process exits,
// or timeout passes.
func (s *server) waitHealthy(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true},
		Timeout:   2 * time.Second,
	}
	defer hc.CloseIdleConnections()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/api/health", nil)
		if err != nil {
			return err
		}
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return &startError{status: s.exitStatus(), log: s.log.Lines()}
		case <-ctx.Done():
			return fmt.Errorf("no 200 from /api/health within %s; server log: %s",
				timeout, strings.Join(s.log.Lines(), " | "))
		case <-time.After(healthPoll):
		}
	}
}

// startError is a server that exited before it was healthy.
type startError struct {
	status string
	log    []string
}

func (e *startError) Error() string {
	msg := "server exited before it was healthy (" + e.status + ")"
	if len(e.log) > 0 {
		msg += ": " + strings.Join(e.log, " | ")
	}
	return msg
}

// peakRSS returns the process's peak resident set size (VmHWM), in bytes.
func (s *server) peakRSS() (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			return 0, fmt.Errorf("read peak RSS: unexpected line %q", sc.Text())
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("read peak RSS: %w", err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read peak RSS: %w", err)
	}
	return 0, errors.New("read peak RSS: no VmHWM line in /proc/<pid>/status")
}

// stop sends SIGTERM and waits up to 20 s for a clean exit; a server that
// will not stop is killed.
func (s *server) stop() error {
	select {
	case <-s.exited:
		return fmt.Errorf("server had already exited: %v", s.exitStatus())
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.kill()
		return fmt.Errorf("send SIGTERM: %w", err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("server exited after SIGTERM: %v", s.exitStatus())
		}
		return nil
	case <-time.After(20 * time.Second):
		s.kill()
		return errors.New("server still running 20s after SIGTERM, killed")
	}
}

// kill ends the process if it still runs and waits for it; it is safe to
// call more than once.
func (s *server) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Kill() // os.ErrProcessDone only: it exited meanwhile
	<-s.exited
}

// exitStatus describes how the process ended; call it only after exited closed.
func (s *server) exitStatus() string {
	if s.waitErr == nil {
		return "exit status 0"
	}
	return s.waitErr.Error()
}

// freePort asks the kernel for a free TCP port on 127.0.0.1 and releases it.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("release port %d: %w", port, err)
	}
	return port, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// logTail keeps the last max lines written to it; it is safe for concurrent use.
type logTail struct {
	max int

	mu      sync.Mutex
	lines   []string
	partial []byte
}

func (t *logTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.lines = append(t.lines, string(t.partial[:i]))
		t.partial = t.partial[i+1:]
	}
	if n := len(t.lines); n > t.max {
		t.lines = append(t.lines[:0], t.lines[n-t.max:]...)
	}
	return len(p), nil
}

// Lines returns the kept lines, oldest first, with an unfinished last line.
func (t *logTail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := append([]string(nil), t.lines...)
	if len(t.partial) > 0 {
		lines = append(lines, string(t.partial))
	}
	return lines
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat; it
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// procCPU returns the CPU time, user and system, that process pid (all its
// threads) has used so far.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("read CPU time: %w", err)
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("read CPU time: malformed /proc/<pid>/stat")
	}
	f := strings.Fields(s[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, errors.New("read CPU time: short /proc/<pid>/stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, errors.New("read CPU time: malformed utime/stime")
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// cpuMeter measures the CPU time a process uses between start and stop;
// errors leave the measurement at zero, which prints as no figure.
type cpuMeter struct {
	pid   int
	start time.Duration
	wall  time.Time
	ok    bool
}

func newCPUMeter(pid int) *cpuMeter {
	m := &cpuMeter{pid: pid, wall: time.Now()}
	m.start, m.ok = mustCPU(pid)
	return m
}

// stop returns the CPU time used and the wall time passed since newCPUMeter.
func (m *cpuMeter) stop() (cpu, wall time.Duration) {
	end, ok := mustCPU(m.pid)
	wall = time.Since(m.wall)
	if !ok || !m.ok {
		return 0, wall
	}
	return end - m.start, wall
}

func mustCPU(pid int) (time.Duration, bool) {
	d, err := procCPU(pid)
	return d, err == nil
}
