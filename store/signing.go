package store

import (
	"context"
	"fmt"
)

// SigningKey is a stored Ed25519 key: raw public key and, for keys the
// server generated, the 32-byte seed of the private key (nil otherwise).
type SigningKey struct {
	KeyID     string
	PublicKey []byte
	Seed      []byte
	CreatedAt string
	RetiredAt string // "" for the active key
}

// SigningKeys returns every signing key, newest first.
func (s *Store) SigningKeys(ctx context.Context) ([]SigningKey, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT CAST(key_id AS BLOB), public_key, private_key,
		CAST(created_at AS BLOB), CAST(retired_at AS BLOB)
		FROM signing_keys ORDER BY created_at DESC, key_id`)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	defer rows.Close()
	var keys []SigningKey
	for rows.Next() {
		var k SigningKey
		var pub string
		var seed, retired []byte
		if err := rows.Scan(&k.KeyID, &pub, &seed, &k.CreatedAt, &retired); err != nil {
			return nil, fmt.Errorf("list signing keys: %w", err)
		}
		if k.PublicKey, err = decodeB64(pub); err != nil {
			return nil, fmt.Errorf("decode public key %s: %w", k.KeyID, err)
		}
		if seed != nil {
			if k.Seed, err = decodeB64(string(seed)); err != nil {
				return nil, fmt.Errorf("decode private key %s: %w", k.KeyID, err)
			}
		}
		k.RetiredAt = string(retired)
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// ActivateSigningKey stores k (if its id is new) as the one active key and
// retires every other key at k.CreatedAt, in one transaction.
func (s *Store) ActivateSigningKey(ctx context.Context, k SigningKey) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("activate signing key: %w", err)
	}
	defer tx.Rollback()
	var seed any
	if k.Seed != nil {
		seed = encodeB64(k.Seed)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (key_id, public_key, private_key, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (key_id) DO UPDATE SET retired_at = NULL,
		private_key = COALESCE(signing_keys.private_key, excluded.private_key)`,
		k.KeyID, encodeB64(k.PublicKey), seed, k.CreatedAt); err != nil {
		return fmt.Errorf("store signing key: %w", scrub(err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ?
		WHERE key_id <> ? AND retired_at IS NULL`, k.CreatedAt, k.KeyID); err != nil {
		return fmt.Errorf("retire old signing keys: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("activate signing key: %w", err)
	}
	return nil
}
