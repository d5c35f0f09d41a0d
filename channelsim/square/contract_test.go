package square

import (
	"net/http"
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/square/squarespec"
)

// TestContract calls every endpoint once successfully and once with a
// refused request. The test client's transport validates each request and
// answer against Square's OpenAPI document (squarespec), so this test
// fails on any shape, type, enum or field that is not Square's.
func TestContract(t *testing.T) {
	// With return orders, so that their shape is checked too.
	e := setup(t, FromWorld(smallWorldWithReturns()))
	var created apis.CreateOrderResponse
	e.ok("POST", "/v2/orders", apis.CreateOrderRequest{IdempotencyKey: "c-1", Order: &apis.Order{LocationID: locLondon, CustomerID: custAlice, ReferenceID: "till-7", TicketName: "Alice", Metadata: map[string]string{"by": "test"}, LineItems: []apis.OrderLineItem{{Quantity: "1", CatalogObjectID: "VARMUG000000000000000002", Note: "gift"}}}}, &created)
	calls := []struct {
		method, path string
		body         any
		bad          any // a body the endpoint refuses, or nil
	}{
		{"GET", "/v2/customers?limit=2&sort_field=CREATED_AT&sort_order=DESC&count=true", nil, nil},
		{"POST", "/v2/customers/search", apis.SearchCustomersRequest{Count: true, Limit: i64(2), Query: &apis.CustomerQuery{Filter: &apis.CustomerFilter{EmailAddress: &apis.CustomerTextFilter{Fuzzy: "example"}}, Sort: &apis.CustomerSort{Field: "CREATED_AT", Order: "DESC"}}}, apis.SearchCustomersRequest{Limit: i64(0)}},
		{"POST", "/v2/customers/bulk-retrieve", apis.BulkRetrieveCustomersRequest{CustomerIDs: []string{custAlice, custDan, "NOSUCH"}}, apis.BulkRetrieveCustomersRequest{CustomerIDs: []string{}}},
		{"GET", "/v2/customers/" + custDan, nil, nil},
		{"POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon, locLeeds, locNewYork}, Limit: i64(2), Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{
			StateFilter:    &apis.SearchOrdersStateFilter{States: []string{"OPEN", "COMPLETED"}},
			SourceFilter:   &apis.SearchOrdersSourceFilter{SourceNames: []string{"Register"}},
			CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{custAlice, custCarol}},
		}}}, apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, Limit: i64(5000)}},
		{"POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, ReturnEntries: true}, nil},
		{"POST", "/v2/orders/batch-retrieve", apis.BatchRetrieveOrdersRequest{OrderIDs: []string{created.Order.ID, "ORDCAROL1NYC000000000000005"}}, apis.BatchRetrieveOrdersRequest{}},
		{"GET", "/v2/orders/" + created.Order.ID, nil, nil},
		{"PUT", "/v2/orders/" + created.Order.ID, apis.UpdateOrderRequest{IdempotencyKey: "u-1", FieldsToClear: []string{"ticket_name"}, Order: &apis.Order{LocationID: locLondon, Version: 1, LineItems: []apis.OrderLineItem{{UID: created.Order.LineItems[0].UID, Quantity: "2"}}}}, apis.UpdateOrderRequest{Order: &apis.Order{LocationID: locLondon, Version: 1}}},
		{"POST", "/v2/loyalty/accounts/search", apis.SearchLoyaltyAccountsRequest{Query: &apis.LoyaltyAccountQuery{Mappings: []apis.LoyaltyAccountMapping{{PhoneNumber: "+447700900123"}}}}, apis.SearchLoyaltyAccountsRequest{Limit: i64(0)}},
		{"GET", "/v2/loyalty/accounts/b1a5e6a0-0000-4000-8000-000000000001", nil, nil},
		{"POST", "/v2/inventory/counts/batch-retrieve", apis.BatchRetrieveInventoryCountsRequest{CatalogObjectIDs: []string{"VARSHIRT0000000000000001"}, LocationIDs: []string{locLondon, locNewYork}, States: []string{"IN_STOCK"}, Limit: i64(1)}, apis.BatchRetrieveInventoryCountsRequest{Limit: i64(0)}},
		{"POST", "/v2/inventory/changes/batch-create", apis.BatchChangeInventoryRequest{IdempotencyKey: "i-1", Changes: []apis.InventoryChange{
			{Type: "PHYSICAL_COUNT", PhysicalCount: &apis.InventoryPhysicalCount{ReferenceID: "count-1", CatalogObjectID: "VARCAP000000000000000003", State: "IN_STOCK", LocationID: locLeeds, Quantity: "4", OccurredAt: apis.FormatTime(t0)}},
			{Type: "ADJUSTMENT", Adjustment: &apis.InventoryAdjustment{FromState: "IN_STOCK", ToState: "WASTE", CatalogObjectID: "VARCAP000000000000000003", LocationID: locLeeds, Quantity: "1", OccurredAt: apis.FormatTime(t0)}},
		}}, apis.BatchChangeInventoryRequest{IdempotencyKey: "i-2", Changes: []apis.InventoryChange{{Type: "TRANSFER", Transfer: []byte(`{"quantity":"1"}`)}}}},
		{"GET", "/v2/locations", nil, nil},
		{"POST", "/v2/catalog/search", apis.SearchCatalogObjectsRequest{ObjectTypes: []string{"ITEM", "ITEM_VARIATION"}, IncludeRelatedObjects: true, Limit: i64(2), Query: &apis.CatalogQuery{PrefixQuery: &apis.CatalogQueryPrefix{AttributeName: "name", AttributePrefix: "o"}}}, apis.SearchCatalogObjectsRequest{ObjectTypes: []string{"SHOE"}}},
		{"POST", "/v2/catalog/batch-retrieve", apis.BatchRetrieveCatalogObjectsRequest{ObjectIDs: []string{"ITEMSHIRT000000000000001", "VARMUG000000000000000002"}, IncludeRelatedObjects: true}, apis.BatchRetrieveCatalogObjectsRequest{}},
	}
	for _, c := range calls {
		e.ok(c.method, c.path, c.body, nil)
		if c.bad != nil {
			if st, b := e.call(c.method, c.path, c.bad, nil); st != http.StatusBadRequest {
				t.Errorf("%s %s with a bad body: %d %s", c.method, c.path, st, b)
			}
		}
	}
	// ListCustomers refuses a page size out of range and a made-up cursor.
	e.fails("GET", "/v2/customers?limit=101", nil, 400, apis.CodeValueTooHigh)
	e.fails("GET", "/v2/customers?cursor=made-up", nil, 400, apis.CodeInvalidCursor)
	// A conflicting update answers with VERSION_MISMATCH, a code Square
	// lists among its endpoint errors though not in its ErrorCode enum.
	e.fails("PUT", "/v2/orders/"+created.Order.ID, apis.UpdateOrderRequest{Order: &apis.Order{LocationID: locLondon, Version: 1}}, 400, apis.CodeVersionMismatch)

	// Every endpoint answered 200 at least once.
	snap := e.h.Stats().Snapshot()[System]
	mux := New(harness.New(), &Data{}, DemoCredentials).(*harness.Mux)
	for _, ep := range mux.Endpoints() {
		if snap[ep].Statuses[http.StatusOK] == 0 {
			t.Errorf("endpoint %s was not exercised with a successful call", ep)
		}
	}
	if len(mux.Endpoints()) != 16 {
		t.Errorf("%d endpoints, the package comment lists 16", len(mux.Endpoints()))
	}
}

// The validator is live: it refuses what Square would not send.
func TestContractValidatorRefusesWrongShapes(t *testing.T) {
	spec, err := squarespec.Load()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", "http://square.test/v2/customers/search", nil)
	hdr := http.Header{"Content-Type": {"application/json"}}
	for _, body := range []string{
		`{"customers":[{"id":"C1","givne_name":"typo"}]}`,
		`{"customers":[{"id":5}]}`,
		`{"cursor":["not","a","string"]}`,
	} {
		if err := spec.CheckResponse(req, 200, hdr, []byte(body)); err == nil {
			t.Errorf("answer %s passed", body)
		}
	}
	for _, body := range []string{
		`{"errors":[{"category":"OOPS","code":"NOT_FOUND"}]}`,
		`{"errors":[{"category":"API_ERROR","code":"MADE_UP"}]}`,
		`{"error":"not found"}`,
		`{"errors":[]}`,
	} {
		if err := spec.CheckErrorBody([]byte(body)); err == nil {
			t.Errorf("error body %s passed", body)
		}
	}
	req.Header.Set("Content-Type", "application/json")
	if err := spec.CheckRequest(req, []byte(`{"limit":1000}`)); err == nil {
		t.Error("a customer search with limit 1000 passed")
	}
	if err := spec.CheckRequest(req, []byte(`{"query":{"filter":{"email":{"exact":"a"}}}}`)); err == nil {
		t.Error("a customer search with an unknown filter passed")
	}
	if !spec.KnownErrorCode(apis.CodeVersionMismatch) || spec.KnownErrorCode("MADE_UP") {
		t.Error("error codes are not read from the spec")
	}
}
