package plugins

import (
	"context"
	"errors"
	"fmt"
)

// A chain of one plugin, the hand-written examples/uppercase.wat, applied
// to a batch of two events. The second one changes nothing, so it gets no
// redaction record.
func ExampleChain_Apply() {
	ctx := context.Background()
	c, err := Load(ctx, RuntimeConfig{}, []Config{
		{Name: "uppercase", Path: uppercaseWasm}, // wat2wasm examples/uppercase.wat
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close(ctx)

	events := []Input{
		{EventType: "custom", SessionID: "s1", AgentID: "a1", Payload: []byte(`{"note":"hello","tags":["a","B"]}`)},
		{EventType: "custom", SessionID: "s1", AgentID: "a1", Payload: []byte(`{"note":"QUIET"}`)},
	}
	if err := c.Apply(ctx, events); err != nil {
		var pe *PluginError
		if errors.As(err, &pe) {
			fmt.Println("422:", pe.Plugin, pe.EventIndex, pe.Reason)
		}
		return
	}
	for _, ev := range events {
		fmt.Println(string(ev.Payload))
		for _, r := range ev.Redactions {
			fmt.Printf("  changed by %s: %+v\n", r.Plugin, r.Findings)
		}
	}
	// Output:
	// {"note":"HELLO","tags":["A","B"]}
	//   changed by uppercase: [{Type:uppercase Path:$ Count:2}]
	// {"note":"QUIET"}
}
