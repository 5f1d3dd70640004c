package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/schemas"
	"github.com/agentlens/agentlens-go/store"
	"github.com/agentlens/agentlens-go/store/chain"
)

// appender is the store's write side.
type appender interface {
	Append(ctx context.Context, events []chain.Event) error
	AppendDelivery(ctx context.Context, events []chain.Event, d store.Delivery) error
	AppendIdempotent(ctx context.Context, events []chain.Event, idem store.Idempotency) error
}

// writer is the one write path every function shares: defaults, canonical
// form, limits, truncation, then the appender. It turns validated wire
// events into sealed, stored events.
type writer struct {
	appender         appender
	maxPayloadBytes  int
	maxMetadataBytes int
	limits           chain.Limits
	plugins          *pluginSet
	now              func() time.Time
	onBatch          func(events int) // called after each stored batch
}

// Write stores events on behalf of caller as one atomic batch and returns
// them, sealed, in input order. A problem with one event fails the batch
// with a 400 *api.Error naming the event's index; an event of an agent the
// caller's key is not bound to fails it with 403.
func (w *writer) Write(ctx context.Context, caller api.Caller, in []schemas.Event) ([]chain.Event, error) {
	events, err := w.prepareBatch(ctx, caller, in)
	if err != nil {
		return nil, err
	}
	if err := w.appender.Append(ctx, events); err != nil {
		return nil, fmt.Errorf("append batch: %w", err)
	}
	w.onBatch(len(events))
	return events, nil
}

// WriteIdempotent stores events like [writer.Write] and records the
// caller's Idempotency-Key in the same transaction.
func (w *writer) WriteIdempotent(ctx context.Context, caller api.Caller, in []schemas.Event,
	key, requestHash string,
) ([]chain.Event, error) {
	events, err := w.prepareBatch(ctx, caller, in)
	if err != nil {
		return nil, err
	}
	idem := store.Idempotency{Caller: caller.KeyID, Key: key, RequestHash: requestHash}
	if err := w.appender.AppendIdempotent(ctx, events, idem); err != nil {
		return nil, fmt.Errorf("append batch: %w", err)
	}
	w.onBatch(len(events))
	return events, nil
}

// WriteDelivery stores one webhook event like [writer.Write]; with a
// delivery id, the delivery is recorded in the same transaction.
func (w *writer) WriteDelivery(ctx context.Context, caller api.Caller, in schemas.Event,
	source, deliveryID, requestHash string,
) (chain.Event, error) {
	events, err := w.prepareBatch(ctx, caller, []schemas.Event{in})
	if err != nil {
		return chain.Event{}, err
	}
	if deliveryID == "" {
		err = w.appender.Append(ctx, events)
	} else {
		err = w.appender.AppendDelivery(ctx, events,
			store.Delivery{Source: source, DeliveryID: deliveryID, RequestHash: requestHash})
	}
	if err != nil {
		return chain.Event{}, fmt.Errorf("append webhook event: %w", err)
	}
	w.onBatch(1)
	return events[0], nil
}

// prepareBatch runs every step of the write path before the appender.
func (w *writer) prepareBatch(ctx context.Context, caller api.Caller, in []schemas.Event) ([]chain.Event, error) {
	now := w.now()
	receivedAt := chain.FormatTime(now)
	events := make([]chain.Event, len(in))
	for i, src := range in {
		if !caller.MayWriteFor(src.AgentID) {
			index := i
			return nil, &api.Error{
				Status:     http.StatusForbidden,
				Message:    fmt.Sprintf("This API key may not write events for agent %q (event %d).", src.AgentID, i),
				EventIndex: &index,
			}
		}
		e, err := w.prepare(src, now, receivedAt, caller.KeyID)
		if err != nil {
			return nil, inputError(i, err)
		}
		events[i] = e
	}

	// Redaction runs on the canonical payload, before truncation and hashing:
	// nothing unredacted is ever stored, not even in a preview.
	if err := w.plugins.apply(ctx, events); err != nil {
		return nil, err
	}
	for i := range events {
		events[i].Payload, _ = chain.Truncate(events[i].Payload, w.maxPayloadBytes)
	}
	return events, nil
}

// prepare fills in the server's fields and the defaults, and puts payload
// and metadata in canonical form.
func (w *writer) prepare(src schemas.Event, now time.Time, receivedAt, keyID string) (chain.Event, error) {
	e := chain.Event{
		ID:         ulid.Make().String(),
		ReceivedAt: receivedAt,
		KeyID:      keyID,
		SessionID:  src.SessionID,
		AgentID:    src.AgentID,
		EventType:  src.EventType,
		Severity:   src.Severity,
		Timestamp:  chain.FormatTime(now),
		Metadata:   []byte("{}"),
	}
	if e.Severity == "" {
		e.Severity = chain.Severities[0]
	}
	if src.Timestamp != "" {
		ts, err := chain.ParseTime(src.Timestamp)
		if err != nil {
			return e, err
		}
		e.Timestamp = ts
	}

	var err error
	if e.Payload, err = w.limits.CanonicalObject(src.Payload, "payload"); err != nil {
		return e, err
	}
	if hasMember(e.Payload, "_truncated") {
		return e, &chain.InputError{Reason: `payload member "_truncated" is reserved for the server's truncation record`}
	}
	if src.Metadata != nil {
		if e.Metadata, err = w.limits.CanonicalObject(src.Metadata, "metadata"); err != nil {
			return e, err
		}
		if hasMember(e.Metadata, "redaction") {
			return e, &chain.InputError{Reason: `metadata member "redaction" is reserved for the plugins' record`}
		}
		if len(e.Metadata) > w.maxMetadataBytes {
			return e, &chain.InputError{Reason: fmt.Sprintf(
				"metadata is %d bytes in canonical form; the limit is %d", len(e.Metadata), w.maxMetadataBytes)}
		}
	}
	return e, nil
}

// hasMember reports whether the canonical JSON object has a top-level
// member of that name. Members the server writes itself are reserved, so
// that a client cannot forge a truncation or redaction record.
func hasMember(object []byte, name string) bool {
	// Cheap test first: almost no event carries the name at all.
	if !bytes.Contains(object, []byte(`"`+name+`":`)) {
		return false
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(object, &members) != nil {
		return false
	}
	_, ok := members[name]
	return ok
}

// inputError turns a problem with event i into a 400 naming it.
func inputError(i int, err error) error {
	var ie *chain.InputError
	if !errors.As(err, &ie) {
		return err
	}
	index := i
	return &api.Error{
		Status:     http.StatusBadRequest,
		Message:    fmt.Sprintf("Event %d of the batch was refused: %s.", i, ie.Reason),
		Details:    []string{fmt.Sprintf("events[%d]: %s", i, ie.Reason)},
		EventIndex: &index,
	}
}
