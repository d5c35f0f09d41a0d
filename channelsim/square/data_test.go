package square

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
)

func TestHandWrittenFixtureLoadsAndIsServed(t *testing.T) {
	d, err := Load("testdata/fixture")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Customers) != 2 || len(d.Locations) != 1 || len(d.Catalog) != 2 || len(d.Orders) != 1 || len(d.LoyaltyAccounts) != 1 || len(d.InventoryCounts) != 0 {
		t.Fatalf("loaded %d customers, %d locations, %d catalog objects, %d orders, %d loyalty accounts, %d counts",
			len(d.Customers), len(d.Locations), len(d.Catalog), len(d.Orders), len(d.LoyaltyAccounts), len(d.InventoryCounts))
	}
	e := setup(t, d)
	// A national number in a GB account is found by its E.164 form.
	var found apis.SearchCustomersResponse
	e.ok("POST", "/v2/customers/search", apis.SearchCustomersRequest{Query: &apis.CustomerQuery{Filter: &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Exact: "+447700900077"}}}}, &found)
	if len(found.Customers) != 1 || found.Customers[0].ID != "JDKYHBWT1D4F8MFH63DBMEN8Y4" {
		t.Fatalf("found %+v", found.Customers)
	}
	// The top-level variation knows its item, and can be sold.
	var created apis.CreateOrderResponse
	e.ok("POST", "/v2/orders", apis.CreateOrderRequest{Order: &apis.Order{LocationID: "LH2GZQ0W1RYC7", LineItems: []apis.OrderLineItem{{Quantity: "1", CatalogObjectID: "AA27W3M2GGTF3H6AVPNB77CK"}}}}, &created)
	if li := created.Order.LineItems[0]; li.Name != "Tote Bag" || li.BasePriceMoney.Amount != 1500 {
		t.Fatalf("line %+v", li)
	}
	var open apis.SearchOrdersResponse
	e.ok("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{"LH2GZQ0W1RYC7"}, Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{StateFilter: &apis.SearchOrdersStateFilter{States: []string{"OPEN"}}, CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{"JDKYHBWT1D4F8MFH63DBMEN8Y4"}}}}}, &open)
	if len(open.Orders) != 1 || open.Orders[0].ID != "CAISENgvlJ6jLWAAERDoCHY2Sjo" {
		t.Fatalf("open orders %+v", open.Orders)
	}
	var counts apis.BatchRetrieveInventoryCountsResponse
	e.ok("POST", "/v2/inventory/counts/batch-retrieve", apis.BatchRetrieveInventoryCountsRequest{}, &counts)
	if len(counts.Counts) != 0 {
		t.Fatalf("counts from a missing file: %+v", counts.Counts)
	}
}

func TestFromWorld(t *testing.T) {
	w := smallWorld()
	d := FromWorld(w)
	if len(d.Locations) != 3 {
		t.Fatalf("%d locations, want the 3 physical stores", len(d.Locations))
	}
	if len(d.Customers) != len(w.POSCustomers) || len(d.Orders) != len(w.POSOrders) || len(d.LoyaltyAccounts) != 2 || len(d.InventoryCounts) != 3 || len(d.Catalog) != 3 {
		t.Fatalf("counts: %d customers, %d orders, %d loyalty, %d inventory, %d catalog", len(d.Customers), len(d.Orders), len(d.LoyaltyAccounts), len(d.InventoryCounts), len(d.Catalog))
	}
	alice := d.Customers[0]
	if alice.EmailAddress != "  Alice.Smith@Example.COM " || alice.PhoneNumber != "07700 900123" || alice.Address != nil || alice.CreatedAt != "2024-03-01T09:00:00.000Z" {
		t.Fatalf("Alice, kept as typed: %+v", alice)
	}
	walkIn := d.Orders[5]
	if walkIn.CustomerID != "" || walkIn.LineItems[0].ItemType != "CUSTOM_AMOUNT" || walkIn.LineItems[0].CatalogObjectID != "" || walkIn.LineItems[0].UID == "" {
		t.Fatalf("walk-in order with an unknown SKU: %+v", walkIn)
	}
	if open := d.Orders[2]; open.ClosedAt != "" || open.NetAmountDueMoney.Amount != 3600 || open.TotalMoney.Amount != 3600 {
		t.Fatalf("open order %+v", open)
	}
	if m := d.LoyaltyAccounts[0].Mapping; m == nil || m.PhoneNumber != "+447700900123" || len(m.ID) != 36 {
		t.Fatalf("mapping %+v", m)
	}
	// Products without Square ids get stable derived ones.
	w2 := smallWorld()
	w2.Products[0].CatalogItemID, w2.Products[0].VariationID = "", ""
	a, b := FromWorld(w2), FromWorld(w2)
	if id := a.Catalog[0].ID; len(id) != 24 || id != b.Catalog[0].ID || a.Orders[0].LineItems[0].CatalogObjectID != a.Catalog[0].ItemData.Variations[0].ID {
		t.Fatalf("derived ids %q %q", id, b.Catalog[0].ID)
	}
	if FromWorld(w2).Locations[0].MerchantID != FromWorld(smallWorld()).Locations[0].MerchantID {
		t.Fatal("merchant id depends on more than the seed")
	}
}

func TestLoadWriteRoundTrip(t *testing.T) {
	d := FromWorld(smallWorld())
	dir := t.TempDir()
	if err := d.Write(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d, back) {
		t.Fatal("loaded data differ from written data")
	}
	// Writing again gives the same bytes.
	dir2 := t.TempDir()
	if err := back.Write(dir2); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{FileCustomers, FileOrders, FileLocations, FileCatalog, FileInventoryCounts, FileLoyaltyAccounts} {
		a, _ := os.ReadFile(filepath.Join(dir, System, f))
		b, _ := os.ReadFile(filepath.Join(dir2, System, f))
		if len(a) < 3 || !bytes.Equal(a, b) || !bytes.HasPrefix(a, []byte("[\n  {")) {
			t.Fatalf("%s: not stable or not indented:\n%s", f, a)
		}
	}
	// Empty data writes empty arrays, which load as nothing.
	empty := t.TempDir()
	if err := (&Data{}).Write(empty); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(empty, System, FileOrders)); string(b) != "[]\n" {
		t.Fatalf("empty orders file %q", b)
	}
	if d, err := Load(t.TempDir()); err != nil || len(d.Customers) != 0 {
		t.Fatalf("a missing directory: %v %+v", err, d)
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	cases := []struct {
		file, content, want string
	}{
		{FileCustomers, `{"id":"X"}`, "square/customers.json: want a JSON array"},
		{FileCustomers, "[\n{\"id\": \"X\",}\n]", "square/customers.json: invalid JSON on line 2"},
		{FileCustomers, `[{"id":"X","version":"one"}]`, `field "version" must be int64`},
		{FileCustomers, `[{"given_name":"no id"}]`, "square/customers.json: record 0 has no id"},
		{FileCustomers, `[{"id":"X"},{"id":"X"}]`, `id "X" appears twice`},
		{FileCustomers, `[{"id":"X","created_at":"last tuesday"}]`, "created_at"},
		{FileOrders, `[{"id":"O"}]`, "location_id is required"},
		{FileOrders, `[{"id":"O","location_id":"L","line_items":[{"quantity":"lots"}]}]`, "line_items[0].quantity"},
		{FileInventoryCounts, `[{"quantity":"1"}]`, "catalog_object_id and location_id are required"},
		{FileCatalog, `[{"id":"I"}]`, "type is required"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, System), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, System, c.file), []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: got %v, want an error with %q", c.file, c.content, err, c.want)
		}
	}
}

func TestQuantities(t *testing.T) {
	for s, want := range map[string]int64{"1": 100000, "0.5": 50000, "2.00001": 200001, "-3": -300000, "0": 0} {
		q, err := parseQuantity(s)
		if err != nil || q != want {
			t.Errorf("parseQuantity(%q) = %d, %v", s, q, err)
		}
		if s != "2.00001" && formatQuantity(q) != s {
			t.Errorf("formatQuantity(%d) = %q, want %q", q, formatQuantity(q), s)
		}
	}
	for _, bad := range []string{"", "1.", ".5", "1.000001", "1e3", "one", "1,5"} {
		if _, err := parseQuantity(bad); err == nil {
			t.Errorf("parseQuantity(%q) accepted", bad)
		}
	}
	if got := lineTotal(999, 150000); got != 1499 { // 9.99 × 1.5 = 14.985, rounds half up
		t.Errorf("lineTotal = %d", got)
	}
}
