package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

const (
	// ingestTimeout bounds one POST /api/events. A request cut off by a kill
	// fails at once (the connection is reset), so this only matters if the
	// server hangs.
	ingestTimeout = 10 * time.Second
	// readTimeout bounds one read request made by the checks.
	readTimeout = 30 * time.Second
	// pageSize is the limit of each page of GET /api/events, the largest allowed.
	pageSize = 500
)

// client talks to whichever server process is current: every call names the
// base URL. POST requests carry no Idempotency-Key, so net/http never
// replays them on a new connection: each batch is sent at most once.
type client struct {
	hc *http.Client
}

func newClient(conns int) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns
	tr.MaxIdleConnsPerHost = conns
	return &client{hc: &http.Client{Transport: tr}}
}

// ingestResult is the 201 body of POST /api/events.
type ingestResult struct {
	Ingested int `json:"ingested"`
	Events   []struct {
		ID   string `json:"id"`
		Hash string `json:"hash"`
	} `json:"events"`
}

// statusError is an answer with an unexpected status.
type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("status %d: %s", e.status, e.body)
}

// ingest posts one batch and returns the decoded 201 answer.
func (c *client) ingest(ctx context.Context, base string, batch []byte) (ingestResult, error) {
	var res ingestResult
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	body, err := c.do(ctx, http.MethodPost, base+"/api/events", batch, http.StatusCreated)
	if err != nil {
		return res, err
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return res, fmt.Errorf("decode ingest answer: %w", err)
	}
	return res, nil
}

// health returns nil when GET /api/health answers 200.
func (c *client) health(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := c.do(ctx, http.MethodGet, base+"/api/health", nil, http.StatusOK)
	return err
}

// storedEvent is what the checks read of a stored event.
type storedEvent struct {
	ID        string `json:"id"`
	SessionID string `json:"sessionId"`
	Seq       int64  `json:"seq"`
	Hash      string `json:"hash"`
	Payload   struct {
		Type string `json:"type"`
		Data tag    `json:"data"`
	} `json:"payload"`
}

// sessionEvents lists every event of one session in seq order, page by
// page. The listing must be coherent: as many events as its total says.
func (c *client) sessionEvents(ctx context.Context, base, sessionID string) ([]storedEvent, error) {
	var all []storedEvent
	for {
		q := url.Values{
			"sessionId": {sessionID},
			"limit":     {strconv.Itoa(pageSize)},
			"offset":    {strconv.Itoa(len(all))},
			"order":     {"asc"},
		}
		var page struct {
			Events  []storedEvent `json:"events"`
			Total   int           `json:"total"`
			HasMore bool          `json:"hasMore"`
		}
		if err := c.getJSON(ctx, base+"/api/events?"+q.Encode(), &page); err != nil {
			return nil, fmt.Errorf("list events of session %s at offset %d: %w", sessionID, len(all), err)
		}
		all = append(all, page.Events...)
		if !page.HasMore {
			if len(all) != page.Total {
				return nil, fmt.Errorf("list events of session %s: %d events listed, total says %d",
					sessionID, len(all), page.Total)
			}
			return all, nil
		}
		if len(page.Events) == 0 {
			return nil, fmt.Errorf("list events of session %s: empty page at offset %d, hasMore true",
				sessionID, len(all))
		}
	}
}

// event fetches one event by id; found is false on 404.
func (c *client) event(ctx context.Context, base, id string) (storedEvent, bool, error) {
	var e storedEvent
	err := c.getJSON(ctx, base+"/api/events/"+url.PathEscape(id), &e)
	var se *statusError
	if errors.As(err, &se) && se.status == http.StatusNotFound {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("get event %s: %w", id, err)
	}
	return e, true, nil
}

// verifyResult is the body of GET /api/audit/verify.
type verifyResult struct {
	Verified     bool          `json:"verified"`
	TotalEvents  int64         `json:"totalEvents"`
	BrokenChains []brokenChain `json:"brokenChains"`
}

// brokenChain is one entry of brokenChains, from the API or `agentlens verify --json`.
type brokenChain struct {
	SessionID     string `json:"sessionId"`
	FailedAtIndex int64  `json:"failedAtIndex"`
	FailedEventID string `json:"failedEventId"`
	Reason        string `json:"reason"`
}

// verify asks GET /api/audit/verify about one session.
func (c *client) verify(ctx context.Context, base, sessionID string) (verifyResult, error) {
	var v verifyResult
	err := c.getJSON(ctx, base+"/api/audit/verify?sessionId="+url.QueryEscape(sessionID), &v)
	if err != nil {
		return v, fmt.Errorf("verify session %s: %w", sessionID, err)
	}
	return v, nil
}

// getJSON sends a GET that must answer 200 and decodes its body into v.
func (c *client) getJSON(ctx context.Context, u string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	body, err := c.do(ctx, http.MethodGet, u, nil, http.StatusOK)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// do sends one request and returns the body when the status is want; any
// other status is a *statusError quoting the start of the body.
func (c *client) do(ctx context.Context, method, u string, body []byte, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, u, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != want {
		return nil, &statusError{status: resp.StatusCode, body: clip(string(bytes.TrimSpace(out)), 200)}
	}
	return out, nil
}

// clip shortens s to at most n bytes, cut on a UTF-8 boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
