package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/agentlens/agentlens-go/store/chain"
)

// Idempotency names a batch by the caller's Idempotency-Key, with the
// SHA-256 of the request that carried it.
type Idempotency struct {
	Caller      string // the writing API key's id
	Key         string
	RequestHash string
}

// AppendIdempotent appends a batch like [Store.Append] and records, in the
// same transaction, that idem produced it. If the key is already recorded,
// nothing is appended and the error wraps the constraint failure.
func (s *Store) AppendIdempotent(ctx context.Context, events []chain.Event, idem Idempotency) error {
	if len(events) == 0 {
		return nil
	}
	return s.enqueue(ctx, &appendRequest{events: events, idempotency: &idem, done: make(chan error, 1)})
}

// Replay returns the request hash recorded for the caller's key and the
// events that request stored, in input order, or [ErrNotFound].
func (s *Store) Replay(ctx context.Context, caller, key string) (string, []chain.Event, error) {
	if !bindable(caller) || !bindable(key) {
		return "", nil, ErrNotFound
	}
	var hash, ids string
	err := s.db.QueryRowContext(ctx, `SELECT CAST(request_hash AS BLOB), event_ids
		FROM idempotency_keys WHERE caller = ? AND idem_key = ?`, caller, key).Scan(&hash, &ids)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, fmt.Errorf("read idempotency key: %w", err)
	}
	var eventIDs []string
	if err := json.Unmarshal([]byte(ids), &eventIDs); err != nil {
		return "", nil, fmt.Errorf("decode idempotency record: %w", err)
	}
	events := make([]chain.Event, len(eventIDs))
	for i, id := range eventIDs {
		if events[i], err = s.Event(ctx, id); err != nil {
			return "", nil, fmt.Errorf("read event %s of an idempotent batch: %w", id, err)
		}
	}
	return hash, events, nil
}

// ForgetIdempotencyKeys removes keys recorded before cutoff.
func (s *Store) ForgetIdempotencyKeys(ctx context.Context, cutoff string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("forget old idempotency keys: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// insertIdempotencyRow records which events the keyed request stored.
func insertIdempotencyRow(ctx context.Context, conn *sql.Conn, idem *Idempotency, events []chain.Event) error {
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].ID
	}
	encoded, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO idempotency_keys
		(caller, idem_key, request_hash, event_ids, created_at) VALUES (?, ?, ?, ?, ?)`,
		idem.Caller, idem.Key, idem.RequestHash, string(encoded), events[0].ReceivedAt); err != nil {
		return fmt.Errorf("record idempotency key: %w", scrub(err))
	}
	return nil
}
