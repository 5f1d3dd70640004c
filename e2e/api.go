package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"
)

// api is a client of the server's HTTP routes that the e2e run uses.
type api struct {
	base string
	hc   *http.Client
}

func newAPI(base string) *api {
	return &api{base: base, hc: &http.Client{Timeout: 60 * time.Second}}
}

// ingestResponse is the 201 body of POST /api/events.
type ingestResponse struct {
	Ingested int `json:"ingested"`
	Events   []struct {
		ID   string `json:"id"`
		Hash string `json:"hash"`
	} `json:"events"`
}

// verifyResponse is the body of GET /api/audit/verify.
type verifyResponse struct {
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

// health returns nil when GET /api/health answers 200.
func (a *api) health(ctx context.Context) error {
	_, err := a.do(ctx, http.MethodGet, "/api/health", nil, http.StatusOK)
	return err
}

// postEvents posts a batch, as is, to POST /api/events and expects 201.
func (a *api) postEvents(ctx context.Context, batch []byte) (ingestResponse, error) {
	var resp ingestResponse
	body, err := a.do(ctx, http.MethodPost, "/api/events", batch, http.StatusCreated)
	if err != nil {
		return resp, err
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return resp, fmt.Errorf("decode ingest response: %w", err)
	}
	return resp, nil
}

// verify asks GET /api/audit/verify about one session and expects 200.
func (a *api) verify(ctx context.Context, sessionID string) (verifyResponse, error) {
	var resp verifyResponse
	path := "/api/audit/verify?sessionId=" + url.QueryEscape(sessionID)
	body, err := a.do(ctx, http.MethodGet, path, nil, http.StatusOK)
	if err != nil {
		return resp, err
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return resp, fmt.Errorf("decode verify response: %w", err)
	}
	return resp, nil
}

// do sends one request and returns the response body when the status is want;
// any other status is an error quoting the start of the body.
func (a *api) do(ctx context.Context, method, path string, body []byte, want int) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s %s response: %w", method, path, err)
	}
	if resp.StatusCode != want {
		body := clip(string(bytes.TrimSpace(out)), 200)
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, body)
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
