package commercetools

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
	sim "github.com/omnigate/omnigate/channelsim/commercetools"
	"github.com/omnigate/omnigate/channelsim/world"
)

// Returns come with the order, in the webshop's returnInfo. A refunded item
// gives back its line's discounted price per unit (totalPrice / quantity);
// an item that is back but not refunded yet (Initial), or will not be
// (NotRefunded), gives back nothing; the units of one line never give back
// more than its totalPrice.
func TestOrderReturnsPartialRefund(t *testing.T) {
	w := testWorld(1)
	w.WebCustomers = []world.WebCustomer{{ID: "cust-r", Email: "r@example.com", Locale: "en-GB", CreatedAt: t0, UpdatedAt: t0}}
	w.WebCarts, w.ShoppingLists = nil, nil
	w.WebOrders = []world.WebOrder{{
		ID: "ord-r", Number: "HR1", CustomerID: "cust-r", StoreKey: "online", State: "Complete", Currency: "GBP",
		Lines: []world.Line{
			{ID: "line-mug", SKU: "MUG-1", Name: "Mug", Quantity: 3, UnitPrice: gbp(900)},
			{ID: "line-tee", SKU: "TEE-S", Name: "Tee", Quantity: 1, UnitPrice: gbp(1500)},
		},
		CreatedAt: t0, UpdatedAt: t0,
	}}
	e := newEnv(t, w, nil)
	// Three mugs for £25.00, as a discount left them: the discounted price
	// per quantity and the line's totalPrice say so.
	o := &e.data.Orders[0]
	mug := &o.LineItems[0]
	mug.TotalPrice = ct.CentMoney("GBP", 2500)
	mug.DiscountedPricePerQuantity = []json.RawMessage{json.RawMessage(`{"quantity":1,"discountedPrice":{"value":{"type":"centPrecision","currencyCode":"GBP","centAmount":834,"fractionDigits":2},"includedDiscounts":[]}}`), json.RawMessage(`{"quantity":2,"discountedPrice":{"value":{"type":"centPrecision","currencyCode":"GBP","centAmount":833,"fractionDigits":2},"includedDiscounts":[]}}`)}
	o.TotalPrice = ct.CentMoney("GBP", 4000)
	day := func(n int) time.Time { return t0.AddDate(0, 0, n) }
	at := func(n int) *time.Time { d := day(n); return &d }
	item := func(id, line string, q int64, shipment, payment string, created time.Time) ct.ReturnItem {
		return ct.ReturnItem{ID: id, Type: ct.ReturnItemLineItem, LineItemID: line, Quantity: q, ShipmentState: shipment, PaymentState: payment, CreatedAt: created, LastModifiedAt: created}
	}
	o.ReturnInfo = []ct.ReturnInfo{
		// A mug sent back and refunded.
		{ReturnDate: at(5), ReturnTrackingID: "TRK1", Items: []ct.ReturnItem{item("ri-1", "line-mug", 1, ct.ReturnBackInStock, ct.ReturnRefunded, day(5))}},
		// A second mug back, its refund not made yet; the tee back, not
		// to be refunded. No returnDate: the first item's creation.
		{Items: []ct.ReturnItem{
			item("ri-2", "line-mug", 1, ct.ReturnReturned, ct.ReturnInitial, day(9)),
			item("ri-3", "line-tee", 1, ct.ReturnUnusable, ct.ReturnNotRefunded, day(8)),
		}},
		// The third mug, refunded: the rest of the line's £25.00.
		{ReturnDate: at(12), Items: []ct.ReturnItem{item("ri-4", "line-mug", 1, ct.ReturnBackInStock, ct.ReturnRefunded, day(12))}},
	}
	e.handler.Store(sim.New(e.h, e.data, e.creds))

	got, err := e.client.OrdersByCustomer(context.Background(), []string{"cust-r"})
	if err != nil {
		t.Fatal(err)
	}
	orders := got["cust-r"]
	if len(orders) != 1 {
		t.Fatalf("orders %+v", orders)
	}
	ord := orders[0]
	if ord.Total != (omnigate.Money{Cents: 4000, Currency: "GBP"}) {
		t.Errorf("total %+v: a return does not change what the order cost", ord.Total)
	}
	gbpM := func(c int64) omnigate.Money { return omnigate.Money{Cents: c, Currency: "GBP"} }
	want := []omnigate.Return{
		{ID: "ri-1", OrderID: "ord-r", At: day(5), Refunded: gbpM(833),
			Lines: []omnigate.ReturnLine{{SKU: "MUG-1", Name: "Mug", Quantity: 1, Refund: gbpM(833)}}},
		{ID: "ri-2", OrderID: "ord-r", At: day(8), Refunded: gbpM(0),
			Lines: []omnigate.ReturnLine{{SKU: "MUG-1", Name: "Mug", Quantity: 1, Refund: gbpM(0)}, {SKU: "TEE-S", Name: "Tee", Quantity: 1, Refund: gbpM(0)}}},
		{ID: "ri-4", OrderID: "ord-r", At: day(12), Refunded: gbpM(833),
			Lines: []omnigate.ReturnLine{{SKU: "MUG-1", Name: "Mug", Quantity: 1, Refund: gbpM(833)}}},
	}
	if len(ord.Returns) != len(want) {
		t.Fatalf("returns %+v", ord.Returns)
	}
	for i := range want {
		g := ord.Returns[i]
		if g.ID != want[i].ID || g.OrderID != want[i].OrderID || !g.At.Equal(want[i].At) || g.Refunded != want[i].Refunded || len(g.Lines) != len(want[i].Lines) {
			t.Errorf("return %d: %+v, want %+v", i, g, want[i])
			continue
		}
		for k := range g.Lines {
			if g.Lines[k] != want[i].Lines[k] {
				t.Errorf("return %d line %d: %+v, want %+v", i, k, g.Lines[k], want[i].Lines[k])
			}
		}
	}
	if r := ord.Refunded(); r != gbpM(1666) {
		t.Errorf("refunded %+v, want £16.66: two of three mugs", r)
	}
}

// The units of a line returned one by one give back exactly the line's
// total when all are back, never more, even for more units than were sold.
func TestReturnsAddUpToTheLineTotal(t *testing.T) {
	lo := leanOrder{ID: "o", TotalPrice: leanMoney{CurrencyCode: "EUR", CentAmount: 1000},
		LineItems: []leanLine{{ID: "l", Quantity: 3, TotalPrice: leanMoney{CurrencyCode: "EUR", CentAmount: 1000}}}}
	for i := range 4 {
		lo.ReturnInfo = append(lo.ReturnInfo, leanReturn{Items: []leanReturnItem{{ID: string(rune('a' + i)), LineItemID: "l", Quantity: 1, PaymentState: ct.ReturnRefunded, CreatedAt: t0.Add(time.Duration(i) * time.Hour)}}})
	}
	var sum int64
	var each []int64
	for _, r := range returns(lo, "en") {
		sum += r.Refunded.Cents
		each = append(each, r.Refunded.Cents)
	}
	if sum != 1000 || each[0] != 333 || each[1] != 334 || each[2] != 333 || each[3] != 0 {
		t.Errorf("refunds %v (sum %d), want 333, 334, 333, 0", each, sum)
	}
}
