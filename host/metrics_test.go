package host

import (
	"strings"
	"testing"
	"time"

	"github.com/agentlens/agentlens-go/store"
)

// TestMetrics_Exposition checks that what the service observes shows up in
// the Prometheus text, labelled by function and status only.
func TestMetrics_Exposition(t *testing.T) {
	m := newMetrics()
	m.observeRequest("ingest", 201, 3*time.Millisecond)
	m.observeRequest("ingest", 400, time.Millisecond)
	m.observeBatch(100)
	m.observeCommit(store.CommitStats{Batches: 3, Failed: 1, Events: 150, Duration: 2 * time.Millisecond})
	m.observeVerify(true)
	m.observePluginCall("pii", 50*time.Microsecond, false)
	m.observePluginCall("pii", 70*time.Microsecond, true)

	families, err := m.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			switch {
			case metric.GetCounter() != nil:
				name := f.GetName()
				for _, l := range metric.GetLabel() {
					name += "," + l.GetName() + "=" + l.GetValue()
				}
				got[name] = metric.GetCounter().GetValue()
			case metric.GetHistogram() != nil && !strings.HasPrefix(f.GetName(), "go_"):
				got[f.GetName()+".count"] += float64(metric.GetHistogram().GetSampleCount())
			}
		}
	}
	for name, want := range map[string]float64{
		"agentlens_http_requests_total,function=ingest,status=201": 1,
		"agentlens_http_requests_total,function=ingest,status=400": 1,
		"agentlens_http_request_duration_seconds.count":            2,
		"agentlens_events_ingested_total":                          100,
		"agentlens_batch_events.count":                             1,
		"agentlens_commit_duration_seconds.count":                  1,
		"agentlens_commit_failed_batches_total":                    1,
		"agentlens_verify_sessions_total":                          1,
		"agentlens_chain_breaks_total":                             1,
		"agentlens_plugin_call_duration_seconds.count":             2,
		"agentlens_plugin_failures_total,plugin=pii":               1,
	} {
		if got[name] != want {
			t.Errorf("metric %s = %v, want %v", name, got[name], want)
		}
	}
}
