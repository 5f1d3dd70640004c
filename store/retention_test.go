package store

import (
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/store/chain"
)

// retentionSigner registers a signing key with the store, as the host does,
// and returns it.
func retentionSigner(t *testing.T, s *Store) *chain.Signer {
	t.Helper()
	key := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	signer := chain.NewSigner(key)
	if err := s.ActivateSigningKey(t.Context(), SigningKey{
		KeyID: signer.KeyID(), PublicKey: signer.PublicKey(), CreatedAt: "2026-01-01T00:00:00.000Z",
	}); err != nil {
		t.Fatal(err)
	}
	return signer
}

// agedSession appends n events to session whose first old ones are dated
// 2020 and the rest 2026.
func agedSession(t *testing.T, s *Store, session string, n, old int) []chain.Event {
	t.Helper()
	events := make([]chain.Event, n)
	for i := range events {
		events[i] = newEvent(session, "custom", fmt.Sprintf(`{"i":%d}`, i))
		events[i].Timestamp = "2026-06-01T00:00:00.000Z"
		if i < old {
			events[i].Timestamp = fmt.Sprintf("2020-01-%02dT00:00:00.000Z", i+1)
		}
	}
	return mustAppend(t, s, events...)
}

const cutoff = "2025-01-01T00:00:00.000Z"

func TestRetention_DeletesExpiredPrefixBehindSignedAnchor(t *testing.T) {
	s := openTestStore(t, "")
	signer := retentionSigner(t, s)
	events := agedSession(t, s, "s", 6, 4)

	res, err := s.ApplyRetention(t.Context(), "s", cutoff, "2026-12-01T00:00:00.000Z", signer.Sign)
	if err != nil {
		t.Fatal(err)
	}
	if res.Break != nil || res.Deleted != 4 {
		t.Fatalf("ApplyRetention = %d deleted, break %v; want 4 and none", res.Deleted, res.Break)
	}
	a := res.Anchor
	if a.FirstSeq != 0 || a.LastSeq != 3 || a.Count != 4 || a.LastHash != events[3].Hash {
		t.Errorf("anchor = %+v, want seq 0..3, 4 events, lastHash of seq 3", a)
	}
	digest := chain.NewEventsDigest()
	for _, e := range events[:4] {
		digest.Add(e.Hash)
	}
	if a.EventsDigest != digest.Sum() {
		t.Errorf("anchor digest = %s, want %s", a.EventsDigest, digest.Sum())
	}
	keys := func(string) (ed25519.PublicKey, bool) { return signer.PublicKey(), true }
	if err := a.Verify(keys); err != nil {
		t.Errorf("anchor signature: %v", err)
	}

	// The rest of the chain verifies from the anchor, and appends continue it.
	v := mustVerify(t, s, "s")
	if v.Break != nil || v.Events != 2 || v.Anchor == nil || v.FirstHash != events[4].Hash {
		t.Errorf("VerifySession after retention = %+v, want 2 events after the anchor", v)
	}
	next := mustAppend(t, s, newEvent("s", "custom", `{}`))
	if next[0].Seq != 6 || next[0].PrevHash != events[5].Hash {
		t.Errorf("append after retention: seq %d, want 6 linked to seq 5", next[0].Seq)
	}
	if v := mustVerify(t, s, "s"); v.Break != nil || v.Events != 3 {
		t.Errorf("VerifySession after append = %+v, want 3 clean events", v)
	}

	// A second run finds nothing more to delete; nothing expired stays put.
	again, err := s.ApplyRetention(t.Context(), "s", cutoff, "2026-12-02T00:00:00.000Z", signer.Sign)
	if err != nil || again.Deleted != 0 {
		t.Errorf("second ApplyRetention = %d deleted, %v; want 0", again.Deleted, err)
	}
}

func TestRetention_KeepsAndReportsBrokenPrefix(t *testing.T) {
	s := openTestStore(t, "")
	signer := retentionSigner(t, s)
	agedSession(t, s, "s", 5, 3)

	// Rewrite an expired event behind the server's back, as an attacker would.
	tamper(t, s, `UPDATE events SET payload = '{"i":99}' WHERE session_id = 's' AND seq = 1`)

	res, err := s.ApplyRetention(t.Context(), "s", cutoff, "2026-12-01T00:00:00.000Z", signer.Sign)
	if err != nil {
		t.Fatal(err)
	}
	if res.Break == nil || res.Break.Seq != 1 || res.Deleted != 0 {
		t.Fatalf("ApplyRetention on a tampered prefix = %d deleted, break %v; want 0 and a break at seq 1",
			res.Deleted, res.Break)
	}
	if v := mustVerify(t, s, "s"); v.Events != 5 || v.Break == nil || v.Break.Seq != 1 {
		t.Errorf("VerifySession = %+v, want all 5 events kept and the break at seq 1 reported", v)
	}
}

func TestRetention_ForgedAnchorIsReported(t *testing.T) {
	s := openTestStore(t, "")
	signer := retentionSigner(t, s)
	agedSession(t, s, "s", 4, 2)
	if _, err := s.ApplyRetention(t.Context(), "s", cutoff, "2026-12-01T00:00:00.000Z", signer.Sign); err != nil {
		t.Fatal(err)
	}
	tamper(t, s, `UPDATE retention_anchors SET event_count = 1 WHERE session_id = 's'`)
	v := mustVerify(t, s, "s")
	if v.Break == nil || !strings.Contains(v.Break.Reason, "anchor") {
		t.Errorf("VerifySession with a forged anchor = %+v, want a break naming the anchor", v)
	}
}

func TestRetention_DeleteGuardAdmitsOnlyTheGatedPrefix(t *testing.T) {
	s := openTestStore(t, "")
	agedSession(t, s, "s", 4, 4)
	if _, err := s.db.ExecContext(t.Context(), `DELETE FROM events WHERE session_id = 's' AND seq = 0`); err == nil ||
		!strings.Contains(err.Error(), "append-only") {
		t.Errorf("DELETE without a gate row = %v, want the append-only trigger to abort it", err)
	}
}

// tamper edits the file with the append-only triggers lifted, as someone
// with write access to it could.
func tamper(t *testing.T, s *Store, stmt string) {
	t.Helper()
	for _, q := range []string{
		`DROP TRIGGER events_append_only_update`,
		stmt,
		`CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
			BEGIN SELECT RAISE(ABORT, 'events are append-only: UPDATE is not allowed'); END`,
	} {
		if _, err := s.db.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}
