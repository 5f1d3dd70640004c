package host

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/schemas"
)

// routeTable is every route the service serves and the access it needs. A
// route added without a row here, or with a different scope, fails
// TestRoutes_MatchTable: access is reviewed where it is declared and here.
var routeTable = []struct {
	method, path string
	scope        api.Scope
	// optionalAuth: a request without credentials reaches the handler,
	// which checks a signature instead.
	optionalAuth bool
}{
	{http.MethodGet, "/api/health", api.Public, false},
	{http.MethodGet, "/metrics", api.ScopeMetricsRead, false},

	{http.MethodPost, "/api/events", api.ScopeEventsWrite, false},
	{http.MethodGet, "/api/events", api.ScopeEventsRead, false},
	{http.MethodGet, "/api/events/:id", api.ScopeEventsRead, false},
	{http.MethodGet, "/api/sessions", api.ScopeEventsRead, false},
	{http.MethodGet, "/api/sessions/:id", api.ScopeEventsRead, false},
	{http.MethodGet, "/api/sessions/:id/timeline", api.ScopeEventsRead, false},

	{http.MethodGet, "/api/audit/verify", api.ScopeAuditRead, false},
	{http.MethodGet, "/api/audit/export", api.ScopeAuditRead, false},
	{http.MethodGet, "/api/audit/public-key", api.Public, false},
	{http.MethodGet, "/.well-known/jwks.json", api.Public, false},

	{http.MethodPost, "/api/keys", api.ScopeKeysAdmin, false},
	{http.MethodGet, "/api/keys", api.ScopeKeysAdmin, false},
	{http.MethodDelete, "/api/keys/:id", api.ScopeKeysAdmin, false},

	{http.MethodPost, "/api/events/ingest", api.ScopeWebhookWrite, true},
}

// concretePath fills a route's path parameters with an id nothing has.
func concretePath(path string) string {
	return strings.ReplaceAll(path, ":id", "01NOSUCHID0000000000000000")
}

// registeredRoutes returns the routes the host hands its router, by
// "METHOD path".
func registeredRoutes(t *testing.T, th *testHost) map[string]api.Route {
	t.Helper()
	validator, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	h := th.host
	fns := h.functions(validator, &writer{appender: h.store}, newKeyAuth(h.store, h.usage))
	out := map[string]api.Route{}
	for _, fn := range fns {
		for _, r := range fn.routes {
			out[r.Method+" "+r.Path] = r
		}
	}
	return out
}

func TestRoutes_MatchTable(t *testing.T) {
	th := startHost(t, testConfig(t))
	got := registeredRoutes(t, th)

	inTable := map[string]bool{}
	for _, row := range routeTable {
		key := row.method + " " + row.path
		inTable[key] = true
		r, ok := got[key]
		if !ok {
			t.Errorf("route %s is in the table but not registered", key)
			continue
		}
		if r.Scope != row.scope || r.OptionalAuth != row.optionalAuth {
			t.Errorf("route %s: scope, optionalAuth = %q, %v, want %q, %v",
				key, r.Scope, r.OptionalAuth, row.scope, row.optionalAuth)
		}
	}
	for key, r := range got {
		if !inTable[key] {
			t.Errorf("route %s (scope %q) is registered but not in the table; add a row", key, r.Scope)
		}
	}
}

// TestRoutes_Served checks each row over HTTP, without credentials: a
// protected route answers 401 (an unrouted request would be 404 or 405),
// and a public or optional-auth route reaches its handler.
func TestRoutes_Served(t *testing.T) {
	th := startHost(t, testConfig(t))
	for _, row := range routeTable {
		t.Run(row.method+" "+row.path, func(t *testing.T) {
			path := concretePath(row.path)
			r := th.do(t, row.method, path, "", "")
			switch {
			case row.scope != api.Public && !row.optionalAuth:
				if r.status != http.StatusUnauthorized {
					t.Errorf("%s %s without credentials = %d %s, want 401", row.method, path, r.status, r.body)
				}
			case r.status == http.StatusNotFound || r.status == http.StatusMethodNotAllowed:
				t.Errorf("%s %s = %d %s, want it routed", row.method, path, r.status, r.body)
			}
		})
	}
}

func TestRouterBuild_Refuses(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) error { return nil }
	route := func(method, path string, scope api.Scope) api.Route {
		return api.Route{Method: method, Path: path, Scope: scope, Handler: ok}
	}
	tests := []struct {
		name    string
		fns     []function
		wantErr bool
	}{
		{"distinct routes", []function{
			{name: "a", routes: []api.Route{
				route("GET", "/x", api.Public), route("POST", "/x", api.ScopeEventsWrite),
			}},
			{name: "b", routes: []api.Route{route("GET", "/y", api.ScopeEventsRead)}},
		}, false},
		{"empty scope", []function{
			{name: "a", routes: []api.Route{route("GET", "/x", "")}},
		}, true},
		{"empty scope with optional auth", []function{
			{name: "a", routes: []api.Route{{Method: "POST", Path: "/x", OptionalAuth: true, Handler: ok}}},
		}, true},
		{"duplicate within a function", []function{
			{name: "a", routes: []api.Route{route("GET", "/x", api.Public), route("GET", "/x", api.Public)}},
		}, true},
		{"duplicate across functions", []function{
			{name: "a", routes: []api.Route{route("GET", "/x", api.ScopeEventsRead)}},
			{name: "b", routes: []api.Route{route("GET", "/x", api.ScopeAuditRead)}},
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &router{log: slog.New(slog.DiscardHandler), auth: openAuth{}, bodyLimit: 1 << 20}
			h, err := rt.build(tt.fns)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("build(%s) error = %v, want error %v", tt.name, err, tt.wantErr)
			}
			if err == nil && h == nil {
				t.Errorf("build(%s) = nil handler, nil error", tt.name)
			}
		})
	}
}
