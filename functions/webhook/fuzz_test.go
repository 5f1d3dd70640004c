package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/store/chain"
)

// strictJSON is the syntax check the handler runs on a delivery once its
// credentials hold.
func strictJSON(body []byte) error { return chain.Check(body, chain.DefaultLimits.Deeper(2)) }

// fuzzNow is the server clock of the fuzz targets: 2026-02-08T10:00:00Z.
var fuzzNow = time.Unix(1770544800, 0).UTC()

// macOf is HMAC-SHA256 of msg with secret, computed here independently of
// verifySignature.
func macOf(secret string, msg []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(msg)
	return m.Sum(nil)
}

// signatureMAC returns the MAC bytes a signature header names, under the
// grammar DESIGN.md gives: an optional "sha256=" prefix (any case), then
// hex digits of either case. ok is false for anything else.
func signatureMAC(signature string) (mac []byte, ok bool) {
	if len(signature) >= 7 && strings.EqualFold(signature[:7], "sha256=") {
		signature = signature[7:]
	}
	if signature == "" || len(signature)%2 != 0 {
		return nil, false
	}
	for i := 0; i < len(signature); i++ {
		c := signature[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return nil, false
		}
	}
	b, err := hex.DecodeString(signature)
	return b, err == nil
}

// mixedCase upper-cases the letters of hexSig wherever the matching bit of
// pattern is set, so the fuzzer explores every mix of cases.
func mixedCase(hexSig string, pattern []byte) string {
	if len(pattern) == 0 {
		return hexSig
	}
	b := []byte(hexSig)
	for i := range b {
		if pattern[(i/8)%len(pattern)]>>(i%8)&1 == 1 && 'a' <= b[i] && b[i] <= 'f' {
			b[i] -= 'a' - 'A'
		}
	}
	return string(b)
}

// withinWindow reports whether Unix second ts is at most replayWindow from
// now, computed exactly (no overflow, no saturation).
func withinWindow(now time.Time, ts int64) bool {
	d := new(big.Int).Mul(big.NewInt(ts), big.NewInt(1e9))
	d.Sub(big.NewInt(now.UnixNano()), d)
	return d.CmpAbs(big.NewInt(int64(replayWindow))) <= 0
}

func FuzzVerifySignature(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzVerifySignature.
	f.Add("s3cret", []byte(`{"source":"agentgate","event":"request.created","data":{}}`),
		"sha256=00", "1770544800", int64(0), uint32(0))
	f.Add("", []byte{}, "", "", int64(300), uint32(999999999))
	f.Fuzz(func(t *testing.T, secret string, body []byte, signature, timestamp string, skew int64, nanos uint32) {
		now := fuzzNow.Add(time.Duration(nanos % 1e9))
		want := macOf(secret, body)
		wantHex := hex.EncodeToString(want)

		// Any header never panics, and verifies only if it names the true MAC.
		if err := verifySignature(secret, signature, "", body, now); err == nil {
			if got, ok := signatureMAC(signature); !ok || !hmac.Equal(got, want) {
				t.Fatalf("verifySignature(%q, %q, \"\", %q) = nil, but the signature is not the MAC %s",
					secret, signature, body, wantHex)
			}
		}

		// The correct MAC verifies in every accepted spelling.
		for _, good := range []string{
			wantHex, strings.ToUpper(wantHex), mixedCase(wantHex, []byte(signature)),
			"sha256=" + wantHex, "sha256=" + strings.ToUpper(wantHex),
			"sha256=" + mixedCase(wantHex, body),
		} {
			if err := verifySignature(secret, good, "", body, now); err != nil {
				t.Fatalf("verifySignature(%q, %q, \"\", %q) = %v, want nil (correct MAC)", secret, good, body, err)
			}
		}

		// A fuzzed timestamp: the body-only MAC never verifies, and
		// nothing verifies unless it is the MAC of "<ts>.<body>" with ts
		// Unix seconds within the window.
		if timestamp != "" {
			stamped := macOf(secret, append([]byte(timestamp+"."), body...))
			for _, sig := range []string{wantHex, "sha256=" + wantHex, signature} {
				if verifySignature(secret, sig, timestamp, body, now) != nil {
					continue
				}
				ts, perr := strconv.ParseInt(timestamp, 10, 64)
				got, ok := signatureMAC(sig)
				if perr != nil || !withinWindow(now, ts) || !ok || !hmac.Equal(got, stamped) {
					t.Fatalf("verifySignature(%q, %q, %q, %q) = nil, want an error", secret, sig, timestamp, body)
				}
			}
			if ts, perr := strconv.ParseInt(timestamp, 10, 64); perr == nil {
				err := verifySignature(secret, hex.EncodeToString(stamped), timestamp, body, now)
				if in := withinWindow(now, ts); (err == nil) != in {
					t.Fatalf("verifySignature(stamped MAC, ts %q, now %s) = %v, want accepted %v",
						timestamp, now.Format(time.RFC3339Nano), err, in)
				}
			}
		}

		// A well-formed timestamp skew seconds from now: the stamped MAC
		// verifies exactly when the skew is within the window; the body
		// MAC never does.
		ts := new(big.Int).Add(big.NewInt(now.Unix()), big.NewInt(skew))
		if !ts.IsInt64() {
			return
		}
		tsText := ts.String()
		stamped := hex.EncodeToString(macOf(secret, append([]byte(tsText+"."), body...)))
		err := verifySignature(secret, stamped, tsText, body, now)
		if in := withinWindow(now, ts.Int64()); (err == nil) != in {
			t.Fatalf("verifySignature(stamped MAC, ts %s, now %s) = %v, want accepted %v",
				tsText, now.Format(time.RFC3339Nano), err, in)
		}
		if err := verifySignature(secret, wantHex, tsText, body, now); err == nil {
			t.Fatalf("verifySignature(%q, body MAC, ts %s, %q) = nil, want an error", secret, tsText, body)
		}
	})
}

func FuzzReadSource(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzReadSource.
	f.Add([]byte(`{"source":"generic","event":"x","data":{"eventType":"custom"}}`))
	f.Add([]byte(`{"data":{"source":"agentgate"},"source":"formbridge"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		source, err := readSource(body)
		if err != nil {
			var ae *api.Error
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest || ae.Message == "" {
				t.Fatalf("readSource(%q) error = %#v, want a 400 *api.Error", body, err)
			}
			if source != "" {
				t.Fatalf("readSource(%q) = %q with error %v, want \"\"", body, source, err)
			}
			return
		}
		if _, ok := mappings[source]; !ok {
			t.Fatalf("readSource(%q) = %q, not one of agentgate, formbridge, generic", body, source)
		}

		// The handler refuses, after authentication, any body chain.Check
		// refuses (duplicate keys, trailing data, invalid UTF-8): for
		// those the source read first is never acted upon.
		if strictJSON(body) != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("readSource(%q) = %q and chain.Check accepts it, but json.Unmarshal fails: %v",
				body, source, err)
		}
		if m["source"] != source {
			t.Fatalf("readSource(%q) = %q, json.Unmarshal reads source %#v", body, source, m["source"])
		}
		// What the handler maps the delivery by must be the source whose
		// credentials were checked.
		if env, err := decodeEnvelope(body); err == nil && env.Source != source {
			t.Fatalf("readSource(%q) = %q (authenticated), but decodeEnvelope maps it as source %q",
				body, source, env.Source)
		}
	})
}
