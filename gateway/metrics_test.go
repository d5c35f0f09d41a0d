package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/metrics/metricstest"
)

// scrape reads /metrics as Prometheus does.
func scrape(t *testing.T, base string) []*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	var parser expfmt.TextParser
	byName, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	families := make([]*dto.MetricFamily, 0, len(byName))
	for _, f := range byName {
		families = append(families, f)
	}
	return families
}

// /metrics counts requests by status and the time they spent waiting on
// the systems and in the gateway, each system's calls by outcome, and the
// errors clients were shown by code and system.
func TestMetrics(t *testing.T) {
	sim, gw, w := smallGateway(t, func(cfg *config.Config) { cfg.Zendesk.Retries = 0 }, io.Discard)
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	var email string
	for _, u := range w.SupportUsers {
		if strings.Contains(u.Email, "@") {
			email = u.Email
			break
		}
	}
	const q = `query($e: String!) { customerByEmail(email: $e) { id tickets(first: 5) { totalCount } } }`
	if a := ask(t, srv.URL, "", q, map[string]any{"e": email}); a.status != http.StatusOK || len(a.Errors) > 0 {
		t.Fatalf("status %d, errors %v", a.status, a.Errors)
	}
	before := scrape(t, srv.URL)
	if err := sim.Harness.Faults().Add(harness.Fault{System: "zendesk", ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Harness.Faults().Clear("") })
	a := ask(t, srv.URL, "", q, map[string]any{"e": email})
	if a.code() != "SOURCE_UNAVAILABLE" {
		t.Fatalf("with Zendesk failing: status %d, errors %v", a.status, a.Errors)
	}
	if a := ask(t, srv.URL, "", `{ customer(id: 1) }`, nil); a.status != http.StatusOK && a.status != http.StatusUnprocessableEntity {
		t.Fatalf("a query that does not validate: status %d", a.status)
	}
	after := scrape(t, srv.URL)

	for _, c := range []struct {
		family  string
		labels  []string
		atLeast float64
	}{
		{"omnigate_http_requests_total", []string{"code", "200"}, 1},
		{"omnigate_http_request_duration_seconds", nil, 2},
		{"omnigate_request_upstream_seconds", nil, 2},
		{"omnigate_request_gateway_seconds", nil, 2},
		{"omnigate_upstream_calls_total", []string{"system", "zendesk", "outcome", "SOURCE_UNAVAILABLE"}, 1},
		{"omnigate_upstream_call_duration_seconds", []string{"system", "zendesk"}, 1},
		{"omnigate_graphql_errors_total", []string{"code", "SOURCE_UNAVAILABLE", "source", "zendesk"}, 1},
		{"omnigate_graphql_errors_total", []string{"code", "GRAPHQL_VALIDATION_FAILED", "source", ""}, 1},
	} {
		if d := metricstest.Sum(after, c.family, c.labels...) - metricstest.Sum(before, c.family, c.labels...); d < c.atLeast {
			t.Errorf("%s%v rose by %v, want at least %v", c.family, c.labels, d, c.atLeast)
		}
	}
	if v := metricstest.Sum(after, "omnigate_upstream_calls_total", "system", "zendesk", "outcome", "ok") -
		metricstest.Sum(before, "omnigate_upstream_calls_total", "system", "zendesk", "outcome", "ok"); v != 0 {
		t.Errorf("%v Zendesk calls counted ok while it failed every call", v)
	}
	if metricstest.Sum(after, "omnigate_upstream_calls_total", "system", "klaviyo", "outcome", "ok") == 0 {
		t.Error("no Klaviyo call counted")
	}
	names := map[string]bool{}
	for _, f := range after {
		names[f.GetName()] = true
	}
	if !names["go_goroutines"] || !names["process_resident_memory_bytes"] {
		t.Error("the Go runtime's and the process's metrics are missing")
	}
}
