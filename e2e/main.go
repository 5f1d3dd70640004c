// Command e2e is the end-to-end test of AgentLens. It runs the built binary as a
// real server on a throwaway database and proves, from the outside, what the audit
// log promises in DESIGN.md:
//
//   - real agent sessions (the fixtures) are ingested whole, and each one's chain
//     verifies through GET /api/audit/verify;
//   - tampering done behind the server's back, in the database file itself with the
//     append-only triggers lifted, is caught: a changed payload, a deleted middle
//     event, a deleted last event, two swapped events, and a changed event given a
//     fresh, self-consistent hash. The server's verify names the session, the seq
//     where the walk failed and the event found there, while an untouched session
//     still verifies and the triggers are back in force afterwards;
//   - the offline verifier (`agentlens verify --db`) reaches the same verdict from
//     the file alone: exactly the tampered sessions are broken;
//   - the shared conformance suite, when present, passes against the same server.
//
// Usage, from anywhere inside the module, after `make build` (`make e2e` does both):
//
//	go run ./e2e --bin ./bin/agentlens [--fixtures DIR] [--conformance FILE | --no-conformance]
//
// Each check prints `PASS name` or `FAIL name: want …, got …`; lines starting with
// `#` are information. The last line is `e2e: N passed, M failed`, and the exit
// status is 1 when anything failed (2 for bad usage). The server's log is shown,
// its last 50 lines, only when something failed. The server is stopped and its
// temporary directory removed on every path, Ctrl-C included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// conformanceGroups are the conformance suite's groups run against the server.
const conformanceGroups = "health,ingest,query,chain,verify,tamper,concurrency,fixtures,evidence,redaction"

// authGroups are the groups run against a second server with authentication
// on and every webhook secret set.
const authGroups = "keys,auth,cors,webhook,evidence"

// options are the command-line settings, with paths made absolute.
type options struct {
	bin         string // the agentlens binary
	config      string // the repository's agentlens.toml
	fixtures    string // directory of {"events": [...]} session files
	conformance string // the conformance suite's run.py, "" to skip it
}

// runner carries one e2e run: the server under test and what was learned so far.
type runner struct {
	opts   options
	report *report
	api    *api
	dbPath string

	fixtureSessions []string // session ids of the fixtures posted
	ownSessions     []string // session ids this program made up (control, tamper cases)
	tampered        []string // session ids edited behind the server's back
	eventsPosted    int
	caught          int // tamper cases the server's verify reported correctly
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout))
}

// run executes the whole e2e run and returns the exit status. Every cleanup is a
// defer here, so it happens on every path, an interrupt included.
func run(args []string, out io.Writer) int {
	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts, err := parseOptions(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 2
	}
	r := &runner{opts: opts, report: &report{out: out}}

	// A fresh directory holds the database and is the server's working directory.
	tmp, err := os.MkdirTemp("", "agentlens-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: create temporary directory: %v\n", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	r.dbPath = filepath.Join(tmp, "agentlens.db")

	srv, err := startServer(opts.bin, opts.config, tmp, r.dbPath)
	if err != nil {
		r.report.fail("server/start", "a running server", err.Error())
		return r.finish(start, nil)
	}
	defer srv.kill()
	r.api = newAPI(srv.url)
	fmt.Fprintf(out, "# server %s on %s, database %s\n", opts.bin, srv.url, r.dbPath)

	// Run the phases in order; the offline verifier must see the database before
	// the conformance suite adds broken sessions of its own.
	healthStart := time.Now()
	healthErr := srv.waitHealthy(ctx, r.api, 10*time.Second)
	if healthErr != nil {
		r.report.fail("server/health", "200 from /api/health within 10s", healthErr.Error())
	} else {
		r.report.pass("server/health", fmt.Sprintf("up in %d ms", msSince(healthStart)))
		phases := []func(context.Context){
			r.postFixtures,
			r.tamper,
			r.verifyOffline,
			r.runConformance,
			func(ctx context.Context) { r.runAuthConformance(ctx, tmp) },
		}
		for _, phase := range phases {
			phase(ctx)
			if ctx.Err() != nil {
				r.report.fail("interrupted", "the run to complete", "a signal stopped it")
				break
			}
		}
	}

	// A server that came up and was never interrupted must still be running, and
	// must stop cleanly.
	if healthErr == nil && ctx.Err() == nil {
		if err := srv.stop(15 * time.Second); err != nil {
			r.report.fail("server/shutdown", "exit 0 after SIGTERM", err.Error())
		} else {
			r.report.pass("server/shutdown", "exit 0 after SIGTERM")
		}
	}
	srv.kill()
	return r.finish(start, srv.log)
}

// parseOptions reads the flags and fills in the defaults, which are found
// relative to the module root (the directory holding go.mod).
func parseOptions(args []string) (options, error) {
	fs := flag.NewFlagSet("e2e", flag.ContinueOnError)
	bin := fs.String("bin", "./bin/agentlens", "the agentlens `binary` to test")
	fixtures := fs.String("fixtures", "",
		"`dir`ectory of session files (default ../shared/fixtures/sessions from the module root "+
			"if it exists, else testdata/sessions)")
	conformance := fs.String("conformance", "",
		"the conformance suite's run.py (default ../shared/conformance/run.py from the module "+
			"root, when it exists)")
	noConformance := fs.Bool("no-conformance", false, "do not run the conformance suite")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	root, err := moduleRoot()
	if err != nil {
		return options{}, err
	}
	var opts options
	if opts.bin, err = existingFile(*bin); err != nil {
		return options{}, fmt.Errorf("--bin: %w (run `make build` first)", err)
	}
	if opts.config, err = existingFile(filepath.Join(root, "agentlens.toml")); err != nil {
		return options{}, fmt.Errorf("find configuration: %w", err)
	}

	opts.fixtures = *fixtures
	if opts.fixtures == "" {
		opts.fixtures = filepath.Join(root, "..", "shared", "fixtures", "sessions")
		if !isDir(opts.fixtures) {
			opts.fixtures = filepath.Join(root, "testdata", "sessions")
		}
	}
	if opts.fixtures, err = filepath.Abs(opts.fixtures); err != nil {
		return options{}, fmt.Errorf("--fixtures: %w", err)
	}
	if !isDir(opts.fixtures) {
		return options{}, fmt.Errorf("--fixtures: %s is not a directory", opts.fixtures)
	}

	switch {
	case *noConformance:
	case *conformance != "":
		if opts.conformance, err = existingFile(*conformance); err != nil {
			return options{}, fmt.Errorf("--conformance: %w", err)
		}
	default:
		suite := filepath.Join(root, "..", "shared", "conformance", "run.py")
		if p, err := existingFile(suite); err == nil {
			opts.conformance = p
		}
	}
	return opts, nil
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("find module root: no go.mod in the working directory or above")
		}
		dir = parent
	}
}

// existingFile returns the absolute path of a regular file that exists.
func existingFile(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", err
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", abs)
	}
	return abs, nil
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// finish prints the server's log when something failed, then the summary, and
// returns the exit status.
func (r *runner) finish(start time.Time, log *logTail) int {
	out := r.report.out
	if r.report.failed > 0 && log != nil {
		lines := log.Lines()
		fmt.Fprintf(out, "# server log, last %d lines:\n", len(lines))
		for _, l := range lines {
			fmt.Fprintf(out, "#   %s\n", l)
		}
	}

	fmt.Fprintf(out, "# summary\n")
	fmt.Fprintf(out, "#   sessions       %d (%d fixtures, %d own)\n",
		len(r.fixtureSessions)+len(r.ownSessions), len(r.fixtureSessions), len(r.ownSessions))
	fmt.Fprintf(out, "#   events posted  %d\n", r.eventsPosted)
	fmt.Fprintf(out, "#   tamper caught  %d/%d\n", r.caught, len(tamperCases))
	fmt.Fprintf(out, "#   total time     %.1fs\n", time.Since(start).Seconds())
	fmt.Fprintf(out, "e2e: %d passed, %d failed\n", r.report.passed, r.report.failed)
	if r.report.failed > 0 {
		return 1
	}
	return 0
}

// report counts the checks and prints one line for each.
type report struct {
	out            io.Writer
	passed, failed int
}

// pass records a check that held; detail, when not empty, follows its name.
func (r *report) pass(name, detail string) {
	r.passed++
	if detail == "" {
		fmt.Fprintf(r.out, "PASS %s\n", name)
		return
	}
	pad := max(1, 49-utf8.RuneCountInString(name))
	fmt.Fprintf(r.out, "PASS %s%s%s\n", name, strings.Repeat(" ", pad), detail)
}

// fail records a check that did not hold.
func (r *report) fail(name, want, got string) {
	r.failed++
	fmt.Fprintf(r.out, "FAIL %s: want %s, got %s\n", name, want, got)
}

// failure is why a check did not hold: what it wanted and what it got.
type failure struct {
	want, got string
}

// msSince returns the milliseconds elapsed since t.
func msSince(t time.Time) int64 {
	return time.Since(t).Milliseconds()
}
