// Package jsonscan scans canonical (RFC 8785) JSON text, the form the
// AgentLens host hands to plugins, with as few loop iterations as it can.
//
// It exists for guests: under wazero with WithCloseOnContextDone, every
// loop iteration of guest code exits to the host to check for a deadline,
// which costs tens of nanoseconds, so a byte-at-a-time JSON decoder spends
// most of a plugin's time budget. Here strings are skipped eight bytes per
// iteration (SWAR), and nothing is decoded that the caller does not ask
// for. It expects canonical text (no whitespace between tokens) and
// reports malformed input as an error rather than guessing.
package jsonscan

import (
	"encoding/binary"
	"errors"
	"math/bits"
	"unicode/utf8"
)

// ErrSyntax reports text that is not canonical JSON.
var ErrSyntax = errors.New("jsonscan: invalid canonical JSON")

// SWAR constants: one bit or value per byte of a uint64.
const (
	lo7  = 0x7f7f7f7f7f7f7f7f
	hi   = 0x8080808080808080
	ones = 0x0101010101010101
)

// Load returns the eight bytes of b at i as a little-endian word, padding
// past the end of b with zero bytes.
func Load(b []byte, i int) uint64 {
	if i+8 <= len(b) {
		return binary.LittleEndian.Uint64(b[i:])
	}
	return loadTail(b[i:])
}

// LoadString is Load for a string.
func LoadString(s string, i int) uint64 {
	if i+8 <= len(s) {
		return Load8(s, i)
	}
	var tmp [8]byte
	copy(tmp[:], s[i:])
	return binary.LittleEndian.Uint64(tmp[:])
}

// Load8 returns s[i:i+8] as a little-endian word; i+8 must not exceed
// len(s). It is small enough to be inlined.
func Load8(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// loadTail loads fewer than eight bytes, padded with zeros.
func loadTail(b []byte) uint64 {
	var tmp [8]byte
	copy(tmp[:], b)
	return binary.LittleEndian.Uint64(tmp[:])
}

// Eq returns a mask with bit 7 of each byte of x set where that byte equals
// c. It is exact per byte: no borrow crosses from one byte to the next.
func Eq(x uint64, c byte) uint64 {
	t := x ^ (ones * uint64(c))
	return ^((t&lo7 + lo7) | t) & hi
}

// Range returns a mask with bit 7 of each byte of x set where that byte
// lies in [lo, hi], both below 0x80. It is exact per byte.
func Range(x uint64, lo, hiB byte) uint64 {
	x7 := x & lo7
	ge := (x7 + ones*uint64(0x80-lo)) & hi
	gt := (x7 + ones*uint64(0x7f-hiB)) & hi
	return ge &^ gt &^ (x & hi)
}

// Below returns a mask of the bytes of x below c (c at most 0x80).
func Below(x uint64, c byte) uint64 {
	return ^((x&lo7 + ones*uint64(0x80-c)) | x) & hi
}

// First returns the byte index of the lowest set bit of a non-zero mask.
func First(m uint64) int { return bits.TrailingZeros64(m) >> 3 }

// StringEnd returns the index after the closing quote of the string whose
// opening quote is at b[i], and whether the string holds an escape. It
// returns -1 when the string is not terminated.
func StringEnd(b []byte, i int) (end int, escaped bool) {
	j := i + 1
	// Fast path, without a branch until the end: the closing quote within
	// sixteen bytes and no backslash before it.
	if j+16 <= len(b) {
		x0, x1 := binary.LittleEndian.Uint64(b[j:]), binary.LittleEndian.Uint64(b[j+8:])
		q := firstOf16(Eq(x0, '"'), Eq(x1, '"'))
		e := firstOf16(Eq(x0, '\\'), Eq(x1, '\\'))
		if q < e {
			return j + q + 1, false
		}
	}
	return stringEndSlow(b, j)
}

// firstOf16 returns the index of the first set byte of the sixteen-byte
// mask m0, m1, or 16 when none is set. It is branch-free.
func firstOf16(m0, m1 uint64) int {
	p0 := bits.TrailingZeros64(m0) >> 3 // 8 when m0 is zero
	p1 := bits.TrailingZeros64(m1) >> 3
	return p0 + p0>>3*p1
}

// stringEndSlow is StringEnd from b[j], just after the opening quote.
func stringEndSlow(b []byte, j int) (end int, escaped bool) {
	for {
		// 32 bytes per iteration, then words.
		var m uint64
		for ; j+32 <= len(b); j += 32 {
			x0, x1 := binary.LittleEndian.Uint64(b[j:]), binary.LittleEndian.Uint64(b[j+8:])
			x2, x3 := binary.LittleEndian.Uint64(b[j+16:]), binary.LittleEndian.Uint64(b[j+24:])
			m0, m1 := Eq(x0, '"')|Eq(x0, '\\'), Eq(x1, '"')|Eq(x1, '\\')
			m2, m3 := Eq(x2, '"')|Eq(x2, '\\'), Eq(x3, '"')|Eq(x3, '\\')
			if m0|m1|m2|m3 != 0 {
				break
			}
		}
		for ; m == 0 && j+8 <= len(b); j += 8 {
			x := binary.LittleEndian.Uint64(b[j:])
			if m = Eq(x, '"') | Eq(x, '\\'); m != 0 {
				break
			}
		}
		if m == 0 {
			if j >= len(b) {
				return -1, escaped
			}
			x := loadTail(b[j:])
			if m = Eq(x, '"') | Eq(x, '\\'); m == 0 {
				return -1, escaped
			}
		}
		j += First(m)
		if b[j] == '"' {
			return j + 1, escaped
		}
		escaped = true
		j += 2 // the backslash and the byte it escapes; \uXXXX's digits are plain
		if j >= len(b) {
			return -1, escaped
		}
	}
}

// IndexQuote returns the index of the first '"' in b at or after i, or
// len(b).
func IndexQuote(b []byte, i int) int {
	if i+16 <= len(b) {
		q := firstOf16(Eq(binary.LittleEndian.Uint64(b[i:]), '"'), Eq(binary.LittleEndian.Uint64(b[i+8:]), '"'))
		if q < 16 {
			return i + q
		}
		i += 16
	}
	for ; i+8 <= len(b); i += 8 {
		if m := Eq(binary.LittleEndian.Uint64(b[i:]), '"'); m != 0 {
			return i + First(m)
		}
	}
	if i < len(b) {
		if m := Eq(loadTail(b[i:]), '"'); m != 0 {
			return i + First(m)
		}
	}
	return len(b)
}

// ValueEnd returns the index after the JSON value starting at b[i].
func ValueEnd(b []byte, i int) (int, error) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			end, _ := StringEnd(b, i)
			if end < 0 {
				return 0, ErrSyntax
			}
			i = end
		case '{', '[':
			depth++
			i++
			continue
		case '}', ']':
			depth--
			i++
			if depth < 0 {
				return 0, ErrSyntax
			}
		case ',', ':':
			if depth == 0 {
				return 0, ErrSyntax
			}
			i++
			continue
		default:
			end := ScalarEnd(b, i)
			if end == i {
				return 0, ErrSyntax
			}
			i = end
		}
		if depth == 0 {
			return i, nil
		}
	}
	return 0, ErrSyntax
}

// ScalarEnd returns the end of the number or literal at b[i]: the next
// ',', '}', ']' or the end of b.
func ScalarEnd(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ':', '"', '{', '[':
			return i
		}
		i++
	}
	return i
}

// Unescape appends the text of a JSON string body (between the quotes) to
// dst, decoding escapes.
func Unescape(dst, body []byte) ([]byte, error) {
	for len(body) > 0 {
		k := indexByte(body, '\\')
		if k < 0 {
			return append(dst, body...), nil
		}
		dst = append(dst, body[:k]...)
		body = body[k:]
		if len(body) < 2 {
			return dst, ErrSyntax
		}
		switch c := body[1]; c {
		case '"', '\\', '/':
			dst = append(dst, c)
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, n, ok := unicodeEscape(body)
			if !ok {
				return dst, ErrSyntax
			}
			dst = utf8.AppendRune(dst, r)
			body = body[n:]
			continue
		default:
			return dst, ErrSyntax
		}
		body = body[2:]
	}
	return dst, nil
}

// unicodeEscape decodes \uXXXX (and a following low surrogate) at the start
// of b, returning the rune and the bytes consumed.
func unicodeEscape(b []byte) (rune, int, bool) {
	r, ok := hex4(b)
	if !ok {
		return 0, 0, false
	}
	if r >= 0xd800 && r < 0xdc00 && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
		if r2, ok := hex4(b[6:]); ok && r2 >= 0xdc00 && r2 < 0xe000 {
			return (r-0xd800)<<10 | (r2 - 0xdc00) + 0x10000, 12, true
		}
	}
	if r >= 0xd800 && r < 0xe000 {
		return utf8.RuneError, 6, true
	}
	return r, 6, true
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 6 {
		return 0, false
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// indexByte finds c in b eight bytes at a time.
func indexByte(b []byte, c byte) int {
	for i := 0; i < len(b); i += 8 {
		if m := Eq(Load(b, i), c); m != 0 {
			if j := i + First(m); j < len(b) {
				return j
			}
			return -1
		}
	}
	return -1
}

// AppendString appends s as a JCS string: only the quote, the backslash and
// control characters are escaped, with the short forms JSON has.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	dst = AppendStringBody(dst, s)
	return append(dst, '"')
}

// AppendStringBody appends s escaped as in AppendString, without quotes.
func AppendStringBody(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for len(s) > 0 {
		// Copy the run that needs no escaping in one go.
		k := 0
		for k < len(s) {
			x := LoadString(s, k)
			m := Eq(x, '"') | Eq(x, '\\') | Below(x, 0x20)
			if m == 0 {
				k += 8
				continue
			}
			k += First(m)
			break
		}
		if k >= len(s) {
			return append(dst, s...)
		}
		dst = append(dst, s[:k]...)
		switch c := s[k]; c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		s = s[k+1:]
	}
	return dst
}
