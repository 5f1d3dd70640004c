package pii

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/agentlens/agentlens-go/store/chain"
)

var jsonCases = []string{
	`{}`,
	`[]`,
	`"a@b.io"`,
	`{"a":"nothing"}`,
	`{"messages":[{"content":"hi","role":"user"},{"content":"mail a@b.io, +1 555 123 4567","role":"user"}],"model":"m"}`,
	`{"a@b.io":"keys stay","n":5551234567,"t":true,"z":null}`,
	`{"esc":"line\nbreak a@b.io \"quoted\" \\ tab\t10.0.0.1"}`,
	`{"odd key":{"q\"k":["x","4111 1111 1111 1111"]}}`,
	`{"deep":[[[["123-45-6789"]]]],"e":""}`,
	`{"u":"\u0001 a@b.io é ✓ 日本 2001:db8::1"}`,
	`{"long":"` + jwtSample + ` and ` + pemSampleJSON + `"}`,
}

// pemSampleJSON is pemSample as a JSON string body.
var pemSampleJSON = func() string {
	b, _ := json.Marshal(pemSample)
	return string(b[1 : len(b)-1])
}()

// viaValue redacts canonical text the slow way: decode, Value, canonicalize.
func viaValue(t testing.TB, r *Redactor, src []byte) ([]byte, []Finding) {
	t.Helper()
	var v any
	if err := json.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	v, findings := r.Value(v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	canon, err := chain.Canonicalize(b)
	if err != nil {
		t.Fatal(err)
	}
	return canon, findings
}

func TestRedactor_RedactJSON(t *testing.T) {
	r := mustNew(t, Config{})
	for _, in := range jsonCases {
		src, err := chain.Canonicalize([]byte(in))
		if err != nil {
			t.Fatalf("Canonicalize(%s) = %v", in, err)
		}
		checkRedactJSON(t, r, src)
	}
}

func checkRedactJSON(t *testing.T, r *Redactor, src []byte) {
	t.Helper()
	prefix := []byte("prefix:")
	out, findings, changed, err := r.RedactJSON(prefix, src)
	if err != nil {
		t.Fatalf("RedactJSON(%s) = %v", src, err)
	}
	want, wantFindings := viaValue(t, r, src)
	got := src
	if changed {
		if string(out[:len(prefix)]) != "prefix:" {
			t.Fatalf("RedactJSON(%s) lost the dst prefix: %s", src, out)
		}
		got = out[len(prefix):]
	} else if len(out) != len(prefix) {
		t.Errorf("RedactJSON(%s) unchanged but appended %q", src, out[len(prefix):])
	}
	if string(got) != string(want) {
		t.Errorf("RedactJSON(%s) = %s, want %s", src, got, want)
	}
	if changed != (len(wantFindings) > 0) || !reflect.DeepEqual(findings, wantFindings) {
		t.Errorf("RedactJSON(%s) findings = %+v (changed %v), want %+v", src, findings, changed, wantFindings)
	}
}

func TestRedactor_RedactJSON_invalid(t *testing.T) {
	r := mustNew(t, Config{})
	for _, in := range []string{`{"a":"x`, `{"a":"\q a@b.io"}`, `{"a"]]]]:"a@b.io"}`} {
		if _, _, _, err := r.RedactJSON(nil, []byte(in)); err == nil {
			t.Errorf("RedactJSON(%s) = nil error, want one", in)
		}
	}
}

func FuzzRedactor_RedactJSON(f *testing.F) {
	for _, in := range jsonCases {
		f.Add(in)
	}
	r := mustNew(f, Config{})
	f.Fuzz(func(t *testing.T, in string) {
		src, err := chain.Canonicalize([]byte(in))
		if err != nil {
			return
		}
		checkRedactJSON(t, r, src)
	})
}
