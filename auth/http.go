package auth

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/omnigate/omnigate"
)

// Middleware authenticates every request: one with an Authorization header
// must carry a valid bearer token, else it is answered 401 before GraphQL
// sees it; one without runs as an anonymous principal, which the
// operation's authorization (Authorization) refuses any field that needs a
// token. Refusals there are answered 401 or 403 too, with the
// WWW-Authenticate challenge of RFC 6750 (omnigate.SetAnswer).
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := &Principal{Anonymous: true}
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
			token = strings.TrimSpace(token)
			if !strings.EqualFold(scheme, "Bearer") || token == "" {
				refuse(w, http.StatusUnauthorized, `Bearer error="invalid_request"`, EUNAUTHENTICATED,
					`the Authorization header must be "Bearer " and a token`)
				return
			}
			var err error
			if p, err = a.Authenticate(r.Context(), token); err != nil {
				msg := err.Error()
				if omnigate.ErrorCode(err) == omnigate.EUNAVAILABLE {
					// The provider's fault, not the client's: its token
					// may well be good.
					w.Header().Set("Retry-After", "10")
					refuse(w, http.StatusServiceUnavailable, "", omnigate.EUNAVAILABLE, msg)
					return
				}
				refuse(w, http.StatusUnauthorized, `Bearer error="invalid_token", error_description=`+quote(msg), EUNAUTHENTICATED, msg)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(With(r.Context(), p)))
	})
}

// refuse answers a request that never reached GraphQL, in GraphQL's error
// shape.
func refuse(w http.ResponseWriter, status int, challenge, code, msg string) {
	body, _ := json.Marshal(map[string]any{"errors": []any{map[string]any{
		"message": msg, "extensions": map[string]any{"code": code},
	}}})
	if challenge != "" {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// quote makes s an RFC 7230 quoted-string: error_description allows no
// quote or backslash unescaped, and no control characters.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r > 0x7e:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
