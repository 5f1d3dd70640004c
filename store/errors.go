package store

import (
	"errors"
	"strings"
)

// scrub removes bound values from a go-libsql error. Its bind failures quote
// the value ("failed to bind argument no. 10 with value {...}"), which for
// an event is its payload, and errors end up in logs.
func scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	start := strings.Index(msg, " with value ")
	if start < 0 {
		return err
	}
	rest := ""
	if end := strings.LastIndex(msg, "\nerror code = "); end > start {
		rest = msg[end:]
	}
	return errors.New(msg[:start] + " (value withheld)" + rest)
}
