package harness

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
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

// Config says how [Start] runs the server. Bin, ConfigFile and DBPath are
// required; the zero value of every other field means its documented default.
type Config struct {
	// Bin is the agentlens binary; it runs as `Bin serve --config ConfigFile`.
	Bin string
	// ConfigFile is the configuration file given to --config.
	ConfigFile string
	// Dir is the server's working directory; empty means this process's.
	Dir string
	// DBPath is the database file, set as DB_PATH.
	DBPath string
	// Env holds settings (KEY=value) added to the environment, before HOST,
	// PORT, DB_PATH and LOG_LEVEL=warn; empty means AUTH_DISABLED=true.
	Env []string
	// Port is the port the server listens on, on 127.0.0.1; zero means a
	// free one from [FreePort].
	Port int
	// Output receives the server's stdout and stderr, such as a [LogTail];
	// nil discards them.
	Output io.Writer
}

// Server is one `agentlens serve` process started by [Start]. Its methods
// are safe for concurrent use.
type Server struct {
	// URL is the server's base URL, http://127.0.0.1:PORT.
	URL string

	cmd     *exec.Cmd
	started time.Time     // just before the process was started
	exited  chan struct{} // closed once the process has been waited for
	waitErr error         // the result of Wait, set before exited is closed
}

// Start starts the server as c says and returns without waiting for it to
// be ready; see [Server.WaitHealthy]. The caller must end the process with
// [Server.Stop] or [Server.Kill]. It fails when no free port can be found or
// the binary cannot be started.
func Start(c Config) (*Server, error) {
	port := c.Port
	if port == 0 {
		var err error
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	s := &Server{
		URL:    "http://127.0.0.1:" + strconv.Itoa(port),
		exited: make(chan struct{}),
	}
	s.cmd = exec.Command(c.Bin, "serve", "--config", c.ConfigFile)
	s.cmd.Dir = c.Dir
	s.cmd.Env = serverEnv(c, port)
	s.cmd.Stdout = c.Output
	s.cmd.Stderr = c.Output

	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", c.Bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// serverEnv is this process's environment without the server's settings,
// then c.Env (or AUTH_DISABLED=true), then the address, database and log
// level.
func serverEnv(c Config, port int) []string {
	env := make([]string, 0, len(os.Environ())+len(c.Env)+4)
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !serverSettings[name] {
			env = append(env, kv)
		}
	}
	if len(c.Env) == 0 {
		env = append(env, "AUTH_DISABLED=true")
	}
	env = append(env, c.Env...)
	return append(env,
		"HOST=127.0.0.1",
		"PORT="+strconv.Itoa(port),
		"DB_PATH="+c.DBPath,
		"LOG_LEVEL=warn",
	)
}

// Pid returns the process id.
func (s *Server) Pid() int {
	return s.cmd.Process.Pid
}

// Started returns the time just before the process was started.
func (s *Server) Started() time.Time {
	return s.started
}

// Exited returns a channel that is closed once the process has exited and
// been waited for.
func (s *Server) Exited() <-chan struct{} {
	return s.exited
}

// Running reports whether the process has not exited yet.
func (s *Server) Running() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// ExitStatus describes how the process ended ("exit status 0", "signal:
// killed", …); call it only once [Server.Exited] is closed.
func (s *Server) ExitStatus() string {
	if s.waitErr == nil {
		return "exit status 0"
	}
	return s.waitErr.Error()
}

// Stop sends SIGTERM and waits up to timeout for the process to exit. It
// returns nil only when the server was still running and exited with status
// 0; a server that does not exit in time is killed, and that is an error.
func (s *Server) Stop(timeout time.Duration) error {
	if !s.Running() {
		return fmt.Errorf("server had already exited: %s", s.ExitStatus())
	}
	err := s.cmd.Process.Signal(syscall.SIGTERM)
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		s.Kill()
		return fmt.Errorf("send SIGTERM: %w", err)
	}
	select {
	case <-s.exited:
		if s.waitErr != nil {
			return fmt.Errorf("server exited after SIGTERM: %s", s.ExitStatus())
		}
		return nil
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("server still running %s after SIGTERM, killed", timeout)
	}
}

// Kill ends the process with SIGKILL if it still runs, and waits for it. It
// is safe to call more than once, and on a nil *Server.
func (s *Server) Kill() {
	if s == nil || !s.Running() {
		return
	}
	_ = s.cmd.Process.Kill() // can only fail with os.ErrProcessDone: it exited meanwhile
	<-s.exited
}

// SendKill sends SIGKILL without waiting for the process to end; use
// [Server.WaitKilled] for that. It fails when the process had already exited
// on its own.
func (s *Server) SendKill() error {
	if !s.Running() {
		return fmt.Errorf("server had already exited on its own: %s", s.ExitStatus())
	}
	err := s.cmd.Process.Signal(syscall.SIGKILL)
	if err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("send SIGKILL: %w", err)
	}
	return nil
}

// WaitKilled waits for the process to be gone after [Server.SendKill], and
// fails unless SIGKILL is what ended it.
func (s *Server) WaitKilled() error {
	<-s.exited
	ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		return fmt.Errorf("server ended by something other than SIGKILL: %s", s.ExitStatus())
	}
	return nil
}
