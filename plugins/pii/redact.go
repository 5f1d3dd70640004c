package pii

import "strings"

// Redactor finds personal data and secrets in text and replaces each item
// with "[REDACTED:<type>]". It holds no state between calls and is safe for
// concurrent use.
type Redactor struct {
	on [numTypes]bool
}

// New returns a Redactor for cfg. It returns an error when cfg names an
// unknown type.
func New(cfg Config) (*Redactor, error) {
	on, err := cfg.enabled()
	if err != nil {
		return nil, err
	}
	return &Redactor{on: on}, nil
}

// Counts holds how many items of each type one call replaced, indexed by
// [Type].
type Counts [numTypes]int

// Total returns the number of replaced items of every type.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// span is one detected item: bytes [start, end) of the scanned string.
type span struct {
	start, end int
	typ        Type
}

// String returns s with every detected item of an enabled type replaced, and
// the number replaced per type. When nothing is found it returns s itself.
func (r *Redactor) String(s string) (string, Counts) {
	var buf [8]span
	sc := scanner{on: &r.on, s: s, spans: buf[:0]}
	sc.run()
	var counts Counts
	if len(sc.spans) == 0 {
		return s, counts
	}
	var b strings.Builder
	b.Grow(len(s) + 8*len(sc.spans))
	prev := 0
	for _, sp := range sc.spans {
		b.WriteString(s[prev:sp.start])
		b.WriteString(sp.typ.marker())
		counts[sp.typ]++
		prev = sp.end
	}
	b.WriteString(s[prev:])
	return b.String(), counts
}

// at runs the detectors that may start at s[p], a trigger byte. It returns
// where to resume, or 0 when none matched.
func (sc *scanner) at(p int) int {
	s := sc.s
	switch c := s[p]; c {
	case '@':
		return sc.email(p)
	case '-':
		return sc.pem(p)
	case ':':
		return sc.ipv6(p)
	case '+', '(':
		if p > 0 && isWord(s[p-1]) {
			return 0
		}
		return sc.numbers(p)
	}
	if isDigit(s[p]) {
		return sc.numbers(p)
	}
	switch s[p] {
	case 's':
		return sc.secret(p, secretSK(s, p))
	case 'A':
		return sc.secret(p, secretAWS(s, p))
	case 'g':
		return sc.secret(p, secretGitHub(s, p))
	case 'x':
		return sc.secret(p, secretSlack(s, p))
	case 'a':
		return sc.secret(p, secretAgentLens(s, p))
	case 'B', 'b':
		return sc.bearer(p)
	case 'e':
		if end := jwtAt(s, p); end > 0 {
			sc.match(p, end, JWT)
			return end
		}
	}
	return 0
}

// secret records [i, end) as a secret when end > 0.
func (sc *scanner) secret(i, end int) int {
	if end > 0 {
		sc.match(i, end, Secret)
	}
	return end
}

// Byte classes, by table so the hot loop does one load per byte.
const (
	clsDigit = 1 << iota
	clsLetter
	clsHex
	clsWord  // letter, digit or '_'
	clsLocal // may appear in an e-mail local part
	clsToken // may appear in a bearer token
	clsB64   // base64url: letter, digit, '-', '_'
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		b := byte(c)
		var m uint8
		switch {
		case b >= '0' && b <= '9':
			m |= clsDigit | clsHex | clsWord | clsLocal | clsToken | clsB64
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z':
			m |= clsLetter | clsWord | clsLocal | clsToken | clsB64
			if b|0x20 >= 'a' && b|0x20 <= 'f' {
				m |= clsHex
			}
		}
		switch b {
		case '_':
			m |= clsWord | clsLocal | clsToken | clsB64
		case '-':
			m |= clsLocal | clsToken | clsB64
		case '.', '+':
			m |= clsLocal | clsToken
		case '%', '\'':
			m |= clsLocal
		case '~', '/':
			m |= clsToken
		}
		t[c] = m
	}
	return t
}()

func isDigit(c byte) bool  { return class[c]&clsDigit != 0 }
func isLetter(c byte) bool { return class[c]&clsLetter != 0 }
func isHex(c byte) bool    { return class[c]&clsHex != 0 }
func isWord(c byte) bool   { return class[c]&clsWord != 0 }
func isAlnum(c byte) bool  { return class[c]&(clsDigit|clsLetter) != 0 }

// skipWord returns the index after the word that starts at i.
func skipWord(s string, i int) int {
	for i < len(s) && isWord(s[i]) {
		i++
	}
	return i
}

// runOf returns the index after the run of bytes of class cls starting at i.
func runOf(s string, i int, cls uint8) int {
	for i < len(s) && class[s[i]]&cls != 0 {
		i++
	}
	return i
}
