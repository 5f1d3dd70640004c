package chain

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// This file is the canonicalizer: one pass over the input that validates it
// as [Check] promises and writes its RFC 8785 form at the same time.
//
// Values are written to the output in input order. An object whose members
// arrive out of order is not moved when it closes, which would copy a deeply
// nested value once per enclosing level; its members are sorted as spans
// of the output, and only if some object needed it does a final pass copy
// the output once more, following the sorted spans.

// maxNesting bounds nesting whatever the [Limits]: the depth at which the
// JSON decoders Check was first built on stop, kept so that what verifies
// does not depend on the parser. The parser keeps its own stack, so depth
// costs memory, not goroutine stack.
const maxNesting = 10000

// errNotCanonical stops an [IsCanonical] scan at the first difference.
var errNotCanonical = errors.New("not canonical")

// scanner canonicalizes one input. Scanners are pooled; their slices keep
// their capacity from one input to the next.
type scanner struct {
	in  []byte
	out []byte
	lim Limits
	// verify is set by IsCanonical: whitespace and members out of order
	// end the scan, and no reordering is recorded.
	verify bool

	stack   []frame
	pending []member // members of the open objects, innermost last
	objs    []object // every object, in the order they open
	sorted  []member // members of the objects that need reordering
	names   []byte   // unescaped member names that had escapes
	order   []int    // scratch: the members of one object, sorted
	reorder bool     // some object in objs needs reordering
}

// frame is an open object or array.
type frame struct {
	object bool
	first  int // index in pending of the object's first member
	obj    int // index in objs
	count  int // members so far
}

// member is one "name":value of an object.
type member struct {
	start, end int // span in out, from the name's quote to the value's end
	at         int // offset of the name in the input, for errors
	// The name unescaped is in[keyOff:keyOff+keyLen], or names[…] if the
	// name had escapes.
	keyOff, keyLen int
	escaped        bool
	firstObj       int // index in objs of the first object the value may hold
}

// object is an object's place in out and, when its members were out of
// order, where its sorted members are.
type object struct {
	start, end int // span in out, '{' to '}' inclusive
	first, n   int // sorted[first:first+n]; n == 0 when already in order
	next       int // index in objs after the object's descendants
}

var scanners = sync.Pool{New: func() any { return new(scanner) }}

// maxPooled is the largest buffer a pooled scanner keeps.
const maxPooled = 1 << 20

func getScanner(in []byte, lim Limits, verify bool) *scanner {
	s := scanners.Get().(*scanner)
	s.in, s.lim, s.verify, s.reorder = in, lim, verify, false
	s.out, s.stack, s.pending, s.objs, s.sorted, s.names, s.order =
		s.out[:0], s.stack[:0], s.pending[:0], s.objs[:0], s.sorted[:0], s.names[:0], s.order[:0]
	if cap(s.out) < len(in) {
		s.out = make([]byte, 0, len(in))
	}
	return s
}

func putScanner(s *scanner) {
	s.in = nil
	if cap(s.out) > maxPooled {
		s.out = nil
	}
	if cap(s.names) > maxPooled {
		s.names = nil
	}
	if cap(s.objs) > maxPooled/64 || cap(s.sorted) > maxPooled/64 || cap(s.pending) > maxPooled/64 ||
		cap(s.order) > maxPooled/64 {
		s.objs, s.sorted, s.pending, s.order = nil, nil, nil, nil
	}
	if cap(s.stack) > maxPooled/32 {
		s.stack = nil
	}
	scanners.Put(s)
}

// canonical runs s over its whole input: exactly one value, whitespace
// around it allowed.
func (s *scanner) canonical() error {
	i, err := s.space(0)
	if err != nil {
		return err
	}
	if i == len(s.in) {
		return &InputError{Reason: "invalid JSON: unexpected end of input"}
	}
	if i, err = s.value(i); err != nil {
		return err
	}
	if i, err = s.space(i); err != nil || i == len(s.in) {
		return err
	}
	if s.verify {
		return errNotCanonical
	}
	// Something follows. Read it as a second value, so that the error names
	// what is wrong with it, or where it ends.
	end, err := s.value(i)
	if err != nil {
		return err
	}
	return &InputError{Reason: fmt.Sprintf("invalid JSON: more than one value (the second ends at byte %d)", end)}
}

// result returns a copy of the canonical text, its objects' members in order.
func (s *scanner) result() []byte {
	if !s.reorder {
		return bytes.Clone(s.out)
	}
	return s.emit(make([]byte, 0, len(s.out)), 0, len(s.out), 0)
}

// emit appends out[from:to] to dst, writing the members of every object
// that needs it in sorted order; objs[k] is the first object that may start
// in the range.
func (s *scanner) emit(dst []byte, from, to, k int) []byte {
	pos := from
	for k < len(s.objs) && s.objs[k].start < to {
		o := &s.objs[k]
		if o.n == 0 {
			k++ // in order: copied with the range, but look inside it
			continue
		}
		dst = append(dst, s.out[pos:o.start]...)
		dst = append(dst, '{')
		for j, m := range s.sorted[o.first : o.first+o.n] {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = s.emit(dst, m.start, m.end, m.firstObj)
		}
		dst = append(dst, '}')
		pos, k = o.end, o.next
	}
	return append(dst, s.out[pos:to]...)
}

// space skips JSON whitespace from in[i]; canonical text has none.
func (s *scanner) space(i int) (int, error) {
	in := s.in
	for i < len(in) && (in[i] == ' ' || in[i] == '\n' || in[i] == '\r' || in[i] == '\t') {
		if s.verify {
			return i, errNotCanonical
		}
		i++
	}
	return i, nil
}

// value reads the value starting at in[i], which is not whitespace, and
// returns the offset after it. The nesting is kept on s.stack rather than
// by recursion.
func (s *scanner) value(i int) (int, error) {
	in := s.in
	base := len(s.stack)
	var err error
next:
	for {
		// A value starts at in[i].
		if i == len(in) {
			return i, eofError(i)
		}
		switch c := in[i]; c {
		case '{':
			if err = s.open(i, true); err != nil {
				return i, err
			}
			if i, err = s.space(i + 1); err != nil {
				return i, err
			}
			if i < len(in) && in[i] == '}' {
				if err = s.closeObject(); err != nil {
					return i, err
				}
				i++
				break
			}
			if i, err = s.name(i); err != nil {
				return i, err
			}
			continue next
		case '[':
			if err = s.open(i, false); err != nil {
				return i, err
			}
			if i, err = s.space(i + 1); err != nil {
				return i, err
			}
			if i < len(in) && in[i] == ']' {
				s.stack = s.stack[:len(s.stack)-1]
				s.out = append(s.out, ']')
				i++
				break
			}
			continue next
		case '"':
			if i, _, err = s.str(i); err != nil {
				return i, err
			}
		case 't':
			i, err = s.literal(i, "true")
		case 'f':
			i, err = s.literal(i, "false")
		case 'n':
			i, err = s.literal(i, "null")
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			i, err = s.number(i)
		default:
			if len(s.stack) > base && s.stack[len(s.stack)-1].object {
				switch c {
				case '}':
					return i, syntaxError(i, "missing value after object name")
				case ']':
					return i, syntaxError(i, "invalid character ']' after object value (expecting ',' or '}')")
				}
			}
			return i, syntaxError(i, "invalid character %s at start of value", quoteAt(in, i))
		}
		if err != nil {
			return i, err
		}

		// A value ended before in[i]: continue or close its containers.
		for len(s.stack) > base {
			if i, err = s.space(i); err != nil {
				return i, err
			}
			if i == len(in) {
				return i, eofError(i)
			}
			top := &s.stack[len(s.stack)-1]
			c := in[i]
			if top.object {
				s.pending[len(s.pending)-1].end = len(s.out)
				switch c {
				case ',':
					s.out = append(s.out, ',')
					comma := i
					if i, err = s.space(i + 1); err != nil {
						return i, err
					}
					if i < len(in) && (in[i] == '}' || in[i] == ']') {
						return i, syntaxError(comma, "invalid character ',' at start of value")
					}
					if i, err = s.name(i); err != nil {
						return i, err
					}
					continue next
				case '}':
					if err = s.closeObject(); err != nil {
						return i, err
					}
					i++
				default:
					return i, syntaxError(i, "invalid character %s after object value (expecting ',' or '}')", quoteAt(in, i))
				}
				continue
			}
			switch c {
			case ',':
				s.out = append(s.out, ',')
				comma := i
				if i, err = s.space(i + 1); err != nil {
					return i, err
				}
				if i < len(in) && (in[i] == '}' || in[i] == ']') {
					return i, syntaxError(comma, "invalid character ',' at start of value")
				}
				continue next
			case ']':
				s.stack = s.stack[:len(s.stack)-1]
				s.out = append(s.out, ']')
				i++
			default:
				return i, syntaxError(i, "invalid character %s after array element (expecting ',' or ']')", quoteAt(in, i))
			}
		}
		return i, nil
	}
}

// open starts the object or array at in[i] after checking the limits.
func (s *scanner) open(i int, isObject bool) error {
	depth := len(s.stack) + 1
	if depth > maxNesting {
		return syntaxError(i, "exceeded max depth")
	}
	if isObject && s.lim.MaxKeys < 0 {
		return s.tooManyMembers()
	}
	if depth > s.lim.MaxDepth {
		return &InputError{Reason: fmt.Sprintf("JSON nests deeper than %d levels", s.lim.MaxDepth)}
	}
	if !isObject {
		s.stack = append(s.stack, frame{})
		s.out = append(s.out, '[')
		return nil
	}
	s.stack = append(s.stack, frame{object: true, first: len(s.pending), obj: len(s.objs)})
	if !s.verify {
		s.objs = append(s.objs, object{start: len(s.out)})
	}
	s.out = append(s.out, '{')
	return nil
}

func (s *scanner) tooManyMembers() error {
	return &InputError{Reason: fmt.Sprintf("a JSON object has more than %d members", s.lim.MaxKeys)}
}

// name reads a member name starting at in[i], which is not whitespace, the
// colon after it and the whitespace before the value.
func (s *scanner) name(i int) (int, error) {
	in := s.in
	if i == len(in) {
		return i, eofError(i)
	}
	if c := in[i]; c != '"' {
		if c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n' || c == '-' || '0' <= c && c <= '9' {
			return i, syntaxError(i, "object member name must be a string")
		}
		return i, syntaxError(i, "invalid character %s at start of value", quoteAt(in, i))
	}
	m := member{start: len(s.out), at: i, firstObj: len(s.objs)}
	end, escaped, err := s.str(i)
	if err != nil {
		return end, err
	}
	if escaped {
		m.escaped, m.keyOff = true, len(s.names)
		s.names = appendUnescaped(s.names, in[i+1:end-1])
		m.keyLen = len(s.names) - m.keyOff
	} else {
		m.keyOff, m.keyLen = i+1, end-1-(i+1)
	}
	s.pending = append(s.pending, m)
	top := &s.stack[len(s.stack)-1]
	if top.count++; top.count > s.lim.MaxKeys {
		// A name repeated so far is the first error in the input.
		ms := s.pending[top.first:]
		if at := s.firstDuplicate(ms, s.sortOrder(ms)); at >= 0 {
			return end, syntaxError(at, "duplicate object member name")
		}
		return end, s.tooManyMembers()
	}

	if i, err = s.space(end); err != nil {
		return i, err
	}
	if i == len(in) {
		return i, eofError(i)
	}
	if in[i] != ':' {
		return i, syntaxError(i, "invalid character %s after object name (expecting ':')", quoteAt(in, i))
	}
	s.out = append(s.out, ':')
	return s.space(i + 1)
}

func (s *scanner) key(m *member) []byte {
	if m.escaped {
		return s.names[m.keyOff : m.keyOff+m.keyLen]
	}
	return s.in[m.keyOff : m.keyOff+m.keyLen]
}

// closeObject ends the innermost object (its '}' is the next input byte):
// it refuses duplicate names and, when the members are out of order, sorts
// them for emit.
func (s *scanner) closeObject() error {
	f := s.stack[len(s.stack)-1]
	s.stack = s.stack[:len(s.stack)-1]
	s.out = append(s.out, '}')
	err := s.sortMembers(f, s.pending[f.first:])
	s.pending = s.pending[:f.first]
	return err
}

// sortMembers checks the members ms of the object f for duplicates and,
// when they are out of order, records them sorted for emit.
func (s *scanner) sortMembers(f frame, ms []member) error {
	inOrder := true
	for k := 1; k < len(ms); k++ {
		c := compareUTF16(s.key(&ms[k-1]), s.key(&ms[k]))
		if c == 0 {
			return syntaxError(ms[k].at, "duplicate object member name")
		}
		if c > 0 {
			inOrder = false
			break
		}
	}
	if s.verify {
		if !inOrder {
			return errNotCanonical
		}
		return nil
	}
	o := &s.objs[f.obj]
	o.end, o.next = len(s.out), len(s.objs)
	if inOrder {
		return nil
	}
	order := s.sortOrder(ms)
	if at := s.firstDuplicate(ms, order); at >= 0 {
		return syntaxError(at, "duplicate object member name")
	}
	o.first, o.n = len(s.sorted), len(ms)
	for _, k := range order {
		s.sorted = append(s.sorted, ms[k])
	}
	s.reorder = true
	return nil
}

// sortOrder returns the indexes of ms in the order of their names. (It
// sorts indexes: members are too wide to move around cheaply.)
func (s *scanner) sortOrder(ms []member) []int {
	order := s.order[:0]
	for k := range ms {
		order = append(order, k)
	}
	slices.SortFunc(order, func(a, b int) int { return compareUTF16(s.key(&ms[a]), s.key(&ms[b])) })
	s.order = order
	return order
}

// firstDuplicate returns the input offset of the first name in ms that
// repeats an earlier one, or -1; order is ms sorted.
func (s *scanner) firstDuplicate(ms []member, order []int) int {
	dup := -1
	for k := 1; k < len(order); k++ {
		a, b := &ms[order[k-1]], &ms[order[k]]
		if compareUTF16(s.key(a), s.key(b)) == 0 {
			if at := max(a.at, b.at); dup < 0 || at < dup {
				dup = at
			}
		}
	}
	return dup
}

// compareUTF16 compares two UTF-8 names by their UTF-16 code units, as RFC
// 8785 sorts members. Byte order is code point order, which is UTF-16 order
// except that U+E000–U+FFFF sort after the supplementary planes (encoded as
// surrogates, D800–DFFF). At the first differing byte both names are at the
// same place in a character; if both bytes start one, a 0xEE or 0xEF lead
// (U+E000–U+FFFF) must sort after 0xF0–0xF4 (supplementary planes).
func compareUTF16(a, b []byte) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if x, y := a[i], b[i]; x != y {
			return utf16Weight(x) - utf16Weight(y)
		}
	}
	return len(a) - len(b)
}

func utf16Weight(c byte) int {
	if c == 0xEE || c == 0xEF {
		return int(c) + 0x10 // above 0xF4, the largest lead byte
	}
	return int(c)
}

// plain marks the bytes a string holds as they are in JCS: printable ASCII
// but the quote and the backslash.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// ones and highs are the bytes 0x01 and 0x80 repeated in a uint64. A byte b
// of x is below c, or b == c, only if the high bit of the byte of
// x-ones*c, or of (x^ones*c)-ones, is set: that holds at the lowest such
// byte (bytes above it may be marked by a borrow, which costs only a slower
// look at them).
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// str reads the string starting at in[i] == '"' and writes its JCS form. It
// returns the offset after the closing quote and whether the string had
// escapes.
func (s *scanner) str(i int) (int, bool, error) {
	in, out := s.in, s.out
	seg := i // in[seg:i] is written as it is
	escaped := false
	i++
	for {
		// Eight bytes at a time while none is a quote, a backslash, a
		// control character or non-ASCII.
		for i+8 <= len(in) {
			x := binary.LittleEndian.Uint64(in[i:])
			special := (x - ones*0x20) | ((x ^ ones*'"') - ones) | ((x ^ ones*'\\') - ones) | x
			if special&highs != 0 {
				break
			}
			i += 8
		}
		for i < len(in) && plain[in[i]] {
			i++
		}
		if i == len(in) {
			return i, false, eofError(i)
		}
		switch c := in[i]; {
		case c == '"':
			s.out = append(out, in[seg:i+1]...)
			return i + 1, escaped, nil
		case c == '\\':
			r, n, err := decodeEscape(in, i)
			if err != nil {
				return i, false, err
			}
			out = appendEscaped(append(out, in[seg:i]...), r)
			escaped = true
			i += n
			seg = i
		case c < 0x20:
			return i, false, syntaxError(i, "invalid character %s in string (expecting non-control character)", quoteAt(in, i))
		default:
			r, n := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && n == 1 {
				if !utf8.FullRune(in[i:]) {
					return i, false, eofError(i)
				}
				return i, false, syntaxError(i, "invalid UTF-8")
			}
			i += n
		}
	}
}

// decodeEscape decodes the escape sequence at in[i] == '\\', a surrogate
// pair as one rune, and returns the rune and the length of the sequence.
func decodeEscape(in []byte, i int) (rune, int, error) {
	if i+1 == len(in) {
		return 0, 0, eofError(i)
	}
	switch c := in[i+1]; c {
	case '"', '\\', '/':
		return rune(c), 2, nil
	case 'b':
		return '\b', 2, nil
	case 'f':
		return '\f', 2, nil
	case 'n':
		return '\n', 2, nil
	case 'r':
		return '\r', 2, nil
	case 't':
		return '\t', 2, nil
	case 'u':
	default:
		return 0, 0, syntaxError(i, "invalid escape sequence `%s` in string", clipAt(in, i, 2))
	}
	hi, ok, eof := hex4(in, i+2)
	if eof {
		return 0, 0, eofError(i)
	}
	if !ok {
		return 0, 0, syntaxError(i, "invalid escape sequence `%s` in string", clipAt(in, i, 6))
	}
	if hi < 0xD800 || hi > 0xDFFF {
		return hi, 6, nil
	}
	// A surrogate: only a high one followed by the escape of a low one.
	pairError := func() error {
		return syntaxError(i, "invalid surrogate pair `%s` in string", clipAt(in, i, 12))
	}
	if hi >= 0xDC00 {
		return 0, 0, pairError()
	}
	if i+6 < len(in) && in[i+6] != '\\' || i+7 < len(in) && in[i+7] != 'u' {
		return 0, 0, pairError()
	}
	lo, ok, eof := hex4(in, i+8)
	if eof {
		// Truncated: an error only if what is there cannot start \uDC00–\uDFFF.
		for k, c := range in[min(i+8, len(in)):] {
			if k == 0 && c != 'd' && c != 'D' || k == 1 && !('c' <= c && c <= 'f' || 'C' <= c && c <= 'F') ||
				k > 1 && !isHex(c) {
				return 0, 0, pairError()
			}
		}
		return 0, 0, eofError(i)
	}
	if !ok || lo < 0xDC00 || lo > 0xDFFF {
		return 0, 0, pairError()
	}
	return 0x10000 + (hi-0xD800)<<10 + (lo - 0xDC00), 12, nil
}

// hex4 reads the four hex digits at in[j:]. ok is false if one is not a hex
// digit; eof is set if the input ends first.
func hex4(in []byte, j int) (r rune, ok, eof bool) {
	for k := j; k < j+4; k++ {
		if k >= len(in) {
			return 0, false, true
		}
		c := in[k]
		switch {
		case !isHex(c):
			return 0, false, false
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r, true, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// appendEscaped appends r as JCS writes it inside a string: the quote, the
// backslash and control characters escaped, with the short forms JSON has,
// everything else as UTF-8.
func appendEscaped(b []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	switch {
	case r == '"' || r == '\\':
		return append(b, '\\', byte(r))
	case r >= 0x20:
		return utf8.AppendRune(b, r)
	case r == '\b':
		return append(b, '\\', 'b')
	case r == '\f':
		return append(b, '\\', 'f')
	case r == '\n':
		return append(b, '\\', 'n')
	case r == '\r':
		return append(b, '\\', 'r')
	case r == '\t':
		return append(b, '\\', 't')
	}
	return append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
}

// appendUnescaped appends the characters of raw, the inside of a string
// [scanner.str] accepted, with its escapes decoded.
func appendUnescaped(b, raw []byte) []byte {
	for i := 0; i < len(raw); {
		if raw[i] != '\\' {
			b = append(b, raw[i])
			i++
			continue
		}
		r, n, _ := decodeEscape(raw, i)
		b = utf8.AppendRune(b, r)
		i += n
	}
	return b
}

// literal reads true, false or null, whose first byte is in[i].
func (s *scanner) literal(i int, lit string) (int, error) {
	in := s.in
	for k := 1; k < len(lit); k++ {
		if i+k == len(in) {
			return i + k, eofError(i + k)
		}
		if in[i+k] != lit[k] {
			return i + k, syntaxError(i+k, "invalid character %s in literal %s (expecting %s)",
				quoteAt(in, i+k), lit, strconv.QuoteRune(rune(lit[k])))
		}
	}
	s.out = append(s.out, lit...)
	return i + len(lit), nil
}

// number reads the number starting at in[i] and writes its ES6 form.
func (s *scanner) number(i int) (int, error) {
	in := s.in
	start := i
	if in[i] == '-' {
		i++
	}
	var err error
	if i < len(in) && in[i] == '0' {
		i++
	} else if i, err = s.digits(i, start); err != nil {
		return i, err
	}
	integer, exponent := true, false
	intDigits := i - start
	if in[start] == '-' {
		intDigits--
	}
	if i < len(in) && in[i] == '.' {
		integer = false
		if i, err = s.digits(i+1, start); err != nil {
			return i, err
		}
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		integer, exponent = false, true
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		if i, err = s.digits(i, start); err != nil {
			return i, err
		}
	}
	lit := in[start:i]
	// An integer of at most 15 digits is below 2^53, so a double holds it
	// exactly and ES6 writes its digits; only -0 changes.
	if integer && intDigits <= 15 {
		if len(lit) == 2 && lit[0] == '-' && lit[1] == '0' {
			lit = lit[1:]
		}
		s.out = append(s.out, lit...)
		return i, nil
	}
	if !integer && !exponent {
		if b, ok := appendShortDecimal(s.out, lit); ok {
			s.out = b
			return i, nil
		}
	}
	f, err := checkNumber(lit)
	if err != nil {
		return i, err
	}
	s.out = appendNumber(s.out, f)
	return i, nil
}

// appendShortDecimal appends the ES6 form of lit, a number with a fraction
// and no exponent, when it has at most 15 significant digits and is at
// least 1e-6 (or zero). Such a number is below 1e15, and the double nearest
// to it prints as its own digits: two decimals of at most 15 significant
// digits never round to the same double (DBL_DIG), so no shorter one reads
// back as it. ES6 writes those digits plainly: lit without the fraction's
// trailing zeros. ok is false for other numbers.
func appendShortDecimal(b, lit []byte) (_ []byte, ok bool) {
	dot := bytes.IndexByte(lit, '.')
	end := len(lit)
	for lit[end-1] == '0' {
		end--
	}
	if end == dot+1 {
		end = dot // no fraction digits left
	}
	neg := lit[0] == '-'
	intPart := lit[:dot]
	if neg {
		intPart = intPart[1:]
	}
	var significant int
	if intPart[0] != '0' {
		significant = len(intPart) + max(end-dot-1, 0)
	} else {
		// 0.000ddd: at least 1e-6 if at most five zeros lead the fraction.
		lead := dot + 1
		for lead < end && lit[lead] == '0' {
			lead++
		}
		if lead == end || end == dot {
			return append(b, '0'), true // zero, -0 included
		}
		if lead-(dot+1) > 5 {
			return b, false
		}
		significant = end - lead
	}
	if significant > 15 {
		return b, false
	}
	return append(b, lit[:end]...), true
}

// digits reads the one or more digits at in[i] of the number at in[start].
func (s *scanner) digits(i, start int) (int, error) {
	in := s.in
	if i == len(in) {
		return i, eofError(start)
	}
	if c := in[i]; c < '0' || c > '9' {
		return i, syntaxError(i, "invalid character %s in number (expecting digit)", quoteAt(in, i))
	}
	for i < len(in) && '0' <= in[i] && in[i] <= '9' {
		i++
	}
	return i, nil
}

// checkNumber reads a JSON number literal as a double and refuses it when
// the double changes its value.
func checkNumber(lit []byte) (float64, error) {
	f, err := strconv.ParseFloat(string(lit), 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, &InputError{Reason: fmt.Sprintf("number %s is outside the range of a double", clip(string(lit)))}
	}
	if f == 0 && underflows(lit) {
		return 0, &InputError{Reason: fmt.Sprintf(
			"number %s is too small for a double and would be stored as 0; send it as a string", clip(string(lit)))}
	}
	a := math.Abs(f)
	if a < maxSafeInteger || a >= 1e21 {
		// Below 2^53 every integer is exact; from 1e21 on, JCS writes an
		// exponent, which reads back as the same double.
		return f, nil
	}
	// In between, JCS writes plain digits. Beyond 2^53 they would be an
	// integer that no longer means what was sent, and at 2^53 itself the
	// literal must be exactly 2^53 (9007199254740993.0 rounds to it).
	if a == maxSafeInteger {
		if exact, ok := new(big.Rat).SetString(string(lit)); ok && exact.Cmp(new(big.Rat).SetFloat64(f)) == 0 {
			return f, nil
		}
	}
	return 0, &InputError{Reason: fmt.Sprintf(
		"number %s is an integer beyond ±2^53 and cannot be stored exactly; send it as a string", clip(string(lit)))}
}

// appendNumber appends f as ECMAScript's Number.prototype.toString writes
// it (RFC 8785 §3.2.2.3): the shortest digits that read back as f, plain
// from 1e-6 up to below 1e21, else with an exponent written without
// leading zeros; -0 is 0. f must be finite.
func appendNumber(b []byte, f float64) []byte {
	if f == 0 {
		return append(b, '0')
	}
	if f < 0 {
		b = append(b, '-')
		f = -f
	}
	if f >= 1e-6 && f < 1e21 {
		return strconv.AppendFloat(b, f, 'f', -1, 64)
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, 'e', -1, 64)
	// Go writes at least two exponent digits (1e-07, 1e+21): drop a
	// leading zero.
	if e := n + bytes.IndexByte(b[n:], 'e'); b[e+2] == '0' {
		b = append(b[:e+2], b[e+3:]...)
	}
	return b
}

// syntaxError is a malformed input at byte offset at.
func syntaxError(at int, format string, args ...any) error {
	return &InputError{Reason: "invalid JSON: " + fmt.Sprintf(format, args...) + fmt.Sprintf(" at byte %d", at)}
}

func eofError(at int) error {
	return &InputError{Reason: fmt.Sprintf("invalid JSON: unexpected EOF at byte %d", at)}
}

// quoteAt quotes the character at in[i] for an error message.
func quoteAt(in []byte, i int) string {
	r, n := utf8.DecodeRune(in[i:])
	if r == utf8.RuneError && n == 1 {
		return fmt.Sprintf(`'\x%02x'`, in[i])
	}
	return strconv.QuoteRune(r)
}

// clipAt returns up to n bytes of in from i, for an error message.
func clipAt(in []byte, i, n int) string {
	return string(in[i:min(i+n, len(in))])
}

// underflows reports whether a number literal that parsed as 0 has a
// non-zero digit before its exponent: a value too small for a double.
func underflows[T string | []byte](lit T) bool {
	for i := 0; i < len(lit); i++ {
		switch c := lit[i]; {
		case c == 'e' || c == 'E':
			return false
		case c >= '1' && c <= '9':
			return true
		}
	}
	return false
}
