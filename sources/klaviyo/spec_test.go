package klaviyo

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// The connector's requests are checked against the vendor's spec, so that
// what passes against the simulator also passes against Klaviyo.
var (
	specOnce   sync.Once
	specRouter routers.Router
	specDoc    *openapi3.T
	specErr    error
)

func klaviyoSpec(t testing.TB) routers.Router {
	t.Helper()
	specOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = false
		doc, err := loader.LoadFromFile(filepath.Join(filepath.Dir(file), "..", "..", "testdata", "vendor-specs", "klaviyo-openapi-stable.json"))
		if err != nil {
			specErr = err
			return
		}
		specDoc = doc
		specRouter, specErr = legacy.NewRouter(doc, openapi3.DisableSchemaDefaultsValidation(), openapi3.DisableExamplesValidation())
	})
	if specErr != nil {
		t.Fatalf("loading the Klaviyo spec: %v", specErr)
	}
	return specRouter
}

// specTransport fails the test when a request the connector sends does not
// match the spec.
type specTransport struct {
	t    testing.TB
	next http.RoundTripper
}

func (s *specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	u := *req.URL
	u.Scheme, u.Host = "https", "a.klaviyo.com"
	vreq, _ := http.NewRequestWithContext(context.Background(), req.Method, u.String(), bytes.NewReader(body))
	vreq.Header = req.Header.Clone()
	route, params, err := klaviyoSpec(s.t).FindRoute(vreq)
	if err != nil {
		s.t.Errorf("spec: no route for %s %s: %v", req.Method, req.URL.Path, err)
	} else if err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}); err != nil {
		s.t.Errorf("spec: the connector's request %s %s does not match the spec: %v", req.Method, req.URL, err)
	}
	return s.next.RoundTrip(req)
}
