package harness

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeServer writes a shell script that stands in for the agentlens binary:
// it prints its arguments and the settings it got, then runs body.
func fakeServer(t *testing.T, body string) Config {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "agentlens")
	script := "#!/bin/sh\n" +
		`echo "args: $*"` + "\n" +
		`echo "env: HOST=$HOST PORT=$PORT DB_PATH=$DB_PATH LOG_LEVEL=$LOG_LEVEL ` +
		`AUTH_DISABLED=$AUTH_DISABLED CORS_ORIGIN=$CORS_ORIGIN EXTRA=$EXTRA"` + "\n" +
		body + "\n"
	if err := os.WriteFile(bin, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return Config{Bin: bin, ConfigFile: "cfg.toml", Dir: dir, DBPath: filepath.Join(dir, "db")}
}

// errNotYet is the probe of a server that never becomes healthy.
var errNotYet = errors.New("not yet")

func neverHealthy(context.Context) error { return errNotYet }

func TestStart_Environment(t *testing.T) {
	t.Setenv("CORS_ORIGIN", "https://from.the.shell")
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"Default", nil, "AUTH_DISABLED=true CORS_ORIGIN= EXTRA="},
		{"Given", []string{"EXTRA=1"}, "AUTH_DISABLED= CORS_ORIGIN= EXTRA=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := fakeServer(t, "exit 3")
			c.Env = tt.env
			log := NewLogTail(10)
			c.Output = log
			s, err := Start(c)
			if err != nil {
				t.Fatalf("Start() error = %v", err)
			}
			defer s.Kill()
			err = s.WaitHealthy(t.Context(), 10*time.Second, time.Millisecond, neverHealthy)
			var he *HealthError
			if !errors.As(err, &he) || !he.Exited || he.Status != "exit status 3" {
				t.Fatalf("WaitHealthy() = %v, want a HealthError for exit status 3", err)
			}

			port := strings.TrimPrefix(s.URL, "http://127.0.0.1:")
			if _, err := strconv.Atoi(port); err != nil {
				t.Errorf("URL = %s, want http://127.0.0.1:PORT", s.URL)
			}
			want := []string{
				"args: serve --config cfg.toml",
				"env: HOST=127.0.0.1 PORT=" + port + " DB_PATH=" + c.DBPath + " LOG_LEVEL=warn " +
					tt.want,
			}
			if got := log.Lines(); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("server output = %q, want %q", got, want)
			}
		})
	}
}

func TestServer_WaitHealthy(t *testing.T) {
	c := fakeServer(t, "exec sleep 30")
	s, err := Start(c)
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	defer s.Kill()

	calls := 0
	healthyThird := func(context.Context) error {
		if calls++; calls < 3 {
			return errNotYet
		}
		return nil
	}
	err = s.WaitHealthy(t.Context(), 10*time.Second, time.Millisecond, healthyThird)
	if err != nil {
		t.Errorf("WaitHealthy() = %v, want nil on the third probe", err)
	}

	err = s.WaitHealthy(t.Context(), 20*time.Millisecond, time.Millisecond, neverHealthy)
	var he *HealthError
	if !errors.As(err, &he) || he.Exited || !errors.Is(err, errNotYet) {
		t.Errorf("WaitHealthy() = %v, want a timeout HealthError wrapping the probe's error", err)
	}
	if !s.Running() {
		t.Errorf("Running() = false after a failed wait, want the server left running")
	}
}

func TestServer_Stop(t *testing.T) {
	const loop = "\nwhile :; do sleep 0.01; done"
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"CleanExit", "trap 'exit 0' TERM" + loop, ""},
		{"FailedExit", "trap 'exit 4' TERM" + loop, "server exited after SIGTERM: exit status 4"},
		{"Ignores", "trap '' TERM" + loop, "server still running 200ms after SIGTERM, killed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := NewLogTail(10)
			c := fakeServer(t, tt.body)
			c.Output = log
			s, err := Start(c)
			if err != nil {
				t.Fatalf("Start() error = %v", err)
			}
			defer s.Kill()
			// The trap must be set before the signal comes: wait for the script's output.
			for len(log.Lines()) < 2 {
				time.Sleep(time.Millisecond)
			}

			err = s.Stop(200 * time.Millisecond)
			if got := errString(err); got != tt.wantErr {
				t.Errorf("Stop() = %q, want %q", got, tt.wantErr)
			}
			if s.Running() {
				t.Errorf("Running() = true after Stop, want false")
			}
			if err := s.Stop(time.Second); err == nil {
				t.Errorf("Stop() again = nil, want an error: the server had already exited")
			}
		})
	}
}

func TestServer_SendKill(t *testing.T) {
	s, err := Start(fakeServer(t, "exec sleep 30"))
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	defer s.Kill()
	if err := s.SendKill(); err != nil {
		t.Fatalf("SendKill() = %v, want nil", err)
	}
	if err := s.WaitKilled(); err != nil {
		t.Errorf("WaitKilled() = %v, want nil", err)
	}
	if err := s.SendKill(); err == nil {
		t.Errorf("SendKill() after exit = nil, want an error")
	}
	s.Kill() // already gone: a no-op
	var none *Server
	none.Kill() // nil: a no-op
}

func TestServer_WaitKilled(t *testing.T) {
	s, err := Start(fakeServer(t, "exit 0"))
	if err != nil {
		t.Fatalf("Start() error = %v", err)
	}
	<-s.Exited()
	if err := s.WaitKilled(); err == nil {
		t.Errorf("WaitKilled() of a clean exit = nil, want an error")
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
