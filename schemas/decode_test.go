package schemas

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecoderAgreesWithUnmarshalJSON checks decodeEvent against the
// decoder the schema library offers, jsonschema.UnmarshalJSON, and the
// payload and metadata text it finds against encoding/json's.
func FuzzDecoderAgreesWithUnmarshalJSON(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0.0e+10`, `1E400`, `"x"`, ` { } `,
		`{"a":[1,"2",{"b":null}],"c":{},"d":[],"e":true,"f":false}`,
		`{"payload":{"x":1},"metadata":{"y":[2]},"Payload":1,"METADATA":2}`,
		`{"payload":1,"payload":{"last":true},"pay\u006coad":{"escaped":"wins"}}`,
		`{ "payload" : [ 1 , 2 ] , "metadata" : "m" }`,
		`{"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\ud800","k\"ey":"v"}`,
		"{\"s\":\"\xff\xfe\",\"\xc3\":\"\xed\xa0\x80\"}",
		`{"a":"\\","b":"\\\"","c":["]","}","\\\\"]}`,
		`{"":{"":[[[]]]},"n":[1.5e-7,-3,10000000000000000000001]}`,
		"{\"a\"\t:\r\n1\n,\"b\":2}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		if !json.Valid(text) {
			decodeEvent(text) // must not panic, though its result means nothing
			return
		}
		want, err := jsonschemaDoc(text)
		if err != nil {
			t.Fatalf("UnmarshalJSON(%q) error = %v", text, err)
		}
		trimmed := text[skipSpace(text, 0):skipValue(text, skipSpace(text, 0))]
		got, payload, metadata := decodeEvent(trimmed)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeEvent(%q) = %#v, want %#v", text, got, want)
		}

		var members map[string]json.RawMessage
		if json.Unmarshal(text, &members) != nil {
			members = nil // not an object
		}
		wantPayload, wantMetadata := members["payload"], members["metadata"]
		if string(payload) != string(wantPayload) || (payload == nil) != (wantPayload == nil) {
			t.Fatalf("decodeEvent(%q) payload = %q, want %q", text, payload, wantPayload)
		}
		if string(metadata) != string(wantMetadata) || (metadata == nil) != (wantMetadata == nil) {
			t.Fatalf("decodeEvent(%q) metadata = %q, want %q", text, metadata, wantMetadata)
		}
	})
}
