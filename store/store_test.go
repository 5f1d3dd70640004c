package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentlens/agentlens-go/store/chain"
)

// openTestStore opens a store on a fresh file that is closed with the test.
func openTestStore(t testing.TB, path string) *Store {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "agentlens.db")
	}
	s, err := Open(t.Context(), Config{Path: path})
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var idCounter struct {
	sync.Mutex
	n int
}

// newEvent returns an unsealed event with a unique id.
func newEvent(session, eventType, payload string) chain.Event {
	idCounter.Lock()
	idCounter.n++
	n := idCounter.n
	idCounter.Unlock()
	now := chain.FormatTime(time.Now())
	return chain.Event{
		ID: fmt.Sprintf("01TEST%020d", n), Timestamp: now, ReceivedAt: now, KeyID: "anonymous",
		SessionID: session, AgentID: "agent-1", EventType: eventType, Severity: "info",
		Payload: []byte(payload), Metadata: []byte(`{}`),
	}
}

func mustAppend(t testing.TB, s *Store, events ...chain.Event) []chain.Event {
	t.Helper()
	if err := s.Append(t.Context(), events); err != nil {
		t.Fatalf("Append = %v", err)
	}
	return events
}

func mustVerify(t testing.TB, s *Store, session string) Verification {
	t.Helper()
	v, err := s.VerifySession(t.Context(), session)
	if err != nil {
		t.Fatalf("VerifySession(%q) = %v", session, err)
	}
	return v
}

func TestStore_OpenSetsDurability(t *testing.T) {
	s := openTestStore(t, "")
	var mode string
	var level int
	if err := s.db.QueryRowContext(t.Context(), "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	conn, err := s.db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.QueryRowContext(t.Context(), "PRAGMA synchronous").Scan(&level); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || level != 2 {
		t.Errorf("journal_mode, synchronous = %q, %d; want wal, 2", mode, level)
	}
}

func TestStore_AppendChainsInArrivalOrder(t *testing.T) {
	s := openTestStore(t, "")
	first := mustAppend(t, s, newEvent("s1", "custom", `{"n":1}`), newEvent("s2", "custom", `{"n":1}`),
		newEvent("s1", "custom", `{"n":2}`))
	second := mustAppend(t, s, newEvent("s1", "custom", `{"n":3}`))

	if first[0].Seq != 0 || first[0].PrevHash != "" {
		t.Errorf("first event: seq %d prevHash %q, want 0 and none", first[0].Seq, first[0].PrevHash)
	}
	if first[1].Seq != 0 || first[2].Seq != 1 || first[2].PrevHash != first[0].Hash {
		t.Errorf("batch seqs = %d,%d,%d; want 0,0,1 with s1 linked", first[0].Seq, first[1].Seq, first[2].Seq)
	}
	if second[0].Seq != 2 || second[0].PrevHash != first[2].Hash {
		t.Errorf("next batch: seq %d prevHash %q; want 2 after %q", second[0].Seq, second[0].PrevHash, first[2].Hash)
	}
	v := mustVerify(t, s, "s1")
	if v.Break != nil || v.Events != 3 || v.LastHash != second[0].Hash || v.FirstHash != first[0].Hash {
		t.Errorf("VerifySession(s1) = %+v, want 3 clean events", v)
	}
}

func TestStore_ConcurrentWritersFormOneChain(t *testing.T) {
	s := openTestStore(t, "")
	const writers, perWriter = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				ev := newEvent("shared", "custom", fmt.Sprintf(`{"i":%d,"writer":%d}`, i, w))
				errs <- s.Append(context.Background(), []chain.Event{ev})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Append = %v", err)
		}
	}
	events, v, err := s.Timeline(t.Context(), "shared")
	if err != nil {
		t.Fatal(err)
	}
	if v.Break != nil || v.Events != writers*perWriter {
		t.Fatalf("Timeline: %d events, break %v; want %d and none", v.Events, v.Break, writers*perWriter)
	}
	for i, e := range events {
		if e.Seq != int64(i) || (i > 0 && e.PrevHash != events[i-1].Hash) {
			t.Fatalf("event %d: seq %d prevHash %q; the chain forked", i, e.Seq, e.PrevHash)
		}
	}
}

func TestStore_ChainContinuesAfterRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "agentlens.db")
	s, err := Open(t.Context(), Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	before := mustAppend(t, s, newEvent("s", "custom", `{}`), newEvent("s", "custom", `{}`))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTestStore(t, path)
	after := mustAppend(t, s, newEvent("s", "custom", `{}`))
	if after[0].Seq != 2 || after[0].PrevHash != before[1].Hash {
		t.Errorf("after restart: seq %d prevHash %q; want 2 and %q", after[0].Seq, after[0].PrevHash, before[1].Hash)
	}
	if v := mustVerify(t, s, "s"); v.Break != nil || v.Events != 3 {
		t.Errorf("VerifySession = %+v, want 3 clean events", v)
	}
}

func TestStore_FailedBatchStoresNothing(t *testing.T) {
	s := openTestStore(t, "")
	ok := mustAppend(t, s, newEvent("s", "custom", `{}`))

	// The second event reuses an id, so the insert fails half-way through.
	bad := []chain.Event{newEvent("s", "custom", `{}`), newEvent("other", "custom", `{}`)}
	bad[1].ID = ok[0].ID
	if err := s.Append(t.Context(), bad); err == nil {
		t.Fatal("Append with a duplicate id succeeded")
	}
	if _, err := s.Session(t.Context(), "other"); err != ErrNotFound {
		t.Errorf("Session(other) after failed batch = %v, want ErrNotFound", err)
	}
	next := mustAppend(t, s, newEvent("s", "custom", `{}`))
	if next[0].Seq != 1 || next[0].PrevHash != ok[0].Hash {
		t.Errorf("after failed batch: seq %d, want 1 linked to the last stored event", next[0].Seq)
	}
	if v := mustVerify(t, s, "s"); v.Break != nil || v.Events != 2 {
		t.Errorf("VerifySession = %+v, want 2 clean events", v)
	}
}

func TestStore_EventsAreAppendOnly(t *testing.T) {
	s := openTestStore(t, "")
	mustAppend(t, s, newEvent("s", "custom", `{}`))
	for _, stmt := range []string{
		`UPDATE events SET payload = '{"x":1}'`,
		`DELETE FROM events`,
	} {
		_, err := s.db.ExecContext(t.Context(), stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s = %v, want the append-only trigger to abort it", stmt, err)
		}
	}
	if v := mustVerify(t, s, "s"); v.Break != nil || v.Events != 1 {
		t.Errorf("VerifySession = %+v, want the event untouched", v)
	}
}

func TestStore_UnknownSession(t *testing.T) {
	s := openTestStore(t, "")
	if _, err := s.VerifySession(t.Context(), "nope"); err != ErrNotFound {
		t.Errorf("VerifySession(nope) = %v, want ErrNotFound", err)
	}
	if _, err := s.Event(t.Context(), "nope"); err != ErrNotFound {
		t.Errorf("Event(nope) = %v, want ErrNotFound", err)
	}
}

func TestStore_AppendAfterCloseFails(t *testing.T) {
	s, err := Open(t.Context(), Config{Path: filepath.Join(t.TempDir(), "a.db")})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Append(t.Context(), []chain.Event{newEvent("s", "custom", `{}`)}); err != ErrClosed {
		t.Errorf("Append after Close = %v, want ErrClosed", err)
	}
}

func TestScrub_WithholdsBoundValues(t *testing.T) {
	in := fmt.Errorf("failed to bind argument no. 10 with value {\"secret\":\"s3cr3t\"} and type string\nerror code = 1: invalid utf-8")
	got := scrub(in).Error()
	if strings.Contains(got, "s3cr3t") || !strings.Contains(got, "argument no. 10") || !strings.Contains(got, "invalid utf-8") {
		t.Errorf("scrub(%q) = %q; want the value gone and the rest kept", in, got)
	}
	other := fmt.Errorf("UNIQUE constraint failed: events.id")
	if scrub(other) != other {
		t.Errorf("scrub changed an error without a bound value")
	}
}

func TestVerify_FieldHoldingTheSeparatorIsReported(t *testing.T) {
	s := openTestStore(t, "")
	events := mustAppend(t, s, newEvent("s", "custom", `{}`), newEvent("s", "custom", `{}`))

	// Move bytes across a field boundary behind a separator: the joined row
	// reads the same, but the columns do not.
	tamper(t, s, `UPDATE events SET key_id = key_id || char(31) || 'x' WHERE seq = 1`)
	v := mustVerify(t, s, "s")
	if v.Break == nil || v.Break.Seq != 1 || v.Break.EventID != events[1].ID {
		t.Errorf("VerifySession = %+v, want a break at seq 1 naming %s", v.Break, events[1].ID)
	}
}
