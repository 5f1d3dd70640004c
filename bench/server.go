package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
)

// healthPoll is how often start-up polls GET /api/health; it bounds the
// resolution of the start-up time.
const healthPoll = 2 * time.Millisecond

// stopTimeout is how long a server gets to exit cleanly after SIGTERM.
const stopTimeout = 20 * time.Second

// serverLogLines is how much of a server's log a start-up error carries.
const serverLogLines = 40

// server is one `agentlens serve` process.
type server struct {
	*harness.Server
	startup time.Duration // process start to the first 200 from /api/health
}

// startServer runs `bin serve --config config` in dir on a free port of
// 127.0.0.1 with auth disabled, log level warn and the database dbPath, and
// waits until it answers 200 on /api/health. The start-up time runs from just
// before the process is started to that first 200. A server that exits or
// does not become healthy within timeout is an error carrying its log.
func startServer(ctx context.Context, bin, config, dir, dbPath string, timeout time.Duration) (*server, error) {
	log := harness.NewLogTail(serverLogLines)
	p, err := harness.Start(harness.Config{
		Bin:        bin,
		ConfigFile: config,
		Dir:        dir,
		DBPath:     dbPath,
		Output:     log,
	})
	if err != nil {
		return nil, err
	}

	// A client without keep-alive, so no connection outlives the wait.
	hc := &http.Client{
		Transport: &http.Transport{DisableKeepAlives: true},
		Timeout:   2 * time.Second,
	}
	defer hc.CloseIdleConnections()
	err = p.WaitHealthy(ctx, timeout, healthPoll, func(ctx context.Context) error {
		return harness.Health(ctx, hc, p.URL)
	})
	if err != nil {
		lines := log.Lines()
		p.Kill()
		var he *harness.HealthError
		if errors.As(err, &he) && he.Exited {
			return nil, &startError{status: he.Status, log: lines}
		}
		return nil, fmt.Errorf("no 200 from /api/health within %s; server log: %s",
			timeout, strings.Join(lines, " | "))
	}
	return &server{Server: p, startup: time.Since(p.Started())}, nil
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
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.Pid()))
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
