package chain

import (
	"bytes"
	"errors"
)

// Limits bound the JSON that [Check] and [Limits.Canonicalize] accept.
type Limits struct {
	// MaxDepth is how deeply objects and arrays may nest; the outermost
	// value counts as one level.
	MaxDepth int
	// MaxKeys is how many members one object may have.
	MaxKeys int
}

// DefaultLimits are the limits of payloads and metadata unless configured.
var DefaultLimits = Limits{MaxDepth: 64, MaxKeys: 10000}

// storedLimits are the limits of verification: what was once accepted under
// any configuration must still verify.
var storedLimits = Limits{MaxDepth: 100000, MaxKeys: 1 << 30}

// Deeper returns l allowing n more levels, for a value nested inside an
// envelope (a batch nests payloads three levels down).
func (l Limits) Deeper(n int) Limits {
	l.MaxDepth += n
	return l
}

// maxSafeInteger is 2^53, the largest integer every double above it can no
// longer represent exactly.
const maxSafeInteger = 1 << 53

// InputError reports JSON that AgentLens refuses to store because hashing
// could not cover it exactly: malformed text, duplicate keys, invalid UTF-8,
// lone surrogates, too deep nesting, or a number a double cannot hold.
// Callers answer it with 400.
type InputError struct {
	Reason string
}

func (e *InputError) Error() string { return e.Reason }

// Check reports whether raw is one JSON value that canonicalizes without
// loss and within lim: well formed, no duplicate object keys, valid UTF-8
// without lone surrogates, nesting and object sizes within lim (and never
// deeper than 10000 levels), and every number a double can hold (integers
// within ±2^53, no overflow). It returns an [*InputError] otherwise. It is
// safe for concurrent use.
func Check(raw []byte, lim Limits) error {
	s := getScanner(raw, lim, false)
	err := s.canonical()
	putScanner(s)
	return err
}

// clip keeps an echoed literal short.
func clip(s string) string {
	const max = 40
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

// Canonicalize is [Limits.Canonicalize] with [DefaultLimits].
func Canonicalize(raw []byte) ([]byte, error) { return DefaultLimits.Canonicalize(raw) }

// CanonicalObject is [Limits.CanonicalObject] with [DefaultLimits].
func CanonicalObject(raw []byte, what string) ([]byte, error) {
	return DefaultLimits.CanonicalObject(raw, what)
}

// Canonicalize returns the RFC 8785 (JCS) form of raw if [Check] with l
// accepts it, else the [*InputError] Check returns. Canonicalizing
// canonical text returns the same bytes. The result is newly allocated. It
// is safe for concurrent use.
func (l Limits) Canonicalize(raw []byte) ([]byte, error) {
	s := getScanner(raw, l, false)
	defer putScanner(s)
	if err := s.canonical(); err != nil {
		return nil, err
	}
	return s.result(), nil
}

// CanonicalObject is [Limits.Canonicalize] for values that must be JSON
// objects, such as payloads and metadata; what names the value in the error.
func (l Limits) CanonicalObject(raw []byte, what string) ([]byte, error) {
	out, err := l.Canonicalize(raw)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return nil, &InputError{Reason: what + ": " + ie.Reason}
		}
		return nil, err
	}
	if len(out) == 0 || out[0] != '{' {
		return nil, &InputError{Reason: what + " must be a JSON object"}
	}
	return out, nil
}

// IsCanonical reports whether text is exactly the RFC 8785 (JCS) form of
// one JSON value, as [Limits.Canonicalize] writes it under the limits of
// verification: whatever was accepted under any configuration (nesting up
// to 10000 levels, up to 2^30 members in an object). It is what verification asks of
// stored payloads and metadata, and costs less than canonicalizing: it
// allocates nothing and stops at the first difference. It is safe for
// concurrent use.
func IsCanonical(text []byte) bool {
	s := getScanner(text, storedLimits, true)
	ok := s.canonical() == nil && bytes.Equal(s.out, text)
	putScanner(s)
	return ok
}

// AppendString appends s as a JCS string: only the quote, the backslash and
// control characters are escaped, with the short forms JSON has.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c >= 0x20:
			b = append(b, c)
		case c == '\b':
			b = append(b, '\\', 'b')
		case c == '\f':
			b = append(b, '\\', 'f')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
	}
	return append(b, '"')
}
