package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serverSettings are the environment variables the server reads. They are
// removed from the environment it inherits, so the caller's shell cannot
// change the server under test.
var serverSettings = map[string]bool{
	"HOST": true, "PORT": true, "DB_PATH": true, "AUTH_DISABLED": true, "CORS_ORIGIN": true,
	"RETENTION_DAYS": true, "LOG_LEVEL": true, "LOG_FORMAT": true, "AGENTLENS_CONFIG": true,
	"AGENTLENS_SIGNING_KEY": true, "AGENTGATE_WEBHOOK_SECRET": true,
	"FORMBRIDGE_WEBHOOK_SECRET": true, "GENERIC_WEBHOOK_SECRET": true,
}

// startAttempts is how often a start is tried when the process exits before
// it is healthy because another program took the free port meanwhile.
const startAttempts = 3

// process is one run of `agentlens serve`.
type process struct {
	url string

	cmd     *exec.Cmd
	own     *logTail      // this run's own log, to tell why it exited
	exited  chan struct{} // closed once the process has been waited for
	waitErr error         // the result of Wait, set before exited is closed
}

// launcher starts the server, always with the same binary, configuration,
// working directory and database, and keeps the tail of every run's log.
type launcher struct {
	bin, config, dir, dbPath string
	log                      *logTail
	starts                   int
}

// start starts the server on a free port of 127.0.0.1 and waits until GET
// /api/health answers 200. A process that could not listen because the port
// was taken meanwhile is tried again on a new port, up to startAttempts times
// in all.
func (l *launcher) start(ctx context.Context, c *client, timeout time.Duration) (*process, error) {
	for attempt := 1; ; attempt++ {
		p, err := l.spawn()
		if err != nil {
			return nil, err
		}
		err = p.waitHealthy(ctx, c, timeout)
		if err == nil {
			return p, nil
		}
		p.kill()
		portTaken := errors.Is(err, errExitedEarly) &&
			strings.Contains(strings.Join(p.own.Lines(), "\n"), "address already in use")
		if !portTaken || attempt == startAttempts {
			return nil, err
		}
	}
}

// spawn starts one process with auth disabled and its output in the log tail.
func (l *launcher) spawn() (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env := make([]string, 0, len(os.Environ())+5)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !serverSettings[name] {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AUTH_DISABLED=true",
		"HOST=127.0.0.1",
		"PORT="+strconv.Itoa(port),
		"DB_PATH="+l.dbPath,
		"LOG_LEVEL=warn",
	)

	l.starts++
	fmt.Fprintf(l.log, "--- start %d on port %d ---\n", l.starts, port)
	p := &process{
		url:    "http://127.0.0.1:" + strconv.Itoa(port),
		own:    &logTail{max: 20},
		exited: make(chan struct{}),
	}
	p.cmd = exec.Command(l.bin, "serve", "--config", l.config)
	p.cmd.Dir = l.dir
	p.cmd.Env = env
	p.cmd.Stdout = io.MultiWriter(l.log, p.own)
	p.cmd.Stderr = p.cmd.Stdout
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", l.bin, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// freePort asks the kernel for a free TCP port on 127.0.0.1 and releases it.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		return 0, fmt.Errorf("release port %d: %w", port, err)
	}
	return port, nil
}

// errExitedEarly marks a process that ended before it was healthy.
var errExitedEarly = errors.New("server exited before it was healthy")

// waitHealthy polls GET /api/health until it answers 200, the process exits,
// or timeout passes.
func (p *process) waitHealthy(ctx context.Context, c *client, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := c.health(ctx, p.url)
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%w (%s)", errExitedEarly, p.exitStatus())
		case <-ctx.Done():
			return fmt.Errorf("no 200 from /api/health within %s: %w", timeout, err)
		case <-tick.C:
		}
	}
}

// running reports whether the process has not exited yet.
func (p *process) running() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// sigkill sends SIGKILL; it is safe to call from any goroutine. It fails
// when the process had already exited on its own.
func (p *process) sigkill() error {
	if !p.running() {
		return fmt.Errorf("server had already exited on its own: %s", p.exitStatus())
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("send SIGKILL: %w", err)
	}
	return nil
}

// reap waits for the process to be gone after sigkill, and fails unless
// SIGKILL is what ended it.
func (p *process) reap() error {
	<-p.exited
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		return fmt.Errorf("server ended by something other than SIGKILL: %s", p.exitStatus())
	}
	return nil
}

// stop sends SIGTERM and waits up to timeout for the process to exit. It
// returns nil only when the process was still running and exited with
// status 0; a process that will not stop is killed.
func (p *process) stop(timeout time.Duration) error {
	if !p.running() {
		return fmt.Errorf("server had already exited: %s", p.exitStatus())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.kill()
		return fmt.Errorf("send SIGTERM: %w", err)
	}
	select {
	case <-p.exited:
		if p.waitErr != nil {
			return fmt.Errorf("server exited after SIGTERM with %s", p.exitStatus())
		}
		return nil
	case <-time.After(timeout):
		p.kill()
		return fmt.Errorf("server still running %s after SIGTERM, killed", timeout)
	}
}

// kill ends the process if it still runs and waits for it; it is safe to
// call more than once, and on a nil process.
func (p *process) kill() {
	if p == nil || !p.running() {
		return
	}
	_ = p.cmd.Process.Kill() // can only fail with os.ErrProcessDone: it exited meanwhile
	<-p.exited
}

// exitStatus describes how the process ended; call it only after exited closed.
func (p *process) exitStatus() string {
	if p.waitErr == nil {
		return "exit status 0"
	}
	return p.waitErr.Error()
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
