package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/agentlens/agentlens-go/store/chain"
)

// Delivery records that a webhook delivery produced an event.
type Delivery struct {
	Source     string
	DeliveryID string
	EventID    string
	EventType  string
	SessionID  string
	ReceivedAt string
	// RequestHash is the SHA-256 (hex) of the delivery's body, "" for
	// deliveries recorded before it was kept.
	RequestHash string
}

// AppendDelivery appends a batch like [Store.Append] and, in the same
// transaction, records the webhook delivery d. EventID, EventType,
// SessionID and ReceivedAt of d are taken from the batch's first event. If
// the delivery is already recorded, nothing is appended and the error wraps
// the constraint failure; look the delivery up to answer the retry.
func (s *Store) AppendDelivery(ctx context.Context, events []chain.Event, d Delivery) error {
	if len(events) == 0 {
		return nil
	}
	return s.enqueue(ctx, &appendRequest{events: events, delivery: &d, done: make(chan error, 1)})
}

// Delivery returns the recorded delivery, or [ErrNotFound].
func (s *Store) Delivery(ctx context.Context, source, deliveryID string) (Delivery, error) {
	d := Delivery{Source: source, DeliveryID: deliveryID}
	if !bindable(source) || !bindable(deliveryID) {
		return d, ErrNotFound
	}
	err := s.db.QueryRowContext(ctx, `SELECT CAST(event_id AS BLOB), CAST(event_type AS BLOB),
		CAST(session_id AS BLOB), CAST(received_at AS BLOB), CAST(request_hash AS BLOB)
		FROM webhook_deliveries WHERE source = ? AND delivery_id = ?`, source, deliveryID).
		Scan(&d.EventID, &d.EventType, &d.SessionID, &d.ReceivedAt, &d.RequestHash)
	if errors.Is(err, sql.ErrNoRows) {
		return d, ErrNotFound
	}
	if err != nil {
		return d, fmt.Errorf("read webhook delivery: %w", err)
	}
	return d, nil
}

const insertDelivery = `INSERT INTO webhook_deliveries
	(source, delivery_id, event_id, event_type, session_id, received_at, request_hash)
	VALUES (?, ?, ?, ?, ?, ?, ?)`
