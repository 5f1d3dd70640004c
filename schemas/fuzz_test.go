package schemas

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/agentlens/agentlens-go/store/chain"
)

// eventTypes are the 26 types DESIGN.md accepts.
var eventTypes = []string{
	"session_started", "session_ended", "tool_call", "tool_response", "tool_error",
	"approval_requested", "approval_granted", "approval_denied", "approval_expired",
	"form_submitted", "form_completed", "form_expired", "llm_call", "llm_response",
	"cost_tracked", "alert_triggered", "alert_resolved", "custom",
	"error", "eval_result", "human_score", "feedback", "skill_activated", "retrieval",
	"embedding", "chain_step",
}

// idProblem says what is wrong with a decoded sessionId, agentId or
// eventType under DESIGN.md's rule (1 to 256 bytes of UTF-8, no control
// characters), or "".
func idProblem(s string) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > DefaultMaxIDBytes:
		return "is longer than 256 bytes"
	case !utf8.ValidString(s):
		return "is not UTF-8"
	case slices.ContainsFunc([]rune(s), unicode.IsControl):
		return "holds a control character"
	}
	return ""
}

// envelopeDepth is how deeply a batch nests a payload, as the ingest
// route counts it: {"events":[{"payload":{...}}]}.
const envelopeDepth = 3

func FuzzDecodeBatch(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzDecodeBatch.
	f.Add([]byte(`{"events":[{"sessionId":"s1","agentId":"a1","eventType":"custom",`+
		`"payload":{"type":"note","data":"x"}}]}`), int16(0))
	f.Add([]byte(`{"events":[]}`), int16(1))
	v, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte, maxEvents int16) {
		limit := int(maxEvents)
		if limit > DefaultMaxEvents {
			limit = DefaultMaxEvents
		}
		effective := limit
		if effective < 1 {
			effective = DefaultMaxEvents
		}

		events, err := v.DecodeBatch(body, limit)
		wantEvents, wantErr := referenceDecodeBatch(v, body, limit)
		if diff := sameResult(events, err, wantEvents, wantErr); diff != "" {
			t.Fatalf("DecodeBatch(%q, %d): %s (the reference decoder's answer)", body, limit, diff)
		}
		if err != nil {
			var se *Error
			if !errors.As(err, &se) || se.Message == "" {
				t.Fatalf("DecodeBatch(%q) error = %#v, want an *Error with a message", body, err)
			}
			if len(se.Details) > maxDetails {
				t.Fatalf("DecodeBatch(%q) lists %d details, want at most %d", body, len(se.Details), maxDetails)
			}
			if events != nil {
				t.Fatalf("DecodeBatch(%q) = %d events and error %v, want none", body, len(events), err)
			}
			return
		}

		if n := len(events); n < 1 || n > effective {
			t.Fatalf("DecodeBatch(%q, %d) = %d events, want 1 to %d", body, limit, n, effective)
		}
		for i, e := range events {
			for name, s := range map[string]string{
				"sessionId": e.SessionID, "agentId": e.AgentID, "eventType": e.EventType,
			} {
				if p := idProblem(s); p != "" {
					t.Fatalf("DecodeBatch(%q): events[%d].%s = %q, which %s", body, i, name, s, p)
				}
			}
			if !slices.Contains(eventTypes, e.EventType) {
				t.Fatalf("DecodeBatch(%q): events[%d].eventType = %q, not an accepted type", body, i, e.EventType)
			}
			if e.Severity != "" && !slices.Contains(chain.Severities, e.Severity) {
				t.Fatalf("DecodeBatch(%q): events[%d].severity = %q", body, i, e.Severity)
			}
			if len(e.Payload) == 0 || e.Payload[0] != '{' || !json.Valid(e.Payload) {
				t.Fatalf("DecodeBatch(%q): events[%d].payload = %q, want a JSON object", body, i, e.Payload)
			}
			if e.Metadata != nil && (len(e.Metadata) == 0 || e.Metadata[0] != '{' || !json.Valid(e.Metadata)) {
				t.Fatalf("DecodeBatch(%q): events[%d].metadata = %q, want a JSON object", body, i, e.Metadata)
			}
		}

		// What the ingest route accepts (its syntax pass, then
		// DecodeBatch) must be storable: the writer canonicalizes payload
		// and metadata under the same limits.
		if chain.Check(body, chain.DefaultLimits.Deeper(envelopeDepth)) != nil {
			return
		}
		for i, e := range events {
			if _, err := chain.CanonicalObject(e.Payload, "payload"); err != nil {
				t.Fatalf("ingest accepts %q, but events[%d].payload %q does not canonicalize: %v",
					body, i, e.Payload, err)
			}
			if e.Metadata == nil {
				continue
			}
			if _, err := chain.CanonicalObject(e.Metadata, "metadata"); err != nil {
				t.Fatalf("ingest accepts %q, but events[%d].metadata %q does not canonicalize: %v",
					body, i, e.Metadata, err)
			}
		}
	})
}

// FuzzFastPathAgreesWithSchema checks the fast path of event validation
// against the slow one. The fast path checks an event against event.json
// narrowed to its eventType (bytype.go): that must accept exactly the
// events of that type that the whole of event.json accepts. And DecodeEvent
// must answer exactly as the reference decoder does.
//
// event is an event's text; the schemas are compared on it with eventType
// set to the typ'th of the 26 types and, when payload is JSON, payload
// set to it.
func FuzzFastPathAgreesWithSchema(f *testing.F) {
	for i, typ := range eventTypes {
		for _, payload := range testPayloads() {
			f.Add([]byte(eventOf(typ, payload)), uint8(i), []byte(payload))
		}
	}
	f.Add([]byte(`{"sessionId":"s","agentId":"a","eventType":"custom","severity":"loud",`+
		`"metadata":[],"timestamp":1,"payload":{"type":"t","data":null}}`), uint8(17), []byte(`x`))
	f.Add([]byte(`{"sessionId":"","agentId":"a\nb","eventType":"tool_call","payload":{}}`),
		uint8(2), []byte(`{}`))
	f.Add([]byte(`{"sessionId":"s","agentId":"a","eventType":"tool_call","Payload":{},"PAYLOAD":{},`+
		`"payload":1,"pay\u006coad":{"toolName":"t","callId":"c","arguments":{}}}`), uint8(2), []byte(`x`))
	f.Add([]byte(`[1]`), uint8(0), []byte(`{}`))
	v, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, event []byte, typ uint8, payload []byte) {
		got, err := v.DecodeEvent(event)
		want, wantErr := referenceDecodeEvent(v, event)
		var gotEvents, wantEvents []Event
		if err == nil {
			gotEvents = []Event{got}
		}
		if wantErr == nil {
			wantEvents = []Event{want}
		}
		if diff := sameResult(gotEvents, err, wantEvents, wantErr); diff != "" {
			t.Fatalf("DecodeEvent(%q): %s (the reference decoder's answer)", event, diff)
		}

		doc, err := jsonschemaDoc(event)
		obj, isObject := doc.(map[string]any)
		if err != nil || !isObject {
			return
		}
		name := eventTypes[int(typ)%len(eventTypes)]
		obj["eventType"] = name
		if p, err := jsonschemaDoc(payload); err == nil {
			obj["payload"] = p
		}
		narrowed := v.byType[name].Validate(obj)
		whole := v.event.Validate(obj)
		if (narrowed == nil) != (whole == nil) {
			t.Fatalf("event %v: event.json narrowed to %s says %v, the whole of it %v",
				obj, name, narrowed, whole)
		}
	})
}
