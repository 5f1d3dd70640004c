package plugins

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrClosed is returned by Apply on a closed [Chain].
var ErrClosed = errors.New("plugin chain closed")

// maxReason caps a reason taken from guest output.
const maxReason = 200

// PluginError is any failure of a plugin on an event: a reject, an error
// status, a trap, a timeout, a bad pointer or length, invalid JSON output,
// or output too large. Nothing of the batch may be stored; the host answers
// 422 naming the plugin, the event index and the reason.
type PluginError struct {
	// Plugin is the configured name of the plugin.
	Plugin string
	// EventIndex is the event's position in the slice given to Apply.
	EventIndex int
	// Reason says what went wrong. For a reject or an error status it is
	// what the plugin author wrote, cut to 200 bytes; otherwise the host
	// wrote it, and it never contains guest output.
	Reason string
	// Rejected is true when the plugin rejected the event on purpose
	// (status 1) rather than failing.
	Rejected bool
}

func (e *PluginError) Error() string {
	if e.Rejected {
		return fmt.Sprintf("plugin %q rejected event %d: %s", e.Plugin, e.EventIndex, e.Reason)
	}
	return fmt.Sprintf("plugin %q failed on event %d: %s", e.Plugin, e.EventIndex, e.Reason)
}

// callError is a breach of the ABI found by the host while calling a guest;
// reason is written by the host.
type callError struct{ reason string }

func (e *callError) Error() string { return e.reason }

// guestReason makes a guest-written reject reason or error message safe to
// show: at most maxReason bytes, cut on a UTF-8 boundary, valid UTF-8, no
// control characters.
func guestReason(b []byte, empty string) string {
	if len(b) > maxReason {
		b = b[:maxReason]
		for len(b) > 0 && !utf8.Valid(b) && len(b) > maxReason-utf8.UTFMax {
			b = b[:len(b)-1]
		}
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if s = strings.TrimSpace(s); s == "" {
		return empty
	}
	return s
}
