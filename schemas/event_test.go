package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// field is one payload member of a documented event type.
type field struct {
	name     string
	value    string // JSON text
	required bool
}

// documented lists DESIGN.md's 18 types, each with every documented field.
var documented = []struct {
	typ    string
	fields []field
}{
	{"session_started", []field{
		{"agentName", `"support-bot"`, false},
		{"agentVersion", `"1.2.0"`, false},
		{"tags", `["prod","eu"]`, false},
	}},
	{"session_ended", []field{
		{"reason", `"completed"`, true},
		{"summary", `"done"`, false},
		{"totalToolCalls", `3`, false},
		{"totalDurationMs", `1234.5`, false},
	}},
	{"tool_call", []field{
		{"toolName", `"search"`, true},
		{"callId", `"c1"`, true},
		{"arguments", `{"q":"weather"}`, true},
	}},
	{"tool_response", []field{
		{"callId", `"c1"`, true},
		{"toolName", `"search"`, true},
		{"result", `"sunny"`, true},
		{"durationMs", `12`, true},
	}},
	{"tool_error", []field{
		{"callId", `"c1"`, true},
		{"toolName", `"search"`, true},
		{"error", `{"code":500}`, true},
		{"durationMs", `12`, true},
	}},
	{"approval_requested", []field{
		{"requestId", `"r1"`, true},
		{"action", `"refund"`, true},
		{"params", `{"amount":10}`, true},
		{"urgency", `"high"`, true},
	}},
	{"approval_granted", approvalFields},
	{"approval_denied", approvalFields},
	{"approval_expired", approvalFields},
	{"form_submitted", []field{
		{"submissionId", `"s1"`, true},
		{"formId", `"f1"`, true},
		{"fieldCount", `4`, true},
		{"formName", `"Intake"`, false},
	}},
	{"form_completed", []field{
		{"submissionId", `"s1"`, true},
		{"formId", `"f1"`, true},
		{"completedBy", `"ana"`, true},
		{"durationMs", `5000`, true},
	}},
	{"form_expired", []field{
		{"submissionId", `"s1"`, true},
		{"formId", `"f1"`, true},
		{"expiredAfterMs", `86400000`, true},
	}},
	{"llm_call", []field{
		{"callId", `"l1"`, true},
		{"provider", `"anthropic"`, true},
		{"model", `"claude"`, true},
		{"messages", `[{"role":"user","content":"hi"}]`, true},
	}},
	{"llm_response", []field{
		{"callId", `"l1"`, true},
		{"provider", `"anthropic"`, true},
		{"model", `"claude"`, true},
		{"completion", `"hello"`, true},
		{"finishReason", `"end_turn"`, true},
		{"usage", `{"inputTokens":3,"outputTokens":1}`, true},
		{"costUsd", `0.0001`, true},
		{"latencyMs", `850`, true},
	}},
	{"cost_tracked", []field{
		{"provider", `"anthropic"`, true},
		{"model", `"claude"`, true},
		{"inputTokens", `10`, true},
		{"outputTokens", `5`, true},
		{"totalTokens", `15`, true},
		{"costUsd", `0.002`, true},
	}},
	{"alert_triggered", []field{
		{"alertRuleId", `"ar1"`, true},
		{"alertName", `"cost spike"`, true},
		{"condition", `"costUsd > 5"`, true},
		{"currentValue", `7.5`, true},
		{"threshold", `5`, true},
		{"message", `"cost over budget"`, true},
	}},
	{"alert_resolved", []field{
		{"alertRuleId", `"ar1"`, true},
		{"alertName", `"cost spike"`, true},
	}},
	{"custom", []field{
		{"type", `"checkpoint"`, true},
		{"data", `{"step":2}`, true},
	}},
}

var approvalFields = []field{
	{"requestId", `"r1"`, true},
	{"action", `"refund"`, true},
	{"decidedBy", `"ana"`, true},
	{"reason", `"within policy"`, false},
}

// newerTypes accept any object payload.
var newerTypes = []string{
	"error", "eval_result", "human_score", "feedback",
	"skill_activated", "retrieval", "embedding", "chain_step",
}

// payloadOf writes the fields as a JSON object, leaving out skip.
func payloadOf(fields []field, skip string, requiredOnly bool) string {
	var members []string
	for _, f := range fields {
		if f.name == skip || (requiredOnly && !f.required) {
			continue
		}
		members = append(members, fmt.Sprintf("%q:%s", f.name, f.value))
	}
	return "{" + strings.Join(members, ",") + "}"
}

func TestDecodeEvent_DocumentedTypes(t *testing.T) {
	v := newValidator(t)
	for _, tc := range documented {
		for _, requiredOnly := range []bool{false, true} {
			name := tc.typ + "/all_fields"
			if requiredOnly {
				name = tc.typ + "/required_only"
			}
			t.Run(name, func(t *testing.T) {
				payload := payloadOf(tc.fields, "", requiredOnly)
				ev, err := v.DecodeEvent([]byte(eventOf(tc.typ, payload)))
				if err != nil {
					t.Fatalf("DecodeEvent(%s) error = %v", payload, err)
				}
				if ev.EventType != tc.typ || string(ev.Payload) != payload {
					t.Errorf("DecodeEvent = %q %s, want %q %s", ev.EventType, ev.Payload, tc.typ, payload)
				}
			})
		}
		for _, f := range tc.fields {
			if !f.required {
				continue
			}
			t.Run(tc.typ+"/without_"+f.name, func(t *testing.T) {
				raw := eventOf(tc.typ, payloadOf(tc.fields, f.name, false))
				_, err := v.DecodeEvent([]byte(raw))
				want := fmt.Sprintf("event.payload: missing required field %q", f.name)
				if got := details(t, err); !slices.Equal(got, []string{want}) {
					t.Errorf("DecodeEvent(%s) details = %q, want [%q]", raw, got, want)
				}
			})
		}
	}
}

func TestDecodeEvent_NewerTypes(t *testing.T) {
	v := newValidator(t)
	for _, typ := range newerTypes {
		for _, payload := range []string{`{}`, `{"score":0.9,"nested":{"a":[1,null]}}`} {
			t.Run(typ+"/"+payload, func(t *testing.T) {
				if _, err := v.DecodeEvent([]byte(eventOf(typ, payload))); err != nil {
					t.Errorf("DecodeEvent(%s, %s) error = %v", typ, payload, err)
				}
			})
		}
		t.Run(typ+"/array_payload", func(t *testing.T) {
			_, err := v.DecodeEvent([]byte(eventOf(typ, `[]`)))
			want := []string{"event.payload: must be an object, not an array"}
			if got := details(t, err); !slices.Equal(got, want) {
				t.Errorf("DecodeEvent details = %q, want %q", got, want)
			}
		})
	}
}

func TestDecodeEvent_Invalid(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{
			"unknown type", eventOf("tool_called", `{}`),
			[]string{`event.eventType: unknown event type "tool_called"`},
		},
		{
			"type not a string", `{"sessionId":"s","agentId":"a","eventType":7,"payload":{}}`,
			[]string{"event.eventType: must be a string, not a number"},
		},
		{
			"bad severity", `{"sessionId":"s","agentId":"a","eventType":"error","severity":"fatal","payload":{}}`,
			[]string{"event.severity: must be one of debug, info, warn, error, critical"},
		},
		{
			"payload string", eventOf("custom", `"x"`),
			[]string{"event.payload: must be an object, not a string"},
		},
		{
			"payload null", eventOf("tool_call", `null`),
			[]string{"event.payload: must be an object, not null"},
		},
		{"missing everything", `{}`, []string{
			`event: missing required field "agentId"`,
			`event: missing required field "eventType"`,
			`event: missing required field "payload"`,
			`event: missing required field "sessionId"`,
		}},
		{
			"missing sessionId", `{"agentId":"a","eventType":"error","payload":{}}`,
			[]string{`event: missing required field "sessionId"`},
		},
		{
			"missing agentId", `{"sessionId":"s","eventType":"error","payload":{}}`,
			[]string{`event: missing required field "agentId"`},
		},
		{
			"missing eventType", `{"sessionId":"s","agentId":"a","payload":{}}`,
			[]string{`event: missing required field "eventType"`},
		},
		{
			"missing payload", `{"sessionId":"s","agentId":"a","eventType":"error"}`,
			[]string{`event: missing required field "payload"`},
		},
		{
			"empty sessionId", `{"sessionId":"","agentId":"a","eventType":"error","payload":{}}`,
			[]string{"event.sessionId: must not be empty"},
		},
		{
			"metadata array", `{"sessionId":"s","agentId":"a","eventType":"error","payload":{},"metadata":[]}`,
			[]string{"event.metadata: must be an object, not an array"},
		},
		{
			"timestamp number", `{"sessionId":"s","agentId":"a","eventType":"error","payload":{},"timestamp":1}`,
			[]string{"event.timestamp: must be a string, not a number"},
		},
		{"not an object", `[1]`, []string{"event: must be an object, not an array"}},
		{
			"bad reason", eventOf("session_ended", `{"reason":"crashed"}`),
			[]string{"event.payload.reason: must be one of completed, error, timeout, manual"},
		},
		{
			"arguments array", eventOf("tool_call", `{"toolName":"t","callId":"c","arguments":[]}`),
			[]string{"event.payload.arguments: must be an object, not an array"},
		},
		{
			"tag not a string", eventOf("session_started", `{"tags":["a",2]}`),
			[]string{"event.payload.tags[1]: must be a string, not a number"},
		},
		{"optional formName typed", eventOf("form_submitted",
			`{"submissionId":"s","formId":"f","fieldCount":"3","formName":false}`), []string{
			"event.payload.fieldCount: must be a number, not a string",
			"event.payload.formName: must be a string, not a boolean",
		}},
		{
			"completion number", eventOf("llm_response",
				`{"callId":"c","provider":"p","model":"m","completion":1,"finishReason":"stop",`+
					`"usage":{},"costUsd":0,"latencyMs":1}`),
			[]string{"event.payload.completion: must be a string or null, not a number"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.DecodeEvent([]byte(tc.raw))
			if got := details(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("DecodeEvent(%s) details = %q, want %q", tc.raw, got, tc.want)
			}
		})
	}
}

func TestDecodeEvent_IDLimits(t *testing.T) {
	v := newValidator(t)
	max := strings.Repeat("é", 128) // 256 bytes, 128 characters
	tests := []struct {
		name      string
		sessionID string
		agentID   string
		want      []string // nil: accepted
	}{
		{"256 bytes", max, max, nil},
		{
			"257 byte sessionId", max + "x", "a",
			[]string{"event.sessionId: must be at most 256 bytes of UTF-8; got 257"},
		},
		{
			"257 byte agentId", "s", "x" + max,
			[]string{"event.agentId: must be at most 256 bytes of UTF-8; got 257"},
		},
		{
			"newline in agentId", "s", "a\nb",
			[]string{"event.agentId: must not contain control characters; found U+000A at byte 1"},
		},
		{
			"NUL in agentId", "s", "\x00",
			[]string{"event.agentId: must not contain control characters; found U+0000 at byte 0"},
		},
		{
			"DEL in sessionId", "ab\x7f", "a",
			[]string{"event.sessionId: must not contain control characters; found U+007F at byte 2"},
		},
		{"non-ASCII allowed", "séance-✓", "agent/日本", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := json.Marshal(map[string]any{
				"sessionId": tc.sessionID,
				"agentId":   tc.agentID,
				"eventType": "custom",
				"payload":   map[string]any{"type": "t", "data": nil},
			})
			ev, err := v.DecodeEvent(raw)
			if tc.want == nil {
				if err != nil || ev.SessionID != tc.sessionID || ev.AgentID != tc.agentID {
					t.Errorf("DecodeEvent = %q, %q, %v; want %q, %q, nil",
						ev.SessionID, ev.AgentID, err, tc.sessionID, tc.agentID)
				}
				return
			}
			if got := details(t, err); !slices.Equal(got, tc.want) {
				t.Errorf("DecodeEvent details = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecodeEvent_Fields(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name string
		raw  string
		want Event
	}{
		{
			"defaults absent",
			`{"sessionId":"s","agentId":"a","eventType":"feedback","payload":{}}`,
			Event{SessionID: "s", AgentID: "a", EventType: "feedback", Payload: json.RawMessage(`{}`)},
		},
		{
			"all members, raw bytes kept",
			`{"id":"ignored","receivedAt":"x","keyId":"k","sessionId":"s\u00e9","agentId":"a",` +
				`"eventType":"custom","severity":"warn","timestamp":"2026-02-08T10:00:00Z",` +
				`"payload":{ "type" : "t", "data":[1.0e0, 10000000000000000000001] },` +
				`"metadata":{"b":1, "a":"\u00e9"}}`,
			Event{
				SessionID: "sé",
				AgentID:   "a",
				EventType: "custom",
				Severity:  "warn",
				Timestamp: "2026-02-08T10:00:00Z",
				Payload:   json.RawMessage(`{ "type" : "t", "data":[1.0e0, 10000000000000000000001] }`),
				Metadata:  json.RawMessage(`{"b":1, "a":"\u00e9"}`),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.DecodeEvent([]byte(tc.raw))
			if err != nil {
				t.Fatalf("DecodeEvent(%s) error = %v", tc.raw, err)
			}
			if !sameEvent(got, tc.want) {
				t.Errorf("DecodeEvent(%s) = %+v, want %+v", tc.raw, got, tc.want)
			}
		})
	}
}

// sameEvent reports whether a and b are equal, telling a nil Metadata from
// an empty one.
func sameEvent(a, b Event) bool {
	return a.SessionID == b.SessionID && a.AgentID == b.AgentID &&
		a.EventType == b.EventType && a.Severity == b.Severity &&
		a.Timestamp == b.Timestamp && bytes.Equal(a.Payload, b.Payload) &&
		bytes.Equal(a.Metadata, b.Metadata) && (a.Metadata == nil) == (b.Metadata == nil)
}

func TestDecodeEvent_NotJSON(t *testing.T) {
	v := newValidator(t)
	_, err := v.DecodeEvent([]byte(`{"sessionId":`))
	var e *Error
	if !errors.As(err, &e) || e.Message != "the event is not valid JSON" {
		t.Errorf("DecodeEvent(truncated) error = %v, want *Error %q", err, "the event is not valid JSON")
	}
}
