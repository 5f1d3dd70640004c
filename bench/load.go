package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentlens/agentlens-go/internal/harness"
)

// bodiesPerConn is how many distinct request bodies each connection cycles
// through; they are built before the clock starts so the load generator
// spends its CPU on HTTP, not on JSON.
const bodiesPerConn = 4

// loadSpec is one ingest scenario's shape.
type loadSpec struct {
	name     string // short id used in session ids
	batch    int    // events per request
	conns    int    // concurrent keep-alive connections, one request at a time each
	warmup   time.Duration
	duration time.Duration
}

// loadResult is what one scenario measured in its timed window.
type loadResult struct {
	requests int
	events   int
	errors   int
	firstErr string
	elapsed  time.Duration
	p50, p99 time.Duration
	bodySize int // bytes of one request body

	serverCPU, clientCPU time.Duration // CPU time used in the timed window
}

func (r loadResult) eventsPerSec() float64 { return float64(r.events) / r.elapsed.Seconds() }

func (r loadResult) requestsPerSec() float64 { return float64(r.requests) / r.elapsed.Seconds() }

// runLoad drives POST /api/events at base with spec.conns connections, each
// on its own session and its own keep-alive connection, sending the next
// request as soon as the previous answer is read. Requests started during
// the warm-up are not counted; the timed window is spec.duration after it.
// Every request's latency is measured, from sending to the end of the
// response body.
//
// The CPU time the server (pid) and this process use in the timed window is
// measured too: on a shared machine it tells how much CPU the figures got.
func runLoad(ctx context.Context, base string, pid int, g *generator, spec loadSpec) (loadResult, error) {
	var res loadResult
	bodies := make([][][]byte, spec.conns)
	for c := range bodies {
		session := fmt.Sprintf("bench-%s-%d-c%d", spec.name, time.Now().UnixNano(), c)
		for i := range bodiesPerConn {
			bodies[c] = append(bodies[c], g.batchBody(session, i*spec.batch, spec.batch))
		}
	}
	res.bodySize = len(bodies[0][0])

	clients := make([]*http.Client, spec.conns)
	for c := range clients {
		clients[c] = &http.Client{
			Transport: &http.Transport{
				MaxConnsPerHost:     1,
				MaxIdleConnsPerHost: 1,
				DisableCompression:  true,
				IdleConnTimeout:     time.Minute,
			},
			Timeout: 30 * time.Second,
		}
		defer clients[c].CloseIdleConnections()
	}

	// One request per connection first: the bodies must be accepted, or the
	// numbers would measure error answers.
	for c := range clients {
		status, body, err := post(ctx, clients[c], base, bodies[c][0])
		if err != nil {
			return res, fmt.Errorf("first request: %w", err)
		}
		if status != http.StatusCreated {
			return res, fmt.Errorf("first request: status %d: %s", status, clip(body, 300))
		}
	}

	type worker struct {
		lat      []time.Duration
		ok, errs int
		firstErr string
		last     time.Time
	}
	workers := make([]worker, spec.conns)
	begin := time.Now()
	measureFrom := begin.Add(spec.warmup)
	end := measureFrom.Add(spec.duration)
	var serverMeter, clientMeter *cpuMeter
	meterStarted := make(chan struct{})
	go func() {
		defer close(meterStarted)
		time.Sleep(time.Until(measureFrom))
		serverMeter, clientMeter = newCPUMeter(pid), newCPUMeter(os.Getpid())
	}()
	var wg sync.WaitGroup
	for c := range workers {
		w := &workers[c]
		w.lat = make([]time.Duration, 0, 1<<16)
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				if !t0.Before(end) {
					return
				}
				status, body, err := post(ctx, clients[c], base, bodies[c][i%bodiesPerConn])
				t1 := time.Now()
				if t0.Before(measureFrom) {
					continue
				}
				w.last = t1
				if err != nil || status != http.StatusCreated {
					w.errs++
					if w.firstErr == "" {
						if err != nil {
							w.firstErr = err.Error()
						} else {
							w.firstErr = fmt.Sprintf("status %d: %s", status, clip(body, 200))
						}
					}
					continue
				}
				w.ok++
				w.lat = append(w.lat, t1.Sub(t0))
			}
		})
	}
	wg.Wait()
	<-meterStarted
	res.serverCPU, _ = serverMeter.stop()
	res.clientCPU, _ = clientMeter.stop()
	if err := ctx.Err(); err != nil {
		return res, err
	}

	var all []time.Duration
	last := end
	for _, w := range workers {
		res.requests += w.ok
		res.errors += w.errs
		if res.firstErr == "" {
			res.firstErr = w.firstErr
		}
		if w.last.After(last) {
			last = w.last
		}
		all = append(all, w.lat...)
	}
	res.events = res.requests * spec.batch
	res.elapsed = last.Sub(measureFrom)
	if len(all) == 0 {
		return res, fmt.Errorf("no request succeeded in the timed window (%d errors, first: %s)",
			res.errors, res.firstErr)
	}
	slices.Sort(all)
	res.p50 = percentile(all, 50)
	res.p99 = percentile(all, 99)
	return res, nil
}

// percentile returns the p-th percentile (nearest rank) of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (len(sorted)*p + 99) / 100 // ceil(n*p/100)
	return sorted[max(rank, 1)-1]
}

// post sends one batch and returns the status and the response body.
func post(ctx context.Context, hc *http.Client, base string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/events", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusCreated {
		// Only the status matters on success; the body is read to keep the
		// connection reusable.
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, nil, err
	}
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// redactionProbe posts one tool_call carrying an e-mail address and reads
// the stored event back; it reports whether the address was redacted, which
// tells whether the pii plugin really ran.
func redactionProbe(ctx context.Context, base string) (bool, error) {
	const secret = "probe.person@example.org"
	body := fmt.Sprintf(`{"events":[{"sessionId":"bench-probe","agentId":%q,"eventType":"tool_call",`+
		`"payload":{"toolName":"send_mail","callId":"probe-1","arguments":{"to":%q}}}]}`, agentID, secret)
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/events", strings.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return false, fmt.Errorf("redaction probe: %w", err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return false, fmt.Errorf("redaction probe: status %d: %s", resp.StatusCode, clip(out, 200))
	}
	var ack struct {
		Events []struct {
			ID string `json:"id"`
		} `json:"events"`
	}
	if err := json.Unmarshal(out, &ack); err != nil || len(ack.Events) != 1 {
		return false, fmt.Errorf("redaction probe: unexpected answer %s", clip(out, 200))
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/events/"+ack.Events[0].ID, nil)
	if err != nil {
		return false, err
	}
	resp, err = hc.Do(req)
	if err != nil {
		return false, fmt.Errorf("redaction probe: read back: %w", err)
	}
	out, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, fmt.Errorf("redaction probe: read back: status %d: %s", resp.StatusCode, clip(out, 200))
	}
	return !bytes.Contains(out, []byte(secret)), nil
}

// clip returns at most n bytes of b as text, trimmed, marking a cut.
func clip(b []byte, n int) string {
	return harness.Clip(strings.TrimSpace(string(b)), n)
}
