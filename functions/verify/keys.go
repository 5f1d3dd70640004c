package verify

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"

	"github.com/agentlens/agentlens-go/api"
)

// publishedKey is a signing key in GET /api/audit/public-key.
type publishedKey struct {
	KeyID        string `json:"keyId"`
	Algorithm    string `json:"algorithm"`
	PublicKeyPEM string `json:"publicKeyPem"`
	CreatedAt    string `json:"createdAt"`
	RetiredAt    string `json:"retiredAt,omitempty"`
}

// publicKey answers with the active signing key and, under "keys", the
// retired keys that still verify older documents.
func (h *handler) publicKey(w http.ResponseWriter, r *http.Request) error {
	keys, err := h.cfg.Keys.SigningKeys(r.Context())
	if err != nil {
		return err
	}
	var active *publishedKey
	older := []publishedKey{}
	for _, k := range keys {
		p, err := publish(k)
		if err != nil {
			return err
		}
		if k.KeyID == h.cfg.Signer.KeyID() {
			active = &p
		} else {
			older = append(older, p)
		}
	}
	if active == nil {
		return fmt.Errorf("the active signing key %s is not among the stored keys", h.cfg.Signer.KeyID())
	}
	return api.WriteJSON(w, http.StatusOK, map[string]any{
		"keyId": active.KeyID, "algorithm": active.Algorithm, "publicKeyPem": active.PublicKeyPEM,
		"createdAt": active.CreatedAt, "keys": older,
	})
}

func publish(k PublicKey) (publishedKey, error) {
	der, err := x509.MarshalPKIXPublicKey(k.Key)
	if err != nil {
		return publishedKey{}, fmt.Errorf("encode public key %s: %w", k.KeyID, err)
	}
	return publishedKey{
		KeyID: k.KeyID, Algorithm: "Ed25519", CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt,
		PublicKeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
	}, nil
}

// jwk is an Ed25519 public key as a JSON Web Key (RFC 8037).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// jwks answers with every signing key, newest first, as a JWK set.
func (h *handler) jwks(w http.ResponseWriter, r *http.Request) error {
	keys, err := h.cfg.Keys.SigningKeys(r.Context())
	if err != nil {
		return err
	}
	set := []jwk{}
	for _, k := range keys {
		set = append(set, jwk{
			Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(k.Key),
			Kid: k.KeyID, Alg: "EdDSA", Use: "sig",
		})
	}
	return api.WriteJSON(w, http.StatusOK, map[string]any{"keys": set})
}
