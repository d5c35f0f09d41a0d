package gateway_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/internal/logbuf"
)

func TestSlowRequestsAreLoggedWithTheirCalls(t *testing.T) {
	logs := &logbuf.Buffer{}
	_, gw, w := smallGateway(t, func(cfg *config.Config) {
		cfg.Square.CatalogSync = 0
		cfg.SlowRequest = time.Nanosecond // every request is slow
	}, logs)
	defer gw.Close(context.Background())
	srv := httptest.NewServer(gw.Handler)
	defer srv.Close()

	email := w.WebCustomers[0].Email
	body := `{"query":"query($e: String!) { customerByEmail(email: $e) { id orders(first: 5) { totalCount } } }","variables":{"e":"` + strings.TrimSpace(email) + `"}}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(omnigate.RequestIDHeader, "slow-test-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var line string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "slow request") && strings.Contains(l, "request_id=slow-test-1") {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no slow-request line for the request; log:\n%s", logs.String())
	}
	// The webshop was searched for the email and asked for the orders.
	for _, want := range []string{"commercetools GET /omnigate-demo/customers", "commercetools GET /omnigate-demo/orders", " took "} {
		if !strings.Contains(line, want) {
			t.Errorf("slow-request line lacks %q: %s", want, line)
		}
	}
	if strings.Contains(line, "where=") || strings.Contains(line, strings.ToLower(strings.TrimSpace(email))) {
		t.Errorf("the slow-request line holds a query string or the customer's email: %s", line)
	}
}

// Every GraphQL answer says in a Server-Timing header how long the request
// waited on the channel systems and how long the gateway took besides.
func TestServerTimingShowsTheWaitOnTheSystems(t *testing.T) {
	sim, gw, w := smallGateway(t, func(cfg *config.Config) { cfg.Square.CatalogSync = 0 }, io.Discard)
	defer gw.Close(context.Background())
	srv := httptest.NewServer(gw.Handler)
	defer srv.Close()
	const latency = 40 * time.Millisecond
	if err := sim.Harness.Faults().Add(harness.Fault{System: "commercetools", Latency: harness.Duration(latency)}); err != nil {
		t.Fatal(err)
	}

	email := strings.TrimSpace(w.WebCustomers[0].Email)
	body := `{"query":"query($e: String!) { customerByEmail(email: $e) { id orders(first: 5) { totalCount } } }","variables":{"e":"` + email + `"}}`
	sent := time.Now()
	resp, err := http.Post(srv.URL+"/graphql", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(sent)
	st := resp.Header.Get("Server-Timing")
	var up, own float64
	if _, err := fmt.Sscanf(st, `upstream;dur=%f;desc="waiting on the channel systems", gateway;dur=%f`, &up, &own); err != nil {
		t.Fatalf("Server-Timing %q: %v", st, err)
	}
	upstream, gateway := time.Duration(up*1e6), time.Duration(own*1e6)
	// The webshop was searched for the email, then asked for the orders:
	// two calls one after the other.
	if upstream < 2*latency {
		t.Errorf("upstream %v, want at least two calls of %v", upstream, latency)
	}
	if gateway < 0 || upstream+gateway > took {
		t.Errorf("upstream %v + gateway %v, want at most the %v the client waited", upstream, gateway, took)
	}
}
