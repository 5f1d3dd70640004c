package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
)

const (
	// logLines is how much of the server's log is kept, to show when something fails.
	logLines = 50
	// healthPoll is how often a starting server is asked GET /api/health.
	healthPoll = 50 * time.Millisecond
)

// waitHealthy polls GET /api/health until it answers 200, the process exits,
// or timeout passes, and words a failure as e2e always has.
func waitHealthy(ctx context.Context, srv *harness.Server, a *api, timeout time.Duration) error {
	err := srv.WaitHealthy(ctx, timeout, healthPoll, a.health)
	var he *harness.HealthError
	switch {
	case !errors.As(err, &he):
		return err
	case he.Exited:
		return fmt.Errorf("server exited before it was healthy: %s", he.Status)
	default:
		return fmt.Errorf("no healthy answer within %s: %w", timeout, he.Last)
	}
}
