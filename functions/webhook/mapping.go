package webhook

import (
	"encoding/json"
	"fmt"

	"github.com/agentlens/agentlens-go/api"
)

// envelope is a delivery: {"source","event","data","timestamp"?,"context"?}.
type envelope struct {
	Source    string
	Event     string
	Data      map[string]json.RawMessage
	Timestamp string
	Context   struct {
		SessionID string
		AgentID   string
	}
}

func decodeEnvelope(body []byte) (envelope, error) {
	bad := api.BadRequest(`The delivery must be {"source", "event", "data": {...}, ` +
		`"timestamp"?: string, "context"?: {"agentlens_session_id"?, "agentlens_agent_id"?}}.`)

	// Members are matched by their exact names. encoding/json would also
	// fill "source" from "SOURCE" or "ſource", letting a delivery authenticated
	// as one source be mapped as another.
	var env envelope
	var members, context map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return env, bad
	}
	if raw, ok := members["context"]; ok {
		if err := json.Unmarshal(raw, &context); err != nil {
			return env, bad
		}
	}
	for _, f := range []struct {
		from map[string]json.RawMessage
		name string
		into any
	}{
		{members, "source", &env.Source},
		{members, "event", &env.Event},
		{members, "data", &env.Data},
		{members, "timestamp", &env.Timestamp},
		{context, "agentlens_session_id", &env.Context.SessionID},
		{context, "agentlens_agent_id", &env.Context.AgentID},
	} {
		if raw, ok := f.from[f.name]; ok {
			if err := json.Unmarshal(raw, f.into); err != nil {
				return env, bad
			}
		}
	}
	if env.Event == "" {
		return env, api.BadRequest(`The delivery has no "event".`)
	}
	if env.Data == nil {
		return env, api.BadRequest(`The delivery has no "data" object.`)
	}
	return env, nil
}

// draft is the event a delivery maps to, before validation.
type draft struct {
	eventType string
	objectKey string // data member naming the source object, for the default session
	fields    []string
}

// mapping turns a delivery into its draft, or refuses it.
type mapping func(env envelope) (draft, error)

var mappings = map[string]mapping{
	"agentgate": byEvent(map[string]draft{
		"request.created":  {"approval_requested", "requestId", []string{"requestId", "action", "params", "urgency"}},
		"request.approved": {"approval_granted", "requestId", decisionFields},
		"request.denied":   {"approval_denied", "requestId", decisionFields},
		"request.expired":  {"approval_expired", "requestId", decisionFields},
	}),
	"formbridge": byEvent(map[string]draft{
		"submission.created":   {"form_submitted", "submissionId", []string{"submissionId", "formId", "formName", "fieldCount"}},
		"submission.completed": {"form_completed", "submissionId", []string{"submissionId", "formId", "completedBy", "durationMs"}},
		"submission.expired":   {"form_expired", "submissionId", []string{"submissionId", "formId", "expiredAfterMs"}},
	}),
	"generic": func(env envelope) (draft, error) {
		var eventType string
		if err := json.Unmarshal(env.Data["eventType"], &eventType); err != nil || eventType == "" {
			return draft{}, api.BadRequest(`A generic delivery names its event type in data.eventType.`)
		}
		return draft{eventType: eventType}, nil
	},
}

var decisionFields = []string{"requestId", "action", "decidedBy", "reason"}

func byEvent(table map[string]draft) mapping {
	return func(env envelope) (draft, error) {
		d, ok := table[env.Event]
		if !ok {
			return draft{}, api.BadRequest(fmt.Sprintf("Unknown %s event %q.", env.Source, clip(env.Event)))
		}
		return d, nil
	}
}

// json builds the wire form of the event: the mapped data members (for
// generic, all of data but eventType) as payload, the session and agent
// from the delivery's context or its defaults, and the delivery's
// timestamp.
func (d draft) json(env envelope) ([]byte, error) {
	payload := map[string]json.RawMessage{}
	if d.fields == nil {
		for k, v := range env.Data {
			if k != "eventType" {
				payload[k] = v
			}
		}
	}
	for _, f := range d.fields {
		if v, ok := env.Data[f]; ok {
			payload[f] = v
		}
	}

	session := env.Context.SessionID
	if session == "" {
		var object string
		if d.objectKey != "" {
			_ = json.Unmarshal(env.Data[d.objectKey], &object)
		} else {
			object = env.Event
		}
		if object == "" {
			return nil, api.BadRequest(fmt.Sprintf(
				"The delivery has no context.agentlens_session_id and no data.%s to name its session.", d.objectKey))
		}
		session = env.Source + ":" + object
	}
	agent := env.Context.AgentID
	if agent == "" {
		agent = env.Source
	}

	event := map[string]any{
		"sessionId": session,
		"agentId":   agent,
		"eventType": d.eventType,
		"payload":   payload,
		"metadata":  map[string]any{"webhook": map[string]string{"source": env.Source, "event": env.Event}},
	}
	if env.Timestamp != "" {
		event["timestamp"] = env.Timestamp
	}
	return json.Marshal(event)
}
