package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// Per-call caps on captured guest stdout and stderr, each.
const (
	debugOutputLimit = 4 << 10
	testOutputLimit  = 64 << 10
)

// startTimeout bounds starting one instance (_initialize and init); a Go
// runtime starts in milliseconds.
const startTimeout = 10 * time.Second

// plugin is one compiled module with its pool of instances.
type plugin struct {
	resolved
	sha256   string
	rt       wazero.Runtime
	compiled wazero.CompiledModule
	log      *slog.Logger
	done     <-chan struct{} // closed by Chain.Close

	capture     bool // keep guest stdout/stderr of each call
	outputLimit int
	test        bool // PluginError reasons carry details (Test only)

	// idle holds started instances; slots holds one token per instance in
	// existence, so at most cap(slots) exist and idle never blocks.
	idle  chan *instance
	slots chan struct{}
}

// loadPlugin reads and compiles the module, checks its ABI, and starts the
// first instance, which runs init with the config.
func loadPlugin(ctx context.Context, c *Chain, rt wazero.Runtime, r resolved) (*plugin, error) {
	wasm, err := os.ReadFile(r.Path)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: %w", r.Name, err)
	}
	sum := sha256.Sum256(wasm)
	start := time.Now()
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: compile %s: %w", r.Name, r.Path, err)
	}
	if err := checkABI(compiled); err != nil {
		return nil, fmt.Errorf("plugin %q: %s: %w", r.Name, r.Path, err)
	}
	n := runtime.GOMAXPROCS(0)
	p := &plugin{
		resolved:    r,
		sha256:      hex.EncodeToString(sum[:]),
		rt:          rt,
		compiled:    compiled,
		log:         c.log,
		done:        c.done,
		capture:     r.DebugOutput || c.test,
		outputLimit: debugOutputLimit,
		test:        c.test,
		idle:        make(chan *instance, n),
		slots:       make(chan struct{}, n),
	}
	if c.test {
		p.outputLimit = testOutputLimit
	}
	p.slots <- struct{}{}
	in, err := p.start(ctx)
	if err != nil {
		return nil, fmt.Errorf("plugin %q: %s: start: %w", r.Name, r.Path, err)
	}
	p.put(in)
	c.log.InfoContext(ctx, "plugin loaded",
		slog.String(keyPlugin, r.Name),
		slog.String(keyPath, r.Path),
		slog.String(keySHA256, p.sha256),
		slog.Duration(keyDuration, time.Since(start)),
		slog.Int(keyPoolSize, n),
	)
	return p, nil
}

// checkABI refuses a module that lacks an ABI v1 export or has the wrong
// signature, or that imports anything but WASI preview 1.
func checkABI(m wazero.CompiledModule) error {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	want := []struct {
		name            string
		params, results []api.ValueType
	}{
		{"alloc", []api.ValueType{i32}, []api.ValueType{i32}},
		{"init", []api.ValueType{i32, i32}, []api.ValueType{i32}},
		{"transform", []api.ValueType{i32, i32}, []api.ValueType{i64}},
	}
	fns := m.ExportedFunctions()
	var errs []error
	for _, w := range want {
		f, ok := fns[w.name]
		if !ok {
			errs = append(errs, fmt.Errorf("missing export %q (ABI v1)", w.name))
			continue
		}
		if !sameTypes(f.ParamTypes(), w.params) || !sameTypes(f.ResultTypes(), w.results) {
			errs = append(errs, fmt.Errorf("export %q has the wrong signature (ABI v1)", w.name))
		}
	}
	if f, ok := fns["_initialize"]; ok && (len(f.ParamTypes()) != 0 || len(f.ResultTypes()) != 0) {
		errs = append(errs, errors.New(`export "_initialize" must take and return nothing`))
	}
	if _, ok := m.ExportedMemories()["memory"]; !ok {
		errs = append(errs, errors.New(`missing export "memory" (ABI v1)`))
	}
	for _, f := range m.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod != "wasi_snapshot_preview1" {
			errs = append(errs, fmt.Errorf(
				"imports %s.%s: only wasi_snapshot_preview1 is provided", mod, name))
		}
	}
	if len(m.ImportedMemories()) > 0 {
		errs = append(errs, errors.New("imports a memory: the module must define its own"))
	}
	return errors.Join(errs...)
}

func sameTypes(a, b []api.ValueType) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// start starts a new instance, bounded by startTimeout.
func (p *plugin) start(ctx context.Context) (*instance, error) {
	ctx, cancel := context.WithTimeout(ctx, max(startTimeout, p.Timeout))
	defer cancel()
	return newInstance(ctx, p)
}

// get takes an idle instance, or starts one while the pool has room, or
// waits for one to come back.
func (p *plugin) get(ctx context.Context) (*instance, error) {
	select {
	case in := <-p.idle:
		return in, nil
	default:
	}
	select {
	case in := <-p.idle:
		return in, nil
	case p.slots <- struct{}{}:
		in, err := p.start(ctx)
		if err != nil {
			<-p.slots
			return nil, err
		}
		return in, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	case <-p.done:
		return nil, ErrClosed
	}
}

// put returns a healthy instance to the pool.
func (p *plugin) put(in *instance) { p.idle <- in }

// discard closes an instance after a failure and frees its slot; the next
// call that needs one starts a fresh instance.
func (p *plugin) discard(ctx context.Context, in *instance) {
	in.close(ctx)
	<-p.slots
	p.log.DebugContext(ctx, "plugin instance discarded", slog.String(keyPlugin, p.Name))
}

// callResult is the outcome of one successful call.
type callResult struct {
	payload  []byte // canonical; the input payload when unchanged
	changed  bool
	findings []Finding
	stdout   []byte // captured guest output (capture on only)
	stderr   []byte
	duration time.Duration
}

// call runs the plugin on one event: take an instance, build the input,
// call transform under the plugin's timeout, validate the output. A failure
// of the plugin is a *PluginError; the caller's context ending is returned
// as its cause, since the plugin is not at fault.
func (p *plugin) call(ctx context.Context, idx int, ev *Input) (callResult, error) {
	in, err := p.get(ctx)
	switch {
	case err == nil:
	case errors.Is(err, ErrClosed) || ctx.Err() != nil:
		return callResult{}, fmt.Errorf("plugin %q event %d: %w", p.Name, idx, err)
	default:
		return callResult{}, p.fail(idx, "instance failed to start", err.Error())
	}
	in.input, err = appendInput(in.input[:0], ev)
	if err != nil {
		p.put(in)
		return callResult{}, fmt.Errorf("plugin %q event %d: %w", p.Name, idx, err)
	}

	cctx, cancel := context.WithTimeout(ctx, p.Timeout)
	start := time.Now()
	status, out, err := in.run(cctx, in.input)
	res := callResult{duration: time.Since(start)}
	cancel()
	if p.capture {
		res.stdout, res.stderr = p.output(ctx, idx, in)
	}
	if err != nil {
		p.discard(ctx, in)
		return res, p.callFailure(ctx, idx, err)
	}

	switch status {
	case 1:
		p.put(in)
		return res, &PluginError{
			Plugin: p.Name, EventIndex: idx, Rejected: true,
			Reason: guestReason(out, "rejected without a reason"),
		}
	case 2:
		p.discard(ctx, in)
		return res, p.fail(idx, guestReason(out, "error without a message"), "")
	}
	res.payload, res.changed, res.findings, err = parseOutput(out, ev.Payload)
	res.duration = time.Since(start)
	if err != nil {
		p.discard(ctx, in)
		var oe *outputError
		errors.As(err, &oe)
		return res, p.fail(idx, oe.reason, oe.detail)
	}
	p.put(in)
	return res, nil
}

// callFailure turns an error of a guest call into the error Apply returns.
func (p *plugin) callFailure(ctx context.Context, idx int, err error) error {
	select {
	case <-p.done:
		return fmt.Errorf("plugin %q event %d: %w", p.Name, idx, ErrClosed)
	default:
	}
	if ctx.Err() != nil {
		return fmt.Errorf("plugin %q event %d: %w", p.Name, idx, context.Cause(ctx))
	}
	var ce *callError
	var ee *sys.ExitError
	switch {
	case errors.As(err, &ce):
		return p.fail(idx, ce.reason, "")
	case errors.Is(err, context.DeadlineExceeded):
		p.log.WarnContext(ctx, "plugin timed out",
			slog.String(keyPlugin, p.Name),
			slog.Int(keyEventIndex, idx),
			slog.Duration(keyTimeout, p.Timeout),
		)
		return p.fail(idx, fmt.Sprintf("timed out after %s", p.Timeout), "")
	case errors.As(err, &ee):
		return p.fail(idx, fmt.Sprintf("exited with code %d", ee.ExitCode()), "")
	default:
		// A trap: wazero's first line names it ("wasm error: unreachable");
		// the rest is a stack trace of function names.
		return p.fail(idx, "trapped: "+firstLine(err.Error()), err.Error())
	}
}

// fail builds a non-reject PluginError; detail is added only for Test.
func (p *plugin) fail(idx int, reason, detail string) *PluginError {
	if p.test && detail != "" && detail != reason {
		reason += ": " + detail
	}
	return &PluginError{Plugin: p.Name, EventIndex: idx, Reason: reason}
}

// output returns copies of the guest's stdout and stderr of the last call,
// and logs them at debug level when the plugin asked for it.
func (p *plugin) output(ctx context.Context, idx int, in *instance) (stdout, stderr []byte) {
	for _, s := range []struct {
		name string
		c    *capture
		dst  *[]byte
	}{{"stdout", &in.stdout, &stdout}, {"stderr", &in.stderr, &stderr}} {
		if len(s.c.buf) == 0 {
			continue
		}
		*s.dst = append([]byte(nil), s.c.buf...)
		if p.DebugOutput {
			p.log.DebugContext(ctx, "plugin output",
				slog.String(keyPlugin, p.Name),
				slog.Int(keyEventIndex, idx),
				slog.String(keyStream, s.name),
				slog.String(keyOutput, string(s.c.buf)),
				slog.Bool(keyTruncated, s.c.truncated),
			)
		}
	}
	return stdout, stderr
}

func firstLine(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}
