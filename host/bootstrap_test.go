package host

import (
	"bytes"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestBootstrap_FreshDatabase(t *testing.T) {
	cfg := testConfig(t)
	th := startHost(t, cfg)
	path := AdminKeyPath(cfg.Store.Path)

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("admin key file mode = %v, want 0600", perm)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !keyPattern.MatchString(strings.TrimSpace(string(first))) {
		t.Errorf("admin key file = %q, want one key", first)
	}
	r := th.do(t, http.MethodGet, "/api/keys", th.admin, "").want(t, "GET /api/keys with the admin key", http.StatusOK)
	list := decodeJSON[struct {
		Keys []struct {
			Scopes []string `json:"scopes"`
		} `json:"keys"`
	}](t, r)
	if len(list.Keys) != 1 || !slices.Equal(list.Keys[0].Scopes, []string{"*"}) {
		t.Errorf("GET /api/keys on a fresh database = %s, want one key with scope *", r.body)
	}

	// A second start on the same database keeps the key and the file.
	th.srv.Close()
	if err := th.host.Close(); err != nil {
		t.Fatal(err)
	}
	again := startHost(t, cfg)
	second, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Errorf("admin key file after a second start = %q, want unchanged %q", second, first)
	}
	r = again.do(t, http.MethodGet, "/api/keys", strings.TrimSpace(string(first)), "").
		want(t, "GET /api/keys with the first admin key after a restart", http.StatusOK)
	if n := len(decodeJSON[struct {
		Keys []any `json:"keys"`
	}](t, r).Keys); n != 1 {
		t.Errorf("GET /api/keys after a restart = %d keys, want 1", n)
	}
}

func TestBootstrap_AuthDisabled(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.Disabled = true
	th := startHost(t, cfg)

	path := AdminKeyPath(cfg.Store.Path)
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Stat(admin key file) with auth disabled = %v, want not exist", err)
	}
	got := th.ingest(t, "", testEvent("s1", "a1", "custom", nil))
	e := th.event(t, got.Events[0].ID)
	if e.KeyID != "anonymous" {
		t.Errorf("keyId with auth disabled = %q, want anonymous", e.KeyID)
	}
}
