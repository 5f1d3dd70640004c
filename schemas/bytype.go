package schemas

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// event.json checks payloads with one allOf entry per event type, each
// {"if": <eventType is X>, "then": <X's payload rule>}. Evaluating all of
// them for every event costs most of the validation time, though for an
// event whose eventType is known at most one can apply. So New also
// compiles, for each type the eventType enum lists, event.json narrowed to
// that type: the same document, with the allOf entries left out that hold
// for every event of that type because their if can only fail. For an
// event with that eventType, the narrowed schema accepts exactly what the
// whole one does; it is derived from event.json when the package starts,
// so the two cannot drift. Other events use the whole schema.

// compileNarrowed compiles event.json narrowed to each event type its
// eventType enum lists, keyed by type. Without narrowed schemas every event
// is checked against the whole of event.json: the result is the same, only
// slower.
func compileNarrowed(c *jsonschema.Compiler) (map[string]*jsonschema.Schema, error) {
	doc, err := readSchema("event.json")
	if err != nil {
		return nil, err
	}
	root, _ := doc.(map[string]any)
	byType := make(map[string]*jsonschema.Schema)
	for _, typ := range enumTypes(root) {
		id := narrowedID(typ)
		narrowed, _, ok := narrow(root, typ, id)
		if !ok {
			return nil, nil
		}
		if err := c.AddResource(id, narrowed); err != nil {
			return nil, fmt.Errorf("add schema event.json narrowed to %s: %w", typ, err)
		}
		if byType[typ], err = c.Compile(id); err != nil {
			return nil, fmt.Errorf("compile schema event.json narrowed to %s: %w", typ, err)
		}
	}
	return byType, nil
}

// narrowedID names the schema narrowed to eventType typ. It sits beside
// event.json, so relative references resolve as they do there.
func narrowedID(typ string) string {
	return baseURL + "event.json-" + url.PathEscape(typ)
}

// enumTypes returns the strings the eventType property's enum of the event
// schema document root lists.
func enumTypes(root map[string]any) []string {
	props, _ := root["properties"].(map[string]any)
	rule, _ := props["eventType"].(map[string]any)
	values, _ := rule["enum"].([]any)
	var types []string
	for _, v := range values {
		if s, ok := v.(string); ok {
			types = append(types, s)
		}
	}
	return types
}

// narrow returns event.json's document root narrowed to events whose
// eventType is typ, as a new document with the $id id beside event.json:
// root's keywords, except that allOf leaves out the entries that
// [holdsFor] typ and $defs is left behind, its references now pointing
// into event.json. It reports how many allOf entries it kept, and false
// when root uses keywords that change how references resolve, which
// narrow does not handle. root is not modified.
func narrow(root map[string]any, typ, id string) (map[string]any, int, bool) {
	out := make(map[string]any, len(root))
	kept := 0
	for k, value := range root {
		switch k {
		case "$id":
		case "$defs":
			// Only references use it; they now reach event.json's.
		case "allOf":
			all, ok := value.([]any)
			if !ok {
				out[k] = value
				continue
			}
			var entries []any
			for _, entry := range all {
				if !holdsFor(entry, typ) {
					entries = append(entries, entry)
				}
			}
			kept = len(entries)
			if kept > 0 {
				// allOf must not be empty.
				out[k] = entries
			}
		default:
			out[k] = value
		}
	}
	moved, ok := relocate(out, "event.json")
	if !ok {
		return nil, 0, false
	}
	doc := moved.(map[string]any)
	doc["$id"] = id
	return doc, kept, true
}

// relocate returns a deep copy of the schema value v in which every
// reference within v's document ("#...") names that document, file, instead.
// It reports false when v sets a base URI or uses dynamic references, as
// then where a reference leads depends on more than its text. Values of
// keywords that hold data rather than schemas are copied as they are.
func relocate(v any, file string) (any, bool) {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, value := range v {
			switch k {
			case "$id", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$recursiveAnchor":
				return nil, false
			case "$ref":
				if ref, ok := value.(string); ok && strings.HasPrefix(ref, "#") {
					out[k] = file + ref
					continue
				}
			case "const", "enum", "default", "examples":
				out[k] = value
				continue
			}
			moved, ok := relocate(value, file)
			if !ok {
				return nil, false
			}
			out[k] = moved
		}
		return out, true
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			moved, ok := relocate(item, file)
			if !ok {
				return nil, false
			}
			out[i] = moved
		}
		return out, true
	default:
		return v, true
	}
}

// holdsFor reports whether the allOf entry holds for every object whose
// eventType member is the string typ. It does when the entry is
// {"if": cond, "then": ...} without else, and cond's properties rule for
// eventType is a const or an enum that typ is not: cond then fails, as
// every keyword of a schema must hold, and an if that fails without an else
// holds. Any other entry may not hold, and is kept.
func holdsFor(entry any, typ string) bool {
	e, ok := entry.(map[string]any)
	if !ok {
		return false
	}
	for k := range e {
		if k != "if" && k != "then" && k != "$comment" {
			return false
		}
	}
	cond, _ := e["if"].(map[string]any)
	props, _ := cond["properties"].(map[string]any)
	rule, _ := props["eventType"].(map[string]any)
	if c, ok := rule["const"]; ok {
		s, isString := c.(string)
		return !isString || s != typ
	}
	if values, ok := rule["enum"].([]any); ok {
		for _, v := range values {
			if s, isString := v.(string); isString && s == typ {
				return false
			}
		}
		return true
	}
	return false
}
