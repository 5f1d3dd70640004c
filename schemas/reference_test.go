package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The reference decoder is how DecodeBatch and DecodeEvent worked before
// they were made fast: every event decoded twice with encoding/json and
// checked against the whole of event.json. The fuzz targets check that the
// fast code answers exactly as it does, events and errors alike.

// referenceDecodeBatch is DecodeBatch as the reference decoder does it.
func referenceDecodeBatch(v *Validator, body []byte, maxEvents int) ([]Event, error) {
	if maxEvents < 1 {
		maxEvents = DefaultMaxEvents
	}
	raws, err := referenceSplitBatch(body)
	if err != nil {
		return nil, err
	}
	if len(raws) == 0 || len(raws) > maxEvents {
		return nil, &Error{
			Message: fmt.Sprintf("a batch holds 1 to %d events; got %d", maxEvents, len(raws)),
		}
	}
	events := make([]Event, len(raws))
	var details []string
	invalid, problems := 0, 0
	for i, raw := range raws {
		ev, probs := referenceDecode(v, raw, fmt.Sprintf("events[%d]", i))
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
	return events, nil
}

// referenceDecodeEvent is DecodeEvent as the reference decoder does it.
func referenceDecodeEvent(v *Validator, raw []byte) (Event, error) {
	if !json.Valid(raw) {
		return Event{}, &Error{Message: "the event is not valid JSON"}
	}
	ev, probs := referenceDecode(v, raw, "event")
	if len(probs) > 0 {
		msg := "the event is invalid"
		if len(probs) > maxDetails {
			msg += fmt.Sprintf("; the first %d of %d problems are listed", maxDetails, len(probs))
			probs = probs[:maxDetails]
		}
		return Event{}, &Error{Message: msg, Details: probs}
	}
	return ev, nil
}

func referenceSplitBatch(body []byte) ([]json.RawMessage, error) {
	var envelope map[string]json.RawMessage
	if err := json.Unmarshal(body, &envelope); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, &Error{
				Message: "request body is not valid JSON",
				Details: []string{fmt.Sprintf("at byte %d: %s", syntax.Offset, syntax.Error())},
			}
		}
		return nil, envelopeError("got " + withArticle(jsonKind(body)))
	}
	if envelope == nil {
		return nil, envelopeError("got null")
	}
	list, ok := envelope["events"]
	if !ok {
		return nil, envelopeError(`missing required field "events"`)
	}
	var raws []json.RawMessage
	if jsonKind(list) != "array" || json.Unmarshal(list, &raws) != nil {
		return nil, envelopeError("events: must be an array, not " + withArticle(jsonKind(list)))
	}
	return raws, nil
}

func referenceDecode(v *Validator, raw []byte, where string) (Event, []string) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return Event{}, []string{where + ": not valid JSON"}
	}
	var probs []problem
	if err := v.event.Validate(doc); err != nil {
		var verr *jsonschema.ValidationError
		if !errors.As(err, &verr) {
			return Event{}, []string{where + ": " + err.Error()}
		}
		probs = leaves(verr, probs)
	}
	obj, _ := doc.(map[string]any)
	for _, field := range []string{"sessionId", "agentId"} {
		s, ok := obj[field].(string)
		if !ok || hasProblemAt(probs, field) {
			continue
		}
		if msg := checkID(s, v.maxIDBytes); msg != "" {
			probs = append(probs, problem{loc: []string{field}, msg: msg})
		}
	}
	if len(probs) > 0 {
		return Event{}, render(where, doc, probs)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return Event{}, []string{where + ": not valid JSON"}
	}
	ev := Event{
		SessionID: obj["sessionId"].(string),
		AgentID:   obj["agentId"].(string),
		EventType: obj["eventType"].(string),
		Payload:   members["payload"],
		Metadata:  members["metadata"],
	}
	ev.Severity, _ = obj["severity"].(string)
	ev.Timestamp, _ = obj["timestamp"].(string)
	return ev, nil
}

// sameResult reports how DecodeBatch's answer events, err differs from the
// reference decoder's, or "" when they are the same.
func sameResult(events []Event, err error, wantEvents []Event, wantErr error) string {
	if (err == nil) != (wantErr == nil) {
		return fmt.Sprintf("error %v, want %v", err, wantErr)
	}
	if err != nil {
		var got, want *Error
		if !errors.As(err, &got) || !errors.As(wantErr, &want) {
			return fmt.Sprintf("error %#v, want %#v", err, wantErr)
		}
		if got.Message != want.Message || !slices.Equal(got.Details, want.Details) {
			return fmt.Sprintf("error %q %q, want %q %q",
				got.Message, got.Details, want.Message, want.Details)
		}
	}
	if (events == nil) != (wantEvents == nil) || len(events) != len(wantEvents) {
		return fmt.Sprintf("%d events (nil %t), want %d (nil %t)",
			len(events), events == nil, len(wantEvents), wantEvents == nil)
	}
	for i := range events {
		if !sameEvent(events[i], wantEvents[i]) {
			return fmt.Sprintf("events[%d] = %+v, want %+v", i, events[i], wantEvents[i])
		}
	}
	return ""
}
