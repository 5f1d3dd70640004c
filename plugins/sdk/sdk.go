package sdk

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strconv"

	"github.com/agentlens/agentlens-go/plugins/internal/jsonscan"
)

// Status values of a transform call, as packed into its result (ABI v1).
const (
	StatusOK     = 0 // output is {"payload": ..., "findings"?: [...]}
	StatusReject = 1 // output is the reason
	StatusError  = 2 // output is the message
)

// maxOutput is the largest output the 30-bit length field can carry.
const maxOutput = 1<<30 - 1

// maxMessage caps reject reasons and error messages; the host keeps less.
const maxMessage = 1024

// Event is one event handed to a plugin registered with [Register].
type Event struct {
	EventType string
	SessionID string
	AgentID   string
	// Payload is the event's payload, decoded: objects are map[string]any,
	// arrays []any, numbers float64. The function may change it in place
	// and return it as Result.Payload.
	Payload map[string]any
	// Metadata is the event's metadata, decoded like Payload. Changes to
	// it are ignored: plugins transform payloads only.
	Metadata map[string]any
	// Raw is the payload's canonical (RFC 8785) JSON text, for byte-level
	// scanners. It is only valid during the call.
	Raw []byte
}

// Result is what a plugin registered with [Register] returns for one event.
type Result struct {
	// Payload is the new payload. Nil means unchanged: the input payload
	// is passed on as it was. Values may be any the SDK can encode as
	// JSON: maps, slices, strings, numbers, bools, nil, and anything
	// github.com/go-json-experiment/json can marshal.
	Payload map[string]any
	// Findings describe what was changed; they are recorded with the event
	// when the payload changed.
	Findings []Finding
	// Reject, when not empty, rejects the event (and its whole batch) with
	// this reason. The host shows at most 200 bytes of it.
	Reject string
}

// Finding reports Count items of Type found in the string at Path, a
// JSONPath such as "$.messages[2].content".
type Finding struct {
	Type  string `json:"type"`
	Path  string `json:"path"`
	Count int    `json:"count"`
}

// Func transforms one decoded event. Returning an error fails the event
// (and its batch); the host shows at most 200 bytes of the message.
type Func func(ev Event) (Result, error)

// RawEvent is an event with its payload and metadata left as canonical
// JSON text, for plugins registered with [RegisterRaw]. Its slices are only
// valid during the call.
type RawEvent struct {
	EventType string
	SessionID string
	AgentID   string
	Payload   []byte // canonical JSON object
	Metadata  []byte // canonical JSON object, or empty
}

// RawResult is what a plugin registered with [RegisterRaw] returns.
type RawResult struct {
	// Payload is the JSON text of the new payload object, or nil for
	// unchanged. The host validates and canonicalizes it. The SDK copies
	// it before returning to the host, so the plugin may reuse the buffer.
	Payload []byte
	// Findings and Reject are as in [Result].
	Findings []Finding
	Reject   string
}

// RawFunc transforms one event as JSON text; errors are as for [Func].
type RawFunc func(ev RawEvent) (RawResult, error)

var (
	transformFn RawFunc
	initFn      func(config []byte) error
	stderr      io.Writer = os.Stderr
	// out is the output of the last Handle, reused by the next one.
	out []byte
)

// Register sets the plugin's transform function. Call it from an init
// function of the plugin's main package: in a -buildmode=c-shared module the
// host never runs main.
func Register(fn Func) {
	if fn == nil {
		transformFn = nil
		return
	}
	transformFn = decoded(fn)
}

// RegisterRaw sets a transform function that works on JSON text instead of
// decoded values. It is the fast path: decoding a payload into maps costs
// more than most plugins' own work, since every loop iteration of a guest
// is slowed down by the host's deadline checks. Call it from init, like
// [Register].
func RegisterRaw(fn RawFunc) { transformFn = fn }

// RegisterInit sets a function that receives the plugin's config, the
// [[plugins]] config table as JSON ("{}" when empty), once per instance
// before the first event. An error fails the host's start; its message goes
// to the guest's stderr. Call it from an init function like [Register].
func RegisterInit(fn func(config []byte) error) { initFn = fn }

// Init runs the registered init function on config and returns the ABI
// status: 0 for success, 1 for an error (written to stderr).
func Init(config []byte) (status uint32) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(stderr, "panic in init: %v\n%s", v, debug.Stack())
			status = 1
		}
	}()
	if initFn == nil {
		return 0
	}
	if err := initFn(config); err != nil {
		fmt.Fprintf(stderr, "init: %v\n", err)
		return 1
	}
	return 0
}

// Handle runs the registered function on one transform input and returns
// the ABI status and output exactly as the exported transform does. The
// output is valid until the next call. Plugin authors can call it in native
// tests to check their plugin end to end.
func Handle(in []byte) (status uint32, output []byte) {
	defer func() {
		if v := recover(); v != nil {
			// The panic value may hold event data: it goes to stderr only,
			// which the host discards unless debug output is on.
			fmt.Fprintf(stderr, "panic in transform: %v\n%s", v, debug.Stack())
			status, output = message(StatusError, "panic in transform")
		}
	}()
	if transformFn == nil {
		return message(StatusError, "no transform function registered")
	}
	ev, err := parseInput(in)
	if err != nil {
		return message(StatusError, "decode input: "+err.Error())
	}
	res, err := transformFn(ev)
	switch {
	case err != nil:
		return message(StatusError, err.Error())
	case res.Reject != "":
		return message(StatusReject, res.Reject)
	}
	payload := res.Payload
	if payload == nil {
		payload = ev.Payload
	}
	out = append(out[:0], `{"payload":`...)
	out = append(out, payload...)
	if len(res.Findings) > 0 {
		out = append(out, `,"findings":`...)
		out = appendFindings(out, res.Findings)
	}
	out = append(out, '}')
	if len(out) > maxOutput {
		return message(StatusError, "output too large")
	}
	return StatusOK, out
}

// message returns status with a capped reason or error message as output.
func message(status uint32, s string) (uint32, []byte) {
	if len(s) > maxMessage {
		s = s[:maxMessage]
	}
	out = append(out[:0], s...)
	return status, out
}

func appendFindings(b []byte, fs []Finding) []byte {
	b = append(b, '[')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":`...)
		b = jsonscan.AppendString(b, f.Type)
		b = append(b, `,"path":`...)
		b = jsonscan.AppendString(b, f.Path)
		b = append(b, `,"count":`...)
		b = strconv.AppendInt(b, int64(f.Count), 10)
		b = append(b, '}')
	}
	return append(b, ']')
}
