package chain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Version is the hash format version, the "v" member of every hash input.
const Version = 3

// TimeLayout is how every timestamp is stored and hashed: RFC 3339 in UTC
// with exactly three fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Severities lists the accepted severities; the first is the default.
var Severities = []string{"info", "debug", "warn", "error", "critical"}

// Event is one stored event: what the client sent (after defaults,
// redaction and truncation) plus the fields the server sets.
//
// Payload and Metadata hold the JCS text of JSON objects. PrevHash is ""
// for seq 0, which is hashed and written as null. Hash is set only by
// [Event.Seal]; events read back from storage carry the stored value, which
// [Verifier] checks against [Event.ComputeHash].
type Event struct {
	ID         string
	Timestamp  string
	ReceivedAt string
	KeyID      string
	SessionID  string
	AgentID    string
	EventType  string
	Severity   string
	Seq        int64
	Payload    []byte
	Metadata   []byte
	PrevHash   string
	Hash       string
}

// Seal places e at seq in its session's chain after prevHash ("" for seq 0)
// and sets its hash.
func (e *Event) Seal(seq int64, prevHash string) {
	e.Seq = seq
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
}

// ComputeHash returns the lowercase hex SHA-256 of [Event.HashInput].
func (e *Event) ComputeHash() string {
	return hashHex(e.HashInput(nil))
}

// hashHex returns the lowercase hex SHA-256 of b.
func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// HashInput appends to b the JCS text of the version 3 hash object, members
// in JCS order. Payload and Metadata are used as stored, so an event whose
// stored text was altered no longer produces its hash.
func (e *Event) HashInput(b []byte) []byte {
	b = append(b, `{"agentId":`...)
	b = AppendString(b, e.AgentID)
	b = append(b, `,"eventType":`...)
	b = AppendString(b, e.EventType)
	b = append(b, `,"id":`...)
	b = AppendString(b, e.ID)
	b = append(b, `,"keyId":`...)
	b = AppendString(b, e.KeyID)
	b = append(b, `,"metadata":`...)
	b = append(b, e.Metadata...)
	b = append(b, `,"payload":`...)
	b = append(b, e.Payload...)
	b = append(b, `,"prevHash":`...)
	if e.PrevHash == "" {
		b = append(b, "null"...)
	} else {
		b = AppendString(b, e.PrevHash)
	}
	b = append(b, `,"receivedAt":`...)
	b = AppendString(b, e.ReceivedAt)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"sessionId":`...)
	b = AppendString(b, e.SessionID)
	b = append(b, `,"severity":`...)
	b = AppendString(b, e.Severity)
	b = append(b, `,"timestamp":`...)
	b = AppendString(b, e.Timestamp)
	b = append(b, `,"v":`...)
	b = strconv.AppendInt(b, Version, 10)
	return append(b, '}')
}

// wireEvent is the JSON form of an event in API responses and bundles.
type wireEvent struct {
	ID         string          `json:"id"`
	Timestamp  string          `json:"timestamp"`
	ReceivedAt string          `json:"receivedAt"`
	KeyID      string          `json:"keyId"`
	SessionID  string          `json:"sessionId"`
	AgentID    string          `json:"agentId"`
	EventType  string          `json:"eventType"`
	Severity   string          `json:"severity"`
	Seq        int64           `json:"seq"`
	Payload    json.RawMessage `json:"payload"`
	Metadata   json.RawMessage `json:"metadata"`
	PrevHash   *string         `json:"prevHash"`
	Hash       string          `json:"hash"`
}

// wireMembers are the members of an event's JSON form.
var wireMembers = []string{
	"id", "timestamp", "receivedAt", "keyId", "sessionId", "agentId",
	"eventType", "severity", "seq", "payload", "metadata", "prevHash", "hash",
}

// MarshalJSON writes the event with every stored field, payload and metadata
// as their stored JCS text and prevHash null at seq 0.
func (e Event) MarshalJSON() ([]byte, error) {
	w := wireEvent{
		ID: e.ID, Timestamp: e.Timestamp, ReceivedAt: e.ReceivedAt, KeyID: e.KeyID,
		SessionID: e.SessionID, AgentID: e.AgentID, EventType: e.EventType,
		Severity: e.Severity, Seq: e.Seq, Payload: e.Payload, Metadata: e.Metadata,
		Hash: e.Hash,
	}
	if e.PrevHash != "" {
		w.PrevHash = &e.PrevHash
	}
	// Without HTML escaping, payload and metadata keep their stored bytes.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the wire form written by MarshalJSON. Payload and
// metadata keep the bytes found, which need not be canonical; [VerifyBundle]
// canonicalizes them before hashing.
func (e *Event) UnmarshalJSON(b []byte) error {
	// Exactly the wire members, matched by exact name: encoding/json would
	// also take "ID" for "id" and read a missing member as zero.
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return err
	}
	for _, name := range wireMembers {
		if _, ok := members[name]; !ok {
			return fmt.Errorf("event has no %q member", name)
		}
	}
	if len(members) != len(wireMembers) {
		return fmt.Errorf("event has members other than %v", wireMembers)
	}
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event{
		ID: w.ID, Timestamp: w.Timestamp, ReceivedAt: w.ReceivedAt, KeyID: w.KeyID,
		SessionID: w.SessionID, AgentID: w.AgentID, EventType: w.EventType,
		Severity: w.Severity, Seq: w.Seq, Payload: w.Payload, Metadata: w.Metadata, Hash: w.Hash,
	}
	if w.PrevHash != nil {
		e.PrevHash = *w.PrevHash
	}
	return nil
}

// LogValue prints an event's identity only, never its payload or metadata.
func (e Event) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("id", e.ID),
		slog.String("session_id", e.SessionID),
		slog.Int64("seq", e.Seq),
		slog.Int("payload_bytes", len(e.Payload)),
	)
}

// rfc3339 is the date-time of RFC 3339 section 5.6 in upper case; time.Parse
// also takes a comma before the fraction and offsets up to ±99:99.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

// FormatTime renders t the way timestamps are stored: UTC, milliseconds,
// finer digits truncated.
func FormatTime(t time.Time) string {
	return t.UTC().Truncate(time.Millisecond).Format(TimeLayout)
}

// ParseTime reads an RFC 3339 timestamp (any offset, any number of
// fractional digits) and renders it with [FormatTime]. It returns an
// [*InputError] for anything else.
func ParseTime(s string) (string, error) {
	s = strings.ToUpper(s) // RFC 3339 allows "t" and "z"; no other letter can occur
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !rfc3339.MatchString(s) {
		return "", &InputError{Reason: fmt.Sprintf("timestamp %q is not an RFC 3339 date-time", clip(s))}
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return "", &InputError{Reason: fmt.Sprintf("timestamp %q is outside years 0000-9999", clip(s))}
	}
	return FormatTime(t), nil
}
