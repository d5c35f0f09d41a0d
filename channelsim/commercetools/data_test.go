package commercetools

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	ct "github.com/omnigate/omnigate/apis/commercetools"
)

func TestFromWorld(t *testing.T) {
	d := FromWorld(smallWorld())
	if len(d.Products) != 2 || len(d.Customers) != 3 || len(d.Orders) != 4 || len(d.Carts) != 3 ||
		len(d.Channels) != 3 || len(d.Stores) != 3 || len(d.Inventory) != 3 || len(d.ShoppingLists) != 2 {
		t.Fatalf("record counts: %d products, %d customers, %d orders, %d carts, %d channels, %d stores, %d inventory, %d lists",
			len(d.Products), len(d.Customers), len(d.Orders), len(d.Carts), len(d.Channels), len(d.Stores), len(d.Inventory), len(d.ShoppingLists))
	}
	tee := d.Products[0]
	if tee.ID != "prod-tee" || tee.MasterData.Current.MasterVariant.SKU != "TEE-S" || len(tee.MasterData.Current.Variants) != 1 ||
		tee.MasterData.Current.Variants[0].SKU != "TEE-M" || tee.MasterData.Current.Variants[0].ID != 2 ||
		len(tee.MasterData.Current.MasterVariant.Prices) != 2 || tee.MasterData.Current.MasterVariant.Prices[1].Value != ct.CentMoney("EUR", 1800) ||
		!tee.MasterData.Published || tee.MasterData.Current.Name["en"] != "Tee" {
		t.Errorf("product with two variants: %+v", tee.MasterData.Current)
	}
	ann := d.Customers[0]
	if ann.Email != "Ann.Lee@Example.com" || len(ann.Addresses) != 1 || ann.Addresses[0].Phone != "020 7946 0958" ||
		ann.Addresses[0].Country != "GB" || ann.DefaultShippingAddressID != ann.Addresses[0].ID || len(ann.Addresses[0].ID) != 8 ||
		ann.Version != 2 || len(ann.Stores) != 1 || ann.Stores[0].Key != "store-london-soho" {
		t.Errorf("customer Ann: %+v", ann)
	}
	// Bob has a phone but no address: the phone still needs a home, in his
	// locale's country.
	bob := d.Customers[1]
	if len(bob.Addresses) != 1 || bob.Addresses[0].Phone != "+44 7700 900123" || bob.Addresses[0].Country != "GB" {
		t.Errorf("customer Bob: %+v", bob.Addresses)
	}
	if cy := d.Customers[2]; len(cy.Addresses) != 0 || cy.DateOfBirth != "1990-02-03" || cy.Addresses == nil {
		t.Errorf("customer Cy: %+v", cy)
	}
	o := d.Orders[1]
	if o.TotalPrice != ct.CentMoney("GBP", 2500) || len(o.LineItems) != 2 || o.LineItems[1].Variant.ID != 2 ||
		o.LineItems[1].ProductID != "prod-tee" || o.LineItems[0].SupplyChannel.ID != "ch-online" || o.LineItems[0].ID == "" ||
		o.OrderState != "Open" || o.CustomerID != "cust-ann" {
		t.Errorf("order ord-2: %+v", o)
	}
	if d.Orders[0].CompletedAt == nil || d.Orders[0].ShipmentState != "Delivered" || d.Orders[0].ShippingAddress.City != "London" {
		t.Errorf("completed order: %+v", d.Orders[0])
	}
	// Its return: an addReturnInfo and a later state change, each an update
	// of the order.
	if o := d.Orders[0]; len(o.ReturnInfo) != 1 || o.Version != 3 || !o.LastModifiedAt.Equal(t0.Add(98*time.Hour)) || !o.CompletedAt.Equal(t0.Add(48*time.Hour)) {
		t.Errorf("returned order: version %d, modified %v, completed %v, returns %+v", o.Version, o.LastModifiedAt, o.CompletedAt, o.ReturnInfo)
	} else if ri := o.ReturnInfo[0]; ri.ReturnTrackingID != "TRK-1" || !ri.ReturnDate.Equal(t0.Add(96*time.Hour)) || len(ri.Items) != 1 ||
		ri.Items[0] != (ct.ReturnItem{ID: "ri-1", Type: ct.ReturnItemLineItem, Quantity: 1, LineItemID: "li-1", ShipmentState: ct.ReturnBackInStock,
			PaymentState: ct.ReturnRefunded, CreatedAt: t0.Add(96 * time.Hour), LastModifiedAt: t0.Add(98 * time.Hour)}) {
		t.Errorf("return info %+v", ri)
	}
	if d.Orders[1].ReturnInfo != nil {
		t.Errorf("an order without returns has returnInfo %+v", d.Orders[1].ReturnInfo)
	}
	if d.Carts[1].CartState != ct.CartOrdered || d.Carts[0].Version != 4 || *d.Carts[0].TotalLineItemQuantity != 1 {
		t.Errorf("carts: %+v", d.Carts[:2])
	}
	if d.Inventory[1].SupplyChannel.ID != "ch-bath" || *d.Inventory[1].RestockableInDays != 5 || d.Inventory[1].QuantityOnStock != 0 {
		t.Errorf("inventory: %+v", d.Inventory[1])
	}
	if sl := d.ShoppingLists[0]; sl.Customer.ID != "cust-ann" || sl.LineItems[0].Variant.SKU != "MUG-1" || sl.LineItems[1].Quantity != 2 || sl.LineItems[0].Name["en"] != "Mug" {
		t.Errorf("shopping list: %+v", sl)
	}
	if st := d.Stores[0]; st.Key != "store-london-soho" || st.SupplyChannels[0].ID != "ch-soho" || st.Countries[0].Code != "GB" {
		t.Errorf("store: %+v", st)
	}
	// Rendering is deterministic.
	if again := FromWorld(smallWorld()); !reflect.DeepEqual(again, d) {
		t.Error("FromWorld gave different data for the same world")
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	d := FromWorld(smallWorld())
	dir := t.TempDir()
	if err := d.Write(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, d) {
		for i := range d.Orders {
			if !reflect.DeepEqual(got.Orders[i], d.Orders[i]) {
				t.Errorf("order %d:\n got %+v\nwant %+v", i, got.Orders[i], d.Orders[i])
			}
		}
		t.Fatal("Load(Write(d)) differs from d")
	}
	// Writing again gives the same bytes.
	dir2 := t.TempDir()
	if err := got.Write(dir2); err != nil {
		t.Fatal(err)
	}
	for _, f := range (&Data{}).files() {
		a, _ := os.ReadFile(filepath.Join(dir, System, f.name))
		b, _ := os.ReadFile(filepath.Join(dir2, System, f.name))
		if !bytes.Equal(a, b) || len(a) == 0 {
			t.Errorf("%s differs between two writes", f.name)
		}
	}
	// Empty data writes empty arrays, and loads back empty.
	empty := t.TempDir()
	if err := (&Data{}).Write(empty); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(empty, System, FileShoppingLists))
	if string(b) != "[]\n" {
		t.Errorf("empty file: %q", b)
	}
	if d, err := Load(t.TempDir()); err != nil || len(d.Customers) != 0 {
		t.Errorf("a missing directory: %v %+v", err, d)
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	cases := []struct {
		file, content, want string
	}{
		{FileCustomers, `[{"id": "a", "email": "x@y"},`, "customers.json: invalid JSON at line 1"},
		{FileCustomers, `{"id": "a"}`, "customers.json: want a JSON array of records"},
		{FileOrders, "[\n{\"id\": \"o\", \"version\": \"two\"}]", `orders.json: line 2, column 29: field "version" must be int64, not a JSON string`},
		{FileCarts, `[{"version": 1}]`, "carts.json: record 0 has no id"},
		{FileStores, `[{"id": "s", "key": "a"}, {"id": "s", "key": "b"}]`, `stores.json: record 1: the id "s" is used twice`},
		{FileCustomers, `[{"id": "c", "email": "e", "addresses": [{"city": "x"}]}]`, "address 0 has no country"},
		{FileInventory, `[{"id": "i"}]`, "inventory.json: inventory entry 0 (i) has no sku"},
		{FileOrders, `[{"id": "o", "lineItems": [{"quantity": 1}]}]`, "line item 0 has no id"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		_ = os.MkdirAll(filepath.Join(dir, System), 0o755)
		_ = os.WriteFile(filepath.Join(dir, System, c.file), []byte(c.content), 0o644)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: got %v, want an error containing %q", c.file, c.content, err, c.want)
		}
	}
}

// The hand-written fixture leaves out most optional fields and several the
// API always shows; it loads, and what is served conforms to the spec.
func TestHandWrittenFixture(t *testing.T) {
	d, err := Load("testdata/fixture")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.ShoppingLists) != 0 || len(d.Customers) != 2 {
		t.Fatalf("loaded %+v", d)
	}
	o := d.Orders[0]
	if o.TotalPrice != ct.CentMoney("EUR", 5000) || o.LineItems[0].TotalPrice.CentAmount != 5000 || o.Version != 1 || o.OrderState != "Open" {
		t.Errorf("order defaults: %+v", o)
	}
	s := newSim(t, d, DemoCredentials)
	pk := "/" + DemoCredentials.ProjectKey
	var cs page[ct.Customer]
	s.get(s.query("customers", `lowercaseEmail = "jo.smith@example.org"`), &cs)
	if len(cs.Results) != 1 || cs.Results[0].Addresses[0].Phone != "030 1234567" || cs.Results[0].CreatedAt.Year() != 2024 {
		t.Errorf("customer by email: %+v", cs.Results)
	}
	var os page[ct.Order]
	s.get(s.query("orders", `customerId = "4f1c2a80-0d2e-4a53-9b7b-5d0e1d2f0a01"`), &os)
	if len(os.Results) != 1 || os.Results[0].Store.Key != "berlin-mitte" {
		t.Errorf("orders: %+v", os.Results)
	}
	var ps page[ct.ProductProjection]
	s.get(s.query("product-projections", `variants(sku = "SCARF-BLUE")`), &ps)
	if len(ps.Results) != 1 {
		t.Errorf("projection by variant sku: %+v", ps.Results)
	}
	s.get(s.query("product-projections", `variants(sku = "SCARF-BLUE")`, "staged", "true"), &ps)
	if len(ps.Results) != 0 {
		t.Errorf("the staged data has no blue variant: %+v", ps.Results)
	}
	for _, path := range []string{pk + "/carts/customer-id=4f1c2a80-0d2e-4a53-9b7b-5d0e1d2f0a01", pk + "/inventory", pk + "/channels", pk + "/stores", pk + "/products", pk + "/shopping-lists"} {
		if status, body := s.do("GET", path, nil); status != 200 {
			t.Errorf("GET %s: %d %s", path, status, body)
		}
	}
	status, body := s.do("POST", pk+"/carts/e2b0f9a4-4c3d-4b2a-9e1f-7a6b5c4d3e01", ct.CartUpdate{Version: ptr(int64(1)),
		Actions: []ct.CartUpdateAction{{Action: ct.ActionAddLineItem, SKU: "SCARF-BLUE", Quantity: ptr(int64(2))}}})
	if status != 200 || !strings.Contains(string(body), `"centAmount":5200`) {
		t.Errorf("adding to the fixture's cart: %d %s", status, body)
	}
}
