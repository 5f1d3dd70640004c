// Package plugins runs the redaction plugins of AgentLens: WebAssembly
// modules, compiled once at start with wazero and called on every event
// before it is hashed into its session's chain. [Load] compiles a
// [Chain]; [Chain.Apply] runs it on a batch; [Test] runs one plugin on one
// event for plugin authors.
//
// It does not read configuration files, store events or decide HTTP
// statuses: the host hands it a []Config and maps a [*PluginError] to 422.
//
// # ABI v1
//
// A plugin is a WASI preview 1 reactor module. It MUST export:
//
//	memory                              its linear memory
//	alloc(size u32) -> u32              a guest buffer of size bytes for the host
//	                                    to write into; 0 on failure
//	init(ptr, len u32) -> u32           the plugin's config as JSON ({} when
//	                                    empty), once per instance; 0 = ok
//	transform(ptr, len u32) -> u64      one event; returns
//	                                    out_ptr<<32 | status<<30 | out_len
//
// and MAY export _initialize() (Go's -buildmode=c-shared needs it), which
// the host runs when instantiating; _start is never run. The transform input
// is the canonical (RFC 8785) JSON object
//
//	{"agentId", "eventType", "metadata", "payload", "sessionId"}
//
// and its output, valid until the next call into the module, depends on the
// status: 0 = ok, output {"payload": {...}, "findings"?: [{"type", "path",
// "count"}]}; 1 = reject, output the reason; 2 = error, output the message.
// The host copies the output at once, checks every pointer and length
// against the memory, caps the output at [MaxOutputBytes], validates it (no
// unknown members, no duplicate keys, counts of at least 1, at most
// [MaxFindings] findings) and canonicalizes the payload again.
//
// # Isolation
//
// Modules get WASI with wazero's defaults: no filesystem, environment,
// arguments or sockets, fake clocks, deterministic randomness, and stdin at
// EOF; stdout and stderr are discarded unless Config.DebugOutput asks for
// them (size-capped, at debug level). Memory is capped per plugin
// (Config.MemoryLimit), every call has a deadline (Config.Timeout) that
// really stops the guest (WithCloseOnContextDone), and an instance that
// failed in any way (error status, trap, timeout, exit, bad output) is
// closed and replaced: a trapped Go guest would still answer the next
// call, wrongly. Everything fails closed: a plugin failure fails the batch.
//
// # Design notes
//
// wazero caps memory per runtime, not per module, so a Chain holds one
// runtime per distinct MemoryLimit (one in the usual case, where every
// plugin keeps the default), all sharing one compilation cache.
//
// Each plugin has a pool of at most GOMAXPROCS instances, started lazily
// (the first at Load, so a broken init fails the start). An api.Function
// is bound to its instance and used by one goroutine at a time.
//
// WithCloseOnContextDone makes every loop iteration of a guest, and in
// Go-built WebAssembly every taken jump between basic blocks, check the
// deadline through a call out to the host, tens of nanoseconds each. That is
// what dominates a plugin's cost, not its algorithm: the built-in pii plugin
// and the sdk are written to keep those checks few (see package pii), and
// plugin authors should prefer sdk.RegisterRaw over decoding payloads.
//
// Within one Apply, events are processed one after the other; concurrency
// comes from concurrent requests, each taking its own instances.
package plugins
