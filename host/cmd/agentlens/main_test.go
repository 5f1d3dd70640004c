package main

import (
	"bytes"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/agentlens/agentlens-go/host"
	"github.com/agentlens/agentlens-go/store/chain"
)

// fixtureFiles are the recorded sessions posted to every test host.
var fixtureFiles = []string{
	"flakiness-refactor_string_join-01M1YHQ28ET7XM6V2MHA9Y06YT.json", // 9 events
	"tools-cal_no_double_book-01M1YHH6DYQT4YRBE5GAX654Q3.json",       // 13 events
}

const fixtureEvents = 9 + 13

// testHost is a running host on a database file in a temporary directory.
type testHost struct {
	dir      string // the temporary directory, for the test's other files
	db       string
	url      string
	sessions []string // the posted sessions, in fixtureFiles order
	close    func()
}

// startHost starts a host with authentication off on dir/agentlens.db
// (a new directory when dir is ""), closed when the test ends or by close.
func startHost(t *testing.T, dir string) *testHost {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := host.DefaultConfig()
	cfg.Store.Path = filepath.Join(dir, "agentlens.db")
	cfg.Auth.Disabled = true
	h, err := host.New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("host.New(%s) = %v", cfg.Store.Path, err)
	}
	srv := httptest.NewServer(h.Handler())
	var once sync.Once
	closeAll := func() {
		once.Do(func() {
			srv.Close()
			if err := h.Close(); err != nil {
				t.Errorf("Host.Close() = %v", err)
			}
		})
	}
	t.Cleanup(closeAll)
	return &testHost{dir: dir, db: cfg.Store.Path, url: srv.URL, close: closeAll}
}

// startHostWithSessions starts a host and posts both fixture sessions.
func startHostWithSessions(t *testing.T) *testHost {
	t.Helper()
	th := startHost(t, "")
	for _, name := range fixtureFiles {
		th.sessions = append(th.sessions, th.postFixture(t, name))
	}
	return th
}

// postFixture posts a testdata/sessions file and returns its session id.
func (th *testHost) postFixture(t *testing.T, name string) string {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "sessions", name))
	if err != nil {
		t.Fatal(err)
	}
	var batch struct {
		Events []struct {
			SessionID string `json:"sessionId"`
		} `json:"events"`
	}
	if err := json.Unmarshal(body, &batch); err != nil || len(batch.Events) == 0 {
		t.Fatalf("read fixture %s: %v", name, err)
	}
	resp, err := http.Post(th.url+"/api/events", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /api/events (%s) = %d %s, want 201", name, resp.StatusCode, b)
	}
	return batch.Events[0].SessionID
}

// get fetches path and returns the body of a 200 answer.
func (th *testHost) get(t *testing.T, path, accept string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, th.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d %s, want 200", path, resp.StatusCode, body)
	}
	return body
}

// save writes data to a new file in dir and returns its path.
func save(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// cli runs the command line and returns its exit code and output.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// wantRun runs args and checks the exit code and that the combined output
// contains every string of want.
func wantRun(t *testing.T, wantCode int, want []string, args ...string) string {
	t.Helper()
	code, stdout, stderr := cli(t, args...)
	all := stdout + stderr
	if code != wantCode {
		t.Errorf("agentlens %s = exit %d, want %d\nstdout: %s\nstderr: %s",
			strings.Join(args, " "), code, wantCode, stdout, stderr)
		return all
	}
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("agentlens %s = exit %d, output\n%s\nwant it to contain %q", strings.Join(args, " "), code, all, w)
		}
	}
	return all
}

// otherSigner is a key the server never used.
func otherSigner() *chain.Signer {
	return chain.NewSigner(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{42}, ed25519.SeedSize)))
}

// editBundle decodes a JSON bundle's members and events, lets edit change
// them, and encodes the result (member order changes; the signature covers
// the canonical form, so an edit that changes nothing still verifies).
func editBundle(t *testing.T, doc []byte, edit func(top map[string]json.RawMessage, events []json.RawMessage) []json.RawMessage) []byte {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		t.Fatal(err)
	}
	var events []json.RawMessage
	if err := json.Unmarshal(top["events"], &events); err != nil {
		t.Fatal(err)
	}
	events = edit(top, events)
	raw, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	top["events"] = raw
	out, err := json.Marshal(top)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changePayloadByte changes one letter inside the first string value of an
// event's payload.
func changePayloadByte(t *testing.T, event []byte) []byte {
	t.Helper()
	start := bytes.Index(event, []byte(`"payload":{`))
	if start < 0 {
		t.Fatalf("event %s has no payload", event)
	}
	re := regexp.MustCompile(`":"[^"\\]*[a-z]`)
	loc := re.FindIndex(event[start:])
	if loc == nil {
		t.Fatalf("payload of %s has no string with a letter", event)
	}
	out := bytes.Clone(event)
	i := start + loc[1] - 1
	out[i] = 'a' + (out[i]-'a'+1)%26
	return out
}

// signatureWith returns the signature member re-made with other's key:
// under other's key id, or (sameID) under the server's.
func signatureWith(t *testing.T, top map[string]json.RawMessage, sameID bool) json.RawMessage {
	t.Helper()
	other := otherSigner()
	msg, err := chain.SignedMessage(top)
	if err != nil {
		t.Fatal(err)
	}
	sig := other.SignMessage(msg)
	if sameID {
		var orig string
		if err := json.Unmarshal(top["signature"], &orig); err != nil {
			t.Fatal(err)
		}
		id, _, err := chain.ParseSignature(orig)
		if err != nil {
			t.Fatal(err)
		}
		sig = strings.Replace(sig, other.KeyID(), id, 1)
	}
	raw, _ := json.Marshal(sig)
	return raw
}

// ndjsonLines splits an NDJSON bundle into its lines.
func ndjsonLines(t *testing.T, data []byte) [][]byte {
	t.Helper()
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	if len(lines) < 3 {
		t.Fatalf("NDJSON bundle has %d lines, want events and a trailer", len(lines))
	}
	return lines
}

func joinNDJSON(lines [][]byte) []byte {
	return append(bytes.Join(lines, []byte("\n")), '\n')
}

// bundleJSON is the --json output of verify --bundle.
type bundleJSON struct {
	Bundle           string            `json:"bundle"`
	Verified         bool              `json:"verified"`
	KeyID            string            `json:"keyId"`
	SessionsVerified int               `json:"sessionsVerified"`
	TotalEvents      int64             `json:"totalEvents"`
	BrokenChains     []json.RawMessage `json:"brokenChains"`
	Error            string            `json:"error"`
}

func TestVerifyBundleCommand(t *testing.T) {
	th := startHostWithSessions(t)
	dir := th.dir
	first := th.sessions[0]
	jsonBundle := th.get(t, "/api/audit/export?sessionId="+first, "")
	ndjson := th.get(t, "/api/audit/export?sessionId="+first, "application/x-ndjson")
	rangeBundle := th.get(t, "/api/audit/export?from=2000-01-01T00:00:00Z", "")
	pubAnswer := th.get(t, "/api/audit/public-key", "")
	jwks := th.get(t, "/.well-known/jwks.json", "")

	var pub struct {
		KeyID        string `json:"keyId"`
		PublicKeyPEM string `json:"publicKeyPem"`
	}
	if err := json.Unmarshal(pubAnswer, &pub); err != nil || pub.KeyID == "" || pub.PublicKeyPEM == "" {
		t.Fatalf("GET /api/audit/public-key = %s (%v), want keyId and publicKeyPem", pubAnswer, err)
	}
	pubFile := save(t, dir, "pub.json", pubAnswer)
	pemFile := save(t, dir, "pub.pem", []byte(pub.PublicKeyPEM))
	jwksFile := save(t, dir, "jwks.json", jwks)

	lines := ndjsonLines(t, ndjson)
	trailer := len(lines) - 1

	tests := []struct {
		name     string
		file     string
		data     []byte
		key      string
		wantCode int
		want     []string
		wantNot  []string // the output must not contain these
	}{
		{
			name: "JSON bundle", file: "b.json", data: jsonBundle, key: pubFile, wantCode: 0,
			want: []string{"OK", pub.KeyID, "sessions:  1", "events:    9"},
		},
		{
			name: "NDJSON bundle", file: "b.ndjson", data: ndjson, key: pubFile, wantCode: 0,
			want: []string{"OK", pub.KeyID, "events:    9"},
		},
		{
			name: "range bundle of both sessions", file: "range.json", data: rangeBundle, key: pubFile, wantCode: 0,
			want: []string{"OK", "sessions:  2", "events:    22"},
		},
		{name: "PEM public key", file: "b.json", data: jsonBundle, key: pemFile, wantCode: 0, want: []string{"OK"}},
		{name: "JWKS public key", file: "b.json", data: jsonBundle, key: jwksFile, wantCode: 0, want: []string{"OK"}},
		{
			name: "JSON bundle re-encoded, unchanged", file: "same.json", key: pubFile, wantCode: 0, want: []string{"OK"},
			data: editBundle(t, jsonBundle, func(_ map[string]json.RawMessage, ev []json.RawMessage) []json.RawMessage { return ev }),
		},

		{
			name: "JSON payload byte changed", file: "t1.json", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "signature does not verify", "changed or the signature replaced"},
			data: editBundle(t, jsonBundle, func(_ map[string]json.RawMessage, ev []json.RawMessage) []json.RawMessage {
				ev[1] = changePayloadByte(t, ev[1])
				return ev
			}),
		},
		{
			name: "JSON events reordered", file: "t2.json", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "signature does not verify"},
			data: editBundle(t, jsonBundle, func(_ map[string]json.RawMessage, ev []json.RawMessage) []json.RawMessage {
				ev[1], ev[2] = ev[2], ev[1]
				return ev
			}),
		},
		{
			name: "JSON last event dropped", file: "t3.json", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "signature does not verify"},
			data: editBundle(t, jsonBundle, func(_ map[string]json.RawMessage, ev []json.RawMessage) []json.RawMessage {
				return ev[:len(ev)-1]
			}),
		},
		{
			name: "JSON signature by another key", file: "t4.json", key: pubFile, wantCode: 1,
			want: []string{"FAILED", otherSigner().KeyID(), "not among the keys"},
			data: editBundle(t, jsonBundle, func(top map[string]json.RawMessage, ev []json.RawMessage) []json.RawMessage {
				top["signature"] = signatureWith(t, top, false)
				return ev
			}),
		},
		{
			name: "JSON signature replaced under the server's key id", file: "t5.json", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "signature does not verify"},
			data: editBundle(t, jsonBundle, func(top map[string]json.RawMessage, ev []json.RawMessage) []json.RawMessage {
				top["signature"] = signatureWith(t, top, true)
				return ev
			}),
		},
		// A damaged JSON bundle is not NDJSON: the output must say the
		// JSON is bad rather than ask for an NDJSON trailer.
		{
			name: "JSON bundle cut short", file: "t6.json", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "JSON"}, wantNot: []string{"trailer"},
			data: jsonBundle[:len(jsonBundle)-2],
		},
		{
			name: "JSON bundle pretty-printed and cut short", file: "t7.json", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "JSON"}, wantNot: []string{"trailer"},
			data: func() []byte {
				var b bytes.Buffer
				if err := json.Indent(&b, jsonBundle, "", "  "); err != nil {
					t.Fatal(err)
				}
				return b.Bytes()[:b.Len()-2]
			}(),
		},
		{
			name: "JSON bundle pretty-printed", file: "pretty.json", key: pubFile, wantCode: 0, want: []string{"OK"},
			data: func() []byte {
				var b bytes.Buffer
				if err := json.Indent(&b, jsonBundle, "", "  "); err != nil {
					t.Fatal(err)
				}
				return b.Bytes()
			}(),
		},
		{
			name: "JSON bundle, another public key", file: "b.json", data: jsonBundle, wantCode: 1,
			key:  save(t, dir, "other.json", []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":"`+base64.RawURLEncoding.EncodeToString(otherSigner().PublicKey())+`"}]}`)),
			want: []string{"FAILED", pub.KeyID, "not among the keys"},
		},

		{
			name: "NDJSON payload byte changed", file: "t1.ndjson", key: pubFile, wantCode: 1,
			want: []string{"BROKEN", first, "at seq 1", "does not match its stored hash", "FAILED"},
			data: joinNDJSON(slices.Concat(lines[:1], [][]byte{changePayloadByte(t, lines[1])}, lines[2:])),
		},
		{
			name: "NDJSON lines reordered", file: "t2.ndjson", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "signed digest"},
			data: joinNDJSON(slices.Concat(lines[:1], [][]byte{lines[2], lines[1]}, lines[3:])),
		},
		{
			name: "NDJSON last event dropped", file: "t3.ndjson", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "signed digest"},
			data: joinNDJSON(slices.Concat(lines[:trailer-1], lines[trailer:])),
		},
		{
			name: "NDJSON trailer dropped", file: "t4.ndjson", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "trailer"},
			data: joinNDJSON(lines[:trailer]),
		},
		{
			name: "NDJSON trailer signature by another key", file: "t5.ndjson", key: pubFile, wantCode: 1,
			want: []string{"FAILED", "not among the keys"},
			data: func() []byte {
				var top map[string]json.RawMessage
				if err := json.Unmarshal(lines[trailer], &top); err != nil {
					t.Fatal(err)
				}
				top["signature"] = signatureWith(t, top, false)
				line, _ := json.Marshal(top)
				return joinNDJSON(slices.Concat(lines[:trailer], [][]byte{line}))
			}(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := save(t, dir, tt.file, tt.data)
			out := wantRun(t, tt.wantCode, tt.want, "verify", "--bundle", path, "--public-key", tt.key)
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("agentlens verify --bundle %s: output\n%s\nwant it not to contain %q", tt.file, out, w)
				}
			}

			// The same answer as JSON.
			code, stdout, _ := cli(t, "verify", "--json", "--bundle", path, "--public-key", tt.key)
			var got bundleJSON
			if err := json.Unmarshal([]byte(stdout), &got); err != nil {
				t.Fatalf("verify --json output %q: %v", stdout, err)
			}
			if code != tt.wantCode || got.Verified != (tt.wantCode == 0) || got.Bundle != path {
				t.Errorf("verify --json = exit %d %+v, want exit %d, verified %v, bundle %s",
					code, got, tt.wantCode, tt.wantCode == 0, path)
			}
			if got.Verified && (got.KeyID != pub.KeyID || got.TotalEvents == 0 || got.Error != "" || len(got.BrokenChains) != 0) {
				t.Errorf("verify --json = %+v, want key %s, events, no error, no broken chains", got, pub.KeyID)
			}
			if !got.Verified && got.Error == "" && len(got.BrokenChains) == 0 {
				t.Errorf("verify --json = %+v, want an error or a broken chain", got)
			}
		})
	}
}

func TestVerifyCommand_Usage(t *testing.T) {
	th := startHostWithSessions(t)
	bundle := save(t, th.dir, "b.json", th.get(t, "/api/audit/export?sessionId="+th.sessions[0], ""))
	pub := save(t, th.dir, "pub.json", th.get(t, "/api/audit/public-key", ""))
	notKey := save(t, th.dir, "not-a-key.txt", []byte("hello"))
	missing := filepath.Join(th.dir, "missing.json")

	tests := []struct {
		name string
		args []string
	}{
		{"no arguments", []string{"verify"}},
		{"both --db and --bundle", []string{"verify", "--db", th.db, "--bundle", bundle, "--public-key", pub}},
		{"--bundle without --public-key", []string{"verify", "--bundle", bundle}},
		{"--public-key alone", []string{"verify", "--public-key", pub}},
		{"unreadable bundle", []string{"verify", "--bundle", missing, "--public-key", pub}},
		{"unreadable public key", []string{"verify", "--bundle", bundle, "--public-key", missing}},
		{"public key file without a key", []string{"verify", "--bundle", bundle, "--public-key", notKey}},
		{"missing database", []string{"verify", "--db", missing}},
		{"unknown flag", []string{"verify", "--bundle", bundle, "--public-key", pub, "--fast"}},
		{"extra argument", []string{"verify", "--db", th.db, "extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != 2 {
				t.Errorf("agentlens %s = exit %d, want 2\nstdout: %s\nstderr: %s", strings.Join(tt.args, " "), code, stdout, stderr)
			}
			if stderr == "" {
				t.Errorf("agentlens %s wrote nothing to stderr, want the reason", strings.Join(tt.args, " "))
			}
		})
	}
}

// dbReport is the --json output of verify --db.
type dbReport struct {
	Database         string `json:"database"`
	Verified         bool   `json:"verified"`
	SessionsVerified int    `json:"sessionsVerified"`
	TotalEvents      int64  `json:"totalEvents"`
	BrokenChains     []struct {
		SessionID     string `json:"sessionId"`
		FailedAtIndex int64  `json:"failedAtIndex"`
		FailedEventID string `json:"failedEventId"`
		Reason        string `json:"reason"`
	} `json:"brokenChains"`
}

func verifyDBJSON(t *testing.T, wantCode int, args ...string) dbReport {
	t.Helper()
	args = append([]string{"verify", "--json"}, args...)
	code, stdout, stderr := cli(t, args...)
	var r dbReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("agentlens %s: output %q (stderr %q) is not JSON: %v", strings.Join(args, " "), stdout, stderr, err)
	}
	if code != wantCode {
		t.Errorf("agentlens %s = exit %d %+v, want %d", strings.Join(args, " "), code, r, wantCode)
	}
	return r
}

func TestVerifyDBCommand(t *testing.T) {
	th := startHostWithSessions(t)

	// While the host runs.
	wantRun(t, 0, []string{"OK", "sessions:  2", "events:    22"}, "verify", "--db", th.db)
	r := verifyDBJSON(t, 0, "--db", th.db)
	if !r.Verified || r.SessionsVerified != 2 || r.TotalEvents != fixtureEvents || len(r.BrokenChains) != 0 || r.Database != th.db {
		t.Errorf("verify --db --json = %+v, want verified, 2 sessions, %d events", r, fixtureEvents)
	}
	r = verifyDBJSON(t, 0, "--db", th.db, "--session", th.sessions[0])
	if !r.Verified || r.SessionsVerified != 1 || r.TotalEvents != 9 {
		t.Errorf("verify --db --session %s --json = %+v, want verified, 1 session, 9 events", th.sessions[0], r)
	}

	// After it stopped.
	th.close()
	wantRun(t, 0, []string{"OK"}, "verify", "--db", th.db)
	r = verifyDBJSON(t, 0, "--db", th.db)
	if !r.Verified || r.TotalEvents != fixtureEvents {
		t.Errorf("verify --db --json (host closed) = %+v, want verified, %d events", r, fixtureEvents)
	}
}

func TestVerifyDBCommand_Tampered(t *testing.T) {
	th := startHostWithSessions(t)
	copyPath := filepath.Join(th.dir, "copy.db")
	wantRun(t, 0, nil, "backup", "--db", th.db, "--out", copyPath)
	th.close()

	// Rewrite one stored payload behind the append-only guard.
	db, err := sql.Open("libsql", "file:"+copyPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DROP TRIGGER events_append_only_update`,
		`UPDATE events SET payload = '{"forged":true}' WHERE session_id = '` + th.sessions[1] + `' AND seq = 4`,
	} {
		if _, err := db.ExecContext(t.Context(), q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	wantRun(t, 1, []string{"BROKEN", th.sessions[1], "at seq 4", "does not match its stored hash", "FAILED"},
		"verify", "--db", copyPath)
	r := verifyDBJSON(t, 1, "--db", copyPath)
	if r.Verified || len(r.BrokenChains) != 1 || r.BrokenChains[0].SessionID != th.sessions[1] || r.BrokenChains[0].FailedAtIndex != 4 {
		t.Errorf("verify --db --json (tampered) = %+v, want one break in %s at seq 4", r, th.sessions[1])
	}
	// The untouched session alone still verifies.
	verifyDBJSON(t, 0, "--db", copyPath, "--session", th.sessions[0])
	// And the original was not touched.
	verifyDBJSON(t, 0, "--db", th.db)
}

func TestBackupCommand(t *testing.T) {
	th := startHostWithSessions(t)
	copyPath := filepath.Join(th.dir, "backup.db")

	wantRun(t, 0, []string{"wrote " + copyPath}, "backup", "--db", th.db, "--out", copyPath)
	r := verifyDBJSON(t, 0, "--db", copyPath)
	if !r.Verified || r.SessionsVerified != 2 || r.TotalEvents != fixtureEvents {
		t.Errorf("verify --db COPY --json = %+v, want verified, 2 sessions, %d events", r, fixtureEvents)
	}

	// Never over an existing file.
	before, err := os.ReadFile(copyPath)
	if err != nil {
		t.Fatal(err)
	}
	wantRun(t, 1, []string{"exists"}, "backup", "--db", th.db, "--out", copyPath)
	if after, err := os.ReadFile(copyPath); err != nil || !bytes.Equal(after, before) {
		t.Errorf("backup over %s changed the file (err %v)", copyPath, err)
	}
	wantRun(t, 2, nil, "backup", "--db", th.db)
	wantRun(t, 2, nil, "backup", "--db", th.db, "--out", copyPath+"2", "extra")
}

func TestKeysCommand(t *testing.T) {
	th := startHostWithSessions(t)

	out := wantRun(t, 0, []string{"id:", "name:   auditor", "scopes: events:read"},
		"keys", "create", "--db", th.db, "--name", "auditor", "--scopes", "events:read")
	secret := regexp.MustCompile(`als_[A-Za-z0-9_-]+`).FindString(out)
	id := regexp.MustCompile(`(?m)^id:\s+(\S+)`).FindStringSubmatch(out)
	if secret == "" || id == nil {
		t.Fatalf("keys create printed %q, want an id and a key als_…", out)
	}

	out = wantRun(t, 0, []string{id[1], "auditor", "events:read"}, "keys", "list", "--db", th.db)
	if strings.Contains(out, secret) || strings.Contains(out, secret[4:]) {
		t.Errorf("keys list printed the secret key:\n%s", out)
	}
	out = wantRun(t, 0, []string{id[1]}, "keys", "list", "--db", th.db, "--json")
	if !json.Valid([]byte(out)) || strings.Contains(out, secret[4:]) {
		t.Errorf("keys list --json = %s, want JSON without the secret", out)
	}

	wantRun(t, 0, []string{"revoked " + id[1]}, "keys", "revoke", id[1], "--db", th.db)
	out = wantRun(t, 0, []string{id[1]}, "keys", "list", "--db", th.db)
	if row := lineWith(out, id[1]); strings.HasSuffix(strings.TrimSpace(row), "-") {
		t.Errorf("keys list after revoke: %q, want a revocation time", row)
	}
	wantRun(t, 1, []string{"no key has id"}, "keys", "revoke", "--db", th.db, "nosuchkey")
	wantRun(t, 2, nil, "keys", "revoke", "--db", th.db)
	wantRun(t, 2, nil, "keys")
	wantRun(t, 2, []string{"unknown command"}, "keys", "frobnicate", "--db", th.db)
	wantRun(t, 1, nil, "keys", "create", "--db", th.db, "--name", "x", "--scopes", "no-such-scope")
}

func lineWith(text, s string) string {
	for line := range strings.Lines(text) {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}

func TestKeysRotateSigning(t *testing.T) {
	th := startHostWithSessions(t)
	dir, first := th.dir, th.sessions[0]
	oldBundle := save(t, dir, "old.json", th.get(t, "/api/audit/export?sessionId="+first, ""))
	oldNDJSON := save(t, dir, "old.ndjson", th.get(t, "/api/audit/export?sessionId="+first, "application/x-ndjson"))
	var oldPub struct {
		KeyID        string `json:"keyId"`
		PublicKeyPEM string `json:"publicKeyPem"`
	}
	if err := json.Unmarshal(th.get(t, "/api/audit/public-key", ""), &oldPub); err != nil {
		t.Fatal(err)
	}
	th.close()

	out := wantRun(t, 0, []string{"new signing key"}, "keys", "rotate-signing", "--db", th.db)
	if strings.Contains(out, oldPub.KeyID) {
		t.Errorf("keys rotate-signing printed the old key id %s:\n%s", oldPub.KeyID, out)
	}

	// The next start signs with the new key and publishes the old one.
	th2 := startHost(t, dir)
	answer := th2.get(t, "/api/audit/public-key", "")
	var pub struct {
		KeyID        string `json:"keyId"`
		PublicKeyPEM string `json:"publicKeyPem"`
		Keys         []struct {
			KeyID     string `json:"keyId"`
			RetiredAt string `json:"retiredAt"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(answer, &pub); err != nil {
		t.Fatal(err)
	}
	if pub.KeyID == oldPub.KeyID || !strings.Contains(out, pub.KeyID) {
		t.Errorf("after rotation the public key is %s, want the new key rotate-signing printed:\n%s", pub.KeyID, out)
	}
	if !slices.ContainsFunc(pub.Keys, func(k struct {
		KeyID     string `json:"keyId"`
		RetiredAt string `json:"retiredAt"`
	},
	) bool {
		return k.KeyID == oldPub.KeyID && k.RetiredAt != ""
	}) {
		t.Errorf("GET /api/audit/public-key = %s, want the old key %s under keys, retired", answer, oldPub.KeyID)
	}
	pubFile := save(t, dir, "pub-after.json", answer)
	newOnly := save(t, dir, "new.pem", []byte(pub.PublicKeyPEM))

	wantRun(t, 0, []string{"OK", oldPub.KeyID}, "verify", "--bundle", oldBundle, "--public-key", pubFile)
	wantRun(t, 0, []string{"OK", oldPub.KeyID}, "verify", "--bundle", oldNDJSON, "--public-key", pubFile)
	wantRun(t, 1, []string{"FAILED", oldPub.KeyID, "not among the keys"}, "verify", "--bundle", oldBundle, "--public-key", newOnly)

	newBundle := save(t, dir, "new.json", th2.get(t, "/api/audit/export?sessionId="+first, ""))
	wantRun(t, 0, []string{"OK", pub.KeyID}, "verify", "--bundle", newBundle, "--public-key", pubFile)
	wantRun(t, 0, []string{"OK", pub.KeyID}, "verify", "--bundle", newBundle, "--public-key", newOnly)
}

func TestRun_Commands(t *testing.T) {
	code, stdout, _ := cli(t, "version")
	if code != 0 || strings.TrimSpace(stdout) == "" {
		t.Errorf("agentlens version = exit %d %q, want 0 and a version", code, stdout)
	}
	code, stdout, _ = cli(t, "help")
	if code != 0 || !strings.Contains(stdout, "usage:") {
		t.Errorf("agentlens help = exit %d %q, want 0 and the usage", code, stdout)
	}
	for _, args := range [][]string{{"frobnicate"}, {"Verify"}, {"versions", "--db", "x"}} {
		code, stdout, stderr := cli(t, args...)
		if code != 2 || !strings.Contains(stderr, "unknown command") || stdout != "" {
			t.Errorf("agentlens %s = exit %d, stdout %q, stderr %q, want 2 and unknown command on stderr",
				strings.Join(args, " "), code, stdout, stderr)
		}
	}
}
