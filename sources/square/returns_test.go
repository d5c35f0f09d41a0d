package square

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	apis "github.com/omnigate/omnigate/apis/square"
	sim "github.com/omnigate/omnigate/channelsim/square"
)

// gbp is an amount in pence.
func gbp(p int64) *apis.Money { return &apis.Money{Amount: p, Currency: "GBP"} }

// returnOrder is a return order as Square keeps it: COMPLETED, its returns
// naming the sale each line came from, its money rolled up in
// return_amounts, and net_amounts the sale money less the returned.
func returnOrder(id, customer string, at time.Time, sale []apis.OrderLineItem, rets ...apis.OrderReturn) apis.Order {
	var returned, sold int64
	for i := range rets {
		var sum int64
		for _, li := range rets[i].ReturnLineItems {
			sum += li.TotalMoney.Amount
		}
		rets[i].ReturnAmounts = &apis.OrderMoneyAmounts{TotalMoney: gbp(sum)}
		returned += sum
	}
	for _, li := range sale {
		sold += li.TotalMoney.Amount
	}
	stamp := apis.FormatTime(at)
	return apis.Order{
		ID: id, LocationID: locLondon, CustomerID: customer, State: apis.OrderCompleted, Version: 1,
		CreatedAt: stamp, UpdatedAt: stamp, ClosedAt: stamp, LineItems: sale,
		Returns: rets, ReturnAmounts: &apis.OrderMoneyAmounts{TotalMoney: gbp(returned)},
		NetAmounts: &apis.OrderMoneyAmounts{TotalMoney: gbp(sold - returned)},
		TotalMoney: gbp(sold), NetAmountDueMoney: gbp(0),
	}
}

// returned is one returned line: quantity units of a variation at a unit
// price, from the sale's line uid.
func returned(uid, source, variation, name string, quantity, unit int64) apis.OrderReturnLineItem {
	return apis.OrderReturnLineItem{
		UID: uid, SourceLineItemUID: source, Name: name, Quantity: strconv.FormatInt(quantity, 10), CatalogObjectID: variation,
		ItemType: "ITEM", BasePriceMoney: gbp(unit), GrossReturnMoney: gbp(unit * quantity), TotalMoney: gbp(unit * quantity),
	}
}

// A return order is attached to its sale, never listed as an order; an
// exchange's new lines are an order of their own; a return of a sale that
// is not among the customer's sales is kept on a placeholder; a return whose
// refunds all failed refunded nothing.
func TestReturnOrdersAreAttachedToTheirSales(t *testing.T) {
	const (
		sale     = "ORDA1000000000000000000001" // Alice: 2 × Oxford Shirt at £45, London
		ret      = "RETA1000000000000000000011"
		exchange = "EXCA1000000000000000000012"
		gift     = "RETA1000000000000000000013" // a walk-in's sale, brought back by Alice
		failed   = "RETC1000000000000000000014" // Carol's return, refund failed
		walkIn   = "ORDW1000000000000000000099"
	)
	shirt, cup := "VARSHIRT0000000000000001", "VARCUP000000000000000003"
	e := setupData(t, shopWorld(), func(d *sim.Data) {
		d.Orders = append(d.Orders,
			// Alice brings one of her two shirts back a week later.
			returnOrder(ret, custAlice, t0.AddDate(0, 0, 8), nil,
				apis.OrderReturn{UID: "r1", SourceOrderID: sale, ReturnLineItems: []apis.OrderReturnLineItem{returned("rl1", "uid-SKU-SHIRT-1", shirt, "Oxford Shirt", 1, 4500)}}),
			// ...then swaps the other for two espresso cups.
			returnOrder(exchange, custAlice, t0.AddDate(0, 0, 9),
				[]apis.OrderLineItem{{UID: "x1", Name: "Espresso Cup", Quantity: "2", CatalogObjectID: cup, ItemType: "ITEM", BasePriceMoney: gbp(800), TotalMoney: gbp(1600)}},
				apis.OrderReturn{UID: "r2", SourceOrderID: sale, ReturnLineItems: []apis.OrderReturnLineItem{returned("rl2", "uid-SKU-SHIRT-1", shirt, "", 1, 4500)}}),
			// A gift bought by a walk-in, returned under Alice's name.
			returnOrder(gift, custAlice, t0.AddDate(0, 0, 10), nil,
				apis.OrderReturn{UID: "r3", SourceOrderID: walkIn, ReturnLineItems: []apis.OrderReturnLineItem{returned("rl3", "uid-w", cup, "Espresso Cup", 1, 800)}}),
		)
		f := returnOrder(failed, custCarol, t0.AddDate(0, 0, 4), nil,
			apis.OrderReturn{UID: "r4", SourceOrderID: "ORDC1000000000000000000005", ReturnLineItems: []apis.OrderReturnLineItem{returned("rl4", "uid-SKU-SHIRT-1", shirt, "Oxford Shirt", 1, 4500)}})
		f.Refunds = []apis.Refund{{ID: "RF4", LocationID: locLondon, Reason: "Returned goods", AmountMoney: gbp(4500), Status: apis.RefundFailed}}
		d.Orders = append(d.Orders, f)
	})
	c := e.client(t)
	orders, err := c.OrdersByCustomer(context.Background(), []string{custAlice, custCarol})
	if err != nil {
		t.Fatal(err)
	}
	alice := orders[custAlice]
	var ids []string
	for _, o := range alice {
		ids = append(ids, o.ID)
	}
	// Newest first: the exchange's sale, the two earlier sales; then the
	// placeholder of the walk-in's sale.
	want := []string{exchange, "ORDA2000000000000000000002", sale, walkIn}
	if len(ids) != len(want) {
		t.Fatalf("Alice's orders %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("Alice's orders %v, want %v", ids, want)
		}
	}

	x := alice[0]
	if x.Placeholder || len(x.Returns) != 0 || x.Total != (omnigate.Money{Cents: 1600, Currency: "GBP"}) || len(x.Lines) != 1 || x.Lines[0].SKU != "SKU-MUG-1" || x.Lines[0].Quantity != 2 {
		t.Errorf("the exchange's sale: %+v", x)
	}

	s := alice[2]
	if s.Placeholder || s.Total != (omnigate.Money{Cents: 9000, Currency: "GBP"}) || len(s.Returns) != 2 {
		t.Fatalf("the sale with two returns: %+v", s)
	}
	first, second := s.Returns[0], s.Returns[1]
	wantFirst := omnigate.Return{ID: ret, OrderID: sale, StoreID: locLondon, StoreName: "London Soho", At: t0.AddDate(0, 0, 8),
		Lines:    []omnigate.ReturnLine{{SKU: "SKU-SHIRT-1", Name: "Oxford Shirt", Quantity: 1, Refund: omnigate.Money{Cents: 4500, Currency: "GBP"}}},
		Refunded: omnigate.Money{Cents: 4500, Currency: "GBP"}}
	if !equalReturn(first, wantFirst) {
		t.Errorf("first return %+v, want %+v", first, wantFirst)
	}
	// The exchange's return names no line name: the catalog's is used.
	if second.ID != exchange || !second.At.Equal(t0.AddDate(0, 0, 9)) || second.Refunded != (omnigate.Money{Cents: 4500, Currency: "GBP"}) ||
		len(second.Lines) != 1 || second.Lines[0].Name != "Oxford Shirt" || second.Lines[0].SKU != "SKU-SHIRT-1" {
		t.Errorf("the exchange's return %+v", second)
	}
	if got := s.Refunded(); got != (omnigate.Money{Cents: 9000, Currency: "GBP"}) {
		t.Errorf("the sale's refunded %+v", got)
	}

	p := alice[3]
	if !p.Placeholder || p.ID != walkIn || p.CustomerID != custAlice || len(p.Lines) != 0 || p.Total != (omnigate.Money{}) || len(p.Returns) != 1 ||
		p.Returns[0].ID != gift || p.Returns[0].OrderID != walkIn || p.Returns[0].Refunded != (omnigate.Money{Cents: 800, Currency: "GBP"}) {
		t.Errorf("the walk-in sale's placeholder %+v", p)
	}

	carol := orders[custCarol]
	if len(carol) != 1 || len(carol[0].Returns) != 1 {
		t.Fatalf("Carol's orders %+v", carol)
	}
	r := carol[0].Returns[0]
	if r.Refunded != (omnigate.Money{Cents: 0, Currency: "GBP"}) || len(r.Lines) != 1 || r.Lines[0].Quantity != 1 || r.Lines[0].Refund.Cents != 0 {
		t.Errorf("a return whose refund failed: %+v", r)
	}

	// The same from the search for both orders and carts: no return is a
	// parked sale.
	both, carts, err := c.OrdersAndCarts(context.Background(), []string{custAlice})
	if err != nil {
		t.Fatal(err)
	}
	if len(both[custAlice]) != len(alice) || len(carts[custAlice]) != 1 {
		t.Errorf("orders and carts: %d orders, carts %+v", len(both[custAlice]), carts)
	}
}

func equalReturn(a, b omnigate.Return) bool {
	if a.ID != b.ID || a.OrderID != b.OrderID || a.StoreID != b.StoreID || a.StoreName != b.StoreName || !a.At.Equal(b.At) ||
		a.Refunded != b.Refunded || len(a.Lines) != len(b.Lines) {
		return false
	}
	for i := range a.Lines {
		if a.Lines[i] != b.Lines[i] {
			return false
		}
	}
	return true
}

// One return order may take back goods of two sales: each sale gets its
// part, with ids that stay apart.
func TestReturnOfTwoSales(t *testing.T) {
	const ret = "RETA2000000000000000000021"
	shirt, mug := "VARSHIRT0000000000000001", "VARMUG000000000000000002"
	e := setupData(t, shopWorld(), func(d *sim.Data) {
		o := returnOrder(ret, custAlice, t0.AddDate(0, 0, 8), nil,
			apis.OrderReturn{UID: "r1", SourceOrderID: "ORDA1000000000000000000001", ReturnLineItems: []apis.OrderReturnLineItem{returned("rl1", "uid-SKU-SHIRT-1", shirt, "Oxford Shirt", 2, 4500)}},
			apis.OrderReturn{UID: "r2", SourceOrderID: "ORDA2000000000000000000002", ReturnLineItems: []apis.OrderReturnLineItem{returned("rl2", "uid-SKU-MUG-10", mug, "Enamel Mug", 1, 1500)}})
		// The USD sale's part in dollars.
		li := &o.Returns[1].ReturnLineItems[0]
		li.BasePriceMoney, li.GrossReturnMoney, li.TotalMoney = &apis.Money{Amount: 1500, Currency: "USD"}, &apis.Money{Amount: 1500, Currency: "USD"}, &apis.Money{Amount: 1500, Currency: "USD"}
		o.Returns[1].ReturnAmounts = &apis.OrderMoneyAmounts{TotalMoney: &apis.Money{Amount: 1500, Currency: "USD"}}
		o.ReturnAmounts = nil
		d.Orders = append(d.Orders, o)
	})
	orders, err := e.client(t).OrdersByCustomer(context.Background(), []string{custAlice})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]omnigate.Return{}
	for _, o := range orders[custAlice] {
		if o.Placeholder {
			t.Errorf("placeholder %+v", o)
		}
		for _, r := range o.Returns {
			got[o.ID] = r
		}
	}
	a, b := got["ORDA1000000000000000000001"], got["ORDA2000000000000000000002"]
	if a.ID != ret+"/ORDA1000000000000000000001" || a.Refunded != (omnigate.Money{Cents: 9000, Currency: "GBP"}) || a.Lines[0].Quantity != 2 {
		t.Errorf("the London sale's return %+v", a)
	}
	if b.ID != ret+"/ORDA2000000000000000000002" || b.Refunded != (omnigate.Money{Cents: 1500, Currency: "USD"}) {
		t.Errorf("the New York sale's return %+v", b)
	}
}

// An exchange whose cash-back refund failed credited the goods brought back
// against the new ones only: the difference was never paid back.
func TestExchangeWhoseRefundFailed(t *testing.T) {
	const (
		sale     = "ORDA1000000000000000000001" // 2 × Oxford Shirt at £45
		exchange = "EXCA3000000000000000000031"
	)
	shirt, cup := "VARSHIRT0000000000000001", "VARCUP000000000000000003"
	e := setupData(t, shopWorld(), func(d *sim.Data) {
		// A shirt (£45) swapped for two cups (£16): £29 to pay back, and
		// that card refund failed.
		x := returnOrder(exchange, custAlice, t0.AddDate(0, 0, 9),
			[]apis.OrderLineItem{{UID: "x1", Name: "Espresso Cup", Quantity: "2", CatalogObjectID: cup, ItemType: "ITEM", BasePriceMoney: gbp(800), TotalMoney: gbp(1600)}},
			apis.OrderReturn{UID: "r1", SourceOrderID: sale, ReturnLineItems: []apis.OrderReturnLineItem{returned("rl1", "uid-SKU-SHIRT-1", shirt, "Oxford Shirt", 1, 4500)}})
		x.Refunds = []apis.Refund{{ID: "RFX", LocationID: locLondon, Reason: "Returned goods", AmountMoney: gbp(2900), Status: apis.RefundFailed}}
		d.Orders = append(d.Orders, x)
	})
	orders, err := e.client(t).OrdersByCustomer(context.Background(), []string{custAlice})
	if err != nil {
		t.Fatal(err)
	}
	var s, x *omnigate.Order
	for i, o := range orders[custAlice] {
		switch o.ID {
		case sale:
			s = &orders[custAlice][i]
		case exchange:
			x = &orders[custAlice][i]
		}
	}
	if s == nil || x == nil || len(s.Returns) != 1 {
		t.Fatalf("orders %+v", orders[custAlice])
	}
	if x.Total != (omnigate.Money{Cents: 1600, Currency: "GBP"}) {
		t.Errorf("the exchange's new goods: %+v", x.Total)
	}
	// Paid £90 + £16, got nothing back: £16 of credit is all that counts.
	if got := s.Returns[0].Refunded; got != (omnigate.Money{Cents: 1600, Currency: "GBP"}) {
		t.Errorf("the exchange's return refunded %+v; want £16.00, the credit used for the new goods", got)
	}
}
