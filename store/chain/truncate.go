package chain

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// Truncate returns payload (canonical JCS text) unchanged when it fits in
// limit bytes. Otherwise it returns the canonical text of
//
//	{"_truncated":true,"originalBytes":N,"originalSha256":"<hex>","preview":"<prefix>"}
//
// where N and the digest describe the original canonical text and preview is
// the longest prefix of it, cut on a UTF-8 boundary, for which the whole
// replacement stays within limit. A holder of the original can prove it
// later with the digest. The second result reports whether it truncated.
// limit must leave room for the fixed members (about 140 bytes).
func Truncate(payload []byte, limit int) ([]byte, bool) {
	if len(payload) <= limit {
		return payload, false
	}
	sum := sha256.Sum256(payload)

	// The members sort as written here, so this is already JCS.
	b := make([]byte, 0, limit)
	b = append(b, `{"_truncated":true,"originalBytes":`...)
	b = strconv.AppendInt(b, int64(len(payload)), 10)
	b = append(b, `,"originalSha256":"`...)
	b = append(b, hex.EncodeToString(sum[:])...)
	b = append(b, `","preview":"`...)
	budget := limit - len(b) - len(`"}`)

	// Canonical text holds no raw control characters, so only the quote and
	// the backslash grow when escaped again.
	for i := 0; i < len(payload); {
		_, size := utf8.DecodeRune(payload[i:])
		escape := payload[i] == '"' || payload[i] == '\\'
		cost := size
		if escape {
			cost = 2
		}
		if cost > budget {
			break
		}
		budget -= cost
		if escape {
			b = append(b, '\\')
		}
		b = append(b, payload[i:i+size]...)
		i += size
	}
	return append(b, `"}`...), true
}
