package host

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/api"
)

// preflight sends a CORS preflight for POST /api/events from origin.
func preflight(t *testing.T, th *testHost, origin string) testResponse {
	t.Helper()
	return th.do(t, http.MethodOptions, "/api/events", "", "",
		"Origin", origin,
		"Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization, content-type")
}

// corsHeaders returns the Access-Control-* headers of r.
func corsHeaders(r testResponse) []string {
	var out []string
	for name := range r.header {
		if strings.HasPrefix(strings.ToLower(name), "access-control-") {
			out = append(out, name)
		}
	}
	return out
}

func TestCORS_ListedOrigin(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.CORSOrigin = "https://a.example"
	th := startHost(t, cfg)

	r := preflight(t, th, "https://a.example").want(t, "preflight from https://a.example", http.StatusNoContent)
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://a.example" {
		t.Errorf("preflight Access-Control-Allow-Origin = %q, want https://a.example", got)
	}
	var allowed []string
	for h := range strings.SplitSeq(r.header.Get("Access-Control-Allow-Headers"), ",") {
		allowed = append(allowed, strings.ToLower(strings.TrimSpace(h)))
	}
	for _, h := range []string{
		"Authorization", "Content-Type", "X-Webhook-Signature", "X-Webhook-Id", "Idempotency-Key",
	} {
		if !slices.Contains(allowed, strings.ToLower(h)) {
			t.Errorf("preflight Access-Control-Allow-Headers = %q, want it to hold %s",
				r.header.Get("Access-Control-Allow-Headers"), h)
		}
	}
	if methods := r.header.Get("Access-Control-Allow-Methods"); !strings.Contains(methods, "POST") ||
		!strings.Contains(methods, "DELETE") {
		t.Errorf("preflight Access-Control-Allow-Methods = %q, want POST and DELETE", methods)
	}
	if !slices.Contains(r.header.Values("Vary"), "Origin") {
		t.Errorf("preflight Vary = %q, want Origin", r.header.Values("Vary"))
	}

	r = th.do(t, http.MethodGet, "/api/health", "", "", "Origin", "https://a.example").
		want(t, "GET /api/health", http.StatusOK)
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "https://a.example" {
		t.Errorf("GET from https://a.example Access-Control-Allow-Origin = %q, want https://a.example", got)
	}

	for _, origin := range []string{"https://b.example", "https://a.example.evil", "http://a.example", "null"} {
		r = preflight(t, th, origin)
		if got := corsHeaders(r); len(got) != 0 {
			t.Errorf("preflight from %s has %v, want no Access-Control-* header", origin, got)
		}
		r = th.do(t, http.MethodGet, "/api/health", "", "", "Origin", origin)
		if got := corsHeaders(r); len(got) != 0 {
			t.Errorf("GET /api/health from %s has %v, want no Access-Control-* header", origin, got)
		}
	}
}

func TestCORS_Wildcard(t *testing.T) {
	th := startHost(t, testConfig(t)) // default "*"
	r := preflight(t, th, "https://anywhere.example").want(t, "preflight", http.StatusNoContent)
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("preflight Access-Control-Allow-Origin = %q, want *", got)
	}
	r = th.do(t, http.MethodGet, "/api/events", th.admin, "", "Origin", "https://anywhere.example")
	if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("GET Access-Control-Allow-Origin = %q, want *", got)
	}
	// No Origin, no CORS headers.
	if got := corsHeaders(th.do(t, http.MethodGet, "/api/health", "", "")); len(got) != 0 {
		t.Errorf("GET without Origin has %v, want no Access-Control-* header", got)
	}
}

func TestRouter_UnknownRouteAndMethod(t *testing.T) {
	th := startHost(t, testConfig(t))
	for _, path := range []string{"/", "/api", "/api/nope", "/api/events/", "/API/events", "/api/sessions/a/b/c"} {
		th.do(t, http.MethodGet, path, th.admin, "").want(t, "GET "+path, http.StatusNotFound)
	}
	for _, tt := range []struct{ method, path string }{
		{http.MethodDelete, "/api/events"},
		{http.MethodPut, "/api/keys"},
		{http.MethodPost, "/api/health"},
		{http.MethodPatch, "/api/sessions/s1"},
	} {
		r := th.do(t, tt.method, tt.path, th.admin, "").want(t, tt.method+" "+tt.path, http.StatusMethodNotAllowed)
		if r.header.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header", tt.method, tt.path)
		}
	}
}

// TestMiddleware_Nosniff covers the responses not written by a handler
// (do checks the header on every other response of these tests).
func TestMiddleware_Nosniff(t *testing.T) {
	th := startHost(t, testConfig(t))
	for _, r := range []testResponse{
		th.do(t, http.MethodGet, "/api/health", "", ""),
		th.do(t, http.MethodGet, "/api/nope", "", ""),
		th.do(t, http.MethodPut, "/api/events", "", ""),
		th.do(t, http.MethodGet, "/api/events", "", ""),
		preflight(t, th, "https://a.example"),
	} {
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%d response: X-Content-Type-Options = %q, want nosniff", r.status, got)
		}
	}
}

// TestRouter_PanicIsolated: a handler that panics answers 500 JSON, and the
// other routes keep serving.
func TestRouter_PanicIsolated(t *testing.T) {
	th := startHost(t, testConfig(t))
	rt := &router{log: th.host.log, auth: openAuth{}, bodyLimit: 1024}
	h, err := rt.build([]function{{name: "boom", routes: []api.Route{{
		Method: http.MethodGet, Path: "/boom", Scope: api.Public,
		Handler: func(http.ResponseWriter, *http.Request) error { panic("boom") },
	}}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(securityHeaders(h))
	t.Cleanup(srv.Close)
	r := doRequest(t, srv.URL, http.MethodGet, "/boom", "", "")
	if r.status != http.StatusInternalServerError {
		t.Errorf("GET /boom = %d %s, want 500", r.status, r.body)
	}
	if strings.Contains(string(r.body), "boom") {
		t.Errorf("GET /boom = %s, which shows the panic value", r.body)
	}
	doRequest(t, srv.URL, http.MethodGet, "/boom", "", "") // still serving
}

func TestRouter_HeadAnswersLikeGet(t *testing.T) {
	th := startHost(t, testConfig(t))
	for path, want := range map[string]int{"/api/health": http.StatusOK, "/api/events": http.StatusUnauthorized} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodHead, th.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("HEAD %s = %d, want %d like GET", path, resp.StatusCode, want)
		}
	}
}
