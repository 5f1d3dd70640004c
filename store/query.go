package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/agentlens/agentlens-go/store/chain"
)

// EventFilter selects events for [Store.ListEvents]. Empty fields select
// everything; list fields match any of their values.
type EventFilter struct {
	SessionIDs []string
	AgentIDs   []string
	EventTypes []string
	Severities []string
	From, To   string // inclusive bounds on timestamp, in chain.TimeLayout
	Search     string // case-insensitive substring of the payload text
	Ascending  bool
	Limit      int
	Offset     int
}

// SessionFilter selects sessions for [Store.ListSessions].
type SessionFilter struct {
	AgentIDs  []string
	Statuses  []string
	Tags      []string // sessions holding any of these tags
	From, To  string   // inclusive bounds on startedAt
	Ascending bool
	Limit     int
	Offset    int
}

// eventColumns reads every event field; text that go-libsql would turn into
// time.Time is read as BLOB.
const eventColumns = `CAST(id AS BLOB), CAST(timestamp AS BLOB), CAST(received_at AS BLOB),
	CAST(key_id AS BLOB), CAST(session_id AS BLOB), CAST(agent_id AS BLOB),
	CAST(event_type AS BLOB), CAST(severity AS BLOB), seq, CAST(payload AS BLOB),
	CAST(metadata AS BLOB), CAST(prev_hash AS BLOB), CAST(hash AS BLOB)`

const selectSession = `SELECT CAST(session_id AS BLOB), CAST(agent_id AS BLOB),
	CAST(agent_name AS BLOB), status, CAST(started_at AS BLOB), CAST(ended_at AS BLOB),
	CAST(created_at AS BLOB), CAST(updated_at AS BLOB), CAST(last_timestamp AS BLOB),
	event_count, tool_call_count, error_count, cost_tracked_usd, has_cost_tracked,
	llm_cost_usd, tags, CAST(last_hash AS BLOB) FROM sessions`

type scanner interface{ Scan(dest ...any) error }

func scanEvent(row scanner, e *chain.Event) error {
	var prev []byte
	if err := row.Scan(&e.ID, &e.Timestamp, &e.ReceivedAt, &e.KeyID, &e.SessionID,
		&e.AgentID, &e.EventType, &e.Severity, &e.Seq, &e.Payload, &e.Metadata,
		&prev, &e.Hash); err != nil {
		return err
	}
	e.PrevHash = string(prev)
	return nil
}

func scanSession(row scanner) (Session, error) {
	var s Session
	var agentName, endedAt []byte
	var tags string
	err := row.Scan(&s.ID, &s.AgentID, &agentName, &s.Status, &s.StartedAt, &endedAt,
		&s.CreatedAt, &s.UpdatedAt, &s.LastTimestamp, &s.EventCount, &s.ToolCallCount,
		&s.ErrorCount, &s.costTrackedUSD, &s.hasCostTracked, &s.llmCostUSD, &tags, &s.LastHash)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNotFound
	}
	if err != nil {
		return Session{}, err
	}
	s.AgentName = string(agentName)
	s.EndedAt = string(endedAt)
	if err := json.Unmarshal([]byte(tags), &s.Tags); err != nil {
		return Session{}, fmt.Errorf("decode tags of session %q: %w", s.ID, err)
	}
	return s, nil
}

// where builds a conjunction of conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) in(column string, values []string) {
	if len(values) == 0 {
		return
	}
	var args []any
	for _, v := range values {
		if bindable(v) {
			args = append(args, v)
		}
	}
	if len(args) == 0 {
		w.conds = append(w.conds, "0") // only values nothing can hold
		return
	}
	w.conds = append(w.conds, column+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+")")
	w.args = append(w.args, args...)
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likeEscape makes s match literally inside a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ListEvents returns one page of the events the filter selects and how many
// it selects in all. A single-session filter lists in seq order; anything
// else in (timestamp, id) order.
func (s *Store) ListEvents(ctx context.Context, f EventFilter) ([]chain.Event, int, error) {
	var w where
	w.in("session_id", f.SessionIDs)
	w.in("agent_id", f.AgentIDs)
	w.in("event_type", f.EventTypes)
	w.in("severity", f.Severities)
	if f.From != "" {
		w.add("timestamp >= ?", f.From)
	}
	if f.To != "" {
		w.add("timestamp <= ?", f.To)
	}
	switch {
	case f.Search != "" && !bindable(f.Search):
		w.add("0")
	case f.Search != "":
		w.add(`payload LIKE ? ESCAPE '\'`, "%"+likeEscape(f.Search)+"%")
	}

	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM events"+w.String(), w.args...).
		Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count events: %w", err)
	}

	dir := "DESC"
	if f.Ascending {
		dir = "ASC"
	}
	order := fmt.Sprintf(" ORDER BY timestamp %s, id %s", dir, dir)
	if len(f.SessionIDs) == 1 {
		order = " ORDER BY seq " + dir
	}
	query := "SELECT " + eventColumns + " FROM events" + w.String() + order + " LIMIT ? OFFSET ?"
	events, err := s.queryEvents(ctx, query, append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list events: %w", err)
	}
	return events, total, nil
}

func (s *Store) queryEvents(ctx context.Context, query string, args ...any) ([]chain.Event, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	events := []chain.Event{}
	for rows.Next() {
		var e chain.Event
		if err := scanEvent(rows, &e); err != nil {
			return nil, err
		}
		events = append(events, e)
	}
	return events, rows.Err()
}

// Event returns the event with the given id, or [ErrNotFound].
func (s *Store) Event(ctx context.Context, id string) (chain.Event, error) {
	var e chain.Event
	if !bindable(id) {
		return e, ErrNotFound
	}
	err := scanEvent(s.db.QueryRowContext(ctx,
		"SELECT "+eventColumns+" FROM events WHERE id = ?", id), &e)
	if errors.Is(err, sql.ErrNoRows) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("read event: %w", err)
	}
	return e, nil
}

// Session returns the session's summary and head, or [ErrNotFound].
func (s *Store) Session(ctx context.Context, id string) (Session, error) {
	if !bindable(id) {
		return Session{}, ErrNotFound
	}
	sess, err := scanSession(s.db.QueryRowContext(ctx, selectSession+" WHERE session_id = ?", id))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return sess, fmt.Errorf("read session: %w", err)
	}
	return sess, err
}

// ListSessions returns one page of the sessions the filter selects, ordered
// by (startedAt, id), and how many it selects in all.
func (s *Store) ListSessions(ctx context.Context, f SessionFilter) ([]Session, int, error) {
	var w where
	w.in("agent_id", f.AgentIDs)
	w.in("status", f.Statuses)
	if len(f.Tags) > 0 {
		args := make([]any, len(f.Tags))
		for i, t := range f.Tags {
			args[i] = t
		}
		w.add("EXISTS (SELECT 1 FROM json_each(sessions.tags) WHERE json_each.value IN ("+
			strings.TrimSuffix(strings.Repeat("?, ", len(f.Tags)), ", ")+"))", args...)
	}
	if f.From != "" {
		w.add("started_at >= ?", f.From)
	}
	if f.To != "" {
		w.add("started_at <= ?", f.To)
	}

	var total int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sessions"+w.String(), w.args...).
		Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count sessions: %w", err)
	}
	dir := "DESC"
	if f.Ascending {
		dir = "ASC"
	}
	query := selectSession + w.String() +
		fmt.Sprintf(" ORDER BY started_at %s, session_id %s LIMIT ? OFFSET ?", dir, dir)
	rows, err := s.db.QueryContext(ctx, query, append(w.args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list sessions: %w", err)
	}
	defer rows.Close()
	sessions := []Session{}
	for rows.Next() {
		sess, err := scanSession(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list sessions: %w", err)
		}
		sessions = append(sessions, sess)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list sessions: %w", err)
	}
	return sessions, total, nil
}
