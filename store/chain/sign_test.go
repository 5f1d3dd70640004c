package chain_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/store/chain"
)

// seededSigner returns a signer whose key is derived from a seed of 32
// copies of b, so every run signs with the same key.
func seededSigner(t testing.TB, b byte) *chain.Signer {
	t.Helper()
	return chain.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize)))
}

// keyLookup answers the public key of each signer by its key id.
func keyLookup(signers ...*chain.Signer) func(string) (ed25519.PublicKey, bool) {
	keys := map[string]ed25519.PublicKey{}
	for _, s := range signers {
		keys[s.KeyID()] = s.PublicKey()
	}
	return func(id string) (ed25519.PublicKey, bool) { k, ok := keys[id]; return k, ok }
}

// signedDoc is a small document as the server signs them: the signature
// member is left empty (omitempty) for signing, then filled in.
type signedDoc struct {
	Verified  bool     `json:"verified"`
	SessionID string   `json:"sessionId"`
	Total     int64    `json:"totalEvents"`
	Hashes    []string `json:"hashes"`
	Note      string   `json:"note"`
	Signature string   `json:"signature,omitempty"`
}

func sampleDoc() signedDoc {
	return signedDoc{
		Verified: true, SessionID: "sess_01", Total: 12,
		Hashes: []string{"f0a6b37e9f972ee3", "4b85d21fa20bd281"},
		Note:   "café",
	}
}

// signDoc signs doc with s and returns its JSON with the signature member.
func signDoc(t testing.TB, s *chain.Signer, doc signedDoc) []byte {
	t.Helper()
	sig, err := s.Sign(doc)
	if err != nil {
		t.Fatalf("Sign(%+v) = %v", doc, err)
	}
	doc.Signature = sig
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("json.Marshal(signed doc) = %v", err)
	}
	return out
}

func TestKeyID(t *testing.T) {
	s := seededSigner(t, 1)
	sum := sha256.Sum256(s.PublicKey())
	want := hex.EncodeToString(sum[:])[:16]
	if got := chain.KeyID(s.PublicKey()); got != want {
		t.Errorf("KeyID(pub) = %q, want %q", got, want)
	}
	if got := s.KeyID(); got != want {
		t.Errorf("Signer.KeyID() = %q, want %q", got, want)
	}
}

func TestSignVerifyDocument_RoundTrip(t *testing.T) {
	s := seededSigner(t, 1)
	doc := signDoc(t, s, sampleDoc())
	got, err := chain.VerifyDocument(doc, keyLookup(s))
	if err != nil || got != s.KeyID() {
		t.Fatalf("VerifyDocument(%s) = %q, %v, want %q, nil", doc, got, err, s.KeyID())
	}

	// The member order and whitespace of the document do not matter: the
	// signature covers its canonical form.
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, doc, "", "\t"); err != nil {
		t.Fatal(err)
	}
	var members map[string]any
	if err := json.Unmarshal(doc, &members); err != nil {
		t.Fatal(err)
	}
	reordered, err := json.Marshal(members) // sorted keys: another member order
	if err != nil {
		t.Fatal(err)
	}
	for name, d := range map[string][]byte{"indented": pretty.Bytes(), "reordered": reordered} {
		if got, err := chain.VerifyDocument(d, keyLookup(s)); err != nil || got != s.KeyID() {
			t.Errorf("VerifyDocument(%s %s) = %q, %v, want %q, nil", name, d, got, err, s.KeyID())
		}
	}
}

// TestSignedMessage compares what a signature covers with canonical text
// written out by hand (JCS: members sorted by key, no whitespace, no
// escaping beyond quotes, backslashes and control characters), and checks
// that Sign is plain Ed25519 over exactly those bytes.
func TestSignedMessage(t *testing.T) {
	s := seededSigner(t, 1)
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize))
	tests := []struct {
		name string
		doc  any
		want string
	}{
		{
			name: "struct without signature",
			doc:  sampleDoc(),
			want: `{"hashes":["f0a6b37e9f972ee3","4b85d21fa20bd281"],"note":"café","sessionId":"sess_01","totalEvents":12,"verified":true}`,
		},
		{
			name: "signature member dropped",
			doc: func() signedDoc {
				d := sampleDoc()
				d.Signature = "ed25519:0000000000000000:AAAA"
				return d
			}(),
			want: `{"hashes":["f0a6b37e9f972ee3","4b85d21fa20bd281"],"note":"café","sessionId":"sess_01","totalEvents":12,"verified":true}`,
		},
		{
			name: "nested map",
			doc: map[string]any{
				"z": 1, "signature": "x", "m": "<a&b>", "é": "accent",
				"a": map[string]any{"y": 2.5, "b": []any{true, nil, "tab\t"}},
			},
			want: `{"a":{"b":[true,null,"tab\t"],"y":2.5},"m":"<a&b>","z":1,"é":"accent"}`,
		},
		{
			name: "raw JSON",
			doc:  json.RawMessage(` { "b" : 1e2 , "a" : "\u0041" , "signature" : null } `),
			want: `{"a":"A","b":100}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chain.SignedMessage(tt.doc)
			if err != nil || string(got) != tt.want {
				t.Fatalf("SignedMessage(%v) = %s, %v, want %s", tt.doc, got, err, tt.want)
			}
			sig, err := s.Sign(tt.doc)
			want := "ed25519:" + s.KeyID() + ":" +
				base64.StdEncoding.EncodeToString(ed25519.Sign(priv, []byte(tt.want)))
			if err != nil || sig != want {
				t.Errorf("Sign(%v) = %q, %v, want %q", tt.doc, sig, err, want)
			}
		})
	}
}

func TestSignedMessage_NotAnObject(t *testing.T) {
	for _, doc := range []any{[]int{1, 2}, "text", 3, nil, json.RawMessage(`{"a":`)} {
		if got, err := chain.SignedMessage(doc); err == nil {
			t.Errorf("SignedMessage(%#v) = %s, nil, want an error", doc, got)
		}
	}
}

func TestParseSignature(t *testing.T) {
	sig := bytes.Repeat([]byte{0xa5}, ed25519.SignatureSize)
	b64 := base64.StdEncoding.EncodeToString(sig)
	// 64 bytes are 512 bits: the 86th base64 digit carries 2 bits and 4
	// unused ones, which a strict decoder requires to be zero.
	last := strings.IndexByte(b64, '=') - 1
	noncanonical := b64[:last] + string(b64[last]+1) + b64[last+1:]

	tests := []struct {
		name    string
		in      string
		wantID  string
		wantErr bool
	}{
		{name: "valid", in: "ed25519:abcdef0123456789:" + b64, wantID: "abcdef0123456789"},
		{name: "wrong prefix", in: "ed448:abcdef0123456789:" + b64, wantErr: true},
		{name: "upper case prefix", in: "ED25519:abcdef0123456789:" + b64, wantErr: true},
		{name: "no prefix", in: "abcdef0123456789:" + b64, wantErr: true},
		{name: "missing key id", in: "ed25519::" + b64, wantErr: true},
		{name: "key id only", in: "ed25519:abcdef0123456789", wantErr: true},
		{name: "extra part", in: "ed25519:abcdef0123456789:" + b64 + ":x", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "bad base64", in: "ed25519:abcdef0123456789:!!" + b64[2:], wantErr: true},
		{name: "base64url", in: "ed25519:abcdef0123456789:" + base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 64)), wantErr: true},
		{name: "unpadded", in: "ed25519:abcdef0123456789:" + strings.TrimRight(b64, "="), wantErr: true},
		{name: "63 bytes", in: "ed25519:abcdef0123456789:" + base64.StdEncoding.EncodeToString(sig[:63]), wantErr: true},
		{name: "65 bytes", in: "ed25519:abcdef0123456789:" + base64.StdEncoding.EncodeToString(append(sig, 0)), wantErr: true},
		{name: "empty signature", in: "ed25519:abcdef0123456789:", wantErr: true},
		{name: "space inside", in: "ed25519:abcdef0123456789: " + b64, wantErr: true},
		// Two spellings of one signature would let a signed document change
		// without the signature failing.
		{name: "line break inside", in: "ed25519:abcdef0123456789:" + b64[:40] + "\n" + b64[40:], wantErr: true},
		{name: "nonzero padding bits", in: "ed25519:abcdef0123456789:" + noncanonical, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, got, err := chain.ParseSignature(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Errorf("ParseSignature(%q) = %q, %x, nil, want an error", tt.in, id, got)
				}
				return
			}
			if err != nil || id != tt.wantID || !bytes.Equal(got, sig) {
				t.Errorf("ParseSignature(%q) = %q, %x, %v, want %q, %x, nil", tt.in, id, got, err, tt.wantID, sig)
			}
		})
	}
}

func TestVerifyDocument_Refuses(t *testing.T) {
	s, other := seededSigner(t, 1), seededSigner(t, 2)
	doc := signDoc(t, s, sampleDoc())
	var valid map[string]json.RawMessage
	if err := json.Unmarshal(doc, &valid); err != nil {
		t.Fatal(err)
	}
	with := func(name string, value any) []byte {
		m := map[string]json.RawMessage{}
		for k, v := range valid {
			m[k] = v
		}
		if value == nil {
			delete(m, name)
		} else {
			raw, err := json.Marshal(value)
			if err != nil {
				t.Fatal(err)
			}
			m[name] = raw
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	otherSig := signDoc(t, other, sampleDoc())
	var otherMembers map[string]json.RawMessage
	if err := json.Unmarshal(otherSig, &otherMembers); err != nil {
		t.Fatal(err)
	}
	var otherText string
	if err := json.Unmarshal(otherMembers["signature"], &otherText); err != nil {
		t.Fatal(err)
	}
	_, otherBytes, err := chain.ParseSignature(otherText)
	if err != nil {
		t.Fatal(err)
	}
	claimed := "ed25519:" + s.KeyID() + ":" + base64.StdEncoding.EncodeToString(otherBytes)

	tests := []struct {
		name    string
		doc     []byte
		keys    func(string) (ed25519.PublicKey, bool)
		wantBad bool   // the error wraps ErrBadSignature
		want    string // the error contains this
	}{
		{name: "signed by another key", doc: otherSig, keys: keyLookup(s), want: other.KeyID()},
		{name: "another key's signature under this key id", doc: with("signature", claimed), keys: keyLookup(s, other), wantBad: true},
		{name: "unknown key id", doc: doc, keys: keyLookup(other), want: "not among the keys"},
		{name: "no keys", doc: doc, keys: keyLookup(), want: s.KeyID()},
		{name: "missing signature", doc: with("signature", nil), keys: keyLookup(s), want: "no signature"},
		{name: "empty signature", doc: with("signature", ""), keys: keyLookup(s), want: "no signature"},
		{name: "signature not a string", doc: with("signature", 7), keys: keyLookup(s), want: "no signature"},
		{name: "malformed signature", doc: with("signature", "ed25519:"+s.KeyID()), keys: keyLookup(s), want: "ed25519:<keyId>:<base64>"},
		{name: "member changed", doc: with("totalEvents", 13), keys: keyLookup(s), wantBad: true},
		{name: "member added", doc: with("extra", true), keys: keyLookup(s), wantBad: true},
		{name: "member removed", doc: with("note", nil), keys: keyLookup(s), wantBad: true},
		{name: "not an object", doc: []byte(`["signature"]`), keys: keyLookup(s), want: "not a JSON object"},
		{name: "not JSON", doc: doc[:len(doc)-1], keys: keyLookup(s), want: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := chain.VerifyDocument(tt.doc, tt.keys)
			switch {
			case err == nil:
				t.Errorf("VerifyDocument(%s) = nil, want an error", tt.doc)
			case tt.wantBad && !errors.Is(err, chain.ErrBadSignature):
				t.Errorf("VerifyDocument(%s) = %v, want ErrBadSignature", tt.doc, err)
			case !strings.Contains(err.Error(), tt.want):
				t.Errorf("VerifyDocument(%s) = %v, want an error containing %q", tt.doc, err, tt.want)
			}
		})
	}
}

// TestVerifyDocument_EveryOneCharacterChange replaces every byte of a signed
// document, one at a time, with every other printable ASCII character (its
// neighbours and other case only, with -short): each
// result that is still JSON must fail verification. (The document holds no
// numbers with exponents and no \u escapes, whose spellings JSON lets vary
// without changing the value.)
func TestVerifyDocument_EveryOneCharacterChange(t *testing.T) {
	s := seededSigner(t, 1)
	doc := signDoc(t, s, signedDoc{Verified: true, SessionID: "s1", Total: 12, Hashes: []string{"ab"}, Note: "n"})
	keys := keyLookup(s)
	if _, err := chain.VerifyDocument(doc, keys); err != nil {
		t.Fatalf("VerifyDocument(%s) = %v, want nil", doc, err)
	}
	tried, passed := 0, 0
	for i := range doc {
		for c := byte(0x20); c < 0x7f; c++ {
			// With -short, only the replacements the bundle tests use.
			if c == doc[i] || testing.Short() && !bytes.Contains(flipsOf(doc[i]), []byte{c}) {
				continue
			}
			mutated := bytes.Clone(doc)
			mutated[i] = c
			if !json.Valid(mutated) {
				continue
			}
			tried++
			if _, err := chain.VerifyDocument(mutated, keys); err == nil {
				if passed++; passed <= 5 {
					t.Errorf("VerifyDocument(byte %d %q -> %q: %s) = nil, want an error", i, doc[i], c, mutated)
				}
			}
		}
	}
	if passed > 5 {
		t.Errorf("%d more one-character changes verified", passed-5)
	}
	if tried == 0 {
		t.Fatal("no change kept the document JSON: the test checks nothing")
	}
	t.Logf("%d one-character changes tried", tried)
}
