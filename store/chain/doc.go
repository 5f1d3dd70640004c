// Package chain defines the AgentLens event record, its canonical form, its
// hash, and the verification of a session's hash chain.
//
// It does no I/O, so the server, the CLI and an auditor's offline verifier all
// share exactly one definition of what gets hashed.
//
// # What is hashed (format version 3)
//
// An event's hash is the lowercase hex SHA-256 of the RFC 8785 (JCS) form of
// one JSON object:
//
//	{"v":3, "id", "timestamp", "receivedAt", "keyId", "sessionId", "agentId",
//	 "eventType", "severity", "seq", "payload", "metadata", "prevHash"}
//
// In JCS the members are sorted by key, so the bytes are, in this order:
//
//	{"agentId":<string>,"eventType":<string>,"id":<string>,"keyId":<string>,
//	 "metadata":<JCS object>,"payload":<JCS object>,"prevHash":<string or null>,
//	 "receivedAt":<string>,"seq":<integer>,"sessionId":<string>,
//	 "severity":<string>,"timestamp":<string>,"v":3}
//
// with no whitespace. prevHash is null for seq 0 and the previous event's hash
// after it. Timestamps are RFC 3339 UTC with exactly three fractional digits
// (2026-02-08T10:00:00.000Z). Payload and metadata are stored in their JCS
// form, so the hash input is assembled from stored text without re-parsing
// it, and anyone can recompute a hash with an off-the-shelf JCS library.
//
// # Design notes
//
// Canonical JSON treats every number as an IEEE-754 double, so an integer
// literal beyond ±2^53 would be silently changed by canonicalization. Such
// input is refused ([InputError]), as are duplicate object keys, invalid
// UTF-8, lone surrogates and nesting beyond [Limits]: the hash must
// cover exactly what the client sent.
//
// The "v" member is the domain and version tag. Changing the set of hashed
// fields means a new version, new test vectors and review.
package chain
