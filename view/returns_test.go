package view

import (
	"slices"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

// withReturns is a customer with two Square records (SQ1, SQ2) and a
// webshop record:
//   - a webshop order (£100.00) of which £30.00 came back refunded, and a
//     second return not refunded yet;
//   - a store sale in euros (€50.00) held by SQ1, whose return (€20.00) was
//     rung up under SQ2: SQ2's connector call kept it on a placeholder;
//   - a walk-in's sale brought back under SQ2 (£8.00): not the customer's;
//   - a cancelled webshop order whose refund counts for nothing.
func withReturns() TimelineInput {
	ret := func(id, order string, m int, refunded omnigate.Money, qty int64) omnigate.Return {
		return omnigate.Return{ID: id, OrderID: order, At: at(m), Refunded: refunded,
			Lines: []omnigate.ReturnLine{{SKU: "A", Name: "Item A", Quantity: qty, Refund: refunded}}}
	}
	storeRet := func(r omnigate.Return) omnigate.Return {
		r.StoreID, r.StoreName = "L2", "Leeds"
		return r
	}
	cancelled := omnigate.Order{System: omnigate.Commercetools, ID: "web-x", Number: "HR2", Channel: omnigate.ChannelWebshop,
		State: "Cancelled", Total: gbp(5000), CreatedAt: at(5), Returns: []omnigate.Return{ret("ri-x", "web-x", 6, gbp(5000), 1)}}
	return TimelineInput{Orders: []omnigate.Order{
		{System: omnigate.Commercetools, ID: "web-1", Number: "HR1", Channel: omnigate.ChannelWebshop, State: "Complete",
			Lines: []omnigate.LineItem{line("A", 2, gbp(3000)), line("B", 1, gbp(4000))}, Total: gbp(10000), CreatedAt: at(10),
			Returns: []omnigate.Return{ret("ri-1", "web-1", 20, gbp(3000), 1), ret("ri-2", "web-1", 30, gbp(0), 1)}},
		{System: omnigate.Square, ID: "sale-1", Channel: omnigate.ChannelStore, StoreID: "L1", StoreName: "London", State: "COMPLETED",
			Total: eur(5000), CreatedAt: at(40)},
		cancelled,
		// SQ2's placeholders, as its connector call left them.
		{System: omnigate.Square, ID: "sale-1", Channel: omnigate.ChannelStore, Placeholder: true,
			Returns: []omnigate.Return{storeRet(ret("ret-1", "sale-1", 50, eur(2000), 1))}},
		{System: omnigate.Square, ID: "walkin", Channel: omnigate.ChannelStore, Placeholder: true,
			Returns: []omnigate.Return{storeRet(ret("ret-2", "walkin", 60, gbp(800), 1))}},
		// The same gift return found again through another record.
		{System: omnigate.Square, ID: "walkin", Channel: omnigate.ChannelStore, Placeholder: true,
			Returns: []omnigate.Return{storeRet(ret("ret-2", "walkin", 60, gbp(800), 1))}},
	}}
}

func TestStatsAreNetOfRefunds(t *testing.T) {
	in := withReturns()
	before := slices.Clone(in.Orders)
	st := ComputeStats(in)
	// £100.00 − £30.00 − £8.00 (the gift); €50.00 − €20.00. The cancelled
	// order and its refund count for nothing.
	if got := money(st.LifetimeValue); !slices.Equal(got, []string{"€30.00", "£62.00"}) {
		t.Errorf("lifetime value %v, want €30.00 and £62.00", got)
	}
	if got := money(st.Refunded); !slices.Equal(got, []string{"€20.00", "£38.00"}) {
		t.Errorf("refunded %v, want €20.00 and £38.00", got)
	}
	// The average is of what the orders cost at purchase.
	if got := money(st.AverageOrderValue); !slices.Equal(got, []string{"€50.00", "£100.00"}) {
		t.Errorf("average order value %v", got)
	}
	if st.OrderCount != 2 || st.OrdersByChannel[omnigate.ChannelStore] != 1 || st.OrdersByChannel[omnigate.ChannelWebshop] != 1 {
		t.Errorf("order counts %d %v: placeholders and returns are no orders", st.OrderCount, st.OrdersByChannel)
	}
	if !st.LastSeen.Equal(at(60)) {
		t.Errorf("last seen %v: the latest return is a touchpoint", st.LastSeen)
	}
	for i := range before {
		if len(before[i].Returns) != len(in.Orders[i].Returns) {
			t.Fatalf("the input was changed: order %d has %d returns, had %d", i, len(in.Orders[i].Returns), len(before[i].Returns))
		}
	}

	// Without returns nothing is refunded, and the value is gross.
	plain := ComputeStats(TimelineInput{Orders: []omnigate.Order{{System: omnigate.Square, ID: "s", Total: gbp(700), CreatedAt: at(1)}}})
	if len(plain.Refunded) != 0 || !slices.Equal(money(plain.LifetimeValue), []string{"£7.00"}) {
		t.Errorf("no returns: refunded %v, lifetime value %v", money(plain.Refunded), money(plain.LifetimeValue))
	}
	// A refund in a currency never bought in is deducted all the same.
	gift := ComputeStats(TimelineInput{Orders: []omnigate.Order{{System: omnigate.Square, ID: "w", Placeholder: true, Channel: omnigate.ChannelStore,
		Returns: []omnigate.Return{{ID: "r", OrderID: "w", At: at(1), Refunded: eur(900)}}}}})
	if !slices.Equal(money(gift.LifetimeValue), []string{"-€9.00"}) || !slices.Equal(money(gift.Refunded), []string{"€9.00"}) ||
		gift.OrderCount != 0 || len(gift.AverageOrderValue) != 0 {
		t.Errorf("a gift brought back: %+v", gift)
	}
}

func TestOrdersCarryReturnsOfOtherRecords(t *testing.T) {
	in := withReturns()
	orders := Orders([][]omnigate.Order{in.Orders}, "")
	var ids []string
	for _, o := range orders {
		ids = append(ids, o.ID)
	}
	if !slices.Equal(ids, []string{"sale-1", "web-1", "web-x"}) {
		t.Fatalf("orders %v: placeholders are never listed", ids)
	}
	sale := orders[0]
	if len(sale.Returns) != 1 || sale.Returns[0].ID != "ret-1" || sale.Refunded() != eur(2000) {
		t.Errorf("the euro sale carries the return rung up under another record: %+v", sale.Returns)
	}
	if in.Orders[1].Returns != nil {
		t.Errorf("the input's sale was changed: %+v", in.Orders[1].Returns)
	}
	if web := orders[1]; len(web.Returns) != 2 || web.Refunded() != gbp(3000) {
		t.Errorf("the webshop order's returns %+v", web.Returns)
	}
	if got := Orders([][]omnigate.Order{in.Orders}, omnigate.ChannelStore); len(got) != 1 || got[0].ID != "sale-1" {
		t.Errorf("store orders %+v", got)
	}
}

func TestTimelineHasReturns(t *testing.T) {
	var got []string
	for _, tp := range renderTouchpoints(Timeline(withReturns())) {
		got = append(got, tp)
	}
	want := []string{
		"60 ORDER_RETURNED:square:ret-2 | store | Returned 1 item of sale walkin (not among the customer's orders) at Leeds, £8.00 refunded | £8.00",
		"50 ORDER_RETURNED:square:ret-1 | store | Returned 1 item of order sale-1 at Leeds, €20.00 refunded | €20.00",
		"40 ORDER_PLACED:square:sale-1 | store | Order sale-1 at London, €50.00 | €50.00",
		"30 ORDER_RETURNED:commercetools:ri-2 | webshop | Returned 1 item of order #HR1 online, nothing refunded | -",
		"20 ORDER_RETURNED:commercetools:ri-1 | webshop | Returned 1 item of order #HR1 online, £30.00 refunded | £30.00",
		"10 ORDER_PLACED:commercetools:web-1 | webshop | Order #HR1 online, 3 items, £100.00 | £100.00",
		"6 ORDER_RETURNED:commercetools:ri-x | webshop | Returned 1 item of order #HR2 online, £50.00 refunded | £50.00",
		"5 ORDER_PLACED:commercetools:web-x | webshop | Order #HR2 online, £50.00 (cancelled) | £50.00",
	}
	if !slices.Equal(got, want) {
		t.Errorf("timeline:\n%s\nwant:\n%s", joinLines(got), joinLines(want))
	}
	// A timeline of returns alone.
	page, err := PageTimeline(cus, Timeline(withReturns()), 10, "", []TouchpointKind{OrderReturned})
	if err != nil || page.Total != 5 {
		t.Errorf("returns only: %d touchpoints, %v", page.Total, err)
	}
}

func joinLines(ls []string) string {
	out := ""
	for _, l := range ls {
		out += "  " + l + "\n"
	}
	return out
}

// A sale read twice (Square finds it through its own customer and through
// the customer its payment names, two records of one customer read in two
// calls) is listed and counted once.
func TestASaleReadTwiceCountsOnce(t *testing.T) {
	sale := omnigate.Order{System: omnigate.Square, ID: "S1", Channel: omnigate.ChannelStore, State: "COMPLETED",
		Total: omnigate.Money{Cents: 5000, Currency: "GBP"}, CreatedAt: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}
	other := sale
	other.ID, other.Total.Cents = "S2", 1200
	lists := [][]omnigate.Order{{sale, other}, {sale}}
	if got := Orders(lists, ""); len(got) != 2 {
		t.Errorf("Orders = %d orders; want 2", len(got))
	}
	st := ComputeStats(TimelineInput{Orders: append(slices.Clone(lists[0]), lists[1]...)})
	if st.OrderCount != 2 || len(st.LifetimeValue) != 1 || st.LifetimeValue[0].Cents != 6200 {
		t.Errorf("stats: %d orders, lifetime value %v; want 2 and 6200 GBP", st.OrderCount, st.LifetimeValue)
	}
}

// A sale read twice keeps the returns of both readings: the reading through
// the record its payment names does not find a return rung up under the
// sale's own record, so the copy kept must not drop the other's returns.
func TestASaleReadTwiceKeepsItsReturns(t *testing.T) {
	at0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	bare := omnigate.Order{System: omnigate.Square, ID: "S1", Channel: omnigate.ChannelStore, State: "COMPLETED",
		Total: omnigate.Money{Cents: 5000, Currency: "GBP"}, CreatedAt: at0}
	withRet := bare
	withRet.Returns = []omnigate.Return{{ID: "R1", OrderID: "S1", At: at0.AddDate(0, 0, 3),
		Lines:    []omnigate.ReturnLine{{SKU: "A", Quantity: 1, Refund: omnigate.Money{Cents: 2000, Currency: "GBP"}}},
		Refunded: omnigate.Money{Cents: 2000, Currency: "GBP"}}}
	for _, lists := range [][][]omnigate.Order{{{bare}, {withRet}}, {{withRet}, {bare}}} {
		got := Orders(lists, "")
		if len(got) != 1 || len(got[0].Returns) != 1 || got[0].Refunded().Cents != 2000 {
			t.Errorf("Orders = %+v; want S1 once, with its return", got)
		}
		st := ComputeStats(TimelineInput{Orders: append(slices.Clone(lists[0]), lists[1]...)})
		if st.OrderCount != 1 || !slices.Equal(money(st.LifetimeValue), []string{"£30.00"}) || !slices.Equal(money(st.Refunded), []string{"£20.00"}) {
			t.Errorf("stats: %d orders, lifetime value %v, refunded %v; want 1, £30.00, £20.00", st.OrderCount, money(st.LifetimeValue), money(st.Refunded))
		}
		n := 0
		for _, tp := range Timeline(TimelineInput{Orders: append(slices.Clone(lists[0]), lists[1]...)}) {
			if tp.Kind == OrderReturned {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d ORDER_RETURNED touchpoints; want 1", n)
		}
	}
	if bare.Returns != nil {
		t.Errorf("the input was changed: %+v", bare.Returns)
	}
}
