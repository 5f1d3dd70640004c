package sdk

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/go-json-experiment/json"

	"github.com/agentlens/agentlens-go/plugins/internal/jsonscan"
)

// parseInput splits the transform input {"agentId", "eventType",
// "metadata", "payload", "sessionId"} without decoding the payload.
func parseInput(in []byte) (RawEvent, error) {
	if ev, ok := parseCanonicalInput(in); ok {
		return ev, nil
	}
	return parseAnyInput(in)
}

// parseCanonicalInput reads the input in the exact form the host writes
// (canonical JSON, members in sorted order), finding the payload's end from
// the back so its text is never walked. It reports false for anything else.
func parseCanonicalInput(in []byte) (RawEvent, bool) {
	var ev RawEvent
	rest, ok := in, true
	next := func(name string) {
		n := 1 + len(name) + 3 // the '{' or ',', then "name":
		if ok = ok && len(rest) > n && (rest[0] == '{' || rest[0] == ',') &&
			string(rest[2:n-2]) == name && string(rest[n-2:n]) == `":` && rest[1] == '"'; ok {
			rest = rest[n:]
		}
	}
	str := func() (s string) {
		end, _ := jsonscan.StringEnd(rest, 0)
		if ok = ok && len(rest) > 0 && rest[0] == '"' && end > 0; ok {
			var err error
			s, err = stringValue(rest[:end])
			ok = err == nil
			rest = rest[end:]
		}
		return s
	}
	next("agentId")
	ev.AgentID = str()
	next("eventType")
	ev.EventType = str()
	next("metadata")
	if !ok {
		return ev, false
	}
	end, err := jsonscan.ValueEnd(rest, 0)
	if err != nil {
		return ev, false
	}
	ev.Metadata, rest = rest[:end], rest[end:]
	next("payload")
	// The input ends with ,"sessionId":"...", whose opening quote is the
	// last unescaped quote before the closing one.
	q := lastQuote(rest, len(rest)-2)
	const tail = `,"sessionId":`
	if !ok || q < len(tail) || rest[len(rest)-1] != '}' || string(rest[q-len(tail):q]) != tail {
		return ev, false
	}
	ev.Payload = rest[:q-len(tail)]
	rest = rest[q : len(rest)-1]
	if ev.SessionID = str(); !ok || len(rest) != 0 {
		return ev, false
	}
	if len(ev.Payload) < 2 || ev.Payload[0] != '{' || ev.Payload[len(ev.Payload)-1] != '}' {
		return ev, false
	}
	return ev, true
}

// lastQuote returns the index of the last unescaped '"' before b[end], or
// -1. b[end] must be the closing quote of a string.
func lastQuote(b []byte, end int) int {
	if end < 0 || end >= len(b) || b[end] != '"' {
		return -1
	}
	for i := end - 1; i >= 0; i-- {
		if b[i] != '"' {
			continue
		}
		n := 0 // backslashes before the quote
		for i-n-1 >= 0 && b[i-n-1] == '\\' {
			n++
		}
		if n%2 == 0 {
			return i
		}
	}
	return -1
}

// parseAnyInput reads the input's members in any order.
func parseAnyInput(in []byte) (RawEvent, error) {
	var ev RawEvent
	if len(in) < 2 || in[0] != '{' {
		return ev, jsonscan.ErrSyntax
	}
	for i := 1; ; {
		if i >= len(in) || in[i] != '"' {
			return ev, jsonscan.ErrSyntax
		}
		kend, _ := jsonscan.StringEnd(in, i)
		if kend < 0 || kend >= len(in) || in[kend] != ':' {
			return ev, jsonscan.ErrSyntax
		}
		vend, err := jsonscan.ValueEnd(in, kend+1)
		if err != nil {
			return ev, err
		}
		val := in[kend+1 : vend]
		switch string(in[i+1 : kend-1]) {
		case "eventType":
			ev.EventType, err = stringValue(val)
		case "sessionId":
			ev.SessionID, err = stringValue(val)
		case "agentId":
			ev.AgentID, err = stringValue(val)
		case "payload":
			ev.Payload = val
		case "metadata":
			ev.Metadata = val
		}
		if err != nil {
			return ev, err
		}
		if vend >= len(in) {
			return ev, jsonscan.ErrSyntax
		}
		if in[vend] == '}' && vend == len(in)-1 {
			break
		}
		if in[vend] != ',' {
			return ev, jsonscan.ErrSyntax
		}
		i = vend + 1
	}
	if len(ev.Payload) == 0 || ev.Payload[0] != '{' {
		return ev, errors.New("payload is not an object")
	}
	return ev, nil
}

// stringValue decodes a JSON string value.
func stringValue(val []byte) (string, error) {
	if len(val) < 2 || val[0] != '"' {
		return "", jsonscan.ErrSyntax
	}
	body := val[1 : len(val)-1]
	for _, c := range body {
		if c == '\\' {
			b, err := jsonscan.Unescape(nil, body)
			return string(b), err
		}
	}
	return string(body), nil
}

// decoded adapts a Func to the raw interface: it decodes the payload and
// metadata into Go values and encodes the result.
func decoded(fn Func) RawFunc {
	var buf []byte
	return func(raw RawEvent) (RawResult, error) {
		ev := Event{EventType: raw.EventType, SessionID: raw.SessionID, AgentID: raw.AgentID, Raw: raw.Payload}
		var err error
		if ev.Payload, err = decodeObject(raw.Payload); err != nil {
			return RawResult{}, fmt.Errorf("decode payload: %w", err)
		}
		if len(raw.Metadata) > 0 {
			if ev.Metadata, err = decodeObject(raw.Metadata); err != nil {
				return RawResult{}, fmt.Errorf("decode metadata: %w", err)
			}
		}
		res, err := fn(ev)
		if err != nil || res.Reject != "" || res.Payload == nil {
			return RawResult{Findings: res.Findings, Reject: res.Reject}, err
		}
		if buf, err = appendValue(buf[:0], res.Payload); err != nil {
			return RawResult{}, fmt.Errorf("encode payload: %w", err)
		}
		return RawResult{Payload: buf, Findings: res.Findings}, nil
	}
}

// decodeObject decodes canonical JSON text holding an object.
func decodeObject(b []byte) (map[string]any, error) {
	v, end, err := decodeValue(b, 0)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok || end != len(b) {
		return nil, jsonscan.ErrSyntax
	}
	return m, nil
}

// decodeValue decodes the canonical JSON value at b[i] and returns it with
// the index after it.
func decodeValue(b []byte, i int) (any, int, error) {
	if i >= len(b) {
		return nil, i, jsonscan.ErrSyntax
	}
	switch b[i] {
	case '{':
		m := make(map[string]any)
		i++
		if i < len(b) && b[i] == '}' {
			return m, i + 1, nil
		}
		for i < len(b) {
			end, _ := jsonscan.StringEnd(b, i)
			if b[i] != '"' || end < 0 || end >= len(b) || b[end] != ':' {
				return nil, i, jsonscan.ErrSyntax
			}
			key, err := stringValue(b[i:end])
			if err != nil {
				return nil, i, err
			}
			var v any
			if v, i, err = decodeValue(b, end+1); err != nil {
				return nil, i, err
			}
			m[key] = v
			if i < len(b) && b[i] == '}' {
				return m, i + 1, nil
			}
			if i >= len(b) || b[i] != ',' {
				return nil, i, jsonscan.ErrSyntax
			}
			i++
		}
		return nil, i, jsonscan.ErrSyntax
	case '[':
		a := []any{}
		i++
		if i < len(b) && b[i] == ']' {
			return a, i + 1, nil
		}
		for i < len(b) {
			v, next, err := decodeValue(b, i)
			if err != nil {
				return nil, next, err
			}
			a = append(a, v)
			i = next
			if i < len(b) && b[i] == ']' {
				return a, i + 1, nil
			}
			if i >= len(b) || b[i] != ',' {
				return nil, i, jsonscan.ErrSyntax
			}
			i++
		}
		return nil, i, jsonscan.ErrSyntax
	case '"':
		end, _ := jsonscan.StringEnd(b, i)
		if end < 0 {
			return nil, i, jsonscan.ErrSyntax
		}
		s, err := stringValue(b[i:end])
		return s, end, err
	}
	end := jsonscan.ScalarEnd(b, i)
	switch lit := string(b[i:end]); lit {
	case "true":
		return true, end, nil
	case "false":
		return false, end, nil
	case "null":
		return nil, end, nil
	default:
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return nil, i, jsonscan.ErrSyntax
		}
		return f, end, nil
	}
}

// appendValue encodes v as JSON. Common types are written directly; others
// go through github.com/go-json-experiment/json.
func appendValue(b []byte, v any) ([]byte, error) {
	var err error
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case string:
		return jsonscan.AppendString(b, v), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return b, fmt.Errorf("number %v has no JSON form", v)
		}
		return strconv.AppendFloat(b, v, 'g', -1, 64), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case map[string]any:
		// Sorted keys make the output deterministic, for plugin tests; the
		// host canonicalizes it anyway.
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonscan.AppendString(b, k)
			b = append(b, ':')
			if b, err = appendValue(b, v[k]); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendValue(b, e); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	enc, err := json.Marshal(v)
	if err != nil {
		return b, err
	}
	return append(b, enc...), nil
}
