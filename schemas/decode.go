package schemas

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// decodeEvent decodes an event's text, which json.Valid accepted and which
// has no surrounding whitespace, into the document the schema library
// checks: exactly what jsonschema.UnmarshalJSON would return, in one pass
// with fewer allocations. When the text is an object it also returns the
// text of its payload and metadata members, matched by exact decoded name
// with the last of repeated names winning, as in the document; nil when
// absent.
func decodeEvent(text []byte) (doc any, payload, metadata []byte) {
	d := decoder{data: text}
	if len(text) == 0 || text[0] != '{' {
		return d.value(), nil, nil
	}
	var m rawMembers
	doc = d.object(&m)
	return doc, m.payload, m.metadata
}

// rawMembers holds the text of an event's payload and metadata members.
type rawMembers struct{ payload, metadata []byte }

// decoder decodes JSON text that json.Valid accepted into the values
// encoding/json decodes into an any with UseNumber: map[string]any, []any,
// string, json.Number, bool and nil. On other text its results mean
// nothing, but it never panics.
type decoder struct {
	data []byte
	i    int // the next byte to read
}

// value decodes the value at or after d.i and moves d.i past it.
func (d *decoder) value() any {
	d.i = skipSpace(d.data, d.i)
	if d.i >= len(d.data) {
		return nil
	}
	switch d.data[d.i] {
	case '{':
		return d.object(nil)
	case '[':
		return d.array()
	case '"':
		return d.string()
	}
	start := d.i
	d.i = skipValue(d.data, d.i)
	switch d.data[start] {
	case 't':
		return true
	case 'f':
		return false
	case 'n':
		return nil
	}
	return json.Number(d.data[start:d.i])
}

// object decodes the object at d.i. When m is not nil it also keeps the
// text of the payload and metadata members in m.
func (d *decoder) object(m *rawMembers) map[string]any {
	obj := make(map[string]any)
	d.i = skipSpace(d.data, d.i+1) // past '{'
	for d.i < len(d.data) && d.data[d.i] == '"' {
		nameStart := d.i
		name := d.string()
		nameTok := d.data[nameStart:d.i]
		d.i = skipSpace(d.data, skipSpace(d.data, d.i)+1) // past ':'
		start := d.i
		obj[name] = d.value()
		if m != nil {
			switch {
			case nameIs(nameTok, "payload"):
				m.payload = d.data[start:d.i]
			case nameIs(nameTok, "metadata"):
				m.metadata = d.data[start:d.i]
			}
		}
		if d.i = skipSpace(d.data, d.i); d.i >= len(d.data) || d.data[d.i] != ',' {
			break
		}
		d.i = skipSpace(d.data, d.i+1)
	}
	d.skip('}')
	return obj
}

// skip moves d.i past the byte c, which ends an object or array.
func (d *decoder) skip(c byte) {
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
	}
}

// array decodes the array at d.i.
func (d *decoder) array() []any {
	a := make([]any, 0)
	d.i = skipSpace(d.data, d.i+1) // past '['
	for d.i < len(d.data) && d.data[d.i] != ']' {
		a = append(a, d.value())
		if d.i = skipSpace(d.data, d.i); d.i >= len(d.data) || d.data[d.i] != ',' {
			break
		}
		d.i = skipSpace(d.data, d.i+1)
	}
	d.skip(']')
	return a
}

// string decodes the string whose opening quote is at d.i. Text without
// escapes that is valid UTF-8 is its own value; anything else is left to
// encoding/json, which replaces invalid UTF-8 and lone surrogates.
func (d *decoder) string() string {
	start := d.i
	d.i = skipString(d.data, d.i)
	tok := d.data[start:d.i]
	if len(tok) < 2 {
		return ""
	}
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(tok, &s)
	return s
}
