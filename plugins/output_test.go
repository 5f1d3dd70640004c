package plugins

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseOutput(t *testing.T) {
	const in = `{"a":"x","n":1}`
	many := `{"payload":{},"findings":[` + strings.Repeat(`{"type":"t","path":"$","count":1},`, MaxFindings) +
		`{"type":"t","path":"$","count":1}]}`
	tests := []struct {
		name        string
		out         string
		wantPayload string
		wantChanged bool
		wantFinding []Finding
		wantErr     string // substring of the reason; "" for success
	}{
		{"echo", `{"payload":{"a":"x","n":1}}`, in, false, []Finding{}, ""},
		{"reformatted is unchanged", `{ "payload" : { "n" : 1.0, "a" : "x" } }`, in, false, []Finding{}, ""},
		{
			"changed is canonicalized", `{"payload":{"n":1,"a":"\u0059"},"findings":[{"type":"t","path":"$.a","count":2}]}`,
			`{"a":"Y","n":1}`, true,
			[]Finding{{Type: "t", Path: "$.a", Count: 2}},
			"",
		},
		{"findings null", `{"payload":{"a":"z"},"findings":null}`, `{"a":"z"}`, true, []Finding{}, ""},
		{"not JSON", `{"payload":{"a":}`, "", false, nil, "invalid output: want a JSON object"},
		{"trailing bytes", `{"payload":{}}x`, "", false, nil, "invalid output: want a JSON object"},
		{"not an object", `[1]`, "", false, nil, "invalid output: want a JSON object"},
		{"unknown member", `{"payload":{},"extra":1}`, "", false, nil, "invalid output: want a JSON object"},
		{"duplicate member", `{"payload":{},"payload":{}}`, "", false, nil, "invalid output: want a JSON object"},
		{"no payload", `{"findings":[]}`, "", false, nil, "invalid output: no payload"},
		{"payload array", `{"payload":[1]}`, "", false, nil, "payload is not a JSON object"},
		{"payload null", `{"payload":null}`, "", false, nil, "payload is not a JSON object"},
		{"payload duplicate key", `{"payload":{"a":1,"a":2}}`, "", false, nil, "invalid output: want a JSON object"},
		{"payload unsafe integer", `{"payload":{"card":41111111111111111111}}`, "", false, nil, "payload is not a JSON object"},
		{"finding without type", `{"payload":{},"findings":[{"path":"$","count":1}]}`, "", false, nil, "finding 0: type"},
		{"finding count zero", `{"payload":{},"findings":[{"type":"t","path":"$","count":0}]}`, "", false, nil, "count must be at least 1"},
		{"finding count fraction", `{"payload":{},"findings":[{"type":"t","path":"$","count":1.5}]}`, "", false, nil, "invalid output"},
		{"finding unknown member", `{"payload":{},"findings":[{"type":"t","path":"$","count":1,"x":1}]}`, "", false, nil, "invalid output"},
		{
			"finding path too long", `{"payload":{},"findings":[{"type":"t","path":"` + strings.Repeat("p", 1025) + `","count":1}]}`,
			"", false, nil, "path must be at most",
		},
		{"too many findings", many, "", false, nil, "more than 1000 findings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload, changed, findings, err := parseOutput([]byte(tt.out), []byte(in))
			if tt.wantErr != "" {
				var oe *outputError
				if !errors.As(err, &oe) || !strings.Contains(oe.reason, tt.wantErr) {
					t.Fatalf("parseOutput() = %v, want an outputError containing %q", err, tt.wantErr)
				}
				if strings.Contains(oe.reason, "4111") {
					t.Errorf("reason %q quotes guest output", oe.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseOutput() = %v", err)
			}
			if string(payload) != tt.wantPayload || changed != tt.wantChanged || !reflect.DeepEqual(findings, tt.wantFinding) {
				t.Errorf("parseOutput() = %s, %v, %#v; want %s, %v, %#v",
					payload, changed, findings, tt.wantPayload, tt.wantChanged, tt.wantFinding)
			}
		})
	}
}
