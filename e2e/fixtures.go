package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// fixtureNameLen is how much of a fixture's file name its check name keeps.
const fixtureNameLen = 44

// postFixtures posts every fixture session as is, then verifies its chain
// through the API: one check per session.
func (r *runner) postFixtures(ctx context.Context) {
	files, err := filepath.Glob(filepath.Join(r.opts.fixtures, "*.json"))
	if err != nil {
		r.report.Fail("fixtures", "*.json session files in "+r.opts.fixtures, err.Error())
		return
	}
	if len(files) == 0 {
		r.report.Fail("fixtures", "*.json session files in "+r.opts.fixtures, "none")
		return
	}
	sort.Strings(files)
	fmt.Fprintf(r.report.Out, "# fixtures: %d sessions from %s\n", len(files), r.opts.fixtures)

	for _, file := range files {
		if ctx.Err() != nil {
			return
		}
		name := "fixtures/" + shortName(file)
		if detail, f := r.postFixture(ctx, file); f != nil {
			r.report.Fail(name, f.want, f.got)
		} else {
			r.report.Pass(name, detail)
		}
	}
}

// postFixture posts one session file and verifies it, returning what the
// check line shows, or why the check failed.
func (r *runner) postFixture(ctx context.Context, file string) (string, *failure) {
	// Read the batch: its event count and its one session id.
	batch, err := os.ReadFile(file)
	if err != nil {
		return "", &failure{"a readable session file", err.Error()}
	}
	var doc struct {
		Events []struct {
			SessionID string `json:"sessionId"`
		} `json:"events"`
	}
	if err := json.Unmarshal(batch, &doc); err != nil {
		return "", &failure{`a JSON {"events": [...]} file`, err.Error()}
	}
	n := len(doc.Events)
	sessionID := ""
	for _, e := range doc.Events {
		if sessionID == "" {
			sessionID = e.SessionID
		}
		if e.SessionID != sessionID {
			return "", &failure{
				"events of one session",
				fmt.Sprintf("sessions %q and %q", sessionID, e.SessionID),
			}
		}
	}
	if n == 0 || sessionID == "" {
		return "", &failure{"at least one event with a sessionId", fmt.Sprintf("%d events", n)}
	}

	// Ingest: every event is acknowledged.
	wantIngest := fmt.Sprintf("201 with ingested %d", n)
	t0 := time.Now()
	ing, err := r.api.postEvents(ctx, batch)
	if err != nil {
		return "", &failure{wantIngest, err.Error()}
	}
	ingestMS := msSince(t0)
	r.fixtureSessions = append(r.fixtureSessions, sessionID)
	r.eventsPosted += n
	if ing.Ingested != n || len(ing.Events) != n {
		got := fmt.Sprintf("ingested %d with %d events", ing.Ingested, len(ing.Events))
		return "", &failure{wantIngest, got}
	}

	// Verify: the whole chain holds.
	wantVerify := fmt.Sprintf("verified true, totalEvents %d, no broken chain", n)
	t1 := time.Now()
	v, err := r.api.verify(ctx, sessionID)
	if err != nil {
		return "", &failure{wantVerify, err.Error()}
	}
	verifyMS := msSince(t1)
	if !v.Verified || v.TotalEvents != int64(n) || len(v.BrokenChains) != 0 {
		return "", &failure{wantVerify, fmt.Sprintf("verified %t, totalEvents %d, %d broken chains",
			v.Verified, v.TotalEvents, len(v.BrokenChains))}
	}
	return fmt.Sprintf("%4d events  ingest %4d ms  verify %3d ms", n, ingestMS, verifyMS), nil
}

// shortName is a fixture's file name without .json, cut to fixtureNameLen.
func shortName(file string) string {
	name := strings.TrimSuffix(filepath.Base(file), ".json")
	if len(name) > fixtureNameLen {
		name = name[:fixtureNameLen-1] + "…"
	}
	return name
}
