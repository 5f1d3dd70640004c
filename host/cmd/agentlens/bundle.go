package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/agentlens/agentlens-go/store/chain"
)

// verifyBundle checks an exported bundle (JSON or NDJSON) with no server and
// no database: the signature with the given public keys, every hash, every
// link and each session's head. It exits 0 when all hold, 1 otherwise.
func verifyBundle(bundlePath, keyPath string, asJSON bool, stdout, stderr io.Writer) int {
	keys, err := readPublicKeys(keyPath)
	if err != nil {
		fmt.Fprintf(stderr, "agentlens verify: public key: %v\n", err)
		return exitError
	}
	doc, err := os.ReadFile(bundlePath)
	if err != nil {
		fmt.Fprintf(stderr, "agentlens verify: %v\n", err)
		return exitError
	}
	lookup := func(id string) (ed25519.PublicKey, bool) { k, ok := keys[id]; return k, ok }

	// A JSON bundle is one document; an NDJSON bundle's first line is one.
	var report *chain.BundleReport
	firstLine, _, _ := bytes.Cut(bytes.TrimSpace(doc), []byte("\n"))
	switch {
	case json.Valid(doc):
		report, err = chain.VerifyBundle(doc, lookup)
	case json.Valid(firstLine):
		report, err = chain.VerifyNDJSON(bytes.NewReader(doc), lookup)
	default:
		err = errors.New("the bundle is neither a JSON document nor NDJSON: it is damaged or cut short")
	}

	out := bundleResult{Bundle: bundlePath, BrokenChains: []brokenChain{}}
	if err != nil {
		out.Error = err.Error()
	} else {
		out.KeyID, out.SessionsVerified, out.TotalEvents = report.KeyID, report.Sessions, report.Events
		for _, b := range report.Breaks {
			out.BrokenChains = append(out.BrokenChains, brokenChain{
				SessionID: b.SessionID, FailedAtIndex: b.Seq, FailedEventID: b.EventID, Reason: b.Reason,
			})
		}
		out.Verified = report.OK()
	}
	return emitReport(stdout, asJSON, out, out.Verified, func() { printBundleResult(stdout, out) })
}

// bundleResult is the report of `agentlens verify --bundle`.
type bundleResult struct {
	Bundle           string        `json:"bundle"`
	Verified         bool          `json:"verified"`
	KeyID            string        `json:"keyId,omitempty"`
	SessionsVerified int           `json:"sessionsVerified"`
	TotalEvents      int64         `json:"totalEvents"`
	BrokenChains     []brokenChain `json:"brokenChains"`
	Error            string        `json:"error,omitempty"`
}

func printBundleResult(w io.Writer, r bundleResult) {
	fmt.Fprintf(w, "bundle:    %s\n", r.Bundle)
	if r.Error != "" {
		fmt.Fprintf(w, "\nFAILED: %s\n", r.Error)
		return
	}
	fmt.Fprintf(w, "signed by: %s (signature verified)\nsessions:  %d\nevents:    %d\n",
		r.KeyID, r.SessionsVerified, r.TotalEvents)
	for _, b := range r.BrokenChains {
		fmt.Fprintf(w, "\nBROKEN  session %q at seq %d (event %s)\n        %s\n",
			b.SessionID, b.FailedAtIndex, b.FailedEventID, b.Reason)
	}
	if r.Verified {
		fmt.Fprintf(w, "\nOK: the signature holds and every chain verifies.\n")
	} else {
		fmt.Fprintf(w, "\nFAILED: %d of %d sessions have a broken chain.\n", len(r.BrokenChains), r.SessionsVerified)
	}
}

// readPublicKeys reads Ed25519 public keys, by key id, from a file holding
// PEM "PUBLIC KEY" blocks, a JWK set (/.well-known/jwks.json), or the answer
// of GET /api/audit/public-key.
func readPublicKeys(path string) (map[string]ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	keys := map[string]ed25519.PublicKey{}
	add := func(pub ed25519.PublicKey) { keys[chain.KeyID(pub)] = pub }

	if json.Valid(data) {
		var doc struct {
			PublicKeyPEM string `json:"publicKeyPem"`
			Keys         []struct {
				PublicKeyPEM string `json:"publicKeyPem"`
				Kty, Crv, X  string
			} `json:"keys"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		pems := doc.PublicKeyPEM
		for _, k := range doc.Keys {
			switch {
			case k.PublicKeyPEM != "":
				pems += "\n" + k.PublicKeyPEM
			case k.Kty == "OKP" && k.Crv == "Ed25519":
				raw, err := base64.RawURLEncoding.DecodeString(k.X)
				if err != nil || len(raw) != ed25519.PublicKeySize {
					return nil, fmt.Errorf("read %s: a JWK's x is not a 32-byte base64url key", path)
				}
				add(raw)
			}
		}
		data = []byte(pems)
	}
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "PUBLIC KEY" {
			continue
		}
		parsed, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		pub, ok := parsed.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("read %s: a PUBLIC KEY block is not an Ed25519 key", path)
		}
		add(pub)
	}
	if len(keys) == 0 {
		return nil, errors.New("no Ed25519 public key found (expected PEM, a JWK set or the /api/audit/public-key answer)")
	}
	return keys, nil
}
