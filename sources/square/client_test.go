package square

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/channelsim/harness"
	sim "github.com/omnigate/omnigate/channelsim/square"
	"github.com/omnigate/omnigate/channelsim/world"
)

func TestNewValidatesConfig(t *testing.T) {
	good := Config{BaseURL: "https://connect.squareup.com", AccessToken: "EAAAtoken"}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"no base URL", func(c *Config) { c.BaseURL = "" }, "BaseURL is required"},
		{"relative base URL", func(c *Config) { c.BaseURL = "connect.squareup.com" }, "BaseURL"},
		{"ftp base URL", func(c *Config) { c.BaseURL = "ftp://x" }, "BaseURL"},
		{"no token", func(c *Config) { c.AccessToken = "" }, "AccessToken is required"},
		{"token with a line break", func(c *Config) { c.AccessToken = "abc\nX-Evil: 1" }, "AccessToken must not"},
		{"bad version", func(c *Config) { c.SquareVersion = "v2" }, "SquareVersion"},
		{"impossible version date", func(c *Config) { c.SquareVersion = "2025-02-30" }, "SquareVersion"},
		{"bad country", func(c *Config) { c.DefaultCountry = "XX" }, "DefaultCountry"},
		{"negative retries", func(c *Config) { c.Retries = -1 }, "Retries must not be negative"},
		{"negative timeout", func(c *Config) { c.Timeout = -time.Second }, "Timeout must not be negative"},
	}
	for _, c := range cases {
		cfg := good
		c.mod(&cfg)
		_, err := New(cfg, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || omnigate.ErrorCode(err) != omnigate.EINVALID {
			t.Errorf("%s: got %v, want an INVALID_INPUT error with %q", c.name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "EAAAtoken") {
			t.Errorf("%s: the error shows the token: %v", c.name, err)
		}
	}
	if _, err := New(good, nil); err != nil {
		t.Fatalf("good config: %v", err)
	}
}

func recordIDs(rs []omnigate.CustomerRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	slices.Sort(out)
	return out
}

func TestFindCustomersByEmail(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	got, err := c.FindCustomers(context.Background(), omnigate.KindEmail, "alice.smith@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if ids := recordIDs(got); !slices.Equal(ids, []string{custAlice, custDan}) {
		t.Fatalf("found %v", ids)
	}
	for _, r := range got {
		switch r.ID {
		case custAlice:
			// No address; the seller spans two countries; her first sale
			// was in London.
			if r.Country != "GB" || r.System != omnigate.Square || r.Emails[0] != " Alice.Smith@Example.com" || r.Phones[0] != "07700 900123" || r.Birthday != "1990-04-02" || !r.CreatedAt.Equal(t0) || !r.UpdatedAt.Equal(t0.Add(time.Hour)) {
				t.Fatalf("Alice %+v", r)
			}
		case custDan:
			if r.Country != "" {
				t.Fatalf("Dan never bought and has no address, yet has country %q", r.Country)
			}
		}
	}
	// With a default country, records that say nothing get it.
	c = e.client(t, func(cfg *Config) { cfg.DefaultCountry = "gb" })
	got, err = c.FindCustomers(context.Background(), omnigate.KindEmail, "alice.smith@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range got {
		if r.Country != "GB" {
			t.Fatalf("%s: country %q, want the default GB", r.ID, r.Country)
		}
	}
	if _, err := c.FindCustomers(context.Background(), omnigate.KindEmail, "not-an-email"); omnigate.ErrorCode(err) != omnigate.EINVALID {
		t.Fatalf("bad email: %v", err)
	}
	// Square keeps no webshop ids, nor kinds it does not know: nothing
	// found, and no error.
	for _, kind := range []omnigate.IdentifierKind{omnigate.KindCommercetoolsID, "shoe_size"} {
		if got, err := c.FindCustomers(context.Background(), kind, custAlice); err != nil || got != nil {
			t.Fatalf("FindCustomers(%s): %+v %v, want nothing and no error", kind, got, err)
		}
	}
}

const aliceLoyalty = "b1a5e6a0-0000-4000-8000-000000000001"

func TestFindCustomersCarryLoyalty(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	ctx := context.Background()
	// Found by email: Alice has a loyalty account, Dan none; one loyalty
	// search for both.
	got, err := c.FindCustomers(ctx, omnigate.KindEmail, "alice.smith@example.com")
	if err != nil {
		t.Fatal(err)
	}
	loyalty := map[string]string{}
	for _, r := range got {
		loyalty[r.ID] = r.LoyaltyID
	}
	if len(got) != 2 || loyalty[custAlice] != aliceLoyalty || loyalty[custDan] != "" {
		t.Fatalf("loyalty ids %v", loyalty)
	}
	if s := e.stats("loyalty.accounts.search"); s.Calls != 1 || s.MaxKeys != 2 {
		t.Fatalf("loyalty search: %d calls, max %d ids; want 1 of 2", s.Calls, s.MaxKeys)
	}
	// Found by phone too.
	got, err = c.FindCustomers(ctx, omnigate.KindPhone, "+447700900123")
	if err != nil || len(got) != 1 || got[0].ID != custAlice || got[0].LoyaltyID != aliceLoyalty {
		t.Fatalf("by phone: %+v %v", got, err)
	}
	// By the loyalty account: its customer.
	got, err = c.FindCustomers(ctx, omnigate.KindLoyalty, " "+aliceLoyalty+" ")
	if err != nil || len(got) != 1 || got[0].ID != custAlice || got[0].LoyaltyID != aliceLoyalty || got[0].Country != "GB" {
		t.Fatalf("by loyalty: %+v %v", got, err)
	}
	if s := e.stats("loyalty.accounts.get"); s.Calls != 1 {
		t.Fatalf("loyalty.accounts.get: %d calls", s.Calls)
	}
	// An account Square does not have finds nothing, without error.
	if got, err := c.FindCustomers(ctx, omnigate.KindLoyalty, "b1a5e6a0-0000-4000-8000-000000000999"); err != nil || len(got) != 0 {
		t.Fatalf("unknown account: %+v %v", got, err)
	}
	for _, bad := range []string{" ", "a b"} {
		if _, err := c.FindCustomers(ctx, omnigate.KindLoyalty, bad); omnigate.ErrorCode(err) != omnigate.EINVALID {
			t.Fatalf("loyalty id %q: %v", bad, err)
		}
	}
	// The loyalty program failing costs only the loyalty ids.
	if err := e.h.Faults().Add(harness.Fault{System: "square", Endpoint: "loyalty.accounts.search", ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	got, err = c.FindCustomers(ctx, omnigate.KindPhone, "+447700900123")
	e.h.Faults().Clear("")
	if err != nil || len(got) != 1 || got[0].ID != custAlice || got[0].LoyaltyID != "" {
		t.Fatalf("by phone with loyalty down: %+v %v; want Alice without her loyalty id", got, err)
	}
	// GetCustomers, which the customer view calls on every request, makes
	// no loyalty search and carries no loyalty id.
	before := e.stats("loyalty.accounts.search").Calls
	recs, err := c.GetCustomers(ctx, []string{custAlice})
	if err != nil || recs[custAlice].ID != custAlice || recs[custAlice].LoyaltyID != "" {
		t.Fatalf("GetCustomers: %+v %v", recs, err)
	}
	if after := e.stats("loyalty.accounts.search").Calls; after != before {
		t.Fatalf("GetCustomers searched loyalty accounts (%d calls)", after-before)
	}
	// A listed page carries loyalty ids, with one search per page.
	before = e.stats("loyalty.accounts.search").Calls
	page, _, err := c.ListCustomers(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, r := range page {
		listed[r.ID] = r.LoyaltyID
	}
	if len(page) != 5 || listed[custAlice] != aliceLoyalty || listed[custBob] != "" {
		t.Fatalf("listed loyalty ids %v", listed)
	}
	if after := e.stats("loyalty.accounts.search").Calls; after != before+1 {
		t.Fatalf("a page of 5 took %d loyalty searches, want 1", after-before)
	}
}

func TestFindCustomersByPhone(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	ctx := context.Background()
	cases := []struct {
		phone string
		want  []string
	}{
		{"+447700900123", []string{custAlice}}, // typed nationally in the seller's country
		{"+447700900456", []string{custBob}},   // typed internationally
		// Typed nationally in New York: Square's exact search reads it as
		// a British number and misses it; the fuzzy search finds it, and
		// her first sale in New York confirms the reading.
		{"+12125550142", []string{custCarol}},
		// ...and Square's British reading of it is not her number.
		{"+442125550142", nil},
		{"+15550000000", nil},
	}
	for _, tc := range cases {
		got, err := c.FindCustomers(ctx, omnigate.KindPhone, tc.phone)
		if err != nil {
			t.Fatalf("%s: %v", tc.phone, err)
		}
		if ids := recordIDs(got); !slices.Equal(ids, tc.want) {
			t.Errorf("%s: found %v, want %v", tc.phone, ids, tc.want)
		}
	}
	if s := e.stats("customers.search"); s.Calls != int64(2*len(cases)) {
		t.Errorf("%d searches for %d phone lookups, want an exact and a fuzzy one each", s.Calls, len(cases))
	}
	// Dan has no country of his own, but Square reads his national number
	// in the seller's country and finds him: that match stands.
	if got, err := c.FindCustomers(ctx, omnigate.KindPhone, "+442079460123"); err != nil || !slices.Equal(recordIDs(got), []string{custDan}) {
		t.Fatalf("Dan: %v %v", recordIDs(got), err)
	}
	// Eve's US national number, with no country of her own, cannot be
	// read: the fuzzy hit on its digits is not trusted...
	if got, err := c.FindCustomers(ctx, omnigate.KindPhone, "+16465550177"); err != nil || len(got) != 0 {
		t.Fatalf("Eve without a country: %v %v", recordIDs(got), err)
	}
	// ...unless a default country says how to read it.
	c2 := e.client(t, func(cfg *Config) { cfg.DefaultCountry = "US" })
	if got, err := c2.FindCustomers(ctx, omnigate.KindPhone, "+16465550177"); err != nil || !slices.Equal(recordIDs(got), []string{custEve}) || got[0].Country != "US" {
		t.Fatalf("Eve with default US: %v %v", got, err)
	}
	for _, bad := range []string{"07700900123", "+44abc", ""} {
		if _, err := c.FindCustomers(ctx, omnigate.KindPhone, bad); omnigate.ErrorCode(err) != omnigate.EINVALID {
			t.Errorf("phone %q: %v", bad, err)
		}
	}
}

func TestGetCustomersBatchesByHundred(t *testing.T) {
	e := setup(t, crowdWorld(250, 12))
	c := e.client(t)
	var ids []string
	for i := 0; i < 250; i++ {
		ids = append(ids, fmt.Sprintf("CUST%022d", i))
	}
	ids = append(ids, "NOSUCHCUSTOMER000000000000", ids[0], "")
	got, err := c.GetCustomers(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("got %d records, want 250", len(got))
	}
	if _, ok := got["NOSUCHCUSTOMER000000000000"]; ok {
		t.Fatal("an unknown id is in the map")
	}
	bulk := e.stats("customers.bulk-retrieve")
	keys := slices.Clone(bulk.KeysPerCall)
	slices.Sort(keys)
	if bulk.Calls != 3 || !slices.Equal(keys, []int{51, 100, 100}) {
		t.Fatalf("bulk retrieve: %d calls with %v keys, want 3 calls of at most 100", bulk.Calls, bulk.KeysPerCall)
	}
	// No addresses and stores in two countries: each record's country is
	// its first sale's store; 250 customers over 12 stores cost
	// ceil(250/10) × ceil(12/10) order searches.
	if o := e.stats("orders.search"); o.Calls != 25*2 || o.MaxKeys > 10 {
		t.Fatalf("country lookups: %d order searches (max %d ids), want 50", o.Calls, o.MaxKeys)
	}
	for i := 0; i < 250; i++ {
		r := got[fmt.Sprintf("CUST%022d", i)]
		want := "GB"
		if (i%12)%2 == 1 {
			want = "US"
		}
		if r.Country != want {
			t.Fatalf("customer %d: country %q, want %q", i, r.Country, want)
		}
	}
	if l := e.stats("locations.list"); l.Calls != 1 {
		t.Fatalf("locations listed %d times, want once", l.Calls)
	}

	// A first sale does not change: read again, the records keep their
	// countries without a second round of order searches.
	again, err := c.GetCustomers(context.Background(), ids[:250])
	if err != nil {
		t.Fatal(err)
	}
	if o := e.stats("orders.search"); o.Calls != 50 {
		t.Fatalf("order searches after a second read: %d, want still 50", o.Calls)
	}
	for id, r := range got {
		if again[id].Country != r.Country {
			t.Fatalf("%s: country %q on the second read, %q on the first", id, again[id].Country, r.Country)
		}
	}
}

func TestOrdersAndCartsByCustomer(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	ctx := context.Background()
	orders, err := c.OrdersByCustomer(ctx, []string{custAlice, custCarol, custBob, custAlice})
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 2 || len(orders[custBob]) != 0 {
		t.Fatalf("orders for %d customers: %+v", len(orders), orders)
	}
	alice := orders[custAlice]
	if len(alice) != 2 || alice[0].ID != "ORDA2000000000000000000002" || alice[1].ID != "ORDA1000000000000000000001" {
		t.Fatalf("Alice's completed orders, newest first: %+v", alice)
	}
	o := alice[0]
	if o.System != omnigate.Square || o.Channel != omnigate.ChannelStore || o.StoreID != locNewYork || o.StoreName != "New York SoHo" || o.State != "COMPLETED" || o.Number != "R-ORDA20" || o.CustomerID != custAlice {
		t.Fatalf("order %+v", o)
	}
	if o.Total != (omnigate.Money{Cents: 1500, Currency: "USD"}) || len(o.Lines) != 1 || o.Lines[0] != (omnigate.LineItem{SKU: "SKU-MUG-10", Name: "Enamel Mug", Quantity: 1, UnitPrice: omnigate.Money{Cents: 1500, Currency: "USD"}, Total: omnigate.Money{Cents: 1500, Currency: "USD"}}) {
		t.Fatalf("order lines %+v total %+v", o.Lines, o.Total)
	}
	carts, err := c.CartsByCustomer(ctx, []string{custAlice, custCarol})
	if err != nil {
		t.Fatal(err)
	}
	if len(carts) != 1 || len(carts[custAlice]) != 1 {
		t.Fatalf("carts %+v", carts)
	}
	cart := carts[custAlice][0]
	if cart.ID != "ORDA3000000000000000000003" || cart.StoreName != "London Soho" || cart.Total != (omnigate.Money{Cents: 2400, Currency: "GBP"}) || cart.Lines[0].SKU != "SKU-MUG-1" || cart.Lines[0].Quantity != 3 {
		t.Fatalf("cart %+v", cart)
	}
	// Locations were listed once; the catalog is read once per variation.
	if l := e.stats("locations.list"); l.Calls != 1 {
		t.Fatalf("locations listed %d times", l.Calls)
	}
	before := e.stats("catalog.batch-retrieve").Calls
	if _, err := c.OrdersByCustomer(ctx, []string{custAlice}); err != nil {
		t.Fatal(err)
	}
	if after := e.stats("catalog.batch-retrieve").Calls; after != before {
		t.Fatalf("cached SKUs read again: %d → %d calls", before, after)
	}
	if got, err := c.OrdersByCustomer(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v %v", got, err)
	}

	// Both at once: the same orders and carts from one search.
	searches := e.stats("orders.search").Calls
	bothOrders, bothCarts, err := c.OrdersAndCarts(ctx, []string{custAlice, custCarol})
	if err != nil {
		t.Fatal(err)
	}
	if n := e.stats("orders.search").Calls - searches; n != 1 {
		t.Errorf("OrdersAndCarts searched %d times, want 1", n)
	}
	if !reflect.DeepEqual(bothOrders[custAlice], alice) || len(bothOrders) != len(orders) || !reflect.DeepEqual(bothCarts, carts) {
		t.Errorf("OrdersAndCarts gave orders %+v and carts %+v, want %+v and %+v", bothOrders, bothCarts, orders, carts)
	}
}

func TestOrdersBatchTenCustomersByTenLocations(t *testing.T) {
	e := setup(t, crowdWorld(25, 12))
	c := e.client(t)
	var ids []string
	for i := 0; i < 25; i++ {
		ids = append(ids, fmt.Sprintf("CUST%022d", i))
	}
	orders, err := c.OrdersByCustomer(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 25 {
		t.Fatalf("orders for %d customers, want 25", len(orders))
	}
	for i, id := range ids {
		if os := orders[id]; len(os) != 1 || os[0].StoreName != fmt.Sprintf("Store %d", i%12) || os[0].Lines[0].SKU != "SKU-A" {
			t.Fatalf("customer %d: %+v", i, os)
		}
	}
	s := e.stats("orders.search")
	if s.Calls != 3*2 || s.MaxKeys != 10 || s.Keys != 2*25 {
		t.Fatalf("%d order searches, %d keys (max %d per call); want 3 customer batches × 2 location batches", s.Calls, s.Keys, s.MaxKeys)
	}

	// Small pages: every page is walked, nothing twice.
	e.h.Stats().Reset()
	c = e.client(t, func(cfg *Config) { cfg.PageSize = 1 })
	carts, err := c.CartsByCustomer(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, cs := range carts {
		n += len(cs)
	}
	if n != 25 {
		t.Fatalf("%d parked sales, want 25", n)
	}
	if calls := e.stats("orders.search").Calls; calls <= 6 {
		t.Fatalf("page size 1 took only %d calls", calls)
	}

	// A query that does not end within MaxPages is an error, not a cut.
	c = e.client(t, func(cfg *Config) { cfg.PageSize = 1; cfg.MaxPages = 2 })
	_, err = c.CartsByCustomer(context.Background(), ids)
	if omnigate.ErrorCode(err) != omnigate.EBADRESPONSE || !strings.Contains(err.Error(), "did not end after 2 pages") {
		t.Fatalf("page cap: %v", err)
	}
}

func TestCreateParkedSale(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	ctx := context.Background()
	cart, err := c.CreateParkedSale(ctx, locNewYork, custCarol, []SaleLine{{SKU: "sku-shirt-1", Quantity: 2}, {SKU: "SKU-MUG-10", Quantity: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if cart.ID == "" || cart.CustomerID != custCarol || cart.StoreID != locNewYork || cart.StoreName != "New York SoHo" || cart.Total != (omnigate.Money{Cents: 2*5900 + 1500, Currency: "USD"}) {
		t.Fatalf("cart %+v", cart)
	}
	if cart.Lines[0].SKU != "SKU-SHIRT-1" || cart.Lines[0].Name != "Oxford Shirt" || cart.Lines[0].UnitPrice.Cents != 5900 || cart.Lines[1].SKU != "SKU-MUG-10" {
		t.Fatalf("lines %+v", cart.Lines)
	}
	carts, err := c.CartsByCustomer(ctx, []string{custCarol})
	if err != nil {
		t.Fatal(err)
	}
	if len(carts[custCarol]) != 1 || carts[custCarol][0].ID != cart.ID {
		t.Fatalf("Carol's parked sales %+v", carts[custCarol])
	}
	for _, bad := range []struct {
		loc   string
		lines []SaleLine
		want  string
	}{
		{"", []SaleLine{{SKU: "SKU-MUG-10", Quantity: 1}}, "location"},
		{"NOPE", []SaleLine{{SKU: "SKU-MUG-10", Quantity: 1}}, `"NOPE" is not one of the seller's locations`},
		{locLondon, nil, "1 to 100 lines"},
		{locLondon, []SaleLine{{SKU: "SKU-NONE", Quantity: 1}}, `SKU "SKU-NONE" is not in the store catalog`},
		{locLondon, []SaleLine{{SKU: "SKU-MUG-10", Quantity: 0}}, "quantity must be 1"},
		{locLondon, []SaleLine{{SKU: " ", Quantity: 1}}, "has no SKU"},
	} {
		_, err := c.CreateParkedSale(ctx, bad.loc, custAlice, bad.lines)
		if omnigate.ErrorCode(err) != omnigate.EINVALID || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q %+v: got %v, want %q", bad.loc, bad.lines, err, bad.want)
		}
	}
}

func TestLoyaltyAndLocations(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	ids := []string{custAlice, custBob}
	for i := 0; i < 63; i++ {
		ids = append(ids, fmt.Sprintf("OTHER%021d", i))
	}
	got, err := c.LoyaltyByCustomer(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	a, ok := got[custAlice]
	if len(got) != 1 || !ok || a.Balance != 120 || a.LifetimePoints != 300 || a.Phone != "+447700900123" || !a.EnrolledAt.Equal(t0) {
		t.Fatalf("loyalty %+v", got)
	}
	if s := e.stats("loyalty.accounts.search"); s.Calls != 3 || s.MaxKeys != 30 {
		t.Fatalf("65 customers took %d calls (max %d ids), want 3 of at most 30", s.Calls, s.MaxKeys)
	}
	locs, err := c.Locations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(locs) != 2 || locs[0].ID != locLondon || locs[0].Country != "GB" || locs[1].Currency != "USD" || !locs[1].Active {
		t.Fatalf("locations %+v", locs)
	}
}

func TestInventoryBySKU(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	got, err := c.InventoryBySKU(context.Background(), []string{"SKU-SHIRT-1", "sku-mug-1", "SKU-MUG-10", "SKU-NONE"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["SKU-NONE"]; ok || len(got) != 3 {
		t.Fatalf("stock %+v", got)
	}
	shirt := got["SKU-SHIRT-1"]
	slices.SortFunc(shirt, func(a, b StockLevel) int { return strings.Compare(a.LocationID, b.LocationID) })
	if len(shirt) != 2 || shirt[0].LocationName != "London Soho" || shirt[0].Quantity != 5 || shirt[1].Quantity != 2 || shirt[1].VariationID != "VARSHIRT0000000000000001" || !shirt[1].UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("shirt %+v", shirt)
	}
	// Square's exact SKU query matches SKU-MUG-10 for SKU-MUG-1 too; the
	// connector keeps equal SKUs only.
	if cup := got["sku-mug-1"]; len(cup) != 1 || cup[0].VariationID != "VARCUP000000000000000003" || cup[0].Quantity != 0 {
		t.Fatalf("cup %+v", cup)
	}
	if mug := got["SKU-MUG-10"]; mug == nil || len(mug) != 0 {
		t.Fatalf("a stocked-nowhere SKU should map to an empty list: %+v", mug)
	}
	if s := e.stats("catalog.search"); s.Calls != 1 || s.Keys != 4 {
		t.Fatalf("catalog search %+v", s)
	}
}

func TestErrorsAreMappedAndSafe(t *testing.T) {
	e := setup(t, shopWorld())
	ctx := context.Background()
	check := func(err error, code string) {
		t.Helper()
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != code || oe.Source != omnigate.Square {
			t.Fatalf("got %#v, want a %s error from square", err, code)
		}
		if strings.Contains(err.Error(), sim.DemoCredentials.AccessToken) || strings.Contains(err.Error(), "EAAAE") {
			t.Fatalf("the error shows the token: %v", err)
		}
	}
	// A refused token.
	bad := e.client(t, func(cfg *Config) { cfg.AccessToken = "EAAAEwrong-token" })
	_, err := bad.GetCustomers(ctx, []string{custAlice})
	check(err, omnigate.EAUTH)
	if !strings.Contains(err.Error(), "UNAUTHORIZED") {
		t.Fatalf("the vendor's code is not in the log message: %v", err)
	}

	c := e.client(t)
	addFault := func(f harness.Fault) {
		t.Helper()
		e.h.Faults().Clear("square")
		f.System = "square"
		if err := e.h.Faults().Add(f); err != nil {
			t.Fatal(err)
		}
	}
	addFault(harness.Fault{Endpoint: "customers.bulk-retrieve", ErrorRate: 1, ErrorStatus: 503})
	_, err = c.GetCustomers(ctx, []string{custBob})
	check(err, omnigate.EUNAVAILABLE)
	if !strings.Contains(err.Error(), "SERVICE_UNAVAILABLE") {
		t.Fatalf("message %v", err)
	}
	addFault(harness.Fault{Endpoint: "customers.search", RateLimitRate: 1, RetryAfter: 30})
	_, err = c.FindCustomers(ctx, omnigate.KindEmail, "bob@example.co.uk")
	check(err, omnigate.ERATELIMITED)
	addFault(harness.Fault{Endpoint: "loyalty.accounts.search", MalformedRate: 1})
	_, err = c.LoyaltyByCustomer(ctx, []string{custAlice})
	check(err, omnigate.EBADRESPONSE)
	addFault(harness.Fault{Endpoint: "locations.list", HangRate: 1})
	short := e.client(t, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
	_, err = short.Locations(ctx)
	check(err, omnigate.ETIMEOUT)
	e.h.Faults().Clear("square")
}

// A 429 with Retry-After: 1 is waited out and the call tried again.
func TestRetryHonoursRetryAfter(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t, func(cfg *Config) { cfg.Retries = 2 })
	if err := e.h.Faults().Add(harness.Fault{System: "square", Endpoint: "customers.search", RateLimitRate: 1, RetryAfter: 1}); err != nil {
		t.Fatal(err)
	}
	// Lift the storm once the first call has been refused.
	go func() {
		deadline := time.Now().Add(5 * time.Second)
		for e.stats("customers.search").Statuses[429] == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		e.h.Faults().Clear("square")
	}()
	start := time.Now()
	got, err := c.FindCustomers(context.Background(), omnigate.KindEmail, "bob@example.co.uk")
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Fatalf("retried after %v, before Retry-After's second", elapsed)
	}
	s := e.stats("customers.search")
	if len(got) != 1 || s.Calls != 2 || s.Statuses[429] != 1 || s.Statuses[200] != 1 {
		t.Fatalf("found %d; calls %+v", len(got), s)
	}
}

// A product the seller has since taken out of the catalog (Square keeps
// the deleted variation, with is_deleted, and hands it out when asked with
// include_deleted_objects) still names its SKU on the sales made of it:
// the SKU is what joins a store sale to the webshop's product.
func TestSalesOfADeletedProductKeepTheirSKU(t *testing.T) {
	e := setupData(t, shopWorld(), func(d *sim.Data) {
		for i := range d.Catalog {
			o := &d.Catalog[i]
			if o.ItemData == nil || o.ItemData.Name != "Enamel Mug" {
				continue
			}
			o.IsDeleted = true
			for j := range o.ItemData.Variations {
				o.ItemData.Variations[j].IsDeleted = true
			}
		}
	})
	c := e.client(t)
	orders, err := c.OrdersByCustomer(context.Background(), []string{custAlice})
	if err != nil {
		t.Fatal(err)
	}
	alice := orders[custAlice]
	if len(alice) != 2 || alice[0].ID != "ORDA2000000000000000000002" {
		t.Fatalf("Alice's orders: %+v", alice)
	}
	if got := alice[0].Lines[0]; got.SKU != "SKU-MUG-10" {
		t.Fatalf("the sale of a since-deleted product lost its SKU: line %+v", got)
	}
}

// While one caller's read of the locations hangs, another that needs them
// gives up at its own deadline instead of queueing behind that read for as
// long as its timeout.
func TestLocationsWaitEndsAtTheCallersDeadline(t *testing.T) {
	e := setup(t, shopWorld())
	if err := e.h.Faults().Add(harness.Fault{System: "square", Endpoint: "locations.list", HangRate: 1}); err != nil {
		t.Fatal(err)
	}
	c := e.client(t, func(cfg *Config) { cfg.Timeout = 3 * time.Second })
	first := make(chan struct{})
	go func() {
		defer close(first)
		_, _ = c.Locations(context.Background()) // hangs for the 3 s timeout
	}()
	deadline := time.Now().Add(5 * time.Second)
	for e.stats("locations.list").Calls == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the first read of the locations never reached the simulator")
		}
		time.Sleep(time.Millisecond) // polling for the first call to arrive
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.OrdersByCustomer(ctx, []string{custAlice})
	if took := time.Since(start); took > 2*time.Second || omnigate.ErrorCode(err) != omnigate.ETIMEOUT {
		t.Errorf("a caller with a 200 ms deadline: %v after %v; want a timeout at its deadline, not after the other caller's 3 s read",
			err, took.Round(time.Millisecond))
	}
	<-first
}

// The store of a customer's first sale is looked up with one page per 10
// customers × 10 locations, oldest first. When one location group's page is
// cut (another customer has more older sales there than a page holds), a
// customer's first sale in that group may lie beyond the page: a later
// sale in another group must not pass for the first one, and must not be
// remembered as such. Here PageSize 2 stands for Square's 1000.
func TestFirstSaleIsNotTakenFromACutPage(t *testing.T) {
	w := &world.World{Seed: 5}
	// 12 stores: LOC0..LOC9 are one location group, LOC10 and LOC11 the next.
	for i := 0; i < 12; i++ {
		country, cur := "GB", "GBP"
		if i%2 == 1 {
			country, cur = "US", "USD"
		}
		w.Stores = append(w.Stores, world.Store{ID: fmt.Sprintf("LOC%010d", i), Name: fmt.Sprintf("Store %d", i), Country: country, Currency: cur, CreatedAt: t0.AddDate(0, 0, -100+i)})
	}
	w.Products = []world.Product{{SKU: "SKU-A", Name: "A", Prices: []world.Money{{Cents: 100, Currency: "GBP"}, {Cents: 130, Currency: "USD"}}, CatalogItemID: "ITEMA0000000000000000001", VariationID: "VARA00000000000000000001", CreatedAt: t0}}
	regular, newcomer := fmt.Sprintf("CUST%022d", 1), fmt.Sprintf("CUST%022d", 2)
	w.POSCustomers = []world.POSCustomer{
		{ID: regular, GivenName: "Regular", Phone: "07700 900001", CreatedAt: t0, UpdatedAt: t0},
		{ID: newcomer, GivenName: "Newcomer", Phone: "07700 900002", CreatedAt: t0, UpdatedAt: t0},
	}
	n := 0
	sale := func(cust, loc, cur string, at time.Time) {
		n++
		w.POSOrders = append(w.POSOrders, world.POSOrder{
			ID: fmt.Sprintf("ORD%024d", n), LocationID: loc, CustomerID: cust, State: "COMPLETED", Currency: cur,
			Lines:     []world.Line{{SKU: "SKU-A", Name: "A", Quantity: 1, UnitPrice: world.Money{Cents: 100, Currency: cur}}},
			CreatedAt: at, UpdatedAt: at, ClosedAt: at, Version: 1,
		})
	}
	// The regular buys three times in London (LOC0) first.
	for i := 0; i < 3; i++ {
		sale(regular, "LOC0000000000", "GBP", t0.Add(time.Duration(i)*time.Minute))
	}
	// The newcomer buys first in London (LOC0, GB), later in the US (LOC11).
	sale(newcomer, "LOC0000000000", "GBP", t0.Add(time.Hour))
	sale(newcomer, "LOC0000000011", "USD", t0.Add(2*time.Hour))

	e := setup(t, w)
	c := e.client(t, func(cfg *Config) { cfg.PageSize = 2 })
	for round := 0; round < 2; round++ {
		got, err := c.GetCustomers(context.Background(), []string{regular, newcomer})
		if err != nil {
			t.Fatal(err)
		}
		if r := got[regular]; r.Country != "GB" {
			t.Fatalf("round %d: the regular's country %q, want GB", round, r.Country)
		}
		if r := got[newcomer]; r.Country == "US" {
			t.Fatalf("round %d: the newcomer's first sale was in London, yet the record reads its phone %v as %q: a later sale in New York was taken for the first", round, r.Phones, r.Country)
		}
	}
}
