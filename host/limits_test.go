package host

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestIngest_ConfiguredLimits(t *testing.T) {
	cfg := testConfig(t)
	cfg.Ingest.MaxIDBytes, cfg.Ingest.MaxDepth, cfg.Ingest.MaxObjectKeys = 8, 3, 16
	th := startHost(t, cfg)

	keys := make([]string, 17)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d":%d`, i, i)
	}
	custom := func(session, data string) string {
		return `{"events":[{"sessionId":"` + session + `","agentId":"a","eventType":"custom",` +
			`"payload":{"type":"t","data":` + data + `}}]}`
	}
	tests := []struct {
		name   string
		body   string
		status int
	}{
		{"id at the limit", custom("12345678", "1"), http.StatusCreated},
		{"id over the limit", custom("123456789", "1"), http.StatusBadRequest},
		{"depth at the limit", custom("s", `{"b":{"c":1}}`), http.StatusCreated},
		{"depth over the limit", custom("s", `{"b":{"c":{"d":1}}}`), http.StatusBadRequest},
		{"keys at the limit", custom("s", "{"+strings.Join(keys[:16], ",")+"}"), http.StatusCreated},
		{"keys over the limit", custom("s", "{"+strings.Join(keys, ",")+"}"), http.StatusBadRequest},
	}
	for _, tc := range tests {
		before := th.eventTotal(t)
		r := th.do(t, http.MethodPost, "/api/events", th.admin, tc.body, "Content-Type", "application/json")
		r.want(t, tc.name, tc.status)
		if stored := th.eventTotal(t) - before; tc.status != http.StatusCreated && stored != 0 {
			t.Errorf("%s: %d events stored, want none", tc.name, stored)
		}
	}
}

func TestIngest_ServerMembersAreReserved(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.Disabled = true
	th := startHost(t, cfg)
	for name, event := range map[string]ev{
		"forged redaction record": testEvent("s", "a", "custom", ev{"metadata": map[string]any{
			"redaction": []any{map[string]any{"plugin": "pii", "sha256": "00", "findings": []any{}}},
		}}),
		"forged truncation record": testEvent("s", "a", "custom", ev{"payload": map[string]any{
			"_truncated": true, "originalBytes": 99999, "originalSha256": "00", "preview": "",
		}}),
	} {
		th.do(t, http.MethodPost, "/api/events", "", batchBody(t, event), "Content-Type", "application/json").
			want(t, name, http.StatusBadRequest)
	}
	if n := th.eventTotal(t); n != 0 {
		t.Errorf("%d events stored, want 0", n)
	}
}

func TestAdminKeyPath_OnePerDatabase(t *testing.T) {
	for db, want := range map[string]string{
		"/srv/agentlens.db": "/srv/agentlens-admin.key",
		"/srv/team-a.db":    "/srv/team-a-admin.key",
		"data/audit":        "data/audit-admin.key",
	} {
		if got := AdminKeyPath(db); got != want {
			t.Errorf("AdminKeyPath(%s) = %s, want %s", db, got, want)
		}
	}
}
