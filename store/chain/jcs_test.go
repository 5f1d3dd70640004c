package chain

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/gowebpki/jcs"
)

// The reference canonicalizer: what Canonicalize was before the single-pass
// one in jcs.go, a token pass of jsontext (referenceCheck) followed by
// github.com/gowebpki/jcs. FuzzCanonicalDifferential holds the two to the
// same answers.

func referenceCanonicalize(raw []byte, lim Limits) ([]byte, error) {
	if err := referenceCheck(raw, lim); err != nil {
		return nil, err
	}
	out, err := jcs.Transform(raw)
	if err != nil {
		return nil, &InputError{Reason: "invalid JSON: " + err.Error()}
	}
	return out, nil
}

func referenceCheck(raw []byte, lim Limits) error {
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
			return &InputError{Reason: "invalid JSON: " + referenceSyntaxError(err)}
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
			if err := referenceCheckNumber(tok.String()); err != nil {
				return err
			}
		}
	}
}

func referenceCheckNumber(lit string) error {
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return &InputError{Reason: fmt.Sprintf("number %s is outside the range of a double", clip(lit))}
	}
	if f == 0 && underflows(lit) {
		return &InputError{Reason: fmt.Sprintf(
			"number %s is too small for a double and would be stored as 0; send it as a string", clip(lit))}
	}
	a := math.Abs(f)
	if a < maxSafeInteger || a >= 1e21 {
		return nil
	}
	if a == maxSafeInteger {
		if exact, ok := new(big.Rat).SetString(lit); ok && exact.Cmp(new(big.Rat).SetFloat64(f)) == 0 {
			return nil
		}
	}
	return &InputError{Reason: fmt.Sprintf(
		"number %s is an integer beyond ±2^53 and cannot be stored exactly; send it as a string", clip(lit))}
}

func referenceSyntaxError(err error) string {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v at byte %d", se.Err, se.ByteOffset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// TestRFC8785NumberVectors: the doubles of RFC 8785 Appendix B, as IEEE-754
// bit patterns, and their canonical text. Those that are integers in
// [2^53, 1e21) are refused as input, so they are checked on the formatter;
// every other expected text must canonicalize to itself.
func TestRFC8785NumberVectors(t *testing.T) {
	tests := []struct {
		bits uint64
		want string
	}{
		{0x0000000000000000, "0"},
		{0x8000000000000000, "0"},
		{0x0000000000000001, "5e-324"},
		{0x8000000000000001, "-5e-324"},
		{0x7fefffffffffffff, "1.7976931348623157e+308"},
		{0xffefffffffffffff, "-1.7976931348623157e+308"},
		{0x4340000000000000, "9007199254740992"},
		{0xc340000000000000, "-9007199254740992"},
		{0x4430000000000000, "295147905179352830000"},
		{0x44b52d02c7e14af5, "9.999999999999997e+22"},
		{0x44b52d02c7e14af6, "1e+23"},
		{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
		{0x444b1ae4d6e2ef4e, "999999999999999700000"},
		{0x444b1ae4d6e2ef4f, "999999999999999900000"},
		{0x444b1ae4d6e2ef50, "1e+21"},
		{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
		{0x3eb0c6f7a0b5ed8d, "0.000001"},
		{0x41b3de4355555553, "333333333.3333332"},
		{0x41b3de4355555554, "333333333.33333325"},
		{0x41b3de4355555555, "333333333.3333333"},
		{0x41b3de4355555556, "333333333.3333334"},
		{0x41b3de4355555557, "333333333.33333343"},
		{0xbecbf647612f3696, "-0.0000033333333333333333"},
		{0x43143ff3c1cb0959, "1424953923781206.2"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%016x", tc.bits), func(t *testing.T) {
			f := math.Float64frombits(tc.bits)
			if got := string(appendNumber(nil, f)); got != tc.want {
				t.Errorf("appendNumber(%v) = %s, want %s", f, got, tc.want)
			}
			got, err := Canonicalize([]byte(tc.want))
			if a := math.Abs(f); a > maxSafeInteger && a < 1e21 {
				if err == nil {
					t.Errorf("Canonicalize(%s) = %s, want it refused (an integer beyond 2^53)", tc.want, got)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Errorf("Canonicalize(%s) = %s, %v; want it unchanged", tc.want, got, err)
			}
		})
	}
}

// TestJCSNumberExamples: values on either side of ECMAScript's notation
// thresholds (plain from 1e-6 up to below 1e21), as in the conformance
// suite's jcs group.
func TestJCSNumberExamples(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{1e21, "1e+21"},
		{1e20, "100000000000000000000"},
		{1e-7, "1e-7"},
		{1e-6, "0.000001"},
		{0.000001, "0.000001"},
		{math.Copysign(0, -1), "0"},
		{1.0, "1"},
		{123456789012345680000, "123456789012345680000"},
		{0.1, "0.1"},
		{1.5, "1.5"},
		{-1.5, "-1.5"},
		{100.0, "100"},
		{1e-5, "0.00001"},
		{5e-7, "5e-7"},
		{1.25e-6, "0.00000125"},
		{123e-20, "1.23e-18"},
		{1 << 60, "1152921504606847000"},
		{12345678901234567890123, "1.2345678901234568e+22"},
		{0, "0"},
		{-7, "-7"},
		{1e300 * 1.5, "1.5e+300"},
		{5e-324, "5e-324"},
	}
	for _, tc := range tests {
		if got := string(appendNumber([]byte("x"), tc.f)); got != "x"+tc.want {
			t.Errorf("appendNumber(x, %v) = %s, want x%s", tc.f, got, tc.want)
		}
	}
	// As input text: literal → canonical text.
	for _, tc := range []struct{ in, want string }{
		{"1E30", "1e+30"},
		{"2e-3", "0.002"},
		{"0.000000000000000000000000001", "1e-27"},
		{"4.50", "4.5"},
		{"-0", "0"},
		{"-0.0", "0"},
		{"0e5", "0"},
		{"100", "100"},
		{"1E2", "100"},
		{"999999999999999", "999999999999999"},
		{"-999999999999999", "-999999999999999"},
		{"1000000000000000", "1000000000000000"},
		{"-1000000000000000", "-1000000000000000"},
		{"9007199254740991", "9007199254740991"},
		{"9007199254740992.0", "9007199254740992"},
		{"123456789012345678901234", "1.2345678901234569e+23"},
		{"1e+21", "1e+21"},
	} {
		if got, err := Canonicalize([]byte(tc.in)); err != nil || string(got) != tc.want {
			t.Errorf("Canonicalize(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// TestAppendNumberMatchesNumberToJSON compares appendNumber with the
// reference library's formatter on random and boundary doubles.
func TestAppendNumberMatchesNumberToJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(8785, 2))
	check := func(f float64) {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return
		}
		want, err := jcs.NumberToJSON(f)
		if err != nil {
			t.Fatalf("jcs.NumberToJSON(%v): %v", f, err)
		}
		if got := string(appendNumber(nil, f)); got != want {
			t.Fatalf("appendNumber(%v) = %s, jcs.NumberToJSON = %s", f, got, want)
		}
	}
	for _, f := range []float64{1e21, 1e-6, 1e-7, 1 << 53, 0.1, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		for _, g := range []float64{f, math.Nextafter(f, 0), math.Nextafter(f, math.Inf(1))} {
			check(g)
			check(-g)
		}
	}
	for range 200000 {
		check(math.Float64frombits(r.Uint64()))
		check(float64(r.Int64N(1<<53)) / math.Pow(10, float64(r.IntN(30))))
	}
}

// TestRFC8785Example is the example of RFC 8785 §3.2.2.
func TestRFC8785Example(t *testing.T) {
	in := `{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`
	want := `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`
	if got, err := Canonicalize([]byte(in)); err != nil || string(got) != want {
		t.Errorf("Canonicalize(RFC 8785 §3.2.2) =\n  %s, %v\nwant\n  %s", got, err, want)
	}
	if !IsCanonical([]byte(want)) {
		t.Errorf("IsCanonical(%s) = false, want true", want)
	}
}

// TestRFC8785KeyOrder is the sorting example of RFC 8785 §3.2.3: members
// sort by UTF-16 code units, so U+1F600 (D83D DE00) precedes U+FB33.
func TestRFC8785KeyOrder(t *testing.T) {
	in := `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`
	want := `{"\r":"Carriage Return","1":"One","` + "\u0080" + `":"Control",` +
		`"ö":"Latin Small Letter O With Diaeresis","€":"Euro Sign","😀":"Emoji: Grinning Face",` +
		"\"\uFB33\":\"Hebrew Letter Dalet With Dagesh\"}"
	if got, err := Canonicalize([]byte(in)); err != nil || string(got) != want {
		t.Errorf("Canonicalize(RFC 8785 §3.2.3) =\n  %s, %v\nwant\n  %s", got, err, want)
	}
	// Raw UTF-8 names sort the same as escaped ones.
	raw := "{\"\uFB33\":1,\"\U0001F600\":2,\"\uE000\":3,\"\U00010000\":4,\"\uFFFF\":5,\"\uD7FF\":6}"
	wantRaw := "{\"\uD7FF\":6,\"\U00010000\":4,\"\U0001F600\":2,\"\uE000\":3,\"\uFB33\":1,\"\uFFFF\":5}"
	if got, err := Canonicalize([]byte(raw)); err != nil || string(got) != wantRaw {
		t.Errorf("Canonicalize(%q) = %q, %v; want %q", raw, got, err, wantRaw)
	}
}

// TestJCSStringEscaping: only the quote, the backslash and control
// characters are escaped, with short forms where JSON has them.
func TestJCSStringEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"€", `"€"`},
		{"\x0f", `"\u000f"`},
		{"\x00\x1f", `"\u0000\u001f"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{`"\`, `"\"\\"`},
		{"/", `"/"`},
		{"\x7f\u2028\u2029", "\"\x7f\u2028\u2029\""},
		{"😀", `"😀"`},
		{"café", `"café"`},
		{"<&>", `"<&>"`},
		{"\ufeff\ufffd", "\"\ufeff\ufffd\""},
	}
	for _, tc := range tests {
		in, err := json.Marshal(tc.in) // escapes <, >, &, U+2028 and U+2029
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Canonicalize(in); err != nil || string(got) != tc.want {
			t.Errorf("Canonicalize(%s) = %s, %v; want %s", in, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`"\u000F\u001A\u000a\u0022\u005C\u002F"`, `"\u000f\u001a\n\"\\/"`},
		{`"\uD83D\uDE00\ud83d\ude00"`, `"😀😀"`},
		{`"\u0000"`, `"\u0000"`},
		{`"\uffff\uFFFE\u0080"`, "\"\uffff\ufffe\u0080\""},
	} {
		if got, err := Canonicalize([]byte(tc.in)); err != nil || string(got) != tc.want {
			t.Errorf("Canonicalize(%s) = %s, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// TestCompareUTF16 compares compareUTF16 with comparing the UTF-16
// encodings, on strings mixing the ranges where the orders differ.
func TestCompareUTF16(t *testing.T) {
	pool := []rune{
		0, 'a', 'b', 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xe001, 0xfb33, 0xfffd, 0xffff,
		0x10000, 0x10001, 0x1f600, 0x10ffff,
	}
	r := rand.New(rand.NewPCG(3, 8785))
	randString := func() string {
		var b strings.Builder
		for n := r.IntN(4); n > 0; n-- {
			b.WriteRune(pool[r.IntN(len(pool))])
		}
		return b.String()
	}
	sign := func(n int) int { return min(max(n, -1), 1) }
	for range 100000 {
		a, b := randString(), randString()
		want := slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
		if got := compareUTF16([]byte(a), []byte(b)); sign(got) != want {
			t.Fatalf("compareUTF16(%q, %q) = %d, want sign %d", a, b, got, want)
		}
	}
}

// TestCheckErrorTexts: the errors of Check are those of the jsontext token
// pass it replaces. (Not everywhere: a duplicate name is found when its
// object closes, so an error later in that object is reported first.)
func TestCheckErrorTexts(t *testing.T) {
	inputs := []string{
		``, ` `, `{`, `[`, `{"a"`, `{"a":`, `{"a":1`, `[1,`, `[1`, `"abc`, `"\u12`, `tru`, `-`, `1.`, `01`, `+1`,
		`.5`, `0x10`, `{'a':1}`, `{a:1}`, `{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":1 "b":2}`, `[1 2]`, `1 2`,
		`{} {}`, `{}{}`, `{"a":1}}`, `]`, `}`, `,`, `nul`, `nulx`, `truex`, `1x`, `"\x41"`, `"\ud800"`,
		`"\udc00"`, `"\ud83dx"`, `"\ud83d\u0041"`, "\"\xff\"", "\"a\x01\"", "{\"\xe2\x82\":1}",
		`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `[{},{"k":[],"k":{}}]`, `{"b":1,"a":2,"b":3}`,
		`{"a":1,"a":2,"b":3}`, `NaN`, `1e400`, `-1e400`, `9007199254740993`, `[9007199254740993]`,
		`10000000000000000.0`, "\ufeff{}", `"\u00"`, `"\uZZZZ"`, "[\"\x00\"]", "1\x00", `[1}`,
		`{"a":1]`, `-01`, `1e`, `1e+`, `[-]`, `"\`, `"\u`, `"\ud800`, `"\ud800\`, `"\ud800\u`,
		`"\ud800\udc0`, `"\ud800\u00`, `"\ud800\uzzzz"`, `"\ud800\ud800"`, `1.5e`, `{1:2}`, `{"a":}`,
		`{"a":]`, `[,1]`, `{,}`, `[}`, `[1,}`, `{"a":1,]`, "\"\xc3", "\"\xc3\"", "\"\xed\xa0\x80\"",
		"\"\xf0\x9f", "\xff", `["a":1]`, `{"a",1}`, `{"a"}`, `tRue`, `fals`, `-0.`, `00`, `{"a":1}]`,
		`1 x`, `{} x`, `1 [[[[`, "{\"a\":1}\n{", `{"a":{"b":{"c":{}}}}`, `{"a":1,"b":2,"c":3}`,
		strings.Repeat("[", 65), strings.Repeat("[", 10001), nest("[", "]", 10000),
	}
	for _, lim := range []Limits{DefaultLimits, storedLimits, {MaxDepth: 3, MaxKeys: 2}, {MaxDepth: -1, MaxKeys: -1}} {
		for _, in := range inputs {
			want := fmt.Sprint(referenceCheck([]byte(in), lim))
			if got := fmt.Sprint(Check([]byte(in), lim)); got != want {
				t.Errorf("Check(%q, %+v) = %s, want %s", clipped(in), lim, got, want)
			}
			if _, err := lim.Canonicalize([]byte(in)); fmt.Sprint(err) != want {
				t.Errorf("%+v.Canonicalize(%q) error = %v, want %s", lim, clipped(in), err, want)
			}
		}
	}
}

func nest(open, close string, n int) string {
	return strings.Repeat(open, n) + strings.Repeat(close, n)
}

func clipped(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

func TestIsCanonical(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`{}`, true},
		{`{"a":1,"b":[true,false,null,"x",{"c":0.5}]}`, true},
		{`{"b":1,"a":2}`, false},
		{`{"a":1,"a":1}`, false},
		{`{"a":1} `, false},
		{` {"a":1}`, false},
		{`{"a": 1}`, false},
		{`{"a":-0}`, false},
		{`{"a":1.0}`, false},
		{`{"a":1e21}`, false},
		{`{"a":1e+21}`, true},
		{`{"a":"\u0041"}`, false},
		{`{"a":"\/"}`, false},
		{`{"a":"\u000F"}`, false},
		{`{"a":"\u000f"}`, true},
		{`{"a":"\u000a"}`, false},
		{`{"a":"\n\"\\"}`, true},
		{"{\"\U0001F600\":1,\"\uFB33\":2}", true},
		{"{\"\uFB33\":2,\"\U0001F600\":1}", false},
		{`{"a":9007199254740993}`, false},
		{`{"a":1}{}`, false},
		{`{"a":"\ud800"}`, false},
		{"{\"a\":\"\xff\"}", false},
		{`[1,2]`, true},
		{`"x"`, true},
		{``, false},
		{nest("[", "]", 10000), true},
		{nest("[", "]", 10001), false},
		{`{"\"":1,"#":2}`, true},
		{`{"#":2,"\"":1}`, false},
	}
	for _, tc := range tests {
		if got := IsCanonical([]byte(tc.in)); got != tc.want {
			t.Errorf("IsCanonical(%q) = %v, want %v", clipped(tc.in), got, tc.want)
		}
		ref, err := referenceCanonicalize([]byte(tc.in), storedLimits)
		if want := err == nil && bytes.Equal(ref, []byte(tc.in)); want != tc.want {
			t.Errorf("reference: IsCanonical(%q) = %v, want %v", clipped(tc.in), want, tc.want)
		}
	}
}

// TestCanonicalizeDeep: every level of a deep value out of order, so that
// members move at every level; the result must still be the reference's.
func TestCanonicalizeDeep(t *testing.T) {
	for _, n := range []int{64, 65, 9999, 10000, 10001} {
		in := strings.Repeat(`{"b":`, n-1) + `{"b":0,"a":1}` + strings.Repeat(`,"a":[{"z":1,"y":2}]}`, n-1)
		for _, lim := range []Limits{DefaultLimits, storedLimits} {
			got, err := lim.Canonicalize([]byte(in))
			want, werr := referenceCanonicalize([]byte(in), lim)
			if fmt.Sprint(err) != fmt.Sprint(werr) || !bytes.Equal(got, want) {
				t.Errorf("depth %d: Canonicalize = %.60s…, %v; reference %.60s…, %v", n, got, err, want, werr)
			}
			if err == nil && !IsCanonical(got) {
				t.Errorf("depth %d: IsCanonical(Canonicalize(…)) = false", n)
			}
		}
	}
}

// TestCanonicalizeAllocs: Canonicalize allocates only its result; Check and
// IsCanonical allocate nothing.
func TestCanonicalizeAllocs(t *testing.T) {
	if raceEnabled() {
		t.Skip("sync.Pool drops items at random under the race detector")
	}
	for _, p := range benchPayloads {
		canonical, err := Canonicalize(p.in)
		if err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _, _ = Canonicalize(p.in) }); n > 1 {
			t.Errorf("Canonicalize(%s payload): %v allocations, want 1", p.name, n)
		}
		if n := testing.AllocsPerRun(100, func() { _ = Check(p.in, DefaultLimits) }); n > 0 {
			t.Errorf("Check(%s payload): %v allocations, want 0", p.name, n)
		}
		if n := testing.AllocsPerRun(100, func() { _ = IsCanonical(canonical) }); n > 0 {
			t.Errorf("IsCanonical(%s payload): %v allocations, want 0", p.name, n)
		}
	}
}

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// differentialSeeds are inputs where canonicalizers tend to differ.
var differentialSeeds = []string{
	`{"b":1,"a":[true,null,"x"]}`,
	nest("[", "]", 64), nest("[", "]", 65), nest("[", "]", 10000), nest("[", "]", 10001),
	strings.Repeat(`{"a":`, 64) + `1` + strings.Repeat(`}`, 64),
	`{"a":{"b":{"c":{"d":1}}}}`, `[[1],[2,[3,[4]]]]`, `{"a":[],"b":{},"c":[{}]}`,
	`"\u0000\u001f\u007f\u0080\u2028\u2029\ufeff\uffff"`, `"\"\\\/\b\f\n\r\t"`, `"\u00e9\u00E9é"`,
	`"\ud83d\ude00\uD83D\uDE00😀"`, `"\udbff\udfff"`, `"\ud800\udc00"`, `"\ud800"`, `"\udc00\ud800"`,
	`"\ud800\u0041"`, `"\ud800\\"`, "\"\xed\xa0\x80\"", "\"\xef\xbf\xbd\"", "\"\xf4\x90\x80\x80\"",
	"\"\xc0\xaf\"", "\"\xe0\x80\xaf\"",
	`[1e21,1e-7,-0,5e-324,1.7976931348623157e308,9007199254740992,0.1,100,1E400]`,
	`1e21`, `1e-7`, `-0`, `-0.0`, `5e-324`, `1.7976931348623157e308`, `9007199254740992`, `9007199254740993`,
	`9007199254740992.5`, `9007199254740991.9999999`, `0.1`, `100`, `1E400`, `-1E400`, `1e-400`, `2.5e-324`,
	`999999999999999`, `9999999999999999`, `-9999999999999999`, `1000000000000000`, `123456789012345678`,
	`1e20`, `9.999e20`, `1.5e16`, `4.50`, `0.000001`, `0.0000001`, `333333333.33333329`, `1E+2`, `1e-02`,
	`{"\ufb33":1,"\ud83d\ude00":2,"\u20ac":3,"1":4,"\r":5,"":6,"\ue000":7,"\uffff":8,"\ud800\udc00":9}`,
	"{\"\uFB33\":1,\"\U0001F600\":2,\"\uE000\":3,\"\U00010000\":4,\"\uFFFF\":5,\"\uD7FF\":6,\"\u0080\":7}",
	`{"\"":1,"#":2,"\\":3,"]":4,"\u0000":5,"\u001f":6," ":7}`,
	`{"a":1,"\u0061":2}`, `{"a\/b":1,"a/b":2}`, `{"b":1,"a":2,"b":3}`, `{"x":{"a":1,"b":2,"a":3}}`,
	`{"aa":1,"a":2,"a\u0000":3,"":4}`,
	" \t\n\r{ \"b\" : [ 1 , 2 ] , \"a\" : { } } \n",
	`{"a":1}{}`, `1 2`, `[1,]`, `{"a":1,}`, `{"a"}`, `[01]`, `-`, `tru`, `nul`, ``, ` `,
	`{"z":{"y":{"x":[{"b":0,"a":1},{"d":2,"c":3}]},"w":0},"v":[{"u":{"t":1,"s":2}}]}`,
}

func init() {
	// A big object whose names sort differently as UTF-8 and as UTF-16.
	var b strings.Builder
	b.WriteByte('{')
	for i := range 300 {
		if i > 0 {
			b.WriteByte(',')
		}
		r := []rune{0x10000 + rune(i*97), 0xe000 + rune(i*13), 'a' + rune(i%26), 0xd7ff - rune(i)}[i%4]
		fmt.Fprintf(&b, "%q:%d", string(r)+strconv.Itoa(i), i)
	}
	b.WriteByte('}')
	differentialSeeds = append(differentialSeeds, b.String())
}

// fuzzLimits are the limits every fuzzed input is canonicalized under.
var fuzzLimits = []Limits{DefaultLimits, storedLimits, {MaxDepth: 3, MaxKeys: 2}}

// FuzzCanonicalDifferential: for any input, Canonicalize and the reference
// (jsontext's token pass, then github.com/gowebpki/jcs) both refuse it or
// both write the same bytes; Check agrees; IsCanonical holds exactly for
// the text the reference leaves unchanged. The corpus of FuzzCanonical is
// a seed too.
func FuzzCanonicalDifferential(f *testing.F) {
	for _, s := range differentialSeeds {
		f.Add([]byte(s))
	}
	for _, in := range readCorpus(f, "FuzzCanonical") {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, lim := range fuzzLimits {
			got, err := lim.Canonicalize(in)
			want, werr := referenceCanonicalize(in, lim)
			if (err == nil) != (werr == nil) || !bytes.Equal(got, want) {
				t.Fatalf("%+v.Canonicalize(%q) = %q, %v\nreference: %q, %v", lim, in, got, err, want, werr)
			}
			var ie *InputError
			if err != nil && !errors.As(err, &ie) {
				t.Fatalf("%+v.Canonicalize(%q) error %T %v, want *InputError", lim, in, err, err)
			}
			if cerr := Check(in, lim); (cerr == nil) != (werr == nil) {
				t.Fatalf("Check(%q, %+v) = %v, reference %v", in, lim, cerr, werr)
			}
		}
		want, werr := referenceCanonicalize(in, storedLimits)
		if got, ref := IsCanonical(in), werr == nil && bytes.Equal(want, in); got != ref {
			t.Fatalf("IsCanonical(%q) = %v, reference %v", in, got, ref)
		}
		if werr == nil && !IsCanonical(want) {
			t.Fatalf("IsCanonical(%q) = false, the reference's canonical form of %q", want, in)
		}
	})
}

// readCorpus returns the inputs of a []byte fuzz target's corpus in
// testdata/fuzz.
func readCorpus(tb testing.TB, target string) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", target, "*"))
	if err != nil {
		tb.Fatal(err)
	}
	var ins [][]byte
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
			!strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
			tb.Fatalf("%s: not a []byte corpus file", name)
		}
		in, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		ins = append(ins, []byte(in))
	}
	return ins
}

// benchPayloads: a typical llm_call payload (about 400 bytes, the payload
// of BenchmarkCanonicalize) and llm_response payloads of about 1 KB and 10
// KB, members in the order clients write them.
var benchPayloads = []struct {
	name string
	in   []byte
}{
	{"400B", []byte(`{"callId":"call_8f3a2c","provider":"anthropic","model":"claude-sonnet-4",` +
		`"messages":[{"role":"system","content":"You are a careful assistant. Answer briefly."},` +
		`{"role":"user","content":"Summarise incident INC-20431 and list the affected services."},` +
		`{"role":"assistant","content":"Looking up INC-20431…"}],"temperature":0.2,"maxTokens":1024,` +
		`"tools":["search","read_ticket"],"stream":false,"metadata":{"tenant":"acme","retry":0}}`)},
	{"1KB", llmResponse(4)},
	{"10KB", llmResponse(59)},
}

func llmResponse(turns int) []byte {
	var b strings.Builder
	b.WriteString(`{"callId":"call_8f3a2c","provider":"anthropic","model":"claude-sonnet-4","messages":[`)
	for i := range turns {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"role":"user","content":"Step %d: fetch the ticket, \"INC-%d\", and summarise it —`+
			` affected: api, café-billing.\nThen stop.","tokens":%d,"score":0.%d}`, i, 20431+i, 40+i, 125+i)
	}
	b.WriteString(`],"completion":"The incident affected 3 services; mean latency rose 4.5×.",` +
		`"finishReason":"end_turn","usage":{"outputTokens":812,"inputTokens":2048,"cacheReadTokens":0},` +
		`"costUsd":0.01536,"latencyMs":1834.25,"stop":null,"cached":false}`)
	return []byte(b.String())
}

func TestBenchPayloadSizes(t *testing.T) {
	for _, p := range benchPayloads {
		want := map[string]int{"400B": 400, "1KB": 1024, "10KB": 10240}[p.name]
		if n := len(p.in); n < want*8/10 || n > want*12/10 {
			t.Errorf("%s payload is %d bytes", p.name, n)
		}
		if _, err := Canonicalize(p.in); err != nil {
			t.Errorf("%s payload: %v", p.name, err)
		}
	}
}

func BenchmarkCanonicalizeSizes(b *testing.B) {
	for _, p := range benchPayloads {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(p.in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Canonicalize(p.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCanonicalizeReference is the canonicalizer before jcs.go.
func BenchmarkCanonicalizeReference(b *testing.B) {
	for _, p := range benchPayloads {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(p.in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := referenceCanonicalize(p.in, DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCheck(b *testing.B) {
	for _, p := range benchPayloads {
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(p.in)))
			b.ReportAllocs()
			for b.Loop() {
				if err := Check(p.in, DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkIsCanonical(b *testing.B) {
	for _, p := range benchPayloads {
		canonical, err := Canonicalize(p.in)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(canonical)))
			b.ReportAllocs()
			for b.Loop() {
				if !IsCanonical(canonical) {
					b.Fatal("not canonical")
				}
			}
		})
		// The check verification made before: canonicalize and compare.
		b.Run(p.name+"/reference", func(b *testing.B) {
			b.SetBytes(int64(len(canonical)))
			b.ReportAllocs()
			for b.Loop() {
				if c, err := referenceCanonicalize(canonical, storedLimits); err != nil || !bytes.Equal(c, canonical) {
					b.Fatal("not canonical")
				}
			}
		})
	}
}
