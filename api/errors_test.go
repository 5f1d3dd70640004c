package api

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestReadBody_Causes(t *testing.T) {
	cut := httptest.NewRequest(http.MethodPost, "/", io.MultiReader(strings.NewReader("{"), errReader{}))
	var ae *Error
	if _, err := ReadBody(cut); !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
		t.Errorf("ReadBody(cut short) = %v, want a 400 *Error", err)
	}

	big := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(strings.Repeat("x", 100)))
	big.Body = http.MaxBytesReader(httptest.NewRecorder(), big.Body, 10)
	var tooBig *http.MaxBytesError
	if _, err := ReadBody(big); !errors.As(err, &tooBig) {
		t.Errorf("ReadBody(over the limit) = %v, want *http.MaxBytesError", err)
	}

	ok := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	if b, err := ReadBody(ok); err != nil || string(b) != "{}" {
		t.Errorf("ReadBody({}) = %q, %v", b, err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
