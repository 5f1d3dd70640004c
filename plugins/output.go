package plugins

import (
	"bytes"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/agentlens/agentlens-go/store/chain"
)

// Limits on a plugin's output.
const (
	// MaxOutputBytes caps one transform output; a larger one fails the
	// event.
	MaxOutputBytes = 16 << 20
	// MaxFindings caps the findings of one plugin on one event.
	MaxFindings = 1000
	// maxFindingType and maxFindingPath cap a finding's strings.
	maxFindingType = 64
	maxFindingPath = 1024
)

// output is a status-0 transform output (ABI v1).
type output struct {
	Payload  jsontext.Value `json:"payload"`
	Findings []Finding      `json:"findings"`
}

// outputError is refused output: reason is safe to show anywhere, detail
// may quote guest output and is shown only by Test.
type outputError struct {
	reason, detail string
}

func (e *outputError) Error() string { return e.reason }

// parseOutput validates a status-0 output against the input payload in. It
// returns the canonical new payload (in itself when unchanged), whether it
// changed, and the findings (never nil).
func parseOutput(out, in []byte) (payload []byte, changed bool, findings []Finding, err error) {
	var o output
	if err := json.Unmarshal(out, &o, json.RejectUnknownMembers(true)); err != nil {
		return nil, false, nil, &outputError{
			reason: `invalid output: want a JSON object {"payload", "findings"?}`,
			detail: err.Error(),
		}
	}
	if len(o.Payload) == 0 {
		return nil, false, nil, &outputError{reason: "invalid output: no payload"}
	}
	if err := checkFindings(o.Findings); err != nil {
		return nil, false, nil, err
	}
	findings = o.Findings
	if findings == nil {
		findings = []Finding{}
	}
	// The common "nothing found" case echoes the input byte for byte.
	if bytes.Equal(o.Payload, in) {
		return in, false, findings, nil
	}
	canon, err := chain.CanonicalObject(o.Payload, "plugin output payload")
	if err != nil {
		return nil, false, nil, &outputError{
			reason: "invalid output: payload is not a JSON object that can be stored exactly",
			detail: err.Error(),
		}
	}
	if bytes.Equal(canon, in) {
		return in, false, findings, nil
	}
	return canon, true, findings, nil
}

func checkFindings(fs []Finding) error {
	if len(fs) > MaxFindings {
		return &outputError{reason: fmt.Sprintf("invalid output: more than %d findings", MaxFindings)}
	}
	for i, f := range fs {
		var problem string
		switch {
		case f.Type == "" || len(f.Type) > maxFindingType:
			problem = fmt.Sprintf("type must be 1-%d bytes", maxFindingType)
		case len(f.Path) > maxFindingPath:
			problem = fmt.Sprintf("path must be at most %d bytes", maxFindingPath)
		case f.Count < 1:
			problem = "count must be at least 1"
		default:
			continue
		}
		return &outputError{reason: fmt.Sprintf("invalid output: finding %d: %s", i, problem)}
	}
	return nil
}
