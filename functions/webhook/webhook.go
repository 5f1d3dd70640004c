// Package webhook serves POST /api/events/ingest: deliveries from AgentGate
// (approvals), FormBridge (forms) and generic senders, mapped to AgentLens
// events and stored through the same write path as POST /api/events.
//
// AgentGate and FormBridge deliveries must carry X-Webhook-Signature, the hex
// HMAC-SHA256 of the raw body with that source's secret. Before the
// signature holds, nothing of the body is used but its "source" member. A
// generic delivery needs an API key with webhook:write or a signature with
// the generic secret. X-Webhook-Id makes a retried delivery return its first
// result instead of appending again.
package webhook

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/schemas"
	"github.com/agentlens/agentlens-go/store/chain"
)

// ErrNotFound is what [Deliveries.Delivery] returns for an unknown delivery.
var ErrNotFound = errors.New("not found")

// Delivery is the recorded outcome of a delivery id.
type Delivery struct {
	EventID     string
	EventType   string
	SessionID   string
	RequestHash string // SHA-256 hex of the first delivery's body; "" if unknown
}

// Writer stores one webhook event. With a delivery id, the event and the
// delivery record are stored together, atomically.
type Writer interface {
	WriteDelivery(ctx context.Context, caller api.Caller, event schemas.Event,
		source, deliveryID, requestHash string) (chain.Event, error)
}

// Deliveries looks up recorded deliveries.
type Deliveries interface {
	Delivery(ctx context.Context, source, deliveryID string) (Delivery, error)
}

// Secrets are the HMAC secrets per source; "" means not configured.
type Secrets struct {
	AgentGate  string
	FormBridge string
	Generic    string
}

// Config is what the function needs from the host.
type Config struct {
	Validator  *schemas.Validator
	Writer     Writer
	Deliveries Deliveries
	Secrets    Secrets
	Log        *slog.Logger
	Now        func() time.Time // default time.Now
	Limits     chain.Limits     // bounds of data (default chain.DefaultLimits)
}

// Routes returns the webhook route. Its credentials are optional at the
// host: signed sources need none, and a generic delivery is checked here.
func Routes(cfg Config) []api.Route {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Limits == (chain.Limits{}) {
		cfg.Limits = chain.DefaultLimits
	}
	h := &handler{cfg: cfg}
	return []api.Route{{
		Method: http.MethodPost, Path: "/api/events/ingest",
		Scope: api.ScopeWebhookWrite, OptionalAuth: true, Handler: h.ingest,
	}}
}

type handler struct {
	cfg      Config
	inFlight singleflight.Group // concurrent repeats of one delivery id
}

// response is the 201 body, also returned again for a repeated delivery.
type response struct {
	OK        bool   `json:"ok"`
	EventID   string `json:"eventId"`
	EventType string `json:"eventType"`
	SessionID string `json:"sessionId"`
}

func (h *handler) ingest(w http.ResponseWriter, r *http.Request) error {
	body, err := api.ReadBody(r)
	if err != nil {
		return err // over the body limit: 413 before any HMAC work
	}
	source, err := readSource(body)
	if err != nil {
		return err
	}
	caller, err := h.authenticate(r, source, body)
	if err != nil {
		return err
	}

	// The signature holds (or the caller is a key): now read the rest.
	// data nests two levels down: {"data":{...}}.
	if err := chain.Check(body, h.cfg.Limits.Deeper(2)); err != nil {
		return api.BadRequest("The delivery is not acceptable JSON: " + err.Error() + ".")
	}
	env, err := decodeEnvelope(body)
	if err != nil {
		return err
	}
	event, err := h.mapEvent(env)
	if err != nil {
		return err
	}

	deliveryID := r.Header.Get("X-Webhook-Id")
	if len(deliveryID) > 256 || strings.ContainsFunc(deliveryID, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
		return api.BadRequest("X-Webhook-Id must be at most 256 visible ASCII characters.")
	}
	if deliveryID == "" {
		stored, err := h.cfg.Writer.WriteDelivery(r.Context(), caller, event, source, "", "")
		if err != nil {
			return err
		}
		return api.WriteJSON(w, http.StatusCreated, responseFor(stored))
	}

	// One delivery id at a time: a concurrent repeat waits for the first and
	// shares its outcome; a later repeat finds the recorded delivery.
	v, err, _ := h.inFlight.Do(source+"\x00"+deliveryID, func() (any, error) {
		return h.deliverOnce(r.Context(), caller, event, source, deliveryID, bodyHash(body))
	})
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusCreated, v.(response))
}

// deliverOnce stores the event unless the delivery was already stored: a
// repeat with the same body gets the first result, one with another body
// is refused (409), since the sender is reusing an id for a new delivery.
func (h *handler) deliverOnce(ctx context.Context, caller api.Caller, event schemas.Event,
	source, deliveryID, requestHash string,
) (response, error) {
	d, err := h.cfg.Deliveries.Delivery(ctx, source, deliveryID)
	switch {
	case errors.Is(err, ErrNotFound):
		stored, err := h.cfg.Writer.WriteDelivery(ctx, caller, event, source, deliveryID, requestHash)
		if err != nil {
			return response{}, err
		}
		return responseFor(stored), nil
	case err != nil:
		return response{}, err
	case d.RequestHash != "" && d.RequestHash != requestHash:
		return response{}, api.Errorf(http.StatusConflict,
			"X-Webhook-Id %q was already delivered with a different body; send a new delivery with a new id.", deliveryID)
	}
	h.cfg.Log.InfoContext(ctx, "webhook delivery repeated; answering with its first result",
		slog.String("source", source), slog.String("delivery_id", deliveryID))
	return response{OK: true, EventID: d.EventID, EventType: d.EventType, SessionID: d.SessionID}, nil
}

// bodyHash is the hex SHA-256 of a delivery's raw body.
func bodyHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func responseFor(e chain.Event) response {
	return response{OK: true, EventID: e.ID, EventType: e.EventType, SessionID: e.SessionID}
}

// mapEvent turns a delivery into the event it records.
func (h *handler) mapEvent(env envelope) (schemas.Event, error) {
	m, ok := mappings[env.Source]
	if !ok {
		return schemas.Event{}, api.BadRequest(fmt.Sprintf("Unknown source %q.", env.Source))
	}
	draft, err := m(env)
	if err != nil {
		return schemas.Event{}, err
	}
	raw, err := draft.json(env)
	if err != nil {
		return schemas.Event{}, err
	}
	event, err := h.cfg.Validator.DecodeEvent(raw)
	if err != nil {
		var ve *schemas.Error
		if errors.As(err, &ve) {
			return schemas.Event{}, api.BadRequest(
				fmt.Sprintf("The %s %q delivery lacks what its event needs.", env.Source, env.Event),
				ve.Details...)
		}
		return schemas.Event{}, err
	}
	return event, nil
}
