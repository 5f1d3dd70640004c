package schemas

import (
	"bytes"
	"encoding/json"
	"iter"
)

// The functions here walk JSON text that json.Valid has accepted, without
// decoding it: they find where values start and end, so that DecodeBatch can
// split a batch, and decode.go can keep the text of payload and metadata.
// On text that is not valid JSON their results mean nothing, but they never
// panic.

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// isEnd reports whether c ends a value inside an object or array.
func isEnd(c byte) bool {
	return c == ',' || c == '}' || c == ']'
}

// skipSpace returns the index of the first byte at or after i that is not
// whitespace, or len(data).
func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// skipString returns the index just past the string whose opening quote is
// at data[i].
func skipString(data []byte, i int) int {
	for i++; i < len(data); {
		q := bytes.IndexByte(data[i:], '"')
		if q < 0 {
			return len(data)
		}
		i += q
		// The quote is escaped when an odd number of backslashes precede
		// it.
		n := 0
		for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
			n++
		}
		i++
		if n%2 == 0 {
			return i
		}
	}
	return len(data)
}

// skipValue returns the index just past the value that starts at data[i],
// which is not whitespace.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return len(data)
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = skipString(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return len(data)
	default:
		// A number, true, false or null runs to the next delimiter.
		for i < len(data) && !isSpace(data[i]) && !isEnd(data[i]) {
			i++
		}
		return i
	}
}

// members ranges over the members of the JSON object text obj, yielding
// each member's name token (quotes included, not decoded) and value text,
// in order. obj has no surrounding whitespace.
func members(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(name, value []byte) bool) {
		i := skipSpace(obj, 1) // past '{'
		for i < len(obj) && obj[i] == '"' {
			end := skipString(obj, i)
			name := obj[i:end]
			i = skipSpace(obj, end)
			i = skipSpace(obj, i+1) // past ':'
			end = skipValue(obj, i)
			if end <= i || !yield(name, obj[i:end]) {
				return
			}
			i = skipSpace(obj, end)
			if i >= len(obj) || obj[i] != ',' {
				return
			}
			i = skipSpace(obj, i+1)
		}
	}
}

// items ranges over the items of the JSON array text arr. arr has no
// surrounding whitespace.
func items(arr []byte) iter.Seq[[]byte] {
	return func(yield func(item []byte) bool) {
		i := skipSpace(arr, 1) // past '['
		for i < len(arr) && arr[i] != ']' {
			end := skipValue(arr, i)
			if end <= i || !yield(arr[i:end]) {
				return
			}
			i = skipSpace(arr, end)
			if i >= len(arr) || arr[i] != ',' {
				return
			}
			i = skipSpace(arr, i+1)
		}
	}
}

// member returns the value text of the last member of the JSON object text
// obj whose name decodes to exactly name, as encoding/json and the schema
// library see it (the last of repeated names wins), and whether there is
// one. name must be ASCII.
func member(obj []byte, name string) ([]byte, bool) {
	var found []byte
	ok := false
	for n, value := range members(obj) {
		if nameIs(n, name) {
			found, ok = value, true
		}
	}
	return found, ok
}

// nameIs reports whether the string token tok decodes to name, which is
// ASCII. A token without escapes decodes to its own bytes, except that
// invalid UTF-8 becomes U+FFFD, which no ASCII name holds: so only a token
// with escapes needs decoding. Names match exactly: "Payload" is not
// "payload".
func nameIs(tok []byte, name string) bool {
	if len(tok) < 2 {
		return false
	}
	inner := tok[1 : len(tok)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner) == name
	}
	var s string
	return json.Unmarshal(tok, &s) == nil && s == name
}
