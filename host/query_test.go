package host

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
)

func TestQuery_RefusesBadParameters(t *testing.T) {
	th := startHost(t, testConfig(t))
	tests := []struct {
		query string
		want  int
	}{
		{"limit=0", http.StatusBadRequest},
		{"limit=501", http.StatusBadRequest},
		{"limit=-1", http.StatusBadRequest},
		{"limit=ten", http.StatusBadRequest},
		{"offset=-1", http.StatusBadRequest},
		{"offset=x", http.StatusBadRequest},
		{"order=sideways", http.StatusBadRequest},
		{"order=ASC", http.StatusBadRequest},
		{"from=yesterday", http.StatusBadRequest},
		{"to=2026-02-08", http.StatusBadRequest},
		{"limit=1", http.StatusOK},
		{"limit=500", http.StatusOK},
		{"offset=0", http.StatusOK},
		{"order=asc", http.StatusOK},
		{"order=desc", http.StatusOK},
		{"from=2026-02-08T10:00:00Z&to=2026-02-08T11:00:00%2B01:00", http.StatusOK},
	}
	for _, path := range []string{"/api/events", "/api/sessions"} {
		for _, tt := range tests {
			r := th.do(t, http.MethodGet, path+"?"+tt.query, th.admin, "")
			if r.status != tt.want {
				t.Errorf("GET %s?%s = %d %s, want %d", path, tt.query, r.status, r.body, tt.want)
			}
		}
	}
}

func TestQuery_UnknownIDs(t *testing.T) {
	th := startHost(t, testConfig(t))
	th.ingest(t, th.admin, testEvent("s1", "a1", "custom", nil))
	for _, path := range []string{
		"/api/events/01NOSUCHEVENT000000000000",
		"/api/events/s1",
		"/api/sessions/nope",
		"/api/sessions/nope/timeline",
		"/api/sessions/S1",
	} {
		th.do(t, http.MethodGet, path, th.admin, "").want(t, "GET "+path, http.StatusNotFound)
	}
}

// sessionJSON is GET /api/sessions/:id.
type sessionJSON struct {
	ID            string    `json:"id"`
	AgentID       string    `json:"agentId"`
	AgentName     *string   `json:"agentName"`
	Status        string    `json:"status"`
	StartedAt     string    `json:"startedAt"`
	EndedAt       *string   `json:"endedAt"`
	CreatedAt     string    `json:"createdAt"`
	UpdatedAt     string    `json:"updatedAt"`
	EventCount    int64     `json:"eventCount"`
	ToolCallCount int64     `json:"toolCallCount"`
	ErrorCount    int64     `json:"errorCount"`
	TotalCostUSD  float64   `json:"totalCostUsd"`
	Tags          *[]string `json:"tags"`
	HeadSeq       int64     `json:"headSeq"`
	HeadHash      string    `json:"headHash"`
}

func (th *testHost) session(t *testing.T, id string) sessionJSON {
	t.Helper()
	r := th.do(t, http.MethodGet, "/api/sessions/"+id, th.admin, "").want(t, "GET /api/sessions/"+id, http.StatusOK)
	return decodeJSON[sessionJSON](t, r)
}

func cost(eventType string, usd float64) ev {
	p := validPayload(eventType)
	p["costUsd"] = usd
	return ev{"payload": p}
}

func TestQuery_SessionSummary(t *testing.T) {
	th := startHost(t, testConfig(t))
	const s = "sA"
	first := th.ingest(t, th.admin,
		testEvent(s, "agent-A", "session_started", ev{
			"timestamp": "2026-02-08T10:00:00Z",
			"payload":   map[string]any{"agentName": "planner", "agentVersion": "1", "tags": []string{"x", "y"}},
		}),
		testEvent(s, "agent-A", "tool_call", nil),
		testEvent(s, "agent-A", "tool_call", ev{"severity": "debug"}),
		testEvent(s, "agent-A", "tool_error", ev{"severity": "error"}), // counted once
		testEvent(s, "agent-A", "custom", ev{"severity": "error"}),
	)
	second := th.ingest(t, th.admin,
		testEvent(s, "agent-A", "custom", ev{"severity": "critical"}),
		testEvent(s, "agent-A", "error", ev{"payload": map[string]any{"message": "m"}}),
		testEvent(s, "agent-A", "custom", ev{"severity": "warn"}),
		testEvent(s, "agent-A", "llm_response", cost("llm_response", 0.5)),
		testEvent(s, "agent-A", "cost_tracked", cost("cost_tracked", 0.25)),
		testEvent(s, "agent-A", "cost_tracked", cost("cost_tracked", 0.5)),
		testEvent(s, "agent-A", "session_ended", ev{"timestamp": "2026-02-08T10:05:00+00:00"}),
	)
	last := second.Events[len(second.Events)-1]
	lastEvent := th.event(t, last.ID)

	got := th.session(t, s)
	n := int64(len(first.Events) + len(second.Events))
	if got.ID != s || got.AgentID != "agent-A" || got.AgentName == nil || *got.AgentName != "planner" {
		t.Errorf("session = id %q, agentId %q, agentName %v; want %s, agent-A, planner",
			got.ID, got.AgentID, got.AgentName, s)
	}
	if got.EventCount != n || got.HeadSeq != n-1 || got.HeadHash != last.Hash {
		t.Errorf("head = eventCount %d, headSeq %d, headHash %s; want %d, %d, %s",
			got.EventCount, got.HeadSeq, got.HeadHash, n, n-1, last.Hash)
	}
	if got.Status != "completed" || got.ToolCallCount != 2 || got.ErrorCount != 4 || got.TotalCostUSD != 0.75 {
		t.Errorf("summary = status %q, toolCallCount %d, errorCount %d, totalCostUsd %v; want completed, 2, 4, 0.75",
			got.Status, got.ToolCallCount, got.ErrorCount, got.TotalCostUSD)
	}
	if got.Tags == nil || !slices.Equal(*got.Tags, []string{"x", "y"}) {
		t.Errorf("tags = %v, want [x y]", got.Tags)
	}
	if got.StartedAt != "2026-02-08T10:00:00.000Z" || got.CreatedAt != got.StartedAt ||
		got.EndedAt == nil || *got.EndedAt != "2026-02-08T10:05:00.000Z" || got.UpdatedAt != lastEvent.ReceivedAt {
		t.Errorf("times = startedAt %s, createdAt %s, endedAt %v, updatedAt %s; want 10:00, 10:00, 10:05, %s",
			got.StartedAt, got.CreatedAt, got.EndedAt, got.UpdatedAt, lastEvent.ReceivedAt)
	}
}

func TestQuery_SessionStatusAndCost(t *testing.T) {
	th := startHost(t, testConfig(t))
	ended := func(reason string) ev {
		return ev{"payload": map[string]any{"reason": reason}}
	}
	tests := []struct {
		name       string
		events     []ev
		wantStatus string
		wantCost   float64
		wantErrors int64
	}{
		{"completed", []ev{testEvent("", "", "session_ended", ended("completed"))}, "completed", 0, 0},
		{"manual", []ev{testEvent("", "", "session_ended", ended("manual"))}, "completed", 0, 0},
		{"error", []ev{testEvent("", "", "session_ended", ended("error"))}, "error", 0, 0},
		{"timeout", []ev{testEvent("", "", "session_ended", ended("timeout"))}, "error", 0, 0},
		{"active", []ev{testEvent("", "", "custom", nil)}, "active", 0, 0},
		{"llm costs only", []ev{
			testEvent("", "", "llm_response", cost("llm_response", 0.5)),
			testEvent("", "", "llm_response", cost("llm_response", 0.25)),
		}, "active", 0.75, 0},
		{"cost_tracked wins", []ev{
			testEvent("", "", "llm_response", cost("llm_response", 0.5)),
			testEvent("", "", "cost_tracked", cost("cost_tracked", 0.125)),
			testEvent("", "", "llm_response", cost("llm_response", 0.25)),
		}, "active", 0.125, 0},
		{"errors", []ev{
			testEvent("", "", "tool_error", nil),
			testEvent("", "", "error", nil),
			testEvent("", "", "custom", ev{"severity": "critical"}),
			testEvent("", "", "custom", ev{"severity": "warn"}),
		}, "active", 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			session := "status-" + tt.name
			for _, e := range tt.events {
				e["sessionId"], e["agentId"] = session, "a1"
			}
			th.ingest(t, th.admin, tt.events...)
			got := th.session(t, session)
			if got.Status != tt.wantStatus || got.TotalCostUSD != tt.wantCost || got.ErrorCount != tt.wantErrors {
				t.Errorf("session %s = status %q, totalCostUsd %v, errorCount %d; want %q, %v, %d",
					session, got.Status, got.TotalCostUSD, got.ErrorCount, tt.wantStatus, tt.wantCost, tt.wantErrors)
			}
			if got.AgentName != nil || got.Tags == nil || len(*got.Tags) != 0 {
				t.Errorf("session %s without session_started = agentName %v, tags %v; want none, []",
					session, got.AgentName, got.Tags)
			}
		})
	}
}

func TestQuery_TimelineAndPaging(t *testing.T) {
	th := startHost(t, testConfig(t))
	got := th.ingest(t, th.admin,
		testEvent("s1", "a1", "custom", ev{"timestamp": "2026-02-08T10:00:02Z"}),
		testEvent("s1", "a1", "custom", ev{"timestamp": "2026-02-08T10:00:01Z"}), // older: still seq 1
		testEvent("s1", "a1", "custom", ev{"timestamp": "2026-02-08T10:00:03Z"}),
	)

	r := th.do(t, http.MethodGet, "/api/sessions/s1/timeline", th.admin, "").want(t, "GET timeline", http.StatusOK)
	tl := decodeJSON[struct {
		Events     []storedEvent `json:"events"`
		ChainValid bool          `json:"chainValid"`
	}](t, r)
	if !tl.ChainValid || len(tl.Events) != 3 {
		t.Fatalf("timeline = %d events, chainValid %v; want 3, true", len(tl.Events), tl.ChainValid)
	}
	for i, e := range tl.Events {
		if e.Seq != int64(i) || e.ID != got.Events[i].ID {
			t.Errorf("timeline[%d] = seq %d id %s, want seq %d id %s", i, e.Seq, e.ID, i, got.Events[i].ID)
		}
	}

	type page struct {
		Events  []storedEvent `json:"events"`
		Total   int           `json:"total"`
		HasMore bool          `json:"hasMore"`
	}
	first := decodeJSON[page](t, th.do(t, http.MethodGet, "/api/events?limit=2&order=asc", th.admin, ""))
	rest := decodeJSON[page](t, th.do(t, http.MethodGet, "/api/events?limit=2&offset=2&order=asc", th.admin, ""))
	if first.Total != 3 || !first.HasMore || len(first.Events) != 2 || rest.HasMore || len(rest.Events) != 1 {
		t.Fatalf("pages = (%d events, total %d, hasMore %v), (%d, %d, %v); want (2, 3, true), (1, 3, false)",
			len(first.Events), first.Total, first.HasMore, len(rest.Events), rest.Total, rest.HasMore)
	}
	// Ascending by timestamp: seq 1 (10:00:01), seq 0, seq 2.
	order := []string{first.Events[0].ID, first.Events[1].ID, rest.Events[0].ID}
	want := []string{got.Events[1].ID, got.Events[0].ID, got.Events[2].ID}
	if !slices.Equal(order, want) {
		t.Errorf("GET /api/events?order=asc ids = %v, want %v", order, want)
	}
}

// verifyReport is the answer of GET /api/audit/verify.
type verifyReport struct {
	Verified         bool              `json:"verified"`
	VerifiedAt       string            `json:"verifiedAt"`
	Range            json.RawMessage   `json:"range"`
	SessionID        string            `json:"sessionId"`
	SessionsVerified int               `json:"sessionsVerified"`
	TotalEvents      int64             `json:"totalEvents"`
	FirstHash        *string           `json:"firstHash"`
	LastHash         *string           `json:"lastHash"`
	BrokenChains     []json.RawMessage `json:"brokenChains"`
}

func TestVerify_Session(t *testing.T) {
	th := startHost(t, testConfig(t))
	a := th.ingest(t, th.admin, testEvent("s1", "a1", "session_started", nil), testEvent("s2", "a1", "custom", nil))
	b := th.ingest(t, th.admin, testEvent("s1", "a1", "custom", nil), testEvent("s1", "a1", "session_ended", nil))

	r := th.do(t, http.MethodGet, "/api/audit/verify?sessionId=s1", th.admin, "").want(t, "verify s1", http.StatusOK)
	rep := decodeJSON[verifyReport](t, r)
	if !rep.Verified || rep.SessionID != "s1" || string(rep.Range) != "null" || rep.SessionsVerified != 1 ||
		rep.TotalEvents != 3 || rep.BrokenChains == nil || len(rep.BrokenChains) != 0 {
		t.Errorf("GET /api/audit/verify?sessionId=s1 = %s, "+
			"want verified, range null, 1 session of 3 events, brokenChains []", r.body)
	}
	wantFirst, wantLast := a.Events[0].Hash, b.Events[1].Hash
	if rep.FirstHash == nil || *rep.FirstHash != wantFirst || rep.LastHash == nil || *rep.LastHash != wantLast {
		t.Errorf("firstHash, lastHash = %v, %v; want %s, %s", rep.FirstHash, rep.LastHash, wantFirst, wantLast)
	}
	if !timePattern.MatchString(rep.VerifiedAt) {
		t.Errorf("verifiedAt = %q, want a UTC millisecond time", rep.VerifiedAt)
	}

	th.do(t, http.MethodGet, "/api/audit/verify?sessionId=nope", th.admin, "").
		want(t, "verify an unknown session", http.StatusNotFound)
	th.do(t, http.MethodGet, "/api/audit/verify", th.admin, "").
		want(t, "verify with no session or range", http.StatusBadRequest)
	th.do(t, http.MethodGet, "/api/audit/verify?from=yesterday", th.admin, "").
		want(t, "verify with a bad from", http.StatusBadRequest)
}

func TestVerify_Range(t *testing.T) {
	th := startHost(t, testConfig(t))
	at := func(session, ts string) ev { return testEvent(session, "a1", "custom", ev{"timestamp": ts}) }
	th.ingest(t, th.admin,
		at("r1", "2026-01-01T00:00:00Z"), at("r1", "2026-01-01T00:00:00Z"),
		at("r2", "2026-02-01T00:00:00Z"),
		at("r3", "2026-03-01T00:00:00Z"),
		at("r4", "2025-12-01T00:00:00Z"), at("r4", "2026-02-10T00:00:00Z"),
	)
	tests := []struct {
		query        string
		wantSessions int
		wantEvents   int64
		wantRange    string
	}{
		{
			"from=2026-01-15T00:00:00Z&to=2026-02-15T00:00:00Z", 2, 3,
			`{"from":"2026-01-15T00:00:00.000Z","to":"2026-02-15T00:00:00.000Z"}`,
		},
		{
			"from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", 1, 2,
			`{"from":"2026-01-01T00:00:00.000Z","to":"2026-01-01T00:00:00.000Z"}`,
		},
		{"from=2026-02-20T00:00:00%2B01:00", 1, 1, `{"from":"2026-02-19T23:00:00.000Z","to":null}`},
		{"to=2025-12-31T00:00:00Z", 1, 2, `{"from":null,"to":"2025-12-31T00:00:00.000Z"}`},
		{"from=2030-01-01T00:00:00Z", 0, 0, `{"from":"2030-01-01T00:00:00.000Z","to":null}`},
	}
	for _, tt := range tests {
		r := th.do(t, http.MethodGet, "/api/audit/verify?"+tt.query, th.admin, "").
			want(t, "verify "+tt.query, http.StatusOK)
		rep := decodeJSON[verifyReport](t, r)
		if rep.SessionsVerified != tt.wantSessions || rep.TotalEvents != tt.wantEvents || len(rep.BrokenChains) != 0 {
			t.Errorf("GET /api/audit/verify?%s = %d sessions, %d events, broken %s; want %d, %d, none",
				tt.query, rep.SessionsVerified, rep.TotalEvents, rep.BrokenChains, tt.wantSessions, tt.wantEvents)
		}
		if string(rep.Range) != tt.wantRange {
			t.Errorf("GET /api/audit/verify?%s range = %s, want %s", tt.query, rep.Range, tt.wantRange)
		}
	}
}
