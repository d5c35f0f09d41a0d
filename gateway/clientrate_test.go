package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/omnigate/omnigate/config"
)

// Each client reads at most client_rate customers a second, with a burst;
// a request its bucket cannot pay for is refused with 429 and Retry-After,
// and costs other clients nothing. A client is the token's subject.
func TestEachClientHasItsRate(t *testing.T) {
	idp := newProvider(t)
	_, gw, w := smallGateway(t, func(cfg *config.Config) {
		cfg.ClientRate = config.ClientRate{PerSecond: 1, Burst: 3}
		cfg.Auth = config.Auth{Mode: "jwt", Issuer: testIssuer, Audience: testAudience, JWKSURL: idp.srv.URL,
			ScopeClaim: "scope", ActorClaim: "sub", CustomerClaim: "sub", CustomerSystem: "commercetools"}
	}, io.Discard)
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	screen := "Bearer " + idp.token("k1", map[string]any{"sub": "screen-1", "scope": "customers:read"})
	agent := "Bearer " + idp.token("k1", map[string]any{"sub": "agent-7", "scope": "customers:read"})
	id := w.WebCustomers[0].ID
	three := `query($id: String!) { a: customerBySystemId(system: COMMERCETOOLS, id: $id) { id } b: customerBySystemId(system: COMMERCETOOLS, id: $id) { id } c: customerBySystemId(system: COMMERCETOOLS, id: $id) { id } }`
	one := `query($id: String!) { customerBySystemId(system: COMMERCETOOLS, id: $id) { id } }`

	// Resolved first by another client, so that the screen's requests
	// follow each other within the second.
	if a := ask(t, srv.URL, agent, one, map[string]any{"id": id}); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("status %d, errors %v", a.status, a.Errors)
	}
	if a := ask(t, srv.URL, screen, three, map[string]any{"id": id}); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("three customers on a bucket of three: status %d, errors %v", a.status, a.Errors)
	}
	a := ask(t, srv.URL, screen, one, map[string]any{"id": id})
	if a.status != http.StatusTooManyRequests || a.retryAfter != "1" || a.code() != "RATE_LIMITED" || !strings.Contains(a.message(), "client_rate: 1 a second, 3 at once") {
		t.Fatalf("a fourth customer within the second: status %d, Retry-After %q, errors %v", a.status, a.retryAfter, a.Errors)
	}
	if a := ask(t, srv.URL, agent, one, map[string]any{"id": id}); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("another client, refused for the first's reads: status %d, errors %v", a.status, a.Errors)
	}

	// Without authentication, a client is the address it calls from.
	_, open, _ := smallGateway(t, func(cfg *config.Config) { cfg.ClientRate = config.ClientRate{PerSecond: 1, Burst: 1} }, io.Discard)
	osrv := httptest.NewServer(open.Handler)
	t.Cleanup(osrv.Close)
	_ = ask(t, osrv.URL, "", `{ customer(id: "cus_none") { id } }`, nil)
	if a := ask(t, osrv.URL, "", `{ customer(id: "cus_none") { id } }`, nil); a.status != http.StatusTooManyRequests || a.code() != "RATE_LIMITED" {
		t.Fatalf("a second customer from one address within the second: status %d, errors %v", a.status, a.Errors)
	}
}
