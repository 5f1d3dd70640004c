package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/agentlens/agentlens-go/store/chain"
)

// tamperEvents is the length of each session this program makes up.
const tamperEvents = 5

// controlSession is left untouched and must keep verifying.
const controlSession = "e2e-control"

// tamperCase is one edit made behind the server's back, in a fresh session of
// tamperEvents events, and what the server's verify must then report.
type tamperCase struct {
	name string
	// edit changes the session; ids holds its event ids by their original seq.
	edit func(ctx context.Context, tx *sql.Tx, ids []string) error
	// wantIndex lists the accepted failedAtIndex values.
	wantIndex []int64
	// wantEvent is the original seq of the event failedEventId must name.
	wantEvent int
}

// tamperCases are the edits that must be caught. Where DESIGN.md allows two
// readings of failedAtIndex (the missing seq, or the one found in its place;
// the last seq left, or the one the head still counts), both are accepted.
var tamperCases = []tamperCase{
	// (a) A payload rewritten in place: its stored hash no longer matches.
	{name: "payload-changed", edit: changePayload, wantIndex: []int64{2}, wantEvent: 2},
	// (b) A middle event deleted: the walk finds seq 3 where seq 2 should be.
	{name: "middle-deleted", edit: deleteSeq(2), wantIndex: []int64{2, 3}, wantEvent: 3},
	// (c) The last event deleted: the head counts one more than is stored.
	{name: "last-deleted", edit: deleteSeq(4), wantIndex: []int64{3, 4}, wantEvent: 3},
	// (d) Seq 1 and 2 swapped: the event now at seq 1 was hashed as seq 2.
	{name: "swapped", edit: swapSeq1And2, wantIndex: []int64{1}, wantEvent: 2},
	// (e) A payload rewritten and given a fresh, self-consistent hash: the next
	// event's prevHash no longer links to it.
	{name: "rehashed", edit: rehashPayload, wantIndex: []int64{3}, wantEvent: 3},
}

// tamperSession is the session id of a tamper case.
func tamperSession(c tamperCase) string { return "e2e-tamper-" + c.name }

// tamper posts the control session and one session per tamper case, edits the
// database file under the running server, and checks what its verify reports.
func (r *runner) tamper(ctx context.Context) {
	// Post the sessions while nothing is edited yet.
	sessions := []string{controlSession}
	for _, c := range tamperCases {
		sessions = append(sessions, tamperSession(c))
	}
	for _, sid := range sessions {
		if err := r.postOwnSession(ctx, sid); err != nil {
			want := fmt.Sprintf("201 with ingested %d", tamperEvents)
			r.report.Fail("tamper/post "+sid, want, err.Error())
			return
		}
	}

	// Edit each case's session in the file, the server still running.
	db, err := openDB(ctx, r.dbPath)
	if err != nil {
		r.report.Fail("tamper/open-db", "the database open in this process", err.Error())
		return
	}
	defer db.close()
	ids := make(map[string][]string)
	for _, c := range tamperCases {
		sid := tamperSession(c)
		got, err := db.tamper(ctx, sid, c.edit)
		if err != nil {
			r.report.Fail("tamper/"+c.name, "the edit applied", err.Error())
			continue
		}
		ids[sid] = got
		r.tampered = append(r.tampered, sid)
	}

	// The triggers are back: the database refuses an UPDATE again.
	if err := db.tryUpdate(ctx, controlSession); err == nil ||
		!strings.Contains(err.Error(), "append-only") {
		r.report.Fail("tamper/triggers-restored", "UPDATE on events refused as append-only",
			fmt.Sprintf("%v", err))
	} else {
		r.report.Pass("tamper/triggers-restored", "UPDATE refused")
	}

	// The untouched session still verifies.
	if v, err := r.api.verify(ctx, controlSession); err != nil {
		r.report.Fail("tamper/control", "verified true", err.Error())
	} else if !v.Verified || v.TotalEvents != tamperEvents || len(v.BrokenChains) != 0 {
		r.report.Fail("tamper/control", fmt.Sprintf("verified true, totalEvents %d", tamperEvents),
			fmt.Sprintf("verified %t, totalEvents %d, %d broken chains", v.Verified, v.TotalEvents,
				len(v.BrokenChains)))
	} else {
		r.report.Pass("tamper/control", "untouched session verified")
	}

	// Every edit is reported at the right session, seq and event.
	for _, c := range tamperCases {
		sid := tamperSession(c)
		if ids[sid] == nil {
			continue // the edit itself failed, already reported
		}
		if reason, f := r.checkTampered(ctx, c, sid, ids[sid]); f != nil {
			r.report.Fail("tamper/"+c.name, f.want, f.got)
		} else {
			r.caught++
			r.report.Pass("tamper/"+c.name, reason)
		}
	}
}

// checkTampered asks the server to verify a tampered session and compares its
// report with the case's expectation. It returns the line to show on success.
func (r *runner) checkTampered(
	ctx context.Context,
	c tamperCase,
	sid string,
	ids []string,
) (string, *failure) {
	want := fmt.Sprintf("verified false, session %s broken at failedAtIndex %s, failedEventId %s",
		sid, indexes(c.wantIndex), ids[c.wantEvent])
	v, err := r.api.verify(ctx, sid)
	if err != nil {
		return "", &failure{want, err.Error()}
	}
	if v.Verified || len(v.BrokenChains) != 1 {
		got := fmt.Sprintf("verified %t with %d broken chains", v.Verified, len(v.BrokenChains))
		return "", &failure{want, got}
	}
	b := v.BrokenChains[0]
	if b.SessionID != sid || !slices.Contains(c.wantIndex, b.FailedAtIndex) ||
		b.FailedEventID != ids[c.wantEvent] {
		got := fmt.Sprintf("session %s broken at failedAtIndex %d, failedEventId %s (%s)",
			b.SessionID, b.FailedAtIndex, b.FailedEventID, b.Reason)
		return "", &failure{want, got}
	}
	return fmt.Sprintf("at %d: %s", b.FailedAtIndex, b.Reason), nil
}

// indexes renders accepted indexes as "2" or "2 or 3".
func indexes(xs []int64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, " or ")
}

// postOwnSession posts a session of tamperEvents small custom events in one batch.
func (r *runner) postOwnSession(ctx context.Context, sid string) error {
	type event struct {
		SessionID string         `json:"sessionId"`
		AgentID   string         `json:"agentId"`
		EventType string         `json:"eventType"`
		Payload   map[string]any `json:"payload"`
	}
	var batch struct {
		Events []event `json:"events"`
	}
	for i := range tamperEvents {
		batch.Events = append(batch.Events, event{
			SessionID: sid,
			AgentID:   "e2e-agent",
			EventType: "custom",
			Payload:   map[string]any{"type": "e2e", "data": map[string]any{"n": i}},
		})
	}
	body, err := json.Marshal(batch)
	if err != nil {
		return fmt.Errorf("encode batch: %w", err)
	}
	resp, err := r.api.postEvents(ctx, body)
	if err != nil {
		return err
	}
	r.ownSessions = append(r.ownSessions, sid)
	r.eventsPosted += tamperEvents
	if resp.Ingested != tamperEvents {
		return fmt.Errorf("ingested %d", resp.Ingested)
	}
	return nil
}

// changePayload rewrites the payload of seq 2 and leaves its hash alone.
func changePayload(ctx context.Context, tx *sql.Tx, ids []string) error {
	payload, err := chain.Canonicalize([]byte(`{"type":"e2e","data":{"n":2,"tampered":true}}`))
	if err != nil {
		return fmt.Errorf("canonicalize payload: %w", err)
	}
	return execOne(ctx, tx, "UPDATE events SET payload = ? WHERE id = ?", string(payload), ids[2])
}

// deleteSeq returns an edit that deletes the event at seq.
func deleteSeq(seq int) func(context.Context, *sql.Tx, []string) error {
	return func(ctx context.Context, tx *sql.Tx, ids []string) error {
		return execOne(ctx, tx, "DELETE FROM events WHERE id = ?", ids[seq])
	}
}

// swapSeq1And2 exchanges the seq of the events at 1 and 2, parking one of them
// out of the way since (session_id, seq) is unique.
func swapSeq1And2(ctx context.Context, tx *sql.Tx, ids []string) error {
	const parked = 1_000_000
	for _, step := range []struct {
		seq int64
		id  string
	}{{parked, ids[1]}, {1, ids[2]}, {2, ids[1]}} {
		err := execOne(ctx, tx, "UPDATE events SET seq = ? WHERE id = ?", step.seq, step.id)
		if err != nil {
			return err
		}
	}
	return nil
}

// rehashPayload rewrites the payload of seq 2 and stores the hash the rewritten
// event really has, so the event is consistent in itself.
func rehashPayload(ctx context.Context, tx *sql.Tx, ids []string) error {
	e, err := readEvent(ctx, tx, ids[2])
	if err != nil {
		return err
	}
	e.Payload, err = chain.Canonicalize([]byte(`{"type":"e2e","data":{"n":2,"rewritten":true}}`))
	if err != nil {
		return fmt.Errorf("canonicalize payload: %w", err)
	}
	e.Hash = e.ComputeHash()
	return execOne(ctx, tx, "UPDATE events SET payload = ?, hash = ? WHERE id = ?",
		string(e.Payload), e.Hash, e.ID)
}
