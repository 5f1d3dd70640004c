package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// logLines is how much of the server's log is kept, to show when something fails.
const logLines = 50

// inheritedSettings are the environment variables the server reads; they are
// dropped from the inherited environment so the caller's shell cannot change
// the server under test.
var inheritedSettings = []string{
	"HOST", "PORT", "DB_PATH", "AUTH_DISABLED", "CORS_ORIGIN", "RETENTION_DAYS",
	"LOG_LEVEL", "LOG_FORMAT", "AGENTLENS_CONFIG", "AGENTLENS_SIGNING_KEY",
	"AGENTGATE_WEBHOOK_SECRET", "FORMBRIDGE_WEBHOOK_SECRET", "GENERIC_WEBHOOK_SECRET",
}

// server is the agentlens process under test.
type server struct {
	url string
	log *logTail

	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has been waited for
	waitErr error         // the result of Wait, set before exited is closed
}

// startServer starts `bin serve` on a free port of 127.0.0.1 with the given
// configuration file and database, dir as its working directory, and the
// settings in extra (auth disabled when extra is empty). Its output goes to
// a log tail, not to the terminal.
func startServer(bin, config, dir, dbPath string, extra ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env := make([]string, 0, len(os.Environ())+5)
	for _, kv := range os.Environ() {
		if !isInheritedSetting(kv) {
			env = append(env, kv)
		}
	}
	if len(extra) == 0 {
		extra = []string{"AUTH_DISABLED=true"}
	}
	env = append(env, extra...)
	env = append(env,
		"HOST=127.0.0.1",
		"PORT="+strconv.Itoa(port),
		"DB_PATH="+dbPath,
		"LOG_LEVEL=warn",
	)

	s := &server{
		url:    "http://127.0.0.1:" + strconv.Itoa(port),
		log:    &logTail{max: logLines},
		exited: make(chan struct{}),
	}
	s.cmd = exec.Command(bin, "serve", "--config", config)
	s.cmd.Dir = dir
	s.cmd.Env = env
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

func isInheritedSetting(kv string) bool {
	name, _, _ := strings.Cut(kv, "=")
	for _, n := range inheritedSettings {
		if name == n {
			return true
		}
	}
	return false
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

// waitHealthy polls GET /api/health until it answers 200, the process exits,
// or timeout passes.
func (s *server) waitHealthy(ctx context.Context, a *api, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if last = a.health(ctx); last == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was healthy: %v", s.exitStatus())
		case <-ctx.Done():
			return fmt.Errorf("no healthy answer within %s: %w", timeout, last)
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM and waits up to timeout for the process to exit. It
// returns nil only when the server was still running and exited with status 0;
// a server that will not stop is killed.
func (s *server) stop(timeout time.Duration) error {
	select {
	case <-s.exited:
		return fmt.Errorf("server had already exited: %v", s.exitStatus())
	default:
	}
	err := s.cmd.Process.Signal(syscall.SIGTERM)
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.kill()
		return fmt.Errorf("send SIGTERM: %w", err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("server exited after SIGTERM: %v", s.exitStatus())
		}
		return nil
	case <-time.After(timeout):
		s.kill()
		return fmt.Errorf("server still running %s after SIGTERM, killed", timeout)
	}
}

// kill ends the process if it still runs and waits for it; it is safe to call
// more than once.
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
	if n := len(lines); n > t.max {
		lines = lines[n-t.max:]
	}
	return lines
}
