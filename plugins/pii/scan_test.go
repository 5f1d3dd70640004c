package pii

import (
	"reflect"
	"testing"
)

// scanAll is the reference the filtered scan must agree with: it offers
// every position that may start a detector (every word start and every '@',
// '-', ':', '+' and '(') to the detectors, with no filtering.
func scanAll(r *Redactor, s string) []span {
	sc := scanner{on: &r.on, s: s}
	next := 0
	for p := 0; p < len(s); p++ {
		c := s[p]
		wordStart := isWord(c) && (p == 0 || !isWord(s[p-1]))
		if p < next || !(wordStart || c == '@' || c == '-' || c == ':' || c == '+' || c == '(') {
			continue
		}
		if n := sc.at(p); n > p {
			next = n
		}
	}
	return sc.spans
}

func scanFiltered(r *Redactor, s string) []span {
	sc := scanner{on: &r.on, s: s}
	sc.run()
	return sc.spans
}

func FuzzScanner_filters(f *testing.F) {
	for _, s := range []string{
		"a@b.io", "+1 555 123 4567", "4111 1111 1111 1111", "::1", jwtSample, pemSample,
		"(555) 123-4567", "tel 1 (800) 555-0199", "10.0.0.1:80", "2026-02-08T10:00:00.000Z 123-45-6789",
		"x 2001:db8::1 y", "ORD-2024-000123 4111-1111-1111-1111", "01.23.45.67.89", "Bearer abc123def456ghi789",
	} {
		f.Add(s)
	}
	r := mustNew(f, Config{})
	f.Fuzz(func(t *testing.T, s string) {
		got, want := scanFiltered(r, s), scanAll(r, s)
		if len(got) != 0 || len(want) != 0 {
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("scan(%q) = %v, want %v (unfiltered)", s, got, want)
			}
		}
	})
}
