package host

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/store"
)

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error      string   `json:"error"`
	Details    []string `json:"details,omitempty"`
	Plugin     string   `json:"plugin,omitempty"`
	EventIndex *int     `json:"eventIndex,omitempty"`
	Reason     string   `json:"reason,omitempty"`
}

// writeError answers a request whose handler failed; it is the one place
// where errors become HTTP statuses. Errors that are not the client's
// fault are logged here, with the route, and never shown to the client.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, route string, err error) {
	var (
		apiErr  *api.Error
		tooBig  *http.MaxBytesError
		status  int
		message errorBody
	)
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.Status
		message = errorBody{
			Error: apiErr.Message, Details: apiErr.Details,
			Plugin: apiErr.Plugin, EventIndex: apiErr.EventIndex, Reason: apiErr.Reason,
		}
	case errors.As(err, &tooBig):
		status = http.StatusRequestEntityTooLarge
		message = errorBody{Error: fmt.Sprintf("The request body is larger than the limit of %d bytes.", tooBig.Limit)}
	case errors.Is(err, store.ErrClosed):
		status = http.StatusServiceUnavailable
		message = errorBody{Error: "The service is shutting down; retry shortly."}
	case errors.Is(err, store.ErrUnavailable):
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
		message = errorBody{Error: "The database cannot be written right now (full, read-only or failing); " +
			"nothing was stored. Retry shortly."}
	default:
		status = http.StatusInternalServerError
		message = errorBody{Error: "The server could not complete the request; nothing was stored. " +
			"The server log has the cause."}
	}
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed",
			slog.String(keyRoute, route), slog.Int(keyStatus, status),
			slog.String(keyRequestID, w.Header().Get("X-Request-Id")), slog.Any(keyError, err))
	}
	_ = api.WriteJSON(w, status, message)
}
