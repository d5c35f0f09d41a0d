package square

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim/harness"
	sim "github.com/omnigate/omnigate/channelsim/square"
	"github.com/omnigate/omnigate/channelsim/square/squarespec"
	"github.com/omnigate/omnigate/channelsim/world"
)

var t0 = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

const (
	locLondon  = "L1LONDNS0H0Q1"
	locNewYork = "L3NWY0RKS0H03"

	custAlice = "A11CE0000000000000000000C1" // GB national phone, no address, bought in London
	custBob   = "B0B00000000000000000000C02" // international GB phone, GB address
	custCarol = "CAR010000000000000000000C3" // US national phone typed in New York, no address
	custDan   = "DAN00000000000000000000C04" // no address, never bought: no country of its own
	custEve   = "EVE00000000000000000000C05" // US national phone, no address, never bought
)

// shopWorld is a retailer based in London (its oldest store) with a store
// in New York.
func shopWorld() *world.World {
	w := &world.World{Seed: 11}
	w.Stores = []world.Store{
		{ID: locLondon, Name: "London Soho", Country: "GB", Currency: "GBP", CreatedAt: t0.AddDate(-3, 0, 0)},
		{ID: locNewYork, Name: "New York SoHo", Country: "US", Currency: "USD", CreatedAt: t0.AddDate(-1, 0, 0)},
	}
	w.Products = []world.Product{
		{SKU: "SKU-SHIRT-1", Name: "Oxford Shirt", Prices: []world.Money{{Cents: 4500, Currency: "GBP"}, {Cents: 5900, Currency: "USD"}}, CatalogItemID: "ITEMSHIRT000000000000001", VariationID: "VARSHIRT0000000000000001", CreatedAt: t0},
		{SKU: "SKU-MUG-10", Name: "Enamel Mug", Prices: []world.Money{{Cents: 1200, Currency: "GBP"}, {Cents: 1500, Currency: "USD"}}, CatalogItemID: "ITEMMUG00000000000000002", VariationID: "VARMUG000000000000000002", CreatedAt: t0},
		{SKU: "SKU-MUG-1", Name: "Espresso Cup", Prices: []world.Money{{Cents: 800, Currency: "GBP"}}, CatalogItemID: "ITEMCUP00000000000000003", VariationID: "VARCUP000000000000000003", CreatedAt: t0},
	}
	w.POSCustomers = []world.POSCustomer{
		{ID: custAlice, GivenName: "Alice", FamilyName: "Smith", Email: " Alice.Smith@Example.com", Phone: "07700 900123", Birthday: "1990-04-02", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)},
		{ID: custBob, GivenName: "Bob", Email: "bob@example.co.uk", Phone: "+44 7700 900456", Address: &world.Address{Line1: "2 Park Row", City: "Leeds", Country: "GB"}, CreatedAt: t0, UpdatedAt: t0},
		{ID: custCarol, GivenName: "Carol", Email: "carol@example.com", Phone: "(212) 555-0142", CreatedAt: t0, UpdatedAt: t0},
		{ID: custDan, GivenName: "Dan", Email: "alice.smith@example.com", Phone: "020 7946 0123", CreatedAt: t0, UpdatedAt: t0},
		{ID: custEve, GivenName: "Eve", Phone: "646.555.0177", CreatedAt: t0, UpdatedAt: t0},
	}
	line := func(sku, name string, q, cents int64, cur string) world.Line {
		return world.Line{ID: "uid-" + sku, SKU: sku, Name: name, Quantity: q, UnitPrice: world.Money{Cents: cents, Currency: cur}}
	}
	order := func(id, loc, cust, state string, at time.Time, cur string, lines ...world.Line) world.POSOrder {
		o := world.POSOrder{ID: id, LocationID: loc, CustomerID: cust, State: state, Currency: cur, Source: "Register", ReferenceID: "R-" + id[:6], Lines: lines, CreatedAt: at, UpdatedAt: at, Version: 2}
		if state != "OPEN" {
			o.ClosedAt = at
		}
		return o
	}
	w.POSOrders = []world.POSOrder{
		order("ORDA1000000000000000000001", locLondon, custAlice, "COMPLETED", t0.AddDate(0, 0, 1), "GBP", line("SKU-SHIRT-1", "Oxford Shirt", 2, 4500, "GBP")),
		order("ORDA2000000000000000000002", locNewYork, custAlice, "COMPLETED", t0.AddDate(0, 0, 3), "USD", line("SKU-MUG-10", "Enamel Mug", 1, 1500, "USD")),
		order("ORDA3000000000000000000003", locLondon, custAlice, "OPEN", t0.AddDate(0, 0, 4), "GBP", line("SKU-MUG-1", "Espresso Cup", 3, 800, "GBP")),
		order("ORDA4000000000000000000004", locLondon, custAlice, "CANCELED", t0.AddDate(0, 0, 5), "GBP", line("SKU-MUG-10", "Enamel Mug", 1, 1200, "GBP")),
		order("ORDC1000000000000000000005", locNewYork, custCarol, "COMPLETED", t0.AddDate(0, 0, 2), "USD", line("SKU-SHIRT-1", "Oxford Shirt", 1, 5900, "USD")),
	}
	w.Loyalty = []world.LoyaltyAccount{
		{ID: "b1a5e6a0-0000-4000-8000-000000000001", ProgramID: "d619f755-0000-4000-8000-00000000000a", CustomerID: custAlice, Phone: "+447700900123", Balance: 120, LifetimePoints: 300, EnrolledAt: t0, CreatedAt: t0, UpdatedAt: t0},
	}
	w.Inventory = []world.InventoryCount{
		{SKU: "SKU-SHIRT-1", StoreID: locLondon, Quantity: 5, UpdatedAt: t0},
		{SKU: "SKU-SHIRT-1", StoreID: locNewYork, Quantity: 2, UpdatedAt: t0.Add(time.Hour)},
		{SKU: "SKU-MUG-1", StoreID: locLondon, Quantity: 0, UpdatedAt: t0},
	}
	return w
}

// crowdWorld has n customers without addresses and stores in two
// countries, so that orders are spread over many locations; customer i
// bought once at store i % stores and parked a sale there.
func crowdWorld(n, stores int) *world.World {
	w := &world.World{Seed: 3}
	for i := 0; i < stores; i++ {
		country, cur := "GB", "GBP"
		if i%2 == 1 {
			country, cur = "US", "USD"
		}
		w.Stores = append(w.Stores, world.Store{ID: fmt.Sprintf("LOC%010d", i), Name: fmt.Sprintf("Store %d", i), Country: country, Currency: cur, CreatedAt: t0.AddDate(0, 0, -100+i)})
	}
	w.Products = []world.Product{{SKU: "SKU-A", Name: "A", Prices: []world.Money{{Cents: 100, Currency: "GBP"}, {Cents: 130, Currency: "USD"}}, CatalogItemID: "ITEMA0000000000000000001", VariationID: "VARA00000000000000000001", CreatedAt: t0}}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("CUST%022d", i)
		w.POSCustomers = append(w.POSCustomers, world.POSCustomer{ID: id, GivenName: fmt.Sprintf("Person %d", i), Phone: fmt.Sprintf("07700 9%05d", i), CreatedAt: t0, UpdatedAt: t0})
		st := w.Stores[i%stores]
		for k, state := range []string{"COMPLETED", "OPEN"} {
			w.POSOrders = append(w.POSOrders, world.POSOrder{
				ID: fmt.Sprintf("ORD%024d", 2*i+k), LocationID: st.ID, CustomerID: id, State: state, Currency: st.Currency,
				Lines:     []world.Line{{SKU: "SKU-A", Name: "A", Quantity: 1, UnitPrice: world.Money{Cents: 100, Currency: st.Currency}}},
				CreatedAt: t0.Add(time.Duration(2*i+k) * time.Minute), UpdatedAt: t0, ClosedAt: t0, Version: 1,
			})
		}
	}
	return w
}

type env struct {
	h   *harness.Harness
	srv *httptest.Server
	hc  *http.Client
}

// setup runs the real simulator on a loopback port; every call the
// connector makes is checked against Square's spec.
func setup(t *testing.T, w *world.World) *env {
	t.Helper()
	return setupData(t, w, nil)
}

// setupData is setup with the simulator's data changed by edit first.
func setupData(t *testing.T, w *world.World, edit func(*sim.Data)) *env {
	t.Helper()
	spec, err := squarespec.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := sim.FromWorld(w)
	if edit != nil {
		edit(d)
	}
	h := harness.New()
	srv := httptest.NewServer(sim.New(h, d, sim.DemoCredentials))
	t.Cleanup(srv.Close)
	return &env{h: h, srv: srv, hc: &http.Client{Transport: &squarespec.Transport{Base: srv.Client().Transport, Spec: spec, Report: t.Errorf}}}
}

func (e *env) client(t *testing.T, mod ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: e.srv.URL, AccessToken: sim.DemoCredentials.AccessToken, SquareVersion: sim.DemoCredentials.SquareVersion, Timeout: 5 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := New(cfg, e.hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// stats returns one endpoint's counters.
func (e *env) stats(endpoint string) harness.EndpointStats {
	return e.h.Stats().Snapshot()["square"][endpoint]
}
