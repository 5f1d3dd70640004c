// Package verify serves what an auditor uses: GET /api/audit/verify walks
// session chains and reports, for each broken one, where and why it broke;
// GET /api/audit/export hands out a signed, self-contained bundle; and the
// public key routes publish the keys that check every signature.
//
// Reports and bundles are signed as store/chain describes: Ed25519 over the
// JCS form of the document without its "signature" member.
package verify

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/store/chain"
)

// ErrNotFound is what a [Store] returns for a session it does not know.
var ErrNotFound = errors.New("not found")

// Result is the outcome of walking one session's chain.
type Result struct {
	SessionID string
	Head      chain.Head
	Anchor    *chain.Anchor
	Events    int64
	FirstHash string
	LastHash  string
	Break     *chain.Break
}

// Store walks stored chains.
type Store interface {
	VerifySession(ctx context.Context, id string) (Result, error)
	// VerifySessions verifies several sessions, possibly in parallel, and
	// returns their results in the order of ids.
	VerifySessions(ctx context.Context, ids []string) ([]Result, error)
	// ExportSession is VerifySession that also hands each event, in seq
	// order, to visit (which must copy what it keeps).
	ExportSession(ctx context.Context, id string, visit func(*chain.Event) error) (Result, error)
	// SessionsInRange lists the sessions with an event whose timestamp is
	// within [from, to] ("" = unbounded).
	SessionsInRange(ctx context.Context, from, to string) ([]string, error)
}

// Signer signs documents with the active signing key.
type Signer interface {
	Sign(doc any) (string, error)
	KeyID() string
}

// PublicKey is a signing key as published.
type PublicKey struct {
	KeyID     string
	Key       ed25519.PublicKey
	CreatedAt string
	RetiredAt string // "" for the active key
}

// Keys lists every signing key, active and retired.
type Keys interface {
	SigningKeys(ctx context.Context) ([]PublicKey, error)
}

// Config is what the function needs from the host.
type Config struct {
	Store  Store
	Signer Signer
	Keys   Keys
	Now    func() time.Time // default time.Now
}

// Routes returns the function's routes.
func Routes(cfg Config) []api.Route {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &handler{cfg: cfg}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/audit/verify", Scope: api.ScopeAuditRead, Handler: h.verify},
		{Method: http.MethodGet, Path: "/api/audit/export", Scope: api.ScopeAuditRead, Handler: h.export},
		{Method: http.MethodGet, Path: "/api/audit/public-key", Scope: api.Public, Handler: h.publicKey},
		{Method: http.MethodGet, Path: "/.well-known/jwks.json", Scope: api.Public, Handler: h.jwks},
	}
}

type handler struct {
	cfg Config
}

// Report is the answer of GET /api/audit/verify.
type Report struct {
	Verified         bool          `json:"verified"`
	VerifiedAt       string        `json:"verifiedAt"`
	Range            *Range        `json:"range"`
	SessionID        string        `json:"sessionId,omitempty"`
	SessionsVerified int           `json:"sessionsVerified"`
	TotalEvents      int64         `json:"totalEvents"`
	FirstHash        *string       `json:"firstHash"`
	LastHash         *string       `json:"lastHash"`
	BrokenChains     []BrokenChain `json:"brokenChains"`
	Signature        string        `json:"signature,omitempty"`
}

// Range is the time range a report covers.
type Range struct {
	From *string `json:"from"`
	To   *string `json:"to"`
}

// BrokenChain locates the first failure of one session's chain.
type BrokenChain struct {
	SessionID     string `json:"sessionId"`
	FailedAtIndex int64  `json:"failedAtIndex"`
	FailedEventID string `json:"failedEventId"`
	Reason        string `json:"reason"`
}

func (h *handler) verify(w http.ResponseWriter, r *http.Request) error {
	sel, err := h.selectSessions(r)
	if err != nil {
		return err
	}
	report := Report{BrokenChains: []BrokenChain{}, SessionID: sel.sessionID}
	if sel.sessionID == "" {
		report.Range = &Range{From: optional(sel.from), To: optional(sel.to)}
	}
	results, err := h.cfg.Store.VerifySessions(r.Context(), sel.ids)
	if err != nil {
		return sel.notFound(err)
	}
	for _, res := range results {
		report.add(res)
	}
	report.Verified = len(report.BrokenChains) == 0
	report.VerifiedAt = chain.FormatTime(h.cfg.Now())
	if report.Signature, err = h.cfg.Signer.Sign(report); err != nil {
		return fmt.Errorf("sign report: %w", err)
	}
	return api.WriteJSON(w, http.StatusOK, report)
}

// selection is the sessions a verify or export request names.
type selection struct {
	sessionID string // one session, or "" for a time range
	from, to  string
	ids       []string
}

// selectSessions reads ?sessionId= or ?from=&to= (a range selects the
// sessions with at least one event in it).
func (h *handler) selectSessions(r *http.Request) (selection, error) {
	q := r.URL.Query()
	sel := selection{sessionID: q.Get("sessionId")}
	var err error
	if sel.from, sel.to, err = api.TimeRange(q); err != nil {
		return sel, err
	}
	switch {
	case sel.sessionID != "":
		sel.ids = []string{sel.sessionID}
	case sel.from != "" || sel.to != "":
		if sel.ids, err = h.cfg.Store.SessionsInRange(r.Context(), sel.from, sel.to); err != nil {
			return sel, err
		}
	default:
		return sel, api.BadRequest("Name a session with sessionId, or a time range with from and to.")
	}
	return sel, nil
}

// notFound turns ErrNotFound for a named session into a 404.
func (sel selection) notFound(err error) error {
	if errors.Is(err, ErrNotFound) && sel.sessionID != "" {
		return api.NotFound(fmt.Sprintf("No session has id %q.", sel.sessionID))
	}
	return err
}

// add folds one session's result into the report.
func (rep *Report) add(res Result) {
	rep.SessionsVerified++
	rep.TotalEvents += res.Events
	if rep.FirstHash == nil && res.FirstHash != "" {
		rep.FirstHash = &res.FirstHash
	}
	if res.LastHash != "" {
		rep.LastHash = &res.LastHash
	}
	if b := res.Break; b != nil {
		rep.BrokenChains = append(rep.BrokenChains, BrokenChain{
			SessionID: b.SessionID, FailedAtIndex: b.Seq, FailedEventID: b.EventID, Reason: b.Reason,
		})
	}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
