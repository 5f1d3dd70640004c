package chain_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/store/chain"
)

var update = flag.Bool("update", false, "rewrite testdata/chains from chainCases")

// chainFile is one file of testdata/chains: a stored session, its head, and
// the outcome verification must report.
type chainFile struct {
	Description string        `json:"description"`
	SessionID   string        `json:"sessionId"`
	Head        chainHead     `json:"head"`
	Events      []chain.Event `json:"events"`
	Want        chainWant     `json:"want"`
}

type chainHead struct {
	Count    int64  `json:"count"`
	LastHash string `json:"lastHash"`
}

// chainWant is {"ok": true} or where and why the walk must fail.
type chainWant struct {
	OK             bool    `json:"ok,omitempty"`
	Seq            *int64  `json:"seq,omitempty"`
	EventID        *string `json:"eventId,omitempty"`
	ReasonContains string  `json:"reasonContains,omitempty"`
}

// wireEventIn reads the JSON form chain.Event.MarshalJSON writes.
type wireEventIn struct {
	ID         string          `json:"id"`
	Timestamp  string          `json:"timestamp"`
	ReceivedAt string          `json:"receivedAt"`
	KeyID      string          `json:"keyId"`
	SessionID  string          `json:"sessionId"`
	AgentID    string          `json:"agentId"`
	EventType  string          `json:"eventType"`
	Severity   string          `json:"severity"`
	Seq        int64           `json:"seq"`
	Payload    json.RawMessage `json:"payload"`
	Metadata   json.RawMessage `json:"metadata"`
	PrevHash   *string         `json:"prevHash"`
	Hash       string          `json:"hash"`
}

// toEvent turns a wire event back into a stored event. Payload and metadata
// are canonicalized, as an offline verifier reading a bundle does; when
// lenient, text Canonicalize refuses is kept as it is.
func (w *wireEventIn) toEvent(lenient bool) (chain.Event, error) {
	e := chain.Event{
		ID: w.ID, Timestamp: w.Timestamp, ReceivedAt: w.ReceivedAt, KeyID: w.KeyID,
		SessionID: w.SessionID, AgentID: w.AgentID, EventType: w.EventType, Severity: w.Severity,
		Seq: w.Seq, Hash: w.Hash, Payload: w.Payload, Metadata: w.Metadata,
	}
	if w.PrevHash != nil {
		e.PrevHash = *w.PrevHash
	}
	for _, f := range []*[]byte{&e.Payload, &e.Metadata} {
		c, err := chain.Canonicalize(*f)
		switch {
		case err == nil:
			*f = c
		case !lenient:
			return e, fmt.Errorf("event %q: %w", w.ID, err)
		}
	}
	return e, nil
}

// decodeChain reads a testdata/chains document.
func decodeChain(data []byte, lenient bool) (*chainFile, []chain.Event, error) {
	var doc struct {
		chainFile
		Events []wireEventIn `json:"events"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if !lenient {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(&doc); err != nil {
		return nil, nil, err
	}
	events := make([]chain.Event, 0, len(doc.Events))
	for i := range doc.Events {
		e, err := doc.Events[i].toEvent(lenient)
		if err != nil {
			return nil, nil, err
		}
		events = append(events, e)
	}
	return &doc.chainFile, events, nil
}

// verify walks events against head and returns the first break.
func verify(sessionID string, head chainHead, events []chain.Event) (*chain.Verifier, *chain.Break) {
	v := chain.NewVerifier(sessionID, chain.Head{Count: head.Count, LastHash: head.LastHash})
	for i := range events {
		v.Add(&events[i])
	}
	return v, v.Finish()
}

func TestChains(t *testing.T) {
	paths, err := filepath.Glob("testdata/chains/*.json")
	if err != nil {
		t.Fatal(err)
	}
	var ok, broken int
	for _, path := range paths {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			doc, events, err := decodeChain(data, false)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if doc.Want.OK == (doc.Want.Seq != nil) {
				t.Fatalf("%s: want must be {\"ok\": true} or name a seq", path)
			}
			v, b := verify(doc.SessionID, doc.Head, events)
			if doc.Want.OK {
				ok++
				if b != nil {
					t.Fatalf("%s (%s): verification failed: %v", name, doc.Description, b)
				}
				if v.Count() != int64(len(events)) || v.LastHash() != doc.Head.LastHash {
					t.Errorf("Count, LastHash = %d, %q; want %d, %q", v.Count(), v.LastHash(), len(events), doc.Head.LastHash)
				}
				if len(events) > 0 && v.FirstHash() != events[0].Hash {
					t.Errorf("FirstHash = %q, want %q", v.FirstHash(), events[0].Hash)
				}
				return
			}
			broken++
			if b == nil {
				t.Fatalf("%s (%s): verification passed, want a break at seq %d", name, doc.Description, *doc.Want.Seq)
			}
			if b.Seq != *doc.Want.Seq || b.EventID != *doc.Want.EventID || b.SessionID != doc.SessionID {
				t.Errorf("%s: break at seq %d, event %q, session %q; want seq %d, event %q, session %q (%s)",
					name, b.Seq, b.EventID, b.SessionID, *doc.Want.Seq, *doc.Want.EventID, doc.SessionID, b.Reason)
			}
			if strings.Contains(b.Reason, "seq -1") {
				t.Errorf("%s: reason %q names seq -1, which no event can have", name, b.Reason)
			}
			if !strings.Contains(b.Reason, doc.Want.ReasonContains) {
				t.Errorf("%s: reason %q, want it to contain %q", name, b.Reason, doc.Want.ReasonContains)
			}
			if !strings.Contains(b.Error(), b.Reason) || !strings.Contains(b.Error(), doc.SessionID) {
				t.Errorf("Break.Error() = %q, want session and reason", b.Error())
			}
		})
	}
	if ok == 0 || broken < ok {
		t.Errorf("testdata/chains has %d passing and %d failing cases; want at least as many failing as passing", ok, broken)
	}
}

// TestChainFilesUpToDate: testdata/chains is what chainCases generates (run
// go test -run TestChainFilesUpToDate -update ./store/chain to rewrite it).
func TestChainFilesUpToDate(t *testing.T) {
	cases := chainCases(t)
	if *update {
		if err := os.MkdirAll("testdata/chains", 0o755); err != nil {
			t.Fatal(err)
		}
		old, _ := filepath.Glob("testdata/chains/*.json")
		for _, p := range old {
			if err := os.Remove(p); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, doc := range cases {
		data, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		data = append(data, '\n')
		path := filepath.Join("testdata/chains", name+".json")
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s differs from what chainCases generates (%v); run go test -run TestChainFilesUpToDate -update", path, err)
		}
	}
	paths, _ := filepath.Glob("testdata/chains/*.json")
	if len(paths) != len(cases) {
		t.Errorf("testdata/chains holds %d files, chainCases %d", len(paths), len(cases))
	}
}

// The generator. Everything is fixed so the files do not change between runs.

var payloads = []string{
	`{"agentName":"support-bot","agentVersion":"1.4.0","tags":["prod","eu"]}`,
	`{"toolName":"search","callId":"c1","arguments":{"query":"café € 😀","limit":10}}`,
	`{"callId":"c1","toolName":"search","result":{"hits":[{"id":"doc-7","score":0.93}]},"durationMs":12.5}`,
	`{"callId":"l1","provider":"anthropic","model":"claude-sonnet-4","messages":[{"role":"user","content":"hi \"there\"\n<b>&</b>"}]}`,
	`{"provider":"anthropic","model":"claude-sonnet-4","inputTokens":1200,"outputTokens":300,"totalTokens":1500,"costUsd":0.0081}`,
	`{"type":"note","data":{"text":"漢字 한국어","big":9007199254740992,"ctl":"\u0001\t"}}`,
	`{"reason":"completed","summary":"done","totalToolCalls":1,"totalDurationMs":5400}`,
}

var eventTypes = []string{"session_started", "tool_call", "tool_response", "llm_call", "cost_tracked", "custom", "session_ended"}

func eventID(session string, i int) string {
	return fmt.Sprintf("evt-%s-%02d", strings.TrimPrefix(session, "sess-"), i)
}

// buildChain returns a sealed chain of n events of one session.
func buildChain(t testing.TB, session string, n int) []chain.Event {
	t.Helper()
	events := make([]chain.Event, n)
	prev := ""
	for i := range events {
		payload, err := chain.CanonicalObject([]byte(payloads[i%len(payloads)]), "payload")
		if err != nil {
			t.Fatal(err)
		}
		meta := []byte(`{}`)
		if i%3 == 1 {
			meta = []byte(`{"redaction":[{"plugin":"pii","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]}`)
		}
		events[i] = chain.Event{
			ID:         eventID(session, i),
			Timestamp:  fmt.Sprintf("2026-02-08T10:%02d:%02d.%03dZ", i/60, i%60, (i*137)%1000),
			ReceivedAt: fmt.Sprintf("2026-02-08T10:%02d:%02d.%03dZ", i/60, i%60, (i*137)%1000+1),
			KeyID:      "01JKCY4Q3M8R2V9XAB5E7GTN00",
			SessionID:  session,
			AgentID:    "support-bot",
			EventType:  eventTypes[i%len(eventTypes)],
			Severity:   chain.Severities[i%len(chain.Severities)],
			Payload:    payload,
			Metadata:   meta,
		}
		events[i].Seal(int64(i), prev)
		prev = events[i].Hash
	}
	return events
}

// reseal rehashes events[from:] in place, each linked to its predecessor,
// as someone rewriting the chain would.
func reseal(events []chain.Event, from int) {
	for i := from; i < len(events); i++ {
		prev := ""
		if i > 0 {
			prev = events[i-1].Hash
		}
		events[i].Seal(events[i].Seq, prev)
	}
}

func headOf(events []chain.Event) chainHead {
	if len(events) == 0 {
		return chainHead{}
	}
	return chainHead{Count: int64(len(events)), LastHash: events[len(events)-1].Hash}
}

func wantOK() chainWant { return chainWant{OK: true} }

func wantBreak(seq int64, eventID, reason string) chainWant {
	return chainWant{Seq: &seq, EventID: &eventID, ReasonContains: reason}
}

// chainCases returns every case of testdata/chains by file name.
func chainCases(t testing.TB) map[string]chainFile {
	t.Helper()
	cases := map[string]chainFile{}
	add := func(name, description string, head chainHead, events []chain.Event, want chainWant) {
		if events == nil {
			events = []chain.Event{}
		}
		cases[name] = chainFile{Description: description, SessionID: "sess-" + name, Head: head, Events: events, Want: want}
	}
	sid := func(name string) string { return "sess-" + name }

	// Passing.
	for _, n := range []int{1, 2, 5, 12} {
		name := fmt.Sprintf("ok-%d-events", n)
		if n == 1 {
			name = "ok-1-event"
		}
		ev := buildChain(t, sid(name), n)
		add(name, fmt.Sprintf("an intact chain of %d event(s)", n), headOf(ev), ev, wantOK())
	}
	{
		name := "ok-timestamps-backwards"
		ev := buildChain(t, sid(name), 4)
		for i := range ev {
			ev[i].Timestamp = fmt.Sprintf("2026-02-08T09:59:%02d.000Z", 50-i*10) // older than the previous one
		}
		ev[2].Timestamp = ev[1].Timestamp // and a repeated one
		reseal(ev, 0)
		add(name, "timestamps go backwards and repeat: they are data, the chain follows seq", headOf(ev), ev, wantOK())
	}
	add("ok-empty", "no events and a head that counts none", chainHead{}, nil, wantOK())

	// Failing.
	{
		name := "bad-genesis"
		ev := buildChain(t, sid(name), 3)
		ev[0].PrevHash = strings.Repeat("ab", 32)
		ev[0].Seal(0, ev[0].PrevHash)
		reseal(ev, 1)
		add(name, "seq 0 carries a prevHash (events before it removed), every hash and the head recomputed",
			headOf(ev), ev, wantBreak(0, ev[0].ID, "the first event (seq 0) has a prevHash"))
	}
	{
		name := "gap-middle-deleted"
		ev := buildChain(t, sid(name), 5)
		head := headOf(ev)
		stored := slices.Delete(slices.Clone(ev), 2, 3)
		add(name, "the event at seq 2 of 5 was deleted: reported at the missing seq, with the event found in its place",
			head, stored, wantBreak(2, ev[3].ID, "the event at seq 2 is missing"))
	}
	{
		name := "gap-two-deleted"
		ev := buildChain(t, sid(name), 5)
		head := headOf(ev)
		stored := slices.Delete(slices.Clone(ev), 1, 3)
		add(name, "the events at seq 1 and 2 of 5 were deleted", head, stored,
			wantBreak(1, ev[3].ID, "events at seq 1 to 2 are missing"))
	}
	{
		name := "gap-first-deleted"
		ev := buildChain(t, sid(name), 3)
		add(name, "the event at seq 0 was deleted", headOf(ev), ev[1:],
			wantBreak(0, ev[1].ID, "the event at seq 0 is missing"))
	}
	{
		name := "seq-repeat"
		ev := buildChain(t, sid(name), 5)
		forged := ev[2]
		forged.ID = eventID(sid(name), 99)
		forged.Payload = []byte(`{"callId":"c1","durationMs":1,"result":"forged","toolName":"search"}`)
		forged.Seal(2, ev[1].Hash)
		stored := slices.Insert(slices.Clone(ev), 3, forged)
		add(name, "a second, well-formed event with seq 2 was inserted after the first one", headOf(ev), stored,
			wantBreak(2, forged.ID, "seq 2 appears more than once"))
	}
	{
		name := "hash-mismatch-payload"
		ev := buildChain(t, sid(name), 5)
		ev[2].Payload = []byte(`{"callId":"c1","durationMs":12.5,"result":{"hits":[]},"toolName":"search"}`)
		add(name, "the payload of seq 2 was changed, its hash left as it was", headOf(ev), ev,
			wantBreak(2, ev[2].ID, "does not match its stored hash"))
	}
	{
		name := "hash-mismatch-metadata"
		ev := buildChain(t, sid(name), 3)
		ev[1].Metadata = []byte(`{}`) // the redaction record removed
		add(name, "the metadata of seq 1 (its redaction record) was removed, its hash left as it was", headOf(ev), ev,
			wantBreak(1, ev[1].ID, "does not match its stored hash"))
	}
	{
		name := "hash-mismatch-keyid"
		ev := buildChain(t, sid(name), 3)
		ev[1].KeyID = "anonymous"
		add(name, "the server-set keyId of seq 1 was changed", headOf(ev), ev,
			wantBreak(1, ev[1].ID, "does not match its stored hash"))
	}
	{
		name := "hash-mismatch-stored-hash"
		ev := buildChain(t, sid(name), 4)
		h := []byte(ev[3].Hash)
		h[10] ^= 1
		ev[3].Hash = string(h)
		add(name, "one hex digit of the stored hash of the last event was changed, and the head with it",
			headOf(ev), ev, wantBreak(3, ev[3].ID, "does not match its stored hash"))
	}
	{
		name := "prevhash-mismatch-rewritten-middle"
		ev := buildChain(t, sid(name), 5)
		ev[2].Payload = []byte(`{"callId":"c1","durationMs":12.5,"result":"rewritten","toolName":"search"}`)
		ev[2].Seal(2, ev[1].Hash)
		add(name, "seq 2 was rewritten and rehashed: it checks out, but seq 3 no longer links to it",
			headOf(ev), ev, wantBreak(3, ev[3].ID, "the prevHash of the event at seq 3"))
	}
	{
		name := "swapped-seq-1-2"
		ev := buildChain(t, sid(name), 5)
		ev[1].Seq, ev[2].Seq = 2, 1
		stored := []chain.Event{ev[0], ev[2], ev[1], ev[3], ev[4]} // read in seq order
		add(name, "the seq of events 1 and 2 were swapped", headOf(ev), stored,
			wantBreak(1, ev[2].ID, "does not match its stored hash"))
	}
	{
		name := "tail-deleted"
		ev := buildChain(t, sid(name), 5)
		add(name, "the last two of 5 events were deleted; the head still counts 5", headOf(ev), ev[:3],
			wantBreak(2, ev[2].ID, "the session head counts 5 events but the chain ends before seq 3"))
	}
	{
		name := "tail-deleted-one"
		ev := buildChain(t, sid(name), 2)
		add(name, "the last of 2 events was deleted", headOf(ev), ev[:1],
			wantBreak(0, ev[0].ID, "the session head counts 2 events but the chain ends before seq 1"))
	}
	{
		name := "last-event-rehashed"
		ev := buildChain(t, sid(name), 5)
		head := headOf(ev)
		ev[4].Payload = []byte(`{"callId":"l1","messages":[],"model":"m","provider":"p"}`)
		ev[4].Seal(4, ev[3].Hash)
		add(name, "the last event was rewritten and rehashed; only the head still has its old hash", head, ev,
			wantBreak(4, ev[4].ID, "does not carry the hash the session head recorded"))
	}
	{
		name := "rewritten-to-the-end"
		ev := buildChain(t, sid(name), 5)
		head := headOf(ev)
		ev[1].Payload = []byte(`{"arguments":{},"callId":"c1","toolName":"delete_everything"}`)
		reseal(ev, 1)
		add(name, "seq 1 was rewritten and every later event rehashed and relinked; the head catches it", head, ev,
			wantBreak(4, ev[4].ID, "does not carry the hash the session head recorded"))
	}
	{
		name := "appended-behind"
		ev := buildChain(t, sid(name), 6)
		add(name, "a well-formed event was added at seq 5 without updating the head, which counts 5",
			headOf(ev[:5]), ev, wantBreak(5, ev[5].ID, "not covered by the session head, which counts 5 events"))
	}
	{
		name := "empty-with-head"
		add(name, "no events are stored, but the head counts 3", chainHead{Count: 3, LastHash: strings.Repeat("cd", 32)},
			nil, wantBreak(0, "", "the session head counts 3 events but the chain ends before seq 0"))
	}
	return cases
}

// TestVerifierStopsAtFirstBreak: later events neither hide nor move the
// first break.
func TestVerifierStopsAtFirstBreak(t *testing.T) {
	ev := buildChain(t, "s", 5)
	ev[1].Payload = []byte(`{}`)
	ev[3].Payload = []byte(`{}`)
	v := chain.NewVerifier("s", chain.Head{Count: 5, LastHash: ev[4].Hash})
	if b := v.Add(&ev[0]); b != nil {
		t.Fatalf("Add(seq 0) = %v, want nil", b)
	}
	first := v.Add(&ev[1])
	if first == nil || first.Seq != 1 {
		t.Fatalf("Add(tampered seq 1) = %v, want a break at seq 1", first)
	}
	for i := 2; i < 5; i++ {
		if b := v.Add(&ev[i]); b != first {
			t.Errorf("Add(seq %d) = %v, want the first break again", i, b)
		}
	}
	if b := v.Finish(); b != first {
		t.Errorf("Finish() = %v, want the first break", b)
	}
}

// TestVerifyStoredTextMustBeCanonical: the hash input concatenates the stored
// payload and metadata text, so text that is not one canonical JSON object
// can move bytes between them without changing the hash. Verification must
// not accept stored text that no JCS library would produce from the event.
func TestVerifyStoredTextMustBeCanonical(t *testing.T) {
	t.Run("boundary moved", func(t *testing.T) {
		ev := buildChain(t, "s", 2)
		ev[1].Metadata = []byte(`{}`)
		ev[1].Payload = []byte(`{"a":1,"payload":2}`)
		ev[1].Seal(1, ev[0].Hash)
		forged := ev[1]
		forged.Metadata = []byte(`{},"payload":{"a":1`)
		forged.Payload = []byte(`2}`)
		if forged.ComputeHash() != ev[1].Hash {
			t.Fatal("setup: the forged split should hash like the original")
		}
		_, b := verify("s", headOf(ev), []chain.Event{ev[0], forged})
		if b == nil {
			t.Errorf("metadata %s and payload %s (not JSON objects) verified as intact", forged.Metadata, forged.Payload)
		}
	})
	t.Run("not canonical", func(t *testing.T) {
		ev := buildChain(t, "s", 1)
		ev[0].Payload = []byte(`{"b":1, "a":2}`)
		ev[0].Seal(0, "")
		_, b := verify("s", headOf(ev), ev)
		if b == nil {
			t.Errorf("payload %s (not JCS; an auditor's JCS library hashes it differently) verified as intact", ev[0].Payload)
		}
	})
}

// mutate changes one byte of one field of e, or the seq, as the fuzzer picks;
// it reports whether anything changed.
func mutate(e *chain.Event, field uint8, pos uint16, val byte) bool {
	var s *string
	var b *[]byte
	switch field % 14 {
	case 0:
		b = &e.Payload
	case 1:
		b = &e.Metadata
	case 2:
		s = &e.ID
	case 3:
		s = &e.SessionID
	case 4:
		s = &e.AgentID
	case 5:
		s = &e.KeyID
	case 6:
		s = &e.EventType
	case 7:
		s = &e.Severity
	case 8:
		s = &e.Timestamp
	case 9:
		s = &e.ReceivedAt
	case 10:
		s = &e.PrevHash
	case 11:
		s = &e.Hash
	case 12:
		e.Seq += int64(int8(val))
		return int8(val) != 0
	default:
		return false // no change: the chain must still verify
	}
	var cur []byte
	if s != nil {
		cur = []byte(*s)
	} else {
		cur = slices.Clone(*b)
	}
	if len(cur) == 0 {
		cur = []byte{val} // an empty field (prevHash at seq 0) gets one byte
	} else {
		i := int(pos) % len(cur)
		if cur[i] == val {
			return false
		}
		cur[i] = val
	}
	if s != nil {
		*s = string(cur)
	} else {
		*b = cur
	}
	return true
}

func FuzzVerify(f *testing.F) {
	seed, err := json.Marshal(chainCases(f)["ok-5-events"])
	if err != nil {
		f.Fatal(err)
	}
	for field := range uint8(14) {
		f.Add(seed, uint8(field), uint8(field%5), uint16(field*7), byte('x'))
	}
	f.Add(seed, uint8(0), uint8(4), uint16(3), byte('"'))
	paths, _ := filepath.Glob("testdata/chains/*.json")
	for i, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data, uint8(i), uint8(i), uint16(i), byte(i))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, field, index uint8, pos uint16, val byte) {
		doc, events, err := decodeChain(data, true)
		if err != nil {
			return
		}
		// Whatever was decoded, the walk never panics.
		v, before := verify(doc.SessionID, doc.Head, events)
		_, _, _ = v.Count(), v.FirstHash(), v.LastHash()
		if before != nil {
			_ = before.Error()
			return
		}
		if len(events) == 0 {
			return
		}
		// A chain that verified: one changed byte must break it.
		mutated := slices.Clone(events)
		i := int(index) % len(mutated)
		changed := mutate(&mutated[i], field, pos, val)
		_, after := verify(doc.SessionID, doc.Head, mutated)
		if changed && after == nil {
			t.Fatalf("field %d of event %d (seq %d) changed, and the chain still verifies", field%14, i, events[i].Seq)
		}
		if !changed && after != nil {
			t.Fatalf("nothing changed, but the chain no longer verifies: %v", after)
		}
	})
}
