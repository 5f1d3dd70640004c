package chain

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/gowebpki/jcs"
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
// without lone surrogates, nesting and object sizes within lim, and every
// number a double can hold (integers within ±2^53, no overflow). It returns
// an [*InputError] otherwise.
func Check(raw []byte, lim Limits) error {
	dec := jsontext.NewDecoder(bytes.NewReader(raw))
	values := 0
	for {
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			if values == 0 {
				return &InputError{Reason: "invalid JSON: unexpected end of input"}
			}
			return nil
		}
		if err != nil {
			return &InputError{Reason: "invalid JSON: " + describeSyntaxError(err)}
		}
		if dec.StackDepth() == 0 {
			if values++; values > 1 {
				return &InputError{Reason: fmt.Sprintf(
					"invalid JSON: more than one value (the second ends at byte %d)", dec.InputOffset())}
			}
		}
		if kind, n := dec.StackIndex(dec.StackDepth()); kind == '{' && n > 2*int64(lim.MaxKeys) {
			return &InputError{Reason: fmt.Sprintf("a JSON object has more than %d members", lim.MaxKeys)}
		}
		switch tok.Kind() {
		case '{', '[':
			if dec.StackDepth() > lim.MaxDepth {
				return &InputError{Reason: fmt.Sprintf(
					"JSON nests deeper than %d levels", lim.MaxDepth)}
			}
		case '0':
			if err := checkNumber(tok.String()); err != nil {
				return err
			}
		}
	}
}

// checkNumber refuses numbers that would change when read as a double.
func checkNumber(lit string) error {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return &InputError{Reason: fmt.Sprintf("number %s is outside the range of a double", clip(lit))}
	}
	a := math.Abs(f)
	if a < maxSafeInteger || a >= 1e21 {
		// Below 2^53 every integer is exact; from 1e21 on, JCS writes an
		// exponent, which reads back as the same double.
		return nil
	}
	// In between, JCS writes plain digits. Beyond 2^53 they would be an
	// integer that no longer means what was sent, and at 2^53 itself the
	// literal must be exactly 2^53 (9007199254740993.0 rounds to it).
	if a == maxSafeInteger {
		if exact, ok := new(big.Rat).SetString(lit); ok && exact.Cmp(new(big.Rat).SetFloat64(f)) == 0 {
			return nil
		}
	}
	return &InputError{Reason: fmt.Sprintf(
		"number %s is an integer beyond ±2^53 and cannot be stored exactly; send it as a string", clip(lit))}
}

// describeSyntaxError shortens a jsontext error to its cause and offset.
func describeSyntaxError(err error) string {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se.Err, se.ByteOffset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
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

// Canonicalize returns the RFC 8785 (JCS) form of raw after [Check] with l.
// Canonicalizing canonical text returns the same bytes.
func (l Limits) Canonicalize(raw []byte) ([]byte, error) {
	if err := Check(raw, l); err != nil {
		return nil, err
	}
	out, err := jcs.Transform(raw)
	if err != nil {
		return nil, &InputError{Reason: "invalid JSON: " + err.Error()}
	}
	return out, nil
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

// appendString appends s as a JCS string: only the quote, the backslash and
// control characters are escaped, with the short forms JSON has.
func appendString(b []byte, s string) []byte {
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
