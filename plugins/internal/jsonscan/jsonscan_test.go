package jsonscan

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
)

// TestMasks checks the SWAR helpers against plain byte comparisons, for
// every byte value in every position.
func TestMasks(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			var b [8]byte
			for k := range b {
				b[k] = byte(c + 37*k) // neighbours of all kinds
			}
			b[pos] = byte(c)
			x := binary.LittleEndian.Uint64(b[:])
			for k := range b {
				bit := func(m uint64) bool { return m>>(8*k+7)&1 == 1 }
				if got, want := bit(Eq(x, '"')), b[k] == '"'; got != want {
					t.Fatalf("Eq(%x, '\"') byte %d = %v, want %v", x, k, got, want)
				}
				if got, want := bit(Range(x, '0', '9')), b[k] >= '0' && b[k] <= '9'; got != want {
					t.Fatalf("Range(%x, '0', '9') byte %d = %v, want %v", x, k, got, want)
				}
				if got, want := bit(Below(x, 0x20)), b[k] < 0x20; got != want {
					t.Fatalf("Below(%x, 0x20) byte %d = %v, want %v", x, k, got, want)
				}
				if m := Eq(x, '"') | Range(x, '0', '9') | Below(x, 0x20); m&^0x8080808080808080 != 0 {
					t.Fatalf("masks of %x set bits outside bit 7: %x", x, m)
				}
			}
		}
	}
}

func TestStringEnd(t *testing.T) {
	tests := []struct {
		in      string
		end     int
		escaped bool
	}{
		{`""`, 2, false},
		{`"abc"`, 5, false},
		{`"abc",`, 5, false},
		{`"` + strings.Repeat("x", 15) + `"`, 17, false},
		{`"` + strings.Repeat("x", 16) + `"`, 18, false},
		{`"` + strings.Repeat("x", 40) + `"]`, 42, false},
		{`"a\"b"`, 6, true},
		{`"a\\"`, 5, true},
		{`"` + strings.Repeat("x", 14) + `\"y"`, 19, true},
		{`"\u0022"x"`, 8, true},
		{`"abc`, -1, false},
		{`"abc\"`, -1, true},
		{`"\`, -1, true},
		{`"` + strings.Repeat("x", 30), -1, false},
	}
	for _, tt := range tests {
		end, esc := StringEnd([]byte(tt.in), 0)
		if end != tt.end || esc != tt.escaped {
			t.Errorf("StringEnd(%s) = %d, %v; want %d, %v", tt.in, end, esc, tt.end, tt.escaped)
		}
	}
}

func TestIndexQuote(t *testing.T) {
	for n := 0; n < 40; n++ {
		in := []byte(strings.Repeat("x", n) + `"` + strings.Repeat("y", 3))
		if got := IndexQuote(in, 0); got != n {
			t.Errorf("IndexQuote(%d x's then a quote) = %d", n, got)
		}
		none := []byte(strings.Repeat("x", n))
		if got := IndexQuote(none, 0); got != n {
			t.Errorf("IndexQuote(%d x's) = %d, want %d", n, got, n)
		}
	}
}

func TestValueEnd(t *testing.T) {
	tests := []struct {
		in  string
		end int
	}{
		{`{}`, 2},
		{`{"a":[1,{"b":"}"}],"c":null},1`, 28},
		{`"x"`, 3},
		{`12.5e3,`, 6},
		{`true]`, 4},
		{`[1,2`, -1},
		{`}`, -1},
		{`,`, -1},
	}
	for _, tt := range tests {
		end, err := ValueEnd([]byte(tt.in), 0)
		if tt.end < 0 {
			if err == nil {
				t.Errorf("ValueEnd(%s) = %d, want an error", tt.in, end)
			}
			continue
		}
		if err != nil || end != tt.end {
			t.Errorf("ValueEnd(%s) = %d, %v; want %d", tt.in, end, err, tt.end)
		}
	}
}

func TestUnescapeAndAppendString(t *testing.T) {
	for _, s := range []string{
		"", "plain", `q"b\s`, "ctl\x00\x01\x1f\n\t\r\b\f", "é ✓ 日本 \u2028", strings.Repeat("x", 20) + "\n" + strings.Repeat("y", 20),
	} {
		enc := AppendString(nil, s)
		// The escaping matches what JSON decoders read back.
		var back string
		if err := json.Unmarshal(enc, &back); err != nil || back != s {
			t.Errorf("AppendString(%q) = %s, decodes to %q, %v", s, enc, back, err)
		}
		dec, err := Unescape(nil, enc[1:len(enc)-1])
		if err != nil || string(dec) != s {
			t.Errorf("Unescape(%s) = %q, %v; want %q", enc, dec, err, s)
		}
	}
	// Escapes canonical text never holds still decode.
	dec, err := Unescape(nil, []byte(`\u00e9\/\ud83d\ude00\ud800x`))
	if err != nil || string(dec) != "é/😀\uFFFDx" {
		t.Errorf("Unescape = %q, %v", dec, err)
	}
	for _, bad := range []string{`\`, `\q`, `\u12`, `\u12g4`} {
		if _, err := Unescape(nil, []byte(bad)); err == nil {
			t.Errorf("Unescape(%s) = nil error, want one", bad)
		}
	}
}
