package square

import (
	"slices"
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
)

func objectIDs(os []apis.CatalogObject) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func TestCatalogSearch(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	search := func(req apis.SearchCatalogObjectsRequest) apis.SearchCatalogObjectsResponse {
		t.Helper()
		var out apis.SearchCatalogObjectsResponse
		e.ok("POST", "/v2/catalog/search", req, &out)
		return out
	}
	vars := []string{"ITEM_VARIATION"}

	// Without object types: top-level items only, variations nested.
	all := search(apis.SearchCatalogObjectsRequest{})
	if got := objectIDs(all.Objects); !slices.Equal(got, []string{"ITEMSHIRT000000000000001", "ITEMMUG00000000000000002", "ITEMCAP00000000000000003"}) {
		t.Fatalf("default types: %v", got)
	}
	shirt := all.Objects[0]
	v := shirt.ItemData.Variations[0].ItemVariationData
	if v.SKU != skuShirt || *v.PriceMoney != (apis.Money{Amount: 4500, Currency: "GBP"}) || len(v.LocationOverrides) != 1 || v.LocationOverrides[0].LocationID != locNewYork || v.LocationOverrides[0].PriceMoney.Amount != 5900 {
		t.Fatalf("shirt variation %+v", v)
	}
	if shirt.ItemData.DescriptionHTML != "<p>Cotton &amp; linen</p>" {
		t.Fatalf("description %q", shirt.ItemData.DescriptionHTML)
	}

	// Set query on SKU: exact and case-insensitive, with the parent item.
	got := search(apis.SearchCatalogObjectsRequest{ObjectTypes: vars, IncludeRelatedObjects: true, Query: &apis.CatalogQuery{SetQuery: &apis.CatalogQuerySet{AttributeName: "sku", AttributeValues: []string{"sku-mug-10", skuCap, "SKU-NONE"}}}})
	if ids := objectIDs(got.Objects); !slices.Equal(ids, []string{"VARMUG000000000000000002", "VARCAP000000000000000003"}) {
		t.Fatalf("set query: %v", ids)
	}
	if ids := objectIDs(got.RelatedObjects); !slices.Equal(ids, []string{"ITEMMUG00000000000000002", "ITEMCAP00000000000000003"}) {
		t.Fatalf("related: %v", ids)
	}
	// Exact query "can be partial", as Square documents: SKU-MUG-1 starts SKU-MUG-10.
	if ids := objectIDs(search(apis.SearchCatalogObjectsRequest{ObjectTypes: vars, Query: &apis.CatalogQuery{ExactQuery: &apis.CatalogQueryExact{AttributeName: "sku", AttributeValue: "sku-mug-1"}}}).Objects); !slices.Equal(ids, []string{"VARMUG000000000000000002"}) {
		t.Fatalf("exact query: %v", ids)
	}
	if ids := objectIDs(search(apis.SearchCatalogObjectsRequest{ObjectTypes: []string{"ITEM"}, Query: &apis.CatalogQuery{PrefixQuery: &apis.CatalogQueryPrefix{AttributeName: "name", AttributePrefix: "ENAMEL"}}}).Objects); !slices.Equal(ids, []string{"ITEMMUG00000000000000002"}) {
		t.Fatalf("prefix query: %v", ids)
	}
	if ids := objectIDs(search(apis.SearchCatalogObjectsRequest{ObjectTypes: []string{"ITEM"}, Query: &apis.CatalogQuery{TextQuery: &apis.CatalogQueryText{Keywords: []string{"wool", "ca", "cap"}}}}).Objects); !slices.Equal(ids, []string{"ITEMCAP00000000000000003"}) {
		t.Fatalf("text query: %v", ids)
	}

	// Paging through variations one at a time.
	req := apis.SearchCatalogObjectsRequest{ObjectTypes: vars, Limit: i64(1)}
	var walked []string
	for {
		p := search(req)
		walked = append(walked, objectIDs(p.Objects)...)
		if p.Cursor == "" {
			break
		}
		req.Cursor = p.Cursor
	}
	if !slices.Equal(walked, []string{"VARSHIRT0000000000000001", "VARMUG000000000000000002", "VARCAP000000000000000003"}) {
		t.Fatalf("walked %v", walked)
	}

	values := make([]string, 251)
	e.fails("POST", "/v2/catalog/search", apis.SearchCatalogObjectsRequest{Query: &apis.CatalogQuery{SetQuery: &apis.CatalogQuerySet{AttributeName: "sku", AttributeValues: values}}}, 400, apis.CodeArrayTooLong)
	e.fails("POST", "/v2/catalog/search", apis.SearchCatalogObjectsRequest{ObjectTypes: []string{"PRODUCT"}}, 400, apis.CodeInvalidEnumValue)
	e.fails("POST", "/v2/catalog/search", []byte(`{"query":{"range_query":{"attribute_name":"x"}}}`), 400, apis.CodeBadRequest)
}

func TestCatalogBatchRetrieve(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	var out apis.BatchRetrieveCatalogObjectsResponse
	e.ok("POST", "/v2/catalog/batch-retrieve", apis.BatchRetrieveCatalogObjectsRequest{ObjectIDs: []string{"VARSHIRT0000000000000001", "NOPE", "ITEMCAP00000000000000003"}, IncludeRelatedObjects: true}, &out)
	if ids := objectIDs(out.Objects); !slices.Equal(ids, []string{"VARSHIRT0000000000000001", "ITEMCAP00000000000000003"}) {
		t.Fatalf("objects %v", ids)
	}
	if ids := objectIDs(out.RelatedObjects); !slices.Equal(ids, []string{"ITEMSHIRT000000000000001"}) {
		t.Fatalf("related %v", ids)
	}
	e.fails("POST", "/v2/catalog/batch-retrieve", apis.BatchRetrieveCatalogObjectsRequest{ObjectIDs: []string{}}, 400, apis.CodeArrayEmpty)
}

func TestInventoryCountsAndChanges(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	counts := func(req apis.BatchRetrieveInventoryCountsRequest) []apis.InventoryCount {
		t.Helper()
		var all []apis.InventoryCount
		for {
			var p apis.BatchRetrieveInventoryCountsResponse
			e.ok("POST", "/v2/inventory/counts/batch-retrieve", req, &p)
			all = append(all, p.Counts...)
			if p.Cursor == "" {
				return all
			}
			req.Cursor = p.Cursor
		}
	}
	// The warehouse's stock is no Square location's; newest first.
	got := counts(apis.BatchRetrieveInventoryCountsRequest{Limit: i64(1)})
	if len(got) != 3 || got[0].LocationID != locLeeds || got[2].LocationID != locLondon || got[2].Quantity != "5" {
		t.Fatalf("all counts %+v", got)
	}
	shirt := counts(apis.BatchRetrieveInventoryCountsRequest{CatalogObjectIDs: []string{"VARSHIRT0000000000000001"}, LocationIDs: []string{locNewYork}})
	if len(shirt) != 1 || shirt[0].Quantity != "2" || shirt[0].State != "IN_STOCK" || shirt[0].CatalogObjectType != "ITEM_VARIATION" {
		t.Fatalf("shirt in New York %+v", shirt)
	}

	// Sell one shirt in New York, count the mugs in Leeds.
	change := apis.BatchChangeInventoryRequest{IdempotencyKey: "inv-1", Changes: []apis.InventoryChange{
		{Type: "ADJUSTMENT", Adjustment: &apis.InventoryAdjustment{FromState: "IN_STOCK", ToState: "SOLD", LocationID: locNewYork, CatalogObjectID: "VARSHIRT0000000000000001", Quantity: "1", OccurredAt: apis.FormatTime(t0)}},
		{Type: "PHYSICAL_COUNT", PhysicalCount: &apis.InventoryPhysicalCount{State: "IN_STOCK", LocationID: locLeeds, CatalogObjectID: "VARMUG000000000000000002", Quantity: "12", OccurredAt: apis.FormatTime(t0)}},
	}}
	var res apis.BatchChangeInventoryResponse
	e.ok("POST", "/v2/inventory/changes/batch-create", change, &res)
	if len(res.Changes) != 2 || res.Changes[0].Adjustment.ID == "" || len(res.Counts) != 2 {
		t.Fatalf("change response %+v", res)
	}
	// The same key again does not apply it twice.
	e.ok("POST", "/v2/inventory/changes/batch-create", change, &res)
	shirt = counts(apis.BatchRetrieveInventoryCountsRequest{CatalogObjectIDs: []string{"VARSHIRT0000000000000001"}, LocationIDs: []string{locNewYork}})
	mug := counts(apis.BatchRetrieveInventoryCountsRequest{CatalogObjectIDs: []string{"VARMUG000000000000000002"}, States: []string{"IN_STOCK"}})
	if shirt[0].Quantity != "1" || mug[0].Quantity != "12" {
		t.Fatalf("after changes: shirt %+v mug %+v", shirt, mug)
	}
	// Received from a vendor: NONE to IN_STOCK adds.
	add := apis.BatchChangeInventoryRequest{IdempotencyKey: "inv-2", Changes: []apis.InventoryChange{{Type: "ADJUSTMENT", Adjustment: &apis.InventoryAdjustment{FromState: "NONE", ToState: "IN_STOCK", LocationID: locLondon, CatalogObjectID: "VARCAP000000000000000003", Quantity: "2.5"}}}}
	e.ok("POST", "/v2/inventory/changes/batch-create", add, &res)
	if res.Counts[0].Quantity != "2.5" {
		t.Fatalf("cap in London %+v", res.Counts)
	}

	e.fails("POST", "/v2/inventory/changes/batch-create", apis.BatchChangeInventoryRequest{Changes: change.Changes}, 400, apis.CodeMissingRequired)
	e.fails("POST", "/v2/inventory/changes/batch-create", apis.BatchChangeInventoryRequest{IdempotencyKey: "inv-1", Changes: add.Changes}, 400, apis.CodeIdempotencyKeyReused)
	e.fails("POST", "/v2/inventory/changes/batch-create", apis.BatchChangeInventoryRequest{IdempotencyKey: "inv-3", Changes: make([]apis.InventoryChange, 101)}, 400, apis.CodeArrayTooLong)
	bad := apis.BatchChangeInventoryRequest{IdempotencyKey: "inv-4", Changes: []apis.InventoryChange{{Type: "ADJUSTMENT", Adjustment: &apis.InventoryAdjustment{FromState: "IN_STOCK", ToState: "SOLD", LocationID: locLondon, CatalogObjectID: "NOPE", Quantity: "1"}}}}
	if er := e.fails("POST", "/v2/inventory/changes/batch-create", bad, 400, apis.CodeInvalidValue); er.Field != "changes[0].adjustment.catalog_object_id" {
		t.Fatalf("bad change: %+v", er)
	}
	e.fails("POST", "/v2/inventory/counts/batch-retrieve", apis.BatchRetrieveInventoryCountsRequest{Limit: i64(1001)}, 400, apis.CodeValueTooHigh)
	e.fails("POST", "/v2/inventory/counts/batch-retrieve", apis.BatchRetrieveInventoryCountsRequest{States: []string{"ON_SHELF"}}, 400, apis.CodeInvalidEnumValue)
}

func TestLoyaltySearchAndLocations(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	search := func(q *apis.LoyaltyAccountQuery, limit *int64) []string {
		t.Helper()
		req := apis.SearchLoyaltyAccountsRequest{Query: q, Limit: limit}
		var ids []string
		for {
			var p apis.SearchLoyaltyAccountsResponse
			e.ok("POST", "/v2/loyalty/accounts/search", req, &p)
			for _, a := range p.LoyaltyAccounts {
				ids = append(ids, a.CustomerID)
			}
			if p.Cursor == "" {
				return ids
			}
			req.Cursor = p.Cursor
		}
	}
	if got := search(&apis.LoyaltyAccountQuery{Mappings: []apis.LoyaltyAccountMapping{{PhoneNumber: "+44 7700 900123"}}}, nil); !slices.Equal(got, []string{custAlice}) {
		t.Fatalf("by phone: %v", got)
	}
	if got := search(&apis.LoyaltyAccountQuery{CustomerIDs: []string{custDan, custBob, custAlice}}, nil); !slices.Equal(got, []string{custAlice, custDan}) {
		t.Fatalf("by customer, in creation order: %v", got)
	}
	if got := search(nil, i64(1)); !slices.Equal(got, []string{custAlice, custDan}) {
		t.Fatalf("all, paged: %v", got)
	}
	e.fails("POST", "/v2/loyalty/accounts/search", apis.SearchLoyaltyAccountsRequest{Query: &apis.LoyaltyAccountQuery{CustomerIDs: make([]string, 31)}}, 400, apis.CodeArrayTooLong)
	e.fails("POST", "/v2/loyalty/accounts/search", apis.SearchLoyaltyAccountsRequest{Query: &apis.LoyaltyAccountQuery{CustomerIDs: []string{custAlice}, Mappings: []apis.LoyaltyAccountMapping{{PhoneNumber: "+447700900123"}}}}, 400, apis.CodeConflictingParameters)
	e.fails("POST", "/v2/loyalty/accounts/search", apis.SearchLoyaltyAccountsRequest{Query: &apis.LoyaltyAccountQuery{Mappings: []apis.LoyaltyAccountMapping{{PhoneNumber: "07700900123"}}}}, 400, apis.CodeInvalidValue)
	e.fails("POST", "/v2/loyalty/accounts/search", apis.SearchLoyaltyAccountsRequest{Limit: i64(201)}, 400, apis.CodeValueTooHigh)

	// RetrieveLoyaltyAccount: one account by id.
	var all apis.SearchLoyaltyAccountsResponse
	e.ok("POST", "/v2/loyalty/accounts/search", apis.SearchLoyaltyAccountsRequest{}, &all)
	for _, a := range all.LoyaltyAccounts {
		var got retrieveLoyaltyAccountResponse
		e.ok("GET", "/v2/loyalty/accounts/"+a.ID, nil, &got)
		if got.LoyaltyAccount == nil || got.LoyaltyAccount.ID != a.ID || got.LoyaltyAccount.CustomerID != a.CustomerID {
			t.Fatalf("retrieve %s: %+v", a.ID, got.LoyaltyAccount)
		}
	}
	e.fails("GET", "/v2/loyalty/accounts/no-such-account", nil, 404, apis.CodeNotFound)

	var locs apis.ListLocationsResponse
	e.ok("GET", "/v2/locations", nil, &locs)
	if len(locs.Locations) != 3 {
		t.Fatalf("locations %+v", locs.Locations)
	}
	l := locs.Locations[2]
	if l.ID != locNewYork || l.Country != "US" || l.Currency != "USD" || l.Status != "ACTIVE" || l.LanguageCode != "en-US" || len(l.MerchantID) != 13 || l.CreatedAt == "" {
		t.Fatalf("New York %+v", l)
	}
}
