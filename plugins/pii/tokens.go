package pii

import (
	"math/bits"
	"net/netip"
	"strings"

	"github.com/agentlens/agentlens-go/plugins/internal/jsonscan"
)

// email matches an address around the '@' at at. The local part is taken
// from the text before at (never reaching back into an earlier match); the
// domain needs at least two labels and an alphabetic top-level label.
func (sc *scanner) email(at int) int {
	const maxLocal = 64 // RFC 5321's limit on the local part
	s := sc.s
	start := at
	for start > sc.last && at-start < maxLocal && class[s[start-1]]&clsLocal != 0 {
		start--
	}
	for start < at && s[start] == '.' {
		start++
	}
	if start == at || s[at-1] == '.' {
		return 0
	}
	end := emailDomain(s, at+1)
	if end == 0 {
		return 0
	}
	sc.match(start, end, Email)
	return end
}

// emailDomain returns the end of the domain starting at i, or 0 when there
// is no acceptable domain there.
func emailDomain(s string, i int) int {
	end := 0
	labels := 0
	for {
		ls := i
		for i < len(s) && (isAlnum(s[i]) || s[i] == '-') {
			i++
		}
		if i == ls || s[ls] == '-' || s[i-1] == '-' {
			break
		}
		labels++
		if labels >= 2 && i-ls >= 2 && allLetters(s[ls:i]) {
			end = i
		}
		if i+1 < len(s) && s[i] == '.' && isAlnum(s[i+1]) {
			i++
			continue
		}
		break
	}
	return end
}

func allLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return true
}

// pem matches a PEM private key block, from its BEGIN line to the end of
// its END line (or to the end of the text when the END line is missing).
func (sc *scanner) pem(i int) int {
	s := sc.s
	// The trigger may be any dash of the run that begins the block.
	for i > sc.last && s[i-1] == '-' {
		i--
	}
	const begin = "-----BEGIN "
	if !strings.HasPrefix(s[i:], begin) {
		return 0
	}
	hdrEnd := strings.Index(s[i+len(begin):], "-----")
	if hdrEnd < 0 {
		return 0
	}
	label := s[i+len(begin) : i+len(begin)+hdrEnd]
	if !strings.HasSuffix(label, "PRIVATE KEY") || len(label) > 40 {
		return 0
	}
	end := len(s)
	body := i + len(begin) + hdrEnd + 5
	if j := strings.Index(s[body:], "-----END "); j >= 0 {
		k := body + j + len("-----END ")
		if m := strings.Index(s[k:], "-----"); m >= 0 {
			end = k + m + 5
		}
	}
	sc.match(i, end, Secret)
	return end
}

// ipv6 matches an IPv6 address around the ':' at p: hex groups and
// colons, with "::" or all eight groups, at least one decimal digit (so "::"
// or "dead::beef" in prose stay), accepted by netip. The address may start
// before p, but not inside an earlier match.
func (sc *scanner) ipv6(p int) int {
	const maxLen = 45 // the longest textual IPv6 address, IPv4 tail included
	s := sc.s
	start := p
	for start > sc.last && p-start < 5 && (isHex(s[start-1]) || s[start-1] == ':') {
		start--
	}
	if start > 0 && (isWord(s[start-1]) || s[start-1] == '.' || s[start-1] == ':') {
		return 0
	}
	// Find the end of the run of hex digits, colons and dots eight bytes
	// at a time, counting colons and noting "::" and decimal digits.
	end, colons := p, 0
	var double, digit bool
	for end < len(s) && end-start <= maxLen {
		x := jsonscan.LoadString(s, end)
		digits := jsonscan.Range(x, '0', '9')
		col := jsonscan.Eq(x, ':')
		ok := digits | jsonscan.Range(x, 'a', 'f') | jsonscan.Range(x, 'A', 'F') | col | jsonscan.Eq(x, '.')
		n := 8
		if stop := ^ok & 0x8080808080808080; stop != 0 {
			n = jsonscan.First(stop)
		}
		keep := uint64(1)<<(8*n) - 1
		if n == 8 {
			keep = ^uint64(0)
		}
		colons += bits.OnesCount64(col & keep)
		double = double || col&(col>>8)&keep != 0 || (end > p && s[end-1] == ':' && s[end] == ':')
		digit = digit || digits&keep != 0
		end += n
		if n < 8 {
			break
		}
	}
	end = min(end, len(s))
	// Trailing punctuation ends a sentence, except a final "::".
	for end > start && (s[end-1] == '.' || (s[end-1] == ':' && (end-2 < start || s[end-2] != ':'))) {
		if s[end-1] == ':' {
			colons--
		}
		end--
	}
	if end-start > maxLen || end <= p || (end < len(s) && isWord(s[end])) {
		return 0
	}
	if !digit && !strings.ContainsAny(s[start:p], "0123456789") {
		return 0
	}
	colons += strings.Count(s[start:p], ":")
	if !double && colons != 7 && !strings.Contains(s[start:min(p+2, end)], "::") {
		return 0
	}
	addr, err := netip.ParseAddr(s[start:end])
	if err != nil || !addr.Is6() {
		return 0
	}
	sc.match(start, end, IP)
	return end
}

// bearer matches the token after "Bearer " (any case): at least 16 token
// bytes including a digit. A JWT there is reported as a JWT.
func (sc *scanner) bearer(i int) int {
	s := sc.s
	const prefix = "bearer "
	if len(s)-i < len(prefix) || !strings.EqualFold(s[i:i+len(prefix)], prefix) {
		return 0
	}
	start := i + len(prefix)
	if end := jwtAt(s, start); end > 0 {
		sc.match(start, end, JWT)
		return end
	}
	end := runOf(s, start, clsToken)
	for end < len(s) && s[end] == '=' {
		end++
	}
	if end-start < 16 || !strings.ContainsAny(s[start:end], "0123456789") {
		return 0
	}
	sc.match(start, end, Secret)
	return end
}

// jwtAt returns the end of a JWT starting at i (three base64url segments
// joined by dots, the header beginning "eyJ"), or 0.
func jwtAt(s string, i int) int {
	if !strings.HasPrefix(s[i:], "eyJ") {
		return 0
	}
	h := runOf(s, i, clsB64)
	if h-i < 10 || h >= len(s) || s[h] != '.' {
		return 0
	}
	p := runOf(s, h+1, clsB64)
	if p-(h+1) < 2 || p >= len(s) || s[p] != '.' {
		return 0
	}
	end := runOf(s, p+1, clsB64)
	if end < len(s) && (s[end] == '.' || isWord(s[end])) {
		return 0
	}
	return end
}

// secretSK matches OpenAI/Anthropic style "sk-..." keys and Stripe
// "sk_live_"/"sk_test_" keys: at least 20 key bytes including a digit.
func secretSK(s string, i int) int {
	var start int
	switch {
	case strings.HasPrefix(s[i:], "sk-"):
		start = i + 3
	case strings.HasPrefix(s[i:], "sk_live_"), strings.HasPrefix(s[i:], "sk_test_"):
		start = i + 8
	default:
		return 0
	}
	end := runOf(s, start, clsB64)
	if end-start < 20 || !strings.ContainsAny(s[start:end], "0123456789") {
		return 0
	}
	return end
}

// secretAWS matches AWS access key ids: "AKIA" (or "ASIA" for temporary
// credentials) and 16 upper-case letters or digits.
func secretAWS(s string, i int) int {
	if !strings.HasPrefix(s[i:], "AKIA") && !strings.HasPrefix(s[i:], "ASIA") {
		return 0
	}
	end := i + 4 + 16
	if end > len(s) || (end < len(s) && isWord(s[end])) {
		return 0
	}
	for k := i + 4; k < end; k++ {
		if c := s[k]; !(c >= 'A' && c <= 'Z' || isDigit(c)) {
			return 0
		}
	}
	return end
}

// secretGitHub matches GitHub tokens: gh[pousr]_ and at least 30 letters or
// digits, or github_pat_ and at least 30 word bytes.
func secretGitHub(s string, i int) int {
	if strings.HasPrefix(s[i:], "github_pat_") {
		end := skipWord(s, i+11)
		if end-(i+11) >= 30 {
			return end
		}
		return 0
	}
	if len(s)-i < 4 || s[i+1] != 'h' || s[i+3] != '_' || !strings.ContainsRune("pousr", rune(s[i+2])) {
		return 0
	}
	end := runOf(s, i+4, clsDigit|clsLetter)
	if end-(i+4) < 30 || (end < len(s) && isWord(s[end])) {
		return 0
	}
	return end
}

// secretSlack matches Slack tokens: xox[abpr]- and at least 10 letters,
// digits or dashes.
func secretSlack(s string, i int) int {
	if len(s)-i < 5 || !strings.HasPrefix(s[i:], "xox") || !strings.ContainsRune("abpr", rune(s[i+3])) ||
		s[i+4] != '-' {
		return 0
	}
	end := i + 5
	for end < len(s) && (isAlnum(s[end]) || s[end] == '-') {
		end++
	}
	if end-(i+5) < 10 {
		return 0
	}
	return end
}

// secretAgentLens matches AgentLens API keys: "als_" and 64 lower-case hex
// digits.
func secretAgentLens(s string, i int) int {
	if !strings.HasPrefix(s[i:], "als_") {
		return 0
	}
	end := i + 4 + 64
	if end > len(s) || (end < len(s) && isWord(s[end])) {
		return 0
	}
	for k := i + 4; k < end; k++ {
		if c := s[k]; !(isDigit(c) || c >= 'a' && c <= 'f') {
			return 0
		}
	}
	return end
}
