package sdk

import (
	"reflect"
	"testing"
)

func TestParseInput(t *testing.T) {
	want := RawEvent{
		EventType: "tool_call", SessionID: `s"1\`, AgentID: "a\n1",
		Payload:  []byte(`{"k":"\"sessionId\":\"x\"","n":[1,{"payload":2}]}`),
		Metadata: []byte(`{"payload":{"a":1},"sessionId":"m"}`),
	}
	canonical := `{"agentId":"a\n1","eventType":"tool_call","metadata":{"payload":{"a":1},"sessionId":"m"},` +
		`"payload":{"k":"\"sessionId\":\"x\"","n":[1,{"payload":2}]},"sessionId":"s\"1\\"}`
	reordered := `{"sessionId":"s\"1\\","payload":{"k":"\"sessionId\":\"x\"","n":[1,{"payload":2}]},` +
		`"eventType":"tool_call","agentId":"a\n1","metadata":{"payload":{"a":1},"sessionId":"m"},"extra":true}`

	ev, ok := parseCanonicalInput([]byte(canonical))
	if !ok || !reflect.DeepEqual(ev, want) {
		t.Errorf("parseCanonicalInput() = %+v, %v; want %+v", ev, ok, want)
	}
	if _, ok := parseCanonicalInput([]byte(reordered)); ok {
		t.Error("parseCanonicalInput(reordered) = ok, want it to defer to the general parser")
	}
	for _, in := range []string{canonical, reordered} {
		ev, err := parseInput([]byte(in))
		if err != nil || !reflect.DeepEqual(ev, want) {
			t.Errorf("parseInput(%s) = %+v, %v; want %+v", in, ev, err, want)
		}
	}
	for _, bad := range []string{``, `{}`, `{"payload":[]}`, `{"payload":{}`, `{"payload":{}}x`, `{"agentId":1,"payload":{}}`} {
		if _, err := parseInput([]byte(bad)); err == nil {
			t.Errorf("parseInput(%s) = nil error, want one", bad)
		}
	}
}

func TestDecodeEncode(t *testing.T) {
	in := `{"a":[1,2.5,-3e-7,1e+21,true,false,null],"b":{"c":"d\"e\\f\n\u0001 é"},"e":{},"f":[]}`
	v, err := decodeObject([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": []any{1.0, 2.5, -3e-7, 1e21, true, false, nil},
		"b": map[string]any{"c": "d\"e\\f\n\x01 é"},
		"e": map[string]any{},
		"f": []any{},
	}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("decodeObject() = %#v\nwant %#v", v, want)
	}
	out, err := appendValue(nil, v)
	if err != nil {
		t.Fatal(err)
	}
	if got := `{"a":[1,2.5,-3e-07,1e+21,true,false,null],"b":{"c":"d\"e\\f\n\u0001 é"},"e":{},"f":[]}`; string(out) != got {
		t.Errorf("appendValue() = %s\nwant %s", out, got)
	}
	// Other types go through the JSON library.
	out, err = appendValue(nil, map[string]any{"s": []string{"x"}, "i": int64(7), "u": uint8(3)})
	if err != nil || string(out) != `{"i":7,"s":["x"],"u":3}` {
		t.Errorf("appendValue(other types) = %s, %v", out, err)
	}
	for _, bad := range []string{`[]`, `{"a":}`, `{"a":1`, `{"a":tru}`, `{"a":"\q"}`} {
		if _, err := decodeObject([]byte(bad)); err == nil {
			t.Errorf("decodeObject(%s) = nil error, want one", bad)
		}
	}
}

func TestRegisterRaw(t *testing.T) {
	register(t, nil)
	var seen RawEvent
	RegisterRaw(func(ev RawEvent) (RawResult, error) {
		seen = ev
		return RawResult{Payload: []byte(`{"x":1}`), Findings: []Finding{{Type: "t", Path: `$["a b"]`, Count: 2}}}, nil
	})
	status, out := Handle([]byte(testInput))
	want := `{"payload":{"x":1},"findings":[{"type":"t","path":"$[\"a b\"]","count":2}]}`
	if status != StatusOK || string(out) != want {
		t.Errorf("Handle() = %d, %s; want 0, %s", status, out, want)
	}
	if seen.EventType != "custom" || string(seen.Payload) != `{"n":1,"secret":"hunter2","text":"hi"}` {
		t.Errorf("the function saw %+v", seen)
	}
}
