package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
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

// ingest posts one batch and returns the decoded 201 answer.
func (c *client) ingest(
	ctx context.Context,
	base string,
	batch []byte,
) (harness.IngestResponse, error) {
	var res harness.IngestResponse
	ctx, cancel := context.WithTimeout(ctx, ingestTimeout)
	defer cancel()
	u := base + "/api/events"
	body, err := harness.Do(ctx, c.hc, http.MethodPost, u, batch, http.StatusCreated)
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
	return harness.Health(ctx, c.hc, base)
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
	var se *harness.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return e, false, nil
	}
	if err != nil {
		return e, false, fmt.Errorf("get event %s: %w", id, err)
	}
	return e, true, nil
}

// verify asks GET /api/audit/verify about one session.
func (c *client) verify(
	ctx context.Context,
	base, sessionID string,
) (harness.VerifyResponse, error) {
	var v harness.VerifyResponse
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
	body, err := harness.Do(ctx, c.hc, http.MethodGet, u, nil, http.StatusOK)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}
