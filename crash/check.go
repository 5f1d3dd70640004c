package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"

	"github.com/agentlens/agentlens-go/internal/harness"
)

const (
	// checkConcurrency is how many sessions are listed or verified at once.
	checkConcurrency = 4
	// byIDSample is how many acknowledged events are also fetched one by one
	// with GET /api/events/:id after each restart.
	byIDSample = 16
	// examples is how many offenders a failure line names.
	examples = 3
)

// check runs the checks of one restart against what every session lists.
func (r *runner) check(ctx context.Context, n int) {
	prefix := fmt.Sprintf("round %02d: ", n)
	listed, err := r.listAll(ctx)
	if err != nil {
		for _, c := range []string{"acknowledged events durable", "batches all or nothing", "chains verify"} {
			r.rep.Fail(prefix+c, "every session listed", err.Error())
		}
		return
	}
	r.fresh = true
	r.tally.stored, r.tally.storedSessions = 0, 0
	for _, evs := range listed {
		r.tally.stored += len(evs)
		if len(evs) > 0 {
			r.tally.storedSessions++
		}
	}
	r.checkDurable(ctx, prefix+"acknowledged events durable", listed)
	r.checkBatches(prefix+"batches all or nothing", listed)
	r.checkChains(ctx, prefix+"chains verify", listed)
}

// listAll lists the events of every session, a few sessions at a time.
func (r *runner) listAll(ctx context.Context) (map[string][]storedEvent, error) {
	listed := make(map[string][]storedEvent, len(r.sessions))
	var mu sync.Mutex
	err := forEach(r.sessions, func(s string) error {
		evs, err := r.c.sessionEvents(ctx, r.proc.URL, s)
		if err != nil {
			return err
		}
		mu.Lock()
		listed[s] = evs
		mu.Unlock()
		return nil
	})
	return listed, err
}

// checkDurable requires every acknowledged event to be listed under its
// session with the id and hash its 201 gave, and in the batch and position
// it was sent at; a sample is also fetched by id.
func (r *runner) checkDurable(ctx context.Context, name string, listed map[string][]storedEvent) {
	byID := map[string]storedEvent{}
	for _, evs := range listed {
		for _, e := range evs {
			byID[e.ID] = e
		}
	}
	var missing, changed []string
	present, lostBefore := 0, len(r.tally.lost)
	missingOf := map[*batch]int{} // missing events by batch, to name batches, not events
	for _, a := range r.acked {
		b, i := a.b, a.i
		id := b.ids[i]
		e, ok := byID[id]
		switch {
		case !ok:
			if missingOf[b] == 0 {
				missing = append(missing, b.tag)
			}
			missingOf[b]++
			r.tally.lost[id] = true
		case e.Hash != b.hashes[i] || e.SessionID != b.sessions[i] ||
			e.Payload.Data.Batch != b.tag || e.Payload.Data.Pos != i:
			changed = append(changed, fmt.Sprintf("%s (batch %s, event %d: hash %.12s…, acknowledged %.12s…)",
				id, b.tag, i+1, e.Hash, b.hashes[i]))
			r.tally.lost[id] = true
		default:
			present++
		}
	}
	r.tally.present = present

	// A sample through GET /api/events/:id must agree with the listings.
	var disagree []string
	var sampleErr error
	for range min(byIDSample, len(r.acked)) {
		a := r.acked[r.pick.IntN(len(r.acked))]
		id := a.b.ids[a.i]
		e, found, err := r.c.event(ctx, r.proc.URL, id)
		if err != nil {
			sampleErr = err
			break
		}
		_, listedToo := byID[id]
		if found != listedToo || (found && e.Hash != a.b.hashes[a.i]) {
			disagree = append(disagree, fmt.Sprintf("%s (by id: found %t, listed: %t)", id, found, listedToo))
		}
	}

	want := fmt.Sprintf("all %d acknowledged events present as acknowledged", len(r.acked))
	switch {
	case len(missing) > 0 || len(changed) > 0:
		lost := 0
		for i, tag := range missing {
			b := r.byTag[tag]
			lost += missingOf[b]
			missing[i] = fmt.Sprintf("batch %s (%d of %d events, round %d, first id %s)",
				tag, missingOf[b], len(b.ids), b.round, b.ids[0])
		}
		got := fmt.Sprintf("%d lost, %d changed (%d of them since the last restart)",
			lost, len(changed), len(r.tally.lost)-lostBefore)
		if len(missing) > 0 {
			got += fmt.Sprintf("; lost from %d batches: %s", len(missing), strings.Join(head(missing), ", "))
		}
		if len(changed) > 0 {
			got += "; changed: " + strings.Join(head(changed), ", ")
		}
		r.rep.Fail(name, want, got)
	case sampleErr != nil:
		r.rep.Fail(name, "GET /api/events/:id to answer", sampleErr.Error())
	case len(disagree) > 0:
		r.rep.Fail(name, "GET /api/events/:id to agree with the listings", strings.Join(head(disagree), ", "))
	default:
		r.rep.Pass(name, fmt.Sprintf("%d/%d present, ids and hashes as acknowledged", present, len(r.acked)))
	}
}

// checkBatches requires every batch ever sent to be listed whole or not at
// all, each event once, in the session it was sent to; no event that was
// never sent; and each unacknowledged batch to keep the outcome it had at
// the first restart after it.
func (r *runner) checkBatches(name string, listed map[string][]storedEvent) {
	// Count the listed events of each batch by position.
	seen := map[string]map[int]int{}
	var strays []string
	for _, evs := range listed {
		for _, e := range evs {
			t := e.Payload.Data
			b, ok := r.byTag[t.Batch]
			if !ok || e.Payload.Type != "crash" || t.Pos < 0 || t.Pos >= len(b.sessions) ||
				t.Size != len(b.sessions) || e.SessionID != b.sessions[t.Pos] {
				strays = append(strays, fmt.Sprintf("%s (session %s, batch %q, position %d)",
					e.ID, e.SessionID, t.Batch, t.Pos))
				continue
			}
			if seen[t.Batch] == nil {
				seen[t.Batch] = map[int]int{}
			}
			seen[t.Batch][t.Pos]++
		}
	}

	var partial, duplicated, flipped []string
	unacked, stored := 0, 0
	for _, b := range r.batches {
		positions := seen[b.tag]
		for pos, k := range positions {
			if k > 1 {
				duplicated = append(duplicated, fmt.Sprintf("%s (event %d stored %d times)", b.tag, pos+1, k))
				r.tally.partial[b.tag] = true
				break
			}
		}
		whole := len(positions) == len(b.sessions)
		if len(positions) > 0 && !whole {
			partial = append(partial, fmt.Sprintf("%s (%d of %d events, %s)",
				b.tag, len(positions), len(b.sessions), b.outcome))
			r.tally.partial[b.tag] = true
			continue
		}
		if b.outcome == acked {
			continue
		}
		unacked++
		if whole {
			stored++
		}
		if was, ok := r.settled[b.tag]; !ok {
			r.settled[b.tag] = whole
		} else if was != whole {
			flipped = append(flipped, fmt.Sprintf("%s (stored %t before, now %t)", b.tag, was, whole))
		}
	}

	if len(partial)+len(duplicated)+len(strays)+len(flipped) == 0 {
		r.rep.Pass(name, fmt.Sprintf("%d batches whole or absent; unacknowledged so far: "+
			"%d stored whole, %d not stored", len(r.batches), stored, unacked-stored))
		return
	}
	var got []string
	for _, p := range []struct {
		what string
		list []string
	}{
		{"partial", partial},
		{"duplicated", duplicated},
		{"never sent or misplaced", strays},
		{"outcome changed since an earlier restart", flipped},
	} {
		if len(p.list) > 0 {
			got = append(got, fmt.Sprintf("%d %s: %s", len(p.list), p.what, strings.Join(head(p.list), ", ")))
		}
	}
	r.rep.Fail(name, "every batch whole or absent, each event once", strings.Join(got, "; "))
}

// checkChains requires the chain of every non-empty session to verify
// through the API, over as many events as the session lists.
func (r *runner) checkChains(ctx context.Context, name string, listed map[string][]storedEvent) {
	var mu sync.Mutex
	var bad []string
	checked := 0
	err := forEach(r.sessions, func(s string) error {
		if len(listed[s]) == 0 {
			return nil
		}
		v, err := r.c.verify(ctx, r.proc.URL, s)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		checked++
		switch {
		case !v.Verified || len(v.BrokenChains) > 0:
			reason := "verified false"
			if len(v.BrokenChains) > 0 {
				bc := v.BrokenChains[0]
				reason = fmt.Sprintf("at seq %d, event %s: %s", bc.FailedAtIndex, bc.FailedEventID, bc.Reason)
			}
			bad = append(bad, fmt.Sprintf("%s (%s)", s, reason))
			r.tally.broken[s] = true
		case v.TotalEvents != int64(len(listed[s])):
			bad = append(bad, fmt.Sprintf("%s (verified %d events, %d listed)", s, v.TotalEvents, len(listed[s])))
			r.tally.broken[s] = true
		}
		return nil
	})
	switch {
	case err != nil:
		r.rep.Fail(name, "GET /api/audit/verify to answer", err.Error())
	case len(bad) > 0:
		slices.Sort(bad)
		r.rep.Fail(name, "every chain verified", fmt.Sprintf("%d broken: %s", len(bad), strings.Join(head(bad), ", ")))
	default:
		r.rep.Pass(name, fmt.Sprintf("%d sessions verified, %d events", checked, r.tally.stored))
	}
}

// verifyOffline runs `agentlens verify --db FILE --json` on the stopped
// server's database: it must exit 0 with every chain intact and, when the
// last check saw the file as it is, count the events that check listed.
func (r *runner) verifyOffline(ctx context.Context) {
	const name = "offline verify"
	want := "exit 0 with every chain verified"
	cmd := exec.CommandContext(ctx, r.opts.bin, "verify", "--db", r.launch.dbPath, "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		r.rep.Fail(name, want, err.Error())
		return
	}

	var rep struct {
		Verified         bool                  `json:"verified"`
		SessionsVerified int                   `json:"sessionsVerified"`
		TotalEvents      int                   `json:"totalEvents"`
		BrokenChains     []harness.BrokenChain `json:"brokenChains"`
	}
	jsonErr := json.Unmarshal(stdout.Bytes(), &rep)
	for _, b := range rep.BrokenChains {
		r.tally.broken[b.SessionID] = true
	}
	switch code := cmd.ProcessState.ExitCode(); {
	case code != 0:
		got := fmt.Sprintf("exit %d", code)
		if jsonErr == nil && len(rep.BrokenChains) > 0 {
			bc := rep.BrokenChains[0]
			got += fmt.Sprintf(", %d broken, first %s at seq %d: %s",
				len(rep.BrokenChains), bc.SessionID, bc.FailedAtIndex, bc.Reason)
		} else if msg := strings.TrimSpace(stderr.String()); msg != "" {
			got += " (" + harness.Clip(msg, 200) + ")"
		}
		r.rep.Fail(name, want, got)
	case jsonErr != nil:
		r.rep.Fail(name, "a JSON report", jsonErr.Error())
	case !rep.Verified || len(rep.BrokenChains) > 0:
		r.rep.Fail(name, want, fmt.Sprintf("exit 0 with verified %t and %d broken chains",
			rep.Verified, len(rep.BrokenChains)))
	case r.fresh && (rep.TotalEvents != r.tally.stored || rep.SessionsVerified != r.tally.storedSessions):
		r.rep.Fail(name, fmt.Sprintf("the %d events in %d sessions the API listed",
			r.tally.stored, r.tally.storedSessions),
			fmt.Sprintf("%d events in %d sessions", rep.TotalEvents, rep.SessionsVerified))
	default:
		r.rep.Pass(name, fmt.Sprintf("exit 0, %d sessions, %d events", rep.SessionsVerified, rep.TotalEvents))
	}
}

// forEach calls fn for every item, checkConcurrency at a time, and returns
// the errors joined.
func forEach(items []string, fn func(string) error) error {
	sem := make(chan struct{}, checkConcurrency)
	errs := make([]error, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(it)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// head returns the first few items of list, with a count of the rest.
func head(list []string) []string {
	if len(list) <= examples {
		return list
	}
	return append(slices.Clip(list[:examples]), fmt.Sprintf("and %d more", len(list)-examples))
}
