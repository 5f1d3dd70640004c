// Command crash is the crash-consistency test of AgentLens. It runs the built
// binary as a real server on a throwaway database, has several writers post
// event batches into many sessions at once, and after a random time of that
// load kills the process with SIGKILL, then restarts it on the same file;
// again and again. Some kills land at that random moment, most right after
// the next 201, where a server that answered before committing would lose
// the batch. After every restart it proves, from the outside, what
// DESIGN.md promises in "Ingest pipeline" and "Storage":
//
//   - durability: every event the server acknowledged (its batch answered
//     201) is still stored, under the id and hash the 201 gave, because the
//     answer comes only after the commit, with synchronous=FULL;
//   - atomicity: every batch is stored whole or not at all, including the
//     batches whose requests the kill cut off, which the client cannot know
//     the fate of. Their outcome, learned at the first restart after them,
//     must not change later. Batches spread over up to three sessions, so
//     this covers atomicity across sessions too;
//   - integrity: the hash chain of every session verifies
//     (GET /api/audit/verify), with as many events as the session lists.
//
// The client learns a batch's ids only from a 201, so each event's payload
// carries its batch's tag, position and size
// ({"type":"crash","data":{"writer","n","batch","pos","size"}}), and the
// checks find every batch's stored events in the listings of the sessions.
// At the end the server must stop cleanly on SIGTERM (exit 0), and the
// offline verifier, `agentlens verify --db FILE --json`, must find every chain
// intact from the file alone, holding exactly the events the API listed.
//
// What it does not prove: a killed process leaves what it wrote in the
// kernel's page cache, so a missing fsync (synchronous below FULL) goes
// unnoticed; only losing power, or a virtual machine's, would show that.
// A server that answers before its commit is caught only when a kill lands
// between the two, which the kills right after a 201 aim at: most runs of
// 20 kills catch it, not every one.
//
// Usage, from anywhere inside the module, after `make build` (`make crash`
// does both):
//
//	go run ./crash --bin ./bin/agentlens [--kills 20] [--writers 8] [--sessions 16] [--seed N]
//
// The seed fixes the batches and the kill delays, not the timing of the
// scheduler, so a run is reproducible only in what it sends. Each check prints
// `PASS name` or `FAIL name: want …, got …`; lines starting with `#` are
// information. The last line is `crash: N passed, M failed`, and the exit
// status is 1 when anything failed (2 for bad usage). When something failed,
// the server's log (its last lines, across every restart) is shown and the
// temporary directory holding the database is kept for inspection; otherwise
// it is removed. The server is stopped on every path, Ctrl-C included.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
)

const (
	// healthTimeout is how long a (re)started server gets to answer
	// /api/health; it starts in well under a second, so this is slack for a
	// loaded CI machine, not an expected wait.
	healthTimeout = 15 * time.Second
	// stopTimeout is how long the server gets to exit after SIGTERM; its
	// own shutdown deadline is 15 s.
	stopTimeout = 20 * time.Second
	// minLoad and maxLoad bound the random time of load before each kill.
	minLoad = 50 * time.Millisecond
	maxLoad = 400 * time.Millisecond
	// logLines is how much of the server's log is kept to show on failure.
	logLines = 60
)

// options are the command-line settings, with paths made absolute.
type options struct {
	bin      string // the agentlens binary
	config   string // the repository's agentlens.toml
	kills    int
	writers  int
	sessions int
	seed     uint64
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout))
}

// run executes the whole crash run and returns the exit status. Every cleanup
// is a defer here, so it happens on every path, an interrupt included.
func run(args []string, out io.Writer) int {
	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts, err := parseOptions(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "crash: %v\n", err)
		return 2
	}

	// A fresh directory holds the database and is the server's working directory.
	dir, err := os.MkdirTemp("", "agentlens-crash-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "crash: create temporary directory: %v\n", err)
		return 2
	}
	r := newRunner(opts, out, dir)
	defer func() { r.proc.Kill() }()

	fmt.Fprintf(out, "# %s: %d kills, %d writers, %d sessions, seed %d\n",
		opts.bin, opts.kills, opts.writers, opts.sessions, opts.seed)
	fmt.Fprintf(out, "# database %s\n", r.launch.dbPath)
	r.run(ctx)
	return r.finish(start, dir)
}

// parseOptions reads the flags and fills in the defaults; the configuration
// is the agentlens.toml at the module root (the directory holding go.mod).
func parseOptions(args []string) (options, error) {
	fs := flag.NewFlagSet("crash", flag.ContinueOnError)
	bin := fs.String("bin", "./bin/agentlens", "the agentlens `binary` to test")
	kills := fs.Int("kills", 20, "how many times to kill and restart the server")
	writers := fs.Int("writers", 8, "how many concurrent writers post batches")
	sessions := fs.Int("sessions", 16, "how many sessions the writers write into")
	seed := fs.Uint64("seed", 0, "seed of the batches and kill delays (0: from the clock)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *kills < 1 || *writers < 1 || *sessions < 1 {
		return options{}, errors.New("--kills, --writers and --sessions must be at least 1")
	}

	t, err := harness.FindTarget(*bin)
	if err != nil {
		return options{}, err
	}
	opts := options{
		bin: t.Bin, config: t.Config,
		kills: *kills, writers: *writers, sessions: *sessions, seed: *seed,
	}
	if opts.seed == 0 {
		opts.seed = uint64(time.Now().UnixNano())
	}
	return opts, nil
}

// finish prints the server's log when something failed, then the summary,
// and returns the exit status. The temporary directory is removed after a
// clean run and kept otherwise.
func (r *runner) finish(start time.Time, dir string) int {
	out := r.rep.Out
	if r.rep.Failed > 0 {
		r.rep.ServerLog(r.launch.log.Lines())
	}

	t := r.tally
	fmt.Fprintf(out, "# summary\n")
	fmt.Fprintf(out, "#   kills                    %d\n", t.kills)
	fmt.Fprintf(out, "#   batches sent             %d\n", len(r.batches))
	fmt.Fprintf(out, "#   acknowledged events      %d (in %d batches)\n", t.ackedEvents, t.ackedBatches)
	fmt.Fprintf(out, "#   present                  %d\n", t.present)
	fmt.Fprintf(out, "#   lost                     %d\n", len(t.lost))
	fmt.Fprintf(out, "#   partial batches          %d\n", len(t.partial))
	fmt.Fprintf(out, "#   broken chains            %d\n", len(t.broken))
	stored := 0
	for _, s := range r.settled {
		if s {
			stored++
		}
	}
	fmt.Fprintf(out, "#   unacknowledged batches   %d: %d stored whole, %d not stored\n",
		len(r.settled), stored, len(r.settled)-stored)
	fmt.Fprintf(out, "#   events stored            %d in %d sessions\n", t.stored, t.storedSessions)
	fmt.Fprintf(out, "#   total time               %.1fs\n", time.Since(start).Seconds())
	if r.rep.Failed > 0 {
		fmt.Fprintf(out, "# kept %s for inspection\n", dir)
	} else if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(out, "# could not remove %s: %v\n", dir, err)
	}
	return r.rep.Tally("crash")
}

// newRand returns a generator for one stream of the run's seed.
func newRand(seed, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, stream))
}
