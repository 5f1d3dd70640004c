package host

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agentlens/agentlens-go/store"
	"github.com/agentlens/agentlens-go/store/chain"
)

// LoadSigner returns the signer of reports, bundles and receipts. A key
// given in AGENTLENS_SIGNING_KEY (PKCS#8 PEM, or the base64 32-byte seed)
// wins, and only its public half is recorded in the database. Otherwise the
// database's active generated key is used, or a new one is generated and
// kept there. Either way the key becomes the active one and every other
// key is retired, staying listed for verification.
func LoadSigner(ctx context.Context, st *store.Store, configured string) (*chain.Signer, error) {
	if configured != "" {
		key, err := ParseSigningKey(configured)
		if err != nil {
			return nil, fmt.Errorf("AGENTLENS_SIGNING_KEY: %w", err)
		}
		return activate(ctx, st, key, false)
	}
	keys, err := st.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if k.RetiredAt == "" && k.Seed != nil {
			return chain.NewSigner(ed25519.NewKeyFromSeed(k.Seed)), nil
		}
	}
	return RotateSigningKey(ctx, st)
}

// RotateSigningKey generates a new signing key, keeps it in the database
// and makes it the active one; older keys stay listed for verification.
func RotateSigningKey(ctx context.Context, st *store.Store) (*chain.Signer, error) {
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	return activate(ctx, st, key, true)
}

func activate(ctx context.Context, st *store.Store, key ed25519.PrivateKey, keepSeed bool) (*chain.Signer, error) {
	signer := chain.NewSigner(key)
	k := store.SigningKey{
		KeyID:     signer.KeyID(),
		PublicKey: signer.PublicKey(),
		CreatedAt: chain.FormatTime(time.Now()),
	}
	if keepSeed {
		k.Seed = key.Seed()
	}
	if err := st.ActivateSigningKey(ctx, k); err != nil {
		return nil, err
	}
	return signer, nil
}

// ParseSigningKey reads an Ed25519 private key from PKCS#8 PEM or from the
// standard base64 of its 32-byte seed. Errors never quote the key.
func ParseSigningKey(s string) (ed25519.PrivateKey, error) {
	s = strings.TrimSpace(s)
	if block, _ := pem.Decode([]byte(s)); block != nil {
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New("the PEM block is not a PKCS#8 private key")
		}
		key, ok := parsed.(ed25519.PrivateKey)
		if !ok {
			return nil, errors.New("the PKCS#8 key is not an Ed25519 key")
		}
		return key, nil
	}
	seed, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("expected a PKCS#8 PEM private key or the base64 of a 32-byte Ed25519 seed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
