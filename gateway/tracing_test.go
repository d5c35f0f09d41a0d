package gateway_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace/noop"
	collector "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/tracing"
)

// collectorServer receives OTLP over HTTP, as an OpenTelemetry collector
// does.
type collectorServer struct {
	*httptest.Server
	mu     sync.Mutex
	spans  []*tracepb.Span
	scopes map[string]int // spans by instrumentation scope
}

func newCollector(t *testing.T) *collectorServer {
	c := &collectorServer{scopes: map[string]int{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req collector.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				c.scopes[ss.Scope.GetName()] += len(ss.Spans)
				c.spans = append(c.spans, ss.Spans...)
			}
		}
		c.mu.Unlock()
		out, _ := proto.Marshal(&collector.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(c.Close)
	return c
}

func attr(s *tracepb.Span, key string) string {
	for _, a := range s.Attributes {
		if a.Key == key {
			return a.Value.GetStringValue()
		}
	}
	return ""
}

// With an OTLP endpoint in the environment, each GraphQL request is a span
// named by its operation, in the client's trace when it sends a
// traceparent, and each call to a channel system a span under it, whose
// path leaves out the query string (it holds emails and phone numbers).
func TestRequestsAreTraced(t *testing.T) {
	col := newCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.URL)
	t.Setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
	shutdown, err := tracing.Setup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tracing.SetProvider(noop.NewTracerProvider()) })
	_, gw, w := smallGateway(t, func(*config.Config) {}, io.Discard)
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)

	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	body, _ := json.Marshal(map[string]any{
		"query":     `query Profile($e: String!) { customerByEmail(email: $e) { id orders(first: 5) { totalCount } } }`,
		"variables": map[string]any{"e": w.People[0].Email},
	})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	col.mu.Lock()
	defer col.mu.Unlock()
	// Only the gateway's own spans: the embedded MongoDB's tracing of its
	// internals stays out.
	for scope, n := range col.scopes {
		if scope != tracing.Name {
			t.Errorf("%d spans of %q exported", n, scope)
		}
	}
	var server *tracepb.Span
	for _, s := range col.spans {
		if s.Name == "query Profile" {
			server = s
		}
	}
	if server == nil {
		names := []string{}
		for _, s := range col.spans {
			names = append(names, s.Name)
		}
		t.Fatalf("no span named after the operation among %v", names)
	}
	if hex.EncodeToString(server.TraceId) != traceID || hex.EncodeToString(server.ParentSpanId) != parentID || server.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Fatalf("the request's span is not in the client's trace: trace %x parent %x kind %v", server.TraceId, server.ParentSpanId, server.Kind)
	}
	status := int64(0)
	for _, a := range server.Attributes {
		if a.Key == "http.response.status_code" {
			status = a.Value.GetIntValue()
		}
	}
	if status != http.StatusOK {
		t.Errorf("the request's span has status code %d, want 200", status)
	}
	systems := map[string]bool{}
	for _, s := range col.spans {
		// Calls of the gateway's own (the stores and the catalog, read at
		// start) are traces of their own.
		if s.Kind != tracepb.Span_SPAN_KIND_CLIENT || !bytes.Equal(s.TraceId, server.TraceId) {
			continue
		}
		if len(s.ParentSpanId) == 0 {
			t.Errorf("call span %q has no parent", s.Name)
		}
		if p := attr(s, "url.path"); p == "" || strings.Contains(p, "?") || strings.Contains(p, "@") {
			t.Errorf("call span %q path %q: want the path without its query", s.Name, p)
		}
		systems[attr(s, "omnigate.system")] = true
	}
	for _, sys := range []string{"commercetools", "square", "klaviyo", "zendesk"} {
		if !systems[sys] {
			t.Errorf("no call span of %s (spans of %v)", sys, systems)
		}
	}
}
