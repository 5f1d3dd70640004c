//go:build wasip1

// Command guest is the built-in pii plugin as a WebAssembly reactor: the
// detectors of package pii behind the plugins/sdk exports.
//
// Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o bin/plugins/pii.wasm ./plugins/pii/guest
//
// Its config is pii's: {"types": {"phone": false}} switches a type off.
package main

import (
	"github.com/agentlens/agentlens-go/plugins/pii"
	"github.com/agentlens/agentlens-go/plugins/sdk"
)

// redactor is set by init before the first event; out is reused across
// calls (the SDK copies the payload it is given).
var (
	redactor *pii.Redactor
	out      []byte
	findings []sdk.Finding
)

func init() {
	sdk.RegisterInit(configure)
	sdk.RegisterRaw(transform)
}

func configure(config []byte) error {
	cfg, err := pii.ParseConfig(config)
	if err != nil {
		return err
	}
	redactor, err = pii.New(cfg)
	return err
}

// transform works on the payload text directly: decoding it into maps
// would cost more than the detection itself.
func transform(ev sdk.RawEvent) (sdk.RawResult, error) {
	var found []pii.Finding
	var changed bool
	var err error
	out, found, changed, err = redactor.RedactJSON(out[:0], ev.Payload)
	if err != nil || !changed {
		return sdk.RawResult{}, err
	}
	findings = findings[:0]
	for _, f := range found {
		findings = append(findings, sdk.Finding{Type: f.Type, Path: f.Path, Count: f.Count})
	}
	return sdk.RawResult{Payload: out, Findings: findings}, nil
}

func main() {}
