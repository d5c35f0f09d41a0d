package square

import (
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/world"
)

// Return orders of the small world.
const (
	retAlice  = "RETALICE1LONDON00000000011" // one of Alice's two shirts back: a refund
	exchAlice = "EXCALICE2LEEDS000000000012" // Alice's cap swapped for two mugs: she pays £4
	giftCarol = "GIFTCAROL1NYC0000000000013" // a walk-in's gift wrap, brought back by Carol
)

// smallWorldWithReturns is smallWorld with a plain return, an exchange and
// a gift brought back.
func smallWorldWithReturns() *world.World {
	w := smallWorld()
	line := func(uid, sku, name string, q, cents int64, cur string) world.Line {
		return world.Line{ID: uid, SKU: sku, Name: name, Quantity: q, UnitPrice: world.Money{Cents: cents, Currency: cur}}
	}
	// The sales' lines have uids, as the generator gives them.
	w.POSOrders[0].Lines[0].ID = "ALICE1SHIRTLINE0000001"
	w.POSOrders[1].Lines[1].ID = "ALICE2CAPLINE000000002"
	w.POSOrders[5].Lines[0].ID = "WALKINWRAPLINE00000006"
	w.POSReturns = []world.POSReturn{
		{ID: retAlice, SourceOrderID: w.POSOrders[0].ID, LocationID: locLondon, CustomerID: custAlice, Currency: "GBP", CreatedAt: t0.AddDate(0, 0, 8),
			Lines: []world.Line{line("ALICE1SHIRTLINE0000001", skuShirt, "Oxford Shirt", 1, 4500, "GBP")}},
		{ID: exchAlice, SourceOrderID: w.POSOrders[1].ID, LocationID: locLeeds, CustomerID: custAlice, Currency: "GBP", CreatedAt: t0.AddDate(0, 0, 9),
			Lines:    []world.Line{line("ALICE2CAPLINE000000002", skuCap, "Wool Cap", 1, 2000, "GBP")},
			Exchange: []world.Line{line("EXCHMUGLINE00000000012", skuMug, "Enamel Mug", 2, 1200, "GBP")}},
		{ID: giftCarol, SourceOrderID: w.POSOrders[5].ID, LocationID: locNewYork, CustomerID: custCarol, Currency: "USD", CreatedAt: t0.AddDate(0, 0, 10),
			Lines: []world.Line{line("WALKINWRAPLINE00000006", "UNKNOWN-SKU", "Gift wrap", 1, 300, "USD")}},
	}
	return w
}

// A return is an order of its own, found by the customer's order search in
// Square's shape: returns naming the sale and its lines, return_amounts,
// net_amounts, and the refund or the payment of the difference.
func TestReturnOrders(t *testing.T) {
	w := smallWorldWithReturns()
	d := FromWorld(w)
	if len(d.Orders) != len(w.POSOrders)+len(w.POSReturns) {
		t.Fatalf("%d orders for %d sales and %d returns", len(d.Orders), len(w.POSOrders), len(w.POSReturns))
	}
	e := setup(t, d)
	var resp apis.SearchOrdersResponse
	e.ok("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon, locLeeds, locNewYork}, Query: &apis.SearchOrdersQuery{
		Filter: &apis.SearchOrdersFilter{StateFilter: &apis.SearchOrdersStateFilter{States: []string{"COMPLETED"}},
			CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{custAlice, custCarol}}},
		Sort: &apis.SearchOrdersSort{SortField: apis.SortCreatedAt, SortOrder: apis.SortAsc}}}, &resp)
	byID := map[string]apis.Order{}
	for _, o := range resp.Orders {
		byID[o.ID] = o
	}
	if len(resp.Orders) != 6 {
		t.Fatalf("%d completed orders of Alice and Carol, want 3 sales and 3 returns: %+v", len(resp.Orders), resp.Orders)
	}
	gbp := func(n int64) apis.Money { return apis.Money{Amount: n, Currency: "GBP"} }
	eq := func(m *apis.Money, want apis.Money) bool { return m != nil && *m == want }

	r := byID[retAlice]
	if r.State != apis.OrderCompleted || r.CustomerID != custAlice || r.LocationID != locLondon || len(r.LineItems) != 0 ||
		!eq(r.TotalMoney, gbp(0)) || len(r.Returns) != 1 || r.CreatedAt != apis.FormatTime(t0.AddDate(0, 0, 8)) {
		t.Fatalf("plain return %+v", r)
	}
	ret := r.Returns[0]
	if ret.SourceOrderID != w.POSOrders[0].ID || len(ret.ReturnLineItems) != 1 || ret.UID == "" || !eq(amountOf(ret.ReturnAmounts), gbp(4500)) {
		t.Fatalf("its return %+v", ret)
	}
	li := ret.ReturnLineItems[0]
	if li.SourceLineItemUID != "ALICE1SHIRTLINE0000001" || li.Quantity != "1" || li.CatalogObjectID != "VARSHIRT0000000000000001" ||
		!eq(li.TotalMoney, gbp(4500)) || !eq(li.BasePriceMoney, gbp(4500)) || li.UID == "" {
		t.Fatalf("its line %+v", li)
	}
	if !eq(amountOf(r.ReturnAmounts), gbp(4500)) || !eq(amountOf(r.NetAmounts), gbp(-4500)) || len(r.Tenders) != 0 ||
		len(r.Refunds) != 1 || r.Refunds[0].Status != apis.RefundApproved || !eq(r.Refunds[0].AmountMoney, gbp(4500)) {
		t.Fatalf("its money: returned %+v, net %+v, refunds %+v, tenders %+v", r.ReturnAmounts, r.NetAmounts, r.Refunds, r.Tenders)
	}

	x := byID[exchAlice]
	if len(x.LineItems) != 1 || !eq(x.TotalMoney, gbp(2400)) || !eq(amountOf(x.ReturnAmounts), gbp(2000)) || !eq(amountOf(x.NetAmounts), gbp(400)) ||
		len(x.Refunds) != 0 || len(x.Tenders) != 1 || !eq(x.Tenders[0].AmountMoney, gbp(400)) || x.LineItems[0].CatalogObjectID != "VARMUG000000000000000002" {
		t.Fatalf("exchange %+v", x)
	}

	g := byID[giftCarol]
	if g.CustomerID != custCarol || g.Returns[0].SourceOrderID != w.POSOrders[5].ID || g.Returns[0].ReturnLineItems[0].ItemType != "CUSTOM_AMOUNT" ||
		!eq(amountOf(g.ReturnAmounts), apis.Money{Amount: 300, Currency: "USD"}) {
		t.Fatalf("gift brought back %+v", g)
	}
	// The walk-in's sale itself stays nobody's.
	var walkIn apis.BatchRetrieveOrdersResponse
	e.ok("POST", "/v2/orders/batch-retrieve", apis.BatchRetrieveOrdersRequest{OrderIDs: []string{w.POSOrders[5].ID}}, &walkIn)
	if len(walkIn.Orders) != 1 || walkIn.Orders[0].CustomerID != "" || len(walkIn.Orders[0].Returns) != 0 {
		t.Fatalf("the walk-in sale %+v", walkIn.Orders)
	}
	// Rendering is stable.
	again := FromWorld(smallWorldWithReturns())
	for i := range d.Orders {
		if d.Orders[i].ID != again.Orders[i].ID || len(d.Orders[i].Returns) != len(again.Orders[i].Returns) ||
			len(d.Orders[i].Returns) > 0 && d.Orders[i].Returns[0].UID != again.Orders[i].Returns[0].UID {
			t.Fatalf("order %d rendered twice differs", i)
		}
	}
}

func amountOf(a *apis.OrderMoneyAmounts) *apis.Money {
	if a == nil {
		return nil
	}
	return a.TotalMoney
}
