// Package ingest serves the write route POST /api/events and the read
// routes over stored events and sessions.
//
// It validates the request body and hands the decoded batch to a [Writer];
// it never touches storage or plugins itself. The host supplies the Writer
// (validation, defaults, plugins, truncation, appending) and the [Reader].
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"golang.org/x/sync/singleflight"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/schemas"
	"github.com/agentlens/agentlens-go/store/chain"
)

// ErrNotFound is what a [Reader] returns for an unknown event or session.
var ErrNotFound = errors.New("not found")

// Writer stores a validated batch atomically on behalf of caller and
// returns the stored events in input order. Input problems, and events the
// caller may not write, come back as *api.Error.
type Writer interface {
	Write(ctx context.Context, caller api.Caller, events []schemas.Event) ([]chain.Event, error)
	// WriteIdempotent is Write that also records, atomically with the
	// batch, that the caller's Idempotency-Key key with a request body of
	// SHA-256 requestHash produced it.
	WriteIdempotent(ctx context.Context, caller api.Caller, events []schemas.Event,
		key, requestHash string) ([]chain.Event, error)
}

// Reader answers the read routes.
type Reader interface {
	ListEvents(ctx context.Context, f EventFilter) ([]chain.Event, int, error)
	Event(ctx context.Context, id string) (chain.Event, error)
	ListSessions(ctx context.Context, f SessionFilter) ([]Session, int, error)
	Session(ctx context.Context, id string) (Session, error)
	// Timeline returns the session's events in seq order and whether its
	// chain verifies.
	Timeline(ctx context.Context, id string) ([]chain.Event, bool, error)
	// Replay returns the request hash recorded for the caller's
	// Idempotency-Key and the events that request stored, or ErrNotFound.
	Replay(ctx context.Context, callerKeyID, key string) (string, []chain.Event, error)
}

// Signer signs receipts.
type Signer interface {
	Sign(doc any) (string, error)
}

// Config is what the function needs from the host.
type Config struct {
	Validator *schemas.Validator
	Writer    Writer
	Reader    Reader
	Signer    Signer
	// MaxBatchEvents bounds a batch (default 1000).
	MaxBatchEvents int
	// Limits bound payloads and metadata (default chain.DefaultLimits).
	Limits chain.Limits
}

// Routes returns the function's routes.
func Routes(cfg Config) []api.Route {
	if cfg.MaxBatchEvents <= 0 {
		cfg.MaxBatchEvents = 1000
	}
	if cfg.Limits == (chain.Limits{}) {
		cfg.Limits = chain.DefaultLimits
	}
	h := &handler{cfg: cfg}
	return []api.Route{
		{Method: http.MethodPost, Path: "/api/events", Scope: api.ScopeEventsWrite, Handler: h.postEvents},
		{Method: http.MethodGet, Path: "/api/events", Scope: api.ScopeEventsRead, Handler: h.listEvents},
		{Method: http.MethodGet, Path: "/api/events/:id", Scope: api.ScopeEventsRead, Handler: h.getEvent},
		{Method: http.MethodGet, Path: "/api/sessions", Scope: api.ScopeEventsRead, Handler: h.listSessions},
		{Method: http.MethodGet, Path: "/api/sessions/:id", Scope: api.ScopeEventsRead, Handler: h.getSession},
		{Method: http.MethodGet, Path: "/api/sessions/:id/timeline", Scope: api.ScopeEventsRead, Handler: h.timeline},
	}
}

type handler struct {
	cfg      Config
	inFlight singleflight.Group // concurrent retries of one Idempotency-Key
}

// envelopeDepth is how deep the batch envelope nests a payload:
// {"events":[{"payload":{...}}]} adds three levels.
const envelopeDepth = 3

type ingestedEvent struct {
	ID   string `json:"id"`
	Hash string `json:"hash"`
}

func (h *handler) postEvents(w http.ResponseWriter, r *http.Request) error {
	if err := requireJSON(r); err != nil {
		return err
	}
	body, err := api.ReadBody(r)
	if err != nil {
		return err // the host maps a body over the limit to 413
	}

	// Refuse anything the hash could not cover exactly before looking
	// inside: duplicate keys, invalid UTF-8, unsafe numbers, deep nesting.
	if err := chain.Check(body, h.cfg.Limits.Deeper(envelopeDepth)); err != nil {
		return api.BadRequest("The request body is not acceptable JSON: " + err.Error() + ".")
	}
	events, err := h.cfg.Validator.DecodeBatch(body, h.cfg.MaxBatchEvents)
	if err != nil {
		var ve *schemas.Error
		if errors.As(err, &ve) {
			return api.BadRequest(ve.Message, ve.Details...)
		}
		return err
	}

	caller, _ := api.CallerFrom(r.Context())
	var stored []chain.Event
	if key := r.Header.Get("Idempotency-Key"); key != "" {
		stored, err = h.writeOnce(r, caller, key, body, events)
	} else {
		stored, err = h.cfg.Writer.Write(r.Context(), caller, events)
	}
	if err != nil {
		return err
	}
	api.NoteIngested(r.Context(), len(stored))
	out := make([]ingestedEvent, len(stored))
	for i, e := range stored {
		out[i] = ingestedEvent{ID: e.ID, Hash: e.Hash}
	}
	rcpt, err := h.receipt(stored)
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusCreated, map[string]any{
		"ingested": len(out),
		"events":   out,
		"receipt":  rcpt,
	})
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 255

// writeOnce stores the batch unless the caller already sent this
// Idempotency-Key: with the same body, the first batch's events are
// returned and nothing is appended; with another body the request is
// refused with 409. Concurrent retries of one key wait for the first.
func (h *handler) writeOnce(r *http.Request, caller api.Caller, key string, body []byte,
	events []schemas.Event,
) ([]chain.Event, error) {
	if len(key) > maxIdempotencyKey || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		return nil, api.BadRequest(fmt.Sprintf(
			"Idempotency-Key must be 1 to %d visible ASCII characters.", maxIdempotencyKey))
	}
	sum := sha256.Sum256(body)
	requestHash := hex.EncodeToString(sum[:])
	v, err, _ := h.inFlight.Do(caller.KeyID+"\x00"+key, func() (any, error) {
		firstHash, first, err := h.cfg.Reader.Replay(r.Context(), caller.KeyID, key)
		switch {
		case errors.Is(err, ErrNotFound):
			return h.cfg.Writer.WriteIdempotent(r.Context(), caller, events, key, requestHash)
		case err != nil:
			return nil, err
		case firstHash != requestHash:
			return nil, api.Errorf(http.StatusConflict,
				"This Idempotency-Key was already used with a different request body; use a new key.")
		default:
			return first, nil
		}
	})
	if err != nil {
		return nil, err
	}
	return v.([]chain.Event), nil
}

// receipt is signed proof of what the server acknowledged: for each session
// of the batch, the seq and hash of its last event in the batch. An agent
// that keeps it can later show that an event was deleted or rewritten.
type receipt struct {
	ReceivedAt string        `json:"receivedAt"`
	Heads      []receiptHead `json:"heads"`
	Signature  string        `json:"signature,omitempty"`
}

type receiptHead struct {
	SessionID string `json:"sessionId"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
}

// receipt builds and signs the receipt of a stored batch; one signature per
// batch keeps the cost off the per-event path.
func (h *handler) receipt(stored []chain.Event) (receipt, error) {
	rcpt := receipt{ReceivedAt: stored[0].ReceivedAt}
	index := map[string]int{}
	for _, e := range stored {
		head := receiptHead{SessionID: e.SessionID, Seq: e.Seq, Hash: e.Hash}
		if i, ok := index[e.SessionID]; ok {
			rcpt.Heads[i] = head
		} else {
			index[e.SessionID] = len(rcpt.Heads)
			rcpt.Heads = append(rcpt.Heads, head)
		}
	}
	sig, err := h.cfg.Signer.Sign(rcpt)
	if err != nil {
		return rcpt, fmt.Errorf("sign receipt: %w", err)
	}
	rcpt.Signature = sig
	return rcpt, nil
}

// requireJSON refuses bodies not declared as application/json (parameters
// such as charset allowed).
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &api.Error{
			Status:  http.StatusUnsupportedMediaType,
			Message: "Content-Type must be application/json.",
		}
	}
	return nil
}
