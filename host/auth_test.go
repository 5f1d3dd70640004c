package host

import (
	"net/http"
	"strings"
	"testing"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/functions/keys"
)

// TestScopes_AdmitExactlyTheirRoutes calls every protected route with a key
// holding only its scope (admitted: anything but 401 and 403) and with a
// key holding only another scope (403).
func TestScopes_AdmitExactlyTheirRoutes(t *testing.T) {
	th := startHost(t, testConfig(t))

	keyFor := map[api.Scope]string{}
	for _, s := range keys.Scopes {
		if s != api.ScopeAll {
			keyFor[s] = th.createKey(t, `{"scopes":[`+quote(string(s))+`]}`).Key
		}
	}
	// another returns a scope other than s and "*".
	another := func(s api.Scope) api.Scope {
		for _, o := range keys.Scopes {
			if o != s && o != api.ScopeAll {
				return o
			}
		}
		panic("no other scope")
	}

	for _, row := range routeTable {
		if row.scope == api.Public {
			continue
		}
		path := concretePath(row.path)
		body := ""
		if row.method == http.MethodPost {
			body = "{}"
		}
		t.Run(row.method+" "+row.path, func(t *testing.T) {
			r := th.do(t, row.method, path, keyFor[row.scope], body)
			if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
				t.Errorf("%s %s with a %q key = %d %s, want it admitted", row.method, path, row.scope, r.status, r.body)
			}

			other := another(row.scope)
			r = th.do(t, row.method, path, keyFor[other], body)
			if r.status != http.StatusForbidden {
				t.Errorf("%s %s with a %q key = %d %s, want 403", row.method, path, other, r.status, r.body)
			}
		})
	}
}

func TestAuth_PublicRoutesNeedNothing(t *testing.T) {
	th := startHost(t, testConfig(t))
	for _, row := range routeTable {
		if row.scope != api.Public {
			continue
		}
		if r := th.do(t, row.method, row.path, "", ""); r.status != http.StatusOK {
			t.Errorf("%s %s without credentials = %d %s, want 200", row.method, row.path, r.status, r.body)
		}
	}
}

func TestAuth_AuthorizationHeader(t *testing.T) {
	th := startHost(t, testConfig(t))
	key := th.admin
	hexPart := strings.TrimPrefix(key, keys.Prefix)
	unknown := keys.Prefix + strings.Repeat("0", 64)

	tests := []struct {
		name   string
		header string // "" sends no Authorization header
		want   int
	}{
		{"none", "", http.StatusUnauthorized},
		{"Bearer", "Bearer " + key, http.StatusOK},
		{"lowercase scheme", "bearer " + key, http.StatusOK},
		{"uppercase scheme", "BEARER " + key, http.StatusOK},
		{"Basic with a valid key", "Basic " + key, http.StatusUnauthorized},
		{"key alone", key, http.StatusUnauthorized},
		{"scheme alone", "Bearer", http.StatusUnauthorized},
		{"short", "Bearer " + key[:len(key)-1], http.StatusUnauthorized},
		{"long", "Bearer " + key + "0", http.StatusUnauthorized},
		{"uppercase hex", "Bearer " + keys.Prefix + strings.ToUpper(hexPart), http.StatusUnauthorized},
		{"no als_ prefix", "Bearer " + hexPart, http.StatusUnauthorized},
		{"uppercase prefix", "Bearer ALS_" + hexPart, http.StatusUnauthorized},
		{"two spaces", "Bearer  " + key, http.StatusUnauthorized},
		{"space inside", "Bearer " + key[:20] + " " + key[20:], http.StatusUnauthorized},
		{"tab", "Bearer\t" + key, http.StatusUnauthorized},
		{"well formed but unknown", "Bearer " + unknown, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.header != "" {
				hdr = []string{"Authorization", tt.header}
			}
			r := th.do(t, http.MethodGet, "/api/events", "", "", hdr...)
			if r.status != tt.want {
				t.Errorf("GET /api/events with Authorization %q = %d %s, want %d", tt.name, r.status, r.body, tt.want)
			}
		})
	}
}
