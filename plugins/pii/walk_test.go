package pii

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestRedactor_Value(t *testing.T) {
	const in = `{
		"model": "gpt",
		"messages": [
			{"role": "system", "content": "be nice"},
			{"role": "user", "content": "I am a@b.io, call 555-123-4567 or c@d.io"},
			{"role": "user", "content": "card 4111 1111 1111 1111"}
		],
		"a@b.io": "keys stay",
		"odd key": "10.0.0.1",
		"n": 5551234567,
		"nested": {"deep": [["x", "ssn 123-45-6789"]]}
	}`
	var v any
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	r := mustNew(t, Config{})
	got, findings := r.Value(v)

	wantFindings := []Finding{
		{Type: "email", Path: "$.messages[1].content", Count: 2},
		{Type: "phone", Path: "$.messages[1].content", Count: 1},
		{Type: "card", Path: "$.messages[2].content", Count: 1},
		{Type: "ssn", Path: "$.nested.deep[0][1]", Count: 1},
		{Type: "ip", Path: `$["odd key"]`, Count: 1},
	}
	if !reflect.DeepEqual(findings, wantFindings) {
		t.Errorf("findings = %+v, want %+v", findings, wantFindings)
	}
	m := got.(map[string]any)
	if s := m["messages"].([]any)[1].(map[string]any)["content"]; s != "I am [REDACTED:email], call [REDACTED:phone] or [REDACTED:email]" {
		t.Errorf("messages[1].content = %q", s)
	}
	if s := m["a@b.io"]; s != "keys stay" {
		t.Errorf(`key "a@b.io" = %v, want the key and value kept`, s)
	}
	if n := m["n"]; n != 5551234567.0 {
		t.Errorf("n = %v, want the number untouched", n)
	}
}

func TestRedactor_Value_clean(t *testing.T) {
	r := mustNew(t, Config{})
	v := map[string]any{"a": "nothing here", "b": []any{1.0, true, nil}}
	_, findings := r.Value(v)
	if len(findings) != 0 {
		t.Errorf("findings = %v, want none", findings)
	}
}

func TestAppendKey(t *testing.T) {
	tests := []struct{ key, want string }{
		{"content", "$.content"},
		{"_x1", "$._x1"},
		{"1st", `$["1st"]`},
		{"a b", `$["a b"]`},
		{`q"\`, `$["q\"\\"]`},
		{"", `$[""]`},
	}
	for _, tt := range tests {
		if got := string(appendKey([]byte("$"), tt.key)); got != tt.want {
			t.Errorf("appendKey(%q) = %s, want %s", tt.key, got, tt.want)
		}
	}
}
