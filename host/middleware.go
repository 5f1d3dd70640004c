package host

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/agentlens/agentlens-go/api"
)

// requestInfo collects what the request log line reports.
type requestInfo struct {
	function string
	route    string
}

type requestInfoKey struct{}

// noteRoute records which function and route served the request.
func noteRoute(ctx context.Context, function, route string) {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		info.function, info.route = function, route
	}
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request (method, route, status,
// duration, request id and, for writes, how many events were stored) and
// counts it in the metrics. It never logs bodies, query strings or headers.
func logRequests(log *slog.Logger, m *metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		info := &requestInfo{function: "none", route: "unmatched"}
		ctx, ingested := api.WithNotes(context.WithValue(r.Context(), requestInfoKey{}, info))
		sw := &statusWriter{ResponseWriter: w}

		next.ServeHTTP(sw, r.WithContext(ctx))
		elapsed := time.Since(start)
		if sw.status == 0 {
			sw.status = http.StatusOK // nothing written: net/http sends 200
		}
		m.observeRequest(info.function, sw.status, elapsed)

		attrs := []slog.Attr{
			slog.String(keyMethod, r.Method),
			slog.String(keyRoute, info.route),
			slog.Int(keyStatus, sw.status),
			slog.Float64(keyDuration, float64(elapsed.Microseconds())/1000),
			slog.String(keyRequestID, id),
		}
		if n := ingested(); n > 0 {
			attrs = append(attrs, slog.Int(keyIngested, n))
		}
		log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	})
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// securityHeaders sets the headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// corsAllowedHeaders are the request headers a browser may send.
const corsAllowedHeaders = "Authorization, Content-Type, X-Webhook-Signature, X-Webhook-Id, " +
	"X-Webhook-Timestamp, Idempotency-Key"

// cors answers preflights and marks responses to allowed origins.
// origins is "*" or a comma-separated list of exact origins; a request from
// any other origin gets no CORS headers at all.
func cors(origins string, next http.Handler) http.Handler {
	wildcard := strings.TrimSpace(origins) == "*"
	allowed := map[string]bool{}
	for o := range strings.SplitSeq(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			allowed[o] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		ok := origin != "" && (wildcard || allowed[origin])
		if ok {
			if wildcard {
				w.Header().Set("Access-Control-Allow-Origin", "*")
			} else {
				w.Header().Set("Access-Control-Allow-Origin", origin)
			}
			w.Header().Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
		}
		if !wildcard {
			w.Header().Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if ok {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", corsAllowedHeaders)
				w.Header().Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
