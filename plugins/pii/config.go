package pii

import (
	"bytes"
	"fmt"

	"github.com/go-json-experiment/json"
)

// Type is a kind of personal data or secret the [Redactor] recognizes.
type Type uint8

// The detected types, in the order findings for one string are reported.
const (
	Email Type = iota
	Phone
	Card
	IP
	Secret
	JWT
	SSN
	numTypes
)

var typeNames = [numTypes]string{"email", "phone", "card", "ip", "secret", "jwt", "ssn"}

// String returns the type's name as used in configs, findings and the
// "[REDACTED:<type>]" marker.
func (t Type) String() string {
	if t < numTypes {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// marker returns the text that replaces an item of type t.
func (t Type) marker() string { return markers[t] }

var markers = func() (m [numTypes]string) {
	for t := range numTypes {
		m[t] = "[REDACTED:" + typeNames[t] + "]"
	}
	return m
}()

// Config selects the detectors. The zero value enables every type.
//
// In JSON (the plugin's config table, handed to init):
//
//	{"types": {"phone": false, "ip": false}}
//
// switches phone numbers and IP addresses off and keeps everything else on.
type Config struct {
	// Types switches types on (true) or off (false) by name: email, phone,
	// card, ip, secret, jwt, ssn. A type not listed stays on.
	Types map[string]bool `json:"types,omitempty"`
}

// ParseConfig reads a Config from JSON. Empty input and "{}" give the zero
// Config. Unknown members and unknown type names are errors, so a typo
// cannot silently leave a type on or off.
func ParseConfig(raw []byte) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(raw)) == 0 {
		return cfg, nil
	}
	if err := json.Unmarshal(raw, &cfg, json.RejectUnknownMembers(true)); err != nil {
		return Config{}, fmt.Errorf("parse pii config: %w", err)
	}
	if _, err := cfg.enabled(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// enabled resolves Types into one switch per type.
func (c Config) enabled() ([numTypes]bool, error) {
	var on [numTypes]bool
	for t := range on {
		on[t] = true
	}
	for name, v := range c.Types {
		t, ok := typeByName(name)
		if !ok {
			return on, fmt.Errorf(
				"pii config: unknown type %q (known: email, phone, card, ip, secret, jwt, ssn)", name)
		}
		on[t] = v
	}
	return on, nil
}

func typeByName(name string) (Type, bool) {
	for t, n := range typeNames {
		if n == name {
			return Type(t), true
		}
	}
	return 0, false
}
