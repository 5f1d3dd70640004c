package host

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const whSecret = "webhook-test-secret"

func sign(secret, message string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(message))
	return hex.EncodeToString(mac.Sum(nil))
}

// approval is an agentgate delivery of request.approved for request id.
func approval(id string) string {
	return `{"source":"agentgate","event":"request.approved","data":{"requestId":"` + id +
		`","action":"deploy","decidedBy":"alice"}}`
}

func webhookHost(t *testing.T, mutate func(*Config)) *testHost {
	t.Helper()
	cfg := testConfig(t)
	cfg.Secrets.AgentgateWebhookSecret = whSecret
	if mutate != nil {
		mutate(&cfg)
	}
	return startHost(t, cfg)
}

func (th *testHost) deliver(t *testing.T, body string, headers ...string) testResponse {
	t.Helper()
	return th.do(t, http.MethodPost, "/api/events/ingest", "", body, append([]string{"Content-Type", "application/json"}, headers...)...)
}

func TestWebhook_SignatureCoversTheRawBytes(t *testing.T) {
	th := webhookHost(t, nil)
	body := approval("r1")
	th.deliver(t, body, "X-Webhook-Signature", sign(whSecret, body)).want(t, "signed delivery", http.StatusCreated)

	// The same JSON, spaced differently, under the signature of the compact text.
	spaced := strings.ReplaceAll(approval("r2"), ",", ", ")
	th.deliver(t, spaced, "X-Webhook-Signature", sign(whSecret, approval("r2"))).
		want(t, "re-serialized body", http.StatusUnauthorized)
}

func TestWebhook_EmptySecretIsNotConfigured(t *testing.T) {
	th := webhookHost(t, func(c *Config) { c.Secrets.AgentgateWebhookSecret = "" })
	body := approval("r1")
	// A signature made with the empty key must not pass: the source is unconfigured.
	r := th.deliver(t, body, "X-Webhook-Signature", sign("", body)).want(t, "delivery with no secret set", http.StatusInternalServerError)
	if !strings.Contains(string(r.body), "AGENTGATE_WEBHOOK_SECRET") {
		t.Errorf("500 body = %s, want it to name AGENTGATE_WEBHOOK_SECRET", r.body)
	}
	if n := th.eventTotal(t); n != 0 {
		t.Errorf("%d events stored, want 0", n)
	}
}

func TestWebhook_ConcurrentDuplicatesStoreOneEvent(t *testing.T) {
	th := webhookHost(t, nil)
	body := approval("r-dup")
	sig := sign(whSecret, body)
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() {
			r := th.deliver(t, body, "X-Webhook-Signature", sig, "X-Webhook-Id", "delivery-1")
			ids[i] = decodeJSON[map[string]any](t, r.want(t, "duplicate delivery", http.StatusCreated))["eventId"].(string)
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("duplicate deliveries answered event ids %v, want one id", ids)
		}
	}
	if n := th.eventTotal(t); n != 1 {
		t.Errorf("%d events stored for 8 copies of one delivery, want 1", n)
	}
}

func TestWebhook_BodyOverTheLimitIsRefusedFirst(t *testing.T) {
	th := webhookHost(t, func(c *Config) { c.Server.BodyLimit = 2048 })
	pad := strings.Repeat("x", 4096)
	body := `{"source":"agentgate","event":"request.approved","data":{"requestId":"r","action":"a","decidedBy":"b","pad":"` + pad + `"}}`
	// Correctly signed, yet refused for its size before the signature is looked at.
	th.deliver(t, body, "X-Webhook-Signature", sign(whSecret, body)).want(t, "oversized delivery", http.StatusRequestEntityTooLarge)
	th.deliver(t, body, "X-Webhook-Signature", "00").want(t, "oversized, badly signed delivery", http.StatusRequestEntityTooLarge)
}

func TestWebhook_TimestampedSignatures(t *testing.T) {
	th := webhookHost(t, nil)
	now := time.Now().Unix()
	for _, tc := range []struct {
		name   string
		ts     int64
		signed string // what the signature covers; "" = timestamp.body
		status int
	}{
		{"fresh", now, "", http.StatusCreated},
		{"body only under a timestamp", now, "body", http.StatusUnauthorized},
		{"six minutes old", now - 360, "", http.StatusUnauthorized},
		{"six minutes ahead", now + 360, "", http.StatusUnauthorized},
	} {
		body := approval("ts-" + strings.ReplaceAll(tc.name, " ", "-"))
		ts := strconv.FormatInt(tc.ts, 10)
		msg := ts + "." + body
		if tc.signed == "body" {
			msg = body
		}
		th.deliver(t, body, "X-Webhook-Timestamp", ts, "X-Webhook-Signature", sign(whSecret, msg)).
			want(t, fmt.Sprintf("%s delivery", tc.name), tc.status)
	}
}

func TestWebhook_ReusedDeliveryIDWithAnotherBodyIs409(t *testing.T) {
	th := webhookHost(t, nil)
	approved := approval("r-reuse")
	denied := strings.Replace(approved, "request.approved", "request.denied", 1)
	th.deliver(t, approved, "X-Webhook-Signature", sign(whSecret, approved), "X-Webhook-Id", "d-1").
		want(t, "first delivery", http.StatusCreated)
	th.deliver(t, approved, "X-Webhook-Signature", sign(whSecret, approved), "X-Webhook-Id", "d-1").
		want(t, "the same delivery again", http.StatusCreated)
	th.deliver(t, denied, "X-Webhook-Signature", sign(whSecret, denied), "X-Webhook-Id", "d-1").
		want(t, "another body under the same id", http.StatusConflict)
	if n := th.eventTotal(t); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}
