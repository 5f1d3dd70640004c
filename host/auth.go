package host

import (
	"net/http"
	"slices"

	"github.com/agentlens/agentlens-go/api"
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

// closedAuth refuses every request to a protected route.
//
// TODO: API keys (creation, storage as SHA-256, lookup, scopes, revocation)
// are not built yet, so with authentication on nothing but the public routes
// can be reached; the keys function replaces this.
type closedAuth struct{}

func (closedAuth) Authenticate(*http.Request) (principal, error) {
	return principal{}, &api.Error{
		Status:  http.StatusUnauthorized,
		Message: "This route needs an API key, and this server cannot issue keys yet; start it with AUTH_DISABLED=true for development.",
	}
}
