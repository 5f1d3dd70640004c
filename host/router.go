package host

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/julienschmidt/httprouter"

	"github.com/agentlens/agentlens-go/api"
)

// function is a named group of routes, as one function package returns them.
type function struct {
	name   string
	routes []api.Route
}

// router builds the HTTP handler of all functions: every route gets the same
// authentication, scope check, body limit, panic isolation and error
// mapping.
type router struct {
	log       *slog.Logger
	auth      authenticator
	open      bool // authentication is disabled: every request is the anonymous caller
	bodyLimit int64
	limiter   *rateLimiter // per API key; nil when off
}

func (rt *router) build(functions []function) (http.Handler, error) {
	r := httprouter.New()
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.HandleOPTIONS = false // preflights are answered by the CORS middleware
	r.NotFound = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_ = api.WriteJSON(w, http.StatusNotFound, errorBody{Error: "No such route: " + req.Method + " " + req.URL.Path + "."})
	})
	r.MethodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_ = api.WriteJSON(w, http.StatusMethodNotAllowed, errorBody{
			Error: fmt.Sprintf("%s is not allowed here; allowed: %s.", req.Method, w.Header().Get("Allow")),
		})
	})

	// Route on the escaped path, so that an id holding "/" (sent as %2F)
	// stays one path segment; wrap unescapes the parameters.
	routed := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.RawPath != "" {
			u := *req.URL
			u.Path = req.URL.RawPath
			req = req.WithContext(req.Context())
			req.URL = &u
		}
		r.ServeHTTP(w, req)
	})

	seen := map[string]string{}
	for _, fn := range functions {
		for _, route := range fn.routes {
			if route.Scope == "" {
				return nil, fmt.Errorf("route %s %s of %s declares no scope and is not marked public",
					route.Method, route.Path, fn.name)
			}
			key := route.Method + " " + route.Path
			if other, dup := seen[key]; dup {
				return nil, fmt.Errorf("route %s is declared by both %s and %s", key, other, fn.name)
			}
			seen[key] = fn.name
			r.Handle(route.Method, route.Path, rt.wrap(fn.name, route))
			if route.Method == http.MethodGet {
				// HEAD answers like GET without the body (net/http drops it).
				r.Handle(http.MethodHead, route.Path, rt.wrap(fn.name, route))
			}
		}
	}
	return routed, nil
}

// wrap runs one route's handler behind the shared middleware.
func (rt *router) wrap(fn string, route api.Route) httprouter.Handle {
	name := fn + " " + route.Method + " " + route.Path
	return func(w http.ResponseWriter, r *http.Request, params httprouter.Params) {
		noteRoute(r.Context(), fn, name)
		for _, p := range params {
			value := p.Value
			if r.URL.RawPath != "" {
				if v, err := url.PathUnescape(value); err == nil {
					value = v
				}
			}
			r.SetPathValue(strings.TrimPrefix(p.Key, ":"), value)
		}
		defer func() {
			if v := recover(); v != nil {
				writeError(w, r, rt.log, name, fmt.Errorf("panic in handler: %v", v))
			}
		}()

		optional := route.OptionalAuth && len(r.Header.Values("Authorization")) == 0 && !rt.open
		if route.Scope != api.Public && !optional {
			p, err := rt.auth.Authenticate(r)
			if err != nil {
				writeError(w, r, rt.log, name, err)
				return
			}
			if !p.allows(route.Scope) {
				writeError(w, r, rt.log, name, &api.Error{
					Status:  http.StatusForbidden,
					Message: fmt.Sprintf("This API key lacks the %q scope this route needs.", route.Scope),
				})
				return
			}
			if rt.limiter != nil {
				if ok, wait := rt.limiter.allow(p.caller.KeyID, time.Now()); !ok {
					w.Header().Set("Retry-After", strconv.Itoa(retryAfter(wait)))
					writeError(w, r, rt.log, name, &api.Error{
						Status:  http.StatusTooManyRequests,
						Message: "This API key is over its request rate; retry after the time in Retry-After.",
					})
					return
				}
			}
			r = r.WithContext(api.WithCaller(r.Context(), p.caller))
		}

		r.Body = http.MaxBytesReader(w, r.Body, rt.bodyLimit)
		if err := route.Handler(w, r); err != nil {
			writeError(w, r, rt.log, name, err)
		}
	}
}
