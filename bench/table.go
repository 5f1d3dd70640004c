package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// row is one line of the results table.
type row struct {
	what   string // the measurement
	result string // the figure, "n/a (…)" or "error (…)"
	cpu    string // the figure per CPU-second of the measured process, and the cores it used
	goal   string // the goal, "" for information only
	met    string // "yes", "NO" or "" when there is no goal or no figure
}

// table collects rows and prints them aligned, markdown style.
type table struct {
	rows []row
}

func (t *table) add(what, result, goal, met string) {
	t.rows = append(t.rows, row{what: what, result: result, goal: goal, met: met})
}

// addCPU adds a row with a CPU-normalised figure.
func (t *table) addCPU(what, result, cpu, goal, met string) {
	t.rows = append(t.rows, row{what: what, result: result, cpu: cpu, goal: goal, met: met})
}

// section adds a heading row.
func (t *table) section(name string) {
	t.rows = append(t.rows, row{what: "**" + name + "**"})
}

func (t *table) print(w io.Writer) {
	head := row{what: "measurement", result: "result", cpu: "per CPU-second (cores used)", goal: "goal", met: "met"}
	widths := [5]int{}
	for _, r := range append([]row{head}, t.rows...) {
		for i, c := range r.cells() {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(r row) {
		cells := r.cells()
		var b strings.Builder
		b.WriteString("|")
		for i, c := range cells {
			pad := widths[i] - utf8.RuneCountInString(c)
			if i == 1 || i == 2 { // figures right-aligned
				fmt.Fprintf(&b, " %s%s |", strings.Repeat(" ", pad), c)
			} else {
				fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", pad))
			}
		}
		fmt.Fprintln(w, b.String())
	}
	line(head)
	var sep strings.Builder
	sep.WriteString("|")
	for i, n := range widths {
		if i == 1 || i == 2 {
			sep.WriteString(strings.Repeat("-", n+1) + ":|")
		} else {
			sep.WriteString(strings.Repeat("-", n+2) + "|")
		}
	}
	fmt.Fprintln(w, sep.String())
	for _, r := range t.rows {
		line(r)
	}
}

func (r row) cells() [5]string { return [5]string{r.what, r.result, r.cpu, r.goal, r.met} }

// perCPU formats n units done with cpu time over wall time as a rate per
// CPU-second and the cores used.
func perCPU(n float64, unit string, cpu, wall time.Duration) string {
	if cpu <= 0 || wall <= 0 {
		return ""
	}
	return fmt.Sprintf("%s %s/CPU-s (%.2f cores)", thousands(int64(n/cpu.Seconds()+0.5)), unit,
		cpu.Seconds()/wall.Seconds())
}

// metAtLeast says whether v ≥ goal.
func metAtLeast(v, goal float64) string {
	if v >= goal {
		return "yes"
	}
	return "NO"
}

// metBelow says whether v < goal (strict).
func metBelow(v, goal float64) string {
	if v < goal {
		return "yes"
	}
	return "NO"
}

// metAtMost says whether v ≤ goal.
func metAtMost(v, goal float64) string {
	if v <= goal {
		return "yes"
	}
	return "NO"
}

// both combines two verdicts.
func both(a, b string) string {
	if a == "yes" && b == "yes" {
		return "yes"
	}
	return "NO"
}

// perSec formats a rate with thousands separators.
func perSec(v float64, unit string) string {
	return thousands(int64(v+0.5)) + " " + unit
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// ms formats a duration in milliseconds with two significant decimals.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f ms", v)
	case v < 100:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}

// mib formats bytes as MiB.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
