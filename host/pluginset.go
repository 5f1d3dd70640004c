package host

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/plugins"
	"github.com/agentlens/agentlens-go/store/chain"
)

// pluginSet holds the running plugin chain and swaps it on reload without
// failing a batch in flight: writers hold the read lock while they use the
// chain, and the old chain closes only after they are done.
type pluginSet struct {
	log   *slog.Logger
	mu    sync.RWMutex
	chain *plugins.Chain // nil when no plugin is configured
}

// loadPlugins compiles every configured plugin. An error names the plugin
// and its file; the service must not start without its redaction rules.
func loadPlugins(ctx context.Context, cfg Config, log *slog.Logger, m *metrics) (*plugins.Chain, error) {
	if len(cfg.Plugins) == 0 {
		return nil, nil
	}
	list := make([]plugins.Config, len(cfg.Plugins))
	for i, p := range cfg.Plugins {
		list[i] = plugins.Config{
			Name: p.Name, Path: p.Path, EventTypes: p.EventTypes, Timeout: p.Timeout,
			MemoryLimit: uint64(p.MemoryLimit), DebugOutput: p.DebugOutput, Settings: p.Config,
		}
	}
	rc := plugins.RuntimeConfig{CacheDir: pluginCacheDir(cfg), Log: log, OnCall: m.observePluginCall}
	c, err := plugins.Load(ctx, rc, list)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load plugins: %w (build the shipped ones with `make plugins`)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("load plugins: %w", err)
	}
	return c, nil
}

// pluginCacheDir is the compilation cache: configured, or next to the
// database.
func pluginCacheDir(cfg Config) string {
	if cfg.PluginRuntime.CacheDir != "" {
		return cfg.PluginRuntime.CacheDir
	}
	return filepath.Join(filepath.Dir(cfg.Store.Path), ".agentlens-plugin-cache")
}

// swap installs c and closes the chain it replaces once no writer uses it.
func (ps *pluginSet) swap(ctx context.Context, c *plugins.Chain) error {
	ps.mu.Lock()
	old := ps.chain
	ps.chain = c
	ps.mu.Unlock()
	if old == nil {
		return nil
	}
	return old.Close(ctx)
}

// apply runs the plugin chain on the prepared events of a batch: payloads
// are replaced by the plugins' canonical output, and every event a plugin
// changed records it in metadata.redaction, which the hash covers. A
// plugin's failure or reject fails the batch with 422.
func (ps *pluginSet) apply(ctx context.Context, events []chain.Event) error {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	if ps.chain == nil {
		return nil
	}
	inputs := make([]plugins.Input, len(events))
	for i, e := range events {
		inputs[i] = plugins.Input{
			EventType: e.EventType, SessionID: e.SessionID, AgentID: e.AgentID,
			Payload: e.Payload, Metadata: e.Metadata,
		}
	}
	if err := ps.chain.Apply(ctx, inputs); err != nil {
		var pe *plugins.PluginError
		if errors.As(err, &pe) {
			ps.log.WarnContext(ctx, "plugin refused a batch",
				slog.String(keyPlugin, pe.Plugin), slog.Int(keyEventIndex, pe.EventIndex),
				slog.Bool(keyRejected, pe.Rejected))
			index := pe.EventIndex
			verb := "failed on"
			if pe.Rejected {
				verb = "rejected"
			}
			return &api.Error{
				Status:     http.StatusUnprocessableEntity,
				Message:    fmt.Sprintf("Plugin %q %s event %d: %s. Nothing was stored.", pe.Plugin, verb, index, pe.Reason),
				Plugin:     pe.Plugin,
				EventIndex: &index,
				Reason:     pe.Reason,
			}
		}
		return fmt.Errorf("run plugins: %w", err)
	}
	for i := range inputs {
		if len(inputs[i].Redactions) == 0 {
			continue
		}
		events[i].Payload = inputs[i].Payload
		meta, err := withRedactions(events[i].Metadata, inputs[i].Redactions)
		if err != nil {
			return fmt.Errorf("record redaction of event %d: %w", i, err)
		}
		events[i].Metadata = meta
	}
	return nil
}

// withRedactions returns canonical metadata with its "redaction" member set
// to the plugins that changed the event.
func withRedactions(metadata []byte, redactions []plugins.Redaction) ([]byte, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(metadata, &members); err != nil {
		return nil, err
	}
	record, err := json.Marshal(redactions)
	if err != nil {
		return nil, err
	}
	members["redaction"] = record
	raw, err := json.Marshal(members)
	if err != nil {
		return nil, err
	}
	return chain.Canonicalize(raw)
}

// ReloadPlugins compiles the plugins of cfg and, only if every one of them
// loads, puts them in place of the running set; otherwise the running set
// stays and the error says why.
func (h *Host) ReloadPlugins(ctx context.Context, cfg Config) error {
	c, err := loadPlugins(ctx, cfg, h.log, h.metrics)
	if err != nil {
		return err
	}
	if err := h.plugins.swap(ctx, c); err != nil {
		h.log.WarnContext(ctx, "closing the replaced plugin set failed", slog.Any(keyError, err))
	}
	h.log.InfoContext(ctx, "plugins reloaded", slog.Any(keyPlugins, pluginNames(cfg.Plugins)))
	return nil
}
