package host

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/agentlens/agentlens-go/functions/keys"
	"github.com/agentlens/agentlens-go/store"
)

// AdminKeyPath is the file, next to the database, where the first start
// writes the generated admin key: agentlens-admin.key for agentlens.db,
// <name>-admin.key for any other <name>.db, so that databases sharing a
// directory never share (or overwrite) a key file.
func AdminKeyPath(dbPath string) string {
	name := strings.TrimSuffix(filepath.Base(dbPath), filepath.Ext(dbPath))
	return filepath.Join(filepath.Dir(dbPath), name+"-admin.key")
}

// bootstrapAdminKey makes an admin key (scope "*") when the database has no
// key at all, so that a fresh service with authentication on can be used.
// The key goes to a 0600 file next to the database; the log names the file,
// never the key.
func (h *Host) bootstrapAdminKey(ctx context.Context) error {
	n, err := h.store.CountKeys(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	k, raw, err := keys.New("admin (created at first start)", []string{"*"}, nil, time.Now())
	if err != nil {
		return err
	}

	// Write the file before storing the key: a key that is stored but
	// written nowhere would lock the admin out.
	path := AdminKeyPath(h.cfg.Store.Path)
	if err := writeSecretFile(path, raw+"\n"); err != nil {
		return fmt.Errorf("write admin key file: %w", err)
	}
	if err := h.store.CreateKey(ctx, store.Key(k), keys.Hash(raw)); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "created the first admin API key; it is in the file named here",
		slog.String(keyPath, path), slog.String(keyKeyID, k.ID))
	return nil
}

// writeSecretFile replaces path with content, readable by the owner only.
func writeSecretFile(path, content string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".agentlens-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
