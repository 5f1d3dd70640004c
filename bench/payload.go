package main

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/agentlens/agentlens-go/store/chain"
)

// eventTypes are the types the generated events rotate through; all four are
// selected by the pii plugin's event_types, so with the plugin on every event
// passes through it.
var eventTypes = []string{"tool_call", "tool_response", "llm_call", "llm_response"}

// piiEventTypes is the event_types list of the pii plugin's [[plugins]] table.
var piiEventTypes = []string{"llm_call", "llm_response", "tool_call", "tool_response", "tool_error"}

// agentID is the agentId of every generated event.
const agentID = "bench-agent"

// keyID is what the server records as keyId with auth disabled.
const keyID = "anonymous"

// words is the vocabulary of the filler text.
var words = strings.Fields(`the agent looked up the quarterly report for account
	review and summarised pending invoices then asked the model to draft a reply
	about shipping status refund policy and the next steps for the customer support
	ticket including order history delivery window and warehouse notes`)

// generator makes event payloads of a fixed canonical size. Each payload
// carries one e-mail address or phone number among plain text, so a
// redaction plugin has real work to do; the rest is text it must scan.
type generator struct {
	size int // canonical payload bytes
}

// payload returns the JCS text of the payload of event n (its type is
// eventTypes[n%4]), exactly g.size bytes long when g.size is large enough.
func (g *generator) payload(n int) []byte {
	typ := eventTypes[n%len(eventTypes)]
	var head, tail string
	switch typ {
	case "tool_call":
		head = fmt.Sprintf(`{"arguments":{"contact":"customer.%d@example.com","limit":20,"query":"`, n%10000)
		tail = fmt.Sprintf(`"},"callId":"call_%08d","toolName":"search_crm"}`, n)
	case "tool_response":
		head = fmt.Sprintf(`{"callId":"call_%08d","durationMs":42,"result":"call back on +1 415 555 %04d: `, n, n%10000)
		tail = `","toolName":"search_crm"}`
	case "llm_call":
		head = fmt.Sprintf(`{"callId":"llm_%08d","messages":[{"content":"`, n)
		tail = `","role":"user"}],"model":"gpt-4o-mini","provider":"openai"}`
	default: // llm_response
		head = fmt.Sprintf(`{"callId":"llm_%08d","completion":"`, n)
		tail = `","costUsd":0.00042,"finishReason":"stop","latencyMs":812,"model":"gpt-4o-mini",` +
			`"provider":"openai","usage":{"inputTokens":412,"outputTokens":96}}`
	}
	b := make([]byte, 0, g.size+32)
	b = append(b, head...)
	b = appendFiller(b, g.size-len(head)-len(tail), n)
	return append(b, tail...)
}

// appendFiller appends n bytes (at least one) of lower-case words and spaces.
func appendFiller(b []byte, n, seed int) []byte {
	n = max(n, 1)
	start := len(b)
	for i := seed; len(b)-start < n; i++ {
		if len(b) > start {
			b = append(b, ' ')
		}
		b = append(b, words[i%len(words)]...)
	}
	b = b[:start+n]
	if b[len(b)-1] == ' ' {
		b[len(b)-1] = 'x'
	}
	return b
}

// checkCanonical makes sure the payload templates produce JCS text, as the
// store requires of what it hashes; a template mistake would otherwise show
// up as broken chains or rejected events.
func (g *generator) checkCanonical() error {
	for n := range 2 * len(eventTypes) {
		p := g.payload(n)
		c, err := chain.Canonicalize(p)
		if err != nil {
			return fmt.Errorf("payload template %s: %w", eventTypes[n%len(eventTypes)], err)
		}
		if !bytes.Equal(c, p) {
			return fmt.Errorf("payload template %s is not canonical:\n%s\nvs\n%s",
				eventTypes[n%len(eventTypes)], p, c)
		}
	}
	return nil
}

// wireEvent returns the JSON of event n of session as a client posts it.
func (g *generator) wireEvent(b []byte, session string, n int, timestamp string) []byte {
	b = fmt.Appendf(b, `{"sessionId":%q,"agentId":%q,"eventType":%q,"timestamp":%q,"payload":`,
		session, agentID, eventTypes[n%len(eventTypes)], timestamp)
	b = append(b, g.payload(n)...)
	return append(b, '}')
}

// batchBody returns a POST /api/events body of size events of session,
// numbered from first.
func (g *generator) batchBody(session string, first, size int) []byte {
	ts := chain.FormatTime(time.Now())
	b := make([]byte, 0, size*(g.size+160))
	b = append(b, `{"events":[`...)
	for i := range size {
		if i > 0 {
			b = append(b, ',')
		}
		b = g.wireEvent(b, session, first+i, ts)
	}
	return append(b, "]}"...)
}

// storeEvent returns event n of session as the server's write path would
// hand it to the store: every field but Seq, PrevHash and Hash.
func (g *generator) storeEvent(session string, n int, timestamp, receivedAt string) chain.Event {
	return chain.Event{
		ID:         ulid.Make().String(),
		Timestamp:  timestamp,
		ReceivedAt: receivedAt,
		KeyID:      keyID,
		SessionID:  session,
		AgentID:    agentID,
		EventType:  eventTypes[n%len(eventTypes)],
		Severity:   "info",
		Payload:    g.payload(n),
		Metadata:   []byte("{}"),
	}
}
