package host

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentlens/agentlens-go/store"
)

// TestRun_GracefulShutdown cancels Run while ingest requests are in flight
// (each held inside the handler until the cancel): every one is answered
// 201, every acknowledged event is in the database afterwards, and every
// chain verifies.
func TestRun_GracefulShutdown(t *testing.T) {
	const clients, perBatch, sessions = 20, 100, 4
	cfg := testConfig(t)
	cfg.Server.Host = "127.0.0.1"
	cfg.Server.Port = 0 // any free port; Run reports it through ready
	h, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	admin := readAdminKey(t, cfg.Store.Path)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var entered atomic.Int32
	allIn := make(chan struct{})
	inner := h.handler
	h.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if entered.Add(1) == clients {
			close(allIn)
		}
		<-ctx.Done()
		inner.ServeHTTP(w, r)
	})

	ready := make(chan string, 1)
	ran := make(chan error, 1)
	go func() { ran <- h.Run(ctx, func(addr string) { ready <- addr }) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-ran:
		t.Fatalf("Run = %v before it was ready", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run was not ready within 10s")
	}

	type result struct {
		status int
		ids    []string
		err    error
	}
	results := make(chan result, clients)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := range clients {
		events := make([]ev, perBatch)
		for j := range events {
			events[j] = testEvent(fmt.Sprintf("g%d", i%sessions), "a1", "custom", nil)
		}
		body := batchBody(t, events...)
		go func() {
			req, err := http.NewRequestWithContext(context.Background(), http.MethodPost,
				"http://"+addr+"/api/events", strings.NewReader(body))
			if err != nil {
				results <- result{err: err}
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+admin)
			resp, err := client.Do(req)
			if err != nil {
				results <- result{err: err}
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			res := result{status: resp.StatusCode, err: err}
			var got ingested
			if json.Unmarshal(b, &got) == nil {
				for _, e := range got.Events {
					res.ids = append(res.ids, e.ID)
				}
			}
			results <- res
		}()
	}

	select {
	case <-allIn:
	case <-time.After(20 * time.Second):
		t.Fatalf("%d of %d requests reached the handler within 20s", entered.Load(), clients)
	}
	cancel()
	var acked []string
	for range clients {
		r := <-results
		switch {
		case r.err != nil:
			t.Errorf("a request in flight at shutdown failed: %v", r.err)
		case r.status != http.StatusCreated || len(r.ids) != perBatch:
			t.Errorf("a request in flight at shutdown = %d with %d events, want 201 with %d",
				r.status, len(r.ids), perBatch)
		default:
			acked = append(acked, r.ids...)
		}
	}
	select {
	case err := <-ran:
		if err != nil {
			t.Errorf("Run after cancel = %v, want nil", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return within 20s of cancel")
	}

	st, err := store.Open(t.Context(), store.Config{Path: cfg.Store.Path})
	if err != nil {
		t.Fatalf("reopen store: %v", err)
	}
	defer st.Close()
	for _, id := range acked {
		if _, err := st.Event(t.Context(), id); err != nil {
			t.Errorf("acknowledged event %s after shutdown: %v", id, err)
		}
	}
	ids, err := st.SessionIDs(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var stored int64
	for _, id := range ids {
		v, err := st.VerifySession(t.Context(), id)
		if err != nil || v.Break != nil {
			t.Errorf("VerifySession(%s) after shutdown = %+v, %v; want intact", id, v.Break, err)
		}
		stored += v.Events
	}
	if len(ids) != sessions || stored != int64(len(acked)) {
		t.Errorf("after shutdown: %d sessions, %d events; want %d, %d", len(ids), stored, sessions, len(acked))
	}
}
