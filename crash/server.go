package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
)

const (
	// startAttempts is how often a start is tried when the process exits
	// before it is healthy because another program took the free port
	// meanwhile.
	startAttempts = 3
	// healthPoll is how often a starting server is asked GET /api/health.
	healthPoll = 20 * time.Millisecond
	// ownLogLines is how much of one run's own log is kept, to tell why it
	// exited.
	ownLogLines = 20
)

// launcher starts the server, always with the same binary, configuration,
// working directory and database, and keeps the tail of every run's log.
type launcher struct {
	bin, config, dir, dbPath string
	log                      *harness.LogTail
	starts                   int
}

// start starts the server with auth disabled on a free port of 127.0.0.1
// and waits until GET /api/health answers 200. A process that could not
// listen because the port was taken meanwhile is tried again on a new port,
// up to startAttempts times in all.
func (l *launcher) start(
	ctx context.Context,
	c *client,
	timeout time.Duration,
) (*harness.Server, error) {
	for attempt := 1; ; attempt++ {
		p, own, err := l.spawn()
		if err != nil {
			return nil, err
		}
		err = p.WaitHealthy(ctx, timeout, healthPoll, func(ctx context.Context) error {
			return c.health(ctx, p.URL)
		})
		if err == nil {
			return p, nil
		}
		p.Kill()
		var he *harness.HealthError
		portTaken := errors.As(err, &he) && he.Exited &&
			strings.Contains(strings.Join(own.Lines(), "\n"), "address already in use")
		if !portTaken || attempt == startAttempts {
			return nil, err
		}
	}
}

// spawn starts one process, its output in the launcher's log tail, after a
// line that marks the start, and in a tail of its own.
func (l *launcher) spawn() (*harness.Server, *harness.LogTail, error) {
	port, err := harness.FreePort()
	if err != nil {
		return nil, nil, err
	}
	l.starts++
	fmt.Fprintf(l.log, "--- start %d on port %d ---\n", l.starts, port)
	own := harness.NewLogTail(ownLogLines)
	p, err := harness.Start(harness.Config{
		Bin:        l.bin,
		ConfigFile: l.config,
		Dir:        l.dir,
		DBPath:     l.dbPath,
		Port:       port,
		Output:     io.MultiWriter(l.log, own),
	})
	if err != nil {
		return nil, nil, err
	}
	return p, own, nil
}
