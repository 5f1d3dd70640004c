package chain

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Signed documents (verify reports, export bundles, receipts, retention
// anchors) carry a "signature" member: the string
//
//	ed25519:<keyId>:<standard base64 of the 64-byte signature>
//
// over the JCS form of the document without its "signature" member. keyId
// is [KeyID] of the signing key.

// ErrBadSignature is returned when a document's signature does not verify.
var ErrBadSignature = errors.New("signature does not verify")

// KeyID returns the first 16 hex digits of SHA-256 of the raw public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// Signer signs documents with one Ed25519 key.
type Signer struct {
	key   ed25519.PrivateKey
	keyID string
}

// NewSigner returns a signer for key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, keyID: KeyID(key.Public().(ed25519.PublicKey))}
}

// KeyID returns the signing key's id.
func (s *Signer) KeyID() string { return s.keyID }

// PublicKey returns the signing key's public half.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign returns the signature string over doc, which must marshal to a JSON
// object without a "signature" member (leave it empty with omitempty).
func (s *Signer) Sign(doc any) (string, error) {
	msg, err := SignedMessage(doc)
	if err != nil {
		return "", err
	}
	return s.SignMessage(msg), nil
}

// SignMessage signs bytes that are already the JCS form of a document.
func (s *Signer) SignMessage(msg []byte) string {
	sig := ed25519.Sign(s.key, msg)
	return "ed25519:" + s.keyID + ":" + base64.StdEncoding.EncodeToString(sig)
}

// SignedMessage returns what a signature over doc covers: the JCS form of
// doc without its "signature" member.
func SignedMessage(doc any) ([]byte, error) {
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil || members == nil {
		return nil, errors.New("signed document is not a JSON object")
	}
	delete(members, "signature")
	raw, err = json.Marshal(members)
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	// A document may nest stored events deeper than ingest allows payloads
	// to nest (a bundle adds three levels), so only the hard limits apply.
	return storedLimits.Canonicalize(raw)
}

// ParseSignature splits a signature string into its key id and signature.
func ParseSignature(s string) (keyID string, sig []byte, err error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 || parts[0] != "ed25519" || parts[1] == "" {
		return "", nil, fmt.Errorf("signature %q is not ed25519:<keyId>:<base64>", clip(s))
	}
	// Strict: one signature has exactly one text, so none can be altered
	// without breaking it.
	sig, err = base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(sig) != ed25519.SignatureSize || strings.ContainsAny(parts[2], "\r\n") {
		return "", nil, fmt.Errorf("signature of key %s is not 64 bytes of base64", parts[1])
	}
	return parts[1], sig, nil
}

// VerifyDocument checks the "signature" member of the JSON object doc with
// the public key that keys returns for the signature's key id. It returns
// the key id, and [ErrBadSignature] (wrapped) when the signature does not
// hold.
func VerifyDocument(doc []byte, keys func(keyID string) (ed25519.PublicKey, bool)) (string, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(doc, &members); err != nil {
		return "", fmt.Errorf("signed document is not a JSON object: %w", err)
	}
	var sigText string
	if err := json.Unmarshal(members["signature"], &sigText); err != nil || sigText == "" {
		return "", errors.New("the document has no signature string")
	}
	keyID, sig, err := ParseSignature(sigText)
	if err != nil {
		return "", err
	}
	pub, ok := keys(keyID)
	if !ok {
		return keyID, fmt.Errorf("the document is signed by key %s, which is not among the keys given", keyID)
	}
	msg, err := SignedMessage(members)
	if err != nil {
		return keyID, err
	}
	if !ed25519.Verify(pub, msg, sig) {
		return keyID, fmt.Errorf("%w: signed by key %s, but the document was changed or the signature replaced",
			ErrBadSignature, keyID)
	}
	return keyID, nil
}
