package plugins

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoad_errors(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "garbage.wasm")
	if err := os.WriteFile(garbage, []byte("not wasm"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.wasm")
	tests := []struct {
		name string
		cfgs []Config
		want []string // substrings of the error
	}{
		{"no name or path", []Config{{}}, []string{"plugins[0]", "name is required", "path is required"}},
		{"duplicate name", []Config{
			{Name: "x", Path: uppercaseWasm}, {Name: "x", Path: uppercaseWasm},
		}, []string{`duplicate name "x"`}},
		{"negative timeout", []Config{{Name: "x", Path: uppercaseWasm, Timeout: -time.Second}}, []string{`plugin "x"`, "timeout"}},
		{"tiny memory limit", []Config{{Name: "x", Path: uppercaseWasm, MemoryLimit: 1000}}, []string{`plugin "x"`, "memory_limit"}},
		{"missing file", []Config{{Name: "gone", Path: missing}}, []string{`plugin "gone"`, missing}},
		{"not wasm", []Config{{Name: "junk", Path: garbage}}, []string{`plugin "junk"`, "compile", garbage}},
		{
			"missing export",
			[]Config{{Name: "half", Path: wat(t, "testdata/noexport.wat")}},
			[]string{`plugin "half"`, "noexport.wasm", `missing export "transform"`},
		},
		{
			"memory minimum over limit",
			[]Config{{Name: "fat", Path: wat(t, "testdata/bigmin.wat"), MemoryLimit: 1 << 20}},
			[]string{`plugin "fat"`, "bigmin.wasm", "over limit"},
		},
		{
			"foreign import",
			[]Config{{Name: "net", Path: wat(t, "testdata/badimport.wat")}},
			[]string{`plugin "net"`, "imports env.http_get"},
		},
		{
			"init fails",
			[]Config{{Name: "picky", Path: wat(t, "testdata/initfail.wat")}},
			[]string{`plugin "picky"`, "init returned 1", "unknown option: colour"},
		},
		{"second plugin fails", []Config{
			{Name: "ok", Path: uppercaseWasm}, {Name: "half", Path: wat(t, "testdata/noexport.wat")},
		}, []string{`plugin "half"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(t.Context(), RuntimeConfig{CacheDir: cacheDir}, tt.cfgs)
			if err == nil {
				c.Close(t.Context())
				t.Fatalf("Load() = nil error, want one containing %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load() = %q, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestLoad_runsInitializeNotStart(t *testing.T) {
	c := mustLoad(t, Config{Name: "start", Path: wat(t, "testdata/start.wat")})
	evs := []Input{event(`{"a":1}`)}
	if err := c.Apply(t.Context(), evs); err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	if got := string(evs[0].Payload); got != `{"initialized":true}` {
		t.Errorf("payload = %s, want {\"initialized\":true}", got)
	}
}

func TestLoad_empty(t *testing.T) {
	c := mustLoad(t)
	evs := []Input{event(`{"a":"b"}`)}
	if err := c.Apply(t.Context(), evs); err != nil || string(evs[0].Payload) != `{"a":"b"}` {
		t.Errorf("Apply() on an empty chain = %v, payload %s; want nil, unchanged", err, evs[0].Payload)
	}
}

func TestChain_Apply(t *testing.T) {
	c := mustLoad(t, Config{Name: "upper", Path: uppercaseWasm})
	evs := []Input{
		event(`{"a":"hi","b":["x","Y",2],"c":{"dKey":"v\n"},"n":1}`),
		event(`{"a":"NOTHING TO DO"}`),
	}
	evs[0].Metadata = []byte(`{"env":"dev"}`)
	if err := c.Apply(t.Context(), evs); err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	if got, want := string(evs[0].Payload), `{"a":"HI","b":["X","Y",2],"c":{"dKey":"V\n"},"n":1}`; got != want {
		t.Errorf("payload = %s, want %s", got, want)
	}
	sum := fileSHA256(t, uppercaseWasm)
	want := []Redaction{{Plugin: "upper", SHA256: sum, Findings: []Finding{{Type: "uppercase", Path: "$", Count: 3}}}}
	if !reflect.DeepEqual(evs[0].Redactions, want) {
		t.Errorf("redactions = %+v, want %+v", evs[0].Redactions, want)
	}
	if got := string(evs[1].Payload); got != `{"a":"NOTHING TO DO"}` || evs[1].Redactions != nil {
		t.Errorf("unchanged event: payload %s, redactions %v; want it untouched", got, evs[1].Redactions)
	}
	if got := c.Plugins(); !reflect.DeepEqual(got, []string{"upper"}) {
		t.Errorf("Plugins() = %v", got)
	}
}

func TestChain_Apply_orderAndUnchanged(t *testing.T) {
	// The second plugin finds everything upper-cased already: it changes
	// nothing and so records nothing.
	c := mustLoad(t,
		Config{Name: "first", Path: uppercaseWasm},
		Config{Name: "second", Path: uppercaseWasm},
	)
	evs := []Input{event(`{"a":"x"}`)}
	if err := c.Apply(t.Context(), evs); err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	if len(evs[0].Redactions) != 1 || evs[0].Redactions[0].Plugin != "first" {
		t.Errorf("redactions = %+v, want one by \"first\"", evs[0].Redactions)
	}
}

func TestChain_Apply_eventTypes(t *testing.T) {
	c := mustLoad(t, Config{Name: "upper", Path: uppercaseWasm, EventTypes: []string{"llm_call"}})
	evs := []Input{event(`{"a":"x"}`), event(`{"a":"x"}`)}
	evs[1].EventType = "llm_call"
	if err := c.Apply(t.Context(), evs); err != nil {
		t.Fatalf("Apply() = %v", err)
	}
	if got := string(evs[0].Payload); got != `{"a":"x"}` {
		t.Errorf("custom event payload = %s, want it unselected and unchanged", got)
	}
	if got := string(evs[1].Payload); got != `{"a":"X"}` {
		t.Errorf("llm_call payload = %s, want {\"a\":\"X\"}", got)
	}
}

func TestChain_Apply_canceled(t *testing.T) {
	// The caller's deadline ending is not the plugin's fault: no PluginError.
	c := mustLoad(t, Config{Name: "loop", Path: wat(t, "testdata/loop.wat"), Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := c.Apply(ctx, []Input{event(`{"a":"BAD"}`)})
	var pe *PluginError
	if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &pe) {
		t.Errorf("Apply() = %v, want the context's deadline error", err)
	}
	if err := c.Apply(t.Context(), []Input{event(`{"a":"ok"}`)}); err != nil {
		t.Errorf("Apply() after a canceled call = %v", err)
	}
}

func TestChain_Apply_invalidInput(t *testing.T) {
	c := mustLoad(t, Config{Name: "upper", Path: uppercaseWasm})
	ev := event(`{"a":"x"}`)
	ev.SessionID = "bad \xff"
	err := c.Apply(t.Context(), []Input{ev})
	var pe *PluginError
	if err == nil || errors.As(err, &pe) {
		t.Errorf("Apply() with invalid UTF-8 = %v, want a non-plugin error", err)
	}
}

func TestChain_Close(t *testing.T) {
	c, err := Load(t.Context(), RuntimeConfig{}, []Config{{Name: "upper", Path: uppercaseWasm}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(t.Context()); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := c.Close(t.Context()); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if err := c.Apply(t.Context(), []Input{event(`{"a":"x"}`)}); !errors.Is(err, ErrClosed) {
		t.Errorf("Apply() after Close = %v, want ErrClosed", err)
	}
}

func TestChain_debugOutput(t *testing.T) {
	for _, debug := range []bool{false, true} {
		var logs bytes.Buffer
		log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg := Config{Name: "chatty", Path: wat(t, "testdata/chatty.wat"), DebugOutput: debug}
		c, err := Load(t.Context(), RuntimeConfig{CacheDir: cacheDir, Log: log}, []Config{cfg})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Apply(t.Context(), []Input{event(`{"a":1}`)}); err != nil {
			t.Fatal(err)
		}
		c.Close(t.Context())
		got := logs.String()
		for _, want := range []string{`"output":"hello stdout\n"`, `"output":"hello stderr\n"`} {
			if strings.Contains(got, want) != debug {
				t.Errorf("debug_output %v: log contains %s = %v, want %v\n%s", debug, want, !debug, debug, got)
			}
		}
		if !strings.Contains(got, `"msg":"plugin loaded"`) {
			t.Errorf("log lacks the plugin loaded line:\n%s", got)
		}
	}
}

func TestChain_timeoutLogged(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	cfg := Config{Name: "loop", Path: wat(t, "testdata/loop.wat"), Timeout: 20 * time.Millisecond}
	c, err := Load(t.Context(), RuntimeConfig{CacheDir: cacheDir, Log: log}, []Config{cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(t.Context())
	if err := c.Apply(t.Context(), []Input{event(`{"a":"BAD"}`)}); err == nil {
		t.Fatal("Apply() = nil, want a timeout")
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"plugin timed out"`) {
		t.Errorf("log lacks a timeout warning:\n%s", logs.String())
	}
}

func TestTest(t *testing.T) {
	ctx := t.Context()
	res, err := Test(ctx, RuntimeConfig{}, Config{Name: "upper", Path: uppercaseWasm}, event(`{"a":"x"}`))
	if err != nil {
		t.Fatalf("Test() = %v", err)
	}
	wantFindings := []Finding{{Type: "uppercase", Path: "$", Count: 1}}
	if string(res.Payload) != `{"a":"X"}` || !res.Changed || !reflect.DeepEqual(res.Findings, wantFindings) ||
		res.Duration <= 0 || res.Redaction == nil || res.Redaction.SHA256 != fileSHA256(t, uppercaseWasm) {
		t.Errorf("Test() = %+v", res)
	}

	// Guest output is always captured, even without debug_output.
	res, err = Test(ctx, RuntimeConfig{}, Config{Name: "chatty", Path: wat(t, "testdata/chatty.wat")}, event(`{"a":1}`))
	if err != nil || string(res.Stdout) != "hello stdout\n" || string(res.Stderr) != "hello stderr\n" {
		t.Errorf("Test(chatty) = %q, %q, %v; want the guest's output", res.Stdout, res.Stderr, err)
	}

	// Refused output comes with the reason in detail.
	_, err = Test(ctx, RuntimeConfig{}, Config{Name: "bj", Path: wat(t, "testdata/badjson.wat")}, event(`{"a":"BAD"}`))
	var pe *PluginError
	if !errors.As(err, &pe) || !strings.Contains(pe.Reason, "invalid output") || !strings.Contains(pe.Reason, "jsontext") {
		t.Errorf("Test(badjson) = %v, want a PluginError with details", err)
	}
}

func fileSHA256(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
