package sdk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

const testInput = `{"agentId":"a1","eventType":"custom","metadata":{"env":"dev"},` +
	`"payload":{"n":1,"secret":"hunter2","text":"hi"},"sessionId":"s1"}`

// register sets fn for one test and restores the previous functions.
func register(t *testing.T, fn Func) {
	t.Helper()
	prev, prevInit, prevErr := transformFn, initFn, stderr
	t.Cleanup(func() { transformFn, initFn, stderr = prev, prevInit, prevErr })
	Register(fn)
	stderr = io.Discard
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		fn         Func
		wantStatus uint32
		wantOut    string
	}{
		{
			name:       "unchanged echoes the raw payload",
			fn:         func(Event) (Result, error) { return Result{}, nil },
			wantStatus: StatusOK,
			wantOut:    `{"payload":{"n":1,"secret":"hunter2","text":"hi"}}`,
		},
		{
			name: "changed with findings",
			fn: func(ev Event) (Result, error) {
				ev.Payload["secret"] = "[REDACTED]"
				return Result{Payload: ev.Payload, Findings: []Finding{{Type: "password", Path: "$.secret", Count: 1}}}, nil
			},
			wantStatus: StatusOK,
			wantOut: `{"payload":{"n":1,"secret":"[REDACTED]","text":"hi"},` +
				`"findings":[{"type":"password","path":"$.secret","count":1}]}`,
		},
		{
			name:       "reject",
			fn:         func(Event) (Result, error) { return Result{Reject: "not today"}, nil },
			wantStatus: StatusReject,
			wantOut:    "not today",
		},
		{
			name:       "error",
			fn:         func(Event) (Result, error) { return Result{}, errors.New("boom") },
			wantStatus: StatusError,
			wantOut:    "boom",
		},
		{
			name:       "panic hides its value",
			fn:         func(Event) (Result, error) { panic("hunter2") },
			wantStatus: StatusError,
			wantOut:    "panic in transform",
		},
		{
			name: "sees every field",
			fn: func(ev Event) (Result, error) {
				return Result{Reject: fmt.Sprintf("%s %s %s %v %v %s",
					ev.EventType, ev.SessionID, ev.AgentID, ev.Payload["n"], ev.Metadata["env"], ev.Raw)}, nil
			},
			wantStatus: StatusReject,
			wantOut:    `custom s1 a1 1 dev {"n":1,"secret":"hunter2","text":"hi"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			register(t, tt.fn)
			status, out := Handle([]byte(testInput))
			if status != tt.wantStatus || string(out) != tt.wantOut {
				t.Errorf("Handle() = %d, %s; want %d, %s", status, out, tt.wantStatus, tt.wantOut)
			}
		})
	}
}

func TestHandle_badInput(t *testing.T) {
	register(t, func(Event) (Result, error) { return Result{}, nil })
	for _, in := range []string{``, `{`, `[]`, `{"payload":[1]}`} {
		if status, _ := Handle([]byte(in)); status != StatusError {
			t.Errorf("Handle(%q) status = %d, want %d", in, status, StatusError)
		}
	}
}

func TestHandle_noFunction(t *testing.T) {
	register(t, nil)
	if status, out := Handle([]byte(testInput)); status != StatusError {
		t.Errorf("Handle() = %d, %s; want status %d", status, out, StatusError)
	}
}

func TestHandle_longMessage(t *testing.T) {
	register(t, func(Event) (Result, error) { return Result{Reject: strings.Repeat("x", 5000)}, nil })
	if _, out := Handle([]byte(testInput)); len(out) != maxMessage {
		t.Errorf("len(reason) = %d, want %d", len(out), maxMessage)
	}
}

func TestInit(t *testing.T) {
	register(t, nil)
	var errOut bytes.Buffer
	stderr = &errOut
	if got := Init([]byte("{}")); got != 0 {
		t.Errorf("Init() with no function = %d, want 0", got)
	}
	var seen string
	RegisterInit(func(cfg []byte) error { seen = string(cfg); return nil })
	if got := Init([]byte(`{"a":1}`)); got != 0 || seen != `{"a":1}` {
		t.Errorf("Init() = %d with config %q, want 0 with {\"a\":1}", got, seen)
	}
	RegisterInit(func([]byte) error { return errors.New("bad option") })
	if got := Init([]byte("{}")); got != 1 || !strings.Contains(errOut.String(), "bad option") {
		t.Errorf("Init() = %d, stderr %q; want 1 and the error on stderr", got, errOut.String())
	}
}
