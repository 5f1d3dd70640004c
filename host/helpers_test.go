package host

import (
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testHost is a Host on a fresh database file, served by httptest.
type testHost struct {
	host   *Host
	srv    *httptest.Server
	cfg    Config
	dbPath string
	// admin is the bootstrap admin key, "" when authentication is off.
	admin string
}

// testConfig is DefaultConfig with the database in a fresh temporary
// directory.
func testConfig(t *testing.T) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Store.Path = filepath.Join(t.TempDir(), "a.db")
	return cfg
}

// startHost starts a Host on cfg, closed when the test ends (server first,
// then the store).
func startHost(t *testing.T, cfg Config) *testHost {
	t.Helper()
	h, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("New(%s) = %v", cfg.Store.Path, err)
	}
	t.Cleanup(func() { h.Close() })
	srv := httptest.NewServer(h.Handler())
	t.Cleanup(srv.Close)

	th := &testHost{host: h, srv: srv, cfg: cfg, dbPath: cfg.Store.Path}
	if !cfg.Auth.Disabled {
		th.admin = readAdminKey(t, cfg.Store.Path)
	}
	return th
}

// readAdminKey returns the key bootstrap wrote next to the database.
func readAdminKey(t *testing.T, dbPath string) string {
	t.Helper()
	b, err := os.ReadFile(AdminKeyPath(dbPath))
	if err != nil {
		t.Fatalf("read admin key file: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// testResponse is what a test request got back.
type testResponse struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with key as a Bearer token (none when key is ""),
// body as JSON (Content-Type application/json unless headers set one), and
// headers as name, value pairs. It checks what every response must carry:
// X-Content-Type-Options: nosniff, and for every error status a JSON body
// with a non-empty "error" sentence.
func (th *testHost) do(t *testing.T, method, path, key, body string, headers ...string) testResponse {
	t.Helper()
	return doRequest(t, th.srv.URL, method, path, key, body, headers...)
}

func doRequest(t *testing.T, base, method, path, key, body string, headers ...string) testResponse {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	r := testResponse{status: resp.StatusCode, header: resp.Header, body: b}
	checkCommon(t, method+" "+path, r)
	return r
}

// checkCommon checks the headers and error shape every response must have.
func checkCommon(t *testing.T, what string, r testResponse) {
	t.Helper()
	if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q, want nosniff", what, got)
	}
	if r.status >= 400 {
		checkErrorBody(t, what, r)
	}
}

// checkErrorBody checks that r carries DESIGN.md's JSON error shape.
func checkErrorBody(t *testing.T, what string, r testResponse) {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(r.header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("%s: %d Content-Type = %q, want application/json", what, r.status, r.header.Get("Content-Type"))
	}
	var e struct {
		Error *string `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error == nil || *e.Error == "" {
		t.Errorf("%s: %d body = %s, want JSON with a non-empty \"error\"", what, r.status, r.body)
	}
}

// want fails the test unless r has the given status.
func (r testResponse) want(t *testing.T, what string, status int) testResponse {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s = %d %s, want %d", what, r.status, r.body, status)
	}
	return r
}

// decodeJSON decodes r's body into a T.
func decodeJSON[T any](t *testing.T, r testResponse) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// createdKey is the 201 body of POST /api/keys.
type createdKey struct {
	ID        string   `json:"id"`
	Key       string   `json:"key"`
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	Agents    []string `json:"agents"`
	CreatedAt string   `json:"createdAt"`
}

// createKey makes a key through the API with the admin key.
func (th *testHost) createKey(t *testing.T, body string) createdKey {
	t.Helper()
	r := th.do(t, http.MethodPost, "/api/keys", th.admin, body).want(t, "POST /api/keys "+body, http.StatusCreated)
	return decodeJSON[createdKey](t, r)
}

// ev is one event of a request body.
type ev map[string]any

// testEvent returns an event of eventType with a payload its schema accepts;
// extra fields (payload included) replace the defaults.
func testEvent(session, agent, eventType string, extra ev) ev {
	e := ev{
		"sessionId": session, "agentId": agent, "eventType": eventType,
		"payload": validPayload(eventType),
	}
	for k, v := range extra {
		e[k] = v
	}
	return e
}

// validPayload returns the smallest payload the schema of eventType accepts.
func validPayload(eventType string) map[string]any {
	switch eventType {
	case "session_ended":
		return map[string]any{"reason": "completed"}
	case "tool_call":
		return map[string]any{"toolName": "search", "callId": "c1", "arguments": map[string]any{}}
	case "tool_error":
		return map[string]any{"toolName": "search", "callId": "c1", "error": "boom", "durationMs": 5}
	case "llm_response":
		return map[string]any{
			"callId": "l1", "provider": "p", "model": "m", "completion": "hi",
			"finishReason": "stop", "usage": map[string]any{}, "costUsd": 0, "latencyMs": 3,
		}
	case "cost_tracked":
		return map[string]any{
			"provider": "p", "model": "m", "inputTokens": 1, "outputTokens": 1,
			"totalTokens": 2, "costUsd": 0,
		}
	case "custom":
		return map[string]any{"type": "note", "data": "x"}
	}
	return map[string]any{}
}

// batchBody is the JSON body {"events": events}.
func batchBody(t *testing.T, events ...ev) string {
	t.Helper()
	if events == nil {
		events = []ev{}
	}
	b, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ingested is the 201 body of POST /api/events.
type ingested struct {
	Ingested int `json:"ingested"`
	Events   []struct {
		ID   string `json:"id"`
		Hash string `json:"hash"`
	} `json:"events"`
}

// ingest posts events with key and requires 201.
func (th *testHost) ingest(t *testing.T, key string, events ...ev) ingested {
	t.Helper()
	r := th.do(t, http.MethodPost, "/api/events", key, batchBody(t, events...)).
		want(t, "POST /api/events", http.StatusCreated)
	return decodeJSON[ingested](t, r)
}

// storedEvent is an event as GET /api/events/:id returns it.
type storedEvent struct {
	ID         string          `json:"id"`
	Timestamp  string          `json:"timestamp"`
	ReceivedAt string          `json:"receivedAt"`
	KeyID      string          `json:"keyId"`
	SessionID  string          `json:"sessionId"`
	AgentID    string          `json:"agentId"`
	EventType  string          `json:"eventType"`
	Severity   string          `json:"severity"`
	Seq        int64           `json:"seq"`
	Payload    json.RawMessage `json:"payload"`
	Metadata   json.RawMessage `json:"metadata"`
	PrevHash   *string         `json:"prevHash"`
	Hash       string          `json:"hash"`
}

// event reads one stored event with the admin key.
func (th *testHost) event(t *testing.T, id string) storedEvent {
	t.Helper()
	r := th.do(t, http.MethodGet, "/api/events/"+id, th.admin, "").want(t, "GET /api/events/"+id, http.StatusOK)
	return decodeJSON[storedEvent](t, r)
}

// eventTotal is how many events GET /api/events counts.
func (th *testHost) eventTotal(t *testing.T) int {
	t.Helper()
	r := th.do(t, http.MethodGet, "/api/events?limit=1", th.admin, "").want(t, "GET /api/events", http.StatusOK)
	return decodeJSON[struct {
		Total int `json:"total"`
	}](t, r).Total
}

// sessionStatus is the status of GET /api/sessions/:id.
func (th *testHost) sessionStatus(t *testing.T, id string) int {
	t.Helper()
	return th.do(t, http.MethodGet, "/api/sessions/"+id, th.admin, "").status
}

// quote is strconv.Quote, for building JSON by hand.
func quote(s string) string { return strconv.Quote(s) }
