package harness

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Report counts the checks of a run and prints one line for each: `PASS
// name detail`, or `FAIL name: want …, got …`. Lines that start with `#`
// are information. It is not safe for concurrent use.
type Report struct {
	// Out receives the lines.
	Out io.Writer
	// Width is how many runes a check's name takes before its detail; a
	// longer name is followed by one space. Zero puts the detail one space
	// after the name.
	Width int
	// Passed and Failed count the checks so far.
	Passed, Failed int
}

// Pass records a check that held; detail, when not empty, follows its name.
func (r *Report) Pass(name, detail string) {
	r.Passed++
	if detail == "" {
		fmt.Fprintf(r.Out, "PASS %s\n", name)
		return
	}
	pad := max(1, r.Width-utf8.RuneCountInString(name))
	fmt.Fprintf(r.Out, "PASS %s%s%s\n", name, strings.Repeat(" ", pad), detail)
}

// Fail records a check that did not hold: what it wanted and what it got.
func (r *Report) Fail(name, want, got string) {
	r.Failed++
	fmt.Fprintf(r.Out, "FAIL %s: want %s, got %s\n", name, want, got)
}

// ServerLog prints the lines of a server's log, such as [LogTail.Lines], as
// information under a heading that counts them.
func (r *Report) ServerLog(lines []string) {
	fmt.Fprintf(r.Out, "# server log, last %d lines:\n", len(lines))
	for _, l := range lines {
		fmt.Fprintf(r.Out, "#   %s\n", l)
	}
}

// Tally prints the run's last line, `tool: N passed, M failed`, and returns
// the exit status: 1 when a check failed, 0 otherwise.
func (r *Report) Tally(tool string) int {
	fmt.Fprintf(r.Out, "%s: %d passed, %d failed\n", tool, r.Passed, r.Failed)
	if r.Failed > 0 {
		return 1
	}
	return 0
}
