package harness

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// HealthError is why [Server.WaitHealthy] gave up waiting: the process
// exited first, or the timeout passed (or the caller's context ended).
type HealthError struct {
	// Exited is true when the process ended before it was healthy; Status
	// then says how, as [Server.ExitStatus] does.
	Exited bool
	Status string
	// Timeout is the wait that passed, and Last the last probe's error, when
	// Exited is false.
	Timeout time.Duration
	Last    error
}

func (e *HealthError) Error() string {
	if e.Exited {
		return "server exited before it was healthy (" + e.Status + ")"
	}
	return fmt.Sprintf("no 200 from /api/health within %s: %v", e.Timeout, e.Last)
}

// Unwrap returns the last probe's error, nil when the process exited.
func (e *HealthError) Unwrap() error {
	return e.Last
}

// WaitHealthy calls probe, then again every poll, until it returns nil, the
// process exits, or timeout passes; probe gets a context that ends with the
// timeout, and is usually [Health] with the caller's client. It returns nil
// once probe did, and a *[HealthError] otherwise. It leaves a server that is
// not healthy running: the caller decides whether to kill it.
func (s *Server) WaitHealthy(
	ctx context.Context,
	timeout, poll time.Duration,
	probe func(context.Context) error,
) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		err := probe(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return &HealthError{Exited: true, Status: s.ExitStatus()}
		case <-ctx.Done():
			return &HealthError{Timeout: timeout, Last: err}
		case <-tick.C:
		}
	}
}

// Health returns nil when GET base/api/health, sent with hc, answers 200; any
// other status is a *[StatusError].
func Health(ctx context.Context, hc *http.Client, base string) error {
	_, err := Do(ctx, hc, http.MethodGet, base+"/api/health", nil, http.StatusOK)
	return err
}
