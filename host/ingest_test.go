package host

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/agentlens/agentlens-go/store/chain"
)

func TestIngest_ResponseInInputOrder(t *testing.T) {
	th := startHost(t, testConfig(t))
	in := []ev{
		testEvent("s1", "a1", "session_started", nil),
		testEvent("s2", "a2", "session_started", nil),
		testEvent("s1", "a1", "tool_call", nil),
		testEvent("s2", "a2", "custom", nil),
		testEvent("s1", "a1", "session_ended", nil),
	}
	got := th.ingest(t, th.admin, in...)
	if got.Ingested != len(in) || len(got.Events) != len(in) {
		t.Fatalf("POST /api/events = ingested %d, %d events, want %d", got.Ingested, len(got.Events), len(in))
	}

	wantSeq := []int64{0, 0, 1, 1, 2}
	lastHash := map[string]string{}
	for i, ref := range got.Events {
		e := th.event(t, ref.ID)
		if e.SessionID != in[i]["sessionId"] || e.EventType != in[i]["eventType"] || e.Seq != wantSeq[i] {
			t.Errorf("events[%d] = %s %s seq %d, want %s %s seq %d",
				i, e.SessionID, e.EventType, e.Seq, in[i]["sessionId"], in[i]["eventType"], wantSeq[i])
		}
		if e.Hash != ref.Hash || len(ref.Hash) != 64 {
			t.Errorf("events[%d] hash = %q in the response, %q stored", i, ref.Hash, e.Hash)
		}
		prev := ""
		if e.PrevHash != nil {
			prev = *e.PrevHash
		}
		if prev != lastHash[e.SessionID] {
			t.Errorf("events[%d] prevHash = %q, want %q", i, prev, lastHash[e.SessionID])
		}
		lastHash[e.SessionID] = e.Hash
	}
}

func TestIngest_ContentType(t *testing.T) {
	th := startHost(t, testConfig(t))
	body := batchBody(t, testEvent("s1", "a1", "custom", nil))
	tests := []struct {
		contentType string
		want        int
	}{
		{"application/json", http.StatusCreated},
		{"application/json; charset=utf-8", http.StatusCreated},
		{"Application/JSON", http.StatusCreated},
		{"text/plain", http.StatusUnsupportedMediaType},
		{"application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"application/jsonl", http.StatusUnsupportedMediaType},
		{"", http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		r := th.do(t, http.MethodPost, "/api/events", th.admin, body, "Content-Type", tt.contentType)
		if r.status != tt.want {
			t.Errorf("POST /api/events with Content-Type %q = %d %s, want %d",
				tt.contentType, r.status, r.body, tt.want)
		}
	}
}

func TestIngest_BodyLimit(t *testing.T) {
	cfg := testConfig(t)
	cfg.Server.BodyLimit = 2048
	th := startHost(t, cfg)

	event := func(n int) string {
		return batchBody(t, testEvent("s1", "a1", "custom", ev{"payload": map[string]any{
			"type": "t", "data": strings.Repeat("x", n),
		}}))
	}
	if body := event(3000); len(body) <= 2048 {
		t.Fatalf("test body is %d bytes, want over the limit", len(body))
	}
	th.do(t, http.MethodPost, "/api/events", th.admin, event(3000)).
		want(t, "POST /api/events over the limit", http.StatusRequestEntityTooLarge)
	if got := th.eventTotal(t); got != 0 {
		t.Errorf("events after a body over the limit = %d, want 0", got)
	}
	th.do(t, http.MethodPost, "/api/events", th.admin, event(1500)).
		want(t, "POST /api/events under the limit", http.StatusCreated)
}

// deepObject is a JSON object nesting depth levels, the outermost included.
func deepObject(depth int) string {
	return strings.Repeat(`{"a":`, depth-1) + `{}` + strings.Repeat(`}`, depth-1)
}

// rawBatch is a batch of one event of the given type with a payload and
// extra members written by hand.
func rawBatch(eventType, payload, extra string) string {
	return `{"events":[{"sessionId":"s1","agentId":"a1","eventType":"` + eventType + `",` +
		extra + `"payload":` + payload + `}]}`
}

func TestIngest_RefusedStoresNothing(t *testing.T) {
	th := startHost(t, testConfig(t))
	many := make([]ev, 1001)
	for i := range many {
		many[i] = testEvent("s1", "a1", "custom", nil)
	}
	bigMetadata := `{"m":"` + strings.Repeat("m", 10240) + `"}`

	tests := []struct {
		name, body string
	}{
		{"invalid JSON", `{"events":[`},
		{"trailing data", rawBatch("custom", `{"type":"t","data":1}`, "") + `{}`},
		{"not an object", `[]`},
		{"no events member", `{"event":[]}`},
		{"empty batch", `{"events":[]}`},
		{"batch over 1000", batchBody(t, many...)},
		{"duplicate payload key", rawBatch("custom", `{"type":"t","data":1,"data":2}`, "")},
		{"duplicate event key", rawBatch("custom", `{"type":"t","data":1}`, `"sessionId":"s2",`)},
		{"duplicate envelope key", `{"events":[],"events":[]}`},
		{"integer 2^53+1", rawBatch("custom", `{"type":"t","data":9007199254740993}`, "")},
		{"integer -(2^53+1)", rawBatch("custom", `{"type":"t","data":-9007199254740993}`, "")},
		{"integer in metadata", rawBatch("custom", `{"type":"t","data":1}`, `"metadata":{"n":18446744073709551616},`)},
		{"number out of range", rawBatch("custom", `{"type":"t","data":1e400}`, "")},
		{"payload 65 deep", rawBatch("chain_step", deepObject(65), "")},
		{"metadata 65 deep", rawBatch("custom", `{"type":"t","data":1}`, `"metadata":`+deepObject(65)+`,`)},
		{"lone surrogate", rawBatch("custom", `{"type":"t","data":"\ud800"}`, "")},
		{"invalid UTF-8", rawBatch("custom", "{\"type\":\"t\",\"data\":\"\xff\"}", "")},
		{"unknown event type", rawBatch("tool_called", `{}`, "")},
		{"payload missing a field", rawBatch("tool_call", `{"callId":"c1","arguments":{}}`, "")},
		{"payload not an object", rawBatch("custom", `[]`, "")},
		{"unknown severity", rawBatch("custom", `{"type":"t","data":1}`, `"severity":"fatal",`)},
		{"timestamp not RFC 3339", rawBatch("custom", `{"type":"t","data":1}`, `"timestamp":"yesterday",`)},
		{"timestamp a date", rawBatch("custom", `{"type":"t","data":1}`, `"timestamp":"2026-02-08",`)},
		{"metadata over 10240", rawBatch("custom", `{"type":"t","data":1}`, `"metadata":`+bigMetadata+`,`)},
		{"metadata not an object", rawBatch("custom", `{"type":"t","data":1}`, `"metadata":[],`)},
		{"sessionId over 256 bytes", batchBody(t, testEvent(strings.Repeat("s", 257), "a1", "custom", nil))},
		{"agentId with a control character", batchBody(t, testEvent("s1", "a\x01", "custom", nil))},
		{"empty sessionId", batchBody(t, testEvent("", "a1", "custom", nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th.do(t, http.MethodPost, "/api/events", th.admin, tt.body).
				want(t, "POST /api/events "+tt.name, http.StatusBadRequest)
		})
	}
	if got := th.eventTotal(t); got != 0 {
		t.Errorf("events after refused batches = %d, want 0", got)
	}
	if got := th.sessionStatus(t, "s1"); got != http.StatusNotFound {
		t.Errorf("GET /api/sessions/s1 after refused batches = %d, want 404", got)
	}
}

// TestIngest_RefusesRoundedIntegers: an integer beyond ±2^53 is refused
// whatever its notation, since canonicalization would store a different
// number (DESIGN.md, "Event record and hash chain"). 2^53+1 written with a
// fraction or an exponent rounds to 2^53, exactly the bound, and slips past
// a check of the rounded value.
func TestIngest_RefusesRoundedIntegers(t *testing.T) {
	th := startHost(t, testConfig(t))
	for _, lit := range []string{
		"9007199254740993.0",
		"9.007199254740993e15",
		"-9007199254740993.0",
		"90071992547409930e-1",
	} {
		body := rawBatch("custom", `{"type":"t","data":`+lit+`}`, "")
		r := th.do(t, http.MethodPost, "/api/events", th.admin, body)
		if r.status != http.StatusBadRequest {
			t.Errorf("POST /api/events with payload number %s = %d, want 400", lit, r.status)
		}
	}
	// Exactly 2^53 in any notation is a double, and stays the same number.
	for _, lit := range []string{"9007199254740992.0", "9.007199254740992e15"} {
		body := rawBatch("custom", `{"type":"t","data":`+lit+`}`, "")
		th.do(t, http.MethodPost, "/api/events", th.admin, body).
			want(t, "POST /api/events with "+lit, http.StatusCreated)
	}
}

// TestIngest_AcceptedAtTheLimits pairs with TestIngest_RefusedStoresNothing:
// the largest accepted value of each limit.
func TestIngest_AcceptedAtTheLimits(t *testing.T) {
	th := startHost(t, testConfig(t))
	many := make([]ev, 1000)
	for i := range many {
		many[i] = testEvent("s-many", "a1", "custom", nil)
	}
	// {"m":"…"} is 8 bytes around the string.
	metadata := `{"m":"` + strings.Repeat("m", 10240-8) + `"}`

	tests := []struct {
		name, body string
	}{
		{"integer 2^53", rawBatch("custom", `{"type":"t","data":9007199254740992}`, "")},
		{"integer -2^53", rawBatch("custom", `{"type":"t","data":-9007199254740992}`, "")},
		{"large float", rawBatch("custom", `{"type":"t","data":1e300}`, "")},
		{"payload 64 deep", rawBatch("chain_step", deepObject(64), "")},
		{"metadata 64 deep", rawBatch("custom", `{"type":"t","data":1}`, `"metadata":`+deepObject(64)+`,`)},
		{"metadata of 10240 bytes", rawBatch("custom", `{"type":"t","data":1}`, `"metadata":`+metadata+`,`)},
		{"batch of 1000", batchBody(t, many...)},
		{"sessionId of 256 bytes", batchBody(t, testEvent(strings.Repeat("s", 256), "a1", "custom", nil))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th.do(t, http.MethodPost, "/api/events", th.admin, tt.body).
				want(t, "POST /api/events "+tt.name, http.StatusCreated)
		})
	}
}

// TestIngest_BadEventFailsWholeBatch puts one bad event last in a batch
// spanning several sessions, one of them already stored: nothing of the
// batch is stored, and the stored session's chain continues without a gap.
func TestIngest_BadEventFailsWholeBatch(t *testing.T) {
	th := startHost(t, testConfig(t))
	th.ingest(t, th.admin, testEvent("s1", "a1", "session_started", nil))

	bad := map[string]ev{
		"schema":    testEvent("s3", "a1", "tool_call", ev{"payload": map[string]any{}}),
		"timestamp": testEvent("s3", "a1", "custom", ev{"timestamp": "2026-13-01T00:00:00Z"}),
		"metadata":  testEvent("s3", "a1", "custom", ev{"metadata": map[string]any{"m": strings.Repeat("m", 10240)}}),
		"too deep": testEvent("s3", "a1", "custom", ev{
			"payload": json.RawMessage(`{"type":"t","data":` + deepObject(64) + `}`),
		}),
	}
	for name, last := range bad {
		t.Run(name, func(t *testing.T) {
			body := batchBody(t,
				testEvent("s1", "a1", "tool_call", nil),
				testEvent("s2", "a2", "session_started", nil),
				testEvent("s1", "a1", "custom", nil),
				last,
			)
			th.do(t, http.MethodPost, "/api/events", th.admin, body).
				want(t, "POST /api/events with a bad "+name, http.StatusBadRequest)
		})
	}

	if got := th.eventTotal(t); got != 1 {
		t.Errorf("events after refused batches = %d, want 1", got)
	}
	for _, s := range []string{"s2", "s3"} {
		if got := th.sessionStatus(t, s); got != http.StatusNotFound {
			t.Errorf("GET /api/sessions/%s after refused batches = %d, want 404", s, got)
		}
	}
	next := th.ingest(t, th.admin, testEvent("s1", "a1", "custom", nil))
	if e := th.event(t, next.Events[0].ID); e.Seq != 1 {
		t.Errorf("seq of the next event of s1 = %d, want 1", e.Seq)
	}
	checkVerified(t, th, "s1")
}

// canonicalPayload is a custom payload whose text is already canonical
// (JCS), of exactly n bytes, data made of repeated unit (canonical string
// content, one character of it per repeat).
func canonicalPayload(t *testing.T, n int, unit string) string {
	t.Helper()
	const head, tail = `{"data":"`, `","type":"t"}`
	room := n - len(head) - len(tail)
	data := strings.Repeat(unit, room/len(unit)) + strings.Repeat("x", room%len(unit))
	text := head + data + tail
	if len(text) != n {
		t.Fatalf("canonicalPayload(%d) is %d bytes", n, len(text))
	}
	if c, err := chain.Canonicalize([]byte(text)); err != nil || string(c) != text {
		t.Fatalf("canonicalPayload(%d) is not canonical: %v", n, err)
	}
	return text
}

func TestIngest_Truncation(t *testing.T) {
	th := startHost(t, testConfig(t))
	const limit = 10240

	tests := []struct {
		name     string
		payload  string
		truncate bool
	}{
		{"at the limit", canonicalPayload(t, limit, "x"), false},
		{"one byte over", canonicalPayload(t, limit+1, "x"), true},
		{"ascii", canonicalPayload(t, 30000, "abc"), true},
		{"escapes", canonicalPayload(t, 30000, `a\"b\\`), true},
		{"multi-byte", canonicalPayload(t, 30000, "é😀z"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			session := "trunc-" + strings.ReplaceAll(tt.name, " ", "-")
			body := `{"events":[{"sessionId":` + quote(session) +
				`,"agentId":"a1","eventType":"custom","payload":` + tt.payload + `}]}`
			r := th.do(t, http.MethodPost, "/api/events", th.admin, body).
				want(t, "POST /api/events", http.StatusCreated)
			e := th.event(t, decodeJSON[ingested](t, r).Events[0].ID)

			if !tt.truncate {
				if string(e.Payload) != tt.payload {
					t.Errorf("stored payload of %d bytes = %d bytes, want it unchanged",
						len(tt.payload), len(e.Payload))
				}
				return
			}
			checkTruncated(t, tt.payload, e.Payload, limit)
			checkVerified(t, th, session)
		})
	}
}

// checkTruncated checks that stored is the truncation stub of original.
func checkTruncated(t *testing.T, original string, stored []byte, limit int) {
	t.Helper()
	var members map[string]json.RawMessage
	if err := json.Unmarshal(stored, &members); err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range members {
		names = append(names, k)
	}
	slices.Sort(names)
	if want := []string{"_truncated", "originalBytes", "originalSha256", "preview"}; !slices.Equal(names, want) {
		t.Fatalf("truncated payload members = %v, want %v", names, want)
	}
	var stub struct {
		Truncated      bool   `json:"_truncated"`
		OriginalBytes  int    `json:"originalBytes"`
		OriginalSha256 string `json:"originalSha256"`
		Preview        string `json:"preview"`
	}
	if err := json.Unmarshal(stored, &stub); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(original))
	if !stub.Truncated || stub.OriginalBytes != len(original) || stub.OriginalSha256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stub = _truncated %v, originalBytes %d, originalSha256 %s; want true, %d, %x",
			stub.Truncated, stub.OriginalBytes, stub.OriginalSha256, len(original), sum)
	}
	if !strings.HasPrefix(original, stub.Preview) || !utf8.ValidString(stub.Preview) {
		t.Errorf("preview %q… is not a prefix of the original cut on a UTF-8 boundary", clipText(stub.Preview))
	}
	if c, err := chain.Canonicalize(stored); err != nil || !bytes.Equal(c, stored) {
		t.Errorf("stored stub is not canonical: %v", err)
	}
	// As much as fits: the next character (at most 4 bytes) did not.
	if len(stored) > limit || len(stored) < limit-3 {
		t.Errorf("stored stub is %d bytes, want %d-%d", len(stored), limit-3, limit)
	}
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:40]
	}
	return s
}

// checkVerified requires GET /api/audit/verify to find the session intact.
func checkVerified(t *testing.T, th *testHost, session string) {
	t.Helper()
	r := th.do(t, http.MethodGet, "/api/audit/verify?sessionId="+session, th.admin, "").
		want(t, "GET /api/audit/verify?sessionId="+session, http.StatusOK)
	if rep := decodeJSON[verifyReport](t, r); !rep.Verified || len(rep.BrokenChains) != 0 {
		t.Errorf("GET /api/audit/verify?sessionId=%s = %s, want verified", session, r.body)
	}
}

func TestIngest_Timestamps(t *testing.T) {
	th := startHost(t, testConfig(t))
	tests := []struct {
		in, want string
	}{
		{"2026-02-08T10:00:00Z", "2026-02-08T10:00:00.000Z"},
		{"2026-02-08T12:00:00+02:00", "2026-02-08T10:00:00.000Z"},
		{"2026-02-08T10:00:00.9999Z", "2026-02-08T10:00:00.999Z"},
		{"2026-02-08T09:59:59.999999999Z", "2026-02-08T09:59:59.999Z"},
		{"2026-02-08T09:30:00.123456789-00:30", "2026-02-08T10:00:00.123Z"},
		{"2026-02-08T01:00:00.5+03:00", "2026-02-07T22:00:00.500Z"},
		{"2025-12-31T23:30:00.05-01:00", "2026-01-01T00:30:00.050Z"},
	}
	var in []ev
	for _, tt := range tests {
		in = append(in, testEvent("s1", "a1", "custom", ev{"timestamp": tt.in}))
	}
	got := th.ingest(t, th.admin, in...)
	for i, tt := range tests {
		if e := th.event(t, got.Events[i].ID); e.Timestamp != tt.want {
			t.Errorf("timestamp %q stored as %q, want %q", tt.in, e.Timestamp, tt.want)
		}
	}
}

func TestIngest_Defaults(t *testing.T) {
	th := startHost(t, testConfig(t))
	before := time.Now().UTC().Truncate(time.Millisecond)
	got := th.ingest(t, th.admin,
		testEvent("s1", "a1", "custom", nil),
		testEvent("s1", "a1", "custom", ev{
			"severity": "warn",
			"payload":  json.RawMessage(`{ "type": "t", "data": {"z": 1, "a": [1.0, 2e3, "\u00e9"]} }`),
			"metadata": json.RawMessage(`{"b": 1, "a": {"d": true, "c": null}}`),
		}),
	)
	after := time.Now().UTC()

	plain := th.event(t, got.Events[0].ID)
	if plain.Severity != "info" || string(plain.Metadata) != "{}" {
		t.Errorf("defaults = severity %q, metadata %s; want info, {}", plain.Severity, plain.Metadata)
	}
	for name, ts := range map[string]string{"timestamp": plain.Timestamp, "receivedAt": plain.ReceivedAt} {
		at, err := time.Parse(chain.TimeLayout, ts)
		if err != nil || !timePattern.MatchString(ts) || at.Before(before) || at.After(after) {
			t.Errorf("%s = %q, want a UTC millisecond time within the request (%s to %s)", name, ts, before, after)
		}
	}

	set := th.event(t, got.Events[1].ID)
	if set.Severity != "warn" {
		t.Errorf("severity = %q, want warn", set.Severity)
	}
	if want := `{"data":{"a":[1,2000,"é"],"z":1},"type":"t"}`; string(set.Payload) != want {
		t.Errorf("stored payload = %s, want canonical %s", set.Payload, want)
	}
	if want := `{"a":{"c":null,"d":true},"b":1}`; string(set.Metadata) != want {
		t.Errorf("stored metadata = %s, want canonical %s", set.Metadata, want)
	}
}

// TestIngest_StoredTextReturnedExactly: GET /api/events/:id returns payload
// and metadata as the stored JCS text, so that a client can hash them
// without re-encoding. JSON's optional HTML escaping (\u003c for <) would
// change those bytes.
func TestIngest_StoredTextReturnedExactly(t *testing.T) {
	th := startHost(t, testConfig(t))
	const payload = `{"data":"a<b && c>d","type":"t"}`
	body := rawBatch("custom", payload, "")
	r := th.do(t, http.MethodPost, "/api/events", th.admin, body).want(t, "POST /api/events", http.StatusCreated)
	id := decodeJSON[ingested](t, r).Events[0].ID

	r = th.do(t, http.MethodGet, "/api/events/"+id, th.admin, "").want(t, "GET /api/events/"+id, http.StatusOK)
	if !bytes.Contains(r.body, []byte(payload)) {
		t.Errorf("GET /api/events/%s = %s, want the stored payload %s verbatim", id, r.body, payload)
	}
}
