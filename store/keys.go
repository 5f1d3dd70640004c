package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Key is a stored API key: everything but the secret, of which only the
// SHA-256 is kept.
type Key struct {
	ID         string
	Name       string
	Prefix     string
	Scopes     []string
	Agents     []string // nil: may write events of any agent
	CreatedAt  string
	LastUsedAt string // "" when never used
	RevokedAt  string // "" while valid
}

const keyColumns = `CAST(id AS BLOB), CAST(name AS BLOB), CAST(prefix AS BLOB), scopes, agents,
	CAST(created_at AS BLOB), CAST(last_used_at AS BLOB), CAST(revoked_at AS BLOB)`

func scanKey(row scanner) (Key, string, error) {
	var k Key
	var scopes string
	var agents, lastUsed, revoked []byte
	var hash string
	if err := row.Scan(&k.ID, &k.Name, &k.Prefix, &scopes, &agents, &k.CreatedAt,
		&lastUsed, &revoked, &hash); err != nil {
		return k, "", err
	}
	k.LastUsedAt, k.RevokedAt = string(lastUsed), string(revoked)
	if err := json.Unmarshal([]byte(scopes), &k.Scopes); err != nil {
		return k, "", fmt.Errorf("decode scopes of key %s: %w", k.ID, err)
	}
	if agents != nil {
		if err := json.Unmarshal(agents, &k.Agents); err != nil {
			return k, "", fmt.Errorf("decode agents of key %s: %w", k.ID, err)
		}
	}
	return k, hash, nil
}

// CreateKey stores a new key under the SHA-256 hex of its secret.
func (s *Store) CreateKey(ctx context.Context, k Key, hash string) error {
	scopes, err := json.Marshal(k.Scopes)
	if err != nil {
		return fmt.Errorf("encode scopes: %w", err)
	}
	var agents any
	if k.Agents != nil {
		b, err := json.Marshal(k.Agents)
		if err != nil {
			return fmt.Errorf("encode agents: %w", err)
		}
		agents = string(b)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO api_keys
		(id, name, key_hash, prefix, scopes, agents, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.Name, hash, k.Prefix, string(scopes), agents, k.CreatedAt); err != nil {
		return fmt.Errorf("insert key: %w", scrub(err))
	}
	return nil
}

// KeyByHash returns the key whose secret hashes to hash, with the stored
// hash for the caller's constant-time comparison, or [ErrNotFound].
// Revoked keys are returned too; the caller checks RevokedAt.
func (s *Store) KeyByHash(ctx context.Context, hash string) (Key, string, error) {
	k, stored, err := scanKey(s.db.QueryRowContext(ctx,
		"SELECT "+keyColumns+", CAST(key_hash AS BLOB) FROM api_keys WHERE key_hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return k, "", ErrNotFound
	}
	if err != nil {
		return k, "", fmt.Errorf("look up key: %w", err)
	}
	return k, stored, nil
}

// ListKeys returns every key, revoked ones included, oldest first.
func (s *Store) ListKeys(ctx context.Context) ([]Key, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT "+keyColumns+", '' FROM api_keys ORDER BY created_at, id")
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	defer rows.Close()
	keys := []Key{}
	for rows.Next() {
		k, _, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list keys: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// CountKeys returns how many keys exist, revoked ones included.
func (s *Store) CountKeys(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM api_keys").Scan(&n); err != nil {
		return 0, fmt.Errorf("count keys: %w", err)
	}
	return n, nil
}

// RevokeKey marks the key revoked at the given time, or returns
// [ErrNotFound]. Revoking a revoked key keeps its first revocation time.
func (s *Store) RevokeKey(ctx context.Context, id, at string) error {
	if !bindable(id) {
		return ErrNotFound
	}
	res, err := s.db.ExecContext(ctx,
		`UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, at, id)
	if err != nil {
		return fmt.Errorf("revoke key: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return ErrNotFound
	}
	return nil
}

// TouchKeys records when keys were last used.
func (s *Store) TouchKeys(ctx context.Context, lastUsed map[string]string) error {
	for id, at := range lastUsed {
		if _, err := s.db.ExecContext(ctx,
			`UPDATE api_keys SET last_used_at = ? WHERE id = ?`, at, id); err != nil {
			return fmt.Errorf("record key use: %w", err)
		}
	}
	return nil
}
