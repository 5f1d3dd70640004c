package host_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/host"
	"github.com/agentlens/agentlens-go/store"
	"github.com/agentlens/agentlens-go/store/chain"
)

// openSigningStore opens a fresh database file, closed when the test ends.
func openSigningStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "signing.db")
	st, err := store.Open(t.Context(), store.Config{Path: path})
	if err != nil {
		t.Fatalf("store.Open(%s) = %v", path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// signingKeys returns the stored signing keys by key id.
func signingKeys(t *testing.T, st *store.Store) map[string]store.SigningKey {
	t.Helper()
	list, err := st.SigningKeys(t.Context())
	if err != nil {
		t.Fatalf("SigningKeys() = %v", err)
	}
	keys := map[string]store.SigningKey{}
	for _, k := range list {
		keys[k.KeyID] = k
	}
	if len(keys) != len(list) {
		t.Fatalf("SigningKeys() lists a key id twice: %+v", list)
	}
	return keys
}

// storedLookup answers the public keys the database lists.
func storedLookup(t *testing.T, st *store.Store) func(string) (ed25519.PublicKey, bool) {
	t.Helper()
	keys := signingKeys(t, st)
	return func(id string) (ed25519.PublicKey, bool) {
		k, ok := keys[id]
		return ed25519.PublicKey(k.PublicKey), ok
	}
}

// signProbe signs a small document and returns its JSON.
func signProbe(t *testing.T, s *chain.Signer, text string) []byte {
	t.Helper()
	doc := map[string]any{"probe": text}
	sig, err := s.Sign(doc)
	if err != nil {
		t.Fatalf("Sign(%v) = %v", doc, err)
	}
	doc["signature"] = sig
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestLoadSigner_GeneratesAndKeeps(t *testing.T) {
	st, path := openSigningStore(t)
	first, err := host.LoadSigner(t.Context(), st, "")
	if err != nil {
		t.Fatalf("LoadSigner(new store) = %v", err)
	}
	again, err := host.LoadSigner(t.Context(), st, "")
	if err != nil || again.KeyID() != first.KeyID() {
		t.Fatalf("LoadSigner(same store) = %v, %v, want key %s", keyIDOf(again), err, first.KeyID())
	}

	keys := signingKeys(t, st)
	k, ok := keys[first.KeyID()]
	if len(keys) != 1 || !ok {
		t.Fatalf("SigningKeys() = %v, want only %s", keys, first.KeyID())
	}
	if k.RetiredAt != "" || !bytes.Equal(k.PublicKey, first.PublicKey()) || len(k.Seed) != ed25519.SeedSize {
		t.Errorf("stored key = {retired %q, public %x, seed %d bytes}, want active, public %x, a 32-byte seed",
			k.RetiredAt, k.PublicKey, len(k.Seed), first.PublicKey())
	}
	if got := ed25519.NewKeyFromSeed(k.Seed).Public().(ed25519.PublicKey); !got.Equal(first.PublicKey()) {
		t.Errorf("stored seed derives public key %x, want %x", got, first.PublicKey())
	}

	// The key survives a restart.
	st.Close()
	reopened, err := store.Open(t.Context(), store.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reopened.Close() })
	after, err := host.LoadSigner(t.Context(), reopened, "")
	if err != nil || after.KeyID() != first.KeyID() {
		t.Errorf("LoadSigner(reopened store) = %v, %v, want key %s", keyIDOf(after), err, first.KeyID())
	}
}

// TestLoadSigner_KeptInTheNamedFile checks that the generated key lands in
// the database file named, whatever characters its path holds: a key kept
// in another file is a new key at every start, and bundles signed before
// stop verifying.
func TestLoadSigner_KeptInTheNamedFile(t *testing.T) {
	tests := []struct{ name, dir string }{
		{"plain", "plain"},
		{"space", "with space"},
		{"hash", "hash#1"},
		{"question mark", "query?mode=memory"},
		{"percent", "percent%41"},
	}
	for _, tt := range tests {
		// The test's own temporary directory is named after the test, so
		// the characters stay out of the subtest names.
		dir := tt.dir
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), dir, "signing.db")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(t.Context(), store.Config{Path: path})
			if err != nil {
				t.Fatalf("store.Open(%s) = %v", path, err)
			}
			s, err := host.LoadSigner(t.Context(), st, "")
			st.Close()
			if err != nil {
				t.Fatalf("LoadSigner(%s) = %v", path, err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("after LoadSigner(%s): %v, want the database file there", path, err)
			}
			ro, err := store.Open(t.Context(), store.Config{Path: path, ReadOnly: true})
			if err != nil {
				t.Fatalf("store.Open(%s, read-only) = %v", path, err)
			}
			defer ro.Close()
			if _, ok := signingKeys(t, ro)[s.KeyID()]; !ok {
				t.Errorf("SigningKeys() of %s lacks the generated key %s", path, s.KeyID())
			}
		})
	}
}

func keyIDOf(s *chain.Signer) string {
	if s == nil {
		return "<nil>"
	}
	return s.KeyID()
}

func TestLoadSigner_Configured(t *testing.T) {
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	key := ed25519.NewKeyFromSeed(seed)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	b64 := base64.StdEncoding.EncodeToString(seed)
	wantID := chain.KeyID(key.Public().(ed25519.PublicKey))

	tests := []struct {
		name       string
		configured string
	}{
		{"base64 seed", b64},
		{"base64 seed with a line end", b64 + "\n"},
		{"PKCS8 PEM", pemText},
		{"PKCS8 PEM between blank lines", "\n\n" + pemText + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, _ := openSigningStore(t)
			// A key generated earlier is retired, and stays listed.
			generated, err := host.LoadSigner(t.Context(), st, "")
			if err != nil {
				t.Fatal(err)
			}
			s, err := host.LoadSigner(t.Context(), st, tt.configured)
			if err != nil || s.KeyID() != wantID {
				t.Fatalf("LoadSigner(%s) = %v, %v, want key %s", tt.name, keyIDOf(s), err, wantID)
			}
			keys := signingKeys(t, st)
			k, ok := keys[wantID]
			switch {
			case !ok:
				t.Fatalf("SigningKeys() = %v, want %s listed", keys, wantID)
			case k.Seed != nil:
				t.Errorf("stored configured key has a seed of %d bytes, want nil (the private key is never stored)", len(k.Seed))
			case k.RetiredAt != "":
				t.Errorf("configured key retired at %s, want active", k.RetiredAt)
			case !bytes.Equal(k.PublicKey, key.Public().(ed25519.PublicKey)):
				t.Errorf("stored public key = %x, want %x", k.PublicKey, key.Public())
			}
			if g, ok := keys[generated.KeyID()]; !ok || g.RetiredAt == "" {
				t.Errorf("generated key %s = %+v, listed %v, want listed and retired", generated.KeyID(), g.RetiredAt, ok)
			}
			if len(keys) != 2 {
				t.Errorf("SigningKeys() has %d keys, want 2: %+v", len(keys), keys)
			}

			// The same configured key again changes nothing.
			if again, err := host.LoadSigner(t.Context(), st, tt.configured); err != nil || again.KeyID() != wantID {
				t.Errorf("LoadSigner(%s) again = %v, %v, want %s", tt.name, keyIDOf(again), err, wantID)
			}
			if n := len(signingKeys(t, st)); n != 2 {
				t.Errorf("SigningKeys() after loading again has %d keys, want 2", n)
			}

			// Documents it signs verify with the stored public key.
			doc := signProbe(t, s, tt.name)
			if id, err := chain.VerifyDocument(doc, storedLookup(t, st)); err != nil || id != wantID {
				t.Errorf("VerifyDocument(signed by %s) = %q, %v, want %q, nil", tt.name, id, err, wantID)
			}
		})
	}
}

func TestLoadSigner_RefusesGarbage(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	rsaDER, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	seed := bytes.Repeat([]byte{9}, ed25519.SeedSize)
	tests := []struct {
		name   string
		value  string
		secret string // what the error must not show
	}{
		{"text", "correct horse battery staple", "horse"},
		{"31-byte seed", base64.StdEncoding.EncodeToString(seed[:31]), base64.StdEncoding.EncodeToString(seed[:31])[:20]},
		{"33-byte seed", base64.StdEncoding.EncodeToString(append(seed, 1)), base64.StdEncoding.EncodeToString(append(seed, 1))[:20]},
		{"hex seed", strings.Repeat("09", 32), strings.Repeat("09", 10)},
		{"base64url seed", base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xfb}, 32)), "-_v7-_v7"},
		{"PEM of garbage", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("sekrit-sekrit")})), "c2Vrcml0"},
		{
			"RSA PKCS8 PEM", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaDER})),
			base64.StdEncoding.EncodeToString(rsaDER)[30:60],
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(tt.value, tt.secret) {
				t.Fatalf("test case: %q is not part of the value", tt.secret)
			}
			st, _ := openSigningStore(t)
			s, err := host.LoadSigner(t.Context(), st, tt.value)
			if err == nil {
				t.Fatalf("LoadSigner(%s) = %s, nil, want an error", tt.name, keyIDOf(s))
			}
			if msg := err.Error(); strings.Contains(msg, tt.secret) || strings.Contains(msg, strings.TrimSpace(tt.value)) {
				t.Errorf("LoadSigner(%s) = %q, want an error that does not quote the value", tt.name, msg)
			}
			if !strings.Contains(err.Error(), "AGENTLENS_SIGNING_KEY") {
				t.Errorf("LoadSigner(%s) = %q, want the error to name AGENTLENS_SIGNING_KEY", tt.name, err)
			}
			if keys := signingKeys(t, st); len(keys) != 0 {
				t.Errorf("SigningKeys() after a refused key = %v, want none", keys)
			}
			if _, err := host.ParseSigningKey(tt.value); err == nil {
				t.Errorf("ParseSigningKey(%s) = nil error, want an error", tt.name)
			}
		})
	}
}

func TestRotateSigningKey(t *testing.T) {
	st, _ := openSigningStore(t)
	old, err := host.LoadSigner(t.Context(), st, "")
	if err != nil {
		t.Fatal(err)
	}
	oldDoc := signProbe(t, old, "signed before the rotation")

	rotated, err := host.RotateSigningKey(t.Context(), st)
	if err != nil {
		t.Fatalf("RotateSigningKey() = %v", err)
	}
	if rotated.KeyID() == old.KeyID() {
		t.Fatalf("RotateSigningKey() = key %s, want a new key", rotated.KeyID())
	}

	keys := signingKeys(t, st)
	if len(keys) != 2 {
		t.Fatalf("SigningKeys() = %d keys, want 2", len(keys))
	}
	if k := keys[rotated.KeyID()]; k.RetiredAt != "" || len(k.Seed) != ed25519.SeedSize {
		t.Errorf("new key = {retired %q, seed %d bytes}, want active with its seed", k.RetiredAt, len(k.Seed))
	}
	if k, ok := keys[old.KeyID()]; !ok || k.RetiredAt == "" || !bytes.Equal(k.PublicKey, old.PublicKey()) {
		t.Errorf("old key = %+v (listed %v), want listed, retired, with its public key", k.RetiredAt, ok)
	}

	// The next start signs with the new key.
	if s, err := host.LoadSigner(t.Context(), st, ""); err != nil || s.KeyID() != rotated.KeyID() {
		t.Errorf("LoadSigner() after rotation = %v, %v, want %s", keyIDOf(s), err, rotated.KeyID())
	}

	// What the old key signed still verifies with the old public key, and
	// only with it.
	lookup := storedLookup(t, st)
	if id, err := chain.VerifyDocument(oldDoc, lookup); err != nil || id != old.KeyID() {
		t.Errorf("VerifyDocument(signed by the old key) = %q, %v, want %q, nil", id, err, old.KeyID())
	}
	onlyNew := func(id string) (ed25519.PublicKey, bool) {
		if id != rotated.KeyID() {
			return nil, false
		}
		return rotated.PublicKey(), true
	}
	if _, err := chain.VerifyDocument(oldDoc, onlyNew); err == nil {
		t.Errorf("VerifyDocument(signed by the old key, new key only) = nil, want an error")
	}
	newDoc := signProbe(t, rotated, "signed after the rotation")
	if id, err := chain.VerifyDocument(newDoc, lookup); err != nil || id != rotated.KeyID() {
		t.Errorf("VerifyDocument(signed by the new key) = %q, %v, want %q, nil", id, err, rotated.KeyID())
	}

	// Rotating again retires the second key too; all three stay listed.
	third, err := host.RotateSigningKey(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	keys = signingKeys(t, st)
	active := 0
	for _, k := range keys {
		if k.RetiredAt == "" {
			active++
		}
	}
	if len(keys) != 3 || active != 1 || keys[third.KeyID()].RetiredAt != "" {
		t.Errorf("after two rotations: %d keys, %d active, want 3 keys with only %s active", len(keys), active, third.KeyID())
	}
}

func TestParseSigningKey(t *testing.T) {
	seed := bytes.Repeat([]byte{3}, ed25519.SeedSize)
	want := ed25519.NewKeyFromSeed(seed)
	der, err := x509.MarshalPKCS8PrivateKey(want)
	if err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"base64": base64.StdEncoding.EncodeToString(seed),
		"PEM":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	} {
		got, err := host.ParseSigningKey(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseSigningKey(%s) = %x, %v, want %x", name, got, err, want)
		}
	}
}
