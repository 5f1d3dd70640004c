package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
)

// runner carries one crash run: the server under test, everything sent, and
// what the checks learned so far.
type runner struct {
	opts   options
	rep    *harness.Report
	c      *client
	launch *launcher
	proc   *harness.Server // the current server process; nil when none could start
	rng    *rand.Rand      // kill delays only, so a seed fixes them whatever the timing
	pick   *rand.Rand      // the events sampled by id

	sessions []string
	writers  []*writer
	batches  []*batch          // every batch sent, round after round
	byTag    map[string]*batch // the same, by tag
	acked    []ackedEvent      // every acknowledged event, to sample by id
	// settled holds, for each batch that was not acknowledged, whether it
	// turned out stored whole (true) or not at all (false), as first seen at
	// the restart after it was sent. It must never change afterwards.
	settled map[string]bool
	// fresh is true when the last check saw the database as it is now:
	// nothing was sent since.
	fresh bool
	tally tally
}

// ackedEvent is one acknowledged event: position i of batch b.
type ackedEvent struct {
	b *batch
	i int
}

// tally is what the summary reports.
type tally struct {
	kills        int
	ackedBatches int
	ackedEvents  int
	present      int             // acknowledged events present at the last check
	lost         map[string]bool // acknowledged event ids ever found missing or changed
	partial      map[string]bool // batch tags ever found partial or duplicated
	broken       map[string]bool // session ids ever found with a broken chain
	// stored and storedSessions are the events and non-empty sessions the
	// last check listed.
	stored, storedSessions int
}

func newRunner(opts options, out io.Writer, dir string) *runner {
	r := &runner{
		opts: opts,
		rep:  &harness.Report{Out: out, Width: 40},
		c:    newClient(opts.writers + checkConcurrency + 2),
		launch: &launcher{
			bin: opts.bin, config: opts.config, dir: dir,
			dbPath: filepath.Join(dir, "agentlens.db"),
			log:    harness.NewLogTail(logLines),
		},
		rng:     newRand(opts.seed, 0),
		pick:    newRand(opts.seed, 1<<32),
		byTag:   map[string]*batch{},
		settled: map[string]bool{},
		tally: tally{
			lost: map[string]bool{}, partial: map[string]bool{}, broken: map[string]bool{},
		},
	}
	for k := range opts.sessions {
		r.sessions = append(r.sessions, sessionName(k))
	}
	for w := range opts.writers {
		r.writers = append(r.writers, &writer{
			id:       w,
			agentID:  fmt.Sprintf("crash-writer-%d", w),
			rng:      newRand(opts.seed, uint64(w)+1),
			sessions: r.sessions,
		})
	}
	return r
}

// run starts the server, goes through the kill rounds, then stops the server
// cleanly and verifies the file offline.
func (r *runner) run(ctx context.Context) {
	began := time.Now()
	proc, err := r.launch.start(ctx, r.c, healthTimeout)
	if err != nil {
		r.rep.Fail("server start", "200 from /api/health within "+healthTimeout.String(), err.Error())
		return
	}
	r.proc = proc
	r.rep.Pass("server start", fmt.Sprintf("healthy in %d ms", time.Since(began).Milliseconds()))

	for n := 1; n <= r.opts.kills; n++ {
		if !r.round(ctx, n) {
			break
		}
		r.check(ctx, n)
	}
	if ctx.Err() != nil {
		r.rep.Fail("interrupted", "the run to complete", "a signal stopped it")
		return
	}
	r.checkAnswers()

	// Stop cleanly, then let the offline verifier read the file alone.
	if r.proc != nil {
		if err := r.proc.Stop(stopTimeout); err != nil {
			r.rep.Fail("stop", "exit 0 after SIGTERM", err.Error())
		} else {
			r.rep.Pass("stop", "exit 0 after SIGTERM")
		}
	}
	r.verifyOffline(ctx)
}

// armedWait bounds how long an armed round waits for a 201 before it kills
// the server anyway.
const armedWait = 2 * time.Second

// round loads the server for a random time, kills it with SIGKILL, waits for
// the writers to see their requests fail, and restarts it on the same
// database. It returns false when the run cannot go on.
//
// Rounds 1, 5, 9, … kill at that random moment. The others kill right
// after the next 201 from then on, from the writer that received it: a
// SIGKILL leaves whatever the server wrote in the kernel's page cache, so a
// server that answers before it commits loses a batch only if the kill
// lands between the two, and this is the way to land there most often.
// Measured against such a server on a 2-core machine, about one such kill
// in four finds lost events, one random kill in twenty.
func (r *runner) round(ctx context.Context, n int) bool {
	name := fmt.Sprintf("round %02d: kill and restart", n)
	load := minLoad + time.Duration(r.rng.Int64N(int64(maxLoad-minLoad)+1))
	onAck := n%4 != 1

	// Load: every writer posts batches until told to stop.
	rc := newRoundControl(r.proc)
	var wg sync.WaitGroup
	errs := make([]error, len(r.writers))
	base := r.proc.URL
	r.fresh = false
	for i, w := range r.writers {
		wg.Go(func() { errs[i] = w.run(ctx, r.c, base, n, rc) })
	}
	timer := time.NewTimer(load)
	select {
	case <-timer.C:
	case <-ctx.Done():
	case <-r.proc.Exited():
	}
	timer.Stop()

	// Kill in the middle of it; the requests in flight fail with the process.
	how := "at a random moment"
	if onAck && ctx.Err() == nil && r.proc.Running() {
		rc.armed.Store(true)
		select {
		case <-rc.killed:
			how = "right after a 201"
		case <-time.After(armedWait):
			how = fmt.Sprintf("with no 201 in %s", armedWait)
		case <-ctx.Done():
		case <-r.proc.Exited():
		}
	}
	rc.kill()
	killErr := rc.err
	if killErr == nil {
		killErr = r.proc.WaitKilled()
	}
	wg.Wait()
	r.c.hc.CloseIdleConnections()
	ackedNow, notAcked := r.collect()
	if ctx.Err() != nil {
		return false
	}
	if err := errors.Join(errs...); err != nil {
		r.rep.Fail(name, "writers that can build their batches", err.Error())
		return false
	}
	if killErr != nil {
		r.rep.Fail(name, "a running server killed by SIGKILL", killErr.Error())
		// Go on all the same: a restart shows whether the file survived.
	} else {
		r.tally.kills++
	}

	// Restart on the same file.
	began := time.Now()
	proc, err := r.launch.start(ctx, r.c, healthTimeout)
	if err != nil {
		r.rep.Fail(name, "a restart healthy within "+healthTimeout.String(), err.Error())
		r.proc = nil
		return false
	}
	r.proc = proc
	if killErr == nil {
		r.rep.Pass(name, fmt.Sprintf("SIGKILL after %3d ms %s, %d in flight; "+
			"%3d batches acknowledged, %d not; up in %d ms",
			load.Milliseconds(), how, rc.cut, ackedNow, notAcked, time.Since(began).Milliseconds()))
	}
	return true
}

// collect moves the writers' batches of the round into the ledger and
// returns how many were acknowledged and how many not.
func (r *runner) collect() (ackedNow, notAcked int) {
	for _, w := range r.writers {
		for _, b := range w.sent {
			r.batches = append(r.batches, b)
			r.byTag[b.tag] = b
			if b.outcome != acked {
				notAcked++
				continue
			}
			ackedNow++
			r.tally.ackedBatches++
			r.tally.ackedEvents += len(b.ids)
			for i := range b.ids {
				r.acked = append(r.acked, ackedEvent{b: b, i: i})
			}
		}
		w.sent = w.sent[:0]
	}
	return ackedNow, notAcked
}

// checkAnswers requires that the server answered every request it received
// with a well-formed 201: a request may fail only by being cut off by a kill.
// It also requires that some events were acknowledged at all.
func (r *runner) checkAnswers() {
	const name = "answers"
	count := map[outcome]int{}
	first := map[outcome]string{}
	for _, b := range r.batches {
		count[b.outcome]++
		if _, ok := first[b.outcome]; !ok && b.outcome != acked {
			first[b.outcome] = fmt.Sprintf("batch %s: %s", b.tag, b.detail)
		}
	}
	bad := count[timedOut] + count[refused] + count[malformed]
	switch {
	case bad > 0:
		var got []string
		for _, o := range []outcome{timedOut, refused, malformed} {
			if count[o] > 0 {
				got = append(got, fmt.Sprintf("%d %s (first: %s)", count[o], o, first[o]))
			}
		}
		r.rep.Fail(name, "only 201s, or requests cut off by a kill", fmt.Sprint(got))
	case count[acked] == 0:
		r.rep.Fail(name, "some acknowledged batches", "none")
	default:
		detail := fmt.Sprintf("%d batches: %d answered 201, %d cut off by a kill",
			len(r.batches), count[acked], count[cutOff])
		if e, ok := first[cutOff]; ok {
			detail += fmt.Sprintf(" (e.g. %q)", shortErr(e))
		}
		r.rep.Pass(name, detail)
	}
}
