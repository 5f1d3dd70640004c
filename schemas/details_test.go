package schemas

import (
	"bytes"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// jsonschemaDoc decodes JSON text the way the validator does.
func jsonschemaDoc(text []byte) (any, error) {
	return jsonschema.UnmarshalJSON(bytes.NewReader(text))
}

func TestPath(t *testing.T) {
	doc, err := jsonschemaDoc([]byte(`{"payload":{"tags":["a",1],"0":{"a b":[[true]]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		loc  []string
		want string
	}{
		{nil, "events[2]"},
		{[]string{"payload"}, "events[2].payload"},
		{[]string{"payload", "tags", "1"}, "events[2].payload.tags[1]"},
		{[]string{"payload", "0", "a b", "0", "0"}, `events[2].payload["0"]["a b"][0][0]`},
		{[]string{"payload", "missing", "x"}, "events[2].payload.missing.x"},
	}
	for _, tc := range tests {
		if got := path("events[2]", doc, tc.loc); got != tc.want {
			t.Errorf("path(%q) = %q, want %q", tc.loc, got, tc.want)
		}
	}
}

func TestIsIdentifier(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"toolName", true},
		{"_x1", true},
		{"$ref", true},
		{"", false},
		{"1a", false},
		{"a-b", false},
		{"é", false},
	}
	for _, tc := range tests {
		if got := isIdentifier(tc.in); got != tc.want {
			t.Errorf("isIdentifier(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
