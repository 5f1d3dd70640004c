package schemas

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// DefaultMaxEvents is the largest batch DESIGN.md allows, and the limit
// [Validator.DecodeBatch] applies when it is given no positive maximum.
const DefaultMaxEvents = 1000

const (
	// baseURL is where the schemas' $id values point. It only names them:
	// nothing is ever fetched from it.
	baseURL = "https://github.com/agentlens/agentlens-go/schemas/"

	// DefaultMaxIDBytes bounds sessionId and agentId in bytes of UTF-8
	// unless [Validator.WithMaxIDBytes] says otherwise.
	DefaultMaxIDBytes = 256

	// maxDetails bounds the problems one *Error lists.
	maxDetails = 20
)

//go:embed event.json batch.json bundle.json
var files embed.FS

// Event is one event as submitted, after validation. Its strings are the
// decoded JSON strings; Payload and Metadata are the exact bytes the client
// sent for those members, not re-encoded, so canonicalisation downstream sees
// what the client wrote.
type Event struct {
	// SessionID is 1 to 256 bytes of UTF-8 without control characters.
	SessionID string
	// AgentID is 1 to 256 bytes of UTF-8 without control characters.
	AgentID string
	// EventType is one of the 26 accepted types.
	EventType string
	// Severity is one of debug, info, warn, error, critical, or "" when
	// absent (the caller applies the default, info).
	Severity string
	// Timestamp is the client's text, "" when absent. It is not parsed here.
	Timestamp string
	// Payload is the payload object's raw bytes as sent.
	Payload json.RawMessage
	// Metadata is the metadata object's raw bytes as sent, nil when absent.
	Metadata json.RawMessage
}

// Validator holds the compiled embedded schemas. It is safe for concurrent
// use; build one with [New] at startup and share it.
type Validator struct {
	event *jsonschema.Schema
	// byType holds event.json narrowed to each event type; see bytype.go.
	byType     map[string]*jsonschema.Schema
	bundle     *jsonschema.Schema
	maxIDBytes int
}

// New compiles the embedded schemas. An error means the binary was built
// with a broken schema file: it is a programmer error, and the caller should
// refuse to start.
func New() (*Validator, error) {
	c, err := newCompiler()
	if err != nil {
		return nil, err
	}
	compiled, err := compileAll(c, "event.json", "batch.json", "bundle.json")
	if err != nil {
		return nil, err
	}
	byType, err := compileNarrowed(c)
	if err != nil {
		return nil, err
	}
	return &Validator{
		event:      compiled[0],
		byType:     byType,
		bundle:     compiled[2],
		maxIDBytes: DefaultMaxIDBytes,
	}, nil
}

// WithMaxIDBytes returns a copy of v that bounds sessionId and agentId to n
// bytes of UTF-8 instead of [DefaultMaxIDBytes].
func (v *Validator) WithMaxIDBytes(n int) *Validator {
	c := *v
	c.maxIDBytes = n
	return &c
}

// compile compiles the named embedded schemas, which may refer to each
// other. The batch schema is compiled only to prove the published file is
// valid and its reference resolves; events are validated one by one.
func compile(names ...string) ([]*jsonschema.Schema, error) {
	c, err := newCompiler()
	if err != nil {
		return nil, err
	}
	return compileAll(c, names...)
}

// schemaFiles are the embedded schema files.
var schemaFiles = []string{"event.json", "batch.json", "bundle.json"}

// newCompiler returns a compiler that knows every embedded schema.
func newCompiler() (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	for _, name := range schemaFiles {
		doc, err := readSchema(name)
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(baseURL+name, doc); err != nil {
			return nil, fmt.Errorf("add schema %s: %w", name, err)
		}
	}
	return c, nil
}

// readSchema parses the embedded schema file name.
func readSchema(name string) (any, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read schema %s: %w", name, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("parse schema %s: %w", name, err)
	}
	return doc, nil
}

// compileAll compiles the named schemas with c.
func compileAll(c *jsonschema.Compiler, names ...string) ([]*jsonschema.Schema, error) {
	compiled := make([]*jsonschema.Schema, len(names))
	for i, name := range names {
		var err error
		if compiled[i], err = c.Compile(baseURL + name); err != nil {
			return nil, fmt.Errorf("compile schema %s: %w", name, err)
		}
	}
	return compiled, nil
}

// ValidateBundle checks an export bundle against the published bundle
// schema; it returns an [*Error] listing the problems.
func (v *Validator) ValidateBundle(doc []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return &Error{Message: "the bundle is not valid JSON"}
	}
	if err := v.bundle.Validate(inst); err != nil {
		return &Error{Message: "the bundle does not match schemas/bundle.json", Details: []string{err.Error()}}
	}
	return nil
}

// DecodeBatch checks that body is {"events": [...]} holding 1 to maxEvents
// events, validates each event, and returns them in input order. A maxEvents
// below 1 means [DefaultMaxEvents]. Other top-level members of body are
// ignored.
//
// Every failure is an [*Error] (the caller answers 400 with it): body that is
// not JSON, an envelope without an "events" array, a count outside the
// limit, or invalid events. For invalid events the Error lists the problems
// of all of them, each located like `events[3].payload: missing required
// field "toolName"`, up to 20 problems. No events are returned unless all
// are valid.
//
// DecodeBatch does not check duplicate keys, UTF-8 validity or number
// ranges; callers run a strict syntax pass first. It never panics on any
// input.
func (v *Validator) DecodeBatch(body []byte, maxEvents int) ([]Event, error) {
	if maxEvents < 1 {
		maxEvents = DefaultMaxEvents
	}
	raws, err := splitBatch(body)
	if err != nil {
		return nil, err
	}
	if len(raws) == 0 || len(raws) > maxEvents {
		return nil, &Error{
			Message: fmt.Sprintf("a batch holds 1 to %d events; got %d", maxEvents, len(raws)),
		}
	}

	// Validate every event so one response names all the problems.
	events := make([]Event, len(raws))
	var details []string
	invalid, problems := 0, 0
	for i, raw := range raws {
		ev, probs := v.decode(raw, i)
		if len(probs) > 0 {
			invalid++
			problems += len(probs)
			for _, p := range probs {
				if len(details) < maxDetails {
					details = append(details, p)
				}
			}
			continue
		}
		events[i] = ev
	}
	if invalid > 0 {
		msg := fmt.Sprintf("%d of %d events in the batch are invalid", invalid, len(raws))
		if problems > len(details) {
			msg += fmt.Sprintf("; the first %d of %d problems are listed", len(details), problems)
		}
		return nil, &Error{Message: msg, Details: details}
	}
	own(events)
	return events, nil
}

// DecodeEvent validates and decodes one event object. Webhooks use it for
// the events they build server-side. Problems are located from the event,
// like `event.payload: missing required field "toolName"`. Every failure is
// an [*Error]; it never panics on any input.
func (v *Validator) DecodeEvent(raw []byte) (Event, error) {
	if !json.Valid(raw) {
		return Event{}, &Error{Message: "the event is not valid JSON"}
	}
	ev, probs := v.decode(bytes.Trim(raw, " \t\r\n"), -1)
	if len(probs) > 0 {
		msg := "the event is invalid"
		if len(probs) > maxDetails {
			msg += fmt.Sprintf("; the first %d of %d problems are listed", maxDetails, len(probs))
			probs = probs[:maxDetails]
		}
		return Event{}, &Error{Message: msg, Details: probs}
	}
	events := []Event{ev}
	own(events)
	return events[0], nil
}

// splitBatch returns the text of each element of body's "events" array, in
// body's memory.
func splitBatch(body []byte) ([][]byte, error) {
	if !json.Valid(body) {
		var syntax *json.SyntaxError
		if err := json.Unmarshal(body, new(any)); errors.As(err, &syntax) {
			return nil, &Error{
				Message: "request body is not valid JSON",
				Details: []string{fmt.Sprintf("at byte %d: %s", syntax.Offset, syntax.Error())},
			}
		}
		// Unreachable: json.Valid and json.Unmarshal share one syntax
		// check.
		return nil, &Error{Message: "request body is not valid JSON"}
	}
	start := skipSpace(body, 0)
	text := body[start:skipValue(body, start)]
	if jsonKind(text) != "object" {
		return nil, envelopeError("got " + withArticle(jsonKind(text)))
	}
	// Look the member up by its exact name, as a decoded map would:
	// "Events" or "EVENTS" is not it.
	list, ok := member(text, "events")
	if !ok {
		return nil, envelopeError(`missing required field "events"`)
	}
	if jsonKind(list) != "array" {
		return nil, envelopeError("events: must be an array, not " + withArticle(jsonKind(list)))
	}
	var raws [][]byte
	for item := range items(list) {
		raws = append(raws, item)
	}
	return raws, nil
}

// jsonKind names the JSON type of a valid JSON text from its first byte.
func jsonKind(text []byte) string {
	text = bytes.TrimLeft(text, " \t\r\n")
	if len(text) == 0 {
		return "nothing"
	}
	switch text[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

// envelopeError reports a body that is JSON but not {"events": [...]}.
func envelopeError(detail string) *Error {
	return &Error{
		Message: `request body must be an object with an "events" array`,
		Details: []string{detail},
	}
}

// where locates the event at index i of a batch in a detail, or the event
// of DecodeEvent when i is negative.
func where(i int) string {
	if i < 0 {
		return "event"
	}
	return "events[" + strconv.Itoa(i) + "]"
}

// decode validates one event, the valid JSON text raw without surrounding
// whitespace, and decodes it. It returns the problems found, each prefixed
// with [where](i): an empty list means ev is valid. ev's Payload and
// Metadata are in raw's memory.
func (v *Validator) decode(raw []byte, i int) (Event, []string) {
	doc, payload, metadata := decodeEvent(raw)

	// Schema problems first, then the byte-level rules on the ids, which
	// JSON Schema cannot express.
	var probs []problem
	if err := v.validate(doc); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return Event{}, []string{where(i) + ": " + err.Error()}
		}
		probs = leaves(verr, probs)
	}
	obj, _ := doc.(map[string]any)
	for _, field := range [...]string{"sessionId", "agentId"} {
		s, ok := obj[field].(string)
		if !ok || hasProblemAt(probs, field) {
			continue
		}
		if msg := checkID(s, v.maxIDBytes); msg != "" {
			probs = append(probs, problem{loc: []string{field}, msg: msg})
		}
	}
	if len(probs) > 0 {
		return Event{}, render(where(i), doc, probs)
	}

	ev := Event{
		SessionID: obj["sessionId"].(string),
		AgentID:   obj["agentId"].(string),
		EventType: obj["eventType"].(string),
		Payload:   payload,
		Metadata:  metadata,
	}
	ev.Severity, _ = obj["severity"].(string)
	ev.Timestamp, _ = obj["timestamp"].(string)
	return ev, nil
}

// validate checks an event's decoded document against event.json, narrowed
// to the event's type when it has a known one.
func (v *Validator) validate(doc any) error {
	obj, _ := doc.(map[string]any)
	if typ, ok := obj["eventType"].(string); ok {
		if narrowed := v.byType[typ]; narrowed != nil && narrowed.Validate(doc) == nil {
			return nil
		}
		// The narrowed schema refuses what the whole one refuses; the
		// whole one is checked again so that the problems read exactly
		// as they always have.
	}
	return v.event.Validate(doc)
}

// own gives the events' Payload and Metadata, which point into the
// caller's text, memory of their own: one block for all of them.
func own(events []Event) {
	n := 0
	for _, ev := range events {
		n += len(ev.Payload) + len(ev.Metadata)
	}
	block := make([]byte, 0, n)
	clone := func(text json.RawMessage) json.RawMessage {
		if text == nil {
			return nil
		}
		start := len(block)
		block = append(block, text...)
		return block[start:len(block):len(block)]
	}
	for i := range events {
		events[i].Payload = clone(events[i].Payload)
		events[i].Metadata = clone(events[i].Metadata)
	}
}

// checkID applies the limits of sessionId and agentId, returning what is
// wrong or "".
func checkID(s string, maxBytes int) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > maxBytes {
		return fmt.Sprintf("must be at most %d bytes of UTF-8; got %d", maxBytes, len(s))
	}
	// C0, DEL and the C1 range (U+0080-U+009F, which some terminals obey
	// as escapes) are all refused.
	for i, r := range s {
		if unicode.IsControl(r) {
			return fmt.Sprintf("must not contain control characters; found U+%04X at byte %d", r, i)
		}
	}
	return ""
}

// hasProblemAt reports whether probs already has a problem at the top-level
// member field.
func hasProblemAt(probs []problem, field string) bool {
	return slices.ContainsFunc(probs, func(p problem) bool {
		return len(p.loc) == 1 && p.loc[0] == field
	})
}

// render turns problems into details sorted by location, so an object's own
// problems come before its members', without duplicates.
func render(where string, doc any, probs []problem) []string {
	type detail struct{ path, msg string }
	ds := make([]detail, len(probs))
	for i, p := range probs {
		ds[i] = detail{path(where, doc, p.loc), p.msg}
	}
	slices.SortFunc(ds, func(a, b detail) int {
		return cmp.Or(strings.Compare(a.path, b.path), strings.Compare(a.msg, b.msg))
	})
	ds = slices.Compact(ds)
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.path + ": " + d.msg
	}
	return out
}

// Error is every validation failure. The host answers it with 400 and
// DESIGN.md's error body: Message as "error", Details as "details".
type Error struct {
	// Message is one sentence for a person, e.g. "a batch holds 1 to 1000
	// events; got 1001".
	Message string
	// Details lists each problem with its location, e.g.
	// `events[3].payload: missing required field "toolName"`. It may be
	// empty.
	Details []string
}

// Error returns Message followed by the details.
func (e *Error) Error() string {
	if len(e.Details) == 0 {
		return e.Message
	}
	return e.Message + ": " + strings.Join(e.Details, "; ")
}
