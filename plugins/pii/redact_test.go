package pii

import (
	"strings"
	"testing"
)

func mustNew(t testing.TB, cfg Config) *Redactor {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%v) = %v", cfg, err)
	}
	return r
}

// jwtSample is the well-known example token from jwt.io.
const jwtSample = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." +
	"eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ." +
	"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"

const pemSample = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n" +
	"KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----"

func TestRedactor_String(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// E-mail.
		{"email", "mail jane.doe+tag@example.co.uk now", "mail [REDACTED:email] now"},
		{"email sentence end", "write to ops@agentlens.dev.", "write to [REDACTED:email]."},
		{"email with digits", "user-555-123-4567@x.com", "[REDACTED:email]"},
		{"email upper", "CEO@EXAMPLE.COM", "[REDACTED:email]"},
		{"not email handle", "ping @alice on chat", "ping @alice on chat"},
		{"not email no tld", "root@localhost", "root@localhost"},
		{"not email numeric tld", "a@10.0.0.1", "a@[REDACTED:ip]"},

		// Phone numbers.
		{"phone intl spaced", "call +1 555 123 4567 today", "call [REDACTED:phone] today"},
		{"phone intl uk", "+44 20 7946 0958", "[REDACTED:phone]"},
		{"phone intl e164", "sms +14155552671.", "sms [REDACTED:phone]."},
		{"phone intl dashes", "+1-555-123-4567", "[REDACTED:phone]"},
		{"phone intl trunk zero", "+49 (0)30 1234567", "[REDACTED:phone]"},
		{"phone parens", "(555) 123-4567", "[REDACTED:phone]"},
		{"phone parens trunk", "tel 1 (800) 555-0199", "tel [REDACTED:phone]"},
		{"phone dashes", "555-123-4567", "[REDACTED:phone]"},
		{"phone dots", "555.123.4567", "[REDACTED:phone]"},
		{"phone spaces", "555 123 4567", "[REDACTED:phone]"},
		{"phone trunk", "1-800-555-0199", "[REDACTED:phone]"},
		{"phone uk national", "020 7946 0958", "[REDACTED:phone]"},
		{"phone uk mobile", "07700 900123", "[REDACTED:phone]"},
		{"phone fr", "01 23 45 67 89", "[REDACTED:phone]"},
		{"phone then number", "call 555-123-4567 2 times", "call [REDACTED:phone] 2 times"},
		{"phone in list", "555-123-4567, 555-987-6543", "[REDACTED:phone], [REDACTED:phone]"},
		{"phone label", "Phone:555-123-4567", "Phone:[REDACTED:phone]"},

		// Card numbers.
		{"card spaced", "card 4111 1111 1111 1111 exp", "card [REDACTED:card] exp"},
		{"card dashed", "4111-1111-1111-1111", "[REDACTED:card]"},
		{"card plain", "pan=4111111111111111;", "pan=[REDACTED:card];"},
		{"card mastercard", "5500 0000 0000 0004", "[REDACTED:card]"},
		{"card amex", "3782 822463 10005", "[REDACTED:card]"},
		{"card 13", "4222222222222", "[REDACTED:card]"},
		{"card discover", "6011000990139424", "[REDACTED:card]"},
		{"card 19", "4000000000000000006", "[REDACTED:card]"},
		{"card then cvv", "4111 1111 1111 1111 123", "[REDACTED:card] 123"},

		// IP addresses.
		{"ipv4", "from 192.168.1.20 ok", "from [REDACTED:ip] ok"},
		{"ipv4 port", "10.0.0.1:8080", "[REDACTED:ip]:8080"},
		{"ipv4 cidr", "10.0.0.0/8", "[REDACTED:ip]/8"},
		{"ipv4 end", "host 8.8.8.8.", "host [REDACTED:ip]."},
		{"ipv6", "addr 2001:db8::1 up", "addr [REDACTED:ip] up"},
		{"ipv6 full", "2001:0db8:85a3:0000:0000:8a2e:0370:7334", "[REDACTED:ip]"},
		{"ipv6 loopback", "bind ::1", "bind [REDACTED:ip]"},
		{"ipv6 link local", "fe80::1ff:fe23:4567:890a%eth0", "[REDACTED:ip]%eth0"},
		{"ipv6 bracketed", "http://[2001:db8::7]:8080/", "http://[[REDACTED:ip]]:8080/"},
		{"ipv6 mapped", "::ffff:192.0.2.128", "[REDACTED:ip]"},

		// Secrets.
		{"openai key", "key sk-proj-abc123def456ghi789jkl012mno", "key [REDACTED:secret]"},
		{"anthropic key", "sk-ant-api03-AbCdEf0123456789xyz_-QQ", "[REDACTED:secret]"},
		{"stripe key", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", "[REDACTED:secret]"},
		{"aws key", "AKIAIOSFODNN7EXAMPLE", "[REDACTED:secret]"},
		{"aws key in text", "id=AKIAIOSFODNN7EXAMPLE,", "id=[REDACTED:secret],"},
		{"github token", "ghp_" + strings.Repeat("a1B2", 9), "[REDACTED:secret]"},
		{"github pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv", "[REDACTED:secret]"},
		{"slack token", "xoxb-123456789012-abcdefABCDEF", "[REDACTED:secret]"},
		{"agentlens key", "als_" + strings.Repeat("0123456789abcdef", 4), "[REDACTED:secret]"},
		{"pem", "key:\n" + pemSample + "\nend", "key:\n[REDACTED:secret]\nend"},
		{"pem unterminated", "-----BEGIN PRIVATE KEY-----\nMIIEvQ", "[REDACTED:secret]"},
		{"bearer", "Authorization: Bearer abc123def456ghi789", "Authorization: Bearer [REDACTED:secret]"},
		{"bearer lower", "bearer 0123456789abcdefXYZ==", "bearer [REDACTED:secret]"},
		{"bearer jwt", "Bearer " + jwtSample, "Bearer [REDACTED:jwt]"},

		// JWT and SSN.
		{"jwt", "token=" + jwtSample + "&x=1", "token=[REDACTED:jwt]&x=1"},
		{"ssn", "ssn 123-45-6789.", "ssn [REDACTED:ssn]."},

		// Several in one string.
		{"mixed", "a@b.io 10.1.2.3 555-123-4567", "[REDACTED:email] [REDACTED:ip] [REDACTED:phone]"},

		// False positives that must stay.
		{"order id", "order ORD-2024-000123 shipped", "order ORD-2024-000123 shipped"},
		{"iso timestamp", "at 2026-02-08T10:00:00.000Z", "at 2026-02-08T10:00:00.000Z"},
		{"time", "meet at 10:00:00 sharp", "meet at 10:00:00 sharp"},
		{"version 3", "v1.2.3 and 1.2.3", "v1.2.3 and 1.2.3"},
		{"version windows", "Windows 10.0.19045", "Windows 10.0.19045"},
		{"version 4 prefixed", "v10.0.0.1", "v10.0.0.1"},
		{"uuid", "550e8400-e29b-41d4-a716-446655440000", "550e8400-e29b-41d4-a716-446655440000"},
		{"uuid digits", "12345678-1234-1234-1234-123456789012", "12345678-1234-1234-1234-123456789012"},
		{"luhn fail", "4111 1111 1111 1112", "4111 1111 1111 1112"},
		{"luhn fail plain", "1234567812345678", "1234567812345678"},
		{"price", "total $1,299.99 (was 1499.00)", "total $1,299.99 (was 1499.00)"},
		{"price euro", "€1.234.567,89", "€1.234.567,89"},
		{"date", "on 2024-01-15 and 15.01.2024", "on 2024-01-15 and 15.01.2024"},
		{"bare digits", "id 5551234567", "id 5551234567"},
		{"ssn bad area", "000-12-3456 666-12-3456 912-34-5678", "000-12-3456 666-12-3456 912-34-5678"},
		{"ssn bad group", "123-00-4567", "123-00-4567"},
		{"not ip", "256.1.1.1 and 1.2.3.4.5", "256.1.1.1 and 1.2.3.4.5"},
		{"mac address", "00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5e"},
		{"cpp scope", "std::vector and Foo::Bar and ::", "std::vector and Foo::Bar and ::"},
		{"short sk", "scikit sk-learn task-1234567890abcdefghijkl", "scikit sk-learn task-1234567890abcdefghijkl"},
		{"bearer prose", "the bearer of bad news", "the bearer of bad news"},
		{"akia short", "AKIA1234", "AKIA1234"},
		{"not jwt", "eyJ is a prefix", "eyJ is a prefix"},
		{"hex hash", "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		{"counts", "3 items, 12 units, 100 ms", "3 items, 12 units, 100 ms"},
		{"redacted stays", "[REDACTED:email] [REDACTED:ip]", "[REDACTED:email] [REDACTED:ip]"},
		{"empty", "", ""},
		{"unicode", "héllo wörld ✓ 日本", "héllo wörld ✓ 日本"},
	}
	r := mustNew(t, Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := r.String(tt.in)
			if got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactor_String_counts(t *testing.T) {
	r := mustNew(t, Config{})
	_, got := r.String("a@b.io c@d.io 555-123-4567 " + jwtSample)
	var want Counts
	want[Email], want[Phone], want[JWT] = 2, 1, 1
	if got != want {
		t.Errorf("counts = %v, want %v", got, want)
	}
}

func TestRedactor_String_disabled(t *testing.T) {
	in := "mail a@b.io or call 555-123-4567 from 10.0.0.1"
	tests := []struct {
		types map[string]bool
		want  string
	}{
		{nil, "mail [REDACTED:email] or call [REDACTED:phone] from [REDACTED:ip]"},
		{map[string]bool{"phone": false}, "mail [REDACTED:email] or call 555-123-4567 from [REDACTED:ip]"},
		{map[string]bool{"email": false, "ip": false}, "mail a@b.io or call [REDACTED:phone] from 10.0.0.1"},
		{map[string]bool{"email": true}, "mail [REDACTED:email] or call [REDACTED:phone] from [REDACTED:ip]"},
	}
	for _, tt := range tests {
		r := mustNew(t, Config{Types: tt.types})
		if got, _ := r.String(in); got != tt.want {
			t.Errorf("types %v: String(%q) = %q, want %q", tt.types, in, got, tt.want)
		}
	}
}

func TestRedactor_String_disabledConsumes(t *testing.T) {
	// With e-mail off, the digits of an address are not reported as a phone.
	r := mustNew(t, Config{Types: map[string]bool{"email": false}})
	in := "555-123-4567@example.com"
	if got, _ := r.String(in); got != in {
		t.Errorf("String(%q) = %q, want it unchanged", in, got)
	}
}

func TestRedactor_String_idempotent(t *testing.T) {
	r := mustNew(t, Config{})
	in := "x a@b.io +1 555 123 4567 4111111111111111 " + jwtSample + " 2001:db8::1 123-45-6789"
	once, _ := r.String(in)
	twice, counts := r.String(once)
	if twice != once || counts.Total() != 0 {
		t.Errorf("String(String(x)) = %q (%d found), want %q", twice, counts.Total(), once)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
	}{
		{"", false},
		{"{}", false},
		{`{"types":{"phone":false,"ip":true}}`, false},
		{`{"types":{"phones":false}}`, true},
		{`{"type":{"phone":false}}`, true},
		{`{"types":{"phone":"no"}}`, true},
		{`[]`, true},
	}
	for _, tt := range tests {
		_, err := ParseConfig([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseConfig(%q) = %v, want error %v", tt.in, err, tt.wantErr)
		}
	}
}

func FuzzRedactor_String(f *testing.F) {
	for _, s := range []string{"a@b.io", "+1 555 123 4567", "4111 1111 1111 1111", "::1", jwtSample, pemSample, "(555) 123-4567"} {
		f.Add(s)
	}
	r := mustNew(f, Config{})
	f.Fuzz(func(t *testing.T, s string) {
		out, counts := r.String(s)
		if counts.Total() == 0 && out != s {
			t.Fatalf("String(%q) changed the text without a finding", s)
		}
		if got := strings.Count(out, "[REDACTED:"); got < counts.Total() {
			t.Fatalf("String(%q) = %q with %d markers, want at least %d", s, out, got, counts.Total())
		}
	})
}
