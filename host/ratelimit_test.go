package host

import (
	"net/http"
	"testing"
	"time"
)

func TestRateLimiter_PerKeyBuckets(t *testing.T) {
	if newRateLimiter(0, 10) != nil {
		t.Fatal("newRateLimiter(0, …) is a limiter, want none: 0 turns the limit off")
	}
	l := newRateLimiter(2, 3) // 2 per second, bursts of 3
	now := time.Unix(1_700_000_000, 0)

	for i := range 3 {
		if ok, _ := l.allow("flood", now); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	ok, wait := l.allow("flood", now)
	if ok || wait <= 0 || retryAfter(wait) != 1 {
		t.Fatalf("4th request at once = %v, wait %v; want refused with Retry-After 1", ok, wait)
	}
	if ok, _ := l.allow("other", now); !ok {
		t.Error("another key was refused while one key floods")
	}
	if ok, _ := l.allow("flood", now.Add(600*time.Millisecond)); !ok {
		t.Error("the flooding key is still refused after a token came back")
	}
}

func TestRateLimit_FloodingKeyGets429OthersServed(t *testing.T) {
	cfg := testConfig(t)
	cfg.Server.RateLimit, cfg.Server.RateBurst = 0.5, 2
	th := startHost(t, cfg)
	flood := th.createKey(t, `{"scopes":["events:read"]}`).Key
	calm := th.createKey(t, `{"scopes":["events:read"]}`).Key

	for range 2 {
		th.do(t, http.MethodGet, "/api/sessions", flood, "").want(t, "GET within the burst", http.StatusOK)
	}
	r := th.do(t, http.MethodGet, "/api/sessions", flood, "").want(t, "GET over the rate", http.StatusTooManyRequests)
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	th.do(t, http.MethodGet, "/api/sessions", calm, "").want(t, "GET with another key", http.StatusOK)
}
