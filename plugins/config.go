package plugins

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Defaults for the zero values of [Config].
const (
	DefaultTimeout     = 100 * time.Millisecond
	DefaultMemoryLimit = 64 << 20
)

// pageSize is the WebAssembly page size.
const pageSize = 1 << 16

// Config is one configured plugin, a [[plugins]] table of agentlens.toml.
type Config struct {
	// Name identifies the plugin in errors, logs and redaction records.
	// Required and unique within a chain.
	Name string
	// Path is the .wasm file. Required.
	Path string
	// EventTypes selects the events the plugin sees; empty means all.
	EventTypes []string
	// Timeout bounds each call of the plugin on one event; zero means
	// DefaultTimeout (100ms).
	Timeout time.Duration
	// MemoryLimit caps the plugin's linear memory, in bytes, rounded down
	// to whole 64 KiB pages; zero means DefaultMemoryLimit (64 MiB). It
	// must cover the module's declared minimum, or Load fails.
	MemoryLimit uint64
	// DebugOutput sends the guest's stdout and stderr, at most 4 KiB of
	// each per call, to the debug log. Off, they are discarded: a guest may
	// print the very data it is meant to redact.
	DebugOutput bool
	// Settings is the plugin's config table, handed to its init export as
	// JSON ({} when nil).
	Settings map[string]any
}

// RuntimeConfig configures the runtime shared by a chain's plugins.
type RuntimeConfig struct {
	// CacheDir is a directory for wazero's compilation cache, which cuts a
	// Go-built module's start from about 1 s to about 30 ms. Empty means no
	// on-disk cache. The directory must be private to AgentLens.
	CacheDir string
	// Log receives plugin lifecycle lines (Info), timeouts (Warn) and, for
	// plugins with DebugOutput, guest output (Debug). Nil discards them.
	Log *slog.Logger
	// OnCall, when set, is told of every call Apply makes: the plugin, how
	// long the call took and whether it failed or rejected the event. It
	// must not block; the host feeds its metrics from it.
	OnCall func(plugin string, d time.Duration, failed bool)
}

// resolved is a Config with defaults applied and derived values computed.
type resolved struct {
	Config
	pages    uint32              // memory limit in pages
	settings []byte              // init input
	types    map[string]struct{} // nil selects every event
}

// resolve validates every config and applies defaults, reporting every
// problem found, not just the first.
func resolve(cfgs []Config) ([]resolved, error) {
	var errs []error
	seen := make(map[string]bool)
	out := make([]resolved, 0, len(cfgs))
	for i, cfg := range cfgs {
		r, err := resolveOne(cfg)
		if err != nil {
			if cfg.Name != "" {
				err = fmt.Errorf("plugin %q: %w", cfg.Name, err)
			} else {
				err = fmt.Errorf("plugins[%d]: %w", i, err)
			}
			errs = append(errs, err)
			continue
		}
		if seen[cfg.Name] {
			errs = append(errs, fmt.Errorf("plugins[%d]: duplicate name %q", i, cfg.Name))
		}
		seen[cfg.Name] = true
		out = append(out, r)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func resolveOne(cfg Config) (resolved, error) {
	var errs []error
	if cfg.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	if cfg.Path == "" {
		errs = append(errs, errors.New("path is required"))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s is negative", cfg.Timeout))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MemoryLimit == 0 {
		cfg.MemoryLimit = DefaultMemoryLimit
	}
	pages := cfg.MemoryLimit / pageSize
	if pages < 1 || pages > 1<<16 {
		errs = append(errs, fmt.Errorf("memory_limit %d is outside 64 KiB to 4 GiB", cfg.MemoryLimit))
	}
	settings := []byte("{}")
	if cfg.Settings != nil {
		b, err := json.Marshal(cfg.Settings)
		if err != nil {
			errs = append(errs, fmt.Errorf("encode config table: %w", err))
		}
		settings = b
	}
	var types map[string]struct{}
	if len(cfg.EventTypes) > 0 {
		types = make(map[string]struct{}, len(cfg.EventTypes))
		for _, t := range cfg.EventTypes {
			types[t] = struct{}{}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return resolved{}, err
	}
	return resolved{Config: cfg, pages: uint32(pages), settings: settings, types: types}, nil
}

// selects reports whether the plugin runs on events of type t.
func (r *resolved) selects(t string) bool {
	if r.types == nil {
		return true
	}
	_, ok := r.types[t]
	return ok
}
