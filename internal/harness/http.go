package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"
)

// quoteBytes is how much of an unexpected answer's body a [StatusError]
// quotes.
const quoteBytes = 200

// StatusError is an answer whose status is not the one wanted.
type StatusError struct {
	Status int    // the status received
	Body   string // the start of the body, trimmed and clipped
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("status %d: %s", e.Status, e.Body)
}

// Do sends one request with hc and returns the response body when the status
// is want; a non-nil body is sent as JSON. Any other status is a
// *[StatusError]; a request that fails in transport returns hc's error as is,
// so callers can tell a connection cut off from a timeout.
func Do(
	ctx context.Context,
	hc *http.Client,
	method, url string,
	body []byte,
	want int,
) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, fmt.Errorf("build %s %s: %w", method, url, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s %s response: %w", method, url, err)
	}
	if resp.StatusCode != want {
		return nil, &StatusError{
			Status: resp.StatusCode,
			Body:   Clip(string(bytes.TrimSpace(out)), quoteBytes),
		}
	}
	return out, nil
}

// Clip shortens s to at most n bytes, cut on a UTF-8 boundary, marking the
// cut with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
