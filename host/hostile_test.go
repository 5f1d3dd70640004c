package host

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentlens/agentlens-go/store"
)

// Who a hostile request authenticates as.
const (
	asAdmin  = iota // the bootstrap admin key
	asNone          // no Authorization header
	asReader        // a key with events:read only
	asBound         // a key with events:write bound to agent a1
)

// hostileCase is one request that must be refused without changing what
// is stored. Build it with [hostile] and its option methods.
type hostileCase struct {
	name   string
	method string
	path   string // with query, already escaped
	as     int
	// headers are name, value pairs, added in order (a name given twice
	// sends two header lines). A body gets Content-Type application/json
	// unless headers name a Content-Type or noContentType is set.
	headers       []string
	noContentType bool
	body          []byte
	chunked       bool // send the body without a Content-Length
	want          int
}

func hostile(name, method, path string, body []byte, want int) hostileCase {
	return hostileCase{name: name, method: method, path: path, body: body, want: want}
}

// by sends the request as the given caller.
func (c hostileCase) by(as int) hostileCase { c.as = as; return c }

// header adds name, value pairs.
func (c hostileCase) header(kv ...string) hostileCase {
	c.headers = append(slices.Clone(c.headers), kv...)
	return c
}

// bare sends the body without a Content-Type.
func (c hostileCase) bare() hostileCase { c.noContentType = true; return c }

// inChunks sends the body with chunked transfer encoding.
func (c hostileCase) inChunks() hostileCase { c.chunked = true; return c }

// storeCounts is what a refused request must leave as it was.
type storeCounts struct {
	events, sessions, keys, liveKeys int
}

func countStore(t *testing.T, th *testHost) storeCounts {
	t.Helper()
	ctx := t.Context()
	st := th.host.store
	var c storeCounts
	var err error
	if _, c.events, err = st.ListEvents(ctx, store.EventFilter{Limit: 1}); err != nil {
		t.Fatalf("count events: %v", err)
	}
	if _, c.sessions, err = st.ListSessions(ctx, store.SessionFilter{Limit: 1}); err != nil {
		t.Fatalf("count sessions: %v", err)
	}
	keys, err := st.ListKeys(ctx)
	if err != nil {
		t.Fatalf("list keys: %v", err)
	}
	c.keys = len(keys)
	for _, k := range keys {
		if k.RevokedAt == "" {
			c.liveKeys++
		}
	}
	return c
}

// sendHostile sends c and checks what every response must carry.
func (th *testHost) sendHostile(t *testing.T, c hostileCase, keys map[int]string) testResponse {
	t.Helper()
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
		if c.chunked {
			body = io.MultiReader(body) // unknown length: chunked encoding
		}
	}
	req, err := http.NewRequestWithContext(t.Context(), c.method, th.srv.URL+c.path, body)
	if err != nil {
		t.Fatalf("NewRequest(%s %s): %v", c.method, c.path, err)
	}
	if c.body != nil && !c.noContentType {
		req.Header.Set("Content-Type", "application/json")
	}
	if key := keys[c.as]; key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	set := map[string]bool{}
	for i := 0; i+1 < len(c.headers); i += 2 {
		name := http.CanonicalHeaderKey(c.headers[i])
		if !set[name] {
			req.Header.Del(name)
			set[name] = true
		}
		req.Header.Add(name, c.headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", c.method, c.path, err)
	}
	r := testResponse{status: resp.StatusCode, header: resp.Header, body: b}
	checkCommon(t, c.method+" "+c.path, r)
	return r
}

// nested is n levels of JSON arrays around 1.
func nested(n int) string { return strings.Repeat("[", n) + "1" + strings.Repeat("]", n) }

// hmacHex is the hex HMAC-SHA256 of msg with secret.
func hmacHex(secret, msg string) string {
	m := hmac.New(sha256.New, []byte(secret))
	io.WriteString(m, msg)
	return hex.EncodeToString(m.Sum(nil))
}

// TestHostileInput sends malformed, oversized, ambiguous and unauthorised
// requests to every route, with authentication on. Each must get its
// status with a JSON error body and leave events, sessions and keys as
// they were; afterwards the server still serves and the chain verifies.
func TestHostileInput(t *testing.T) {
	const agSecret, genSecret = "agentgate-test-secret", "generic-test-secret"
	cfg := testConfig(t)
	cfg.Secrets.AgentgateWebhookSecret = agSecret
	cfg.Secrets.GenericWebhookSecret = genSecret // FormBridge's stays unset: 500
	th := startHost(t, cfg)

	reader := th.createKey(t, `{"name":"reader","scopes":["events:read"]}`)
	bound := th.createKey(t, `{"name":"bound","scopes":["events:write"],"agents":["a1"]}`)
	keys := map[int]string{asAdmin: th.admin, asReader: reader.Key, asBound: bound.Key}
	stored := th.ingest(t, th.admin, testEvent("s1", "a1", "session_started", nil))
	eventID := stored.Events[0].ID

	limit := int(cfg.Server.BodyLimit)
	custom := func(extra string) string {
		return `{"sessionId":"s1","agentId":"a1","eventType":"custom",` +
			`"payload":{"type":"note","data":"x"}` + extra + `}`
	}
	batch := func(events ...string) []byte { return []byte(`{"events":[` + strings.Join(events, ",") + `]}`) }
	withPayload := func(payload string) []byte {
		return batch(`{"sessionId":"s1","agentId":"a1","eventType":"custom","payload":` + payload + `}`)
	}
	withIDs := func(session, agent string) []byte {
		return batch(`{"sessionId":` + session + `,"agentId":` + agent +
			`,"eventType":"custom","payload":{"type":"n","data":1}}`)
	}
	many := make([]string, 1001)
	for i := range many {
		many[i] = custom("")
	}
	overLimit := func(prefix string) []byte {
		b := bytes.Repeat([]byte(" "), limit+1)
		copy(b, prefix)
		return b
	}

	// Webhook deliveries and their signatures.
	approval := `{"source":"agentgate","event":"request.created",` +
		`"data":{"requestId":"r1","action":"deploy","params":{},"urgency":"low"}}`
	agSig := hmacHex(agSecret, approval)
	now := time.Now().Unix()
	stamp := func(ts int64) (string, string) {
		s := strconv.FormatInt(ts, 10)
		return s, hmacHex(agSecret, s+"."+approval)
	}
	oldTS, oldSig := stamp(now - 3600)
	futureTS, futureSig := stamp(now + 3600)
	nowTS, _ := stamp(now)
	signed := func(body string) (string, []string) {
		return body, []string{"X-Webhook-Signature", "sha256=" + hmacHex(agSecret, body)}
	}
	unknownEvent, unknownEventSig := signed(
		`{"source":"agentgate","event":"request.exploded","data":{"requestId":"r1"}}`)
	dataString, dataStringSig := signed(`{"source":"agentgate","event":"request.created","data":"r1"}`)
	dupData, dupDataSig := signed(`{"source":"agentgate","event":"request.created",` +
		`"data":{"requestId":"r1","requestId":"r2","action":"a","params":{},"urgency":"low"}}`)
	noRequestID, noRequestIDSig := signed(`{"source":"agentgate","event":"request.created",` +
		`"data":{"action":"a","params":{},"urgency":"low"}}`)
	// A second, differently cased "source" that encoding/json also matches.
	agAsGeneric, agAsGenericSig := signed(`{"source":"agentgate","event":"request.nothing",` +
		`"data":{"eventType":"custom","type":"forged","data":1},"Source":"generic"}`)

	longID := strings.Repeat("x", 300)
	post := func(name string, body []byte, want int) hostileCase {
		return hostile(name, http.MethodPost, "/api/events", body, want)
	}
	get := func(name, path string, want int) hostileCase { return hostile(name, http.MethodGet, path, nil, want) }
	hook := func(name, body string, want int) hostileCase {
		return hostile(name, http.MethodPost, "/api/events/ingest", []byte(body), want).by(asNone)
	}
	newKey := func(name, body string, want int) hostileCase {
		return hostile(name, http.MethodPost, "/api/keys", []byte(body), want)
	}
	generic := func(data string) string { return `{"source":"generic","event":"e","data":` + data + `}` }
	zeroKey := "Bearer als_" + strings.Repeat("0", 64)
	tests := []hostileCase{
		// Malformed JSON and wrong types.
		post("truncated JSON", []byte(`{"events":[`), 400),
		post("trailing garbage", append(batch(custom("")), " x"...), 400),
		post("two JSON values", append(batch(custom("")), batch(custom(""))...), 400),
		post("empty body", []byte{}, 400).header("Content-Type", "application/json"),
		post("null body", []byte(`null`), 400),
		post("top-level array", []byte(`[`+custom("")+`]`), 400),
		post("events not an array", []byte(`{"events":{"0":`+custom("")+`}}`), 400),
		post("events a string", []byte(`{"events":"[]"}`), 400),
		post("events empty", batch(), 400),
		post("event a number", batch(`1`), 400),
		post("payload a string", withPayload(`"{}"`), 400),
		post("payload null", withPayload(`null`), 400),
		post("severity a number", batch(custom(`,"severity":3`)), 400),
		post("sessionId an object", withIDs(`{"id":"s1"}`, `"a1"`), 400),
		post("agentId an array", withIDs(`"s1"`, `["a1"]`), 400),
		post("unknown eventType", batch(
			`{"sessionId":"s1","agentId":"a1","eventType":"DROP TABLE events","payload":{}}`), 400),
		post("metadata an array", batch(custom(`,"metadata":[]`)), 400),

		// Sizes and depth.
		post("body over the limit", overLimit(`{"events":[`), 413),
		post("body over the limit, chunked", overLimit(`{"events":[`), 413).inChunks(),
		post("1001 events", batch(many...), 400),
		post("300-byte sessionId", withIDs(quote(longID), `"a1"`), 400),
		post("300-byte agentId", withIDs(`"s1"`, quote(longID)), 400),
		post("empty sessionId", withIDs(`""`, `"a1"`), 400),
		post("payload nested 70 levels", withPayload(`{"type":"n","data":`+nested(69)+`}`), 400),
		post("payload nested 10000 levels", withPayload(`{"type":"n","data":`+nested(10000)+`}`), 400),
		post("metadata over 10 KiB", batch(custom(`,"metadata":{"x":"`+strings.Repeat("m", 11<<10)+`"}`)), 400),

		// Control characters, UTF-8 and surrogates.
		post("NUL in sessionId", withIDs(`"s1\u0000x"`, `"a1"`), 400),
		post("NUL escapes in agentId", withIDs(`"s1"`, `"\u0000\u0000"`), 400),
		post("escape sequence in agentId", withIDs(`"s1"`, `"a\u001b[31m"`), 400),
		post("newline in sessionId", withIDs(`"s1\nINFO forged"`, `"a1"`), 400),
		post("C1 control (NEL) in sessionId", withIDs(`"s1\u0085forged"`, `"a1"`), 400),
		post("raw control byte in a string", withIDs("\"s1\x01\"", `"a1"`), 400),
		post("raw NUL byte in a string", withPayload("{\"type\":\"n\x00\",\"data\":1}"), 400),
		post("invalid UTF-8 in sessionId", withIDs("\"s\xff\xfe\"", `"a1"`), 400),
		post("invalid UTF-8 in payload", withPayload("{\"type\":\"n\",\"data\":\"\xc3\x28\"}"), 400),
		post("overlong UTF-8 encoding", withPayload("{\"type\":\"n\",\"data\":\"\xc0\xaf\"}"), 400),
		post("lone high surrogate escape", withPayload(`{"type":"n","data":"\ud800"}`), 400),
		post("lone low surrogate in sessionId", withIDs(`"\udc00"`, `"a1"`), 400),

		// Duplicate keys.
		post("duplicate events member", []byte(`{"events":[`+custom("")+`],"events":[]}`), 400),
		post("duplicate sessionId in an event", batch(custom(`,"sessionId":"s2"`)), 400),
		post("duplicate key in payload", withPayload(`{"type":"a","data":1,"type":"b"}`), 400),
		post("duplicate key by escape", withPayload(`{"type":"a","data":1,"typ\u0065":"b"}`), 400),

		// Numbers.
		post("NaN literal", withPayload(`{"type":"n","data":NaN}`), 400),
		post("Infinity literal", withPayload(`{"type":"n","data":-Infinity}`), 400),
		post("1e999", withPayload(`{"type":"n","data":1e999}`), 400),
		post("9007199254740993", withPayload(`{"type":"n","data":9007199254740993}`), 400),
		post("leading zero", withPayload(`{"type":"n","data":007}`), 400),

		// A bad event after a good one: nothing of the batch is stored.
		post("partial batch: bad timestamp",
			batch(custom(""), custom(`,"timestamp":"2026-13-45T00:00:00Z"`)), 400),
		post("partial batch: bad second sessionId", batch(custom(""),
			`{"sessionId":"","agentId":"a1","eventType":"custom","payload":{"type":"n","data":1}}`), 400),
		post("partial batch: other agent for a bound key", batch(custom(""),
			`{"sessionId":"s1","agentId":"a2","eventType":"custom","payload":{"type":"n","data":1}}`), 403).by(asBound),
		post("write with a read-only key", batch(custom("")), 403).by(asReader),

		// Headers.
		post("Content-Type missing", batch(custom("")), 415).bare(),
		post("Content-Type text/plain", batch(custom("")), 415).header("Content-Type", "text/plain"),
		post("Content-Type multipart", batch(custom("")), 415).
			header("Content-Type", "multipart/form-data; boundary=x"),
		post("Content-Type malformed", batch(custom("")), 415).header("Content-Type", "application/json; charset"),
		post("no Authorization", batch(custom("")), 401).by(asNone),
		post("10 KB token", batch(custom("")), 401).by(asNone).
			header("Authorization", "Bearer als_"+strings.Repeat("a", 10<<10)),
		get("Bearer without a token", "/api/events", 401).by(asNone).header("Authorization", "Bearer"),
		get("Bearer and a space", "/api/events", 401).by(asNone).header("Authorization", "Bearer "),
		get("Basic scheme", "/api/events", 401).by(asNone).header("Authorization", "Basic YWRtaW46YWRtaW4="),
		get("key in upper-case hex", "/api/events", 401).by(asNone).
			header("Authorization", "Bearer "+strings.ToUpper(th.admin)),
		get("two Authorization headers, bad first", "/api/events", 401).by(asNone).
			header("Authorization", zeroKey, "Authorization", "Bearer "+th.admin),
		get("two Authorization headers, admin first", "/api/keys", 401).by(asNone).
			header("Authorization", "Bearer "+th.admin, "Authorization", zeroKey),

		// Methods.
		hostile("PUT /api/events", http.MethodPut, "/api/events", batch(custom("")), 405),
		hostile("DELETE /api/events", http.MethodDelete, "/api/events", nil, 405),
		hostile("DELETE a session", http.MethodDelete, "/api/sessions/s1", nil, 405),
		hostile("PATCH /api/keys", http.MethodPatch, "/api/keys", []byte(`{"scopes":["*"]}`), 405),
		hostile("PUT a key", http.MethodPut, "/api/keys/"+reader.ID, []byte(`{"scopes":["*"]}`), 405),
		hostile("DELETE an event", http.MethodDelete, "/api/events/"+eventID, nil, 405),
		hostile("POST /api/audit/verify", http.MethodPost, "/api/audit/verify?sessionId=s1", []byte(`{}`), 405),
		hostile("POST /api/health", http.MethodPost, "/api/health", []byte(`{}`), 405),

		// Path-like and odd ids in URL paths.
		get("event id with escaped slashes", "/api/events/..%2F..%2Fetc%2Fpasswd", 404),
		get("event id ..", "/api/events/%2e%2e", 404),
		get("event id with NUL suffix", "/api/events/"+eventID+"%00x", 404),
		get("event id invalid UTF-8", "/api/events/%FF%FE", 404),
		get("session NUL", "/api/sessions/%00", 404),
		get("session id with NUL suffix", "/api/sessions/s1%00x", 404),
		get("timeline of session NUL", "/api/sessions/%00/timeline", 404),
		get("timeline with NUL suffix", "/api/sessions/s1%00x/timeline", 404),
		get("session id of 300 bytes", "/api/sessions/"+longID, 404),
		get("session id with SQL", "/api/sessions/"+url.PathEscape(`s1' OR '1'='1`), 404),
		get("verify session NUL suffix", "/api/audit/verify?sessionId=s1%00x", 404),
		get("export path-like session", "/api/audit/export?sessionId=..%2F..%2Fetc%2Fpasswd", 404),
		hostile("revoke key with NUL suffix", http.MethodDelete, "/api/keys/"+reader.ID+"%00x", nil, 404),
		hostile("revoke key ..", http.MethodDelete, "/api/keys/..%2F"+reader.ID, nil, 404),
		get("session id invalid UTF-8", "/api/sessions/%FF", 404),
		get("timeline of invalid UTF-8", "/api/sessions/%C0%AF/timeline", 404),
		get("verify session invalid UTF-8", "/api/audit/verify?sessionId=%FF", 404),
		get("export session invalid UTF-8", "/api/audit/export?sessionId=%FF", 404),
		hostile("revoke key invalid UTF-8", http.MethodDelete, "/api/keys/%FF", nil, 404),
		get("unknown route", "/api/events/x/y/z", 404),

		// Query parameters.
		get("limit=-1", "/api/events?limit=-1", 400),
		get("limit=0", "/api/events?limit=0", 400),
		get("limit=501", "/api/events?limit=501", 400),
		get("limit=1e9", "/api/events?limit=1e9", 400),
		get("limit=1000000000", "/api/events?limit=1000000000", 400),
		get("limit overflows int64", "/api/events?limit=99999999999999999999", 400),
		get("limit=abc", "/api/events?limit=abc", 400),
		get("offset=-5", "/api/events?offset=-5", 400),
		get("offset=1e3", "/api/events?offset=1e3", 400),
		get("order=DROP", "/api/events?order=DROP", 400),
		get("order with SQL", "/api/events?order="+url.QueryEscape("asc; DROP TABLE events"), 400),
		get("from=notadate", "/api/events?from=notadate", 400),
		get("to=2026-13-45", "/api/events?to=2026-13-45T00:00:00Z", 400),
		get("from=February 30th", "/api/events?from=2026-02-30T00:00:00Z", 400),
		get("repeated bad limits", "/api/events?limit=abc&limit=-1", 400),
		get("repeated bad orders", "/api/events?order=DROP&order=up", 400),
		get("sessions limit=-1", "/api/sessions?limit=-1", 400),
		get("sessions to=garbage", "/api/sessions?to=yesterday", 400),
		get("verify without a selection", "/api/audit/verify", 400),
		get("verify from=garbage", "/api/audit/verify?from=garbage", 400),
		get("export to=2026-13-45", "/api/audit/export?to=2026-13-45T00:00:00Z", 400),
		get("export unknown session", "/api/audit/export?sessionId=nope", 404),

		// Scopes.
		get("list keys with a read-only key", "/api/keys", 403).by(asReader),
		newKey("create a key with a read-only key", `{"scopes":["*"]}`, 403).by(asReader),
		hostile("revoke a key with a bound key", http.MethodDelete, "/api/keys/"+reader.ID, nil, 403).by(asBound),
		get("verify with a read-only key", "/api/audit/verify?sessionId=s1", 403).by(asReader),

		// Webhooks.
		hook("webhook without source", `{"event":"request.created","data":{}}`, 400),
		hook("webhook unknown source", `{"source":"github","event":"push","data":{}}`, 400),
		hook("webhook source a number", `{"source":1,"event":"x","data":{}}`, 400),
		hook("webhook source an object", `{"source":{"name":"agentgate"}}`, 400),
		hook("webhook body an array", `[{"source":"agentgate"}]`, 400),
		hook("webhook without signature", approval, 401),
		hook("webhook signature too short", approval, 401).header("X-Webhook-Signature", agSig[:62]),
		hook("webhook signature too long", approval, 401).header("X-Webhook-Signature", agSig+"00"),
		hook("webhook signature not hex", approval, 401).header("X-Webhook-Signature", strings.Repeat("zz", 32)),
		hook("webhook signature with the generic secret", approval, 401).
			header("X-Webhook-Signature", hmacHex(genSecret, approval)),
		hook("webhook timestamp an hour old", approval, 401).
			header("X-Webhook-Timestamp", oldTS, "X-Webhook-Signature", oldSig),
		hook("webhook timestamp an hour ahead", approval, 401).
			header("X-Webhook-Timestamp", futureTS, "X-Webhook-Signature", futureSig),
		hook("webhook timestamp with a body-only signature", approval, 401).
			header("X-Webhook-Timestamp", nowTS, "X-Webhook-Signature", agSig),
		hook("webhook timestamp not a number", approval, 401).
			header("X-Webhook-Timestamp", "yesterday", "X-Webhook-Signature", hmacHex(agSecret, "yesterday."+approval)),
		hook("webhook signed, unknown event", unknownEvent, 400).header(unknownEventSig...),
		hook("webhook signed, data a string", dataString, 400).header(dataStringSig...),
		hook("webhook signed, duplicate keys", dupData, 400).header(dupDataSig...),
		hook("webhook signed, no session", noRequestID, 400).header(noRequestIDSig...),
		hook("webhook signed, 300-byte delivery id", approval, 400).
			header("X-Webhook-Signature", agSig, "X-Webhook-Id", longID),
		hook("webhook signed, delivery id invalid UTF-8", approval, 400).
			header("X-Webhook-Signature", agSig, "X-Webhook-Id", "\xff\xfe"),
		hook("webhook signed as agentgate, mapped as generic", agAsGeneric, 400).header(agAsGenericSig...),
		hook("webhook formbridge without its secret",
			`{"source":"formbridge","event":"submission.created","data":{}}`, 500).header("X-Webhook-Signature", agSig),
		hook("webhook generic without credentials", generic(`{"eventType":"custom","type":"n","data":1}`), 401),
		hook("webhook generic with an invalid key", generic(`{"eventType":"custom","type":"n","data":1}`), 401).
			header("Authorization", "Bearer nope"),
		hook("webhook generic with a read-only key", generic(`{"eventType":"custom","type":"n","data":1}`), 403).
			by(asReader),
		hook("webhook generic without eventType", generic(`{"type":"n","data":1}`), 400).by(asAdmin),
		hook("webhook generic eventType a number", generic(`{"eventType":7}`), 400).by(asAdmin),
		hook("webhook generic unknown eventType", generic(`{"eventType":"nope"}`), 400).by(asAdmin),
		hook("webhook generic NUL in session", `{"source":"generic","event":"e",`+
			`"data":{"eventType":"custom","type":"n","data":1},"context":{"agentlens_session_id":"s\u0000"}}`, 400).
			by(asAdmin),
		hook("webhook generic 1e999", generic(`{"eventType":"custom","type":"n","data":1e999}`), 400).by(asAdmin),
		hook("webhook generic truncated", `{"source":"generic","event":`, 400).by(asAdmin),
		hook("webhook generic nested 10000 levels",
			generic(`{"eventType":"custom","type":"n","data":`+nested(10000)+`}`), 400).by(asAdmin),
		hook("webhook generic, a second source by case", `{"source":"generic","SOURCE":"agentgate",`+
			`"event":"request.created","data":{"requestId":"r9","action":"a","params":{},"urgency":"low"}}`, 400).
			by(asAdmin),
		hostile("webhook body over the limit", http.MethodPost, "/api/events/ingest",
			overLimit(`{"source":"generic","event":"e","data":{"x":"`), 413),

		// Key creation.
		newKey("key: malformed JSON", `{"name":`, 400),
		newKey("key: trailing data", `{"name":"a"} {"scopes":["*"]}`, 400),
		newKey("key: scopes not an array", `{"scopes":"*"}`, 400),
		newKey("key: unknown scope", `{"scopes":["root"]}`, 400),
		newKey("key: scope null", `{"scopes":[null]}`, 400),
		newKey("key: no scopes", `{"scopes":[]}`, 400),
		newKey("key: name a number", `{"name":1}`, 400),
		newKey("key: name of 1 MB", `{"name":"`+strings.Repeat("n", 1<<20)+`"}`, 400),
		newKey("key: name of invalid UTF-8", "{\"name\":\"\xff\xfe\"}", 400),
		newKey("key: unknown member", `{"name":"a","admin":true}`, 400),
		newKey("key: agents with an empty string", `{"agents":[""]}`, 400),
		newKey("key: agents a string", `{"agents":"a1"}`, 400),
		newKey("key: agent of 300 bytes", `{"agents":[`+quote(longID)+`]}`, 400),
		newKey("key: agent with NUL", `{"agents":["a1\u0000x"]}`, 400),
		hostile("key: body over the limit", http.MethodPost, "/api/keys", overLimit(`{"name":"`), 413),
		hostile("revoke an unknown key", http.MethodDelete, "/api/keys/01NOSUCHKEY000000000000000", nil, 404),
	}

	before := countStore(t, th)
	for _, c := range tests {
		t.Run(c.name, func(t *testing.T) {
			r := th.sendHostile(t, c, keys)
			if r.status != c.want {
				t.Errorf("%s %s = %d %.300s, want %d", c.method, c.path, r.status, r.body, c.want)
			}
			if after := countStore(t, th); after != before {
				t.Errorf("%s %s changed the store: events, sessions, keys, live keys %+v -> %+v",
					c.method, c.path, before, after)
				before = after
			}
		})
	}

	// Filters made of hostile text select nothing.
	for _, path := range []string{
		"/api/events?sessionId=s1%00x", "/api/events?sessionId=" + url.QueryEscape(`s1' OR '1'='1`),
		"/api/events?agentId=%25", "/api/events?search=%25", "/api/events?search=_",
		"/api/events?search=" + url.QueryEscape(`\`), "/api/events?search=%00",
		"/api/events?eventType=session_started%00x", "/api/events?sessionId=%FF",
		"/api/events?search=%FF", "/api/sessions?agentId=a1%00x", "/api/sessions?agentId=%FF",
	} {
		r := th.do(t, http.MethodGet, path, th.admin, "")
		if r.status != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", path, r.status, r.body)
			continue
		}
		if got := decodeJSON[struct{ Total int }](t, r).Total; got != 0 {
			t.Errorf("GET %s total = %d, want 0", path, got)
		}
	}

	// The server still serves, the stored chain is whole, and the keys
	// still work.
	th.do(t, http.MethodGet, "/api/health", "", "").want(t, "GET /api/health", http.StatusOK)
	r := th.do(t, http.MethodGet, "/api/audit/verify?sessionId=s1", th.admin, "").want(t, "verify s1", http.StatusOK)
	if v := decodeJSON[struct{ Verified bool }](t, r); !v.Verified {
		t.Errorf("GET /api/audit/verify?sessionId=s1 = %s, want verified", r.body)
	}
	th.do(t, http.MethodGet, "/api/events/"+eventID, reader.Key, "").want(t, "read with the reader key", http.StatusOK)
	th.ingest(t, bound.Key, testEvent("s1", "a1", "custom", nil))
	if got := th.eventTotal(t); got != before.events+1 {
		t.Errorf("after one more event, total = %d, want %d", got, before.events+1)
	}
	t.Logf("%d hostile requests", len(tests))
}

// TestHostileInput_TextStoredAsSent checks that text the API accepts with
// a NUL in it (a JSON escape, valid in any string) is stored as sent, or
// refused: never stored cut short while the response echoes it whole.
func TestHostileInput_TextStoredAsSent(t *testing.T) {
	th := startHost(t, testConfig(t))

	const agentName = "good\x00evil"
	th.ingest(t, th.admin, testEvent("s1", "a1", "session_started",
		ev{"payload": map[string]any{"agentName": agentName}}))
	r := th.do(t, http.MethodGet, "/api/sessions/s1", th.admin, "").want(t, "GET /api/sessions/s1", http.StatusOK)
	if got := decodeJSON[struct{ AgentName string }](t, r).AgentName; got != agentName {
		t.Errorf("session agentName = %q, want %q as the session_started payload has it", got, agentName)
	}

	r = th.do(t, http.MethodPost, "/api/keys", th.admin, `{"name":"ops\u0000-admin"}`)
	if r.status == http.StatusBadRequest {
		return
	}
	created := decodeJSON[createdKey](t, r.want(t, "POST /api/keys", http.StatusCreated))
	r = th.do(t, http.MethodGet, "/api/keys", th.admin, "").want(t, "GET /api/keys", http.StatusOK)
	for _, k := range decodeJSON[struct{ Keys []createdKey }](t, r).Keys {
		if k.ID == created.ID && k.Name != created.Name {
			t.Errorf("key %s is listed with name %q; POST /api/keys answered %q", k.ID, k.Name, created.Name)
		}
	}
}
