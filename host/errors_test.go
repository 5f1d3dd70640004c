package host

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/store"
)

func TestWriteError_StatusPerCause(t *testing.T) {
	index := 3
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantRetry  string
		wantText   string
	}{
		{"api error", &api.Error{Status: 422, Message: "Rejected.", Plugin: "pii", EventIndex: &index}, 422, "", "Rejected."},
		{"body too large", fmt.Errorf("read: %w", &http.MaxBytesError{Limit: 10}), 413, "", "limit of 10 bytes"},
		{"storage fault", fmt.Errorf("append: %w: commit: disk is full", store.ErrUnavailable), 503, "5", "cannot be written"},
		{"shutting down", fmt.Errorf("append: %w", store.ErrClosed), 503, "", "shutting down"},
		{"anything else", fmt.Errorf("secret internal detail"), 500, "", "nothing was stored"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, "/api/events", nil)
			writeError(rec, req, slog.New(slog.DiscardHandler), "test", tc.err)

			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", rec.Body, err)
			}
			text, _ := body["error"].(string)
			if rec.Code != tc.wantStatus || rec.Header().Get("Retry-After") != tc.wantRetry ||
				!strings.Contains(text, tc.wantText) {
				t.Errorf("writeError(%v) = %d, Retry-After %q, %q; want %d, %q, containing %q",
					tc.err, rec.Code, rec.Header().Get("Retry-After"), text, tc.wantStatus, tc.wantRetry, tc.wantText)
			}
			if strings.Contains(rec.Body.String(), "secret internal detail") {
				t.Errorf("writeError leaked the internal error text: %s", rec.Body)
			}
		})
	}
}
