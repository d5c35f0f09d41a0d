package square

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/square/squarespec"
	"github.com/omnigate/omnigate/channelsim/world"
)

// Ids shaped like Square's.
const (
	locLondon  = "L1LONDNS0H0Q1"
	locLeeds   = "L2LEEDS0CNTR2"
	locNewYork = "L3NWY0RKS0H03"

	custAlice   = "A11CE0000000000000000000C1" // GB national phone, no address
	custBob     = "B0B00000000000000000000C02" // international GB phone, GB address
	custCarol   = "CAR010000000000000000000C3" // US national phone typed in New York, no address
	custDan     = "DAN00000000000000000000C04" // international US phone, US address
	custNobody  = "N0B0DY00000000000000000C05" // no public information
	custAliceTw = "A11CE2000000000000000000C6" // Alice's household twin: same email, other case

	skuShirt = "SKU-SHIRT-1"
	skuMug   = "SKU-MUG-10"
	skuCap   = "SKU-CAP-100"
)

var t0 = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

// smallWorld is a retailer with two stores in Great Britain (the oldest in
// London, so the seller's country is GB), one in New York, an online
// warehouse, three products and a handful of point-of-sale records.
func smallWorld() *world.World {
	w := &world.World{Seed: 7}
	w.Stores = []world.Store{
		{ID: locLondon, Key: "store-london", Name: "London Soho", Country: "GB", Currency: "GBP", Timezone: "Europe/London", Phone: "020 7946 0000", Email: "soho@example.com", Address: world.Address{Line1: "1 Soho Sq", City: "London", PostalCode: "W1D 3QU", Country: "GB"}, CreatedAt: t0.AddDate(-3, 0, 0)},
		{ID: locLeeds, Key: "store-leeds", Name: "Leeds Centre", Country: "GB", Currency: "GBP", Timezone: "Europe/London", CreatedAt: t0.AddDate(-2, 0, 0)},
		{ID: locNewYork, Key: "store-nyc", Name: "New York SoHo", Country: "US", Currency: "USD", Timezone: "America/New_York", Phone: "+1 212 555 0100", CreatedAt: t0.AddDate(-1, 0, 0)},
		{ID: "ONLINE", Key: "online", Name: "Web warehouse", Country: "GB", Currency: "GBP", Online: true, CreatedAt: t0.AddDate(-5, 0, 0)},
	}
	w.Products = []world.Product{
		{SKU: skuShirt, Name: "Oxford Shirt", Description: "Cotton & linen", Prices: []world.Money{{Cents: 4500, Currency: "GBP"}, {Cents: 5900, Currency: "USD"}}, CatalogItemID: "ITEMSHIRT000000000000001", VariationID: "VARSHIRT0000000000000001", CreatedAt: t0.AddDate(-1, 0, 0)},
		{SKU: skuMug, Name: "Enamel Mug", Prices: []world.Money{{Cents: 1200, Currency: "GBP"}, {Cents: 1500, Currency: "USD"}}, CatalogItemID: "ITEMMUG00000000000000002", VariationID: "VARMUG000000000000000002", CreatedAt: t0.AddDate(-1, 0, 1)},
		{SKU: skuCap, Name: "Wool Cap", Prices: []world.Money{{Cents: 2000, Currency: "GBP"}}, CatalogItemID: "ITEMCAP00000000000000003", VariationID: "VARCAP000000000000000003", CreatedAt: t0.AddDate(-1, 0, 2)},
	}
	w.POSCustomers = []world.POSCustomer{
		{ID: custAlice, GivenName: "Alice", FamilyName: "Smith", Email: "  Alice.Smith@Example.COM ", Phone: "07700 900123", LocationID: locLondon, CreationSource: "THIRD_PARTY", ReferenceID: "LDN_ALICE_01", CreatedAt: t0, UpdatedAt: t0, Version: 1},
		{ID: custBob, GivenName: "Bob", FamilyName: "Jones", Email: "bob@example.co.uk", Phone: "+44 7700 900456", LocationID: locLeeds, CreationSource: "DIRECTORY", Address: &world.Address{Line1: "2 Park Row", City: "Leeds", Country: "GB"}, CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(2 * time.Hour)},
		{ID: custCarol, GivenName: "Carol", FamilyName: "White", Email: "carol@example.com", Phone: "(212) 555-0142", LocationID: locNewYork, CreationSource: "THIRD_PARTY", CreatedAt: t0.Add(2 * time.Hour), UpdatedAt: t0.Add(2 * time.Hour)},
		{ID: custDan, GivenName: "Dan", FamilyName: "Brown", Phone: "+1 212 555 0199", LocationID: locNewYork, CreationSource: "LOYALTY", Address: &world.Address{City: "New York", Country: "US"}, CreatedAt: t0.Add(3 * time.Hour), UpdatedAt: t0.Add(3 * time.Hour), EmailUnsubscribed: true},
		{ID: custNobody, Note: "walk-in", LocationID: locLondon, CreationSource: "INSTANT_PROFILE", CreatedAt: t0.Add(4 * time.Hour), UpdatedAt: t0.Add(4 * time.Hour)},
		{ID: custAliceTw, GivenName: "alice", FamilyName: "Smyth", Email: "alice.smith@example.com", LocationID: locLeeds, CreationSource: "THIRD_PARTY", Birthday: "0000-09-21", CreatedAt: t0.Add(5 * time.Hour), UpdatedAt: t0.Add(5 * time.Hour)},
	}
	line := func(sku, name string, q int64, cents int64, cur string) world.Line {
		return world.Line{SKU: sku, Name: name, Quantity: q, UnitPrice: world.Money{Cents: cents, Currency: cur}}
	}
	order := func(id, loc, cust, state string, at time.Time, cur string, lines ...world.Line) world.POSOrder {
		o := world.POSOrder{ID: id, LocationID: loc, CustomerID: cust, State: state, Currency: cur, Source: "Register", Lines: lines, CreatedAt: at, UpdatedAt: at, Version: 3}
		if state != "OPEN" {
			o.ClosedAt = at.Add(time.Minute)
		}
		return o
	}
	w.POSOrders = []world.POSOrder{
		order("ORDALICE1LONDON000000000001", locLondon, custAlice, "COMPLETED", t0.AddDate(0, 0, 1), "GBP", line(skuShirt, "Oxford Shirt", 2, 4500, "GBP")),
		order("ORDALICE2LEEDS0000000000002", locLeeds, custAlice, "COMPLETED", t0.AddDate(0, 0, 3), "GBP", line(skuMug, "Enamel Mug", 1, 1200, "GBP"), line(skuCap, "Wool Cap", 1, 2000, "GBP")),
		order("ORDALICE3OPEN00000000000003", locLondon, custAlice, "OPEN", t0.AddDate(0, 0, 4), "GBP", line(skuMug, "Enamel Mug", 3, 1200, "GBP")),
		order("ORDALICE4CANCEL000000000004", locLondon, custAlice, "CANCELED", t0.AddDate(0, 0, 5), "GBP", line(skuMug, "Enamel Mug", 1, 1200, "GBP")),
		order("ORDCAROL1NYC000000000000005", locNewYork, custCarol, "COMPLETED", t0.AddDate(0, 0, 2), "USD", line(skuShirt, "Oxford Shirt", 1, 5900, "USD")),
		order("ORDWALKIN1000000000000000006", locNewYork, "", "COMPLETED", t0.AddDate(0, 0, 2), "USD", line("UNKNOWN-SKU", "Gift wrap", 1, 300, "USD")),
		order("ORDBOB1OPEN0000000000000007", locLeeds, custBob, "OPEN", t0.AddDate(0, 0, 6), "GBP", line(skuCap, "Wool Cap", 1, 2000, "GBP")),
	}
	w.Loyalty = []world.LoyaltyAccount{
		{ID: "b1a5e6a0-0000-4000-8000-000000000001", ProgramID: "d619f755-0000-4000-8000-00000000000a", CustomerID: custAlice, Phone: "+447700900123", Balance: 120, LifetimePoints: 300, EnrolledAt: t0, CreatedAt: t0, UpdatedAt: t0},
		{ID: "b1a5e6a0-0000-4000-8000-000000000002", ProgramID: "d619f755-0000-4000-8000-00000000000a", CustomerID: custDan, Phone: "+12125550199", Balance: 10, LifetimePoints: 10, EnrolledAt: t0.Add(time.Hour), CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(time.Hour)},
	}
	w.Inventory = []world.InventoryCount{
		{SKU: skuShirt, StoreID: locLondon, Quantity: 5, UpdatedAt: t0},
		{SKU: skuShirt, StoreID: locNewYork, Quantity: 2, UpdatedAt: t0.Add(time.Hour)},
		{SKU: skuMug, StoreID: locLeeds, Quantity: 0, UpdatedAt: t0.Add(2 * time.Hour)},
		{SKU: skuCap, StoreID: "ONLINE", Quantity: 50, UpdatedAt: t0},
	}
	return w
}

// env is a running simulator with a client whose every call is checked
// against Square's spec.
type env struct {
	t   *testing.T
	h   *harness.Harness
	srv *httptest.Server
	hc  *http.Client
}

func setup(t *testing.T, d *Data) *env {
	t.Helper()
	spec, err := squarespec.Load()
	if err != nil {
		t.Fatal(err)
	}
	h := harness.New()
	srv := httptest.NewServer(New(h, d, DemoCredentials))
	t.Cleanup(srv.Close)
	hc := &http.Client{Transport: &squarespec.Transport{Base: srv.Client().Transport, Spec: spec, Report: t.Errorf}, Timeout: 10 * time.Second}
	return &env{t: t, h: h, srv: srv, hc: hc}
}

// call sends a request with the demo credentials and decodes the answer
// into out (when given and the status is 2xx); it returns the status and the
// raw body.
func (e *env) call(method, path string, body any, out any, header ...string) (int, []byte) {
	e.t.Helper()
	st, b, err := e.do(method, path, body, out, header...)
	if err != nil {
		e.t.Fatal(err)
	}
	return st, b
}

// do is call for goroutines: it reports failures instead of stopping the
// test.
func (e *env) do(method, path string, body any, out any, header ...string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				return 0, nil, err
			}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+DemoCredentials.AccessToken)
	req.Header.Set("Square-Version", DemoCredentials.SquareVersion)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := e.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	if out != nil && resp.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, b, fmt.Errorf("%s %s: decoding %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, b, nil
}

// okAsync is ok for goroutines.
func (e *env) okAsync(t *testing.T, method, path string, body, out any) bool {
	st, b, err := e.do(method, path, body, out)
	if err != nil || st != http.StatusOK {
		t.Errorf("%s %s: status %d %s %v", method, path, st, b, err)
		return false
	}
	return true
}

// ok calls and fails the test unless the answer is 200.
func (e *env) ok(method, path string, body, out any) {
	e.t.Helper()
	if st, b := e.call(method, path, body, out); st != http.StatusOK {
		e.t.Fatalf("%s %s: status %d: %s", method, path, st, b)
	}
}

// fails calls and checks the status and the first error's code.
func (e *env) fails(method, path string, body any, status int, code string, header ...string) apis.Error {
	e.t.Helper()
	st, b := e.call(method, path, body, nil, header...)
	var er apis.ErrorResponse
	if err := json.Unmarshal(b, &er); err != nil || len(er.Errors) == 0 {
		e.t.Fatalf("%s %s: want Square's error body, got %d %s", method, path, st, b)
	}
	if st != status || er.Errors[0].Code != code {
		e.t.Fatalf("%s %s: want %d %s, got %d %s", method, path, status, code, st, b)
	}
	return er.Errors[0]
}

func i64(v int64) *int64 { return &v }

func customerIDs(cs []apis.Customer) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}
