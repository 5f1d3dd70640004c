// Package schemas holds the JSON Schemas of the event wire format and checks
// submitted events against them.
//
// The schemas are embedded in the binary (draft 2020-12):
//
//   - event.json: one event as a client posts it. sessionId, agentId,
//     eventType and payload (an object) are required; severity, timestamp
//     and metadata are optional. eventType is one of DESIGN.md's 18 types,
//     each with its required payload fields, or one of 8 newer SDK types
//     (error, eval_result, human_score, feedback, skill_activated,
//     retrieval, embedding, chain_step) that accept any object payload.
//   - batch.json: the body of POST /api/events, {"events": [...]} with 1 to
//     1000 events.
//
// A [Validator] compiles them once; [Validator.DecodeBatch] and
// [Validator.DecodeEvent] validate and decode, and report every failure as
// an [*Error] whose details locate each problem, e.g.
// `events[3].payload: missing required field "toolName"`.
//
// The package does not parse timestamps, apply defaults, canonicalise, or
// check duplicate keys, UTF-8 validity or number ranges: the ingest pipeline
// does those in other steps. It never logs and never does I/O.
//
// # Design notes
//
// Unknown members are allowed everywhere, at the top level (clients send
// id, receivedAt or keyId, which the server ignores and sets itself) and in
// payloads, so that newer SDKs keep working. Values that real SDKs send in
// several shapes are not typed: tool_response.result, tool_error.error,
// approval_requested.params, alert_triggered.condition and custom.data
// accept any JSON value. llm_response.completion is a string or null, as the
// TypeScript SDKs send null when a model answers only with tool calls.
//
// JSON Schema's maxLength counts characters, but sessionId and agentId are
// limited to 256 bytes of UTF-8 without control characters (U+0000 to
// U+001F, U+007F), so the Go code checks those limits after the schema.
//
// The batch schema publishes the 1000-event limit; the Go code checks the
// envelope itself with the caller's limit, then validates each event on its
// own so that one response lists the problems of every event, up to 20.
//
// Ingest spends much of its time here, so the hot path avoids work the
// result does not need. After one json.Valid pass over the body, the batch
// is split by walking the text (scan.go). Each event is decoded in one pass
// (decode.go) into the document jsonschema.UnmarshalJSON would give, the
// text of payload and metadata kept from the same pass, members matched by
// their exact decoded names. Checking every event against all 16 if/then
// payload rules of event.json cost most of the time, so New also derives
// from event.json, for each event type, the schema narrowed to it
// (bytype.go): the rules whose if can only fail for that type left out. An
// event of a known type is checked against its narrowed schema, which
// accepts exactly what the whole one does; one it refuses is checked again
// against the whole schema, so that problems read as they always have. The
// tests compare each narrowed schema with the whole one
// (FuzzFastPathAgreesWithSchema), the decoder with the library's
// (FuzzDecoderAgreesWithUnmarshalJSON), and DecodeBatch and DecodeEvent with
// the plain code they replaced (reference_test.go).
package schemas
