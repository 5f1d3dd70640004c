package host

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/agentlens/agentlens-go/api"
	"github.com/agentlens/agentlens-go/functions/keys"
	"github.com/agentlens/agentlens-go/store"
	"github.com/agentlens/agentlens-go/store/chain"
)

// principal is an authenticated caller and what it may do.
type principal struct {
	caller api.Caller
	scopes []api.Scope
}

// allows reports whether the principal holds scope, directly or through "*".
func (p principal) allows(scope api.Scope) bool {
	return slices.Contains(p.scopes, api.ScopeAll) || slices.Contains(p.scopes, scope)
}

// authenticator identifies the caller of a request to a protected route. It
// returns an *api.Error with status 401 when the request carries no valid
// credentials.
type authenticator interface {
	Authenticate(r *http.Request) (principal, error)
}

// anonymousKeyID is the keyId of events written with authentication off.
const anonymousKeyID = "anonymous"

// openAuth admits every request as the anonymous caller with every scope;
// it is used only with AUTH_DISABLED=true.
type openAuth struct{}

func (openAuth) Authenticate(*http.Request) (principal, error) {
	return principal{caller: api.Caller{KeyID: anonymousKeyID}, scopes: []api.Scope{api.ScopeAll}}, nil
}

// keyLookup finds a key by the hash of its secret.
type keyLookup interface {
	KeyByHash(ctx context.Context, hash string) (store.Key, string, error)
}

// keyAuthTTL bounds how long a validated key is trusted without a database
// read; a revocation made outside this process takes effect within it.
const keyAuthTTL = 5 * time.Second

// keyAuth authenticates "Authorization: Bearer als_<64 hex>" against the
// stored key hashes, caching validated keys for [keyAuthTTL].
type keyAuth struct {
	keys    keyLookup
	cache   *expirable.LRU[string, principal] // by key hash
	usage   *usageRecorder
	revoked sync.Map // key ids revoked through the API while this process runs
}

func newKeyAuth(keys keyLookup, usage *usageRecorder) *keyAuth {
	return &keyAuth{
		keys:  keys,
		cache: expirable.NewLRU[string, principal](10000, nil, keyAuthTTL),
		usage: usage,
	}
}

// unauthorized is the 401 for any credential problem; it does not say which,
// so that it tells a prober nothing about which keys exist.
func unauthorized(message string) error {
	return &api.Error{Status: http.StatusUnauthorized, Message: message}
}

func (a *keyAuth) Authenticate(r *http.Request) (principal, error) {
	if len(r.Header.Values("Authorization")) > 1 {
		return principal{}, unauthorized("Send one Authorization header, not several.")
	}
	header := r.Header.Get("Authorization")
	if header == "" {
		return principal{}, unauthorized("This route needs an API key: send Authorization: Bearer als_….")
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || !keys.ValidFormat(token) {
		return principal{}, unauthorized("The Authorization header must be Bearer als_ followed by 64 lowercase hex digits.")
	}
	hash := keys.Hash(token)

	p, ok := a.cache.Get(hash)
	if !ok {
		k, stored, err := a.keys.KeyByHash(r.Context(), hash)
		if errors.Is(err, store.ErrNotFound) ||
			(err == nil && subtle.ConstantTimeCompare([]byte(stored), []byte(hash)) != 1) {
			return principal{}, unauthorized("This API key is not valid.")
		}
		if err != nil {
			return principal{}, err
		}
		if k.RevokedAt != "" {
			return principal{}, unauthorized("This API key has been revoked.")
		}
		p = principal{caller: api.Caller{KeyID: k.ID, Agents: k.Agents}}
		for _, s := range k.Scopes {
			p.scopes = append(p.scopes, api.Scope(s))
		}
		a.cache.Add(hash, p)
	}
	// A lookup that raced a revocation may have cached the key again.
	if _, gone := a.revoked.Load(p.caller.KeyID); gone {
		a.cache.Remove(hash)
		return principal{}, unauthorized("This API key has been revoked.")
	}
	a.usage.touch(p.caller.KeyID, time.Now())
	return p, nil
}

// evict is called when the key with this id is revoked: its cached
// validation is dropped and it is refused from now on.
func (a *keyAuth) evict(keyID string) {
	a.revoked.Store(keyID, struct{}{})
	for _, hash := range a.cache.Keys() {
		if p, ok := a.cache.Peek(hash); ok && p.caller.KeyID == keyID {
			a.cache.Remove(hash)
		}
	}
}

// usageRecorder notes when keys are used and writes lastUsedAt in the
// background, at most once a minute per key, so that authentication never
// waits on a write.
type usageRecorder struct {
	mu      sync.Mutex
	pending map[string]time.Time
	written map[string]time.Time
}

// usageInterval is the least time between two lastUsedAt writes of one key.
const usageInterval = time.Minute

func newUsageRecorder() *usageRecorder {
	return &usageRecorder{pending: map[string]time.Time{}, written: map[string]time.Time{}}
}

func (u *usageRecorder) touch(keyID string, now time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if last, ok := u.written[keyID]; ok && now.Sub(last) < usageInterval {
		return
	}
	u.written[keyID] = now
	u.pending[keyID] = now
}

// take returns the uses not yet written and forgets them.
func (u *usageRecorder) take() map[string]string {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make(map[string]string, len(u.pending))
	for id, at := range u.pending {
		out[id] = chain.FormatTime(at)
	}
	clear(u.pending)
	return out
}

// run writes recorded uses every few seconds until ctx is done, then once
// more.
func (u *usageRecorder) run(ctx context.Context, st *store.Store, log *slog.Logger) {
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	flush := func(ctx context.Context) {
		if uses := u.take(); len(uses) > 0 {
			if err := st.TouchKeys(ctx, uses); err != nil {
				log.WarnContext(ctx, "recording key use failed", slog.Any(keyError, err))
			}
		}
	}
	for {
		select {
		case <-tick.C:
			flush(ctx)
		case <-ctx.Done():
			flush(context.WithoutCancel(ctx))
			return
		}
	}
}
