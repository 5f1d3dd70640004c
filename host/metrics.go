package host

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/store"
)

// metrics are the service's Prometheus metrics, served at GET /metrics.
// Labels carry function names, statuses and plugin names only: never ids,
// keys or payload data.
type metrics struct {
	registry *prometheus.Registry

	requests       *prometheus.CounterVec   // function, status
	requestSeconds *prometheus.HistogramVec // function
	ingested       prometheus.Counter
	batchEvents    prometheus.Histogram
	commitSeconds  prometheus.Histogram
	commitBatches  prometheus.Histogram
	commitFailures prometheus.Counter
	verifyRuns     prometheus.Counter
	chainBreaks    prometheus.Counter
	pluginSeconds  *prometheus.HistogramVec // plugin
	pluginFailures *prometheus.CounterVec   // plugin
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentlens_http_requests_total", Help: "HTTP requests by function and status.",
		}, []string{"function", "status"}),
		requestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "agentlens_http_request_duration_seconds", Help: "HTTP request latency by function.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"function"}),
		ingested: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentlens_events_ingested_total", Help: "Events stored, from every write route.",
		}),
		batchEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "agentlens_batch_events", Help: "Events per stored batch.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000},
		}),
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "agentlens_commit_duration_seconds", Help: "Group commit latency, fsync included.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		commitBatches: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "agentlens_commit_batches", Help: "Batches sharing one group commit.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
		commitFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentlens_commit_failed_batches_total", Help: "Batches refused or rolled back by the writer.",
		}),
		verifyRuns: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentlens_verify_sessions_total", Help: "Session chains verified.",
		}),
		chainBreaks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "agentlens_chain_breaks_total", Help: "Broken chains found by verification.",
		}),
		pluginSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "agentlens_plugin_call_duration_seconds", Help: "Plugin call latency, per plugin.",
			Buckets: prometheus.ExponentialBuckets(0.00002, 2, 14),
		}, []string{"plugin"}),
		pluginFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "agentlens_plugin_failures_total", Help: "Plugin calls that failed or rejected the event.",
		}, []string{"plugin"}),
	}
	m.registry.MustRegister(
		m.requests, m.requestSeconds, m.ingested, m.batchEvents, m.commitSeconds,
		m.commitBatches, m.commitFailures, m.verifyRuns, m.chainBreaks, m.pluginSeconds, m.pluginFailures,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// watchDatabase adds the database size gauge.
func (m *metrics) watchDatabase(st *store.Store) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "agentlens_database_bytes", Help: "Size of the database file and its WAL.",
	}, func() float64 { return float64(st.Size()) }))
}

// observeRequest counts one request of a function.
func (m *metrics) observeRequest(function string, status int, d time.Duration) {
	m.requests.WithLabelValues(function, strconv.Itoa(status)).Inc()
	m.requestSeconds.WithLabelValues(function).Observe(d.Seconds())
}

// observeCommit records one group commit; it is the store's OnCommit.
func (m *metrics) observeCommit(c store.CommitStats) {
	m.commitSeconds.Observe(c.Duration.Seconds())
	m.commitBatches.Observe(float64(c.Batches))
	m.commitFailures.Add(float64(c.Failed))
}

// observeBatch records a stored batch.
func (m *metrics) observeBatch(events int) {
	m.ingested.Add(float64(events))
	m.batchEvents.Observe(float64(events))
}

// observePluginCall records one plugin call; it is the plugins' OnCall.
func (m *metrics) observePluginCall(plugin string, d time.Duration, failed bool) {
	m.pluginSeconds.WithLabelValues(plugin).Observe(d.Seconds())
	if failed {
		m.pluginFailures.WithLabelValues(plugin).Inc()
	}
}

// observeVerify records one session verified.
func (m *metrics) observeVerify(broken bool) {
	m.verifyRuns.Inc()
	if broken {
		m.chainBreaks.Inc()
	}
}

// routes serves GET /metrics behind metrics:read.
func (m *metrics) routes() []api.Route {
	h := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return []api.Route{{
		Method: http.MethodGet, Path: "/metrics", Scope: api.ScopeMetricsRead,
		Handler: func(w http.ResponseWriter, r *http.Request) error {
			h.ServeHTTP(w, r)
			return nil
		},
	}}
}
