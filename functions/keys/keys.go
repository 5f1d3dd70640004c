// Package keys serves the API key routes: create, list and revoke. It also
// defines the key format, which the host's authentication and the CLI use.
//
// A key is "als_" followed by 64 lowercase hex digits from crypto/rand. It
// is shown once, in the response that creates it; only its SHA-256 (hex)
// is stored.
package keys

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/store/chain"
)

// ErrNotFound is what a [Store] returns for an unknown key id.
var ErrNotFound = errors.New("not found")

// Key is an API key as listed: everything but the secret.
type Key struct {
	ID         string
	Name       string
	Prefix     string
	Scopes     []string
	Agents     []string // nil: may write events of any agent
	CreatedAt  string
	LastUsedAt string
	RevokedAt  string
}

// Store keeps keys. RevokeKey must make the key fail authentication at once.
type Store interface {
	CreateKey(ctx context.Context, k Key, hash string) error
	ListKeys(ctx context.Context) ([]Key, error)
	RevokeKey(ctx context.Context, id, at string) error
}

// Scopes are the scopes a key may hold.
var Scopes = []api.Scope{
	api.ScopeAll, api.ScopeEventsWrite, api.ScopeEventsRead, api.ScopeAuditRead,
	api.ScopeKeysAdmin, api.ScopeWebhookWrite, api.ScopeMetricsRead,
}

// Prefix begins every key.
const Prefix = "als_"

// ValidFormat reports whether s has the form of a key: "als_" and 64
// lowercase hex digits.
func ValidFormat(s string) bool {
	if len(s) != len(Prefix)+64 || !strings.HasPrefix(s, Prefix) {
		return false
	}
	for _, c := range s[len(Prefix):] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Hash returns the lowercase hex SHA-256 of the whole key string, the only
// form in which a key is stored.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// New makes a key with the given name, scopes and agents, returning the
// record to store, the secret to show once, and the secret's hash.
func New(name string, scopes, agents []string, now time.Time) (Key, string, error) {
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return Key{}, "", fmt.Errorf("generate key: %w", err)
	}
	raw := Prefix + hex.EncodeToString(secret[:])
	k := Key{
		ID:        ulid.Make().String(),
		Name:      name,
		Prefix:    raw[:len(Prefix)+8],
		Scopes:    scopes,
		Agents:    agents,
		CreatedAt: chain.FormatTime(now),
	}
	return k, raw, nil
}

// CheckRequest validates a key's name, scopes and agents, applying the
// defaults ("Unnamed Key", every scope). It returns an *api.Error (400).
func CheckRequest(name string, scopes, agents []string) (string, []string, error) {
	if name == "" {
		name = "Unnamed Key"
	}
	if len(name) > 200 || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
		return "", nil, api.BadRequest("name must be at most 200 bytes of text without control characters.")
	}
	if scopes == nil {
		scopes = []string{string(api.ScopeAll)}
	}
	if len(scopes) == 0 {
		return "", nil, api.BadRequest("scopes must name at least one scope.")
	}
	for _, s := range scopes {
		if !slices.Contains(Scopes, api.Scope(s)) {
			return "", nil, api.BadRequest(fmt.Sprintf("unknown scope %q; scopes are %s.", s, scopeList()))
		}
	}
	var unique []string
	for _, s := range scopes {
		if !slices.Contains(unique, s) {
			unique = append(unique, s)
		}
	}
	scopes = unique
	if agents != nil && len(agents) == 0 {
		return "", nil, api.BadRequest("agents must name at least one agent id; leave it out for a key that may write for any agent.")
	}
	for _, a := range agents {
		if a == "" || len(a) > 256 || !utf8.ValidString(a) || strings.ContainsFunc(a, unicode.IsControl) {
			return "", nil, api.BadRequest("each agent id must be 1 to 256 bytes of text without control characters.")
		}
	}
	return name, scopes, nil
}

func scopeList() string {
	names := make([]string, len(Scopes))
	for i, s := range Scopes {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Config is what the function needs from the host.
type Config struct {
	Store Store
	Now   func() time.Time // default time.Now
}

// Routes returns the key management routes, all behind keys:admin.
func Routes(cfg Config) []api.Route {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &handler{cfg: cfg}
	return []api.Route{
		{Method: http.MethodPost, Path: "/api/keys", Scope: api.ScopeKeysAdmin, Handler: h.create},
		{Method: http.MethodGet, Path: "/api/keys", Scope: api.ScopeKeysAdmin, Handler: h.list},
		{Method: http.MethodDelete, Path: "/api/keys/:id", Scope: api.ScopeKeysAdmin, Handler: h.revoke},
	}
}

type handler struct {
	cfg Config
}

type createRequest struct {
	Name   *string  `json:"name"`
	Scopes []string `json:"scopes"`
	Agents []string `json:"agents"`
}

type created struct {
	ID        string   `json:"id"`
	Key       string   `json:"key"`
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	Agents    []string `json:"agents,omitempty"`
	CreatedAt string   `json:"createdAt"`
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	body, err := api.ReadBody(r)
	if err != nil {
		return err
	}
	// encoding/json would turn invalid UTF-8 into U+FFFD, take the last of
	// duplicate members and ignore what follows the object; refuse all three.
	var req createRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if chain.Check(body, chain.DefaultLimits) != nil || dec.Decode(&req) != nil ||
			dec.Decode(new(json.RawMessage)) != io.EOF {
			return api.BadRequest(`The body must be one JSON object {"name"?: string, "scopes"?: [string], "agents"?: [string]}.`)
		}
	}
	name := ""
	if req.Name != nil {
		name = *req.Name
	}
	name, scopes, err := CheckRequest(name, req.Scopes, req.Agents)
	if err != nil {
		return err
	}

	k, raw, err := New(name, scopes, req.Agents, h.cfg.Now())
	if err != nil {
		return err
	}
	if err := h.cfg.Store.CreateKey(r.Context(), k, Hash(raw)); err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusCreated, created{
		ID: k.ID, Key: raw, Name: k.Name, Scopes: k.Scopes, Agents: k.Agents, CreatedAt: k.CreatedAt,
	})
}

type listed struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Prefix     string   `json:"prefix"`
	Scopes     []string `json:"scopes"`
	Agents     []string `json:"agents,omitempty"`
	CreatedAt  string   `json:"createdAt"`
	LastUsedAt string   `json:"lastUsedAt,omitempty"`
	RevokedAt  string   `json:"revokedAt,omitempty"`
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	keys, err := h.cfg.Store.ListKeys(r.Context())
	if err != nil {
		return err
	}
	out := make([]listed, len(keys))
	for i, k := range keys {
		out[i] = listed(k)
	}
	return api.WriteJSON(w, http.StatusOK, map[string]any{"keys": out})
}

func (h *handler) revoke(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	id := r.PathValue("id")
	err := h.cfg.Store.RevokeKey(r.Context(), id, chain.FormatTime(h.cfg.Now()))
	if errors.Is(err, ErrNotFound) {
		return api.NotFound(fmt.Sprintf("No key has id %q.", id))
	}
	if err != nil {
		return err
	}
	return api.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "deleted": true})
}
