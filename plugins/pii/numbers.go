package pii

// maxGroups bounds the digit groups read as one number token.
const maxGroups = 16

// group is one run of digits in a number token, possibly in parentheses.
type group struct {
	start, end int  // byte range in the string, parentheses included
	digits     int  // number of digits
	paren      bool // written as "(ddd)"
	sep        byte // the separator before it: ' ', '-', '.', or 0 for none
}

// numbers reads the number token at i (digit groups joined by single
// spaces, dashes or dots, an optional leading '+', groups in parentheses)
// and matches IPv4 addresses, SSNs, card numbers and phone numbers in it.
// It returns the end of the token, so the scan never restarts inside one.
func (sc *scanner) numbers(i int) int {
	s := sc.s
	var gs [maxGroups]group
	g, plus, end := readToken(s, i, &gs)
	if len(g) == 0 {
		return i + 1
	}
	// A token continuing a decimal number ("v1.2.3.4", "1,234") or a dashed
	// run is no match: the run was judged from its start.
	if i >= 2 && (s[i-1] == '.' || s[i-1] == ',' || s[i-1] == '-') && isDigit(s[i-2]) {
		return g[0].end
	}
	// A lone short number (the common case) cannot be anything.
	if len(g) == 1 && !plus && g[0].digits < 8 {
		return end
	}
	rightOK := end == len(s) || !(isWord(s[end]) || s[end] == '@')
	// Try windows of groups, longest first, split only at spaces: a phone
	// number followed by an unrelated number still matches, while dotted
	// and dashed runs (versions, dates, ids) are taken whole.
	for a := 0; a < len(g); {
		matched := false
		if a == 0 || g[a].sep == ' ' {
			for b := len(g); b > a; b-- {
				if (b < len(g) && g[b].sep != ' ') || (b == len(g) && !rightOK) {
					continue
				}
				t, ok := classify(s, g[a:b], plus && a == 0)
				if !ok {
					continue
				}
				start := g[a].start
				if plus && a == 0 {
					start = i
				}
				sc.match(start, g[b-1].end, t)
				a, matched = b, true
				break
			}
		}
		if !matched {
			a++
		}
	}
	return end
}

// readToken splits the number token at i into groups.
func readToken(s string, i int, buf *[maxGroups]group) (g []group, plus bool, end int) {
	j := i
	if s[j] == '+' {
		if j+1 >= len(s) || !(isDigit(s[j+1]) || s[j+1] == '(') {
			return nil, false, i + 1
		}
		plus = true
		j++
	}
	g = buf[:0]
	var sep byte
	for len(g) < maxGroups {
		var gr group
		switch {
		case j < len(s) && s[j] == '(':
			k := runOf(s, j+1, clsDigit)
			d := k - (j + 1)
			if d < 1 || d > 5 || k >= len(s) || s[k] != ')' {
				return g, plus, tokenEnd(g, i)
			}
			gr = group{start: j, end: k + 1, digits: d, paren: true, sep: sep}
		case j < len(s) && isDigit(s[j]):
			k := runOf(s, j, clsDigit)
			gr = group{start: j, end: k, digits: k - j, sep: sep}
		default:
			return g, plus, tokenEnd(g, i)
		}
		g = append(g, gr)
		j = gr.end
		if j+1 < len(s) && (s[j] == ' ' || s[j] == '-' || s[j] == '.') &&
			(isDigit(s[j+1]) || s[j+1] == '(') {
			sep = s[j]
			j++
			continue
		}
		// "1(555)" and "(0)30" join without a separator.
		if j < len(s) && (s[j] == '(' || gr.paren && isDigit(s[j])) {
			sep = 0
			continue
		}
		break
	}
	return g, plus, tokenEnd(g, i)
}

func tokenEnd(g []group, i int) int {
	if len(g) == 0 {
		return i + 1
	}
	return g[len(g)-1].end
}

// classify decides what the groups g, a whole window of a token, are.
func classify(s string, g []group, plus bool) (Type, bool) {
	digits := 0
	paren := false
	for _, gr := range g {
		digits += gr.digits
		paren = paren || gr.paren
	}
	switch {
	case plus:
		if isPhone(s, g, plus, digits, paren) {
			return Phone, true
		}
	case !paren && isIPv4(s, g):
		return IP, true
	case !paren && isSSN(s, g):
		return SSN, true
	case !paren && isCard(s, g, digits):
		return Card, true
	case isPhone(s, g, plus, digits, paren):
		return Phone, true
	}
	return 0, false
}

// sameSeps reports whether every group after the first has separator sep
// (any one of seps when sep is 0), and returns it.
func sameSeps(g []group, seps string) (byte, bool) {
	if len(g) < 2 {
		return 0, true
	}
	sep := g[1].sep
	if sep == 0 {
		return 0, false
	}
	found := false
	for k := 0; k < len(seps); k++ {
		found = found || seps[k] == sep
	}
	if !found {
		return 0, false
	}
	for _, gr := range g[2:] {
		if gr.sep != sep {
			return 0, false
		}
	}
	return sep, true
}

// isIPv4 accepts four dot-separated decimal octets 0-255 without leading
// zeros.
func isIPv4(s string, g []group) bool {
	if len(g) != 4 {
		return false
	}
	if sep, ok := sameSeps(g, "."); !ok || sep != '.' {
		return false
	}
	for _, gr := range g {
		if gr.digits > 3 || (gr.digits > 1 && s[gr.start] == '0') {
			return false
		}
		if atoi(s[gr.start:gr.end]) > 255 {
			return false
		}
	}
	return true
}

// isSSN accepts ddd-dd-dddd with a valid area (not 000, 666 or 9xx), group
// (not 00) and serial (not 0000).
func isSSN(s string, g []group) bool {
	if len(g) != 3 || g[0].digits != 3 || g[1].digits != 2 || g[2].digits != 4 {
		return false
	}
	if sep, ok := sameSeps(g, "-"); !ok || sep != '-' {
		return false
	}
	area := atoi(s[g[0].start:g[0].end])
	return area != 0 && area != 666 && area < 900 &&
		atoi(s[g[1].start:g[1].end]) != 0 && atoi(s[g[2].start:g[2].end]) != 0
}

// isCard accepts 13-19 digits passing the Luhn check, written in one run or
// in card-like groups (first and middle groups of 4-6 digits, last of 3-6)
// separated by spaces or dashes.
func isCard(s string, g []group, digits int) bool {
	if digits < 13 || digits > 19 || len(g) > 5 {
		return false
	}
	if len(g) > 1 {
		if _, ok := sameSeps(g, " -"); !ok {
			return false
		}
		for k, gr := range g {
			lo := 4
			if k == len(g)-1 {
				lo = 3
			}
			if gr.digits < lo || gr.digits > 6 {
				return false
			}
		}
	}
	return luhn(s[g[0].start:g[len(g)-1].end])
}

// luhn runs the Luhn check over the digits of s, ignoring separators.
func luhn(s string) bool {
	sum := 0
	double := false
	for k := len(s) - 1; k >= 0; k-- {
		c := s[k]
		if !isDigit(c) {
			continue
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// isPhone accepts international numbers (+CC, 8-15 digits) and the common
// national forms: (555) 123-4567, 555-123-4567, 555.123.4567, 1-555-123-4567,
// and numbers with a leading 0 in 2-5 groups (020 7946 0958, 07700 900123).
func isPhone(s string, g []group, plus bool, digits int, paren bool) bool {
	if plus {
		if digits < 8 || digits > 15 {
			return false
		}
		if len(g) == 1 {
			return digits >= 10
		}
		return g[0].paren || g[0].digits <= 4
	}
	if digits < 10 || digits > 11 {
		return false
	}
	k := 0
	if len(g) > 1 && g[0].digits == 1 && s[g[0].start] == '1' {
		k = 1 // NANP trunk prefix
	}
	if paren {
		if !g[k].paren || g[k].digits < 2 || len(g)-k < 2 {
			return false
		}
		for _, gr := range g[k+1:] {
			if gr.paren || gr.digits < 2 {
				return false
			}
		}
		return true
	}
	sep, ok := sameSeps(g, " -.")
	if !ok || len(g) < 2 || sep == '.' && len(g) < 3 {
		return false // two dotted groups are a decimal number
	}
	rest := g[k:]
	if len(rest) == 3 && rest[0].digits == 3 && rest[1].digits == 3 && rest[2].digits == 4 {
		return true
	}
	if s[g[0].start] != '0' || len(g) > 5 {
		return false
	}
	for _, gr := range g {
		if gr.digits < 2 {
			return false
		}
	}
	return true
}

// atoi parses a short run of ASCII digits.
func atoi(s string) int {
	n := 0
	for k := 0; k < len(s); k++ {
		n = n*10 + int(s[k]-'0')
	}
	return n
}
