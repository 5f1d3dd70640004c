package harness

import (
	"strings"
	"testing"
)

func TestReport(t *testing.T) {
	var out strings.Builder
	r := &Report{Out: &out, Width: 8}
	r.Pass("short", "detail")
	r.Pass("a long name", "detail")
	r.Pass("bare", "")
	r.Fail("broken", "x", "y")
	r.ServerLog([]string{"one", "two"})
	status := r.Tally("tool")

	want := "PASS short   detail\n" +
		"PASS a long name detail\n" +
		"PASS bare\n" +
		"FAIL broken: want x, got y\n" +
		"# server log, last 2 lines:\n" +
		"#   one\n" +
		"#   two\n" +
		"tool: 3 passed, 1 failed\n"
	if got := out.String(); got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	if status != 1 {
		t.Errorf("Tally() = %d, want 1", status)
	}
	if got := (&Report{Out: &out}).Tally("tool"); got != 0 {
		t.Errorf("Tally() with no failure = %d, want 0", got)
	}
}
