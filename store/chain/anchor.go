package chain

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
)

// Anchor stands in for a prefix of a session's chain that the retention job
// deleted: the seqs it covered, how many events, the hash of the last one
// and [EventsDigest] of all their hashes. It is signed like every document,
// so verification can start after it without trusting the server.
type Anchor struct {
	SessionID    string `json:"sessionId"`
	FirstSeq     int64  `json:"firstSeq"`
	LastSeq      int64  `json:"lastSeq"`
	Count        int64  `json:"count"`
	LastHash     string `json:"lastHash"`
	EventsDigest string `json:"eventsDigest"`
	CreatedAt    string `json:"createdAt"`
	Signature    string `json:"signature,omitempty"`
}

// Verify checks the anchor's signature with the key keys returns for its
// key id.
func (a *Anchor) Verify(keys func(keyID string) (ed25519.PublicKey, bool)) error {
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode anchor: %w", err)
	}
	if _, err := VerifyDocument(doc, keys); err != nil {
		return fmt.Errorf("retention anchor of session %q: %w", a.SessionID, err)
	}
	return nil
}

// StartAfter makes the walk begin after a deleted prefix that anchor
// covers: the next event must be anchor.LastSeq+1 and link to
// anchor.LastHash. Call it before the first Add.
func (v *Verifier) StartAfter(anchor *Anchor) {
	v.next = anchor.LastSeq + 1
	v.prevHash = anchor.LastHash
	v.lastID = ""
}
