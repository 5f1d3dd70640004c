package chain

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
)

// Export bundle formats. A JSON bundle is one signed document; an NDJSON
// bundle is one event per line followed by a signed trailer line.
const (
	BundleFormat       = "agentlens-bundle"
	BundleVersion      = 1
	NDJSONBundleFormat = "agentlens-bundle-ndjson/1"
)

// BundleHead is a session's head as the server recorded it.
type BundleHead struct {
	SessionID string `json:"sessionId"`
	Count     int64  `json:"count"`
	LastHash  string `json:"lastHash"`
	// Anchor covers the prefix of the chain that retention deleted; the
	// bundle's events of the session then start right after it.
	Anchor *Anchor `json:"anchor,omitempty"`
}

// Bundle is a self-contained, signed export of whole sessions: every hashed
// field of every event, in session order and then seq order, and each
// session's head.
type Bundle struct {
	Format     string       `json:"format"`
	Version    int          `json:"version"`
	ExportedAt string       `json:"exportedAt"`
	SessionID  string       `json:"sessionId,omitempty"`
	From       string       `json:"from,omitempty"`
	To         string       `json:"to,omitempty"`
	KeyID      string       `json:"keyId"`
	Heads      []BundleHead `json:"heads"`
	Events     []Event      `json:"events"`
	Signature  string       `json:"signature,omitempty"`
}

// NDJSONTrailer is the last line of an NDJSON bundle. Its signature covers
// {format, heads, eventsDigest}; EventsDigest is [EventsDigest] of the
// events in the order of the lines.
type NDJSONTrailer struct {
	Format       string       `json:"format"`
	Heads        []BundleHead `json:"heads"`
	EventsDigest string       `json:"eventsDigest"`
	Signature    string       `json:"signature,omitempty"`
}

// EventsDigest accumulates the digest that anchors and NDJSON bundles sign
// for a sequence of events: the hex SHA-256 of their hashes (lowercase hex
// text) concatenated in order, with no separator.
type EventsDigest struct{ h hash.Hash }

// NewEventsDigest starts an empty digest.
func NewEventsDigest() *EventsDigest { return &EventsDigest{h: sha256.New()} }

// Add appends one event hash.
func (d *EventsDigest) Add(eventHash string) { io.WriteString(d.h, eventHash) }

// Sum returns the digest as lowercase hex.
func (d *EventsDigest) Sum() string { return hex.EncodeToString(d.h.Sum(nil)) }

// BundleReport is what verifying a bundle found.
type BundleReport struct {
	KeyID    string
	Sessions int
	Events   int64
	Breaks   []*Break
}

// OK reports whether every chain of the bundle verified.
func (r *BundleReport) OK() bool { return len(r.Breaks) == 0 }

// VerifyBundle checks a JSON bundle with no server: its signature (with the
// key keys returns for its key id), then every event's hash recomputed from
// its fields (payload and metadata canonicalized first), every link, and
// each session's chain against its head. A bad signature or a malformed
// bundle is an error; broken chains are listed in the report.
func VerifyBundle(doc []byte, keys func(keyID string) (ed25519.PublicKey, bool)) (*BundleReport, error) {
	keyID, err := VerifyDocument(doc, keys)
	if err != nil {
		return nil, err
	}
	var b Bundle
	if err := json.Unmarshal(doc, &b); err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	if b.Format != BundleFormat || b.Version != BundleVersion {
		return nil, fmt.Errorf("bundle format %q version %d is not %q version %d",
			b.Format, b.Version, BundleFormat, BundleVersion)
	}
	w := newBundleWalk(b.Heads, keys)
	for i := range b.Events {
		if err := w.add(&b.Events[i]); err != nil {
			return nil, err
		}
	}
	report, err := w.finish()
	if err != nil {
		return nil, err
	}
	report.KeyID = keyID
	return report, nil
}

// VerifyNDJSON checks an NDJSON bundle read from r: every event line as in
// [VerifyBundle], then the trailer's events digest and signature.
func VerifyNDJSON(r io.Reader, keys func(keyID string) (ed25519.PublicKey, bool)) (*BundleReport, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
	var lines [][]byte
	for sc.Scan() {
		if line := bytes.TrimSpace(sc.Bytes()); len(line) > 0 {
			lines = append(lines, bytes.Clone(line))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}
	if len(lines) == 0 {
		return nil, errors.New("the bundle is empty")
	}

	// The trailer is the last line and carries the heads.
	trailerLine := lines[len(lines)-1]
	var trailer NDJSONTrailer
	if err := json.Unmarshal(trailerLine, &trailer); err != nil || trailer.Format != NDJSONBundleFormat {
		return nil, fmt.Errorf("the last line is not a %s trailer", NDJSONBundleFormat)
	}
	keyID, err := VerifyDocument(trailerLine, keys)
	if err != nil {
		return nil, err
	}

	w := newBundleWalk(trailer.Heads, keys)
	digest := NewEventsDigest()
	for n, line := range lines[:len(lines)-1] {
		// Event lines are not signed one by one: refuse any that could read
		// two ways (duplicate members) before decoding it.
		var e Event
		if err := Check(line, storedLimits); err != nil {
			return nil, fmt.Errorf("line %d is not an event: %w", n+1, err)
		}
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("line %d is not an event: %w", n+1, err)
		}
		digest.Add(e.Hash)
		if err := w.add(&e); err != nil {
			return nil, err
		}
	}
	if got := digest.Sum(); got != trailer.EventsDigest {
		return nil, fmt.Errorf("%w: the events do not match the signed digest (events were changed, "+
			"added, removed or reordered)", ErrBadSignature)
	}
	report, err := w.finish()
	if err != nil {
		return nil, err
	}
	report.KeyID = keyID
	return report, nil
}

// bundleWalk verifies the sessions of a bundle one after the other.
type bundleWalk struct {
	keys     func(keyID string) (ed25519.PublicKey, bool)
	heads    map[string]BundleHead
	order    []string
	current  string
	verifier *Verifier
	seen     map[string]bool
	report   BundleReport
}

func newBundleWalk(heads []BundleHead, keys func(string) (ed25519.PublicKey, bool)) *bundleWalk {
	w := &bundleWalk{keys: keys, heads: map[string]BundleHead{}, seen: map[string]bool{}}
	for _, h := range heads {
		w.heads[h.SessionID] = h
		w.order = append(w.order, h.SessionID)
	}
	return w
}

func (w *bundleWalk) add(e *Event) error {
	if e.SessionID == "" {
		return fmt.Errorf("event %q has no sessionId", e.ID)
	}
	var err error
	if e.SessionID != w.current {
		if w.seen[e.SessionID] {
			return fmt.Errorf("the events of session %q are not contiguous in the bundle", e.SessionID)
		}
		w.close()
		head, ok := w.heads[e.SessionID]
		if !ok {
			return fmt.Errorf("the bundle has events of session %q but no head for it", e.SessionID)
		}
		w.current, w.seen[e.SessionID] = e.SessionID, true
		if w.verifier, err = w.start(head); err != nil {
			return err
		}
	}
	// A bundle may have been reformatted; hash what the JSON says.
	if e.Payload, err = storedLimits.CanonicalObject(e.Payload, "payload"); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	if e.Metadata, err = storedLimits.CanonicalObject(e.Metadata, "metadata"); err != nil {
		return fmt.Errorf("event %s: %w", e.ID, err)
	}
	w.verifier.Add(e)
	w.report.Events++
	return nil
}

// close finishes the current session's walk.
func (w *bundleWalk) close() {
	if w.verifier == nil {
		return
	}
	w.report.Sessions++
	if b := w.verifier.Finish(); b != nil {
		w.report.Breaks = append(w.report.Breaks, b)
	}
	w.verifier = nil
}

// start begins a session's walk at its head's anchor, whose signature must
// hold, or at seq 0.
func (w *bundleWalk) start(head BundleHead) (*Verifier, error) {
	v := NewVerifier(head.SessionID, Head{Count: head.Count, LastHash: head.LastHash})
	if head.Anchor != nil {
		if head.Anchor.SessionID != head.SessionID {
			return nil, fmt.Errorf("the anchor in the head of session %q names session %q",
				head.SessionID, head.Anchor.SessionID)
		}
		if err := head.Anchor.Verify(w.keys); err != nil {
			return nil, err
		}
		v.StartAfter(head.Anchor)
	}
	return v, nil
}

func (w *bundleWalk) finish() (*BundleReport, error) {
	w.close()
	// A head without events: every event after its anchor is missing.
	for _, id := range w.order {
		if w.seen[id] {
			continue
		}
		v, err := w.start(w.heads[id])
		if err != nil {
			return nil, err
		}
		w.report.Sessions++
		if b := v.Finish(); b != nil {
			w.report.Breaks = append(w.report.Breaks, b)
		}
	}
	return &w.report, nil
}
