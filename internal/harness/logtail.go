package harness

import (
	"bytes"
	"sync"
)

// LogTail is an io.Writer that keeps the last lines written to it, such as a
// server's log, to show when something fails. It is safe for concurrent use;
// make one with [NewLogTail].
type LogTail struct {
	max int

	mu      sync.Mutex
	lines   []string
	partial []byte // the unfinished last line
}

// NewLogTail returns a LogTail that keeps the last n lines.
func NewLogTail(n int) *LogTail {
	return &LogTail{max: n}
}

// Write takes p, which may hold any number of lines or parts of one; it never
// fails.
func (t *LogTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.partial = append(t.partial, p...)
	for {
		i := bytes.IndexByte(t.partial, '\n')
		if i < 0 {
			break
		}
		t.lines = append(t.lines, string(t.partial[:i]))
		t.partial = t.partial[i+1:]
	}
	if n := len(t.lines); n > t.max {
		t.lines = append(t.lines[:0], t.lines[n-t.max:]...)
	}
	return len(p), nil
}

// Lines returns the kept lines, oldest first, counting an unfinished last
// line as one.
func (t *LogTail) Lines() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := append([]string(nil), t.lines...)
	if len(t.partial) > 0 {
		lines = append(lines, string(t.partial))
	}
	if n := len(lines); n > t.max {
		lines = lines[n-t.max:]
	}
	return lines
}
