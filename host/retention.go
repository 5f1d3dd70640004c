package host

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/agentlens/agentlens-go/store"
	"github.com/agentlens/agentlens-go/store/chain"
)

// RetentionSummary is what one retention run did.
type RetentionSummary struct {
	Cutoff     string
	Sessions   int            // sessions that held expired events
	Deleted    int64          // events replaced by anchors
	Deliveries int64          // webhook delivery records forgotten
	Broken     []*chain.Break // expired prefixes left in place because they failed verification
}

// RunRetention removes, from every session, the prefix of events older than
// days before now, each behind a signed anchor, and forgets webhook
// deliveries older than that. A prefix that fails verification is never
// deleted; it is logged and returned, and the next verify report shows it.
func RunRetention(ctx context.Context, st *store.Store, signer *chain.Signer, days int,
	now time.Time, log *slog.Logger,
) (RetentionSummary, error) {
	sum := RetentionSummary{Cutoff: chain.FormatTime(now.AddDate(0, 0, -days))}
	ids, err := st.RetentionSessions(ctx, sum.Cutoff)
	if err != nil {
		return sum, err
	}
	created := chain.FormatTime(now)
	for _, id := range ids {
		res, err := st.ApplyRetention(ctx, id, sum.Cutoff, created, signer.Sign)
		if err != nil {
			return sum, err
		}
		sum.Sessions++
		sum.Deleted += res.Deleted
		if b := res.Break; b != nil {
			sum.Broken = append(sum.Broken, b)
			log.ErrorContext(ctx, "retention kept an expired prefix that fails verification",
				slog.String(keySessionID, b.SessionID), slog.Int64(keySeq, b.Seq),
				slog.String(keyReason, b.Reason))
		}
	}
	if sum.Deliveries, err = st.ForgetDeliveries(ctx, sum.Cutoff); err != nil {
		return sum, err
	}
	log.InfoContext(ctx, "retention run",
		slog.String(keyCutoff, sum.Cutoff), slog.Int("sessions", sum.Sessions),
		slog.Int64("deleted", sum.Deleted), slog.Int64("deliveries_forgotten", sum.Deliveries),
		slog.Int("broken", len(sum.Broken)))
	return sum, nil
}

// retentionInterval is how often the service runs retention.
const retentionInterval = time.Hour

// idempotencyWindow is how long an Idempotency-Key is remembered: at least
// 24 hours, as clients are promised, and at most twice that.
const idempotencyWindow = 24 * time.Hour

// every runs fn at once and then at each interval until ctx ends; a failure
// is logged and the next round tries again.
func (h *Host) every(ctx context.Context, interval time.Duration, task string, fn func(context.Context) error) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := fn(ctx); err != nil && ctx.Err() == nil {
			h.log.ErrorContext(ctx, "background task failed", slog.String(keyTask, task), slog.Any(keyError, err))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// retain is one round of the retention job.
func (h *Host) retain(ctx context.Context) error {
	_, err := RunRetention(ctx, h.store, h.signer, h.cfg.Retention.Days, time.Now(), h.log)
	return err
}

// forgetIdempotencyKeys drops keys older than the idempotency window.
func (h *Host) forgetIdempotencyKeys(ctx context.Context) error {
	_, err := h.store.ForgetIdempotencyKeys(ctx, chain.FormatTime(time.Now().Add(-idempotencyWindow)))
	return err
}

// String summarizes a run for the CLI.
func (s RetentionSummary) String() string {
	return fmt.Sprintf("cutoff %s: %d events deleted from %d sessions behind signed anchors, "+
		"%d webhook deliveries forgotten, %d expired prefixes kept because they fail verification",
		s.Cutoff, s.Deleted, s.Sessions, s.Deliveries, len(s.Broken))
}
