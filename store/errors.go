package store

import (
	"encoding/base64"
	"errors"
	"strings"
	"unicode/utf8"
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

// bindable reports whether go-libsql can bind s as it is: it passes text
// through C strings, which end at a NUL, and refuses invalid UTF-8. A
// lookup by an unbindable value matches nothing, instead of matching what
// precedes the NUL.
func bindable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func decodeB64(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
