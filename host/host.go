package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/functions/ingest"
	"github.com/agentlens/agentlens-go/functions/keys"
	"github.com/agentlens/agentlens-go/functions/verify"
	"github.com/agentlens/agentlens-go/functions/webhook"
	"github.com/agentlens/agentlens-go/schemas"
	"github.com/agentlens/agentlens-go/store"
	"github.com/agentlens/agentlens-go/store/chain"
)

// Version is the build's version, set at link time with
// -ldflags "-X github.com/agentlens/agentlens-go/host.Version=…".
var Version = "dev"

// Host is a configured AgentLens service: the store it owns and the HTTP
// handler over every function.
type Host struct {
	cfg     Config
	log     *slog.Logger
	store   *store.Store
	usage   *usageRecorder
	metrics *metrics
	plugins *pluginSet
	signer  *chain.Signer
	handler http.Handler
}

// New opens the store and wires every function. Close the Host when done.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Host, error) {
	m := newMetrics()
	st, err := store.Open(ctx, store.Config{
		Path: cfg.Store.Path, HeadCacheSize: cfg.Store.HeadCacheSize, OnCommit: m.observeCommit,
	})
	if err != nil {
		return nil, err
	}
	m.watchDatabase(st)
	h := &Host{cfg: cfg, log: log, store: st, usage: newUsageRecorder(), metrics: m, plugins: &pluginSet{log: log}}
	if err := h.start(ctx); err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// start compiles the plugins, loads the signing key, wires the functions
// and, with authentication on, makes the first admin key.
func (h *Host) start(ctx context.Context) error {
	if err := h.startPlugins(ctx); err != nil {
		return err
	}
	var err error
	if h.signer, err = LoadSigner(ctx, h.store, h.cfg.Secrets.SigningKey); err != nil {
		return err
	}
	h.log.InfoContext(ctx, "signing key ready", slog.String(keySigningKeyID, h.signer.KeyID()))
	if err := h.wire(); err != nil {
		return err
	}
	if h.cfg.Auth.Disabled {
		return nil
	}
	return h.bootstrapAdminKey(ctx)
}

// wire builds the write path and the router over every function.
func (h *Host) wire() error {
	validator, err := schemas.New()
	if err != nil {
		return fmt.Errorf("load schemas: %w", err)
	}
	validator = validator.WithMaxIDBytes(h.cfg.Ingest.MaxIDBytes)
	w := &writer{
		appender:         h.store,
		maxPayloadBytes:  h.cfg.Ingest.MaxPayloadBytes,
		maxMetadataBytes: h.cfg.Ingest.MaxMetadataBytes,
		limits:           h.limits(),
		plugins:          h.plugins,
		now:              time.Now,
		onBatch:          h.metrics.observeBatch,
	}

	keyAuth := newKeyAuth(h.store, h.usage)
	var auth authenticator = keyAuth
	if h.cfg.Auth.Disabled {
		auth = openAuth{}
	}
	rt := &router{
		log: h.log, auth: auth, open: h.cfg.Auth.Disabled, bodyLimit: h.cfg.Server.BodyLimit,
		limiter: newRateLimiter(h.cfg.Server.RateLimit, h.cfg.Server.RateBurst),
	}
	handler, err := rt.build(h.functions(validator, w, keyAuth))
	if err != nil {
		return err
	}
	h.handler = logRequests(h.log, h.metrics, securityHeaders(cors(h.cfg.Auth.CORSOrigin, handler)))
	return nil
}

// functions lists every function the host serves, with its routes.
func (h *Host) functions(validator *schemas.Validator, w *writer, keyAuth *keyAuth) []function {
	return []function{
		{name: "health", routes: h.healthRoutes()},
		{name: "metrics", routes: h.metrics.routes()},
		{name: "ingest", routes: ingest.Routes(ingest.Config{
			Validator: validator, Writer: w, Reader: ingestReader{h.store}, Signer: h.signer,
			MaxBatchEvents: h.cfg.Ingest.MaxBatchEvents, Limits: h.limits(),
		})},
		{name: "verify", routes: verify.Routes(verify.Config{
			Store: verifyStore{h.store, h.metrics}, Keys: verifyStore{h.store, h.metrics}, Signer: h.signer,
		})},
		{name: "keys", routes: keys.Routes(keys.Config{Store: keyStore{h.store, keyAuth}})},
		{name: "webhook", routes: webhook.Routes(webhook.Config{
			Validator: validator, Writer: w, Deliveries: deliveryStore{h.store}, Log: h.log,
			Limits: h.limits(),
			Secrets: webhook.Secrets{
				AgentGate:  h.cfg.Secrets.AgentgateWebhookSecret,
				FormBridge: h.cfg.Secrets.FormbridgeWebhookSecret,
				Generic:    h.cfg.Secrets.GenericWebhookSecret,
			},
		})},
	}
}

// limits are the configured bounds of payloads and metadata.
func (h *Host) limits() chain.Limits {
	return chain.Limits{MaxDepth: h.cfg.Ingest.MaxDepth, MaxKeys: h.cfg.Ingest.MaxObjectKeys}
}

// Handler returns the service's HTTP handler.
func (h *Host) Handler() http.Handler { return h.handler }

// startPlugins compiles the configured plugins; the service does not start
// without them.
func (h *Host) startPlugins(ctx context.Context) error {
	c, err := loadPlugins(ctx, h.cfg, h.log, h.metrics)
	if err != nil {
		return err
	}
	return h.plugins.swap(ctx, c)
}

// Close stops the plugins and closes the store, committing any batch still
// queued.
func (h *Host) Close() error {
	pluginErr := h.plugins.swap(context.Background(), nil)
	return errors.Join(pluginErr, h.store.Close())
}

// Run serves on the configured address until ctx is done, then shuts down
// gracefully: in-flight requests finish (within server.shutdown_timeout),
// background tasks stop, and the store commits what is queued before
// closing. ready, when not nil, receives the listening address once the
// server accepts connections.
func (h *Host) Run(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", h.cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen on %s: %w", h.cfg.Addr(), err)
	}
	srv := &http.Server{
		Handler:           h.handler,
		ReadHeaderTimeout: h.cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       h.cfg.Server.ReadTimeout,
		WriteTimeout:      h.cfg.Server.WriteTimeout,
		IdleTimeout:       h.cfg.Server.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	stopBackground := h.startBackground(ctx)
	h.log.InfoContext(ctx, "listening", slog.String(keyAddr, ln.Addr().String()))
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case err := <-served:
		stopBackground()
		h.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	h.log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), h.cfg.Server.ShutdownTimeout)
	defer cancel()
	shutdownErr := srv.Shutdown(shutdownCtx)
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		shutdownErr = errors.Join(shutdownErr, err)
	}
	stopBackground()
	if err := h.Close(); err != nil {
		shutdownErr = errors.Join(shutdownErr, fmt.Errorf("close store: %w", err))
	}
	if shutdownErr != nil {
		return fmt.Errorf("shut down: %w", shutdownErr)
	}
	h.log.Info("stopped")
	return nil
}

// startBackground starts the background tasks (recording key use,
// forgetting old idempotency keys, and retention when configured) and returns a function that stops them and
// waits until they have finished their last write.
func (h *Host) startBackground(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { h.usage.run(ctx, h.store, h.log) })
	wg.Go(func() { h.every(ctx, idempotencyWindow/24, "forget idempotency keys", h.forgetIdempotencyKeys) })
	if h.cfg.Retention.Days > 0 {
		wg.Go(func() { h.every(ctx, retentionInterval, "retention", h.retain) })
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// healthRoutes is GET /api/health: public, and reports the database state.
func (h *Host) healthRoutes() []api.Route {
	return []api.Route{{
		Method: http.MethodGet, Path: "/api/health", Scope: api.Public,
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			status, db, code := "ok", "ok", http.StatusOK
			if err := h.store.Ping(r.Context()); err != nil {
				h.log.WarnContext(r.Context(), "health check: database unavailable", slog.Any(keyError, err))
				status, db, code = "degraded", "unavailable", http.StatusServiceUnavailable
			} else if h.store.WriteError() != nil {
				// Reads work but the last commit failed; a successful write clears it.
				status, db, code = "degraded", "unwritable", http.StatusServiceUnavailable
			}
			return api.WriteJSON(w, code, map[string]any{
				"status": status, "version": Version, "database": db,
			})
		},
	}}
}

// NewLogger builds the service logger from the log configuration.
func NewLogger(cfg LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(cfg.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
