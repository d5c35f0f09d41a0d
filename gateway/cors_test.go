package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/omnigate/omnigate/config"
)

// Pages of the configured origins may call /graphql from a browser, with a
// token: the preflight is answered without one. Other origins get no CORS
// headers, and none are sent when no origin is configured.
func TestBrowsersOfConfiguredOriginsMayCall(t *testing.T) {
	idp := newProvider(t)
	_, gw, _ := smallGateway(t, func(cfg *config.Config) {
		cfg.CORSOrigins = []string{"https://shop.retailer.example", "https://*.kiosk.retailer.example"}
		cfg.Auth = config.Auth{Mode: "jwt", Issuer: testIssuer, Audience: testAudience, JWKSURL: idp.srv.URL,
			ScopeClaim: "scope", ActorClaim: "sub", CustomerClaim: "sub", CustomerSystem: "commercetools"}
	}, io.Discard)
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, srv.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, origin := range []string{"https://shop.retailer.example", "https://store-12.kiosk.retailer.example"} {
		resp := preflight(origin)
		if resp.StatusCode/100 != 2 || resp.Header.Get("Access-Control-Allow-Origin") != origin ||
			!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "authorization") {
			t.Errorf("preflight from %s: %d %v", origin, resp.StatusCode, resp.Header)
		}
	}
	for _, origin := range []string{"https://evil.example", "http://shop.retailer.example", "https://kiosk.retailer.example.evil.example"} {
		if resp := preflight(origin); resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from %s allowed: %v", origin, resp.Header)
		}
	}

	token := "Bearer " + idp.token("k1", map[string]any{"sub": "screen-1", "scope": "customers:read"})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ identityStats { customers } }"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "https://shop.retailer.example")
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), `"errors"`) {
		t.Fatalf("a cross-origin query: status %d, body %s", resp.StatusCode, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.retailer.example" ||
		!strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "Server-Timing") {
		t.Fatalf("a cross-origin answer's headers: %v", resp.Header)
	}

	_, plain, _ := smallGateway(t, func(*config.Config) {}, io.Discard)
	psrv := httptest.NewServer(plain.Handler)
	t.Cleanup(psrv.Close)
	req, _ = http.NewRequest(http.MethodOptions, psrv.URL+"/graphql", nil)
	req.Header.Set("Origin", "https://shop.retailer.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no origins configured: %v %v", err, resp.Header)
	}
}
