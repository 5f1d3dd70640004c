package chain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gowebpki/jcs"

	"github.com/agentlens/agentlens-go/store/chain"
)

// refused is the want of an input Canonicalize must reject.
const refused = "<refused>"

func nest(open, close string, n int) string {
	return strings.Repeat(open, n) + strings.Repeat(close, n)
}

// nestObjects returns n nested objects: {"a":{"a":...{}}}.
func nestObjects(n int) string {
	return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1)
}

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Accepted.
		{"object sorted", `{"b":1,"a":2}`, `{"a":2,"b":1}`},
		{"whitespace removed", " {\"b\" : 1 ,\n\t\"a\":[ 1 , 2 ] } \r\n", `{"a":[1,2],"b":1}`},
		{"empty object", `{}`, `{}`},
		{"scalar", `"x"`, `"x"`},
		{"literals", `[null,true,false]`, `[null,true,false]`},
		{"escapes undone", `"\u0041\u00e9\/\u20ac"`, `"Aé/€"`},
		{"escapes kept", `"\"\\\b\f\n\r\t\u0001\u001F"`, `"\"\\\b\f\n\r\t\u0001\u001f"`},
		{"html and separators raw", `"\u003c\u003e\u0026\u2028\u2029"`, "\"<>&\u2028\u2029\""},
		{"DEL raw", `"\u007f"`, "\"\x7f\""},
		{"surrogate pair", `"\ud83d\ude00"`, `"😀"`},
		{"surrogate pair upper hex", `"\uD83D\uDE00"`, `"😀"`},
		{"raw astral", `"😀"`, `"😀"`},
		{"key order UTF-16", `{"\ufb33":1,"\ud83d\ude00":2}`, "{\"\U0001F600\":2,\"\uFB33\":1}"},
		{"nested sorted", `{"z":{"b":[{"d":1,"c":2}],"a":null}}`, `{"z":{"a":null,"b":[{"c":2,"d":1}]}}`},
		{"2^53", `9007199254740992`, `9007199254740992`},
		{"-2^53", `-9007199254740992`, `-9007199254740992`},
		{"2^53 in object", `{"max":9007199254740992,"min":-9007199254740992}`, `{"max":9007199254740992,"min":-9007199254740992}`},
		{"1.5e300", `1.5e300`, `1.5e+300`},
		{"1e21", `1e21`, `1e+21`},
		{"1e-7", `1e-7`, `1e-7`},
		{"0.5", `0.5`, `0.5`},
		{"-0", `-0`, `0`},
		{"-0.0", `-0.0`, `0`},
		{"333333333.33333329", `333333333.33333329`, `333333333.3333333`},
		{"4.50", `4.50`, `4.5`},
		{"1E2", `1E2`, `100`},
		{"max double", `1.7976931348623157e308`, `1.7976931348623157e+308`},
		{"min subnormal", `5e-324`, `5e-324`},
		{"depth 64 arrays", nest("[", "]", 64), nest("[", "]", 64)},
		{"depth 64 objects", nestObjects(64), nestObjects(64)},

		// Refused: duplicates.
		{"duplicate key", `{"a":1,"a":2}`, refused},
		{"duplicate key same value", `{"a":1,"a":1}`, refused},
		{"duplicate nested", `{"x":{"a":1,"b":2,"a":3}}`, refused},
		{"duplicate in array", `[{},{"k":[],"k":{}}]`, refused},
		{"duplicate via escape", `{"a":1,"\u0061":2}`, refused},
		// Refused: invalid UTF-8.
		{"invalid byte", "\"\xff\"", refused},
		{"truncated sequence", "\"\xc3\"", refused},
		{"invalid in key", "{\"\xe2\x82\":1}", refused},
		{"overlong", "\"\xc0\xaf\"", refused},
		{"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", refused},
		{"raw control char", "\"a\x01\"", refused},
		// Refused: lone surrogates.
		{"lone high", `"\ud800"`, refused},
		{"lone low", `"\udc00"`, refused},
		{"high then letter", `"\ud83dx"`, refused},
		{"high then BMP escape", `"\ud83d\u0041"`, refused},
		{"reversed pair", `"\ude00\ud83d"`, refused},
		{"lone in key", `{"\udfff":1}`, refused},
		// Refused: depth.
		{"depth 65 arrays", nest("[", "]", 65), refused},
		{"depth 65 objects", nestObjects(65), refused},
		// Refused: numbers a double cannot hold.
		{"2^53+1", `9007199254740993`, refused},
		{"-(2^53+1)", `-9007199254740993`, refused},
		{"2^53+1 nested", `{"a":[9007199254740993]}`, refused},
		{"2^53+2", `9007199254740994`, refused},
		{"2^64", `18446744073709551616`, refused},
		{"1e400", `1e400`, refused},
		{"-1e400", `-1e400`, refused},
		{"NaN", `NaN`, refused},
		{"Infinity", `Infinity`, refused},
		{"-Infinity", `-Infinity`, refused},
		{"NaN in object", `{"a":NaN}`, refused},
		// Refused: not JSON.
		{"empty", ``, refused},
		{"blank", " \n", refused},
		{"trailing garbage", `{"a":1} x`, refused},
		{"trailing brace", `{"a":1}}`, refused},
		{"trailing comma after value", `{"a":1},`, refused},
		{"two objects", `{"a":1}{"b":2}`, refused},
		{"two values", `1 2`, refused},
		{"trailing comma", `{"a":1,}`, refused},
		{"single quotes", `{'a':1}`, refused},
		{"bare key", `{a:1}`, refused},
		{"comment", `{"a":1 /* c */}`, refused},
		{"leading zero", `01`, refused},
		{"plus sign", `+1`, refused},
		{"bare fraction", `.5`, refused},
		{"bare point", `1.`, refused},
		{"hex", `0x10`, refused},
		{"unclosed", `{"a":1`, refused},
		{"bad escape", `"\x41"`, refused},
		{"short unicode escape", `"\u12"`, refused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chain.Canonicalize([]byte(tc.in))
			if tc.want == refused {
				var ie *chain.InputError
				if err == nil {
					t.Errorf("Canonicalize(%q) = %q, want an error", clipped(tc.in), got)
				} else if !errors.As(err, &ie) {
					t.Errorf("Canonicalize(%q) error %T %v, want *chain.InputError", clipped(tc.in), err, err)
				}
				if cerr := chain.Check([]byte(tc.in), chain.DefaultLimits); cerr == nil {
					t.Errorf("Check(%q) = nil, want an error", clipped(tc.in))
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("Canonicalize(%q) = %q, %v; want %q", clipped(tc.in), got, err, tc.want)
			}
			if err := chain.Check([]byte(tc.in), chain.DefaultLimits); err != nil {
				t.Errorf("Check(%q) = %v, want nil", clipped(tc.in), err)
			}
			again, err := chain.Canonicalize(got)
			if err != nil || !bytes.Equal(again, got) {
				t.Errorf("Canonicalize(%q) = %q, %v; want it unchanged", got, again, err)
			}
		})
	}
}

func clipped(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func TestCheckDepth(t *testing.T) {
	tests := []struct {
		in       string
		maxDepth int
		ok       bool
	}{
		{`1`, 0, true},
		{`[]`, 0, false},
		{`[]`, 1, true},
		{`[[1]]`, 1, false},
		{`[[1]]`, 2, true},
		{`{"a":[{"b":1}]}`, 2, false},
		{`{"a":[{"b":1}]}`, 3, true},
		{`[[],[],[]]`, 2, true},
		{nest("[", "]", 10), 9, false},
		{nest("[", "]", 10), 10, true},
	}
	for _, tc := range tests {
		err := chain.Check([]byte(tc.in), chain.Limits{MaxDepth: tc.maxDepth, MaxKeys: 10000})
		if (err == nil) != tc.ok {
			t.Errorf("Check(%s, %d) = %v, want ok=%v", tc.in, tc.maxDepth, err, tc.ok)
		}
	}
}

// TestCheckOneValue: Check promises "one JSON value", like Canonicalize.
func TestCheckOneValue(t *testing.T) {
	for _, in := range []string{`{} {}`, `1 2`, `{"a":1}{"b":2}`, `[] "x"`, `null null`} {
		if err := chain.Check([]byte(in), chain.DefaultLimits); err == nil {
			t.Errorf("Check(%s) = nil, want an error: it holds more than one value", in)
		}
	}
}

func TestCanonicalizeErrorsAreShort(t *testing.T) {
	long := strings.Repeat("9", 500)
	_, err := chain.Canonicalize([]byte(long))
	if err == nil {
		t.Fatalf("Canonicalize(500 nines) = nil error")
	}
	if len(err.Error()) > 200 {
		t.Errorf("Canonicalize(500 nines) error is %d bytes, want the literal clipped: %q", len(err.Error()), err)
	}
}

// TestCanonicalizeIdempotent: whatever Canonicalize writes, it accepts again
// unchanged. Numbers written in exponent form but at least 2^53 come back as
// plain integer digits, which must not then be refused.
func TestCanonicalizeIdempotent(t *testing.T) {
	for _, in := range []string{`1e20`, `-1e20`, `1.5e16`, `9007199254740994.0`, `{"n":[2e53]}`, `1e21`, `9.999e20`} {
		out, err := chain.Canonicalize([]byte(in))
		if err != nil {
			continue // refusing the input is consistent too
		}
		again, err := chain.Canonicalize(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Errorf("Canonicalize(%s) = %s, but Canonicalize(%s) = %q, %v", in, out, out, again, err)
		}
	}
}

func TestCanonicalObject(t *testing.T) {
	got, err := chain.CanonicalObject([]byte(` {"b":true, "a":null} `), "payload")
	if err != nil || string(got) != `{"a":null,"b":true}` {
		t.Errorf("CanonicalObject = %q, %v; want {\"a\":null,\"b\":true}", got, err)
	}
	for _, in := range []string{`[]`, `1`, `"s"`, `null`, `true`} {
		_, err := chain.CanonicalObject([]byte(in), "payload")
		var ie *chain.InputError
		if !errors.As(err, &ie) || ie.Reason != "payload must be a JSON object" {
			t.Errorf("CanonicalObject(%s) error = %v, want *InputError %q", in, err, "payload must be a JSON object")
		}
	}
	_, err = chain.CanonicalObject([]byte(`{"a":1,"a":2}`), "metadata")
	var ie *chain.InputError
	if !errors.As(err, &ie) || !strings.HasPrefix(ie.Reason, "metadata: ") {
		t.Errorf("CanonicalObject(duplicate) error = %v, want *InputError starting \"metadata: \"", err)
	}
}

// runePool mixes what string escaping must get right.
var runePool = []rune{
	'a', 'Z', '0', ' ', '"', '\\', '/', '\'', '<', '>', '&', '\u2028', '\u2029', 0x7f, 0x80, 0x9f,
	0, 1, '\b', '\t', '\n', 0x0b, '\f', '\r', 0x1b, 0x1f, 'é', '€', '漢', '한', '\ufeff', '\ufffd',
	'\uffff', 0x10000, 0x1F600, 0x10FFFF, 'דּ',
}

func randString(r *rand.Rand) string {
	var b strings.Builder
	for n := r.IntN(12); n > 0; n-- {
		b.WriteRune(runePool[r.IntN(len(runePool))])
	}
	return b.String()
}

func randValue(r *rand.Rand, depth int) any {
	k := r.IntN(8)
	if depth > 3 && k >= 6 {
		k = r.IntN(6)
	}
	switch k {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.Int64N(1<<54) - 1<<53 // within ±2^53
	case 3:
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return 0.25
		}
		if a := math.Abs(f); a >= 1<<53 && a < 1e21 {
			// encoding/json writes these as integer digits beyond 2^53,
			// which Canonicalize refuses by design.
			return f / 1e7
		}
		return f
	case 4, 5:
		return randString(r)
	case 6:
		a := make([]any, r.IntN(4))
		for i := range a {
			a[i] = randValue(r, depth+1)
		}
		return a
	default:
		return randObject(r, depth+1)
	}
}

func randObject(r *rand.Rand, depth int) map[string]any {
	m := map[string]any{}
	for n := r.IntN(5); n > 0; n-- {
		m[randString(r)] = randValue(r, depth+1)
	}
	return m
}

// jcsOfEvent builds the version 3 hash object with encoding/json, not with
// the package, and canonicalizes it with github.com/gowebpki/jcs.
func jcsOfEvent(t testing.TB, e *chain.Event, payload, metadata []byte) []byte {
	t.Helper()
	var prev any
	if e.PrevHash != "" {
		prev = e.PrevHash
	}
	obj := map[string]any{
		"v": 3, "id": e.ID, "timestamp": e.Timestamp, "receivedAt": e.ReceivedAt, "keyId": e.KeyID,
		"sessionId": e.SessionID, "agentId": e.AgentID, "eventType": e.EventType, "severity": e.Severity,
		"seq": e.Seq, "payload": json.RawMessage(payload), "metadata": json.RawMessage(metadata),
		"prevHash": prev,
	}
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	out, err := jcs.Transform(raw)
	if err != nil {
		t.Fatalf("jcs.Transform(%s): %v", raw, err)
	}
	return out
}

// TestHashInputMatchesJCS compares HashInput with an off-the-shelf JCS
// library on many generated events.
func TestHashInputMatchesJCS(t *testing.T) {
	r := rand.New(rand.NewPCG(8785, 3))
	for i := range 3000 {
		payloadJSON, err := json.Marshal(randObject(r, 0))
		if err != nil {
			t.Fatal(err)
		}
		metadataJSON, err := json.Marshal(randObject(r, 1))
		if err != nil {
			t.Fatal(err)
		}
		payload, err := chain.CanonicalObject(payloadJSON, "payload")
		if err != nil {
			t.Fatalf("CanonicalObject(%s): %v", payloadJSON, err)
		}
		metadata, err := chain.CanonicalObject(metadataJSON, "metadata")
		if err != nil {
			t.Fatalf("CanonicalObject(%s): %v", metadataJSON, err)
		}
		e := chain.Event{
			ID: randString(r), Timestamp: randString(r), ReceivedAt: randString(r), KeyID: randString(r),
			SessionID: randString(r), AgentID: randString(r), EventType: randString(r),
			Severity: randString(r), Seq: r.Int64N(1 << 53), Payload: payload, Metadata: metadata,
		}
		if i%3 != 0 {
			e.PrevHash = randString(r)
		}
		want := jcsOfEvent(t, &e, payloadJSON, metadataJSON)
		if got := e.HashInput(nil); !bytes.Equal(got, want) {
			t.Fatalf("event %d: HashInput =\n  %q\njcs.Transform =\n  %q", i, got, want)
		}
	}
}

// payloadObject turns fuzzed bytes into a canonical object, or {} when
// Canonicalize refuses them or they are not an object.
func payloadObject(raw []byte) []byte {
	out, err := chain.CanonicalObject(raw, "payload")
	if err != nil {
		return []byte(`{}`)
	}
	return out
}

func FuzzHashInput(f *testing.F) {
	f.Add("01JKCY4Q3M8R2V9XAB5E7GTN6D", "sess_01", "my-agent", "key1", "tool_call", "info",
		"2026-02-08T10:00:00.000Z", "", uint32(0), []byte(`{"a":"café € 😀"}`))
	f.Add("id\"\\", "s\x00\x01\x1f\x7f", "a<>&\u2028", "", "", "", "\b\f\n\r\t", "f0a6", uint32(7),
		[]byte(`{"\ufb33":1,"\ud83d\ude00":[1e21,-0,0.5]}`))
	f.Add("é", "漢字", "\U0010FFFF", "\ufeff", "x", "critical", "", "h", uint32(1<<31), []byte(`{"k":"\u0001"}`))
	f.Fuzz(func(t *testing.T, id, sessionID, agentID, keyID, eventType, severity, timestamp, prevHash string,
		seq uint32, payloadRaw []byte,
	) {
		for _, s := range []string{id, sessionID, agentID, keyID, eventType, severity, timestamp, prevHash} {
			if !utf8.ValidString(s) {
				t.Skip("not valid UTF-8: encoding/json would replace it with U+FFFD")
			}
		}
		payload := payloadObject(payloadRaw)
		e := chain.Event{
			ID: id, Timestamp: timestamp, ReceivedAt: timestamp, KeyID: keyID, SessionID: sessionID,
			AgentID: agentID, EventType: eventType, Severity: severity, Seq: int64(seq),
			Payload: payload, Metadata: []byte(`{}`), PrevHash: prevHash,
		}
		want := jcsOfEvent(t, &e, payload, []byte(`{}`))
		if got := e.HashInput(nil); !bytes.Equal(got, want) {
			t.Fatalf("HashInput =\n  %q\njcs.Transform =\n  %q", got, want)
		}
	})
}

func FuzzCanonical(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzCanonical.
	f.Add([]byte(`{"b":1,"a":[true,null,"x"]}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := chain.Canonicalize(in)
		if err != nil {
			var ie *chain.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Canonicalize(%q) error %T %v, want *chain.InputError", in, err, err)
			}
			return
		}
		if err := chain.Check(out, chain.DefaultLimits); err != nil {
			t.Fatalf("Canonicalize(%q) = %q, which Check refuses: %v", in, out, err)
		}
		again, err := chain.Canonicalize(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("Canonicalize(%q) = %q, but Canonicalize of that = %q, %v", in, out, again, err)
		}
		if !json.Valid(out) || !utf8.Valid(out) {
			t.Fatalf("Canonicalize(%q) = %q, not valid JSON/UTF-8", in, out)
		}
		// Same value, read as encoding/json reads it (numbers as doubles).
		var vin, vout any
		if err := json.Unmarshal(in, &vin); err != nil {
			t.Fatalf("Canonicalize accepted %q, encoding/json refuses it: %v", in, err)
		}
		if err := json.Unmarshal(out, &vout); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(vin, vout) {
			t.Fatalf("Canonicalize(%q) = %q: value changed (%v != %v)", in, out, vin, vout)
		}
	})
}

// benchPayload is a typical llm_call payload of about 400 bytes.
var benchPayload = []byte(`{"callId":"call_8f3a2c","provider":"anthropic","model":"claude-sonnet-4",` +
	`"messages":[{"role":"system","content":"You are a careful assistant. Answer briefly."},` +
	`{"role":"user","content":"Summarise incident INC-20431 and list the affected services."},` +
	`{"role":"assistant","content":"Looking up INC-20431…"}],"temperature":0.2,"maxTokens":1024,` +
	`"tools":["search","read_ticket"],"stream":false,"metadata":{"tenant":"acme","retry":0}}`)

func BenchmarkCanonicalize(b *testing.B) {
	b.SetBytes(int64(len(benchPayload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := chain.Canonicalize(benchPayload); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBenchPayloadSize(t *testing.T) {
	if n := len(benchPayload); n < 350 || n > 450 {
		t.Errorf("benchPayload is %d bytes, want about 400", n)
	}
	if _, err := chain.Canonicalize(benchPayload); err != nil {
		t.Error(fmt.Errorf("benchPayload: %w", err))
	}
}

func TestCheck_ObjectMembers(t *testing.T) {
	lim := chain.Limits{MaxDepth: 10, MaxKeys: 3}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{`{"a":1,"b":2,"c":3}`, true},
		{`{"a":1,"b":2,"c":3,"d":4}`, false},
		{`{"x":{"a":1,"b":2,"c":3,"d":4}}`, false},
		{`[1,2,3,4,5,6]`, true},
		{`{"a":[1,2,3,4,5],"b":{"c":1}}`, true},
	} {
		err := chain.Check([]byte(tc.in), lim)
		if (err == nil) != tc.ok {
			t.Errorf("Check(%s, 3 members) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestCheck_UnderflowIsRefused(t *testing.T) {
	for in, ok := range map[string]bool{
		`1e-400`: false, `-2.5e-330`: false, `0.0`: true, `0e-500`: true, `-0`: true, `5e-324`: true, `1e-300`: true,
	} {
		if err := chain.Check([]byte(in), chain.DefaultLimits); (err == nil) != ok {
			t.Errorf("Check(%s) = %v, want ok=%v", in, err, ok)
		}
	}
}

func TestSignedMessage_DeepDocument(t *testing.T) {
	deep := strings.Repeat("[", 80) + strings.Repeat("]", 80)
	doc := map[string]json.RawMessage{"events": json.RawMessage(deep)}
	if _, err := chain.SignedMessage(doc); err != nil {
		t.Errorf("SignedMessage(80 levels deep) = %v, want it signed: bundles nest stored events", err)
	}
}
