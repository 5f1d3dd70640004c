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
	"syscall"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
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
	report *harness.Report
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
	r := &runner{opts: opts, report: &harness.Report{Out: out, Width: 49}}

	// A fresh directory holds the database and is the server's working directory.
	tmp, err := os.MkdirTemp("", "agentlens-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: create temporary directory: %v\n", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	r.dbPath = filepath.Join(tmp, "agentlens.db")

	log := harness.NewLogTail(logLines)
	srv, err := harness.Start(harness.Config{
		Bin:        opts.bin,
		ConfigFile: opts.config,
		Dir:        tmp,
		DBPath:     r.dbPath,
		Output:     log,
	})
	if err != nil {
		r.report.Fail("server/start", "a running server", err.Error())
		return r.finish(start, nil)
	}
	defer srv.Kill()
	r.api = newAPI(srv.URL)
	fmt.Fprintf(out, "# server %s on %s, database %s\n", opts.bin, srv.URL, r.dbPath)

	// Run the phases in order; the offline verifier must see the database before
	// the conformance suite adds broken sessions of its own.
	healthStart := time.Now()
	healthErr := waitHealthy(ctx, srv, r.api, 10*time.Second)
	if healthErr != nil {
		r.report.Fail("server/health", "200 from /api/health within 10s", healthErr.Error())
	} else {
		r.report.Pass("server/health", fmt.Sprintf("up in %d ms", msSince(healthStart)))
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
				r.report.Fail("interrupted", "the run to complete", "a signal stopped it")
				break
			}
		}
	}

	// A server that came up and was never interrupted must still be running, and
	// must stop cleanly.
	if healthErr == nil && ctx.Err() == nil {
		if err := srv.Stop(15 * time.Second); err != nil {
			r.report.Fail("server/shutdown", "exit 0 after SIGTERM", err.Error())
		} else {
			r.report.Pass("server/shutdown", "exit 0 after SIGTERM")
		}
	}
	srv.Kill()
	return r.finish(start, log)
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

	t, err := harness.FindTarget(*bin)
	if err != nil {
		return options{}, err
	}
	root := t.Root
	opts := options{bin: t.Bin, config: t.Config}

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
		if opts.conformance, err = harness.ExistingFile(*conformance); err != nil {
			return options{}, fmt.Errorf("--conformance: %w", err)
		}
	default:
		suite := filepath.Join(root, "..", "shared", "conformance", "run.py")
		if p, err := harness.ExistingFile(suite); err == nil {
			opts.conformance = p
		}
	}
	return opts, nil
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// finish prints the server's log when something failed, then the summary, and
// returns the exit status.
func (r *runner) finish(start time.Time, log *harness.LogTail) int {
	out := r.report.Out
	if r.report.Failed > 0 && log != nil {
		r.report.ServerLog(log.Lines())
	}

	fmt.Fprintf(out, "# summary\n")
	fmt.Fprintf(out, "#   sessions       %d (%d fixtures, %d own)\n",
		len(r.fixtureSessions)+len(r.ownSessions), len(r.fixtureSessions), len(r.ownSessions))
	fmt.Fprintf(out, "#   events posted  %d\n", r.eventsPosted)
	fmt.Fprintf(out, "#   tamper caught  %d/%d\n", r.caught, len(tamperCases))
	fmt.Fprintf(out, "#   total time     %.1fs\n", time.Since(start).Seconds())
	return r.report.Tally("e2e")
}

// failure is why a check did not hold: what it wanted and what it got.
type failure struct {
	want, got string
}

// msSince returns the milliseconds elapsed since t.
func msSince(t time.Time) int64 {
	return time.Since(t).Milliseconds()
}
