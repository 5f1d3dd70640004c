package pii

import (
	"strconv"
	"unsafe"

	"github.com/agentlens/agentlens-go/plugins/internal/jsonscan"
)

// RedactJSON redacts every string value of src, the canonical (RFC 8785)
// JSON text of a value, and appends the result to dst; object keys are
// copied unchanged. It returns the findings in document order, which for
// canonical text (members sorted by key) is the order [Redactor.Value]
// reports, and whether anything changed. When nothing changed, dst is
// returned as given, so the caller can pass src on untouched.
//
// It works on the text directly, without decoding it into Go values: this
// is the fast path of the pii plugin. It trusts src to be canonical JSON,
// checking only what it reads: an unterminated string, a bad escape, or
// broken structure before a finding give [jsonscan.ErrSyntax]; other damage
// passes through, for the host's validation of the output to refuse.
func (r *Redactor) RedactJSON(dst, src []byte) (out []byte, findings []Finding, changed bool, err error) {
	w := jsonWalker{r: r, src: src, dst: dst}
	if err := w.walk(); err != nil {
		return dst, nil, false, err
	}
	if !w.changed {
		return dst, w.findings, false, nil
	}
	return append(w.dst, src[w.copied:]...), w.findings, true, nil
}

// jsonFrame is one open object or array.
type jsonFrame struct {
	obj    bool
	n      int    // index of the current element or member
	key    []byte // raw body of the current member's key
	keyEsc bool
}

// jsonWalker visits the string values of canonical JSON text. Between
// strings it only looks for the next quote (in canonical text every quote
// outside a string opens one, and a string followed by ':' is a key); the
// structure, needed only for the path of a finding, is parsed lazily by
// follow, up to the string that has one.
type jsonWalker struct {
	r        *Redactor
	src, dst []byte
	copied   int // src is copied to dst up to here
	changed  bool
	findings []Finding
	scratch  []byte // unescaped string text
	spans    [8]span

	// The structural cursor: the stack as of src[pos].
	stack     []jsonFrame
	frames    [16]jsonFrame
	pos       int
	expectKey bool
}

func (w *jsonWalker) walk() error {
	src := w.src
	w.stack = w.frames[:0]
	for i := 0; i < len(src); {
		q := jsonscan.IndexQuote(src, i)
		if q == len(src) {
			break
		}
		end, esc := jsonscan.StringEnd(src, q)
		if end < 0 {
			return jsonscan.ErrSyntax
		}
		if end >= len(src) || src[end] != ':' {
			if err := w.str(q, end, esc); err != nil {
				return err
			}
		}
		i = end
	}
	return nil
}

// follow advances the structural cursor to the string starting at src[q].
func (w *jsonWalker) follow(q int) error {
	src := w.src
	for i := w.pos; i < q; {
		switch src[i] {
		case '{', '[':
			w.stack = append(w.stack, jsonFrame{obj: src[i] == '{'})
			w.expectKey = src[i] == '{'
			i++
		case '}', ']':
			if len(w.stack) == 0 {
				return jsonscan.ErrSyntax
			}
			w.stack = w.stack[:len(w.stack)-1]
			w.expectKey = false
			i++
		case ',':
			if len(w.stack) == 0 {
				return jsonscan.ErrSyntax
			}
			top := &w.stack[len(w.stack)-1]
			top.n++
			w.expectKey = top.obj
			i++
		case ':':
			w.expectKey = false
			i++
		case '"':
			end, esc := jsonscan.StringEnd(src, i)
			if end < 0 {
				return jsonscan.ErrSyntax
			}
			if w.expectKey && len(w.stack) > 0 {
				top := &w.stack[len(w.stack)-1]
				top.key, top.keyEsc = src[i+1:end-1], esc
			}
			i = end
		default:
			end := jsonscan.ScalarEnd(src, i)
			if end == i {
				return jsonscan.ErrSyntax
			}
			i = end
		}
	}
	w.pos = q
	return nil
}

// str redacts the string value whose quotes are at src[i] and src[end-1].
func (w *jsonWalker) str(i, end int, esc bool) error {
	text := w.src[i+1 : end-1]
	if esc {
		var err error
		if w.scratch, err = jsonscan.Unescape(w.scratch[:0], text); err != nil {
			return err
		}
		text = w.scratch
	}
	if len(text) == 0 {
		return nil
	}
	// The scan only reads text, which stays unchanged until it returns.
	s := unsafe.String(unsafe.SliceData(text), len(text))
	sc := scanner{on: &w.r.on, s: s, spans: w.spans[:0]}
	sc.run()
	if len(sc.spans) == 0 {
		return nil
	}
	w.changed = true
	w.dst = append(w.dst, w.src[w.copied:i+1]...)
	var counts Counts
	prev := 0
	for _, sp := range sc.spans {
		w.appendText(s[prev:sp.start], esc)
		w.dst = append(w.dst, sp.typ.marker()...)
		counts[sp.typ]++
		prev = sp.end
	}
	w.appendText(s[prev:], esc)
	w.copied = end - 1

	if err := w.follow(i); err != nil {
		return err
	}
	path := w.path()
	for t, n := range counts {
		if n > 0 {
			w.findings = append(w.findings, Finding{Type: typeNames[t], Path: path, Count: n})
		}
	}
	return nil
}

// appendText appends unchanged string text: as it was when the string had
// no escapes, re-escaped otherwise.
func (w *jsonWalker) appendText(s string, esc bool) {
	if esc {
		w.dst = jsonscan.AppendStringBody(w.dst, s)
	} else {
		w.dst = append(w.dst, s...)
	}
}

// path renders the JSONPath of the current value, as Value does.
func (w *jsonWalker) path() string {
	p := make([]byte, 1, 64)
	p[0] = '$'
	for _, f := range w.stack {
		if !f.obj {
			p = append(p, '[')
			p = strconv.AppendInt(p, int64(f.n), 10)
			p = append(p, ']')
			continue
		}
		key := f.key
		if f.keyEsc {
			var err error
			if key, err = jsonscan.Unescape(nil, f.key); err != nil {
				key = f.key
			}
		}
		p = appendKey(p, string(key))
	}
	return string(p)
}
