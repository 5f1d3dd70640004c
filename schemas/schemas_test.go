package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func newValidator(tb testing.TB) *Validator {
	tb.Helper()
	v, err := New()
	if err != nil {
		tb.Fatalf("New() error = %v", err)
	}
	return v
}

// eventOf writes an event of type typ with the given payload JSON.
func eventOf(typ, payload string) string {
	return fmt.Sprintf(`{"sessionId":"s1","agentId":"a1","eventType":%q,"payload":%s}`, typ, payload)
}

// details returns the details of err, failing unless it is an *Error.
func details(tb testing.TB, err error) []string {
	tb.Helper()
	var e *Error
	if !errors.As(err, &e) {
		tb.Fatalf("error = %v (%T), want *Error", err, err)
	}
	return e.Details
}

func TestError_Error(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Message: "request body is not valid JSON"}, "request body is not valid JSON"},
		{
			&Error{Message: "the event is invalid", Details: []string{"a: x", "b: y"}},
			"the event is invalid: a: x; b: y",
		},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("(%+v).Error() = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// batchOf wraps events in a batch envelope.
func batchOf(events ...string) []byte {
	return []byte(`{"events":[` + strings.Join(events, ",") + `]}`)
}

// repeatEvent returns n copies of one valid event.
func repeatEvent(n int) []string {
	return slices.Repeat([]string{eventOf("feedback", `{}`)}, n)
}

func TestDecodeBatch_Envelope(t *testing.T) {
	v := newValidator(t)
	const notJSON = "request body is not valid JSON"
	const notEnvelope = `request body must be an object with an "events" array`
	tests := []struct {
		name        string
		body        string
		wantMessage string
		wantDetails []string
	}{
		{"empty body", ``, notJSON, []string{"at byte 0: unexpected end of JSON input"}},
		{"truncated", `{"events":[`, notJSON, []string{"at byte 11: unexpected end of JSON input"}},
		{
			"trailing data", `{"events":[]} {}`, notJSON,
			[]string{"at byte 15: invalid character '{' after top-level value"},
		},
		{"array", `[{"sessionId":"s"}]`, notEnvelope, []string{"got an array"}},
		{"null", `null`, notEnvelope, []string{"got null"}},
		{"string", `"events"`, notEnvelope, []string{"got a string"}},
		{"no events", `{"event":[]}`, notEnvelope, []string{`missing required field "events"`}},
		{"events in other case", `{"Events":[{}]}`, notEnvelope, []string{`missing required field "events"`}},
		{"events null", `{"events":null}`, notEnvelope, []string{"events: must be an array, not null"}},
		{
			"events object", `{"events":{"0":{}}}`, notEnvelope,
			[]string{"events: must be an array, not an object"},
		},
		{"empty batch", `{"events":[]}`, "a batch holds 1 to 1000 events; got 0", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events, err := v.DecodeBatch([]byte(tc.body), 0)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("DecodeBatch(%s) = %d events, %v; want *Error", tc.body, len(events), err)
			}
			if e.Message != tc.wantMessage || !slices.Equal(e.Details, tc.wantDetails) {
				t.Errorf("DecodeBatch(%s) error = %q %q, want %q %q",
					tc.body, e.Message, e.Details, tc.wantMessage, tc.wantDetails)
			}
		})
	}
}

func TestDecodeBatch_Limits(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		count, maxEvents int
		wantMessage      string // "": accepted
	}{
		{1, 3, ""},
		{3, 3, ""},
		{4, 3, "a batch holds 1 to 3 events; got 4"},
		{0, 3, "a batch holds 1 to 3 events; got 0"},
		{1000, 0, ""},
		{1001, 0, "a batch holds 1 to 1000 events; got 1001"},
		{1001, -1, "a batch holds 1 to 1000 events; got 1001"},
		{1001, 2000, ""},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d_of_max_%d", tc.count, tc.maxEvents), func(t *testing.T) {
			events, err := v.DecodeBatch(batchOf(repeatEvent(tc.count)...), tc.maxEvents)
			if tc.wantMessage == "" {
				if err != nil || len(events) != tc.count {
					t.Errorf("DecodeBatch = %d events, %v; want %d, nil", len(events), err, tc.count)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Message != tc.wantMessage || events != nil {
				t.Errorf("DecodeBatch = %d events, %v; want *Error %q", len(events), err, tc.wantMessage)
			}
		})
	}
}

func TestDecodeBatch_ReportsEveryEvent(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		name        string
		events      []string
		wantMessage string
		wantDetails []string
	}{
		{"two bad of four", []string{
			eventOf("feedback", `{}`),
			eventOf("tool_call", `{"callId":"c","arguments":{}}`),
			eventOf("feedback", `{}`),
			`{"sessionId":"s","agentId":"a","eventType":"custom","severity":"loud","payload":{"type":"t"}}`,
		}, "2 of 4 events in the batch are invalid", []string{
			`events[1].payload: missing required field "toolName"`,
			`events[3].payload: missing required field "data"`,
			"events[3].severity: must be one of debug, info, warn, error, critical",
		}},
		{"non-object events", []string{`1`, `null`}, "2 of 2 events in the batch are invalid", []string{
			"events[0]: must be an object, not a number",
			"events[1]: must be an object, not null",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events, err := v.DecodeBatch(batchOf(tc.events...), 0)
			var e *Error
			if !errors.As(err, &e) || events != nil {
				t.Fatalf("DecodeBatch = %d events, %v; want *Error", len(events), err)
			}
			if e.Message != tc.wantMessage || !slices.Equal(e.Details, tc.wantDetails) {
				t.Errorf("DecodeBatch error = %q %q, want %q %q",
					e.Message, e.Details, tc.wantMessage, tc.wantDetails)
			}
		})
	}
}

func TestDecodeBatch_BoundsDetails(t *testing.T) {
	v := newValidator(t)
	bad := slices.Repeat([]string{eventOf("session_ended", `{}`)}, 30)
	_, err := v.DecodeBatch(batchOf(bad...), 0)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("DecodeBatch(30 bad) error = %v, want *Error", err)
	}
	const wantMessage = "30 of 30 events in the batch are invalid; the first 20 of 30 problems are listed"
	if e.Message != wantMessage || len(e.Details) != 20 {
		t.Errorf("DecodeBatch(30 bad) = %q with %d details, want %q with 20",
			e.Message, len(e.Details), wantMessage)
	}
	if want := `events[19].payload: missing required field "reason"`; e.Details[19] != want {
		t.Errorf("DecodeBatch(30 bad) last detail = %q, want %q", e.Details[19], want)
	}
}

func TestDecodeBatch_InputOrder(t *testing.T) {
	v := newValidator(t)
	var raws []string
	for i := range 5 {
		raws = append(raws, eventOf("custom", fmt.Sprintf(`{"type":"step","data":%d}`, i)))
	}
	events, err := v.DecodeBatch(batchOf(raws...), 5)
	if err != nil {
		t.Fatalf("DecodeBatch error = %v", err)
	}
	for i, ev := range events {
		if want := fmt.Sprintf(`{"type":"step","data":%d}`, i); string(ev.Payload) != want {
			t.Errorf("events[%d].Payload = %s, want %s", i, ev.Payload, want)
		}
	}
}

func TestDecodeBatch_Fixtures(t *testing.T) {
	v := newValidator(t)
	compiled, err := compile("event.json", "batch.json")
	if err != nil {
		t.Fatalf("compile() error = %v", err)
	}
	batchSchema := compiled[1]
	files, err := filepath.Glob("../testdata/sessions/*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("fixtures = %v, %v; want at least 2 files", files, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			events, err := v.DecodeBatch(body, 0)
			if err != nil {
				t.Fatalf("DecodeBatch error = %v", err)
			}

			// The payloads come back byte for byte.
			var want struct {
				Events []struct{ Payload json.RawMessage }
			}
			if err := json.Unmarshal(body, &want); err != nil {
				t.Fatal(err)
			}
			if len(events) != len(want.Events) {
				t.Fatalf("DecodeBatch = %d events, want %d", len(events), len(want.Events))
			}
			for i := range events {
				if !bytes.Equal(events[i].Payload, want.Events[i].Payload) {
					t.Errorf("events[%d].Payload = %.60s..., want %.60s...",
						i, events[i].Payload, want.Events[i].Payload)
				}
			}

			// The published batch schema accepts the file too.
			doc, err := jsonschemaDoc(body)
			if err != nil {
				t.Fatal(err)
			}
			if err := batchSchema.Validate(doc); err != nil {
				t.Errorf("batch.json rejects the file: %v", err)
			}
		})
	}
}

func TestDecodeBatch_NeverPanics(t *testing.T) {
	v := newValidator(t)
	inputs := []string{
		"",
		"\x00",
		"\xff\xfe",
		"{",
		"}",
		`{"events":[{"payload":`,
		`{"events":[[[[[]]]]]}`,
		`{"events":[null,true,"x",1e400]}`,
		`{"events":[{"sessionId":{},"agentId":[],"eventType":1,"payload":null,"metadata":"x",` +
			`"severity":null,"timestamp":false}]}`,
		`{"events":[{"sessionId":"\ud800","agentId":"\xff","eventType":"custom","payload":{"type":"t","data":1e999}}]}`,
		`{"events":[{"": {"": []}, "sessionId": "s"}]}`,
		strings.Repeat("[", 100000),
		`{"events":[` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat("}", 5000) + `]}`,
	}
	for i, in := range inputs {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if _, err := v.DecodeBatch([]byte(in), 0); err != nil {
				details(t, err)
			}
			if _, err := v.DecodeEvent([]byte(in)); err != nil {
				details(t, err)
			}
		})
	}
}

func TestValidator_Concurrent(t *testing.T) {
	v := newValidator(t)
	good := batchOf(eventOf("tool_call", `{"toolName":"t","callId":"c","arguments":{}}`))
	bad := batchOf(eventOf("tool_call", `{}`))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				if _, err := v.DecodeBatch(good, 0); err != nil {
					t.Errorf("goroutine %d: DecodeBatch(good) error = %v", i, err)
					return
				}
				if _, err := v.DecodeBatch(bad, 0); err == nil {
					t.Errorf("goroutine %d: DecodeBatch(bad) error = nil", i)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkDecodeBatch(b *testing.B) {
	v := newValidator(b)
	var raws []string
	for i := range 100 {
		args := fmt.Sprintf(`{"query":"%s","page":%d}`, strings.Repeat("x", 300), i)
		raws = append(raws, fmt.Sprintf(`{"sessionId":"01M2EVBRJ9QB6416XW3ME174W4",`+
			`"agentId":"bench-agent/claude","eventType":"tool_call","severity":"info",`+
			`"timestamp":"2026-02-08T10:00:00.000Z","payload":{"toolName":"search","callId":"c%03d",`+
			`"arguments":%s},"metadata":{"source":"bench"}}`, i, args))
	}
	body := batchOf(raws...)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.DecodeBatch(body, 0); err != nil {
			b.Fatal(err)
		}
	}
}
