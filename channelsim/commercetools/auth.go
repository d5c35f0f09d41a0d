package commercetools

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// Credentials are an API client of the project: what a client needs to get
// a token from POST /oauth/token (HTTP Basic client_id:client_secret,
// grant_type=client_credentials).
type Credentials struct {
	ProjectKey   string `json:"project_key"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// Scope is the API client's scopes, space-separated, e.g.
	// "manage_project:omnigate-demo".
	Scope string `json:"scope"`
	// TokenTTL is how long an access token lives, in seconds; 0 means
	// 172800 (two days), the auth service's lifetime for client
	// credentials tokens. Tests set a short one to see tokens refreshed.
	TokenTTL int64 `json:"token_ttl,omitempty"`
}

// DemoCredentials are the simulator's API client.
var DemoCredentials = Credentials{
	ProjectKey:   "omnigate-demo",
	ClientID:     "omnigate-demo-client",
	ClientSecret: "omnigate-demo-secret",
	Scope:        "manage_project:omnigate-demo",
	TokenTTL:     172800,
}

// defaultTokenTTL is the lifetime of a token when Credentials.TokenTTL is 0.
const defaultTokenTTL = 172800

// maxTokens bounds the live tokens kept, so that a client that asks for a
// token per call cannot grow the simulator's memory without end.
const maxTokens = 10000

type tokenInfo struct {
	expires time.Time
	scopes  []string
}

type tokens struct {
	mu sync.Mutex
	m  map[string]tokenInfo
}

func (t *tokens) issue(ttl time.Duration, scopes []string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, v := range t.m {
		if now.After(v.expires) {
			delete(t.m, k)
		}
	}
	for k := range t.m {
		if len(t.m) < maxTokens {
			break
		}
		delete(t.m, k)
	}
	t.m[tok] = tokenInfo{expires: now.Add(ttl), scopes: scopes}
	return tok
}

func (t *tokens) lookup(tok string) (tokenInfo, bool) {
	t.mu.Lock()
	info, ok := t.m[tok]
	t.mu.Unlock()
	if !ok || time.Now().After(info.expires) {
		return tokenInfo{}, false
	}
	return info, true
}

// grants reports whether the scopes held cover the scope wanted:
// manage_project covers everything in its project and manage_X covers
// view_X.
func grants(held []string, want string) bool {
	wantName, wantProject, _ := strings.Cut(want, ":")
	for _, h := range held {
		name, project, _ := strings.Cut(h, ":")
		if project != wantProject {
			continue
		}
		if name == wantName || name == "manage_project" ||
			(strings.HasPrefix(wantName, "view_") && name == "manage_"+strings.TrimPrefix(wantName, "view_")) {
			return true
		}
	}
	return false
}

func (s *server) authError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, ct.ErrorResponse{
		StatusCode: status, Message: msg,
		Errors: []ct.ErrorObject{{Code: code, Message: msg}},
		Error:  code, ErrorDescription: msg,
	})
}

// handleToken serves POST /oauth/token, the auth service's client
// credentials flow. Parameters may come in the form body or the query
// string.
func (s *server) handleToken(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	w.Header().Set("Cache-Control", "no-store")
	id, secret, ok := r.BasicAuth()
	const badClient = "Please provide valid client credentials using HTTP Basic Authentication."
	if !ok || subtle.ConstantTimeCompare([]byte(id), []byte(s.creds.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.creds.ClientSecret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="commercetools"`)
		s.authError(w, http.StatusUnauthorized, ct.CodeInvalidClient, badClient)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.authError(w, http.StatusBadRequest, ct.CodeInvalidRequest, "Malformed request body: "+err.Error())
		return
	}
	grant := r.Form.Get("grant_type")
	switch grant {
	case "":
		s.authError(w, http.StatusBadRequest, ct.CodeInvalidRequest, "Missing required parameter: grant_type.")
		return
	case "client_credentials":
	default:
		s.authError(w, http.StatusBadRequest, ct.CodeUnsupportedGrantType, "Invalid parameter: grant_type: Invalid grant type: "+grant)
		return
	}
	held := strings.Fields(s.creds.Scope)
	scopes := held
	if req := strings.Fields(r.Form.Get("scope")); len(req) > 0 {
		for _, sc := range req {
			if !grants(held, sc) {
				s.authError(w, http.StatusBadRequest, ct.CodeInvalidScope, "Malformed parameter: scope: Invalid scope.")
				return
			}
		}
		scopes = req
	}
	ttl := s.creds.TokenTTL
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	tok := s.tokens.issue(time.Duration(ttl)*time.Second, scopes)
	writeJSON(w, http.StatusOK, ct.TokenResponse{
		AccessToken: tok, TokenType: "Bearer", ExpiresIn: ttl, Scope: strings.Join(scopes, " "),
	})
}

// maxURL is the longest request URL the API accepts.
const maxURL = 8192

// authorize checks what every API call needs: a URL of sane length, a
// valid unexpired bearer token, and a token scope for this project that
// covers one of the scopes the endpoint accepts. It writes the API's error
// and returns false when the call may not proceed.
func (s *server) authorize(w http.ResponseWriter, r *http.Request, scopes []string) bool {
	if len(r.RequestURI) > maxURL {
		s.writeError(w, http.StatusRequestURITooLong, ct.ErrorObject{Code: ct.CodeInvalidInput,
			Message: "The request URL is " + strconv.Itoa(len(r.RequestURI)) + " characters long; the maximum is " + strconv.Itoa(maxURL) + "."})
		return false
	}
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if tok == "" || !strings.EqualFold(scheme, "Bearer") {
		const msg = "This endpoint requires an access token. You can get one from the authorization server."
		w.Header().Set("WWW-Authenticate", `Bearer realm="commercetools"`)
		s.authError(w, http.StatusUnauthorized, ct.CodeInvalidToken, msg)
		return false
	}
	info, ok := s.tokens.lookup(strings.TrimSpace(tok))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		s.authError(w, http.StatusUnauthorized, ct.CodeInvalidToken, "invalid_token")
		return false
	}
	project := r.PathValue("projectKey")
	var missing []string
	for _, sc := range scopes {
		want := sc + ":" + project
		if grants(info.scopes, want) {
			return true
		}
		missing = append(missing, want)
	}
	s.authError(w, http.StatusForbidden, ct.CodeInsufficientScope,
		"Insufficient scope. One of the following scopes is missing: "+strings.Join(missing, ", "))
	return false
}
