package harness

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestClip(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"longer text", 6, "longer…"},
		{"ééé", 3, "é…"}, // never cuts inside a rune
		{"", 0, ""},
	}
	for _, tt := range tests {
		if got := Clip(tt.s, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("Content-Type", r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusCreated)
			w.Write(body)
		case "/long":
			http.Error(w, "  "+strings.Repeat("x", 300)+"  ", http.StatusBadRequest)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	hc := srv.Client()

	t.Run("WantedStatus", func(t *testing.T) {
		body := []byte(`{"a":1}`)
		got, err := Do(t.Context(), hc, http.MethodPost, srv.URL+"/echo", body, http.StatusCreated)
		if err != nil || string(got) != `{"a":1}` {
			t.Errorf("Do(POST /echo) = %q, %v, want the body echoed", got, err)
		}
	})
	t.Run("OtherStatus", func(t *testing.T) {
		_, err := Do(t.Context(), hc, http.MethodGet, srv.URL+"/long", nil, http.StatusOK)
		var se *StatusError
		if !errors.As(err, &se) {
			t.Fatalf("Do(GET /long) error = %v, want a *StatusError", err)
		}
		want := strings.Repeat("x", quoteBytes) + "…"
		if se.Status != http.StatusBadRequest || se.Body != want {
			t.Errorf("Do(GET /long) = status %d, body %q, want 400 and the trimmed body clipped",
				se.Status, se.Body)
		}
	})
	t.Run("Health", func(t *testing.T) {
		err := Health(t.Context(), hc, srv.URL)
		var se *StatusError
		if !errors.As(err, &se) || se.Status != http.StatusNotFound {
			t.Errorf("Health() = %v, want a 404 *StatusError", err)
		}
	})
}
