package commercetools

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

// The contract tests load the part of the vendor's spec the simulator
// serves (see internal/specprune): the whole 3 MB file takes close to a
// minute to load with the race detector. It is loaded once per test binary.
const (
	vendorSpec = "../../testdata/vendor-specs/commercetools-openapi.yaml"
	specCut    = "testdata/commercetools-openapi.cut.json"
)

// checkCutIsCurrent fails when the vendor's spec changed since the cut was
// made from it.
func checkCutIsCurrent(doc *openapi3.T) error {
	src, err := os.ReadFile(vendorSpec)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(src)
	from, _ := doc.Extensions["x-omnigate-cut-from"].(map[string]any)
	if from["sha256"] != hex.EncodeToString(sum[:]) {
		return fmt.Errorf("%s was cut from another version of %s: run go generate ./channelsim/commercetools", specCut, vendorSpec)
	}
	return nil
}

var (
	specOnce   sync.Once
	specDoc    *openapi3.T
	specRouter routers.Router
	specErr    error
)

func loadSpec(t testing.TB) (*openapi3.T, routers.Router) {
	t.Helper()
	specOnce.Do(func() {
		l := openapi3.NewLoader()
		l.IsExternalRefsAllowed = false
		specDoc, specErr = l.LoadFromFile(specCut)
		if specErr != nil {
			return
		}
		if specErr = checkCutIsCurrent(specDoc); specErr != nil {
			return
		}
		// The published spec comes from RAML, where a property name
		// between slashes is a pattern ("/^[a-z]{2}(-[A-Z]{2})?$/" for the
		// locales of a LocalizedString, "//" for any error field); the
		// conversion turned these patterns into required properties with
		// those literal names, which no real answer has. They are dropped
		// here. Also, ErrorObject allows only string extra fields, while
		// ConcurrentModification's currentVersion is an integer: its
		// extra fields are left free. Everything else is validated as
		// published.
		for _, ref := range specDoc.Components.Schemas {
			dropPatternRequired(ref.Value)
		}
		specDoc.Components.Schemas["ErrorObject"].Value.AdditionalProperties = openapi3.AdditionalProperties{}
		// The router matches on the path alone: the spec's servers are the
		// vendor's hosts, not our loopback address.
		specDoc.Servers = nil
		specRouter, specErr = legacy.NewRouter(specDoc)
	})
	if specErr != nil {
		t.Fatalf("loading the commercetools spec: %v", specErr)
	}
	return specDoc, specRouter
}

func dropPatternRequired(s *openapi3.Schema) {
	if s == nil {
		return
	}
	var req []string
	for _, r := range s.Required {
		if !(len(r) >= 2 && strings.HasPrefix(r, "/") && strings.HasSuffix(r, "/")) {
			req = append(req, r)
		}
	}
	s.Required = req
	for _, sub := range s.AllOf {
		dropPatternRequired(sub.Value)
	}
}

// skipRequestCheck marks a request that is deliberately outside the spec
// (to see the simulator refuse it); the transport strips it.
const skipRequestCheck = "X-Test-Skip-Request-Check"

// specTransport checks every API request and response against the
// vendor's spec, and every error body against ErrorResponse.
type specTransport struct {
	t *testing.T
}

func (s *specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t := s.t
	doc, router := loadSpec(t)
	skipReq := req.Header.Get(skipRequestCheck) != ""
	req.Header.Del(skipRequestCheck)
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if req.URL.Path == "/oauth/token" {
		checkAuthBody(t, resp.StatusCode, body)
		return resp, nil
	}
	if resp.StatusCode >= 400 {
		checkErrorBody(t, doc, req, resp.StatusCode, body)
	}
	vreq := req.Clone(context.Background())
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("spec: no operation for %s %s: %v", req.Method, req.URL.Path, err)
		}
		return resp, nil
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && !skipReq {
		t.Errorf("spec: request %s %s does not conform: %v", req.Method, req.URL, err)
	}
	if route.Operation.Responses.Status(resp.StatusCode) == nil {
		// Statuses the spec leaves out (414, 429) are checked as error
		// bodies above.
		return resp, nil
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("spec: response %d to %s %s does not conform: %v\nbody: %.600s", resp.StatusCode, req.Method, req.URL, err, body)
	}
	return resp, nil
}

func checkErrorBody(t *testing.T, doc *openapi3.T, req *http.Request, status int, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("error %d to %s %s is not JSON: %.200s", status, req.Method, req.URL.Path, body)
		return
	}
	if err := doc.Components.Schemas["ErrorResponse"].Value.VisitJSON(v); err != nil {
		t.Errorf("error %d to %s %s is not an ErrorResponse: %v", status, req.Method, req.URL.Path, err)
	}
	var e ct.ErrorResponse
	_ = json.Unmarshal(body, &e)
	if e.StatusCode != status {
		t.Errorf("error body statusCode %d, HTTP status %d", e.StatusCode, status)
	}
}

// checkAuthBody checks the auth service's answers: a token, or the
// AuthErrorResponse shape (statusCode, message, errors, error,
// error_description).
func checkAuthBody(t *testing.T, status int, body []byte) {
	t.Helper()
	if status == http.StatusOK {
		var tok ct.TokenResponse
		if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 || tok.Scope == "" {
			t.Errorf("token response lacks a field: %s", body)
		}
		return
	}
	var e ct.ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil || e.StatusCode != status || e.Message == "" || e.Error == "" ||
		len(e.Errors) != 1 || e.Errors[0].Code != e.Error {
		t.Errorf("auth error %d lacks a field of AuthErrorResponse: %s", status, body)
	}
}

// sim is a simulator on a loopback port with a client that checks the
// contract.
type sim struct {
	t      *testing.T
	h      *harness.Harness
	srv    *httptest.Server
	client *http.Client
	creds  Credentials
	token  string
}

func newSim(t *testing.T, d *Data, creds Credentials) *sim {
	t.Helper()
	loadSpec(t)
	h := harness.New()
	srv := httptest.NewServer(New(h, d, creds))
	t.Cleanup(srv.Close)
	s := &sim{t: t, h: h, srv: srv, client: &http.Client{Transport: &specTransport{t: t}, Timeout: 10 * time.Second}, creds: creds}
	s.token = s.fetchToken("")
	return s
}

func (s *sim) fetchToken(scope string) string {
	s.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, _ := http.NewRequest("POST", s.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.creds.ClientID, s.creds.ClientSecret)
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok ct.TokenResponse
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 {
		s.t.Fatalf("token: status %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// do sends a request with the token and returns the status and body.
func (s *sim) do(method, path string, body any, header ...string) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.srv.URL+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// get fetches path and decodes a 200 answer into out.
func (s *sim) get(path string, out any) {
	s.t.Helper()
	status, body := s.do("GET", path, nil)
	if status != 200 {
		s.t.Fatalf("GET %s: %d %s", path, status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
}

// query is GET /{project}/<resource>?where=...&<extra>.
func (s *sim) query(resource, where string, extra ...string) string {
	q := url.Values{}
	if where != "" {
		q.Set("where", where)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Add(extra[i], extra[i+1])
	}
	p := "/" + s.creds.ProjectKey + "/" + resource
	if len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}

// wantError checks an error answer's status, code and message.
func wantError(t *testing.T, status int, body []byte, wantStatus int, code, msgPart string) ct.ErrorResponse {
	t.Helper()
	var e ct.ErrorResponse
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body is not JSON: %s", body)
	}
	if status != wantStatus || len(e.Errors) == 0 || e.Errors[0].Code != code || !strings.Contains(e.Message, msgPart) {
		t.Errorf("got %d %s, want %d %s containing %q", status, body, wantStatus, code, msgPart)
	}
	return e
}

var t0 = time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC)

// smallWorld is a hand-built world: two stores and the online warehouse,
// three products (two of them variants of one product), three customers
// (one with an odd-cased email, phones in national and international
// form), orders (one with a return), carts, inventory and shopping lists.
func smallWorld() *world.World {
	gbp := func(c int64) world.Money { return world.Money{Cents: c, Currency: "GBP"} }
	return &world.World{
		Products: []world.Product{
			{ID: "prod-tee", Key: "tee", SKU: "TEE-S", Name: "Tee", Category: "tops", Prices: []world.Money{gbp(1500), {Cents: 1800, Currency: "EUR"}}, CreatedAt: t0},
			{ID: "prod-tee", Key: "tee", SKU: "TEE-M", Name: "Tee", Prices: []world.Money{gbp(1600)}, CreatedAt: t0},
			{ID: "prod-mug", Key: "mug", SKU: "MUG-1", Name: "Mug", Prices: []world.Money{gbp(900)}, CreatedAt: t0},
		},
		Stores: []world.Store{
			{ID: "LSOHO", Key: "store-london-soho", ChannelID: "ch-soho", StoreID: "st-soho", Name: "Soho", Country: "GB", Currency: "GBP",
				Phone: "+442070000000", Address: world.Address{Line1: "1 Soho Sq", City: "London", Country: "GB"}, CreatedAt: t0},
			{ID: "LBATH", Key: "store-bath", ChannelID: "ch-bath", StoreID: "st-bath", Name: "Bath", Country: "GB", Currency: "GBP", CreatedAt: t0},
			{ID: "ONLINE", Key: "online", ChannelID: "ch-online", StoreID: "st-online", Name: "Webshop", Country: "GB", Currency: "GBP", Online: true, CreatedAt: t0},
		},
		WebCustomers: []world.WebCustomer{
			{ID: "cust-ann", Number: "C1", Email: "Ann.Lee@Example.com", FirstName: "Ann", LastName: "Lee", Phone: "020 7946 0958",
				Locale: "en-GB", Addresses: []world.Address{{Line1: "2 High St", City: "London", PostalCode: "W1 1AA", Country: "GB"}},
				CreatedAt: t0, UpdatedAt: t0.Add(time.Hour), Version: 2, StoreKeys: []string{"store-london-soho"}},
			{ID: "cust-bob", Number: "C2", Email: "bob@example.com", FirstName: "Bob", Phone: "+44 7700 900123", Locale: "en-GB", CreatedAt: t0.Add(time.Minute)},
			{ID: "cust-cy", Number: "C3", Email: "cy@example.com", FirstName: "Cy", Locale: "de-DE", Birthday: "1990-02-03", CreatedAt: t0.Add(2 * time.Minute)},
		},
		WebOrders: []world.WebOrder{
			{ID: "ord-1", Number: "1001", CustomerID: "cust-ann", CustomerEmail: "ann.lee@example.com", StoreKey: "store-london-soho", State: "Complete",
				ShipmentState: "Delivered", PaymentState: "Paid", Currency: "GBP", Lines: []world.Line{{ID: "li-1", SKU: "TEE-S", Name: "Tee", Quantity: 2, UnitPrice: gbp(1500)}},
				Shipping: world.Address{Line1: "2 High St", City: "London", Country: "GB"}, CreatedAt: t0.Add(24 * time.Hour), UpdatedAt: t0.Add(48 * time.Hour)},
			{ID: "ord-2", Number: "1002", CustomerID: "cust-ann", StoreKey: "online", State: "Open", Currency: "GBP",
				Lines: []world.Line{{SKU: "MUG-1", Quantity: 1, UnitPrice: gbp(900)}, {SKU: "TEE-M", Quantity: 1, UnitPrice: gbp(1600)}}, CreatedAt: t0.Add(72 * time.Hour)},
			{ID: "ord-3", Number: "1003", CustomerID: "cust-bob", StoreKey: "store-bath", State: "Confirmed", Currency: "GBP",
				Lines: []world.Line{{SKU: "MUG-1", Quantity: 3, UnitPrice: gbp(900)}}, CreatedAt: t0.Add(96 * time.Hour)},
			{ID: "ord-4", Number: "1004", CustomerEmail: "guest@example.com", StoreKey: "online", State: "Open", Currency: "GBP",
				Lines: []world.Line{{SKU: "MUG-1", Quantity: 1, UnitPrice: gbp(900)}}, CreatedAt: t0.Add(120 * time.Hour)},
		},
		// Ann sends one of her two tees back; it is refunded.
		WebReturns: []world.WebReturn{{OrderID: "ord-1", TrackingID: "TRK-1", Date: t0.Add(96 * time.Hour), Items: []world.WebReturnItem{
			{ID: "ri-1", LineID: "li-1", Quantity: 1, ShipmentState: "BackInStock", PaymentState: "Refunded", CreatedAt: t0.Add(96 * time.Hour), UpdatedAt: t0.Add(98 * time.Hour)},
		}}},
		WebCarts: []world.WebCart{
			{ID: "cart-ann", CustomerID: "cust-ann", State: "Active", Currency: "GBP", Country: "GB", StoreKey: "online",
				Lines: []world.Line{{ID: "cl-1", SKU: "TEE-M", Name: "Tee", Quantity: 1, UnitPrice: gbp(1600)}}, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour), Version: 4},
			{ID: "cart-ann-old", CustomerID: "cust-ann", State: "Ordered", Currency: "GBP", CreatedAt: t0, Version: 9},
			{ID: "cart-bob", CustomerID: "cust-bob", State: "Active", Currency: "GBP", Country: "GB", CreatedAt: t0},
		},
		ShoppingLists: []world.ShoppingList{
			{ID: "sl-ann", Key: "wish-ann", CustomerID: "cust-ann", Name: "Wishlist", SKUs: []string{"MUG-1", "TEE-S"}, Quantities: []int64{1, 2}, CreatedAt: t0},
			{ID: "sl-cy", CustomerID: "cust-cy", Name: "Gifts", SKUs: []string{"TEE-M"}, CreatedAt: t0},
		},
		Inventory: []world.InventoryCount{
			{SKU: "TEE-S", StoreID: "LSOHO", EntryID: "inv-1", Quantity: 4, UpdatedAt: t0},
			{SKU: "TEE-S", StoreID: "LBATH", EntryID: "inv-2", Quantity: 0, Restock: 5, UpdatedAt: t0},
			{SKU: "MUG-1", StoreID: "ONLINE", EntryID: "inv-3", Quantity: 40, UpdatedAt: t0},
		},
	}
}
