package plugins

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Chain is a compiled, ordered set of plugins. It is safe for concurrent
// use; Close it once no Apply is running.
type Chain struct {
	log      *slog.Logger
	onCall   func(plugin string, d time.Duration, failed bool)
	test     bool
	cache    wazero.CompilationCache
	runtimes map[uint32]wazero.Runtime // by memory limit in pages
	plugins  []*plugin
	done     chan struct{}

	closeOnce sync.Once
	closeErr  error
}

// Load compiles every plugin, checks its exports, and starts one instance
// of each, which runs the plugin's init with its config. Plugins run in the
// order given. An empty list gives a chain that changes nothing.
//
// # Errors
//
// Load fails, naming the plugin and its file, when a config is invalid
// (every problem is listed), a file cannot be read, a module does not
// compile or its memory minimum exceeds MemoryLimit, an ABI export is
// missing or has the wrong signature, the module imports anything but WASI
// preview 1, or _initialize or init fails. The host must then refuse to
// start.
func Load(ctx context.Context, rc RuntimeConfig, plugins []Config) (*Chain, error) {
	return load(ctx, rc, plugins, false)
}

func load(ctx context.Context, rc RuntimeConfig, plugins []Config, test bool) (*Chain, error) {
	cfgs, err := resolve(plugins)
	if err != nil {
		return nil, err
	}
	log := rc.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Chain{
		log:      log,
		onCall:   rc.OnCall,
		test:     test,
		runtimes: make(map[uint32]wazero.Runtime),
		done:     make(chan struct{}),
	}
	if rc.CacheDir != "" {
		c.cache, err = wazero.NewCompilationCacheWithDir(rc.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("open compilation cache: %w", err)
		}
	} else {
		c.cache = wazero.NewCompilationCache()
	}
	for _, r := range cfgs {
		rt, err := c.runtime(ctx, r.pages)
		if err != nil {
			return nil, errors.Join(err, c.Close(ctx))
		}
		p, err := loadPlugin(ctx, c, rt, r)
		if err != nil {
			return nil, errors.Join(err, c.Close(ctx))
		}
		c.plugins = append(c.plugins, p)
	}
	return c, nil
}

// runtime returns the runtime for a memory limit, creating it on first use.
// wazero caps memory per runtime, so plugins with different limits get
// different runtimes; they share one compilation cache.
func (c *Chain) runtime(ctx context.Context, pages uint32) (wazero.Runtime, error) {
	if rt, ok := c.runtimes[pages]; ok {
		return rt, nil
	}
	cfg := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(true).
		WithMemoryLimitPages(pages).
		WithCompilationCache(c.cache)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	// WASI with wazero's defaults: no filesystem, environment, arguments or
	// sockets; fake clocks and deterministic randomness.
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		return nil, errors.Join(fmt.Errorf("instantiate WASI: %w", err), rt.Close(ctx))
	}
	c.runtimes[pages] = rt
	return rt, nil
}

// Plugins returns the names of the plugins in chain order.
func (c *Chain) Plugins() []string {
	names := make([]string, len(c.plugins))
	for i, p := range c.plugins {
		names[i] = p.Name
	}
	return names
}

// Apply runs each plugin, in order, on the events whose type it selects.
// It replaces Input.Payload with each plugin's canonicalized output and
// appends a Redaction for every plugin that changed the payload. Each call
// has the plugin's own timeout within ctx.
//
// # Errors
//
// The first failure stops Apply: a [*PluginError] when a plugin rejected
// or failed on an event (fail closed: the host stores nothing of the batch
// and answers 422); the cause of ctx when ctx ended; [ErrClosed] after
// Close. Events may be partly transformed after an error and must be
// discarded.
func (c *Chain) Apply(ctx context.Context, events []Input) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	for i := range events {
		ev := &events[i]
		for _, p := range c.plugins {
			if !p.selects(ev.EventType) {
				continue
			}
			start := time.Now()
			res, err := p.call(ctx, i, ev)
			if c.onCall != nil {
				c.onCall(p.Name, time.Since(start), err != nil)
			}
			if err != nil {
				return err
			}
			if res.changed {
				ev.Payload = res.payload
				ev.Redactions = append(ev.Redactions, Redaction{
					Plugin:   p.Name,
					SHA256:   p.sha256,
					Findings: res.findings,
				})
			}
		}
	}
	return nil
}

// Close stops every instance and releases the runtimes and the compilation
// cache. Calls in flight fail; later Apply calls return [ErrClosed]. Close
// is idempotent.
func (c *Chain) Close(ctx context.Context) error {
	c.closeOnce.Do(func() {
		close(c.done)
		var errs []error
		for _, rt := range c.runtimes {
			errs = append(errs, rt.Close(ctx))
		}
		if c.cache != nil {
			errs = append(errs, c.cache.Close(ctx))
		}
		c.closeErr = errors.Join(errs...)
	})
	return c.closeErr
}
