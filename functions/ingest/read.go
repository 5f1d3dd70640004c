package ingest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/store/chain"
)

// EventFilter selects events for GET /api/events; list fields match any of
// their values, times are inclusive bounds in chain.TimeLayout.
type EventFilter struct {
	SessionIDs []string
	AgentIDs   []string
	EventTypes []string
	Severities []string
	From, To   string
	Search     string
	Ascending  bool
	Limit      int
	Offset     int
}

// SessionFilter selects sessions for GET /api/sessions.
type SessionFilter struct {
	AgentIDs  []string
	Statuses  []string
	Tags      []string
	From, To  string
	Ascending bool
	Limit     int
	Offset    int
}

// Session is the summary and head of one session, as the API returns it.
type Session struct {
	ID            string   `json:"id"`
	AgentID       string   `json:"agentId"`
	AgentName     string   `json:"agentName,omitempty"`
	Status        string   `json:"status"`
	StartedAt     string   `json:"startedAt"`
	EndedAt       string   `json:"endedAt,omitempty"`
	CreatedAt     string   `json:"createdAt"`
	UpdatedAt     string   `json:"updatedAt"`
	EventCount    int64    `json:"eventCount"`
	ToolCallCount int64    `json:"toolCallCount"`
	ErrorCount    int64    `json:"errorCount"`
	TotalCostUSD  float64  `json:"totalCostUsd"`
	Tags          []string `json:"tags"`
	HeadSeq       int64    `json:"headSeq"`
	HeadHash      string   `json:"headHash"`
}

const (
	defaultLimit = 50
	maxLimit     = 500
	maxSearch    = 1000 // bytes; SQLite refuses far longer LIKE patterns
)

// page reads limit, offset and order, refusing values outside their range.
type page struct {
	limit, offset int
	ascending     bool
}

func parsePage(q url.Values) (page, error) {
	p := page{limit: defaultLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return p, api.BadRequest(fmt.Sprintf("limit must be a whole number from 1 to %d.", maxLimit))
		}
		p.limit = n
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return p, api.BadRequest("offset must be a whole number of 0 or more.")
		}
		p.offset = n
	}
	switch q.Get("order") {
	case "", "desc":
	case "asc":
		p.ascending = true
	default:
		return p, api.BadRequest(`order must be "asc" or "desc".`)
	}
	return p, nil
}

// list splits a comma-separated parameter, dropping empty items.
func list(q url.Values, name string) []string {
	var out []string
	for _, v := range q[name] {
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

type eventList struct {
	Events  []chain.Event `json:"events"`
	Total   int           `json:"total"`
	HasMore bool          `json:"hasMore"`
}

func (h *handler) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return err
	}
	f := EventFilter{
		SessionIDs: list(q, "sessionId"),
		AgentIDs:   list(q, "agentId"),
		EventTypes: list(q, "eventType"),
		Severities: list(q, "severity"),
		Search:     q.Get("search"),
		Ascending:  p.ascending,
		Limit:      p.limit,
		Offset:     p.offset,
	}
	if len(f.Search) > maxSearch {
		return api.BadRequest(fmt.Sprintf("search must be at most %d bytes.", maxSearch))
	}
	if f.From, f.To, err = api.TimeRange(q); err != nil {
		return err
	}
	events, total, err := h.cfg.Reader.ListEvents(r.Context(), f)
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusOK, eventList{
		Events: events, Total: total, HasMore: p.offset+len(events) < total,
	})
}

func (h *handler) getEvent(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	e, err := h.cfg.Reader.Event(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return api.NotFound(fmt.Sprintf("No event has id %q.", id))
	}
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusOK, e)
}

type sessionList struct {
	Sessions []Session `json:"sessions"`
	Total    int       `json:"total"`
	HasMore  bool      `json:"hasMore"`
}

func (h *handler) listSessions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, err := parsePage(q)
	if err != nil {
		return err
	}
	f := SessionFilter{
		AgentIDs:  list(q, "agentId"),
		Statuses:  list(q, "status"),
		Tags:      list(q, "tags"),
		Ascending: p.ascending,
		Limit:     p.limit,
		Offset:    p.offset,
	}
	if f.From, f.To, err = api.TimeRange(q); err != nil {
		return err
	}
	sessions, total, err := h.cfg.Reader.ListSessions(r.Context(), f)
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusOK, sessionList{
		Sessions: sessions, Total: total, HasMore: p.offset+len(sessions) < total,
	})
}

func (h *handler) getSession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	s, err := h.cfg.Reader.Session(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return api.NotFound(fmt.Sprintf("No session has id %q.", id))
	}
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusOK, s)
}

type timeline struct {
	Events     []chain.Event `json:"events"`
	ChainValid bool          `json:"chainValid"`
}

func (h *handler) timeline(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	events, valid, err := h.cfg.Reader.Timeline(r.Context(), id)
	if errors.Is(err, ErrNotFound) {
		return api.NotFound(fmt.Sprintf("No session has id %q.", id))
	}
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusOK, timeline{Events: events, ChainValid: valid})
}
