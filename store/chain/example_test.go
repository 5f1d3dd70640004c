package chain_test

import (
	"fmt"

	"github.com/agentlens/agentlens-go/store/chain"
)

// Example seals a two-event chain (the conformance suite's hash vectors) and
// verifies it against its session head, then again after a payload was
// changed in storage.
func Example() {
	payload, err := chain.CanonicalObject([]byte(
		`{"toolName":"search","callId":"c1","arguments":{"query":"café €","limit":10,"ratio":0.5}}`), "payload")
	if err != nil {
		panic(err)
	}
	first := chain.Event{
		ID: "01JKCY4Q3M8R2V9XAB5E7GTN6D", Timestamp: "2026-02-08T10:00:00.000Z",
		ReceivedAt: "2026-02-08T10:00:00.120Z", KeyID: "01JKCY4Q3M8R2V9XAB5E7GTN00",
		SessionID: "sess_01", AgentID: "my-agent", EventType: "tool_call", Severity: "info",
		Payload: payload, Metadata: []byte(`{}`),
	}
	first.Seal(0, "")

	payload, _ = chain.CanonicalObject([]byte(
		`{"callId":"c1","toolName":"search","result":{"hits":[],"score":1e21},"durationMs":12.5}`), "payload")
	metadata, _ := chain.CanonicalObject([]byte(`{"b":1,"a":[true,null]}`), "metadata")
	second := chain.Event{
		ID: "01JKCY4Q3M8R2V9XAB5E7GTN6E", Timestamp: "2026-02-08T10:00:01.250Z",
		ReceivedAt: "2026-02-08T10:00:01.300Z", KeyID: "01JKCY4Q3M8R2V9XAB5E7GTN00",
		SessionID: "sess_01", AgentID: "my-agent", EventType: "tool_response", Severity: "warn",
		Payload: payload, Metadata: metadata,
	}
	second.Seal(1, first.Hash)
	fmt.Println("seq 0:", first.Hash)
	fmt.Println("seq 1:", second.Hash)

	head := chain.Head{Count: 2, LastHash: second.Hash}
	v := chain.NewVerifier("sess_01", head)
	v.Add(&first)
	v.Add(&second)
	if b := v.Finish(); b != nil {
		fmt.Println(b)
	} else {
		fmt.Println("intact:", v.Count(), "events")
	}

	second.Payload = []byte(`{"callId":"c1","durationMs":12.5,"result":{"hits":[]},"toolName":"search"}`)
	v = chain.NewVerifier("sess_01", head)
	v.Add(&first)
	v.Add(&second)
	fmt.Println(v.Finish())
	// Output:
	// seq 0: f0a6b37e9f972ee37a21d4f1baf2a37593de9107b051e1682bdbbbfcf25e95a5
	// seq 1: 4b85d21fa20bd281de8df80abf028efbceec5180bfd6773c8576af9b17b1862d
	// intact: 2 events
	// chain of session "sess_01" broken at seq 1: the event at seq 1 does not match its stored hash: its contents were changed after it was written
}
