// Package pii finds personal data and secrets in text and replaces each item
// with "[REDACTED:<type>]". It is the detector logic of the built-in pii
// plugin; the WebAssembly glue lives in pii/guest, so everything here is
// ordinary Go tested natively.
//
// Types and what each matches:
//
//   - email: local@domain.tld, the domain with an alphabetic top-level label.
//   - phone: +CC international numbers (8-15 digits), and the national forms
//     (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567,
//     1-555-123-4567 and numbers starting with 0 in 2-5 groups
//     (020 7946 0958, 07700 900123).
//   - card: 13-19 digits, in one run or in card-like groups separated by
//     spaces or dashes, passing the Luhn check.
//   - ip: IPv4 dotted quads (octets 0-255, no leading zeros) and IPv6
//     addresses (as accepted by net/netip, with at least one decimal digit).
//   - secret: sk-… and sk_live_/sk_test_… API keys, AKIA/ASIA AWS access key
//     ids, GitHub tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), Slack
//     tokens (xoxa-, xoxb-, xoxp-, xoxr-), AgentLens keys (als_ and 64 hex
//     digits), PEM private key blocks, and the token after "Bearer ".
//   - jwt: three base64url segments joined by dots, the first starting eyJ.
//   - ssn: US social security numbers ddd-dd-dddd, except area 000, 666 and
//     900-999, group 00 and serial 0000.
//
// Every type is on by default; [Config] switches types off, e.g. the plugin
// config {"types": {"phone": false}}.
//
// # Design notes
//
// [Redactor.RedactJSON] works on the canonical JSON text directly: it finds
// strings by looking for quotes eight bytes at a time, tells keys from values
// by the ':' after them, and parses the structure only up to a string with a
// finding, to name its path. [Redactor.Value] does the same on decoded values.
//
// Each string is scanned once, left to right, sixteen bytes per step. For
// every eight bytes a mask of the positions where a detector may start is
// computed with bit arithmetic (SWAR): the first byte of a word when it is a
// digit, or a letter pair that can begin a token prefix (sk, ak, as, al, gh,
// gi, xo, be, ey), every '@', ':', '+' and '(', and dash pairs. The same
// arithmetic drops most of them before any code runs for them: digit runs
// continuing a dashed, dotted or comma'd number (2026-02-08, 1,299.99), one-
// or two-digit runs followed by no separator ("0:", "1,"), and colons in a
// stretch of 32 bytes with fewer than four of them and no "::" (times such as
// 10:00:00). A few more bytes are then looked at (numberMayMatch, candidate)
// before a detector reads a whole token. FuzzScanner_filters checks that this
// finds exactly what offering every position would.
//
// Inside a word nothing starts, so an id such as ORD-2024-000123, a UUID or
// an ISO timestamp never yields a match: their digit runs are glued to
// letters or taken whole as one dashed token that fits no pattern. Number
// tokens are split into candidate windows only at spaces, which lets
// "call 555-123-4567 2 times" match while dotted and dashed runs such as
// version strings (10.0.19045) and dates are judged whole.
//
// The code is shaped by how guests run: under wazero with
// WithCloseOnContextDone, every loop iteration, and in Go-built WebAssembly
// every taken jump between basic blocks, calls out to the host to check the
// deadline, tens of nanoseconds each, while straight-line arithmetic is
// nearly free. Hence the bit masks and the filters ahead of every branch.
//
// The detector favours precision on structured values over recall on prose:
// a bare run of 10 digits is not taken for a phone number (it is more often
// an id), and a dotted quad such as a four-part version 1.2.3.4 is taken for
// an IP address.
package pii
