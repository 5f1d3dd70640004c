package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agentlens/agentlens-go/store/chain"
)

// maxGroupEvents bounds how many events one group commit may hold, so a
// burst of large batches cannot build one enormous transaction.
const maxGroupEvents = 10000

// errTransactionLost means a failed batch could not be rolled back to its
// savepoint, so the group's transaction can no longer be trusted.
var errTransactionLost = errors.New("transaction lost")

// appendRequest is one batch waiting for the writer.
type appendRequest struct {
	events      []chain.Event
	delivery    *Delivery    // recorded with the batch when not nil
	idempotency *Idempotency // likewise
	err         error
	done        chan error
}

// Append adds a batch to the chains of its sessions, atomically: every
// event is stored or none is. The events must carry every field except
// Seq, PrevHash and Hash, which Append sets in place. It returns once the
// batch is durably committed, or with the error that kept it out.
//
// Appends from any number of goroutines are serialized by one writer, so
// the events of one session get consecutive seqs in arrival order, and the
// events within a batch keep their input order. It returns [ErrClosed]
// after Close.
func (s *Store) Append(ctx context.Context, events []chain.Event) error {
	if len(events) == 0 {
		return nil
	}
	return s.enqueue(ctx, &appendRequest{events: events, done: make(chan error, 1)})
}

// enqueue hands req to the writer and waits for its outcome.
func (s *Store) enqueue(ctx context.Context, req *appendRequest) error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	select {
	case s.appends <- req:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()

	// Once queued, the batch may commit, so wait for the outcome even if
	// the caller gives up: answering early could invite a duplicate retry.
	return <-req.done
}

// runWriter owns the writer connection and commits waiting batches in
// groups until Close, then commits what is still queued and returns.
func (s *Store) runWriter(conn *sql.Conn) {
	defer close(s.done)
	defer conn.Close()
	for {
		select {
		case req := <-s.appends:
			s.commitGroup(conn, s.collect(req))
		case <-s.quit:
			for {
				select {
				case req := <-s.appends:
					s.commitGroup(conn, s.collect(req))
				default:
					return
				}
			}
		}
	}
}

// collect gathers the batches already waiting behind first.
func (s *Store) collect(first *appendRequest) []*appendRequest {
	group := []*appendRequest{first}
	n := len(first.events)
	for n < maxGroupEvents {
		select {
		case req := <-s.appends:
			group = append(group, req)
			n += len(req.events)
		default:
			return group
		}
	}
	return group
}

// commitGroup appends every batch of the group in one transaction, each
// under its own savepoint, and answers each request after the commit.
func (s *Store) commitGroup(conn *sql.Conn, group []*appendRequest) {
	ctx := context.Background()
	start := time.Now()
	defer func() {
		stats := CommitStats{Batches: len(group), Duration: time.Since(start)}
		for _, req := range group {
			if req.err != nil {
				stats.Failed++
			} else {
				stats.Events += len(req.events)
			}
			req.done <- req.err
		}
		if s.onCommit != nil {
			s.onCommit(stats)
		}
	}()

	if err := begin(ctx, conn); err != nil {
		s.noteWrite(err)
		for _, req := range group {
			req.err = fmt.Errorf("%w: begin transaction: %w", ErrUnavailable, err)
		}
		return
	}

	// committed holds the heads the group has changed so far; it reaches the
	// cache only if COMMIT succeeds.
	committed := map[string]Session{}
	for i, req := range group {
		req.err = s.appendBatch(ctx, conn, i, req, committed)
		if errors.Is(req.err, errTransactionLost) || errors.Is(req.err, ErrUnavailable) {
			s.abortGroup(ctx, conn, group, req.err)
			return
		}
	}

	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		// A failed COMMIT leaves the connection inside the transaction.
		s.abortGroup(ctx, conn, group, fmt.Errorf("%w: commit: %w", ErrUnavailable, err))
		return
	}
	s.noteWrite(nil)
	for id, sess := range committed {
		s.heads.Add(id, sess)
	}
}

// begin opens the group's transaction. A connection left inside a
// transaction by an earlier failure is rolled back and tried once more.
func begin(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err == nil {
		return nil
	}
	_, _ = conn.ExecContext(ctx, "ROLLBACK")
	_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	return err
}

// noteWrite records the outcome of a group commit for [Store.WriteError].
func (s *Store) noteWrite(err error) {
	if err == nil {
		s.writeErr.Store(nil)
		return
	}
	s.writeErr.Store(&err)
}

// storageFault classifies an error of one statement: a constraint failure
// belongs to the batch, anything else to the database.
func storageFault(err error) error {
	if strings.Contains(strings.ToLower(err.Error()), "constraint") {
		return err
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// abortGroup rolls the whole group back and fails every batch in it.
func (s *Store) abortGroup(ctx context.Context, conn *sql.Conn, group []*appendRequest, cause error) {
	_, _ = conn.ExecContext(ctx, "ROLLBACK")
	s.heads.Purge()
	if errors.Is(cause, ErrUnavailable) {
		s.noteWrite(cause)
	}
	for _, req := range group {
		if req.err == nil {
			req.err = fmt.Errorf("append rolled back: %w", cause)
		}
	}
}

// appendBatch seals and inserts one batch under a savepoint, updating the
// heads in committed only when the whole batch went in.
func (s *Store) appendBatch(ctx context.Context, conn *sql.Conn, n int, req *appendRequest,
	committed map[string]Session,
) error {
	savepoint := fmt.Sprintf("batch_%d", n)
	if _, err := conn.ExecContext(ctx, "SAVEPOINT "+savepoint); err != nil {
		return fmt.Errorf("%w: open savepoint: %w", ErrUnavailable, err)
	}
	local := map[string]*Session{}
	err := s.insertBatch(ctx, conn, req.events, committed, local)
	if err == nil && req.delivery != nil {
		err = insertDeliveryRow(ctx, conn, req.delivery, &req.events[0])
	}
	if err == nil && req.idempotency != nil {
		err = insertIdempotencyRow(ctx, conn, req.idempotency, req.events)
	}
	if err != nil {
		if _, rbErr := conn.ExecContext(ctx, "ROLLBACK TO "+savepoint); rbErr != nil {
			return fmt.Errorf("%w: roll back batch after %v: %v", errTransactionLost, err, rbErr)
		}
	}
	if _, relErr := conn.ExecContext(ctx, "RELEASE "+savepoint); relErr != nil && err == nil {
		err = fmt.Errorf("%w: release savepoint: %w", ErrUnavailable, relErr)
	}
	if err != nil {
		return err
	}
	for id, sess := range local {
		committed[id] = *sess
	}
	return nil
}

func (s *Store) insertBatch(ctx context.Context, conn *sql.Conn, events []chain.Event,
	committed map[string]Session, local map[string]*Session,
) error {
	for i := range events {
		e := &events[i]
		sess, ok := local[e.SessionID]
		if !ok {
			head, err := s.loadHead(ctx, conn, e.SessionID, committed)
			if err != nil {
				return err
			}
			sess = &head
			local[e.SessionID] = sess
		}
		e.Seal(sess.EventCount, sess.LastHash)
		if _, err := conn.ExecContext(ctx, insertEvent,
			e.ID, e.Timestamp, e.ReceivedAt, e.KeyID, e.SessionID, e.AgentID, e.EventType,
			e.Severity, e.Seq, string(e.Payload), string(e.Metadata), nullable(e.PrevHash), e.Hash,
		); err != nil {
			return fmt.Errorf("insert event %d of session %q at seq %d: %w", i, e.SessionID, e.Seq,
				storageFault(scrub(err)))
		}
		sess.apply(e)
	}
	for _, sess := range local {
		tags, err := json.Marshal(sess.tagsOrEmpty())
		if err != nil {
			return fmt.Errorf("encode tags: %w", err)
		}
		if _, err := conn.ExecContext(ctx, upsertSession,
			sess.ID, sess.AgentID, textArg(sess.AgentName), sess.Status, sess.StartedAt,
			nullable(sess.EndedAt), sess.CreatedAt, sess.UpdatedAt, sess.LastTimestamp,
			sess.EventCount, sess.ToolCallCount, sess.ErrorCount, sess.costTrackedUSD,
			sess.hasCostTracked, sess.llmCostUSD, string(tags), sess.LastHash,
		); err != nil {
			return fmt.Errorf("update head of session %q: %w", sess.ID, storageFault(scrub(err)))
		}
	}
	return nil
}

// insertDeliveryRow records the webhook delivery that produced e.
func insertDeliveryRow(ctx context.Context, conn *sql.Conn, d *Delivery, e *chain.Event) error {
	d.EventID, d.EventType, d.SessionID, d.ReceivedAt = e.ID, e.EventType, e.SessionID, e.ReceivedAt
	if _, err := conn.ExecContext(ctx, insertDelivery,
		d.Source, d.DeliveryID, d.EventID, d.EventType, d.SessionID, d.ReceivedAt, d.RequestHash); err != nil {
		return fmt.Errorf("record webhook delivery: %w", scrub(err))
	}
	return nil
}

// loadHead returns the session's current head: from this group's earlier
// batches, else the cache, else the database; a zero Session when new.
func (s *Store) loadHead(ctx context.Context, conn *sql.Conn, id string,
	committed map[string]Session,
) (Session, error) {
	if sess, ok := committed[id]; ok {
		return sess, nil
	}
	if sess, ok := s.heads.Get(id); ok {
		return sess, nil
	}
	sess, err := scanSession(conn.QueryRowContext(ctx, selectSession+` WHERE session_id = ?`, id))
	if errors.Is(err, ErrNotFound) {
		return Session{}, nil
	}
	if err != nil {
		return Session{}, fmt.Errorf("read head of session %q: %w", id, err)
	}
	return sess, nil
}

func (s *Session) tagsOrEmpty() []string {
	if s.Tags == nil {
		return []string{}
	}
	return s.Tags
}

// textArg binds client text that may hold a NUL (which would end a C
// string) as a BLOB, so that it is stored whole; "" is SQL NULL.
func textArg(s string) any {
	if s == "" {
		return nil
	}
	if !bindable(s) {
		return []byte(s)
	}
	return s
}

// nullable maps "" to SQL NULL.
func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

const insertEvent = `INSERT INTO events (id, timestamp, received_at, key_id, session_id,
	agent_id, event_type, severity, seq, payload, metadata, prev_hash, hash)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const upsertSession = `INSERT INTO sessions (session_id, agent_id, agent_name, status,
	started_at, ended_at, created_at, updated_at, last_timestamp, event_count,
	tool_call_count, error_count, cost_tracked_usd, has_cost_tracked, llm_cost_usd,
	tags, last_hash)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (session_id) DO UPDATE SET
		agent_name = excluded.agent_name, status = excluded.status,
		ended_at = excluded.ended_at, updated_at = excluded.updated_at,
		last_timestamp = excluded.last_timestamp, event_count = excluded.event_count,
		tool_call_count = excluded.tool_call_count, error_count = excluded.error_count,
		cost_tracked_usd = excluded.cost_tracked_usd,
		has_cost_tracked = excluded.has_cost_tracked, llm_cost_usd = excluded.llm_cost_usd,
		tags = excluded.tags, last_hash = excluded.last_hash`
