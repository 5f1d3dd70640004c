package schemas

import (
	"slices"
	"strings"
	"testing"
)

// testPayloads returns payloads of every documented type, complete,
// with only the required fields and without each required field, and a few
// that no type accepts.
func testPayloads() []string {
	payloads := []string{`{}`, `[]`, `null`, `"x"`, `{"a":{"b":[1,null]}}`}
	for _, tc := range documented {
		payloads = append(payloads, payloadOf(tc.fields, "", false), payloadOf(tc.fields, "", true))
		for _, f := range tc.fields {
			payloads = append(payloads, payloadOf(tc.fields, f.name, false))
			// Each field once with a value of the wrong type.
			wrong := slices.Clone(tc.fields)
			for i := range wrong {
				if wrong[i].name == f.name {
					wrong[i].value = `true`
				}
			}
			payloads = append(payloads, payloadOf(wrong, "", false))
		}
	}
	return payloads
}

func TestNarrowed_EveryType(t *testing.T) {
	v := newValidator(t)
	if len(v.byType) != len(eventTypes) {
		t.Errorf("New() narrowed event.json to %d types, want %d", len(v.byType), len(eventTypes))
	}
	doc, err := readSchema("event.json")
	if err != nil {
		t.Fatal(err)
	}
	root := doc.(map[string]any)
	for _, typ := range eventTypes {
		if v.byType[typ] == nil {
			t.Errorf("New() did not narrow event.json to %s", typ)
		}
		// Only the entry naming the type is left; the newer types have
		// none.
		narrowed, kept, ok := narrow(root, typ, "x")
		want := 1
		if slices.Contains(newerTypes, typ) {
			want = 0
		}
		if !ok || kept != want {
			t.Errorf("narrow(event.json, %s) kept %d allOf entries (ok %t), want %d", typ, kept, ok, want)
		}
		if all, _ := narrowed["allOf"].([]any); len(all) != kept {
			t.Errorf("narrow(event.json, %s) allOf = %v, want %d entries", typ, narrowed["allOf"], kept)
		}
		if _, ok := narrowed["$defs"]; ok || narrowed["$id"] != "x" {
			t.Errorf("narrow(event.json, %s) = $defs %v, $id %v; want none, x",
				typ, narrowed["$defs"], narrowed["$id"])
		}
	}
}

// TestNarrowed_AgreesWithWhole checks every type's narrowed schema against
// the whole of event.json on the payloads of every type.
func TestNarrowed_AgreesWithWhole(t *testing.T) {
	v := newValidator(t)
	for _, typ := range eventTypes {
		accepted := 0
		for _, payload := range testPayloads() {
			doc, err := jsonschemaDoc([]byte(eventOf(typ, payload)))
			if err != nil {
				t.Fatal(err)
			}
			narrowed := v.byType[typ].Validate(doc)
			whole := v.event.Validate(doc)
			if (narrowed == nil) != (whole == nil) {
				t.Errorf("%s %s: event.json narrowed says %v, the whole of it %v",
					typ, payload, narrowed, whole)
			}
			if whole == nil {
				accepted++
			}
		}
		if accepted == 0 {
			t.Errorf("%s: no test payload is accepted", typ)
		}
	}
}

func TestHoldsFor(t *testing.T) {
	const then = `"then":{"properties":{"payload":{"required":["x"]}}}`
	cond := func(rule string) string {
		return `"if":{"required":["eventType"],"properties":{"eventType":` + rule + `}}`
	}
	tests := []struct {
		name  string
		entry string
		want  bool
	}{
		{"other const", `{` + cond(`{"const":"b"}`) + `,` + then + `}`, true},
		{"same const", `{` + cond(`{"const":"a"}`) + `,` + then + `}`, false},
		{"number const", `{` + cond(`{"const":1}`) + `,` + then + `}`, true},
		{"enum without", `{` + cond(`{"enum":["b","c"]}`) + `,` + then + `}`, true},
		{"enum with", `{` + cond(`{"enum":["b","a"]}`) + `,` + then + `}`, false},
		{"comment", `{` + cond(`{"const":"b"}`) + `,` + then + `,"$comment":"c"}`, true},
		{"else", `{` + cond(`{"const":"b"}`) + `,` + then + `,"else":false}`, false},
		{"sibling rule", `{` + cond(`{"const":"b"}`) + `,` + then + `,"required":["x"]}`, false},
		{"type rule", `{` + cond(`{"type":"number"}`) + `,` + then + `}`, false},
		{"other member", `{"if":{"properties":{"severity":{"const":"b"}}},` + then + `}`, false},
		{"no if", `{` + then + `}`, false},
		{"boolean if", `{"if":false,` + then + `}`, false},
		{"boolean entry", `true`, false},
		{"plain rule", `{"required":["eventType"]}`, false},
	}
	for _, tc := range tests {
		entry, err := jsonschemaDoc([]byte(tc.entry))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := holdsFor(entry, "a"); got != tc.want {
			t.Errorf("holdsFor(%s, a) = %t, want %t", tc.entry, got, tc.want)
		}
	}
}

func TestRelocate(t *testing.T) {
	doc, err := jsonschemaDoc([]byte(`{"properties":{"a":{"$ref":"#/$defs/a"},"b":{"$ref":"other.json#/x"},
		"c":{"items":[{"$ref":"#x"}]},"$ref":{"const":{"$ref":"#/data"}}},"enum":[{"$ref":"#/data"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := relocate(doc, "event.json")
	if !ok {
		t.Fatalf("relocate() ok = false, want true")
	}
	want, _ := jsonschemaDoc([]byte(`{"properties":{"a":{"$ref":"event.json#/$defs/a"},"b":{"$ref":"other.json#/x"},
		"c":{"items":[{"$ref":"event.json#x"}]},"$ref":{"const":{"$ref":"#/data"}}},"enum":[{"$ref":"#/data"}]}`))
	if !equalJSON(got, want) {
		t.Errorf("relocate() = %v, want %v", got, want)
	}
	for _, kw := range []string{"$id", "$dynamicRef", "$dynamicAnchor"} {
		doc, _ := jsonschemaDoc([]byte(`{"properties":{"a":{"` + kw + `":"x"}}}`))
		if _, ok := relocate(doc, "event.json"); ok {
			t.Errorf("relocate(schema with %s) ok = true, want false", kw)
		}
	}
}

// equalJSON reports whether two decoded documents are equal.
func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		m, ok := b.(map[string]any)
		if !ok || len(m) != len(a) {
			return false
		}
		for k, v := range a {
			if w, ok := m[k]; !ok || !equalJSON(v, w) {
				return false
			}
		}
		return true
	case []any:
		s, ok := b.([]any)
		return ok && slices.EqualFunc(a, s, equalJSON)
	default:
		return a == b
	}
}

// TestNarrowed_Fallback checks that without narrowed schemas, as when
// event.json uses keywords narrow does not handle, events are still
// checked, against the whole schema.
func TestNarrowed_Fallback(t *testing.T) {
	v := newValidator(t)
	slow := *v
	slow.byType = nil
	body := batchOf(
		eventOf("tool_call", `{"toolName":"t","callId":"c","arguments":{}}`),
		eventOf("custom", `{}`),
	)
	events, err := slow.DecodeBatch(body, 0)
	wantEvents, wantErr := referenceDecodeBatch(v, body, 0)
	if diff := sameResult(events, err, wantEvents, wantErr); diff != "" || err == nil {
		t.Errorf("DecodeBatch without narrowed schemas: %s, error %v", diff, err)
	}
	if !strings.Contains(err.Error(), `missing required field "type"`) {
		t.Errorf("DecodeBatch without narrowed schemas error = %v, want the missing type", err)
	}
}
