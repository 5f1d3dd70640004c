package plugins

import (
	"context"
	"time"
)

// Result is the outcome of [Test] on one event.
type Result struct {
	// Payload is the canonical output payload; the input payload when the
	// plugin left it unchanged.
	Payload []byte
	// Changed reports whether the payload changed (and so whether Apply
	// would record a Redaction).
	Changed bool
	// Findings are the plugin's findings, never nil.
	Findings []Finding
	// Redaction is what Apply would append to the event, nil if unchanged.
	Redaction *Redaction
	// Stdout and Stderr are what the guest printed during the call, at most
	// 64 KiB each.
	Stdout, Stderr []byte
	// Duration is the time of the call: input, guest, output validation.
	Duration time.Duration
}

// Test loads one plugin and runs it once on event, for plugin authors
// (`agentlens plugin test`). Unlike Apply it runs regardless of the
// plugin's EventTypes, always captures the guest's stdout and stderr, and
// puts the details of refused output into the error's reason.
//
// # Errors
//
// Test returns Load's errors, and a [*PluginError] when the plugin rejects
// or fails on the event; the Result then still holds the guest output and
// the duration.
func Test(ctx context.Context, rc RuntimeConfig, cfg Config, event Input) (Result, error) {
	c, err := load(ctx, rc, []Config{cfg}, true)
	if err != nil {
		return Result{}, err
	}
	p := c.plugins[0]
	res, err := p.call(ctx, 0, &event)
	out := Result{
		Payload:  res.payload,
		Changed:  res.changed,
		Findings: res.findings,
		Stdout:   res.stdout,
		Stderr:   res.stderr,
		Duration: res.duration,
	}
	if res.changed {
		out.Redaction = &Redaction{Plugin: p.Name, SHA256: p.sha256, Findings: res.findings}
	}
	closeErr := c.Close(ctx)
	if err != nil {
		return out, err
	}
	return out, closeErr
}
