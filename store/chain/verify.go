package chain

import "fmt"

// Head is what the sessions table records about a chain: how many events it
// holds and the hash of the last one. It lets verification notice events
// removed from, or added to, the end of a chain.
type Head struct {
	Count    int64
	LastHash string
}

// Break describes where a chain first fails verification.
type Break struct {
	SessionID string
	// Seq is where the walk failed: the event whose check failed, the seq the
	// walk expected at a gap, or the last stored seq when events are missing
	// at the end.
	Seq int64
	// EventID is the event found at Seq, or the last stored event when events
	// are missing at the end ("" when none is stored).
	EventID string
	// Reason is a sentence a person can act on.
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("chain of session %q broken at seq %d: %s", b.SessionID, b.Seq, b.Reason)
}

// Verifier walks one session's events in seq order and reports the first
// break. Feed every stored event to [Verifier.Add], then call
// [Verifier.Finish]. A Verifier holds only the previous event's hash, so a
// session of any length is verified in constant memory. It is not safe for
// concurrent use.
type Verifier struct {
	sessionID string
	head      Head
	next      int64
	count     int64
	prevHash  string
	lastID    string
	firstHash string
	broken    *Break
	buf       []byte
}

// NewVerifier starts the walk of the session's chain against its head.
func NewVerifier(sessionID string, head Head) *Verifier {
	return &Verifier{sessionID: sessionID, head: head}
}

// Add checks the next stored event, in ascending seq order, and returns the
// first break found so far (nil while the chain holds). After a break, later
// events are ignored.
func (v *Verifier) Add(e *Event) *Break {
	v.count++
	if v.broken != nil {
		return v.broken
	}
	v.broken = v.check(e)
	if v.count == 1 {
		v.firstHash = e.Hash
	}
	v.next = e.Seq + 1
	v.prevHash = e.Hash
	v.lastID = e.ID
	return v.broken
}

func (v *Verifier) check(e *Event) *Break {
	fail := func(seq int64, format string, args ...any) *Break {
		return &Break{SessionID: v.sessionID, Seq: seq, EventID: e.ID, Reason: fmt.Sprintf(format, args...)}
	}

	// Position: seq must continue the walk without gap or repeat.
	switch {
	case e.Seq > v.next && v.next+1 == e.Seq:
		return fail(v.next, "the event at seq %d is missing: the chain goes on at seq %d, so an event was deleted",
			v.next, e.Seq)
	case e.Seq > v.next:
		return fail(v.next, "events at seq %d to %d are missing: the chain jumps to seq %d, so events were deleted",
			v.next, e.Seq-1, e.Seq)
	case e.Seq < v.next:
		return fail(e.Seq, "seq %d appears more than once: an event was inserted with a duplicate position", e.Seq)
	}

	// Coverage: the head must count this event.
	if e.Seq >= v.head.Count {
		return fail(e.Seq, "the event at seq %d is not covered by the session head, which counts %d events: "+
			"it was added behind the chain's back", e.Seq, v.head.Count)
	}

	// Contents: the stored hash must be the hash of the stored fields.
	v.buf = e.HashInput(v.buf[:0])
	if got := hashHex(v.buf); got != e.Hash {
		return fail(e.Seq, "the event at seq %d does not match its stored hash: "+
			"its contents were changed after it was written", e.Seq)
	}

	// Stored text: payload and metadata must each be the JCS text of an
	// object, or bytes could move between them without changing the hash
	// input, and an auditor's JCS library would hash other bytes.
	if !isCanonicalObject(e.Payload) || !isCanonicalObject(e.Metadata) {
		return fail(e.Seq, "the stored payload or metadata of the event at seq %d is not canonical JSON, "+
			"though its hash matches: it was forged after it was written", e.Seq)
	}

	// Link: seq 0 starts the chain; every later event names its predecessor.
	if e.Seq == 0 && e.PrevHash != "" {
		return fail(0, "the first event (seq 0) has a prevHash, but a chain must start with null: "+
			"events before it were removed or it was moved")
	}
	if e.Seq > 0 && e.PrevHash != v.prevHash {
		return fail(e.Seq, "the prevHash of the event at seq %d is not the hash of the event at seq %d: "+
			"the earlier event was rewritten or replaced", e.Seq, e.Seq-1)
	}

	// End: the last counted event must carry the head's hash.
	if e.Seq == v.head.Count-1 && e.Hash != v.head.LastHash {
		return fail(e.Seq, "the last event (seq %d) does not carry the hash the session head recorded: "+
			"it was rewritten after it was written", e.Seq)
	}
	return nil
}

// Finish reports the first break of the whole walk, including events the
// head counts that were never fed to Add (a deleted tail).
func (v *Verifier) Finish() *Break {
	if v.broken != nil {
		return v.broken
	}
	if v.next < v.head.Count {
		missing := v.head.Count - v.next
		last := v.next - 1
		if last < 0 {
			last = 0
		}
		v.broken = &Break{
			SessionID: v.sessionID,
			Seq:       last,
			EventID:   v.lastID,
			Reason: fmt.Sprintf("the session head counts %d events but the chain ends before seq %d: "+
				"%d event(s) at the end of the chain (seq %d onward) were deleted",
				v.head.Count, v.next, missing, v.next),
		}
	}
	return v.broken
}

// Count returns how many events were fed to Add, after a break too.
func (v *Verifier) Count() int64 { return v.count }

// FirstHash returns the hash of the first event fed to Add (seq 0, or the
// first after a retention anchor), "" if none was.
func (v *Verifier) FirstHash() string { return v.firstHash }

// LastHash returns the hash of the last event fed to Add.
func (v *Verifier) LastHash() string { return v.prevHash }

// isCanonicalObject reports whether text is the JCS form of a JSON object.
func isCanonicalObject(text []byte) bool {
	return len(text) > 0 && text[0] == '{' && IsCanonical(text)
}
