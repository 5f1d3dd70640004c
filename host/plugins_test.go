package host

import (
	"log/slog"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// wat assembles a WebAssembly text file of the repository into dir.
func wat(t *testing.T, src, dir string) string {
	t.Helper()
	out := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), ".wat")+".wasm")
	if b, err := exec.Command("wat2wasm", src, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("wat2wasm %s (install wabt: apt-get install -y wabt): %v: %s", src, err, b)
	}
	return out
}

func TestPlugins_RedactionIsRecordedAndHashed(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.Disabled = true
	cfg.Plugins = []PluginConfig{{
		Name: "upper", Path: wat(t, "../plugins/examples/uppercase.wat", t.TempDir()),
		EventTypes: []string{"custom"},
	}}
	th := startHost(t, cfg)

	got := th.ingest(t, "", testEvent("s", "a", "custom", ev{"payload": map[string]any{"type": "note", "data": "quiet"}}),
		testEvent("s", "a", "tool_call", nil))
	redacted := th.event(t, got.Events[0].ID)
	if !strings.Contains(string(redacted.Payload), "QUIET") || !strings.Contains(string(redacted.Metadata), `"plugin":"upper"`) {
		t.Errorf("custom event = payload %s, metadata %s; want it upper-cased with a redaction record naming upper",
			redacted.Payload, redacted.Metadata)
	}
	if other := th.event(t, got.Events[1].ID); strings.Contains(string(other.Metadata), "redaction") {
		t.Errorf("tool_call event (not selected) got a redaction record: %s", other.Metadata)
	}
	r := th.do(t, http.MethodGet, "/api/audit/verify?sessionId=s", "", "").want(t, "verify", http.StatusOK)
	if !strings.Contains(string(r.body), `"verified":true`) {
		t.Errorf("verify after redaction = %s, want verified", r.body)
	}
}

func TestPlugins_RejectFailsTheBatchWith422(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.Disabled = true
	cfg.Plugins = []PluginConfig{{Name: "picky", Path: wat(t, "../plugins/testdata/reject.wat", t.TempDir())}}
	th := startHost(t, cfg)

	body := batchBody(t, testEvent("s", "a", "custom", nil),
		testEvent("other", "a", "custom", ev{"payload": map[string]any{"type": "t", "data": "BAD"}}))
	r := th.do(t, http.MethodPost, "/api/events", "", body, "Content-Type", "application/json").
		want(t, "batch with a rejected event", http.StatusUnprocessableEntity)
	resp := decodeJSON[map[string]any](t, r)
	if resp["plugin"] != "picky" || resp["eventIndex"] != float64(1) || resp["reason"] == "" {
		t.Errorf("422 body = %v, want plugin picky, eventIndex 1 and a reason", resp)
	}
	if n := th.eventTotal(t); n != 0 {
		t.Errorf("%d events stored after a rejected batch, want 0", n)
	}
	th.ingest(t, "", testEvent("s", "a", "custom", nil)) // the host keeps serving
}

func TestPlugins_ReloadKeepsTheRunningSetOnFailure(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.Disabled = true
	dir := t.TempDir()
	cfg.Plugins = []PluginConfig{{Name: "upper", Path: wat(t, "../plugins/examples/uppercase.wat", dir), EventTypes: []string{"custom"}}}
	th := startHost(t, cfg)

	broken := cfg
	broken.Plugins = []PluginConfig{{Name: "gone", Path: filepath.Join(dir, "missing.wasm")}}
	if err := th.host.ReloadPlugins(t.Context(), broken); err == nil || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("ReloadPlugins(missing file) = %v, want an error naming the plugin", err)
	}
	got := th.ingest(t, "", testEvent("s", "a", "custom", ev{"payload": map[string]any{"type": "n", "data": "still"}}))
	if e := th.event(t, got.Events[0].ID); !strings.Contains(string(e.Payload), "STILL") {
		t.Errorf("after a failed reload payload = %s, want the old set still redacting", e.Payload)
	}

	none := cfg
	none.Plugins = nil
	if err := th.host.ReloadPlugins(t.Context(), none); err != nil {
		t.Fatalf("ReloadPlugins(none) = %v", err)
	}
	got = th.ingest(t, "", testEvent("s", "a", "custom", ev{"payload": map[string]any{"type": "n", "data": "plain"}}))
	if e := th.event(t, got.Events[0].ID); !strings.Contains(string(e.Payload), "plain") {
		t.Errorf("after reloading no plugins payload = %s, want it untouched", e.Payload)
	}
}

func TestPlugins_MissingModuleStopsTheStartNamingIt(t *testing.T) {
	cfg := testConfig(t)
	cfg.Plugins = []PluginConfig{{Name: "pii", Path: filepath.Join(t.TempDir(), "pii.wasm")}}
	_, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), `"pii"`) || !strings.Contains(err.Error(), "make plugins") {
		t.Errorf("New with a missing plugin file = %v, want an error naming the plugin and `make plugins`", err)
	}
}
