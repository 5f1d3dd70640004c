package chain_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/agentlens/agentlens-go/store/chain"
)

// vectorFile is testdata/vectors/v3.json; see its README.md.
type vectorFile struct {
	Vectors []struct {
		Name      string      `json:"name"`
		Event     vectorEvent `json:"event"`
		Canonical string      `json:"canonical"`
		Hash      string      `json:"hash"`
	} `json:"vectors"`
}

// vectorEvent holds an event as sent: payload and metadata are the raw JSON
// text of the file, canonicalized by the test.
type vectorEvent struct {
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
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors/v3.json")
	if err != nil {
		t.Fatal(err)
	}
	var f vectorFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("testdata/vectors/v3.json: %v", err)
	}
	if len(f.Vectors) < 2 {
		t.Fatalf("testdata/vectors/v3.json holds %d vectors, want at least 2", len(f.Vectors))
	}
	return f
}

func TestVectors(t *testing.T) {
	for _, v := range loadVectors(t).Vectors {
		t.Run(v.Name, func(t *testing.T) {
			// The file itself: hash is the SHA-256 of canonical.
			sum := sha256.Sum256([]byte(v.Canonical))
			if got := hex.EncodeToString(sum[:]); got != v.Hash {
				t.Fatalf("vector file: SHA-256(canonical) = %s, want %s", got, v.Hash)
			}

			payload, err := chain.CanonicalObject(v.Event.Payload, "payload")
			if err != nil {
				t.Fatalf("CanonicalObject(payload %s) error: %v", v.Event.Payload, err)
			}
			metadata, err := chain.CanonicalObject(v.Event.Metadata, "metadata")
			if err != nil {
				t.Fatalf("CanonicalObject(metadata %s) error: %v", v.Event.Metadata, err)
			}
			e := chain.Event{
				ID: v.Event.ID, Timestamp: v.Event.Timestamp, ReceivedAt: v.Event.ReceivedAt,
				KeyID: v.Event.KeyID, SessionID: v.Event.SessionID, AgentID: v.Event.AgentID,
				EventType: v.Event.EventType, Severity: v.Event.Severity, Seq: v.Event.Seq,
				Payload: payload, Metadata: metadata,
			}
			if v.Event.PrevHash != nil {
				e.PrevHash = *v.Event.PrevHash
			}
			if got := string(e.HashInput(nil)); got != v.Canonical {
				t.Errorf("HashInput =\n  %q\nwant\n  %q", got, v.Canonical)
			}
			if got := e.ComputeHash(); got != v.Hash {
				t.Errorf("ComputeHash = %s, want %s", got, v.Hash)
			}
			// HashInput appends: a non-empty buffer keeps its prefix.
			if got := string(e.HashInput([]byte("x"))); got != "x"+v.Canonical {
				t.Errorf("HashInput(\"x\") = %q, want \"x\" + canonical", got)
			}
			// Sealing at the vector's position gives the vector's hash.
			sealed := e
			sealed.Seal(v.Event.Seq, e.PrevHash)
			if sealed.Hash != v.Hash {
				t.Errorf("Seal(%d, %q).Hash = %s, want %s", v.Event.Seq, e.PrevHash, sealed.Hash, v.Hash)
			}
		})
	}
}

// TestVectorsConformanceChain checks the two vectors computed outside the
// project form a chain: the second names the first as its predecessor.
func TestVectorsConformanceChain(t *testing.T) {
	f := loadVectors(t)
	byName := map[string]int{}
	for i, v := range f.Vectors {
		byName[v.Name] = i
	}
	i0, ok0 := byName["conformance-0"]
	i1, ok1 := byName["conformance-1"]
	if !ok0 || !ok1 {
		t.Fatal("vectors conformance-0 and conformance-1 are missing from testdata/vectors/v3.json")
	}
	v0, v1 := f.Vectors[i0], f.Vectors[i1]
	if v0.Hash != "f0a6b37e9f972ee37a21d4f1baf2a37593de9107b051e1682bdbbbfcf25e95a5" ||
		v1.Hash != "4b85d21fa20bd281de8df80abf028efbceec5180bfd6773c8576af9b17b1862d" {
		t.Fatalf("conformance vector hashes changed: %s, %s", v0.Hash, v1.Hash)
	}
	if v0.Event.PrevHash != nil {
		t.Errorf("conformance-0 prevHash = %q, want null", *v0.Event.PrevHash)
	}
	if v1.Event.PrevHash == nil || *v1.Event.PrevHash != v0.Hash {
		t.Errorf("conformance-1 prevHash = %v, want %s", v1.Event.PrevHash, v0.Hash)
	}
}

// sampleEvent returns an event with canonical payload and metadata, not yet
// sealed.
func sampleEvent(t testing.TB, id string) chain.Event {
	t.Helper()
	payload, err := chain.CanonicalObject([]byte(`{"toolName":"search","callId":"c1","arguments":{"q":"x"}}`), "payload")
	if err != nil {
		t.Fatal(err)
	}
	return chain.Event{
		ID: id, Timestamp: "2026-02-08T10:00:00.000Z", ReceivedAt: "2026-02-08T10:00:00.120Z",
		KeyID: "key1", SessionID: "sess_01", AgentID: "my-agent", EventType: "tool_call",
		Severity: "info", Payload: payload, Metadata: []byte(`{}`),
	}
}

func TestSeal(t *testing.T) {
	e0 := sampleEvent(t, "e0")
	e0.Seal(0, "")
	if e0.Seq != 0 || e0.PrevHash != "" {
		t.Errorf("Seal(0, \"\"): seq %d prevHash %q, want 0 and \"\"", e0.Seq, e0.PrevHash)
	}
	if want := e0.ComputeHash(); e0.Hash != want || len(e0.Hash) != 64 {
		t.Errorf("Seal(0, \"\").Hash = %q, want ComputeHash %q (64 hex digits)", e0.Hash, want)
	}
	if strings.ToLower(e0.Hash) != e0.Hash {
		t.Errorf("Seal(0, \"\").Hash = %q, want lowercase hex", e0.Hash)
	}
	if !bytes.Contains(e0.HashInput(nil), []byte(`"prevHash":null`)) {
		t.Errorf("HashInput at seq 0 = %s, want prevHash null", e0.HashInput(nil))
	}

	e1 := sampleEvent(t, "e1")
	e1.Seal(1, e0.Hash)
	if e1.Seq != 1 || e1.PrevHash != e0.Hash {
		t.Errorf("Seal(1, h0): seq %d prevHash %q, want 1 and %q", e1.Seq, e1.PrevHash, e0.Hash)
	}
	if want := e1.ComputeHash(); e1.Hash != want {
		t.Errorf("Seal(1, h0).Hash = %q, want %q", e1.Hash, want)
	}
	if !bytes.Contains(e1.HashInput(nil), []byte(`"prevHash":"`+e0.Hash+`","receivedAt"`)) {
		t.Errorf("HashInput at seq 1 = %s, want prevHash %q", e1.HashInput(nil), e0.Hash)
	}

	// Sealing the same event elsewhere gives another hash: seq and prevHash
	// are covered.
	moved := sampleEvent(t, "e1")
	moved.Seal(2, e0.Hash)
	if moved.Hash == e1.Hash {
		t.Error("Seal(2, h0).Hash equals Seal(1, h0).Hash: seq is not covered by the hash")
	}
	relinked := sampleEvent(t, "e1")
	relinked.Seal(1, strings.Repeat("0", 64))
	if relinked.Hash == e1.Hash {
		t.Error("the hash does not change with prevHash")
	}
	// A same-content event at seq 0 hashes null, not "".
	empty := sampleEvent(t, "e1")
	empty.Seal(0, "")
	if empty.Hash == e1.Hash {
		t.Error("Seal(0, \"\").Hash equals Seal(1, h0).Hash")
	}
}

// TestHashCoversEveryField changes each hashed field in turn and expects a
// different hash.
func TestHashCoversEveryField(t *testing.T) {
	base := sampleEvent(t, "e1")
	base.Seal(1, strings.Repeat("a", 64))
	edits := map[string]func(e *chain.Event){
		"id":         func(e *chain.Event) { e.ID += "x" },
		"timestamp":  func(e *chain.Event) { e.Timestamp = "2026-02-08T10:00:00.001Z" },
		"receivedAt": func(e *chain.Event) { e.ReceivedAt = "2026-02-08T10:00:00.121Z" },
		"keyId":      func(e *chain.Event) { e.KeyID = "anonymous" },
		"sessionId":  func(e *chain.Event) { e.SessionID += "x" },
		"agentId":    func(e *chain.Event) { e.AgentID += "x" },
		"eventType":  func(e *chain.Event) { e.EventType = "tool_error" },
		"severity":   func(e *chain.Event) { e.Severity = "warn" },
		"seq":        func(e *chain.Event) { e.Seq = 2 },
		"payload":    func(e *chain.Event) { e.Payload = []byte(`{"a":1}`) },
		"metadata":   func(e *chain.Event) { e.Metadata = []byte(`{"a":1}`) },
		"prevHash":   func(e *chain.Event) { e.PrevHash = strings.Repeat("b", 64) },
		"prevHash=":  func(e *chain.Event) { e.PrevHash = "" },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			e := base
			edit(&e)
			if got := e.ComputeHash(); got == base.Hash {
				t.Errorf("ComputeHash after changing %s = %s, unchanged", name, got)
			}
		})
	}
}

func TestMarshalJSON(t *testing.T) {
	e0 := sampleEvent(t, "e0")
	e0.Seal(0, "")
	e1 := sampleEvent(t, "e1")
	e1.Metadata = []byte(`{"b":[1,2],"a":"<&>"}`) // stored text is written as is
	e1.Seal(1, e0.Hash)

	for _, tc := range []struct {
		e        chain.Event
		prevHash string // raw JSON
	}{
		{e0, `null`},
		{e1, `"` + e0.Hash + `"`},
	} {
		t.Run(tc.e.ID, func(t *testing.T) {
			out, err := json.Marshal(tc.e)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			// A pointer marshals the same way.
			outPtr, err := json.Marshal(&tc.e)
			if err != nil || !bytes.Equal(out, outPtr) {
				t.Errorf("Marshal(&e) = %s, %v; want %s", outPtr, err, out)
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(out, &m); err != nil {
				t.Fatalf("Unmarshal(%s): %v", out, err)
			}
			want := map[string]string{
				"id": `"` + tc.e.ID + `"`, "timestamp": `"2026-02-08T10:00:00.000Z"`,
				"receivedAt": `"2026-02-08T10:00:00.120Z"`, "keyId": `"key1"`, "sessionId": `"sess_01"`,
				"agentId": `"my-agent"`, "eventType": `"tool_call"`, "severity": `"info"`,
				"seq":      string(jsonInt(tc.e.Seq)),
				"payload":  `{"arguments":{"q":"x"},"callId":"c1","toolName":"search"}`,
				"prevHash": tc.prevHash, "hash": `"` + tc.e.Hash + `"`,
			}
			want["metadata"] = string(tc.e.Metadata)
			if len(m) != len(want) {
				t.Errorf("MarshalJSON has %d members, want %d: %s", len(m), len(want), out)
			}
			for k, w := range want {
				got, ok := m[k]
				if !ok {
					t.Errorf("MarshalJSON lacks %q: %s", k, out)
					continue
				}
				// Compared as values: encoding/json may escape <, > and &.
				if !sameJSON(t, got, []byte(w)) {
					t.Errorf("MarshalJSON %q = %s, want %s", k, got, w)
				}
			}
			// Payload member order is the stored (JCS) order.
			if !bytes.Contains(out, []byte(`"payload":{"arguments":{"q":"x"},"callId":"c1","toolName":"search"}`)) {
				t.Errorf("MarshalJSON payload is not the stored text: %s", out)
			}
		})
	}
}

func jsonInt(n int64) []byte { b, _ := json.Marshal(n); return b }

// sameJSON reports whether a and b hold the same JSON value (numbers as
// doubles, member order ignored).
func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	var va, vb any
	if err := json.Unmarshal(a, &va); err != nil {
		t.Fatalf("Unmarshal(%s): %v", a, err)
	}
	if err := json.Unmarshal(b, &vb); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	return reflect.DeepEqual(va, vb)
}

// TestLogValue: logging an event never prints its payload or metadata.
func TestLogValue(t *testing.T) {
	e := sampleEvent(t, "e0")
	e.Payload = []byte(`{"secret":"hunter2"}`)
	e.Metadata = []byte(`{"token":"s3cr3t"}`)
	e.Seal(0, "")
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("stored", "event", e)
	out := buf.String()
	for _, secret := range []string{"hunter2", "s3cr3t"} {
		if strings.Contains(out, secret) {
			t.Errorf("log line %q contains %q", out, secret)
		}
	}
	for _, want := range []string{"event.id=e0", "event.session_id=sess_01", "event.seq=0"} {
		if !strings.Contains(out, want) {
			t.Errorf("log line %q lacks %q", out, want)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = refused
	}{
		// Accepted, re-rendered in UTC with milliseconds.
		{"2026-02-08T10:00:00.000Z", "2026-02-08T10:00:00.000Z"},
		{"2026-02-08T10:00:00Z", "2026-02-08T10:00:00.000Z"}, // missing fraction
		{"2026-02-08T10:00:00.5Z", "2026-02-08T10:00:00.500Z"},
		{"2026-02-08T10:00:00.12Z", "2026-02-08T10:00:00.120Z"},
		{"2026-02-08T10:00:00.000+00:00", "2026-02-08T10:00:00.000Z"},
		{"2026-02-08T10:00:00.000-00:00", "2026-02-08T10:00:00.000Z"},
		// Truncated, never rounded.
		{"2026-02-08T10:00:00.1239Z", "2026-02-08T10:00:00.123Z"},
		{"2026-02-08T10:00:00.0009Z", "2026-02-08T10:00:00.000Z"},
		{"2026-12-31T23:59:59.9999Z", "2026-12-31T23:59:59.999Z"},
		{"2026-12-31T23:59:59.999999999Z", "2026-12-31T23:59:59.999Z"},
		{"2026-12-31T23:59:59.99999999999Z", "2026-12-31T23:59:59.999Z"},
		{"2026-02-08T10:00:00.123456789012Z", "2026-02-08T10:00:00.123Z"},
		// Offsets applied.
		{"2026-02-08T11:00:00.000+01:00", "2026-02-08T10:00:00.000Z"},
		{"2026-01-01T00:30:00.5+01:00", "2025-12-31T23:30:00.500Z"},
		{"2025-12-31T23:30:00-05:30", "2026-01-01T05:00:00.000Z"},
		{"2026-12-31T23:59:59.9999-00:01", "2027-01-01T00:00:59.999Z"},
		{"2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"},
		{"0000-01-01T00:00:00Z", "0000-01-01T00:00:00.000Z"},
		{"9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"},

		// Refused: not RFC 3339 date-times.
		{"", ""},
		{"2026-02-08", ""}, // date only
		{"2026-02-08T10:00", ""},
		{"2026-02-08T10:00Z", ""},
		{"2026-02-08T10:00:00", ""}, // no offset
		{"2026-02-08T10:00:00.000", ""},
		{"2026-02-08 10:00:00Z", ""},
		{"2026-02-08t10:00:00Z", "2026-02-08T10:00:00.000Z"}, // RFC 3339 allows lower case
		{"2026-02-08T10:00:00z", "2026-02-08T10:00:00.000Z"},
		{"2026-02-08t10:00:00z", "2026-02-08T10:00:00.000Z"},
		{"2026-02-08T10:00:00.Z", ""},
		{"2026-02-08T10:00:00,5Z", ""}, // comma fraction: ISO 8601, not RFC 3339
		{"2026-02-08T10:00:00+0100", ""},
		{"2026-02-08T10:00:00+01", ""},
		{"2026-02-08T10:00:00+24:00", ""}, // offset hour 00-23
		{"2026-02-08T10:00:00+01:60", ""},
		{"2026-02-08T24:00:00Z", ""},
		{"2026-02-08T10:60:00Z", ""},
		{"2026-02-08T10:00:60Z", ""},
		{"2026-02-30T10:00:00Z", ""},
		{"2026-13-01T10:00:00Z", ""},
		{"2026-2-08T10:00:00Z", ""},
		{"26-02-08T10:00:00Z", ""},
		{"+2026-02-08T10:00:00Z", ""},
		{" 2026-02-08T10:00:00Z", ""},
		{"2026-02-08T10:00:00Z ", ""},
		{"1770544800", ""},
		{"Sun, 08 Feb 2026 10:00:00 GMT", ""},
		{"9999-12-31T23:59:59-01:00", ""}, // year 10000 in UTC
		{"0000-01-01T00:00:00+01:00", ""}, // year -1 in UTC
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := chain.ParseTime(tc.in)
			if tc.want == "" {
				var ie *chain.InputError
				if err == nil {
					t.Errorf("ParseTime(%q) = %q, want an error", tc.in, got)
				} else if !errors.As(err, &ie) {
					t.Errorf("ParseTime(%q) error %T %v, want *chain.InputError", tc.in, err, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("ParseTime(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 2, 8, 10, 0, 0, 0, time.UTC), "2026-02-08T10:00:00.000Z"},
		{time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC), "2026-12-31T23:59:59.999Z"},
		{time.Date(2026, 2, 8, 11, 0, 0, 1_999_999, time.FixedZone("", 3600)), "2026-02-08T10:00:00.001Z"},
	}
	for _, tc := range tests {
		if got := chain.FormatTime(tc.in); got != tc.want {
			t.Errorf("FormatTime(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Whatever FormatTime writes, ParseTime reads back unchanged.
	now := chain.FormatTime(time.Now())
	if got, err := chain.ParseTime(now); err != nil || got != now {
		t.Errorf("ParseTime(FormatTime(now) = %q) = %q, %v", now, got, err)
	}
}

func BenchmarkSealEvent(b *testing.B) {
	e := sampleEvent(b, "01JKCY4Q3M8R2V9XAB5E7GTN6D")
	raw := benchPayload
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := chain.CanonicalObject(raw, "payload")
		if err != nil {
			b.Fatal(err)
		}
		e.Payload = p
		e.Seal(42, "f0a6b37e9f972ee37a21d4f1baf2a37593de9107b051e1682bdbbbfcf25e95a5")
	}
}
