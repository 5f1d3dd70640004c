package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Error is a failure a client can act on. Message is one sentence written
// for a person; it never carries internal error text. Details lists the
// individual problems (one per invalid field, say). EventIndex, Plugin and
// Reason locate and explain the fault in a batch where they apply.
type Error struct {
	Status     int
	Message    string
	Details    []string
	EventIndex *int
	Plugin     string
	Reason     string // a plugin's own words on why it refused an event
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

// BadRequest is a 400 for input the client must fix.
func BadRequest(message string, details ...string) *Error {
	return &Error{Status: http.StatusBadRequest, Message: message, Details: details}
}

// NotFound is a 404 naming what was not found.
func NotFound(message string) *Error {
	return &Error{Status: http.StatusNotFound, Message: message}
}

// Errorf builds an *Error with a formatted message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// ReadBody reads the whole request body. A body over the limit the host
// set is returned as the *http.MaxBytesError (413); a body the client
// stopped sending or cut short is a 400, not a server failure.
func ReadBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil, errors.As(err, &tooBig):
		return body, err
	default:
		return nil, BadRequest("The request body could not be read to its end: the client stopped sending it.")
	}
}
