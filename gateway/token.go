package gateway

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/meterwire/meterwire/config"
)

func constantTimeEqual(a, b string) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// eventsPath is the one path that takes the token from the query string.
const eventsPath = "/api/events"

// authorized reports whether r may use the API: no token is configured,
// or r carries it as "Authorization: Bearer <token>" (the scheme in any
// case, RFC 9110 section 11.1).
//
// The live stream (GET /api/events) also takes ?token=: browsers open it
// with EventSource, which cannot set headers. Nowhere else, because a
// token in a URL ends up in access logs, proxy logs and browser history;
// the stream's URL is only ever built by the UI's script, never shown or
// bookmarked.
func authorized(r *http.Request, token config.Secret) bool {
	if !token.Set() {
		return true
	}
	if t, ok := bearer(r.Header.Get("Authorization")); ok && constantTimeEqual(t, string(token)) {
		return true
	}
	return r.URL.Path == eventsPath && constantTimeEqual(r.URL.Query().Get("token"), string(token))
}

// bearer returns the credentials of an Authorization header of the
// Bearer scheme.
func bearer(h string) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	return cred, cred != ""
}
