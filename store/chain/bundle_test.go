package chain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/store/chain"
)

// bundleSession names a session of a test bundle and how many events it has.
type bundleSession struct {
	id string
	n  int
}

// bundlePayloads are the payloads of test bundle events, in turn. They hold
// no exponents, no \u escapes, nothing HTML-escaped and no non-ASCII text,
// so no one-byte change can respell them without changing their value.
var bundlePayloads = []string{
	`{"tool":"search","args":{"q":"weather in Paris","limit":3},"ok":true}`,
	`{"result":{"hits":["a","b"],"score":0.5},"durationMs":12}`,
	`{"text":"done","tokens":{"in":120,"out":48},"extra":null}`,
}

// sealSessions returns the sealed events of each session, session after
// session, in seq order.
func sealSessions(t testing.TB, sessions ...bundleSession) []chain.Event {
	t.Helper()
	var events []chain.Event
	for _, s := range sessions {
		prev := ""
		for i := range s.n {
			payload, err := chain.Canonicalize([]byte(bundlePayloads[i%len(bundlePayloads)]))
			if err != nil {
				t.Fatalf("Canonicalize(payload %d) = %v", i, err)
			}
			metadata, err := chain.Canonicalize([]byte(fmt.Sprintf(`{"step":%d,"run":"r1"}`, i)))
			if err != nil {
				t.Fatalf("Canonicalize(metadata %d) = %v", i, err)
			}
			e := chain.Event{
				ID:         fmt.Sprintf("evt-%s-%d", s.id, i),
				Timestamp:  fmt.Sprintf("2026-02-08T10:00:%02d.000Z", i),
				ReceivedAt: fmt.Sprintf("2026-02-08T10:00:%02d.250Z", i),
				KeyID:      "key-1", SessionID: s.id, AgentID: "agent-1",
				EventType: "tool_call", Severity: "info",
				Payload: payload, Metadata: metadata,
			}
			e.Seal(int64(i), prev)
			prev = e.Hash
			events = append(events, e)
		}
	}
	return events
}

// headsOf returns each session's head as the last of its events says.
func headsOf(events []chain.Event) []chain.BundleHead {
	heads := []chain.BundleHead{}
	for _, e := range events {
		if n := len(heads); n > 0 && heads[n-1].SessionID == e.SessionID {
			heads[n-1].Count, heads[n-1].LastHash = e.Seq+1, e.Hash
			continue
		}
		heads = append(heads, chain.BundleHead{SessionID: e.SessionID, Count: e.Seq + 1, LastHash: e.Hash})
	}
	return heads
}

func newBundle(events []chain.Event) chain.Bundle {
	return chain.Bundle{
		Format: chain.BundleFormat, Version: chain.BundleVersion,
		ExportedAt: "2026-02-08T11:00:00.000Z", From: "2026-02-08T00:00:00.000Z", To: "2026-02-09T00:00:00.000Z",
		Heads: headsOf(events), Events: events,
	}
}

// signBundle signs b with s and returns the bundle's JSON.
func signBundle(t testing.TB, s *chain.Signer, b chain.Bundle) []byte {
	t.Helper()
	b.KeyID, b.Signature = s.KeyID(), ""
	sig, err := s.Sign(b)
	if err != nil {
		t.Fatalf("Sign(bundle) = %v", err)
	}
	b.Signature = sig
	doc, err := json.Marshal(b)
	if err != nil {
		t.Fatalf("json.Marshal(bundle) = %v", err)
	}
	return doc
}

// catchVerify calls verify and returns its answer, or the value it panicked with.
func catchVerify(verify func() (*chain.BundleReport, error)) (r *chain.BundleReport, panicked any, err error) {
	defer func() { panicked = recover() }()
	r, err = verify()
	return r, nil, err
}

// reportString describes VerifyBundle's or VerifyNDJSON's answer for
// failure messages.
func reportString(r *chain.BundleReport, err error) string {
	if err != nil {
		return "error " + err.Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "{key %s, %d sessions, %d events", r.KeyID, r.Sessions, r.Events)
	for _, br := range r.Breaks {
		fmt.Fprintf(&b, ", break %v", br)
	}
	return b.String() + "}"
}

// bundleWant is what verifying a tampered bundle must report: an error
// (wrapping ErrBadSignature when bad is set) containing err, or exactly one
// break in session at seq whose reason contains reason.
type bundleWant struct {
	err     string
	bad     bool
	session string
	seq     int64
	reason  string
}

func (w bundleWant) check(t *testing.T, what string, r *chain.BundleReport, err error) {
	t.Helper()
	got := reportString(r, err)
	if w.reason == "" {
		switch {
		case err == nil:
			t.Errorf("%s = %s, want an error containing %q", what, got, w.err)
		case w.bad && !errors.Is(err, chain.ErrBadSignature):
			t.Errorf("%s = %s, want ErrBadSignature", what, got)
		case !strings.Contains(err.Error(), w.err):
			t.Errorf("%s = %s, want an error containing %q", what, got, w.err)
		}
		return
	}
	if err != nil || len(r.Breaks) != 1 {
		t.Errorf("%s = %s, want one break in %s at seq %d (%q)", what, got, w.session, w.seq, w.reason)
		return
	}
	if b := r.Breaks[0]; b.SessionID != w.session || b.Seq != w.seq || !strings.Contains(b.Reason, w.reason) {
		t.Errorf("%s = %s, want a break in %s at seq %d (%q)", what, got, w.session, w.seq, w.reason)
	}
}

func TestVerifyBundle_Valid(t *testing.T) {
	s := seededSigner(t, 1)
	events := sealSessions(t, bundleSession{"sess-a", 3}, bundleSession{"sess-b", 2})
	doc := signBundle(t, s, newBundle(events))

	var pretty bytes.Buffer
	if err := json.Indent(&pretty, doc, "", "  "); err != nil {
		t.Fatal(err)
	}
	single := newBundle(events[:3])
	single.SessionID, single.From, single.To = "sess-a", "", ""
	empty := newBundle([]chain.Event{})

	tests := []struct {
		name         string
		doc          []byte
		wantSessions int
		wantEvents   int64
	}{
		{"compact", doc, 2, 5},
		{"pretty-printed", pretty.Bytes(), 2, 5},
		{"one session", signBundle(t, s, single), 1, 3},
		{"no sessions", signBundle(t, s, empty), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := chain.VerifyBundle(tt.doc, keyLookup(s))
			if err != nil || !r.OK() || r.Sessions != tt.wantSessions || r.Events != tt.wantEvents || r.KeyID != s.KeyID() {
				t.Errorf("VerifyBundle(%s) = %s, want {key %s, %d sessions, %d events}",
					tt.name, reportString(r, err), s.KeyID(), tt.wantSessions, tt.wantEvents)
			}
		})
	}
}

func TestVerifyBundle_Tampered(t *testing.T) {
	s, other := seededSigner(t, 1), seededSigner(t, 2)
	// sess-a holds events 0-2 (seq 0-2), sess-b events 3-4 (seq 0-1).
	fresh := func() chain.Bundle {
		return newBundle(sealSessions(t, bundleSession{"sess-a", 3}, bundleSession{"sess-b", 2}))
	}
	// A forged payload, canonical so that only the hash can catch it.
	forged := []byte(`{"args":{"limit":3,"q":"weather in Rome"},"ok":true,"tool":"search"}`)

	tests := []struct {
		name   string
		edit   func(b *chain.Bundle)
		resign bool // sign again after the edit, as if with the server's key
		want   bundleWant
	}{
		{
			name: "payload changed",
			edit: func(b *chain.Bundle) { b.Events[1].Payload = forged },
			want: bundleWant{err: "signature does not verify", bad: true},
		},
		{
			name: "payload changed, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Events[1].Payload = forged },
			want: bundleWant{session: "sess-a", seq: 1, reason: "does not match its stored hash"},
		},
		{
			name: "payload changed and chain resealed, re-signed", resign: true,
			edit: func(b *chain.Bundle) {
				b.Events[1].Payload = forged
				b.Events[1].Seal(1, b.Events[0].Hash)
				b.Events[2].Seal(2, b.Events[1].Hash)
			},
			want: bundleWant{session: "sess-a", seq: 2, reason: "hash the session head recorded"},
		},
		{
			name: "events reordered",
			edit: func(b *chain.Bundle) { b.Events[1], b.Events[2] = b.Events[2], b.Events[1] },
			want: bundleWant{err: "signature does not verify", bad: true},
		},
		{
			name: "events reordered, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Events[1], b.Events[2] = b.Events[2], b.Events[1] },
			want: bundleWant{session: "sess-a", seq: 1, reason: "missing"},
		},
		{
			name: "sessions interleaved, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Events[2], b.Events[3] = b.Events[3], b.Events[2] },
			want: bundleWant{err: "not contiguous"},
		},
		{
			name: "last event dropped",
			edit: func(b *chain.Bundle) { b.Events = b.Events[:4] },
			want: bundleWant{err: "signature does not verify", bad: true},
		},
		{
			name: "last event dropped, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Events = b.Events[:4] },
			want: bundleWant{session: "sess-b", seq: 0, reason: "deleted"},
		},
		{
			name: "last event of the first session dropped, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Events = slices.Delete(b.Events, 2, 3) },
			want: bundleWant{session: "sess-a", seq: 1, reason: "deleted"},
		},
		{
			name: "first event dropped, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Events = b.Events[1:] },
			want: bundleWant{session: "sess-a", seq: 0, reason: "missing"},
		},
		{
			name: "whole session dropped, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Events = b.Events[:3] },
			want: bundleWant{session: "sess-b", seq: 0, reason: "deleted"},
		},
		{
			name: "head last hash disagrees",
			edit: func(b *chain.Bundle) { b.Heads[1].LastHash = b.Events[3].Hash },
			want: bundleWant{err: "signature does not verify", bad: true},
		},
		{
			name: "head last hash disagrees, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Heads[1].LastHash = b.Events[3].Hash },
			want: bundleWant{session: "sess-b", seq: 1, reason: "hash the session head recorded"},
		},
		{
			name: "head counts more, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Heads[0].Count = 4 },
			want: bundleWant{session: "sess-a", seq: 2, reason: "deleted"},
		},
		{
			name: "head counts fewer, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Heads[0].Count = 2 },
			want: bundleWant{session: "sess-a", seq: 1, reason: "hash the session head recorded"},
		},
		{
			name: "head missing, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Heads = b.Heads[:1] },
			want: bundleWant{err: `no head for it`},
		},
		{
			name: "unknown format, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Format = "agentlens-bundle-ndjson/1" },
			want: bundleWant{err: "format"},
		},
		{
			name: "newer version, re-signed", resign: true,
			edit: func(b *chain.Bundle) { b.Version = 2 },
			want: bundleWant{err: "version 2"},
		},
		{
			name: "signed by another key",
			edit: func(b *chain.Bundle) {
				b.KeyID = other.KeyID()
				var err error
				if b.Signature, err = other.Sign(*b); err != nil {
					t.Fatal(err)
				}
			},
			want: bundleWant{err: "signed by key " + other.KeyID() + ", which is not among the keys given"},
		},
		{
			name: "another key's signature under this key's id",
			edit: func(b *chain.Bundle) {
				sig, err := other.Sign(*b)
				if err != nil {
					t.Fatal(err)
				}
				_, raw, err := chain.ParseSignature(sig)
				if err != nil {
					t.Fatal(err)
				}
				b.Signature = strings.Replace(b.Signature, b.Signature[len("ed25519:"+s.KeyID()+":"):],
					sig[len("ed25519:"+other.KeyID()+":"):], 1)
				if _, got, _ := chain.ParseSignature(b.Signature); !bytes.Equal(got, raw) {
					t.Fatalf("replaced signature %q does not hold the other key's bytes", b.Signature)
				}
			},
			want: bundleWant{err: "signature does not verify", bad: true},
		},
		{
			// Only the server's key can sign this, but a verifier must still
			// answer rather than crash.
			name: "event without a session id, re-signed", resign: true,
			edit: func(b *chain.Bundle) {
				for i := range b.Events {
					b.Events[i].SessionID = ""
				}
			},
			want: bundleWant{err: "session"},
		},
		{
			name: "signature removed",
			edit: func(b *chain.Bundle) { b.Signature = "" },
			want: bundleWant{err: "no signature"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := fresh()
			b.KeyID = s.KeyID()
			sig, err := s.Sign(b)
			if err != nil {
				t.Fatal(err)
			}
			b.Signature = sig
			tt.edit(&b)
			var doc []byte
			if tt.resign {
				doc = signBundle(t, s, b)
			} else if doc, err = json.Marshal(b); err != nil {
				t.Fatal(err)
			}
			r, p, err := catchVerify(func() (*chain.BundleReport, error) { return chain.VerifyBundle(doc, keyLookup(s)) })
			if p != nil {
				t.Fatalf("VerifyBundle(%s) panicked: %v", tt.name, p)
			}
			tt.want.check(t, "VerifyBundle("+tt.name+")", r, err)
		})
	}
}

// flipsOf returns the replacements tried for byte c: its neighbours among
// the printable ASCII characters (neighbours share all but the lowest bits,
// so they also try the unused bits of a base64 digit) and, for a letter,
// the other case.
func flipsOf(c byte) []byte {
	next := func(c byte, d int) byte { return byte(0x20 + (int(c)-0x20+d+95)%95) }
	out := []byte{next(c, 1), next(c, -1)}
	if lower := c | 0x20; lower >= 'a' && lower <= 'z' {
		out = append(out, c^0x20)
	}
	return out
}

// TestVerifyBundle_EveryByteFlip changes every byte of a small bundle, in
// turn, to other printable characters: every result must fail, as a JSON
// error, a signature failure or a broken chain.
func TestVerifyBundle_EveryByteFlip(t *testing.T) {
	s := seededSigner(t, 1)
	doc := signBundle(t, s, newBundle(sealSessions(t, bundleSession{"s1", 2})))
	keys := keyLookup(s)
	if r, err := chain.VerifyBundle(doc, keys); err != nil || !r.OK() {
		t.Fatalf("VerifyBundle(valid) = %s, want OK", reportString(r, err))
	}
	causes := map[string]int{}
	passed := 0
	for i := range doc {
		for _, c := range flipsOf(doc[i]) {
			mutated := bytes.Clone(doc)
			mutated[i] = c
			r, p, err := catchVerify(func() (*chain.BundleReport, error) { return chain.VerifyBundle(mutated, keys) })
			switch {
			case p != nil:
				t.Errorf("VerifyBundle(byte %d %q -> %q) panicked: %v", i, doc[i], c, p)
			case err != nil && !json.Valid(mutated):
				causes["not JSON"]++
			case errors.Is(err, chain.ErrBadSignature):
				causes["signature does not verify"]++
			case err != nil:
				causes["other error"]++
			case !r.OK():
				causes["broken chain"]++
			default:
				if passed++; passed <= 5 {
					t.Errorf("VerifyBundle(byte %d %q -> %q) = %s, want a failure\n%s",
						i, doc[i], c, reportString(r, err), mutated)
				}
			}
		}
	}
	if passed > 5 {
		t.Errorf("%d more one-byte changes verified", passed-5)
	}
	if causes["signature does not verify"] == 0 || causes["not JSON"] == 0 {
		t.Errorf("causes = %v, want both JSON errors and signature failures", causes)
	}
	t.Logf("%d bytes changed: %v", len(doc), causes)
}

// ndjsonLines returns the lines of an NDJSON bundle of events with a trailer
// signed by s over heads and the digest of digested (events when nil).
func ndjsonLines(t testing.TB, s *chain.Signer, events []chain.Event, heads []chain.BundleHead, digested []chain.Event) [][]byte {
	t.Helper()
	if digested == nil {
		digested = events
	}
	var lines [][]byte
	for _, e := range events {
		line, err := json.Marshal(e)
		if err != nil {
			t.Fatalf("json.Marshal(event %s) = %v", e.ID, err)
		}
		lines = append(lines, line)
	}
	d := chain.NewEventsDigest()
	for _, e := range digested {
		d.Add(e.Hash)
	}
	trailer := chain.NDJSONTrailer{Format: chain.NDJSONBundleFormat, Heads: heads, EventsDigest: d.Sum()}
	sig, err := s.Sign(trailer)
	if err != nil {
		t.Fatalf("Sign(trailer) = %v", err)
	}
	trailer.Signature = sig
	line, err := json.Marshal(trailer)
	if err != nil {
		t.Fatal(err)
	}
	return append(lines, line)
}

func joinLines(lines [][]byte) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func TestEventsDigest(t *testing.T) {
	tests := []struct {
		hashes []string
		want   string // printf '%s' <hashes...> | sha256sum
	}{
		{nil, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{[]string{"aa", "bb"}, "486b34250bd4400c0aa90516fce9a9c0633a922eb40d0828cf299bc4e825acf4"},
		{[]string{"aabb"}, "486b34250bd4400c0aa90516fce9a9c0633a922eb40d0828cf299bc4e825acf4"},
	}
	for _, tt := range tests {
		d := chain.NewEventsDigest()
		for _, h := range tt.hashes {
			d.Add(h)
		}
		if got := d.Sum(); got != tt.want {
			t.Errorf("EventsDigest(%q).Sum() = %s, want %s", tt.hashes, got, tt.want)
		}
	}
}

func TestVerifyNDJSON_Valid(t *testing.T) {
	s := seededSigner(t, 1)
	events := sealSessions(t, bundleSession{"sess-a", 3}, bundleSession{"sess-b", 2})
	stream := joinLines(ndjsonLines(t, s, events, headsOf(events), nil))

	tests := []struct {
		name string
		in   []byte
	}{
		{"as written", stream},
		{"CRLF line ends", bytes.ReplaceAll(stream, []byte("\n"), []byte("\r\n"))},
		{"blank lines", bytes.ReplaceAll(stream, []byte("\n"), []byte("\n\n"))},
		{"no final newline", bytes.TrimSuffix(stream, []byte("\n"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := chain.VerifyNDJSON(bytes.NewReader(tt.in), keyLookup(s))
			if err != nil || !r.OK() || r.Sessions != 2 || r.Events != 5 || r.KeyID != s.KeyID() {
				t.Errorf("VerifyNDJSON(%s) = %s, want {key %s, 2 sessions, 5 events}", tt.name, reportString(r, err), s.KeyID())
			}
		})
	}
}

func TestVerifyNDJSON_Tampered(t *testing.T) {
	s, other := seededSigner(t, 1), seededSigner(t, 2)
	events := sealSessions(t, bundleSession{"sess-a", 3}, bundleSession{"sess-b", 2})
	heads := headsOf(events)
	valid := ndjsonLines(t, s, events, heads, nil)
	trailer := valid[len(valid)-1]
	without := func(i int) [][]byte { return slices.Delete(slices.Clone(valid), i, i+1) }
	swapped := func(i, j int) [][]byte {
		l := slices.Clone(valid)
		l[i], l[j] = l[j], l[i]
		return l
	}
	replaced := func(i int, line []byte) [][]byte {
		l := slices.Clone(valid)
		l[i] = line
		return l
	}
	withTrailer := func(edit func(m map[string]json.RawMessage)) [][]byte {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(trailer, &m); err != nil {
			t.Fatal(err)
		}
		edit(m)
		line, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return replaced(len(valid)-1, line)
	}
	quoted := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	otherTrailer := ndjsonLines(t, other, events, heads, nil)

	// sess-a without its last event, and its head for that shorter chain.
	short := slices.Delete(slices.Clone(events), 2, 3)
	shortHeads := headsOf(short)
	// An event appended to sess-b behind the head's back.
	extra := sealSessions(t, bundleSession{"sess-b", 3})[2]
	longer := append(slices.Clone(events), extra)

	payloadChanged := bytes.Replace(valid[1], []byte(`"score":0.5`), []byte(`"score":0.9`), 1)
	if bytes.Equal(payloadChanged, valid[1]) {
		t.Fatalf("line 2 %s has no score to change", valid[1])
	}

	tests := []struct {
		name  string
		lines [][]byte
		want  bundleWant
	}{
		{"middle event line dropped", without(1), bundleWant{err: "signed digest", bad: true}},
		{"last event line dropped", without(len(valid) - 2), bundleWant{err: "signed digest", bad: true}},
		{"first event line dropped", without(0), bundleWant{err: "signed digest", bad: true}},
		{"trailer dropped", without(len(valid) - 1), bundleWant{err: "trailer"}},
		{"only the trailer", valid[len(valid)-1:], bundleWant{err: "signed digest", bad: true}},
		{"empty stream", nil, bundleWant{err: "empty"}},
		{"two event lines reordered", swapped(1, 2), bundleWant{err: "signed digest", bad: true}},
		{
			"sessions reordered", append(append(slices.Clone(valid[3:5]), valid[:3]...), trailer),
			bundleWant{err: "signed digest", bad: true},
		},
		{"trailer moved first", append([][]byte{trailer}, valid[:len(valid)-1]...), bundleWant{err: "trailer"}},
		{
			"event payload changed", replaced(1, payloadChanged),
			bundleWant{session: "sess-a", seq: 1, reason: "does not match its stored hash"},
		},
		// Event lines are not signed one by one: a line whose sessionId
		// member was renamed must be refused, not crash the verifier.
		{
			"first event line without a session id", replaced(0, bytes.Replace(valid[0], []byte(`"sessionId"`), []byte(`"sessionJd"`), 1)),
			bundleWant{err: "session"},
		},
		{"event line not JSON", replaced(1, valid[1][:len(valid[1])-1]), bundleWant{err: "line 2 is not an event"}},
		{
			"trailer signature by another key", replaced(len(valid)-1, otherTrailer[len(otherTrailer)-1]),
			bundleWant{err: "signed by key " + other.KeyID()},
		},
		{"trailer signature replaced under this key's id", withTrailer(func(m map[string]json.RawMessage) {
			var ot chain.NDJSONTrailer
			if err := json.Unmarshal(otherTrailer[len(otherTrailer)-1], &ot); err != nil {
				t.Fatal(err)
			}
			m["signature"] = quoted(strings.Replace(ot.Signature, other.KeyID(), s.KeyID(), 1))
		}), bundleWant{err: "signature does not verify", bad: true}},
		{
			"trailer signature removed", withTrailer(func(m map[string]json.RawMessage) { delete(m, "signature") }),
			bundleWant{err: "no signature"},
		},
		{"trailer heads changed", withTrailer(func(m map[string]json.RawMessage) {
			b, _ := json.Marshal(shortHeads)
			m["heads"] = b
		}), bundleWant{err: "signature does not verify", bad: true}},
		{
			"trailer format changed", withTrailer(func(m map[string]json.RawMessage) { m["format"] = quoted(chain.BundleFormat) }),
			bundleWant{err: "trailer"},
		},
		// The trailer signed again (as by someone holding the key) with heads
		// matching the shorter chain: only the events digest still shows the
		// missing event.
		{
			"event removed, trailer re-signed with matching heads", ndjsonLines(t, s, short, shortHeads, events),
			bundleWant{err: "signed digest", bad: true},
		},
		// Re-signed with a digest of what is left but the heads not updated:
		// the head check shows the deleted tail.
		{
			"event removed, trailer re-signed with the new digest", ndjsonLines(t, s, short, heads, nil),
			bundleWant{session: "sess-a", seq: 1, reason: "deleted"},
		},
		{
			"event appended", append(slices.Clone(valid[:len(valid)-1]), marshalForTest(t, extra), trailer),
			bundleWant{err: "signed digest", bad: true},
		},
		{
			"event appended, trailer re-signed with the new digest", ndjsonLines(t, s, longer, heads, nil),
			bundleWant{session: "sess-b", seq: 2, reason: "not covered by the session head"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, p, err := catchVerify(func() (*chain.BundleReport, error) {
				return chain.VerifyNDJSON(bytes.NewReader(joinLines(tt.lines)), keyLookup(s))
			})
			if p != nil {
				t.Fatalf("VerifyNDJSON(%s) panicked: %v", tt.name, p)
			}
			tt.want.check(t, "VerifyNDJSON("+tt.name+")", r, err)
		})
	}
}

func marshalForTest(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyNDJSON_EveryByteChange changes every byte of every line of a
// small NDJSON bundle, in turn: every result must fail.
func TestVerifyNDJSON_EveryByteChange(t *testing.T) {
	s := seededSigner(t, 1)
	events := sealSessions(t, bundleSession{"s1", 2})
	stream := joinLines(ndjsonLines(t, s, events, headsOf(events), nil))
	keys := keyLookup(s)
	if r, err := chain.VerifyNDJSON(bytes.NewReader(stream), keys); err != nil || !r.OK() {
		t.Fatalf("VerifyNDJSON(valid) = %s, want OK", reportString(r, err))
	}
	passed, panics, tried := 0, 0, 0
	for i, c := range stream {
		if c == '\n' {
			continue
		}
		for _, f := range flipsOf(c) {
			mutated := bytes.Clone(stream)
			mutated[i] = f
			tried++
			r, p, err := catchVerify(func() (*chain.BundleReport, error) {
				return chain.VerifyNDJSON(bytes.NewReader(mutated), keys)
			})
			if p != nil {
				if panics++; panics <= 3 {
					t.Errorf("VerifyNDJSON(line %d byte %d %q -> %q) panicked: %v\n%s",
						bytes.Count(stream[:i], []byte("\n"))+1, i, c, f, p, mutated)
				}
				continue
			}
			if err == nil && r.OK() {
				if passed++; passed <= 5 {
					line := bytes.Count(stream[:i], []byte("\n")) + 1
					t.Errorf("VerifyNDJSON(line %d byte %d %q -> %q) = %s, want a failure\n%s",
						line, i, c, f, reportString(r, err), mutated)
				}
			}
		}
	}
	if passed > 5 {
		t.Errorf("%d more one-byte changes verified", passed-5)
	}
	if panics > 3 {
		t.Errorf("%d more one-byte changes panicked", panics-3)
	}
	t.Logf("%d changes tried", tried)
}
