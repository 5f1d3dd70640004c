// Package verify serves GET /api/audit/verify: it walks session chains
// through a [Store] and reports, for each broken chain, where and why it
// broke.
//
// Signing of reports, exports and the public key routes belong here too and
// arrive with the evidence work; until then a report carries no signature.
package verify

import (
	"context"
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
	Events    int64
	FirstHash string
	LastHash  string
	Break     *chain.Break
}

// Store walks stored chains.
type Store interface {
	VerifySession(ctx context.Context, id string) (Result, error)
	// SessionsInRange lists the sessions with an event whose timestamp is
	// within [from, to] ("" = unbounded).
	SessionsInRange(ctx context.Context, from, to string) ([]string, error)
}

// Config is what the function needs from the host.
type Config struct {
	Store Store
	Now   func() time.Time // default time.Now
}

// Routes returns the function's routes.
func Routes(cfg Config) []api.Route {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &handler{cfg: cfg}
	return []api.Route{
		{Method: http.MethodGet, Path: "/api/audit/verify", Scope: api.ScopeAuditRead, Handler: h.verify},
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
	q := r.URL.Query()
	sessionID := q.Get("sessionId")
	from, err := bound(q.Get("from"), "from")
	if err != nil {
		return err
	}
	to, err := bound(q.Get("to"), "to")
	if err != nil {
		return err
	}

	var ids []string
	report := Report{BrokenChains: []BrokenChain{}}
	switch {
	case sessionID != "":
		ids = []string{sessionID}
		report.SessionID = sessionID
	case from != "" || to != "":
		report.Range = &Range{From: optional(from), To: optional(to)}
		if ids, err = h.cfg.Store.SessionsInRange(r.Context(), from, to); err != nil {
			return err
		}
	default:
		return api.BadRequest("Name a session with sessionId, or a time range with from and to.")
	}

	for _, id := range ids {
		res, err := h.cfg.Store.VerifySession(r.Context(), id)
		if errors.Is(err, ErrNotFound) && sessionID != "" {
			return api.NotFound(fmt.Sprintf("No session has id %q.", id))
		}
		if err != nil {
			return err
		}
		report.add(res)
	}
	report.Verified = len(report.BrokenChains) == 0
	report.VerifiedAt = chain.FormatTime(h.cfg.Now())
	return api.WriteJSON(w, http.StatusOK, report)
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

func bound(s, name string) (string, error) {
	if s == "" {
		return "", nil
	}
	t, err := chain.ParseTime(s)
	if err != nil {
		return "", api.BadRequest(fmt.Sprintf("%s must be an RFC 3339 date-time such as 2026-02-08T10:00:00Z.", name))
	}
	return t, nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
