package schemas

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// problem is one thing wrong with an event: where (the JSON Pointer tokens
// of the value, from the event) and what, as a short phrase.
type problem struct {
	loc []string
	msg string
}

// leaves appends the problems in the leaves of a validation error tree. The
// inner nodes (allOf, $ref, groups) only say that something below failed;
// the leaves carry the failed keyword and the value's location.
func leaves(e *jsonschema.ValidationError, probs []problem) []problem {
	if len(e.Causes) > 0 {
		for _, c := range e.Causes {
			probs = leaves(c, probs)
		}
		return probs
	}
	if r, ok := e.ErrorKind.(*kind.Required); ok {
		for _, name := range r.Missing {
			probs = append(probs, problem{
				loc: e.InstanceLocation,
				msg: fmt.Sprintf("missing required field %q", name),
			})
		}
		return probs
	}
	return append(probs, problem{loc: e.InstanceLocation, msg: describe(e)})
}

// describe says in a few words what a leaf error found wrong.
func describe(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		// "a string or null" reads better than the library's sorted order.
		want := make([]string, 0, len(k.Want))
		for _, w := range k.Want {
			if w != "null" {
				want = append(want, withArticle(w))
			}
		}
		if slices.Contains(k.Want, "null") {
			want = append(want, "null")
		}
		return fmt.Sprintf("must be %s, not %s", strings.Join(want, " or "), withArticle(k.Got))
	case *kind.Enum:
		if s, ok := k.Got.(string); ok && len(e.InstanceLocation) == 1 &&
			e.InstanceLocation[0] == "eventType" {
			return fmt.Sprintf("unknown event type %q", s)
		}
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		return "must be one of " + strings.Join(want, ", ")
	case *kind.Const:
		return fmt.Sprintf("must be %v", k.Want)
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d items; got %d", k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d items; got %d", k.Want, k.Got)
	case *kind.FalseSchema:
		return "is not allowed"
	case *kind.InvalidJsonValue:
		return "is not a JSON value"
	default:
		// A keyword these schemas do not use yet: name it rather than
		// pass on the library's long text.
		return fmt.Sprintf("breaks the schema rule %q", strings.Join(e.ErrorKind.KeywordPath(), "/"))
	}
}

// withArticle turns a JSON type name into a phrase: "an object", "a string",
// "null".
func withArticle(typ string) string {
	switch typ {
	case "null":
		return "null"
	case "object", "array", "integer":
		return "an " + typ
	default:
		return "a " + typ
	}
}

// path renders a location inside doc as `events[3].payload.toolName`:
// where, then .name for object members (["name"] when the name is not a
// plain identifier) and [i] for array items. doc tells the two apart, since
// JSON Pointer tokens do not.
func path(where string, doc any, loc []string) string {
	var b strings.Builder
	b.WriteString(where)
	v := doc
	for _, tok := range loc {
		switch c := v.(type) {
		case []any:
			b.WriteString("[" + tok + "]")
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				v = nil
				continue
			}
			v = c[i]
		default:
			if isIdentifier(tok) {
				b.WriteString("." + tok)
			} else {
				b.WriteString("[" + strconv.Quote(tok) + "]")
			}
			m, _ := c.(map[string]any)
			v = m[tok]
		}
	}
	return b.String()
}

// isIdentifier reports whether a member name can be written after a dot.
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r == '_' || r == '$' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z')
		if !letter && (i == 0 || r < '0' || r > '9') {
			return false
		}
	}
	return true
}
