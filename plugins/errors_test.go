package plugins

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGuestReason(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"no thanks", "no thanks"},
		{"", "(empty)"},
		{"  \n ", "(empty)"},
		{"line\nbreak\x00\x1b[31m", "line break  [31m"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{strings.Repeat("x", 300), strings.Repeat("x", 200)},
		{strings.Repeat("x", 199) + "é", strings.Repeat("x", 199)}, // not cut mid-rune
	}
	for _, tt := range tests {
		got := guestReason([]byte(tt.in), "(empty)")
		if got != tt.want {
			t.Errorf("guestReason(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !utf8.ValidString(got) || len(got) > maxReason {
			t.Errorf("guestReason(%q) = %q: invalid or too long", tt.in, got)
		}
	}
}

func TestPluginError_Error(t *testing.T) {
	e := &PluginError{Plugin: "pii", EventIndex: 3, Reason: "timed out after 100ms"}
	if got, want := e.Error(), `plugin "pii" failed on event 3: timed out after 100ms`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &PluginError{Plugin: "policy", EventIndex: 0, Reason: "no", Rejected: true}
	if got, want := e.Error(), `plugin "policy" rejected event 0: no`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
