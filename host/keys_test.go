package host

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/functions/keys"
)

var (
	keyPattern  = regexp.MustCompile(`^als_[0-9a-f]{64}$`)
	timePattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

func TestKeys_CreateDefaults(t *testing.T) {
	th := startHost(t, testConfig(t))
	for _, body := range []string{"", "{}"} {
		r := th.do(t, http.MethodPost, "/api/keys", th.admin, body).want(t, "POST /api/keys "+body, http.StatusCreated)
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("POST /api/keys %q: Cache-Control = %q, want no-store", body, got)
		}

		var fields map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &fields); err != nil {
			t.Fatal(err)
		}
		var names []string
		for k := range fields {
			names = append(names, k)
		}
		slices.Sort(names)
		if want := []string{"createdAt", "id", "key", "name", "scopes"}; !slices.Equal(names, want) {
			t.Errorf("POST /api/keys %q fields = %v, want %v", body, names, want)
		}

		k := decodeJSON[createdKey](t, r)
		if k.Name != "Unnamed Key" || !slices.Equal(k.Scopes, []string{"*"}) {
			t.Errorf("POST /api/keys %q = name %q, scopes %v, want \"Unnamed Key\", [*]", body, k.Name, k.Scopes)
		}
		if !keyPattern.MatchString(k.Key) {
			t.Errorf("POST /api/keys %q key = %q, want als_ and 64 lowercase hex", body, k.Key)
		}
		if k.ID == "" || !timePattern.MatchString(k.CreatedAt) {
			t.Errorf("POST /api/keys %q = id %q, createdAt %q, want an id and a UTC millisecond time",
				body, k.ID, k.CreatedAt)
		}
		th.do(t, http.MethodGet, "/api/keys", k.Key, "").want(t, "GET /api/keys with the new key", http.StatusOK)
	}
}

func TestKeys_CreateRefuses(t *testing.T) {
	th := startHost(t, testConfig(t))
	for _, body := range []string{
		`{"scopes":["events:delete"]}`,
		`{"scopes":["events:read","nope"]}`,
		`{"scopes":[]}`,
		`{"scope":["*"]}`,
		`{"name":` + quote(strings.Repeat("n", 201)) + `}`,
		`{"agents":[""]}`,
		`[`,
	} {
		th.do(t, http.MethodPost, "/api/keys", th.admin, body).want(t, "POST /api/keys "+body, http.StatusBadRequest)
	}
}

func TestKeys_ListHasNoSecrets(t *testing.T) {
	th := startHost(t, testConfig(t))
	k := th.createKey(t, `{"name":"reader","scopes":["events:read"]}`)

	r := th.do(t, http.MethodGet, "/api/keys", th.admin, "").want(t, "GET /api/keys", http.StatusOK)
	if got := r.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("GET /api/keys: Cache-Control = %q, want no-store", got)
	}
	for _, secret := range []string{k.Key, keys.Hash(k.Key), th.admin, keys.Hash(th.admin)} {
		if bytes.Contains(r.body, []byte(secret)) {
			t.Errorf("GET /api/keys = %s, which holds the secret or hash %s", r.body, secret)
		}
	}

	list := decodeJSON[struct {
		Keys []map[string]any `json:"keys"`
	}](t, r)
	if len(list.Keys) != 2 {
		t.Fatalf("GET /api/keys = %d keys, want 2 (admin, reader)", len(list.Keys))
	}
	for _, item := range list.Keys {
		for field := range item {
			if field == "key" || strings.Contains(strings.ToLower(field), "hash") ||
				strings.Contains(strings.ToLower(field), "secret") {
				t.Errorf("GET /api/keys lists field %q", field)
			}
		}
	}
	if got := list.Keys[1]; got["id"] != k.ID || got["name"] != "reader" {
		t.Errorf("GET /api/keys second key = %v, want id %s named reader", got, k.ID)
	}
}

func TestKeys_Revoke(t *testing.T) {
	th := startHost(t, testConfig(t))
	th.do(t, http.MethodDelete, "/api/keys/01NOSUCHKEY", th.admin, "").
		want(t, "DELETE unknown key", http.StatusNotFound)

	k := th.createKey(t, `{"scopes":["events:read"]}`)
	// Used once, so that its validation is cached.
	th.do(t, http.MethodGet, "/api/events", k.Key, "").want(t, "GET /api/events before revocation", http.StatusOK)

	r := th.do(t, http.MethodDelete, "/api/keys/"+k.ID, th.admin, "").want(t, "DELETE /api/keys/"+k.ID, http.StatusOK)
	got := decodeJSON[map[string]any](t, r)
	if len(got) != 2 || got["id"] != k.ID || got["deleted"] != true {
		t.Errorf("DELETE /api/keys/%s = %s, want {id: %q, deleted: true}", k.ID, r.body, k.ID)
	}

	th.do(t, http.MethodGet, "/api/events", k.Key, "").
		want(t, "GET /api/events right after revocation", http.StatusUnauthorized)
	th.do(t, http.MethodGet, "/api/events", th.admin, "").want(t, "GET /api/events with another key", http.StatusOK)
}

// TestKeys_OnlyHashOnDisk reads the database file and its WAL after writes:
// a key's hash is there, the key itself nowhere.
func TestKeys_OnlyHashOnDisk(t *testing.T) {
	th := startHost(t, testConfig(t))
	k := th.createKey(t, `{"name":"writer","scopes":["events:write"]}`)
	th.ingest(t, k.Key, testEvent("s1", "a1", "custom", nil))

	var disk []byte
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(th.dbPath + suffix)
		if err != nil {
			t.Fatalf("read %s: %v", th.dbPath+suffix, err)
		}
		disk = append(disk, b...)
	}
	for _, raw := range []string{k.Key, th.admin} {
		if bytes.Contains(disk, []byte(raw)) {
			t.Errorf("the database holds the raw key %s…", raw[:12])
		}
		if !bytes.Contains(disk, []byte(keys.Hash(raw))) {
			t.Errorf("the database lacks the hash %s of key %s…", keys.Hash(raw), raw[:12])
		}
	}
}

func TestKeys_AgentBound(t *testing.T) {
	th := startHost(t, testConfig(t))
	bound := th.createKey(t, `{"scopes":["events:write"],"agents":["a1"]}`)
	if !slices.Equal(bound.Agents, []string{"a1"}) {
		t.Errorf("POST /api/keys agents = %v, want [a1]", bound.Agents)
	}
	free := th.createKey(t, `{"scopes":["events:write"]}`)

	ok := th.ingest(t, bound.Key, testEvent("s1", "a1", "custom", nil))
	if e := th.event(t, ok.Events[0].ID); e.KeyID != bound.ID {
		t.Errorf("event written with the bound key: keyId = %q, want %q", e.KeyID, bound.ID)
	}
	other := th.ingest(t, free.Key, testEvent("s1", "a2", "custom", nil))
	if e := th.event(t, other.Events[0].ID); e.KeyID != free.ID {
		t.Errorf("event written with the unbound key: keyId = %q, want %q", e.KeyID, free.ID)
	}

	before := th.eventTotal(t)
	for name, events := range map[string][]ev{
		"a2 alone":    {testEvent("s2", "a2", "custom", nil)},
		"a1 then a2":  {testEvent("s3", "a1", "custom", nil), testEvent("s4", "a2", "custom", nil)},
		"a2 in a1's":  {testEvent("s1", "a1", "custom", nil), testEvent("s1", "a2", "custom", nil)},
		"a1 prefixed": {testEvent("s5", "a11", "custom", nil)},
	} {
		th.do(t, http.MethodPost, "/api/events", bound.Key, batchBody(t, events...)).
			want(t, "POST /api/events "+name+" with a key bound to a1", http.StatusForbidden)
	}
	if got := th.eventTotal(t); got != before {
		t.Errorf("events after refused writes = %d, want %d", got, before)
	}
	for _, s := range []string{"s2", "s3", "s4", "s5"} {
		if got := th.sessionStatus(t, s); got != http.StatusNotFound {
			t.Errorf("GET /api/sessions/%s after refused writes = %d, want 404", s, got)
		}
	}
}

func TestKeys_RequestEdgeCases(t *testing.T) {
	th := startHost(t, testConfig(t))
	for name, body := range map[string]string{
		"empty agent list":  `{"agents":[]}`,
		"duplicate members": `{"name":"a","name":"b"}`,
	} {
		th.do(t, http.MethodPost, "/api/keys", th.admin, body).want(t, name, http.StatusBadRequest)
	}
	k := th.createKey(t, `{"scopes":["events:read","events:read","audit:read"]}`)
	if len(k.Scopes) != 2 || k.Scopes[0] != "events:read" || k.Scopes[1] != "audit:read" {
		t.Errorf("scopes = %v, want [events:read audit:read]", k.Scopes)
	}
}

func TestIngest_SessionIDWithSlashCanBeFetched(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.Disabled = true
	th := startHost(t, cfg)
	th.ingest(t, "", testEvent("org/team/run-1", "a", "custom", nil))
	th.do(t, http.MethodGet, "/api/sessions/org%2Fteam%2Frun-1", "", "").want(t, "session with slashes", http.StatusOK)
	th.do(t, http.MethodGet, "/api/sessions/org%2Fteam%2Frun-1/timeline", "", "").want(t, "its timeline", http.StatusOK)
}

func TestEvents_OverlongSearchIs400(t *testing.T) {
	th := startHost(t, testConfig(t))
	th.do(t, http.MethodGet, "/api/events?search="+strings.Repeat("a", 1001), th.admin, "").
		want(t, "overlong search", http.StatusBadRequest)
}
