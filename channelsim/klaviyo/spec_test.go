package klaviyo

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/omnigate/omnigate/channelsim/harness"
)

// The vendor's spec is 3 MB; it is loaded once per test binary.
var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

func specPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "vendor-specs", "klaviyo-openapi-stable.json")
}

func klaviyoSpec(t testing.TB) routers.Router {
	t.Helper()
	specOnce.Do(func() {
		loader := openapi3.NewLoader()
		loader.IsExternalRefsAllowed = false
		doc, err := loader.LoadFromFile(specPath())
		if err != nil {
			specErr = err
			return
		}
		specRouter, specErr = legacy.NewRouter(doc, openapi3.DisableSchemaDefaultsValidation(), openapi3.DisableExamplesValidation())
	})
	if specErr != nil {
		t.Fatalf("loading the Klaviyo spec: %v", specErr)
	}
	return specRouter
}

// skipRequestCheck marks a request that is wrong on purpose: only its
// answer is checked against the spec.
const skipRequestCheck = "X-Test-Invalid-Request"

// specTransport checks every request and answer against the vendor's spec.
// Requests are matched as if sent to the spec's server, a.klaviyo.com.
type specTransport struct {
	t    testing.TB
	next http.RoundTripper
}

func (s *specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	router := klaviyoSpec(s.t)
	checkRequest := req.Header.Get(skipRequestCheck) == ""
	req.Header.Del(skipRequestCheck)
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	u := *req.URL
	u.Scheme, u.Host = "https", "a.klaviyo.com"
	vreq, _ := http.NewRequestWithContext(context.Background(), req.Method, u.String(), bytes.NewReader(body))
	vreq.Header = req.Header.Clone()
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		s.t.Errorf("spec: no route for %s %s: %v", req.Method, req.URL.Path, err)
	}
	input := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
	}
	if route != nil && checkRequest {
		if err := openapi3filter.ValidateRequest(context.Background(), input); err != nil {
			s.t.Errorf("spec: request %s %s does not match the spec: %v", req.Method, req.URL.String(), err)
		}
	}
	resp, err := s.next.RoundTrip(req)
	if err != nil || route == nil {
		return resp, err
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	vin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	vin.SetBodyBytes(rb)
	if err := openapi3filter.ValidateResponse(context.Background(), vin); err != nil {
		s.t.Errorf("spec: answer %d to %s %s does not match the spec: %v\nbody: %s", resp.StatusCode, req.Method, req.URL.String(), err, truncateString(string(rb), 2000))
	}
	return resp, nil
}

// testServer runs the simulator on a loopback port with a client whose
// every call is checked against the spec.
type testServer struct {
	*httptest.Server
	h      *harness.Harness
	client *http.Client
}

func newTestServer(t testing.TB, d *Data) *testServer {
	t.Helper()
	klaviyoSpec(t) // loaded before the client's timeout can run out
	h := harness.New()
	srv := httptest.NewServer(New(h, d, DemoCredentials))
	t.Cleanup(srv.Close)
	return &testServer{
		Server: srv, h: h,
		client: &http.Client{Transport: &specTransport{t: t, next: http.DefaultTransport}, Timeout: 10 * time.Second},
	}
}

// get calls path with the demo credentials; extra headers replace them.
func (ts *testServer) get(t testing.TB, path string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	return ts.do(t, http.MethodGet, path, "", headers...)
}

func (ts *testServer) do(t testing.TB, method, path, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = ts.URL + path
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Klaviyo-API-Key "+DemoCredentials.APIKey)
	req.Header.Set("revision", DemoCredentials.Revision)
	req.Header.Set("Accept", "application/vnd.api+json")
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.api+json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func TestSpecLoads(t *testing.T) {
	start := time.Now()
	klaviyoSpec(t)
	t.Logf("spec loaded in %v", time.Since(start))
}
