// Package sdk is the guest side of AgentLens plugins for Go authors: it
// provides the ABI v1 exports (alloc, init, transform) and turns each call
// into a plain Go function call on decoded values.
//
// A plugin is a main package that registers its functions from init and has
// an empty main:
//
//	package main
//
//	import "github.com/agentlens/agentlens-go/plugins/sdk"
//
//	func init() {
//		sdk.Register(func(ev sdk.Event) (sdk.Result, error) {
//			if _, ok := ev.Payload["password"]; ok {
//				ev.Payload["password"] = "[REDACTED]"
//				return sdk.Result{
//					Payload:  ev.Payload,
//					Findings: []sdk.Finding{{Type: "password", Path: "$.password", Count: 1}},
//				}, nil
//			}
//			return sdk.Result{}, nil // unchanged
//		})
//	}
//
//	func main() {}
//
// built as a WebAssembly reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o myplugin.wasm .
//
// The exports are compiled only for GOOS=wasip1 (exports_wasip1.go); on
// other platforms the package still builds, and [Handle] runs a plugin's
// function on the exact ABI input and output, for native tests.
//
// [RegisterRaw] is the fast path: the function gets the payload as
// canonical JSON text and returns the new payload as JSON text, and nothing
// is decoded. Use it when speed matters; see Design notes.
//
// # Design notes
//
// Under wazero with WithCloseOnContextDone, every loop iteration of a guest,
// and in Go-built WebAssembly every taken jump between basic blocks, calls
// out to the host to check the deadline, at tens of nanoseconds each. A
// general JSON decoder spends hundreds of microseconds on a 1 KB payload that
// way. So the SDK reads the host's input by its fixed canonical layout
// (finding the payload's end from the back, without walking it), decodes
// payloads for [Register] with a small decoder for canonical JSON, and
// encodes results itself, falling back to github.com/go-json-experiment/json
// only for types it does not know.
//
// The buffer alloc returns and the output of the last call stay referenced
// from package variables until the next call, so the Go garbage collector
// cannot free them while the host reads or writes them; both are reused.
// transform and init accept only the pointer alloc returned, so the guest
// never dereferences an address the host made up. A panic in the plugin's
// function becomes status 2 with a fixed message; the panic value and stack
// go to stderr, which the host discards unless the plugin's debug output is
// on, because they may contain event data.
package sdk
