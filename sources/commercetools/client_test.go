package commercetools

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	sim "github.com/omnigate/omnigate/channelsim/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func gbp(c int64) world.Money { return world.Money{Cents: c, Currency: "GBP"} }

// testWorld has n customers cust-000..; customer i has i%3 orders (cust-001
// has 1, cust-002 has 2...), every third one an active cart, and a few
// stores, products, stock and wish lists.
func testWorld(n int) *world.World {
	w := &world.World{
		Products: []world.Product{
			{ID: "prod-tee", Key: "tee", SKU: "TEE-S", Name: "Tee", Description: "Soft", Prices: []world.Money{gbp(1500), {Cents: 1700, Currency: "EUR"}}, CreatedAt: t0},
			{ID: "prod-tee", Key: "tee", SKU: "TEE-M", Name: "Tee", Prices: []world.Money{gbp(1600)}, CreatedAt: t0},
			{ID: "prod-mug", Key: "mug", SKU: "MUG-1", Name: "Mug", Prices: []world.Money{gbp(900)}, CreatedAt: t0},
		},
		Stores: []world.Store{
			{ID: "LSOHO", Key: "store-soho", ChannelID: "ch-soho", StoreID: "st-soho", Name: "Soho", Country: "GB", Currency: "GBP", CreatedAt: t0},
			{ID: "ONLINE", Key: "online", ChannelID: "ch-online", StoreID: "st-online", Name: "Webshop", Country: "GB", Currency: "GBP", Online: true, CreatedAt: t0},
		},
		Inventory: []world.InventoryCount{
			{SKU: "TEE-S", StoreID: "LSOHO", EntryID: "inv-1", Quantity: 3, Restock: 4, UpdatedAt: t0},
			{SKU: "TEE-S", StoreID: "ONLINE", EntryID: "inv-2", Quantity: 50, UpdatedAt: t0},
			{SKU: "MUG-1", StoreID: "ONLINE", EntryID: "inv-3", Quantity: 0, UpdatedAt: t0},
		},
	}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("cust-%03d", i)
		w.WebCustomers = append(w.WebCustomers, world.WebCustomer{
			ID: id, Email: fmt.Sprintf("Person.%03d@Example.com", i), FirstName: "P", LastName: fmt.Sprint(i), Locale: "en-GB",
			CreatedAt: t0.Add(time.Duration(i) * time.Minute), UpdatedAt: t0.Add(time.Hour),
		})
		for j := 0; j < i%3; j++ {
			store := "online"
			if j == 1 {
				store = "store-soho"
			}
			w.WebOrders = append(w.WebOrders, world.WebOrder{
				ID: fmt.Sprintf("ord-%03d-%d", i, j), Number: fmt.Sprintf("%d", 1000+i*10+j), CustomerID: id, StoreKey: store, State: "Complete",
				Currency: "GBP", Lines: []world.Line{{SKU: "MUG-1", Name: "Mug", Quantity: int64(j + 1), UnitPrice: gbp(900)}},
				CreatedAt: t0.Add(time.Duration(j) * 24 * time.Hour),
			})
		}
		if i%3 == 0 {
			w.WebCarts = append(w.WebCarts, world.WebCart{ID: "cart-" + id, CustomerID: id, State: "Active", Currency: "GBP", StoreKey: "online",
				Lines: []world.Line{{SKU: "TEE-S", Quantity: 1, UnitPrice: gbp(1500)}}, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)})
			w.WebCarts = append(w.WebCarts, world.WebCart{ID: "old-cart-" + id, CustomerID: id, State: "Ordered", Currency: "GBP", CreatedAt: t0})
		}
	}
	// Phones as people type them, on Ann (cust-000): national on the
	// default address, a mobile in international form on another.
	w.WebCustomers[0].Phone = "020 7946 0958"
	w.WebCustomers[0].Addresses = []world.Address{{Line1: "1 High St", City: "London", PostalCode: "W1 1AA", Country: "GB"}, {Line1: "2 Low Rd", City: "Leeds", Country: "GB"}}
	w.ShoppingLists = []world.ShoppingList{
		{ID: "sl-1", Key: "wish-0", CustomerID: "cust-000", Name: "Wishes", SKUs: []string{"TEE-M", "MUG-1"}, Quantities: []int64{1, 3}, CreatedAt: t0},
		{ID: "sl-2", CustomerID: "cust-001", Name: "Gifts", SKUs: []string{"TEE-S"}, CreatedAt: t0},
	}
	return w
}

// env is the real simulator behind a loopback server whose handler a test
// can swap, and a connector pointed at it.
type env struct {
	t       *testing.T
	h       *harness.Harness
	srv     *httptest.Server
	handler atomic.Value // http.Handler
	client  *Client
	data    *sim.Data
	creds   sim.Credentials
}

func newEnv(t *testing.T, w *world.World, cfg func(*Config)) *env {
	t.Helper()
	e := &env{t: t, h: harness.New(), data: sim.FromWorld(w), creds: sim.DemoCredentials}
	e.handler.Store(sim.New(e.h, e.data, e.creds))
	e.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		e.handler.Load().(http.Handler).ServeHTTP(rw, r)
	}))
	t.Cleanup(e.srv.Close)
	c := Config{BaseURL: e.srv.URL, ProjectKey: e.creds.ProjectKey, ClientID: e.creds.ClientID, ClientSecret: e.creds.ClientSecret,
		Timeout: 5 * time.Second}
	if cfg != nil {
		cfg(&c)
	}
	client, err := New(c, e.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	e.client = client
	return e
}

func (e *env) stats(endpoint string) harness.EndpointStats {
	return e.h.Stats().Snapshot()[sim.System][endpoint]
}

func sortedKeys(s harness.EndpointStats) []int {
	k := slices.Clone(s.KeysPerCall)
	slices.Sort(k)
	return k
}

func TestFindCustomersByEmail(t *testing.T) {
	e := newEnv(t, testWorld(5), nil)
	ctx := context.Background()
	got, err := e.client.FindCustomers(ctx, omnigate.KindEmail, "person.002@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "cust-002" || got[0].Emails[0] != "Person.002@Example.com" || got[0].System != omnigate.Commercetools ||
		got[0].Country != "GB" || got[0].CreatedAt != t0.Add(2*time.Minute) {
		t.Errorf("by email: %+v", got)
	}
	// The shop matches email without regard to case.
	if got, _ := e.client.FindCustomers(ctx, omnigate.KindEmail, "  PERSON.002@example.COM "); len(got) != 1 {
		t.Errorf("case-insensitive email: %+v", got)
	}
	if got, err := e.client.FindCustomers(ctx, omnigate.KindEmail, "nobody@example.com"); err != nil || len(got) != 0 {
		t.Errorf("unknown email: %+v %v", got, err)
	}
	for _, c := range []struct {
		kind  omnigate.IdentifierKind
		value string
	}{{omnigate.KindEmail, " "}, {omnigate.KindCommercetoolsID, " "}, {omnigate.KindPhone, "020 7946 0958"}, {omnigate.KindPhone, "+44"}} {
		if _, err := e.client.FindCustomers(ctx, c.kind, c.value); omnigate.ErrorCode(err) != omnigate.EINVALID {
			t.Errorf("FindCustomers(%s, %q): got %v, want %s", c.kind, c.value, err, omnigate.EINVALID)
		}
	}
}

func TestFindCustomersByWebshopID(t *testing.T) {
	e := newEnv(t, testWorld(5), nil)
	ctx := context.Background()
	got, err := e.client.FindCustomers(ctx, omnigate.KindCommercetoolsID, " cust-003 ")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "cust-003" || got[0].WebshopID != "cust-003" || got[0].System != omnigate.Commercetools {
		t.Errorf("by webshop id: %+v", got)
	}
	if got, err := e.client.FindCustomers(ctx, omnigate.KindCommercetoolsID, "cust-999"); err != nil || len(got) != 0 {
		t.Errorf("unknown webshop id: %+v %v", got, err)
	}
	// The shop keeps no loyalty ids, nor kinds it does not know: nothing
	// found, and no error.
	for _, kind := range []omnigate.IdentifierKind{omnigate.KindLoyalty, "shoe_size"} {
		if got, err := e.client.FindCustomers(ctx, kind, "cust-003"); err != nil || got != nil {
			t.Errorf("FindCustomers(%s): %+v %v, want nothing and no error", kind, got, err)
		}
	}
	// Every record carries its own id as its webshop id.
	all, err := e.client.GetCustomers(ctx, []string{"cust-001"})
	if err != nil || all["cust-001"].WebshopID != "cust-001" {
		t.Errorf("GetCustomers: %+v %v", all, err)
	}
}

func TestFindCustomersByPhone(t *testing.T) {
	w := testWorld(3)
	w.WebCustomers[1].Phone = "+44 7700 900123"
	w.WebCustomers[1].Addresses = []world.Address{{Line1: "Hauptstraße 1", City: "Berlin", Country: "DE"}}
	w.WebCustomers[2].Phone = "+4930123456"
	e := newEnv(t, w, nil)
	ctx := context.Background()
	for phone, want := range map[string]string{
		"+442079460958": "cust-000", // stored in national form
		"+447700900123": "cust-001", // stored in international form
		"+4930123456":   "cust-002", // stored in E.164
	} {
		got, err := e.client.FindCustomers(ctx, omnigate.KindPhone, phone)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != want {
			t.Errorf("%s: got %+v, want %s", phone, got, want)
		}
	}
	got, _ := e.client.FindCustomers(ctx, omnigate.KindPhone, "+442079460958")
	r := got[0]
	if !slices.Equal(r.Phones, []string{"020 7946 0958"}) || len(r.Addresses) != 2 || r.Addresses[0].Line1 != "1 High St" ||
		r.Addresses[0].PostalCode != "W1 1AA" || r.Country != "GB" || r.GivenName != "P" || r.FamilyName != "0" {
		t.Errorf("record: %+v", r)
	}
	// Bob's national number is British, his address German: the record's
	// region hint is its default address.
	got, _ = e.client.FindCustomers(ctx, omnigate.KindPhone, "+447700900123")
	if got[0].Country != "DE" {
		t.Errorf("country of cust-001: %q", got[0].Country)
	}
	if n := e.stats("customers.query").KeysPerCall; len(n) == 0 || n[0] != 8 {
		t.Errorf("a phone search asks for 4 forms as phone and as mobile: keys %v", n)
	}
}

func TestGetCustomersBatches(t *testing.T) {
	e := newEnv(t, testWorld(260), nil)
	var ids []string
	for i := 0; i < 250; i++ {
		ids = append(ids, fmt.Sprintf("cust-%03d", i))
	}
	ids = append(ids, "cust-001", "", "nobody") // a duplicate, an empty id, an unknown one
	got, err := e.client.GetCustomers(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || got["cust-249"].ID != "cust-249" || got["nobody"].ID != "" {
		t.Errorf("got %d records", len(got))
	}
	st := e.stats("customers.query")
	if st.Calls != 3 || !slices.Equal(sortedKeys(st), []int{51, 100, 100}) {
		t.Errorf("251 distinct ids: %d calls with keys %v, want 3 calls of 100, 100 and 51", st.Calls, st.KeysPerCall)
	}
	if n := e.stats("oauth.token").Calls; n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
	// Nothing asked, nothing called.
	if got, err := e.client.GetCustomers(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v %v", got, err)
	}
	if st := e.stats("customers.query"); st.Calls != 3 {
		t.Errorf("no ids made a call")
	}
}

func TestOrdersByCustomer(t *testing.T) {
	w := testWorld(150)
	// cust-004 has many orders: more than one page of 500.
	for j := 0; j < 1100; j++ {
		w.WebOrders = append(w.WebOrders, world.WebOrder{ID: fmt.Sprintf("bulk-%04d", j), CustomerID: "cust-004", StoreKey: "online", State: "Open",
			Currency: "GBP", Lines: []world.Line{{SKU: "TEE-S", Quantity: 1, UnitPrice: gbp(1500)}}, CreatedAt: t0.Add(-time.Duration(j) * time.Hour)})
	}
	e := newEnv(t, w, nil)
	var ids []string
	for i := 0; i < 150; i++ {
		ids = append(ids, fmt.Sprintf("cust-%03d", i))
	}
	got, err := e.client.OrdersByCustomer(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got["cust-000"]; ok {
		t.Error("cust-000 has no orders but has an entry")
	}
	two := got["cust-002"]
	if len(two) != 2 || two[0].ID != "ord-002-1" || two[1].ID != "ord-002-0" {
		t.Fatalf("cust-002's orders, newest first: %+v", two)
	}
	o := two[0]
	if o.Channel != omnigate.ChannelWebshop || o.StoreID != "store-soho" || o.StoreName != "Soho" || o.State != "Complete" ||
		o.Number != "1021" || o.System != omnigate.Commercetools || o.CustomerID != "cust-002" ||
		o.Total != (omnigate.Money{Cents: 1800, Currency: "GBP"}) || len(o.Lines) != 1 ||
		o.Lines[0] != (omnigate.LineItem{SKU: "MUG-1", Name: "Mug", Quantity: 2, UnitPrice: omnigate.Money{Cents: 900, Currency: "GBP"}, Total: omnigate.Money{Cents: 1800, Currency: "GBP"}}) {
		t.Errorf("order: %+v", o)
	}
	if two[1].StoreName != "Webshop" {
		t.Errorf("online order's store: %+v", two[1])
	}
	bulk := got["cust-004"]
	if len(bulk) != 1101 {
		t.Fatalf("cust-004: %d orders, want 1101", len(bulk))
	}
	seen := map[string]bool{}
	for i, o := range bulk {
		if seen[o.ID] {
			t.Fatalf("order %s twice", o.ID)
		}
		seen[o.ID] = true
		if i > 0 && o.CreatedAt.After(bulk[i-1].CreatedAt) {
			t.Fatalf("orders not newest first at %d", i)
		}
	}
	// 150 customers: two chunks (100 and 50); the first needs three pages.
	st := e.stats("orders.query")
	if st.Calls != 4 || !slices.Equal(sortedKeys(st), []int{50, 100, 100, 100}) {
		t.Errorf("orders.query: %d calls, keys %v", st.Calls, st.KeysPerCall)
	}
	if n := e.stats("stores.query").Calls; n != 1 {
		t.Errorf("store names read %d times, want once", n)
	}
}

// A chunk with more orders than offset paging reaches is split until each
// part fits.
func TestOrdersSplitWhenTooDeep(t *testing.T) {
	oldLimit, oldOffset := pageLimit, maxOffset
	pageLimit, maxOffset = 2, 4 // at most 3 pages of 2
	t.Cleanup(func() { pageLimit, maxOffset = oldLimit, oldOffset })
	w := testWorld(12) // customers 0..11 have 0,1,2,0,1,2... orders: 12 in all
	for j := 0; j < 9; j++ {
		w.WebOrders = append(w.WebOrders, world.WebOrder{ID: fmt.Sprintf("many-%d", j), CustomerID: "cust-005", Currency: "GBP",
			CreatedAt: t0.Add(time.Duration(j) * time.Minute)})
	}
	e := newEnv(t, w, nil)
	var ids []string
	for i := 0; i < 12; i++ {
		ids = append(ids, fmt.Sprintf("cust-%03d", i))
	}
	got, err := e.client.OrdersByCustomer(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, os := range got {
		total += len(os)
	}
	if n := len(got["cust-002"]) + len(got["cust-001"]) + len(got["cust-011"]); n != 5 {
		t.Errorf("orders of 1, 2 and 11: %d, want 5", n)
	}
	// cust-005 alone has 11 orders: more than 6 reachable, so it keeps
	// the newest 6.
	if n := len(got["cust-005"]); n != 6 || got["cust-005"][0].ID != "ord-005-1" || got["cust-005"][5].ID != "many-4" {
		t.Errorf("cust-005: %d orders (first %v), want its newest 6", n, got["cust-005"])
	}
	if total != 12-2+6 {
		t.Errorf("%d orders in all, want 16", total)
	}
}

func TestCartsByCustomer(t *testing.T) {
	e := newEnv(t, testWorld(9), nil)
	got, err := e.client.CartsByCustomer(context.Background(), []string{"cust-000", "cust-001", "cust-003", "cust-006"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || len(got["cust-003"]) != 1 {
		t.Fatalf("active carts: %+v", got)
	}
	c := got["cust-006"][0]
	if c.ID != "cart-cust-006" || c.StoreID != "online" || c.StoreName != "Webshop" || c.Channel != omnigate.ChannelWebshop ||
		c.Total != (omnigate.Money{Cents: 1500, Currency: "GBP"}) || c.Lines[0].SKU != "TEE-S" || c.Lines[0].Name != "Tee" {
		t.Errorf("cart: %+v", c)
	}
	if st := e.stats("carts.query"); st.Calls != 1 || st.KeysPerCall[0] != 4 {
		t.Errorf("carts.query: %d calls, keys %v; want one call for 4 customers", st.Calls, st.KeysPerCall)
	}
}

func TestCatalogAndLists(t *testing.T) {
	e := newEnv(t, testWorld(3), nil)
	ctx := context.Background()
	products, err := e.client.ProductsBySKU(ctx, []string{"TEE-M", "TEE-S", "MUG-1", "NOPE"})
	if err != nil {
		t.Fatal(err)
	}
	if len(products) != 3 {
		t.Fatalf("products: %+v", products)
	}
	if p := products["TEE-M"]; p.ID != "prod-tee" || p.VariantID != 2 || p.Name != "Tee" || len(p.Prices) != 1 || p.Prices[0].Value != (omnigate.Money{Cents: 1600, Currency: "GBP"}) {
		t.Errorf("TEE-M: %+v", p)
	}
	if p := products["TEE-S"]; p.VariantID != 1 || p.Description != "Soft" || len(p.Prices) != 2 {
		t.Errorf("TEE-S: %+v", p)
	}

	stock, err := e.client.InventoryBySKU(ctx, []string{"TEE-S", "MUG-1", "NOPE"})
	if err != nil {
		t.Fatal(err)
	}
	tee := stock["TEE-S"]
	if len(tee) != 2 || len(stock["MUG-1"]) != 1 || len(stock) != 2 {
		t.Fatalf("stock: %+v", stock)
	}
	var soho InventoryEntry
	for _, s := range tee {
		if s.SupplyChannelKey == "store-soho" {
			soho = s
		}
	}
	if soho.SupplyChannelID != "ch-soho" || soho.SupplyChannelName != "Soho" || soho.AvailableQuantity != 3 || soho.RestockableInDays != 4 {
		t.Errorf("TEE-S in Soho: %+v", soho)
	}

	lists, err := e.client.ShoppingListsByCustomer(ctx, []string{"cust-000", "cust-001", "cust-002"})
	if err != nil {
		t.Fatal(err)
	}
	if len(lists) != 2 || len(lists["cust-000"]) != 1 {
		t.Fatalf("lists: %+v", lists)
	}
	l := lists["cust-000"][0]
	if l.ID != "sl-1" || l.Name != "Wishes" || len(l.Items) != 2 || l.Items[0].SKU != "TEE-M" || l.Items[0].VariantID != 2 || l.Items[1].Quantity != 3 || l.Items[1].Name != "Mug" {
		t.Errorf("list: %+v", l)
	}
	if st := e.stats("shoppingLists.query"); st.KeysPerCall[0] != 3 {
		t.Errorf("shopping lists keys: %v", st.KeysPerCall)
	}
}

// Many callers at once share one token request.
func TestTokenFetchedOnce(t *testing.T) {
	e := newEnv(t, testWorld(3), nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.client.GetCustomers(context.Background(), []string{"cust-001"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := e.stats("oauth.token").Calls; n != 1 {
		t.Errorf("%d token requests for 20 concurrent calls, want 1", n)
	}
}

// A token is replaced shortly before it expires.
func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	w := testWorld(3)
	e := newEnv(t, w, nil)
	creds := sim.DemoCredentials
	creds.TokenTTL = 100
	e.handler.Store(sim.New(e.h, e.data, creds))
	var mu sync.Mutex
	now := time.Now()
	e.client.tokens.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	ctx := context.Background()
	if _, err := e.client.GetCustomers(ctx, []string{"cust-001"}); err != nil {
		t.Fatal(err)
	}
	advance(89 * time.Second) // 11 s left: more than a tenth of 100 s
	if _, err := e.client.GetCustomers(ctx, []string{"cust-001"}); err != nil {
		t.Fatal(err)
	}
	if n := e.stats("oauth.token").Calls; n != 1 {
		t.Fatalf("%d token requests before the refresh margin, want 1", n)
	}
	advance(2 * time.Second) // 9 s left
	if _, err := e.client.GetCustomers(ctx, []string{"cust-001"}); err != nil {
		t.Fatal(err)
	}
	if n := e.stats("oauth.token").Calls; n != 2 {
		t.Errorf("%d token requests inside the refresh margin, want 2", n)
	}
	if st := e.stats("customers.query"); st.Statuses[401] != 0 {
		t.Errorf("a call was refused: %v", st.Statuses)
	}
}

// When the API refuses a token the connector thought valid (here: the
// simulator restarted and forgot it), it gets a new one and the call
// succeeds.
func TestTokenRenewedAfter401(t *testing.T) {
	e := newEnv(t, testWorld(3), nil)
	ctx := context.Background()
	if _, err := e.client.GetCustomers(ctx, []string{"cust-001"}); err != nil {
		t.Fatal(err)
	}
	h2 := harness.New()
	e.h = h2
	e.handler.Store(sim.New(h2, e.data, e.creds))
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := e.client.GetCustomers(ctx, []string{"cust-002"})
			if err != nil || got["cust-002"].ID == "" {
				t.Errorf("after the restart: %v %v", got, err)
			}
		}()
	}
	wg.Wait()
	st := e.stats("customers.query")
	if st.Statuses[401] == 0 || st.Statuses[200] != 5 {
		t.Errorf("statuses after the restart: %v", st.Statuses)
	}
	if n := e.stats("oauth.token").Calls; n != 1 {
		t.Errorf("%d token requests after the restart, want 1", n)
	}
}

func TestAuthFailure(t *testing.T) {
	e := newEnv(t, testWorld(3), func(c *Config) { c.ClientSecret = "wrong-secret-value"; c.Retries = 2 })
	_, err := e.client.GetCustomers(context.Background(), []string{"cust-001"})
	var oe *omnigate.Error
	if !errors.As(err, &oe) || oe.Code != omnigate.EAUTH || oe.Source != omnigate.Commercetools {
		t.Fatalf("bad secret: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("error text: %q", err.Error())
	}
	if n := e.stats("customers.query").Calls; n != 0 {
		t.Errorf("the API was called %d times without a token", n)
	}
	// The call's retries do not ask again with credentials just refused.
	if n := e.stats("oauth.token").Calls; n != 1 {
		t.Errorf("%d token requests with a refused secret, want 1", n)
	}
}

func TestErrorMapping(t *testing.T) {
	cases := []struct {
		fault harness.Fault
		code  string
	}{
		{harness.Fault{ErrorRate: 1, ErrorStatus: 500}, omnigate.EUNAVAILABLE},
		{harness.Fault{ErrorRate: 1, ErrorStatus: 503}, omnigate.EUNAVAILABLE},
		{harness.Fault{ErrorRate: 1, ErrorStatus: 400}, omnigate.EREJECTED},
		{harness.Fault{ErrorRate: 1, ErrorStatus: 403}, omnigate.EAUTH},
		{harness.Fault{MalformedRate: 1}, omnigate.EBADRESPONSE},
		{harness.Fault{TruncatedRate: 1}, omnigate.EBADRESPONSE},
		{harness.Fault{DropRate: 1}, omnigate.EUNAVAILABLE},
		{harness.Fault{HangRate: 1}, omnigate.ETIMEOUT},
	}
	for _, c := range cases {
		e := newEnv(t, testWorld(3), func(cfg *Config) { cfg.Retries = 1; cfg.Timeout = 300 * time.Millisecond })
		c.fault.System, c.fault.Endpoint = sim.System, "orders.query"
		if err := e.h.Faults().Add(c.fault); err != nil {
			t.Fatal(err)
		}
		_, err := e.client.OrdersByCustomer(context.Background(), []string{"cust-001"})
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != c.code || oe.Source != omnigate.Commercetools {
			t.Errorf("fault %+v: got %v, want %s", c.fault, err, c.code)
			continue
		}
		if strings.Contains(err.Error(), e.creds.ClientSecret) || strings.Contains(err.Error(), "Bearer") {
			t.Errorf("error leaks a credential: %v", err)
		}
	}
}

// A 429 is retried after the Retry-After the API sends.
func TestRetryAfter429(t *testing.T) {
	e := newEnv(t, testWorld(3), nil)
	ctx := context.Background()
	if _, err := e.client.GetCustomers(ctx, []string{"cust-001"}); err != nil {
		t.Fatal(err)
	}
	e.h.Limits().Set(sim.System, 1) // one request a second: the next call meets a 429
	start := time.Now()
	for i := 0; i < 2; i++ {
		if _, err := e.client.GetCustomers(ctx, []string{"cust-002"}); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	st := e.stats("customers.query")
	if st.Statuses[429] == 0 {
		t.Fatalf("no 429 seen: %v", st.Statuses)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("retried after %v, before the 1 s Retry-After", waited)
	}
}

func TestConfigValidation(t *testing.T) {
	good := Config{BaseURL: "https://api.example.com", ProjectKey: "shop", ClientID: "id", ClientSecret: "secret"}
	if _, err := New(good, nil); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for want, mutate := range map[string]func(*Config){
		"BaseURL":      func(c *Config) { c.BaseURL = "api.example.com" },
		"AuthURL":      func(c *Config) { c.AuthURL = "ftp://auth" },
		"ProjectKey":   func(c *Config) { c.ProjectKey = "a b" },
		"ClientID":     func(c *Config) { c.ClientID = "" },
		"ClientSecret": func(c *Config) { c.ClientSecret = "" },
		"Timeout":      func(c *Config) { c.Timeout = -1 },
		"Retries":      func(c *Config) { c.Retries = 11 },
		"Concurrency":  func(c *Config) { c.Concurrency = -2 },
		"DirectoryTTL": func(c *Config) { c.DirectoryTTL = -time.Second },
	} {
		c := good
		mutate(&c)
		_, err := New(c, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v", want, err)
		}
	}
}

func TestChunks(t *testing.T) {
	var ids []string
	for i := 0; i < 205; i++ {
		ids = append(ids, fmt.Sprintf("id-%d", i%203))
	}
	cs := chunks(append(ids, ""))
	if len(cs) != 3 || len(cs[0]) != 100 || len(cs[2]) != 3 {
		t.Errorf("chunks of 203 distinct ids: %d chunks", len(cs))
	}
	long := strings.Repeat("x", 1000)
	var longs []string
	for i := 0; i < 20; i++ {
		longs = append(longs, fmt.Sprint(i, long))
	}
	for _, c := range chunks(longs) {
		if len(c) > 6 {
			t.Errorf("a chunk of %d 1000-character ids exceeds the URL budget", len(c))
		}
	}
}
