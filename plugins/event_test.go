package plugins

import (
	"bytes"
	"testing"

	"github.com/agentlens/agentlens-go/store/chain"
)

func TestAppendInput(t *testing.T) {
	ev := Input{
		EventType: "tool_call",
		SessionID: "s \"1\" \\ \n\t\x01 é",
		AgentID:   "agent\u2028x\x7f",
		Payload:   []byte(`{"a":[1,"b"]}`),
	}
	got, err := appendInput(nil, &ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"agentId":"agent` + "\u2028" + "x\x7f" + `","eventType":"tool_call","metadata":{},"payload":{"a":[1,"b"]},` +
		`"sessionId":"s \"1\" \\ \n\t\u0001 é"}`
	if string(got) != want {
		t.Errorf("appendInput() = %s\nwant %s", got, want)
	}
	// The input is in canonical form: canonicalizing it changes nothing.
	canon, err := chain.Canonicalize(got)
	if err != nil || !bytes.Equal(canon, got) {
		t.Errorf("Canonicalize(input) = %s, %v; want the input itself", canon, err)
	}
}

func TestAppendInput_errors(t *testing.T) {
	for _, ev := range []Input{
		{EventType: "custom", SessionID: "\xff", Payload: []byte(`{}`)},
		{EventType: "custom\xc3", Payload: []byte(`{}`)},
		{EventType: "custom"},
	} {
		if _, err := appendInput(nil, &ev); err == nil {
			t.Errorf("appendInput(%+v) = nil error, want one", ev)
		}
	}
}
