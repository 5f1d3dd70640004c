package pii

import (
	"slices"
	"strconv"
)

// Finding says how many items of one type were replaced in the string at
// Path, a JSONPath such as "$.messages[2].content".
type Finding struct {
	Type  string
	Path  string
	Count int
}

// Value redacts every string inside v, a JSON value decoded into Go values
// (map[string]any, []any, string, numbers, bool, nil). Maps and slices are
// changed in place; object keys are never changed. It returns the new value
// and one Finding per type and path, in the order of a walk that visits
// object members sorted by key, so equal input gives equal findings.
func (r *Redactor) Value(v any) (any, []Finding) {
	w := walker{r: r, path: make([]byte, 1, 64)}
	w.path[0] = '$'
	return w.value(v), w.findings
}

type walker struct {
	r        *Redactor
	path     []byte
	findings []Finding
	keys     []string
}

func (w *walker) value(v any) any {
	switch v := v.(type) {
	case string:
		out, counts := w.r.String(v)
		if counts.Total() == 0 {
			return v
		}
		path := string(w.path)
		for t, n := range counts {
			if n > 0 {
				w.findings = append(w.findings, Finding{Type: typeNames[t], Path: path, Count: n})
			}
		}
		return out
	case []any:
		n := len(w.path)
		for i, e := range v {
			w.path = append(w.path, '[')
			w.path = strconv.AppendInt(w.path, int64(i), 10)
			w.path = append(w.path, ']')
			v[i] = w.value(e)
			w.path = w.path[:n]
		}
		return v
	case map[string]any:
		start := len(w.keys)
		for k := range v {
			w.keys = append(w.keys, k)
		}
		keys := w.keys[start:]
		slices.Sort(keys)
		n := len(w.path)
		for _, k := range keys {
			w.path = appendKey(w.path, k)
			v[k] = w.value(v[k])
			w.path = w.path[:n]
		}
		w.keys = w.keys[:start]
		return v
	}
	return v
}

// appendKey appends one JSONPath member step: ".name" for identifier-like
// keys, else ["key"] with the key as a JSON string.
func appendKey(b []byte, k string) []byte {
	if isIdent(k) {
		return append(append(b, '.'), k...)
	}
	b = append(b, '[')
	b = appendJSONString(b, k)
	return append(b, ']')
}

func isIdent(k string) bool {
	if k == "" || isDigit(k[0]) {
		return false
	}
	for i := 0; i < len(k); i++ {
		if !isWord(k[i]) {
			return false
		}
	}
	return true
}

// appendJSONString appends s as a JSON string, escaping only what JSON
// requires. It is not chain.AppendString on purpose: this code runs inside
// the WebAssembly guest, which should not link the host's chain package, and
// the host canonicalizes the plugin's output anyway.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
