package square

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
)

func TestAuthentication(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	body := apis.SearchCustomersRequest{}
	for _, c := range []struct {
		name, auth string
		detail     string
	}{
		{"missing", "", "malformed"},
		{"not bearer", "Basic " + DemoCredentials.AccessToken, "malformed"},
		{"wrong token", "Bearer EAAAEwrong", "incorrect or expired"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			er := e.fails("POST", "/v2/customers/search", body, http.StatusUnauthorized, apis.CodeUnauthorized, "Authorization", c.auth)
			if er.Category != apis.CategoryAuthentication || !strings.Contains(er.Detail, c.detail) {
				t.Fatalf("got %+v", er)
			}
			if strings.Contains(er.Detail, "EAAAE") {
				t.Fatalf("the detail echoes a token: %q", er.Detail)
			}
		})
	}
	e.t = t
	e.fails("GET", "/v2/locations", nil, http.StatusBadRequest, apis.CodeInvalidSquareVersion, "Square-Version", "latest")
	e.fails("GET", "/v2/locations", nil, http.StatusBadRequest, apis.CodeInvalidSquareVersion, "Square-Version", "2025-13-45")
	// Any well-formed version is accepted, and none means the app's default.
	for _, v := range []string{"2019-03-13", "2030-01-01", ""} {
		if st, b := e.call("GET", "/v2/locations", nil, nil, "Square-Version", v); st != http.StatusOK {
			t.Fatalf("Square-Version %q: %d %s", v, st, b)
		}
	}
	// An unknown path gets Square's 404 body.
	e.fails("GET", "/v2/nothing-here", nil, http.StatusNotFound, apis.CodeNotFound)
}

func TestInjectedFaultsUseSquareBodies(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	if err := e.h.Faults().Add(harness.Fault{System: System, Endpoint: "customers.search", RateLimitRate: 1, RetryAfter: 7}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/v2/customers/search", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+DemoCredentials.AccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "7" {
		t.Fatalf("429 storm: %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if er := e.fails("POST", "/v2/customers/search", apis.SearchCustomersRequest{}, 429, apis.CodeRateLimited); er.Category != apis.CategoryRateLimit {
		t.Fatalf("rate limit body %+v", er)
	}
	// Other endpoints are untouched.
	e.ok("GET", "/v2/locations", nil, nil)

	e.h.Faults().Clear(System)
	if err := e.h.Faults().Add(harness.Fault{System: System, ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	if er := e.fails("GET", "/v2/locations", nil, 503, apis.CodeServiceUnavailable); er.Category != apis.CategoryAPI {
		t.Fatalf("503 body %+v", er)
	}
	e.h.Faults().Clear(System)
	if err := e.h.Faults().Add(harness.Fault{System: System, ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	e.fails("GET", "/v2/locations", nil, 500, apis.CodeInternalServerError)
	e.h.Faults().Clear(System)

	// The harness's rate limit answers the same way.
	e.h.Limits().Set(System, 1)
	defer e.h.Limits().Set(System, 0)
	statuses := map[int]int{}
	for i := 0; i < 3; i++ {
		st, _ := e.call("GET", "/v2/locations", nil, nil)
		statuses[st]++
	}
	if statuses[http.StatusTooManyRequests] == 0 {
		t.Fatalf("a limit of 1/s let 3 calls through: %v", statuses)
	}
}

func TestWriteErrorCoversStatuses(t *testing.T) {
	for status, want := range map[int][2]string{
		400: {apis.CategoryInvalidRequest, apis.CodeBadRequest},
		401: {apis.CategoryAuthentication, apis.CodeUnauthorized},
		403: {apis.CategoryAuthentication, apis.CodeForbidden},
		404: {apis.CategoryInvalidRequest, apis.CodeNotFound},
		409: {apis.CategoryInvalidRequest, apis.CodeConflict},
		418: {apis.CategoryInvalidRequest, apis.CodeBadRequest},
		429: {apis.CategoryRateLimit, apis.CodeRateLimited},
		500: {apis.CategoryAPI, apis.CodeInternalServerError},
		502: {apis.CategoryAPI, apis.CodeBadGateway},
		503: {apis.CategoryAPI, apis.CodeServiceUnavailable},
		504: {apis.CategoryAPI, apis.CodeGatewayTimeout},
		599: {apis.CategoryAPI, apis.CodeInternalServerError},
	} {
		rec := httptest.NewRecorder()
		WriteError(rec, nil, status, "boom")
		var body apis.ErrorResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 {
			t.Fatalf("status %d: body %s", status, rec.Body)
		}
		er := body.Errors[0]
		if rec.Code != status || er.Category != want[0] || er.Code != want[1] || er.Detail != "boom" || rec.Header().Get("Content-Type") != "application/json" {
			t.Errorf("status %d: got %d %+v, want %v", status, rec.Code, er, want)
		}
	}
}

func TestCountersReportKeysPerCall(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	e.ok("POST", "/v2/customers/bulk-retrieve", apis.BulkRetrieveCustomersRequest{CustomerIDs: []string{custAlice, custBob, custCarol}}, nil)
	e.ok("POST", "/v2/customers/bulk-retrieve", apis.BulkRetrieveCustomersRequest{CustomerIDs: []string{custDan}}, nil)
	e.ok("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{custAlice, custBob}}}}}, nil)
	e.ok("POST", "/v2/catalog/search", apis.SearchCatalogObjectsRequest{ObjectTypes: []string{"ITEM_VARIATION"}, Query: &apis.CatalogQuery{SetQuery: &apis.CatalogQuerySet{AttributeName: "sku", AttributeValues: []string{skuCap, skuMug, skuShirt, "x"}}}}, nil)
	e.ok("GET", "/v2/locations", nil, nil)
	e.fails("GET", "/v2/locations", nil, 401, apis.CodeUnauthorized, "Authorization", "")

	snap := e.h.Stats().Snapshot()[System]
	bulk := snap["customers.bulk-retrieve"]
	if bulk.Calls != 2 || bulk.Keys != 4 || bulk.MaxKeys != 3 || !slices.Equal(bulk.KeysPerCall, []int{3, 1}) {
		t.Fatalf("bulk retrieve counters %+v", bulk)
	}
	if o := snap["orders.search"]; o.Calls != 1 || o.Keys != 2 {
		t.Fatalf("orders.search counters %+v", o)
	}
	if c := snap["catalog.search"]; c.Keys != 4 {
		t.Fatalf("catalog.search counters %+v", c)
	}
	if l := snap["locations.list"]; l.Calls != 2 || l.Keys != 1 || l.Statuses[401] != 1 || l.Statuses[200] != 1 {
		t.Fatalf("locations.list counters %+v", l)
	}
}
