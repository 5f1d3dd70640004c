package sdk_test

import (
	"fmt"
	"strings"

	"github.com/agentlens/agentlens-go/plugins/sdk"
)

// A plugin registers its function from init; Handle runs it natively on
// the exact input the host sends and shows the exact output (ABI v1).
func ExampleHandle() {
	sdk.Register(func(ev sdk.Event) (sdk.Result, error) {
		text, _ := ev.Payload["text"].(string)
		if strings.Contains(text, "DROP TABLE") {
			return sdk.Result{Reject: "looks like SQL injection"}, nil
		}
		ev.Payload["text"] = strings.ToUpper(text)
		return sdk.Result{
			Payload:  ev.Payload,
			Findings: []sdk.Finding{{Type: "shout", Path: "$.text", Count: 1}},
		}, nil
	})

	status, out := sdk.Handle([]byte(`{"agentId":"a1","eventType":"custom","metadata":{},` +
		`"payload":{"text":"hello"},"sessionId":"s1"}`))
	fmt.Println(status, string(out))

	status, out = sdk.Handle([]byte(`{"agentId":"a1","eventType":"custom","metadata":{},` +
		`"payload":{"text":"x'; DROP TABLE users"},"sessionId":"s1"}`))
	fmt.Println(status, string(out))
	// Output:
	// 0 {"payload":{"text":"HELLO"},"findings":[{"type":"shout","path":"$.text","count":1}]}
	// 1 looks like SQL injection
}
