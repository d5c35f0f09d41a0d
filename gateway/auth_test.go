package gateway_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/omnigate/omnigate/config"
)

// provider is an identity provider: its keys, published as a JWKS over
// HTTP on loopback, sign the tokens the tests send.
type provider struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	keys   map[string]*rsa.PrivateKey // by kid
	served []string                   // the kids the JWKS publishes
}

const (
	testIssuer   = "https://id.retailer.example/"
	testAudience = "omnigate"
)

func newProvider(t *testing.T) *provider {
	p := &provider{t: t, keys: map[string]*rsa.PrivateKey{}}
	p.addKey("k1", true)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		var set jose.JSONWebKeySet
		for _, kid := range p.served {
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: &p.keys[kid].PublicKey, KeyID: kid, Algorithm: "RS256", Use: "sig"})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

// addKey makes a key; published, the JWKS serves it from then on.
func (p *provider) addKey(kid string, published bool) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.keys[kid] = k
	if published {
		p.served = append(p.served, kid)
	}
}

// token signs claims with the key kid; the registered claims default to a
// valid token of the test issuer and audience for ten minutes.
func (p *provider) token(kid string, claims map[string]any) string {
	p.t.Helper()
	p.mu.Lock()
	key := p.keys[kid]
	p.mu.Unlock()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		p.t.Fatal(err)
	}
	now := time.Now()
	all := map[string]any{"iss": testIssuer, "aud": testAudience, "exp": now.Add(10 * time.Minute).Unix(), "iat": now.Unix()}
	for k, v := range claims {
		if v == nil {
			delete(all, k)
			continue
		}
		all[k] = v
	}
	s, err := jwt.Signed(sig).Claims(all).Serialize()
	if err != nil {
		p.t.Fatal(err)
	}
	return s
}

type authAnswer struct {
	status     int
	challenge  string
	retryAfter string
	gqlResponse
}

// ask posts a query with the Authorization header given (none when empty).
func ask(t *testing.T, base, authorization, q string, vars map[string]any) authAnswer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	return answerOf(t, req)
}

func answerOf(t *testing.T, req *http.Request) authAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := authAnswer{status: resp.StatusCode, challenge: resp.Header.Get("WWW-Authenticate"), retryAfter: resp.Header.Get("Retry-After")}
	if err := json.Unmarshal(raw, &a.gqlResponse); err != nil {
		t.Fatalf("status %d, body %s: %v", resp.StatusCode, raw, err)
	}
	return a
}

func (a authAnswer) code() string {
	if len(a.Errors) == 0 {
		return ""
	}
	c, _ := a.Errors[0].Extensions["code"].(string)
	return c
}

func (a authAnswer) message() string {
	if len(a.Errors) == 0 {
		return ""
	}
	return a.Errors[0].Message
}

// The gateway authenticates its clients by their identity provider's
// tokens and answers each only what its scopes allow; a signed-in
// customer's token reads that customer alone, through me.
func TestClientsAuthenticateWithBearerTokens(t *testing.T) {
	idp := newProvider(t)
	_, gw, w := smallGateway(t, func(cfg *config.Config) {
		cfg.Auth = config.Auth{Mode: "jwt", Issuer: testIssuer, Audience: testAudience, JWKSURL: idp.srv.URL,
			ScopeClaim: "scope", ActorClaim: "email", CustomerClaim: "customer_id", CustomerSystem: "commercetools"}
	}, io.Discard)
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	bearer := func(claims map[string]any) string { return "Bearer " + idp.token("k1", claims) }
	agent := bearer(map[string]any{"sub": "agent-7", "email": "ann@retailer.example", "scope": "customers:read identity:write"})
	reader := bearer(map[string]any{"sub": "kiosk-2", "scope": "customers:read"})

	webID := w.WebCustomers[0].ID
	const bySystemID = `query($id: String!) { customerBySystemId(system: COMMERCETOOLS, id: $id) { id } }`
	var staff struct{ CustomerBySystemID *struct{ ID string } }
	a := ask(t, srv.URL, agent, bySystemID, map[string]any{"id": webID})
	if a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("an agent's token: status %d, errors %v", a.status, a.Errors)
	}
	if err := json.Unmarshal(a.Data, &staff); err != nil || staff.CustomerBySystemID == nil {
		t.Fatalf("an agent's token: data %s (%v)", a.Data, err)
	}
	golden := staff.CustomerBySystemID.ID

	t.Run("no token", func(t *testing.T) {
		a := ask(t, srv.URL, "", bySystemID, map[string]any{"id": webID})
		if a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" || !strings.HasPrefix(a.challenge, "Bearer") ||
			!strings.Contains(a.message(), "Query.customerBySystemId needs scope customers:read") || len(a.Data) > 0 && string(a.Data) != "null" {
			t.Fatalf("status %d, challenge %q, errors %v, data %s", a.status, a.challenge, a.Errors, a.Data)
		}
		// GET answers alike.
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql?query="+url.QueryEscape(`{ customer(id: "x") { id } }`), nil)
		if a := answerOf(t, req); a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" {
			t.Fatalf("GET: status %d, errors %v", a.status, a.Errors)
		}
		// So does introspection; health, readiness and GraphiQL need no token.
		if a := ask(t, srv.URL, "", `{ __schema { queryType { name } } }`, nil); a.status != http.StatusUnauthorized {
			t.Fatalf("introspection without a token: status %d, errors %v", a.status, a.Errors)
		}
		if a := ask(t, srv.URL, reader, `{ __schema { queryType { name } } }`, nil); a.status != http.StatusOK || len(a.Errors) > 0 {
			t.Fatalf("introspection with a token: status %d, errors %v", a.status, a.Errors)
		}
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		ready, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(ready), `"identity provider":"ok"`) {
			t.Fatalf("/readyz does not report the identity provider: %s", ready)
		}
		for _, path := range []string{"/healthz", "/"} {
			resp, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d", path, resp.StatusCode)
			}
		}
	})

	t.Run("tokens that are not valid", func(t *testing.T) {
		idp.addKey("stranger", false)
		for name, c := range map[string]struct{ authorization, says string }{
			"another scheme":   {"Basic YWdlbnQ6c2VjcmV0", `must be "Bearer "`},
			"no token":         {"Bearer ", `must be "Bearer "`},
			"not a JWT":        {"Bearer not-a-token", "not valid"},
			"unknown key":      {"Bearer " + idp.token("stranger", map[string]any{"sub": "x", "scope": "customers:read"}), "not valid"},
			"expired":          {bearer(map[string]any{"sub": "x", "scope": "customers:read", "exp": time.Now().Add(-time.Minute).Unix()}), "expired"},
			"no expiry":        {bearer(map[string]any{"sub": "x", "scope": "customers:read", "exp": nil}), "not valid"},
			"another issuer":   {bearer(map[string]any{"sub": "x", "scope": "customers:read", "iss": "https://evil.example/"}), "issued by a different provider"},
			"another audience": {bearer(map[string]any{"sub": "x", "scope": "customers:read", "aud": "billing"}), "audience"},
			"scope not text":   {bearer(map[string]any{"sub": "x", "scope": 42}), `"scope" claim must be a string or an array of strings`},
		} {
			a := ask(t, srv.URL, c.authorization, bySystemID, map[string]any{"id": webID})
			if a.status != http.StatusUnauthorized || a.code() != "UNAUTHENTICATED" || !strings.Contains(a.message(), c.says) || !strings.HasPrefix(a.challenge, "Bearer error=") {
				t.Errorf("%s: status %d, challenge %q, errors %v; want 401 saying %q", name, a.status, a.challenge, a.Errors, c.says)
			}
		}
	})

	t.Run("scopes", func(t *testing.T) {
		customer := bearer(map[string]any{"sub": "auth0|123", "customer_id": webID})
		a := ask(t, srv.URL, customer, bySystemID, map[string]any{"id": webID})
		if a.status != http.StatusForbidden || a.code() != "FORBIDDEN" || a.challenge != `Bearer error="insufficient_scope", scope="customers:read"` ||
			!strings.Contains(a.message(), "Query.customerBySystemId needs scope customers:read") {
			t.Fatalf("a customer's token reading by system id: status %d, challenge %q, errors %v", a.status, a.challenge, a.Errors)
		}
		// An array of scopes (as some providers send scp) counts too.
		scp := bearer(map[string]any{"sub": "kiosk-3", "scope": []string{"customers:read"}})
		if a := ask(t, srv.URL, scp, bySystemID, map[string]any{"id": webID}); a.status != http.StatusOK || len(a.Errors) > 0 {
			t.Fatalf("scopes as an array: status %d, errors %v", a.status, a.Errors)
		}
		// A change needs identity:write, whatever else the token holds.
		merge := `mutation($ids: [ID!]!) { mergeCustomers(ids: $ids) { change { actor } } }`
		a = ask(t, srv.URL, reader, merge, map[string]any{"ids": []string{golden, golden}})
		if a.status != http.StatusForbidden || !strings.Contains(a.message(), "Mutation.mergeCustomers needs scope identity:write") {
			t.Fatalf("a change without identity:write: status %d, errors %v", a.status, a.Errors)
		}
		erase := `mutation($id: ID!) { eraseCustomer(id: $id, dryRun: true) { customerId } }`
		if a := ask(t, srv.URL, agent, erase, map[string]any{"id": golden}); a.status != http.StatusForbidden ||
			!strings.Contains(a.message(), "Mutation.eraseCustomer needs scope identity:erase") {
			t.Fatalf("an erasure without identity:erase: status %d, errors %v", a.status, a.Errors)
		}
	})

	t.Run("me", func(t *testing.T) {
		customer := bearer(map[string]any{"sub": "auth0|123", "customer_id": webID})
		var me struct {
			Me *struct {
				ID   string
				Cart struct{ Lines []any }
			}
		}
		a := ask(t, srv.URL, customer, `{ me { id cart { lines { sku } } } }`, nil)
		if a.status != http.StatusOK || len(a.Errors) > 0 {
			t.Fatalf("me: status %d, errors %v", a.status, a.Errors)
		}
		if err := json.Unmarshal(a.Data, &me); err != nil || me.Me == nil || me.Me.ID != golden {
			t.Fatalf("me: data %s, want customer %s (%v)", a.Data, golden, err)
		}
		// Fields for staff stay closed to the customer, in fragments too,
		// unless skipped.
		for _, q := range []string{
			`{ me { id identityHistory { actor } } }`,
			`{ me { ...history } } fragment history on Customer { identityHistory { actor } }`,
			`{ me { ... on Customer { identitySuggestions { score } } } }`,
		} {
			if a := ask(t, srv.URL, customer, q, nil); a.status != http.StatusForbidden || !strings.Contains(a.message(), "needs scope customers:read") {
				t.Errorf("%s: status %d, errors %v", q, a.status, a.Errors)
			}
		}
		skipped := `query($staff: Boolean!) { me { id identityHistory @include(if: $staff) { actor } } }`
		if a := ask(t, srv.URL, customer, skipped, map[string]any{"staff": false}); a.status != http.StatusOK || len(a.Errors) > 0 {
			t.Errorf("a field left out by @include: status %d, errors %v", a.status, a.Errors)
		}
		// A token without the customer claim is nobody's me.
		if a := ask(t, srv.URL, reader, `{ me { id } }`, nil); a.status != http.StatusOK || a.code() != "FORBIDDEN" || !strings.Contains(a.message(), "names no customer") {
			t.Errorf("me without a customer claim: status %d, errors %v", a.status, a.Errors)
		}
		if a := ask(t, srv.URL, "", `{ me { id } }`, nil); a.status != http.StatusUnauthorized || !strings.Contains(a.message(), "Query.me needs a token") {
			t.Errorf("me without a token: status %d, errors %v", a.status, a.Errors)
		}
	})

	t.Run("the token names the actor", func(t *testing.T) {
		var ids []string
		for _, c := range w.WebCustomers[1:] {
			var out struct{ CustomerBySystemID *struct{ ID string } }
			a := ask(t, srv.URL, reader, bySystemID, map[string]any{"id": c.ID})
			if json.Unmarshal(a.Data, &out) == nil && out.CustomerBySystemID != nil && out.CustomerBySystemID.ID != golden && !slices.Contains(ids, out.CustomerBySystemID.ID) {
				if ids = append(ids, out.CustomerBySystemID.ID); len(ids) == 2 {
					break
				}
			}
		}
		if len(ids) < 2 {
			t.Fatalf("found %d other customers", len(ids))
		}
		merge := `mutation($ids: [ID!]!, $actor: String) { mergeCustomers(ids: $ids, actor: $actor, reason: "same person") { change { actor } } }`
		a := ask(t, srv.URL, agent, merge, map[string]any{"ids": ids, "actor": "someone-else@retailer.example"})
		if a.code() != "INVALID_INPUT" || !strings.Contains(a.message(), `not the token's actor "ann@retailer.example"`) {
			t.Fatalf("an actor other than the token's: status %d, errors %v", a.status, a.Errors)
		}
		var out struct {
			MergeCustomers struct{ Change struct{ Actor string } }
		}
		a = ask(t, srv.URL, agent, merge, map[string]any{"ids": ids})
		if a.status != http.StatusOK || len(a.Errors) > 0 {
			t.Fatalf("merge: status %d, errors %v", a.status, a.Errors)
		}
		if err := json.Unmarshal(a.Data, &out); err != nil || out.MergeCustomers.Change.Actor != "ann@retailer.example" {
			t.Fatalf("merge recorded actor %q, want the token's email (data %s)", out.MergeCustomers.Change.Actor, a.Data)
		}
	})
}

// Without authentication (the loopback default), me has nobody to be, and
// an identity change names its actor itself.
func TestMeNeedsAuthentication(t *testing.T) {
	_, gw, _ := smallGateway(t, func(*config.Config) {}, io.Discard)
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	a := ask(t, srv.URL, "", `{ me { id } }`, nil)
	if a.code() != "UNAUTHENTICATED" || !strings.Contains(a.message(), "auth.mode none") {
		t.Fatalf("me without authentication: status %d, errors %v", a.status, a.Errors)
	}
	a = ask(t, srv.URL, "", `mutation { mergeCustomers(ids: ["a", "b"]) { change { actor } } }`, nil)
	if a.code() != "INVALID_INPUT" || !strings.Contains(a.message(), "actor: name who makes the change") {
		t.Fatalf("a change without an actor: status %d, errors %v", a.status, a.Errors)
	}
}
