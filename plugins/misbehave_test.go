package plugins

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestChain_Apply_misbehaving runs each fixture of testdata/: a good event,
// then a batch whose second event makes the plugin misbehave, then a good
// event again. The bad event must fail with a PluginError naming the plugin
// and event 1, the chain must keep working, and (except after a reject) the
// next call must run on a fresh instance, seen as calls = 1.
func TestChain_Apply_misbehaving(t *testing.T) {
	tests := []struct {
		fixture   string
		cfg       func(*Config)
		reason    string // substring of the PluginError's reason
		rejected  bool
		wantCalls int // of the last good call: 1 = fresh instance
	}{
		{"loop", func(c *Config) { c.Timeout = 50 * time.Millisecond }, "timed out after 50ms", false, 1},
		// Generous timeouts where the guest grows memory: these test the caps,
		// not speed, and must pass on a loaded machine.
		{"membomb", func(c *Config) { c.MemoryLimit, c.Timeout = 2<<20, 10*time.Second }, "memory.grow refused at 32 pages", false, 1},
		{"trap", nil, "trapped: wasm error: unreachable", false, 1},
		{"exit", nil, "exited with code 3", false, 1},
		{"badptr", nil, "output pointer or length outside memory", false, 1},
		{"badjson", nil, "invalid output", false, 1},
		{"huge", func(c *Config) { c.Timeout = 10 * time.Second }, "output too large (17825792 bytes, limit 16777216)", false, 1},
		{"fileread", nil, "path_open errno 8", false, 1},  // EBADF: no preopened directory
		{"network", nil, "sock_accept errno 8", false, 1}, // EBADF: no socket
		{"fail", nil, "database of bad words is empty", false, 1},
		{"reject", nil, "no thanks " + strings.Repeat("x", 190), true, 4},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			cfg := Config{Name: "fx-" + tt.fixture, Path: wat(t, "testdata/"+tt.fixture+".wat")}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			c := mustLoad(t, cfg)
			ctx := t.Context()
			applyCalls(t, c, 1)

			err := c.Apply(ctx, []Input{event(`{"a":"fine"}`), event(`{"a":"BAD"}`)})
			var pe *PluginError
			if !errors.As(err, &pe) {
				t.Fatalf("Apply(bad) = %v, want a *PluginError", err)
			}
			if pe.Plugin != cfg.Name || pe.EventIndex != 1 || pe.Rejected != tt.rejected || !strings.Contains(pe.Reason, tt.reason) {
				t.Errorf("Apply(bad) = %+v, want plugin %q, event 1, rejected %v, reason containing %q",
					pe, cfg.Name, tt.rejected, tt.reason)
			}
			if len(pe.Reason) > maxReason+len("trapped: ") {
				t.Errorf("reason is %d bytes, want it capped", len(pe.Reason))
			}
			if strings.Contains(pe.Reason, "leaked") {
				t.Errorf("reason %q: the sandbox let the guest through", pe.Reason)
			}
			applyCalls(t, c, tt.wantCalls)
		})
	}
}

// applyCalls applies one good event and checks the fixture's call count.
func applyCalls(t *testing.T, c *Chain, want int) {
	t.Helper()
	evs := []Input{event(`{"a":"fine"}`)}
	if err := c.Apply(t.Context(), evs); err != nil {
		t.Fatalf("Apply(good) = %v", err)
	}
	if got, wantP := string(evs[0].Payload), fmt.Sprintf(`{"calls":%d}`, want); got != wantP {
		t.Errorf("Apply(good) payload = %s, want %s", got, wantP)
	}
}

// TestChain_Apply_concurrent runs 64 goroutines through one pool and checks
// that every output belongs to its own input.
func TestChain_Apply_concurrent(t *testing.T) {
	c := mustLoad(t, Config{Name: "upper", Path: uppercaseWasm})
	const goroutines, rounds = 64, 20
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for r := range rounds {
				evs := make([]Input, 3)
				texts := make([]string, len(evs))
				for k := range evs {
					texts[k] = fmt.Sprintf("g%d r%d e%d %s", g, r, k, strings.Repeat("abc", g*r%50))
					evs[k] = event(`{"text":"` + texts[k] + `"}`)
				}
				if err := c.Apply(t.Context(), evs); err != nil {
					errs <- err
					return
				}
				for k := range evs {
					want := `{"text":"` + strings.ToUpper(texts[k]) + `"}`
					if got := string(evs[k].Payload); got != want {
						errs <- fmt.Errorf("goroutine %d round %d event %d: payload %s, want %s", g, r, k, got, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestChain_Apply_concurrentFailures mixes failing and good calls from many
// goroutines: failures never leak into good calls.
func TestChain_Apply_concurrentFailures(t *testing.T) {
	c := mustLoad(t, Config{Name: "trap", Path: wat(t, "testdata/trap.wat")})
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := range 32 {
		wg.Go(func() {
			for r := range 10 {
				bad := (g+r)%3 == 0
				payload := `{"a":"fine"}`
				if bad {
					payload = `{"a":"BAD"}`
				}
				err := c.Apply(t.Context(), []Input{event(payload)})
				var pe *PluginError
				if bad != errors.As(err, &pe) || (!bad && err != nil) {
					errs <- fmt.Errorf("goroutine %d round %d (bad %v): Apply() = %v", g, r, bad, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
