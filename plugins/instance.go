package plugins

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// maxReasonRead is how much of a reject or error output is copied; the
// reason shown is cut further to maxReason.
const maxReasonRead = 4 * maxReason

// instance is one instantiated module. It is used by one goroutine at a
// time (it holds api.Function values, which are not goroutine-safe), and
// discarded after any failure.
type instance struct {
	mod       api.Module
	mem       api.Memory
	alloc     api.Function
	init      api.Function
	transform api.Function
	stack     [2]uint64
	input     []byte // reused transform input buffer
	stdout    capture
	stderr    capture
}

// newInstance instantiates the module, running _initialize (never _start),
// and hands it the plugin's config. Guest output during start is captured,
// so a failing init can be explained.
func newInstance(ctx context.Context, p *plugin) (*instance, error) {
	in := &instance{}
	in.stdout.limit, in.stderr.limit = p.outputLimit, p.outputLimit
	in.stdout.on, in.stderr.on = true, true
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithStdout(&in.stdout).
		WithStderr(&in.stderr)
	mod, err := p.rt.InstantiateModule(ctx, p.compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w%s", err, in.stderrNote())
	}
	in.mod = mod
	in.mem = mod.ExportedMemory("memory")
	in.alloc = mod.ExportedFunction("alloc")
	in.init = mod.ExportedFunction("init")
	in.transform = mod.ExportedFunction("transform")

	status, err := in.callInit(ctx, p.settings)
	if err == nil && status != 0 {
		err = fmt.Errorf("init returned %d%s", status, in.stderrNote())
	}
	if err != nil {
		in.close(ctx)
		return nil, err
	}
	in.stdout.on, in.stderr.on = p.capture, p.capture
	return in, nil
}

// stderrNote quotes the start of the guest's stderr for a start error. At
// start the guest has seen only its config, never an event.
func (in *instance) stderrNote() string {
	s := guestReason(in.stderr.buf, "")
	if s == "" {
		return ""
	}
	return fmt.Sprintf(" (stderr: %s)", s)
}

func (in *instance) callInit(ctx context.Context, config []byte) (uint32, error) {
	ptr, err := in.write(ctx, config)
	if err != nil {
		return 0, err
	}
	in.stack[0], in.stack[1] = uint64(ptr), uint64(len(config))
	if err := in.init.CallWithStack(ctx, in.stack[:]); err != nil {
		return 0, err
	}
	return uint32(in.stack[0]), nil
}

// write copies data into a buffer from the guest's alloc and returns its
// address.
func (in *instance) write(ctx context.Context, data []byte) (uint32, error) {
	if uint64(len(data)) > math.MaxUint32 {
		return 0, &callError{reason: "input larger than 4 GiB"}
	}
	in.stack[0] = uint64(len(data))
	if err := in.alloc.CallWithStack(ctx, in.stack[:]); err != nil {
		return 0, err
	}
	ptr := uint32(in.stack[0])
	if ptr == 0 {
		return 0, &callError{reason: "alloc failed (returned 0)"}
	}
	if !in.mem.Write(ptr, data) {
		return 0, &callError{reason: "alloc returned a buffer outside memory"}
	}
	return ptr, nil
}

// run makes one transform call on input and returns the status and a copy
// of the output (for status 1 and 2 only its start). Any error means the
// instance must be discarded.
func (in *instance) run(ctx context.Context, input []byte) (status uint32, out []byte, err error) {
	in.stdout.reset()
	in.stderr.reset()
	ptr, err := in.write(ctx, input)
	if err != nil {
		return 0, nil, err
	}
	in.stack[0], in.stack[1] = uint64(ptr), uint64(len(input))
	if err := in.transform.CallWithStack(ctx, in.stack[:]); err != nil {
		return 0, nil, err
	}
	r := in.stack[0]
	outPtr, status, n := uint32(r>>32), uint32(r>>30)&3, uint32(r&(1<<30-1))
	if status > 2 {
		return 0, nil, &callError{reason: fmt.Sprintf("returned unknown status %d", status)}
	}
	if n > MaxOutputBytes {
		return 0, nil, &callError{
			reason: fmt.Sprintf("output too large (%d bytes, limit %d)", n, MaxOutputBytes),
		}
	}
	view, ok := in.mem.Read(outPtr, n)
	if !ok {
		return 0, nil, &callError{reason: "output pointer or length outside memory"}
	}
	if status != 0 && len(view) > maxReasonRead {
		view = view[:maxReasonRead]
	}
	// The view aliases guest memory, which the next call may overwrite.
	return status, bytes.Clone(view), nil
}

func (in *instance) close(ctx context.Context) {
	// A closed module (after a timeout or proc_exit) closes again
	// harmlessly; there is nothing to report.
	_ = in.mod.Close(ctx)
}

// capture is an io.Writer for guest stdout or stderr that keeps at most
// limit bytes per call while on, and discards everything while off.
type capture struct {
	on        bool
	limit     int
	buf       []byte
	truncated bool
}

func (c *capture) Write(b []byte) (int, error) {
	if !c.on {
		return len(b), nil
	}
	room := c.limit - len(c.buf)
	if len(b) > room {
		c.truncated = true
	}
	if room > 0 {
		c.buf = append(c.buf, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

func (c *capture) reset() {
	c.buf = c.buf[:0]
	c.truncated = false
}
