package plugins

import (
	"fmt"
	"log/slog"
	"unicode/utf8"

	"github.com/agentlens/agentlens-go/store/chain"
)

// Input is one event on its way through the chain.
type Input struct {
	EventType string
	SessionID string
	AgentID   string
	// Payload is the canonical (RFC 8785) JSON text of the payload object.
	// Apply replaces it with each plugin's output, canonicalized.
	Payload []byte
	// Metadata is the canonical JSON text of the metadata object; empty
	// means {}. Plugins see it but cannot change it.
	Metadata []byte
	// Redactions gets one entry per plugin that changed the payload, in
	// chain order.
	Redactions []Redaction
}

// LogValue prints the event's identity and payload size, never its content.
func (in Input) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String(keyEventType, in.EventType),
		slog.String(keySessionID, in.SessionID),
		slog.Int(keyPayloadBytes, len(in.Payload)),
	)
}

// Redaction records that a plugin changed an event's payload. The host
// stores the list in the event's metadata ("redaction"), inside the hash.
type Redaction struct {
	Plugin string `json:"plugin"`
	// SHA256 is the lowercase hex SHA-256 of the plugin's .wasm file.
	SHA256   string    `json:"sha256"`
	Findings []Finding `json:"findings"`
}

// Finding is what a plugin reported finding: Count items of Type in the
// string at Path, a JSONPath such as "$.messages[2].content".
type Finding struct {
	Type  string `json:"type"`
	Path  string `json:"path"`
	Count int    `json:"count"`
}

// appendInput appends the transform input for ev (ABI v1): one JCS object
// with the members in sorted order, the payload and metadata inserted as
// they are (already canonical).
func appendInput(b []byte, ev *Input) ([]byte, error) {
	for _, f := range [...]struct{ name, v string }{
		{"agentId", ev.AgentID}, {"eventType", ev.EventType}, {"sessionId", ev.SessionID},
	} {
		if !utf8.ValidString(f.v) {
			return b, fmt.Errorf("%s is not valid UTF-8", f.name)
		}
	}
	if len(ev.Payload) == 0 {
		return b, fmt.Errorf("payload is empty")
	}
	meta := ev.Metadata
	if len(meta) == 0 {
		meta = []byte("{}")
	}
	b = append(b, `{"agentId":`...)
	b = chain.AppendString(b, ev.AgentID)
	b = append(b, `,"eventType":`...)
	b = chain.AppendString(b, ev.EventType)
	b = append(b, `,"metadata":`...)
	b = append(b, meta...)
	b = append(b, `,"payload":`...)
	b = append(b, ev.Payload...)
	b = append(b, `,"sessionId":`...)
	b = chain.AppendString(b, ev.SessionID)
	return append(b, '}'), nil
}
