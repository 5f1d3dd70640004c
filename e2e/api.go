package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
)

// api is a client of the server's HTTP routes that the e2e run uses.
type api struct {
	base string
	hc   *http.Client
}

func newAPI(base string) *api {
	return &api{base: base, hc: &http.Client{Timeout: 60 * time.Second}}
}

// health returns nil when GET /api/health answers 200.
func (a *api) health(ctx context.Context) error {
	return harness.Health(ctx, a.hc, a.base)
}

// postEvents posts a batch, as is, to POST /api/events and expects 201.
func (a *api) postEvents(ctx context.Context, batch []byte) (harness.IngestResponse, error) {
	var resp harness.IngestResponse
	u := a.base + "/api/events"
	body, err := harness.Do(ctx, a.hc, http.MethodPost, u, batch, http.StatusCreated)
	if err != nil {
		return resp, err
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return resp, fmt.Errorf("decode ingest response: %w", err)
	}
	return resp, nil
}

// verify asks GET /api/audit/verify about one session and expects 200.
func (a *api) verify(ctx context.Context, sessionID string) (harness.VerifyResponse, error) {
	var resp harness.VerifyResponse
	u := a.base + "/api/audit/verify?sessionId=" + url.QueryEscape(sessionID)
	body, err := harness.Do(ctx, a.hc, http.MethodGet, u, nil, http.StatusOK)
	if err != nil {
		return resp, err
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return resp, fmt.Errorf("decode verify response: %w", err)
	}
	return resp, nil
}
