// Package api is the contract between the host and the functions: the route
// a function declares, the handler signature, the errors a handler returns
// and the caller identity the host puts in the request context.
//
// Functions import this package and never the host, so a function can be
// built and tested alone. The host turns every returned error into the JSON
// error shape of DESIGN.md in one place.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
)

// Scope names a permission an API key must hold to call a route.
type Scope string

// The scopes of DESIGN.md. ScopeAll grants every scope.
const (
	ScopeAll          Scope = "*"
	ScopeEventsWrite  Scope = "events:write"
	ScopeEventsRead   Scope = "events:read"
	ScopeAuditRead    Scope = "audit:read"
	ScopeKeysAdmin    Scope = "keys:admin"
	ScopeWebhookWrite Scope = "webhook:write"
	ScopeMetricsRead  Scope = "metrics:read"
)

// Public marks a route that needs no credentials. A Route whose Scope is
// empty is rejected by the host, so every route states its access.
const Public Scope = "public"

// Handler serves one request. It writes a success response itself and
// returns nil, or writes nothing and returns an error, which the host turns
// into a JSON error response: [*Error] with its status, anything else 500.
type Handler func(w http.ResponseWriter, r *http.Request) error

// Route is one endpoint a function serves. Path uses ":name" for path
// parameters, which the handler reads with r.PathValue("name").
type Route struct {
	Method string
	Path   string
	Scope  Scope
	// OptionalAuth lets a request without an Authorization header through
	// with no caller in its context; one with the header is checked as
	// usual, Scope included. The handler then decides (webhooks accept a
	// source's signature instead of a key).
	OptionalAuth bool
	Handler      Handler
}

// WriteJSON writes v as the JSON body of a response with the given status.
// Text is not HTML-escaped, so stored JSON is sent byte for byte.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err := w.Write(body.Bytes())
	return err
}

// Caller is who made a request: the API key's id, or a fixed name such as
// "anonymous" when authentication is disabled.
type Caller struct {
	KeyID string
	// Agents, when not nil, are the only agentIds the caller may write
	// events for.
	Agents []string
}

// MayWriteFor reports whether the caller may write events of agentID.
func (c Caller) MayWriteFor(agentID string) bool {
	return c.Agents == nil || slices.Contains(c.Agents, agentID)
}

type callerKey struct{}

// WithCaller returns a context carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller the host authenticated, and false when the
// request carries none.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// requestNotes is where a handler leaves facts for the host's request log.
type requestNotes struct {
	ingested int
}

type notesKey struct{}

// WithNotes returns a context in which [NoteIngested] is recorded, and a
// function reading the count back. The host calls it once per request.
func WithNotes(ctx context.Context) (context.Context, func() int) {
	n := &requestNotes{}
	return context.WithValue(ctx, notesKey{}, n), func() int { return n.ingested }
}

// NoteIngested records how many events a write stored, for the request log.
func NoteIngested(ctx context.Context, n int) {
	if notes, ok := ctx.Value(notesKey{}).(*requestNotes); ok {
		notes.ingested = n
	}
}
