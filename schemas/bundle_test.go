package schemas

import (
	"strings"
	"testing"
)

func TestValidateBundle(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatal(err)
	}
	hash := strings.Repeat("ab", 32)
	sig := "ed25519:0123456789abcdef:" + strings.Repeat("A", 86) + "=="
	event := `{"id":"01J","timestamp":"2026-02-08T10:00:00.000Z","receivedAt":"2026-02-08T10:00:00.120Z",
		"keyId":"anonymous","sessionId":"s","agentId":"a","eventType":"custom","severity":"info","seq":0,
		"payload":{},"metadata":{},"prevHash":null,"hash":"` + hash + `"}`
	valid := `{"format":"agentlens-bundle","version":1,"exportedAt":"2026-02-08T10:00:01.000Z",
		"sessionId":"s","keyId":"0123456789abcdef","heads":[{"sessionId":"s","count":1,"lastHash":"` + hash + `"}],
		"events":[` + event + `],"signature":"` + sig + `"}`

	if err := v.ValidateBundle([]byte(valid)); err != nil {
		t.Errorf("ValidateBundle(valid) = %v, want nil", err)
	}
	for name, doc := range map[string]string{
		"other format":   strings.Replace(valid, `"agentlens-bundle"`, `"other"`, 1),
		"no signature":   strings.Replace(valid, `,"signature":"`+sig+`"`, "", 1),
		"bad hash":       strings.Replace(valid, `"lastHash":"`+hash, `"lastHash":"XYZ`, 1),
		"bad time":       strings.Replace(valid, `"2026-02-08T10:00:01.000Z"`, `"yesterday"`, 1),
		"event sans seq": strings.Replace(valid, `"seq":0,`, "", 1),
		"not json":       "{",
	} {
		if err := v.ValidateBundle([]byte(doc)); err == nil {
			t.Errorf("ValidateBundle(%s) = nil, want an error", name)
		}
	}
}
