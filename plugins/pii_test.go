package plugins

import (
	"reflect"
	"strings"
	"testing"
)

// The pii guest through the host: the SDK glue, the ABI and the detectors.
func TestPII(t *testing.T) {
	path := piiWasm(t)
	tests := []struct {
		name     string
		settings map[string]any
		payload  string
		want     string
		findings []Finding // nil: no Redaction expected
	}{
		{
			name:    "redacts strings, keeps keys and numbers",
			payload: `{"a@b.io":"key stays","big":9007199254740991,"e":1e+21,"f":0.1,"messages":[{"content":"hi"},{"content":"mail a@b.io or +1 555 123 4567"}]}`,
			want:    `{"a@b.io":"key stays","big":9007199254740991,"e":1e+21,"f":0.1,"messages":[{"content":"hi"},{"content":"mail [REDACTED:email] or [REDACTED:phone]"}]}`,
			findings: []Finding{
				{Type: "email", Path: "$.messages[1].content", Count: 1},
				{Type: "phone", Path: "$.messages[1].content", Count: 1},
			},
		},
		{
			name:    "clean payload is passed on byte for byte",
			payload: `{"text":"order ORD-2024-000123 at 2026-02-08T10:00:00.000Z, v10.0.19045, $1,299.99"}`,
			want:    `{"text":"order ORD-2024-000123 at 2026-02-08T10:00:00.000Z, v10.0.19045, $1,299.99"}`,
		},
		{
			name:     "types switched off",
			settings: map[string]any{"types": map[string]any{"email": false}},
			payload:  `{"x":"a@b.io 4111 1111 1111 1111"}`,
			want:     `{"x":"a@b.io [REDACTED:card]"}`,
			findings: []Finding{{Type: "card", Path: "$.x", Count: 1}},
		},
		{
			name:     "escapes and unicode survive",
			payload:  `{"x":"line\nbreak \"q\" é ✓ 10.0.0.1"}`,
			want:     `{"x":"line\nbreak \"q\" é ✓ [REDACTED:ip]"}`,
			findings: []Finding{{Type: "ip", Path: "$.x", Count: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, Config{Name: "pii", Path: path, Settings: tt.settings})
			evs := []Input{event(tt.payload)}
			if err := c.Apply(t.Context(), evs); err != nil {
				t.Fatalf("Apply() = %v", err)
			}
			if got := string(evs[0].Payload); got != tt.want {
				t.Errorf("payload = %s\nwant %s", got, tt.want)
			}
			var want []Redaction
			if tt.findings != nil {
				want = []Redaction{{Plugin: "pii", SHA256: fileSHA256(t, path), Findings: tt.findings}}
			}
			if !reflect.DeepEqual(evs[0].Redactions, want) {
				t.Errorf("redactions = %+v\nwant %+v", evs[0].Redactions, want)
			}
		})
	}
}

func TestPII_badConfig(t *testing.T) {
	cfg := Config{Name: "pii", Path: piiWasm(t), Settings: map[string]any{"types": map[string]any{"emails": false}}}
	_, err := Load(t.Context(), RuntimeConfig{CacheDir: cacheDir}, []Config{cfg})
	if err == nil || !strings.Contains(err.Error(), "init returned 1") || !strings.Contains(err.Error(), `unknown type "emails"`) {
		t.Errorf("Load() = %v, want an init failure naming the unknown type", err)
	}
}

// TestPII_timeout checks that the deadline stops a Go guest too.
func TestPII_timeout(t *testing.T) {
	c := mustLoad(t, Config{Name: "pii", Path: piiWasm(t), Timeout: 1})
	err := c.Apply(t.Context(), []Input{event(`{"x":"a@b.io"}`)})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("Apply() with a 1ns timeout = %v, want a timeout", err)
	}
}
