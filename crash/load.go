package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/agentlens/agentlens-go/internal/harness"
)

const (
	// maxBatchEvents is the largest batch a writer sends; sizes are uniform in 1..maxBatchEvents.
	maxBatchEvents = 50
	// maxBatchSessions is how many sessions one batch may spread over, so
	// atomicity is also tested across sessions.
	maxBatchSessions = 3
)

// tag is the data of every event's payload: which writer sent it, and the
// batch and position it belongs to. The client learns the ids of a batch only
// from a 201, so for a request the kill cut off, the tags are the only way to
// find out which of its events were stored.
type tag struct {
	Writer int    `json:"writer"`
	N      int    `json:"n"`     // the writer's batch number
	Batch  string `json:"batch"` // "<writer>-<n>", unique in the run
	Pos    int    `json:"pos"`   // 0-based position in the batch
	Size   int    `json:"size"`  // events in the batch
}

// wireEvent is one event as posted.
type wireEvent struct {
	SessionID string `json:"sessionId"`
	AgentID   string `json:"agentId"`
	EventType string `json:"eventType"`
	Payload   struct {
		Type string `json:"type"`
		Data tag    `json:"data"`
	} `json:"payload"`
}

// outcome is what the client learned of a batch it sent.
type outcome int

const (
	acked     outcome = iota // 201 with one id and hash per event: the batch must be stored
	cutOff                   // the request failed in transport: the kill cut it off
	timedOut                 // no answer within ingestTimeout
	refused                  // an answer other than 201
	malformed                // a 201 whose body does not match the batch
)

func (o outcome) String() string {
	return [...]string{"acknowledged", "cut off", "timed out", "refused", "malformed 201"}[o]
}

// batch is one POST /api/events as sent, and its outcome.
type batch struct {
	tag      string
	round    int
	sessions []string // the session of each position
	outcome  outcome
	ids      []string // by position, when acknowledged
	hashes   []string // likewise
	detail   string   // the error, for any outcome but acked
}

// writer sends batches one after another, as one agent would.
type writer struct {
	id       int
	agentID  string
	rng      *rand.Rand
	sessions []string
	next     int      // the next batch number
	sent     []*batch // this round's batches, taken by the runner after the round
}

// roundControl is shared by the runner and the writers during one round.
type roundControl struct {
	stop     atomic.Bool  // once set, writers send no new batch
	armed    atomic.Bool  // once set, the next writer to receive a 201 kills the server
	inFlight atomic.Int32 // requests sent and not yet answered

	once   sync.Once
	killed chan struct{} // closed once kill has run
	cut    int32         // inFlight when the kill was sent
	err    error         // the error of sending SIGKILL
	p      *harness.Server
}

func newRoundControl(p *harness.Server) *roundControl {
	return &roundControl{p: p, killed: make(chan struct{})}
}

// kill stops the writers and sends SIGKILL to the server, once; it is safe
// to call from any goroutine.
func (rc *roundControl) kill() {
	rc.once.Do(func() {
		rc.stop.Store(true)
		rc.cut = rc.inFlight.Load()
		rc.err = rc.p.SendKill()
		close(rc.killed)
	})
}

// run sends batches to base until told to stop. Every batch sent is
// recorded, whatever its outcome. When the round is armed, the first writer
// to receive a 201 kills the server before doing anything else, so the kill
// lands right after an acknowledgment: the moment a server that answered
// before committing would lose the batch.
func (w *writer) run(ctx context.Context, c *client, base string, round int, rc *roundControl) error {
	for !rc.stop.Load() && ctx.Err() == nil {
		b, body, err := w.nextBatch(round)
		if err != nil {
			return err
		}
		rc.inFlight.Add(1)
		res, err := c.ingest(ctx, base, body)
		rc.inFlight.Add(-1)
		if err == nil && rc.armed.CompareAndSwap(true, false) {
			rc.kill()
		}
		w.sent = append(w.sent, b)
		if err != nil {
			b.outcome, b.detail = classify(err), err.Error()
			continue
		}
		if err := b.acknowledge(res); err != nil {
			b.outcome, b.detail = malformed, err.Error()
			continue
		}
		b.outcome = acked
	}
	return nil
}

// nextBatch makes the writer's next batch: 1..maxBatchEvents events spread
// over 1..maxBatchSessions random sessions.
func (w *writer) nextBatch(round int) (*batch, []byte, error) {
	n := w.next
	w.next++
	size := 1 + w.rng.IntN(maxBatchEvents)
	pool := make([]string, 1+w.rng.IntN(maxBatchSessions))
	for i := range pool {
		pool[i] = w.sessions[w.rng.IntN(len(w.sessions))]
	}

	b := &batch{tag: fmt.Sprintf("%d-%d", w.id, n), round: round, sessions: make([]string, size)}
	events := make([]wireEvent, size)
	for i := range events {
		e := &events[i]
		e.SessionID = pool[w.rng.IntN(len(pool))]
		e.AgentID = w.agentID
		e.EventType = "custom"
		e.Payload.Type = "crash"
		e.Payload.Data = tag{Writer: w.id, N: n, Batch: b.tag, Pos: i, Size: size}
		b.sessions[i] = e.SessionID
	}
	body, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		return nil, nil, fmt.Errorf("encode batch %s: %w", b.tag, err)
	}
	return b, body, nil
}

// acknowledge takes the ids and hashes of a 201, which must hold one
// of each per event, in input order.
func (b *batch) acknowledge(res harness.IngestResponse) error {
	if res.Ingested != len(b.sessions) || len(res.Events) != len(b.sessions) {
		return fmt.Errorf("201 for %d events says ingested %d with %d ids",
			len(b.sessions), res.Ingested, len(res.Events))
	}
	b.ids = make([]string, len(res.Events))
	b.hashes = make([]string, len(res.Events))
	for i, e := range res.Events {
		if e.ID == "" || len(e.Hash) != 64 {
			return fmt.Errorf("201 event %d has id %q and hash %q", i, e.ID, e.Hash)
		}
		b.ids[i], b.hashes[i] = e.ID, e.Hash
	}
	return nil
}

// classify tells a timeout and an answer other than 201 from a request cut off.
func classify(err error) outcome {
	var se *harness.StatusError
	if errors.As(err, &se) {
		return refused
	}
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return timedOut
	}
	return cutOff
}

// sessionName is the id of the k-th session of the run.
func sessionName(k int) string {
	return fmt.Sprintf("crash-%02d", k)
}

// shortErr keeps the last part of a transport error, the part that says
// what happened ("connection reset by peer", "EOF").
func shortErr(s string) string {
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
