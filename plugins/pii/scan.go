package pii

import (
	"encoding/binary"
	"math/bits"

	"github.com/agentlens/agentlens-go/plugins/internal/jsonscan"
)

// scanner walks one string once, left to right, eight bytes per loop
// iteration: a mask of the bytes where a detector may start (the first byte
// of a word when it is a digit or a letter that can begin a token prefix,
// and every '@', '-', ':', '+' and '(') is computed for the whole word with
// bit arithmetic, cheap filters drop most of those positions, and only the
// rest reach a detector.
//
// The shape of this code is set by how guests run: under wazero with
// WithCloseOnContextDone, every loop iteration, and in Go-built WebAssembly
// every taken jump between basic blocks and every call, costs a deadline
// check of tens of nanoseconds. Straight-line arithmetic is nearly free.
type scanner struct {
	on    *[numTypes]bool
	s     string
	spans []span
	last  int // end of the last match; no later match may start before it
	next  int // where the scan resumes: nothing before it may start a match

	// Flags (bit 7) about the last byte scanned, for the next word.
	prevWord, prevDigit, prevSepAfterDigit uint64
}

// match records [start, end) as type t when t is enabled. A match of a
// disabled type still consumes its text, so its parts are not reported as
// something else (the digits of an e-mail address as a phone number, say).
func (sc *scanner) match(start, end int, t Type) {
	if sc.on[t] {
		sc.spans = append(sc.spans, span{start: start, end: end, typ: t})
	}
	sc.last = end
}

const (
	hiBits   = 0x8080808080808080
	lowerBit = 0x2020202020202020
)

func (sc *scanner) run() {
	s := sc.s
	sc.next, sc.prevWord, sc.prevDigit, sc.prevSepAfterDigit = 0, 0, 0, 0
	i := 0
	// Blocks of sixteen bytes, each looking 32 bytes ahead.
	for i+32 <= len(s) {
		i = sc.block(i,
			jsonscan.Load8(s, i), jsonscan.Load8(s, i+8),
			jsonscan.Load8(s, i+16), jsonscan.Load8(s, i+24),
		)
	}
	for i < len(s) {
		var buf [32]byte // zero padding: no trigger, no colon
		copy(buf[:], s[i:])
		i = sc.block(i, binary.LittleEndian.Uint64(buf[0:]), binary.LittleEndian.Uint64(buf[8:]),
			binary.LittleEndian.Uint64(buf[16:]), binary.LittleEndian.Uint64(buf[24:]))
	}
}

// block scans the sixteen bytes x0, x1 at s[i:], with x2, x3 the sixteen
// after them, and returns where the next block starts.
func (sc *scanner) block(i int, x0, x1, x2, x3 uint64) int {
	n0, m0 := sc.triggers(x0)
	n1, m1 := sc.triggers(x1)
	// A colon may begin an IPv6 address only when the sixteen bytes from
	// it hold "::" or four colons, all within these 32; computed without
	// a branch.
	c0, c1, c2, c3 := jsonscan.Eq(x0, ':'), jsonscan.Eq(x1, ':'), jsonscan.Eq(x2, ':'), jsonscan.Eq(x3, ':')
	n := bits.OnesCount64(c0) + bits.OnesCount64(c1) + bits.OnesCount64(c2) + bits.OnesCount64(c3)
	ok := uint64(n>>2) | c0&(c0>>8) | c1&(c1>>8) | c2&(c2>>8) | c3&(c3>>8) | c0>>56&c1 | c1>>56&c2 | c2>>56&c3
	keep := -((ok | -ok) >> 63) // all ones when ok is not zero
	m0 &^= c0 &^ keep
	m1 &^= c1 &^ keep
	if n0|n1|m0|m1 == 0 {
		return i + 16
	}
	sc.visit(i, n0, m0)
	sc.visit(i+8, n1, m1)
	if sc.next > i+16 {
		return sc.resume()
	}
	return i + 16
}

// visit offers the trigger positions of the word at s[i], in order, to
// the filters and detectors: those in nums to the number filter and
// detector, those in others to the rest.
func (sc *scanner) visit(i int, nums, others uint64) {
	for m := nums | others; m != 0; {
		bit := m & -m
		m &^= bit
		p := i + jsonscan.First(bit)
		switch {
		case p < sc.next:
		case nums&bit != 0:
			if numberMayMatch(sc.s, p) {
				sc.advance(p, sc.numbers(p))
			}
		case sc.candidate(p):
			sc.advance(p, sc.at(p))
		}
	}
}

// advance moves the resume point past a match that ended at n.
func (sc *scanner) advance(p, n int) {
	if n > p {
		sc.next = n
	}
}

// resume restarts the scan after a match that ran past the current block,
// at sc.next, and returns it.
func (sc *scanner) resume() int {
	n := sc.next
	sc.prevWord, sc.prevDigit, sc.prevSepAfterDigit = 0, 0, 0
	if isWord(sc.s[n-1]) {
		sc.prevWord = 0x80
	}
	if isDigit(sc.s[n-1]) {
		sc.prevDigit = 0x80
	}
	return n
}

// triggers returns the masks of the bytes of x, the next word of the text,
// where a number token and where any other detector may start, and carries
// what the next word needs to know about the last byte of this one. It is
// branch-free.
func (sc *scanner) triggers(x uint64) (numbers, others uint64) {
	digits := jsonscan.Range(x, '0', '9')
	word := digits | jsonscan.Range(x, 'A', 'Z') | jsonscan.Range(x, 'a', 'z') | jsonscan.Eq(x, '_')
	starts := word &^ (word<<8 | sc.prevWord)

	// Token prefixes, by their first two letters in any case: sk, ak, as,
	// al, gh, gi, xo, be, ey. The last byte's successor is in the next
	// word, so a letter there is let through unfiltered.
	y := x | lowerBit
	yn := y >> 8 // the byte after each byte
	s, a, g := jsonscan.Eq(y, 's'), jsonscan.Eq(y, 'a'), jsonscan.Eq(y, 'g')
	xx, b, e := jsonscan.Eq(y, 'x'), jsonscan.Eq(y, 'b'), jsonscan.Eq(y, 'e')
	k := jsonscan.Eq(yn, 'k')
	prefixes := s&k | a&(k|jsonscan.Eq(yn, 's')|jsonscan.Eq(yn, 'l')) |
		g&(jsonscan.Eq(yn, 'h')|jsonscan.Eq(yn, 'i')) | xx&jsonscan.Eq(yn, 'o') |
		b&jsonscan.Eq(yn, 'e') | e&jsonscan.Eq(yn, 'y') |
		(s|a|g|xx|b|e)&lastByte

	// A PEM block starts with dashes.
	dash := jsonscan.Eq(x, '-')
	dashes := dash & (jsonscan.Eq(x>>8, '-') | lastByte)

	// Number tokens: a digit run right after a dash, dot or comma that
	// follows a digit continues a token (2026-02-08, 1,299.99) and was
	// judged with it; a run of one or two digits followed by a byte that
	// is no separator (' ', '-', '.', '(') can match nothing ("0:", "1,").
	sepAfterDigit := (dash | jsonscan.Eq(x, '.') | jsonscan.Eq(x, ',')) & (digits<<8 | sc.prevDigit)
	sep := jsonscan.Eq(x, ' ') | dash | jsonscan.Eq(x, '.') | jsonscan.Eq(x, '(')
	badEnd := digits &^ (digits>>8 | sep>>8 | lastByte) // the byte after is known and no good
	short := badEnd | digits&(badEnd>>8)
	numbers = starts & digits &^ (sepAfterDigit<<8 | sc.prevSepAfterDigit | short)

	sc.prevWord, sc.prevDigit, sc.prevSepAfterDigit = word>>56, digits>>56, sepAfterDigit>>56
	return numbers, starts&prefixes | dashes |
		jsonscan.Eq(x, '@') | jsonscan.Eq(x, ':') | jsonscan.Eq(x, '+') | jsonscan.Eq(x, '(')
}

// lastByte is the mask bit of a word's last byte.
const lastByte = 0x80 << 56

// candidate is the cheap filter between the trigger mask and the
// detectors other than numbers: it rejects the positions where no detector
// can match, looking at a few bytes.
func (sc *scanner) candidate(p int) bool {
	s := sc.s
	if p+4 > len(s) {
		// Every pattern needs more; a short tail only finishes an address
		// started earlier, which was already visited.
		return s[p] == ':'
	}
	c := s[p]
	switch {
	case c == ':':
		return ipv6MayMatch(s, p)
	case c == '@' || c == '+' || c == '(':
		return true
	}
	x4 := uint32(s[p]) | uint32(s[p+1])<<8 | uint32(s[p+2])<<16 | uint32(s[p+3])<<24
	switch x4 & 0xffffff {
	case 's' | 'k'<<8 | '-'<<16, 'e' | 'y'<<8 | 'J'<<16:
		return true
	}
	switch x4 {
	case 's' | 'k'<<8 | '_'<<16 | 'l'<<24, 's' | 'k'<<8 | '_'<<16 | 't'<<24,
		'A' | 'K'<<8 | 'I'<<16 | 'A'<<24, 'A' | 'S'<<8 | 'I'<<16 | 'A'<<24,
		'g' | 'h'<<8 | 'p'<<16 | '_'<<24, 'g' | 'h'<<8 | 'o'<<16 | '_'<<24, 'g' | 'h'<<8 | 'u'<<16 | '_'<<24,
		'g' | 'h'<<8 | 's'<<16 | '_'<<24, 'g' | 'h'<<8 | 'r'<<16 | '_'<<24, 'g' | 'i'<<8 | 't'<<16 | 'h'<<24,
		'x' | 'o'<<8 | 'x'<<16 | 'a'<<24, 'x' | 'o'<<8 | 'x'<<16 | 'b'<<24,
		'x' | 'o'<<8 | 'x'<<16 | 'p'<<24, 'x' | 'o'<<8 | 'x'<<16 | 'r'<<24,
		'a' | 'l'<<8 | 's'<<16 | '_'<<24, '-' | '-'<<8 | '-'<<16 | '-'<<24:
		return true
	}
	return x4|0x20202020 == 'b'|'e'<<8|'a'<<16|'r'<<24
}

// numberMayMatch reports whether a number token starting at the digit
// s[p] may match, from the lengths of its first digit groups and the
// separators between them. Dates (2026-02-08), decimals, times, versions
// (10.0.19045), ids (ORD-2024-000123) and lone short numbers are turned away
// here, before the full token is read.
func numberMayMatch(s string, p int) bool {
	// Inside a dashed or dotted run the token started earlier.
	if p >= 2 && (s[p-1] == '-' || s[p-1] == '.' || s[p-1] == ',') && isDigit(s[p-2]) {
		return false
	}
	r := digitRun(s, p)
	c, r2 := nextGroup(s, p+r)
	switch {
	case r >= 8 || c == '(' || r2 < 0:
		return true // long, or a group in parentheses follows
	case r2 == 0:
		return false // a lone group of fewer than 8 digits
	}
	c2, r3 := nextGroup(s, p+r+1+r2)
	lead0 := s[p] == '0'
	switch c {
	case '.': // IPv4 octets, 555.123.4567, 01.23.45.67.89
		return c2 == '.' && (r <= 3 && r2 <= 3 && r3 <= 3 || r == 3 && r2 == 3 && r3 == 4 || lead0)
	case '-', ' ':
		// ddd-dd-dddd, ddd-ddd-dddd, 1-ddd-ddd-dddd, card groups of 4-6
		// (at least three, or two making 13 digits), 0-lead numbers; with
		// spaces also the first group of a longer token.
		return r == 3 && r2 == 2 && r3 == 4 || r == 3 && r2 == 3 ||
			r == 1 && s[p] == '1' && r2 == 3 ||
			r >= 4 && r <= 6 && r2 >= 4 && (r3 > 0 || r+r2 >= 13) ||
			lead0 && r >= 2 && r2 >= 2 ||
			c == ' ' && r3 > 0
	}
	return false
}

// nextGroup returns the byte at s[i] and, when it is a separator (' ',
// '-', '.'), the length of the digit group after it: 0 when none follows,
// -1 when a group in parentheses does.
func nextGroup(s string, i int) (sep byte, n int) {
	if i+1 >= len(s) {
		return 0, 0
	}
	sep = s[i]
	if sep != ' ' && sep != '-' && sep != '.' {
		return sep, 0
	}
	if s[i+1] == '(' {
		return sep, -1
	}
	if !isDigit(s[i+1]) {
		return sep, 0
	}
	return sep, digitRun(s, i+1)
}

// digitRun returns the number of digits starting at s[p], counting at most
// eight at a time.
func digitRun(s string, p int) int {
	n := 0
	for p+n < len(s) {
		nonDigit := ^jsonscan.Range(jsonscan.LoadString(s, p+n), '0', '9') & hiBits
		if nonDigit != 0 {
			return min(n+jsonscan.First(nonDigit), len(s)-p)
		}
		n += 8
	}
	return len(s) - p
}

// ipv6MayMatch reports whether an IPv6 address may start at or end with
// the colon s[p]: the sixteen bytes from p must hold "::" or at least four
// colons (an address without "::" has seven, at most five bytes apart).
// Times such as 10:00:00 are turned away here.
func ipv6MayMatch(s string, p int) bool {
	c0 := jsonscan.Eq(jsonscan.LoadString(s, p), ':')
	var c1 uint64
	if p+8 < len(s) {
		c1 = jsonscan.Eq(jsonscan.LoadString(s, p+8), ':')
	}
	double := c0&(c0>>8) | c1&(c1>>8) | c0>>56&c1&0x80
	if p > 0 && s[p-1] == ':' {
		double |= 1
	}
	return double != 0 || bits.OnesCount64(c0)+bits.OnesCount64(c1) >= 4
}
