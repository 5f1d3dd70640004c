package host

import (
	"context"
	"errors"

	"github.com/agentlens/agentlens-go/functions/ingest"
	"github.com/agentlens/agentlens-go/functions/keys"
	"github.com/agentlens/agentlens-go/functions/verify"
	"github.com/agentlens/agentlens-go/functions/webhook"
	"github.com/agentlens/agentlens-go/store"
	"github.com/agentlens/agentlens-go/store/chain"
)

// The adapters below give each function the store through the interface
// that function declares, translating types and the not-found sentinel.

// ingestReader serves ingest's read routes from the store.
type ingestReader struct{ s *store.Store }

var _ ingest.Reader = ingestReader{}

func (a ingestReader) ListEvents(ctx context.Context, f ingest.EventFilter) ([]chain.Event, int, error) {
	return a.s.ListEvents(ctx, store.EventFilter(f))
}

func (a ingestReader) Event(ctx context.Context, id string) (chain.Event, error) {
	e, err := a.s.Event(ctx, id)
	return e, notFound(err, ingest.ErrNotFound)
}

func (a ingestReader) ListSessions(ctx context.Context, f ingest.SessionFilter) ([]ingest.Session, int, error) {
	sessions, total, err := a.s.ListSessions(ctx, store.SessionFilter(f))
	if err != nil {
		return nil, 0, err
	}
	out := make([]ingest.Session, len(sessions))
	for i := range sessions {
		out[i] = sessionView(&sessions[i])
	}
	return out, total, nil
}

func (a ingestReader) Session(ctx context.Context, id string) (ingest.Session, error) {
	s, err := a.s.Session(ctx, id)
	if err != nil {
		return ingest.Session{}, notFound(err, ingest.ErrNotFound)
	}
	return sessionView(&s), nil
}

func (a ingestReader) Timeline(ctx context.Context, id string) ([]chain.Event, bool, error) {
	events, v, err := a.s.Timeline(ctx, id)
	return events, v.Break == nil, notFound(err, ingest.ErrNotFound)
}

func (a ingestReader) Replay(ctx context.Context, caller, key string) (string, []chain.Event, error) {
	hash, events, err := a.s.Replay(ctx, caller, key)
	return hash, events, notFound(err, ingest.ErrNotFound)
}

func sessionView(s *store.Session) ingest.Session {
	tags := s.Tags
	if tags == nil {
		tags = []string{}
	}
	return ingest.Session{
		ID: s.ID, AgentID: s.AgentID, AgentName: s.AgentName, Status: s.Status,
		StartedAt: s.StartedAt, EndedAt: s.EndedAt, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt,
		EventCount: s.EventCount, ToolCallCount: s.ToolCallCount, ErrorCount: s.ErrorCount,
		TotalCostUSD: s.TotalCostUSD(), Tags: tags, HeadSeq: s.HeadSeq(), HeadHash: s.LastHash,
	}
}

// verifyStore walks chains for the verify function and counts them.
type verifyStore struct {
	s       *store.Store
	metrics *metrics
}

var _ verify.Store = verifyStore{}

func (a verifyStore) VerifySession(ctx context.Context, id string) (verify.Result, error) {
	v, err := a.s.VerifySession(ctx, id)
	if err == nil {
		a.metrics.observeVerify(v.Break != nil)
	}
	return verify.Result(v), notFound(err, verify.ErrNotFound)
}

func (a verifyStore) VerifySessions(ctx context.Context, ids []string) ([]verify.Result, error) {
	vs, err := a.s.VerifySessions(ctx, ids)
	if err != nil {
		return nil, notFound(err, verify.ErrNotFound)
	}
	out := make([]verify.Result, len(vs))
	for i, v := range vs {
		a.metrics.observeVerify(v.Break != nil)
		out[i] = verify.Result(v)
	}
	return out, nil
}

func (a verifyStore) ExportSession(ctx context.Context, id string,
	visit func(*chain.Event) error,
) (verify.Result, error) {
	v, err := a.s.ExportSession(ctx, id, visit)
	return verify.Result(v), notFound(err, verify.ErrNotFound)
}

func (a verifyStore) SigningKeys(ctx context.Context) ([]verify.PublicKey, error) {
	stored, err := a.s.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]verify.PublicKey, len(stored))
	for i, k := range stored {
		out[i] = verify.PublicKey{KeyID: k.KeyID, Key: k.PublicKey, CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt}
	}
	return out, nil
}

func (a verifyStore) SessionsInRange(ctx context.Context, from, to string) ([]string, error) {
	return a.s.SessionsInRange(ctx, from, to)
}

// keyStore keeps API keys for the keys function; a revocation also drops
// the key from the authentication cache, so its next request fails.
type keyStore struct {
	s    *store.Store
	auth *keyAuth
}

var _ keys.Store = keyStore{}

func (a keyStore) CreateKey(ctx context.Context, k keys.Key, hash string) error {
	return a.s.CreateKey(ctx, store.Key(k), hash)
}

func (a keyStore) ListKeys(ctx context.Context) ([]keys.Key, error) {
	stored, err := a.s.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]keys.Key, len(stored))
	for i, k := range stored {
		out[i] = keys.Key(k)
	}
	return out, nil
}

func (a keyStore) RevokeKey(ctx context.Context, id, at string) error {
	if err := a.s.RevokeKey(ctx, id, at); err != nil {
		return notFound(err, keys.ErrNotFound)
	}
	a.auth.evict(id)
	return nil
}

// deliveryStore looks up recorded webhook deliveries.
type deliveryStore struct{ s *store.Store }

var _ webhook.Deliveries = deliveryStore{}

func (a deliveryStore) Delivery(ctx context.Context, source, id string) (webhook.Delivery, error) {
	d, err := a.s.Delivery(ctx, source, id)
	if err != nil {
		return webhook.Delivery{}, notFound(err, webhook.ErrNotFound)
	}
	return webhook.Delivery{
		EventID: d.EventID, EventType: d.EventType, SessionID: d.SessionID, RequestHash: d.RequestHash,
	}, nil
}

// notFound replaces store.ErrNotFound with the function's own sentinel.
func notFound(err, sentinel error) error {
	if errors.Is(err, store.ErrNotFound) {
		return sentinel
	}
	return err
}
