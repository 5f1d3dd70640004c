package plugins

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// benchPayload builds an llm_call-like payload of about size bytes in
// canonical form: messages of prose, with an e-mail address and a phone
// number in every fourth one when withPII is set.
func benchPayload(tb testing.TB, size int, withPII bool) []byte {
	tb.Helper()
	var messages []map[string]any
	payload := map[string]any{
		"callId": "call-7f3a", "provider": "openai", "model": "gpt-4o",
		"messages": &messages,
	}
	for i := 0; ; i++ {
		text := fmt.Sprintf("Message %d: order ORD-2024-%06d was placed at 2026-02-08T10:00:%02d.000Z "+
			"for $1,299.99 with version 10.0.19045 of the client; the customer asks about delivery.", i, i, i%60)
		if withPII && i%4 == 1 {
			text += " Reach me at jane.doe@example.com or +1 555 123 4567."
		}
		messages = append(messages, map[string]any{"role": "user", "content": text})
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(payload); err != nil {
			tb.Fatal(err)
		}
		if b.Len() >= size {
			return bytes.TrimSpace(b.Bytes())
		}
	}
}

// BenchmarkPII measures one pii call through the host (input assembly, the
// guest, output validation and canonicalization) per event; p50-µs is the
// median call.
func BenchmarkPII(b *testing.B) {
	c := mustLoad(b, Config{Name: "pii", Path: piiWasm(b)})
	for _, size := range []int{1 << 10, 10 << 10} {
		for _, withPII := range []bool{true, false} {
			name := fmt.Sprintf("%dKB/pii=%v", size>>10, withPII)
			payload := benchPayload(b, size, withPII)
			b.Run(name, func(b *testing.B) {
				benchApply(b, c, payload)
			})
		}
	}
}

// BenchmarkUppercase measures the hand-written WebAssembly text plugin, for
// comparison with a Go guest.
func BenchmarkUppercase(b *testing.B) {
	c := mustLoad(b, Config{Name: "upper", Path: uppercaseWasm})
	b.Run("1KB", func(b *testing.B) {
		benchApply(b, c, benchPayload(b, 1<<10, false))
	})
}

func benchApply(b *testing.B, c *Chain, payload []byte) {
	ctx := b.Context()
	evs := make([]Input, 1)
	times := make([]time.Duration, 0, 1<<16)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		// Apply replaces the payload slice and never writes to it.
		evs[0] = Input{EventType: "llm_call", SessionID: "s1", AgentID: "a1", Payload: payload}
		start := time.Now()
		if err := c.Apply(ctx, evs); err != nil {
			b.Fatal(err)
		}
		if len(times) < cap(times) {
			times = append(times, time.Since(start))
		}
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds())/1e3, "p50-µs")
}
