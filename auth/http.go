package auth

import (
	"context"
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
// WWW-Authenticate challenge of RFC 6750.
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
					w.Header().Set("Retry-After", "30")
					refuse(w, http.StatusServiceUnavailable, "", omnigate.EUNAVAILABLE, msg)
					return
				}
				refuse(w, http.StatusUnauthorized, `Bearer error="invalid_token", error_description=`+quote(msg), EUNAUTHENTICATED, msg)
				return
			}
		}
		out := &outcome{}
		ctx := context.WithValue(With(r.Context(), p), outcomeKey{}, out)
		next.ServeHTTP(&statusWriter{ResponseWriter: w, out: out}, r.WithContext(ctx))
	})
}

// outcome is an authorization refusal's HTTP status and challenge, which the
// GraphQL transports (that answer 200 to a refused operation) do not know.
type outcome struct {
	status    int
	challenge string
}

type outcomeKey struct{}

// refused records on the request that its operation was refused.
func refused(ctx context.Context, status int, challenge string) {
	if out, ok := ctx.Value(outcomeKey{}).(*outcome); ok {
		out.status, out.challenge = status, challenge
	}
}

// statusWriter answers with the refusal's status and challenge.
type statusWriter struct {
	http.ResponseWriter
	out         *outcome
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader && w.out.status != 0 {
		w.Header().Set("WWW-Authenticate", w.out.challenge)
		code = w.out.status
	}
	w.wroteHeader = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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
