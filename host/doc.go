// Package host is the AgentLens HTTP host: it loads the configuration,
// opens the store, builds the shared write path, wires every function's
// routes into one router, and runs the server until it is told to stop.
//
// Functions never import host. Each declares the narrow interfaces it needs
// and returns its routes; host supplies the implementations, wraps every
// route with the same middleware (authentication and scope, body limit,
// panic isolation, request log) and turns every error a handler returns
// into the JSON error shape in one place, [writeError].
//
// # Design notes
//
// Shutdown runs in a fixed order: stop accepting and finish in-flight
// requests (bounded by server.shutdown_timeout), then close the store, which
// commits every batch still queued before it releases the file.
package host
