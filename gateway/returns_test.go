package gateway_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim/world"
)

const returnsQuery = `query($id: String!) {
  customerBySystemId(system: COMMERCETOOLS, id: $id) {
    identities { system externalId }
    orders(first: 100) { totalCount edges { node { id system state total { amount currency } refunded { amount currency }
      returns { id at store { id } lines { sku name quantity refund { amount currency } } refunded { amount currency } } } } }
    stats { orderCount lifetimeValue { amount currency } refunded { amount currency } averageOrderValue { amount currency } }
    timeline(first: 100, kinds: [ORDER_RETURNED]) { totalCount edges { node { id kind system at refId amount { amount currency } } } }
  }
}`

type gqlMoney struct {
	Amount   int64
	Currency string
}

type returnsAnswer struct {
	Customer *struct {
		Identities []struct{ System, ExternalID string }
		Orders     struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID, System, State string
					Total             gqlMoney
					Refunded          *gqlMoney
					Returns           []struct {
						ID    string
						At    time.Time
						Store *struct{ ID string }
						Lines []struct {
							Sku, Name string
							Quantity  int64
							Refund    gqlMoney
						}
						Refunded gqlMoney
					}
				}
			}
		}
		Stats struct {
			OrderCount                                 int
			LifetimeValue, Refunded, AverageOrderValue []gqlMoney
		}
		Timeline struct {
			TotalCount int
			Edges      []struct {
				Node struct {
					ID, Kind, System, RefID string
					At                      time.Time
					Amount                  *gqlMoney
				}
			}
		}
	} `json:"customerBySystemId"`
}

// returnsCandidates are webshop customers whose person sent goods back to
// the webshop (refunded) and brought goods back to a store, under a store
// record that carries the person's own email (so that it is linked), best
// first: with both a plain return (a return order that must not be listed)
// and an exchange, then with a plain return.
func returnsCandidates(w *world.World) []string {
	people := map[string]world.Person{}
	for _, p := range w.People {
		people[p.ID] = p
	}
	webPerson, posPerson := map[string]string{}, map[string]string{}
	for _, c := range w.WebCustomers {
		webPerson[c.ID] = c.PersonID
	}
	for _, c := range w.POSCustomers {
		if strings.EqualFold(strings.TrimSpace(c.Email), people[c.PersonID].Email) {
			posPerson[c.ID] = c.PersonID
		}
	}
	webRefund := map[string]string{} // person → webshop customer with a refund
	plain, exchange := map[string]bool{}, map[string]bool{}
	for _, rt := range w.ReturnTruths() {
		switch {
		case rt.System == world.SystemCommercetools && rt.Refunded.Cents > 0 && rt.CustomerID != "":
			webRefund[webPerson[rt.CustomerID]] = rt.CustomerID
		case rt.System == world.SystemSquare && posPerson[rt.CustomerID] != "":
			if rt.Exchange.Cents > 0 {
				exchange[posPerson[rt.CustomerID]] = true
			} else {
				plain[posPerson[rt.CustomerID]] = true
			}
		}
	}
	var ranked [4][]string
	for _, pid := range slices.Sorted(maps.Keys(webRefund)) {
		switch {
		case plain[pid] && exchange[pid]:
			ranked[0] = append(ranked[0], webRefund[pid])
		case plain[pid]:
			ranked[1] = append(ranked[1], webRefund[pid])
		case exchange[pid]:
			ranked[2] = append(ranked[2], webRefund[pid])
		}
	}
	return slices.Concat(ranked[:]...)
}

// TestReturnsThroughTheGateway follows a customer with returns in both
// channels from the simulated systems through the gateway: each order shows
// its returns and what was refunded, the lifetime value is net of refunds,
// refunded is per currency, the timeline has a touchpoint per return, and
// the returns cost no upstream call of their own. Every expected value is
// read from the generated world.
func TestReturnsThroughTheGateway(t *testing.T) {
	e := setup(t)
	w := e.world
	var out returnsAnswer
	var id string
	var webIDs, sqIDs map[string]bool
	for _, cand := range returnsCandidates(w) {
		out = returnsAnswer{}
		if r := e.query(t, returnsQuery, map[string]any{"id": cand}, &out); len(r.Errors) > 0 {
			t.Fatalf("errors: %+v", r.Errors)
		}
		c := out.Customer
		if c == nil || c.Orders.TotalCount > 100 || c.Timeline.TotalCount > 100 {
			continue
		}
		webIDs, sqIDs = map[string]bool{}, map[string]bool{}
		for _, l := range c.Identities {
			switch l.System {
			case "COMMERCETOOLS":
				webIDs[l.ExternalID] = true
			case "SQUARE":
				sqIDs[l.ExternalID] = true
			}
		}
		if len(sqIDs) > 0 {
			id = cand
			break
		}
	}
	if id == "" {
		t.Fatal("no customer of the world has returns in both channels, linked: the world is not the one this test needs")
	}
	c := out.Customer

	// What the world says the gateway should show, for the records linked.
	type money = world.Money
	gross, refunded := map[string]int64{}, map[string]int64{}
	orderCount := 0
	listed := map[string]money{} // order id → total
	for _, o := range w.WebOrders {
		if webIDs[o.CustomerID] {
			listed[o.ID] = world.Total(o.Lines, o.Currency)
			if o.State != "Cancelled" {
				orderCount++
				gross[o.Currency] += world.Total(o.Lines, o.Currency).Cents
			}
		}
	}
	for _, o := range w.POSOrders {
		if sqIDs[o.CustomerID] && o.State == "COMPLETED" {
			listed[o.ID] = world.Total(o.Lines, o.Currency)
			orderCount++
			gross[o.Currency] += world.Total(o.Lines, o.Currency).Cents
		}
	}
	var truths []world.ReturnTruth
	for _, rt := range w.ReturnTruths() {
		if rt.System == world.SystemCommercetools && webIDs[rt.CustomerID] || rt.System == world.SystemSquare && sqIDs[rt.CustomerID] {
			truths = append(truths, rt)
			refunded[rt.Refunded.Currency] += rt.Refunded.Cents
			if rt.Exchange.Cents > 0 {
				// The exchange's new goods are an order of their own.
				listed[rt.ReturnID] = rt.Exchange
				orderCount++
				gross[rt.Exchange.Currency] += rt.Exchange.Cents
			}
		}
	}
	perCurrency := func(m map[string]int64) []gqlMoney {
		out := []gqlMoney{}
		for _, cur := range slices.Sorted(maps.Keys(m)) {
			if m[cur] != 0 {
				out = append(out, gqlMoney{m[cur], cur})
			}
		}
		return out
	}
	net := map[string]int64{}
	for cur, n := range gross {
		net[cur] += n
	}
	for cur, n := range refunded {
		net[cur] -= n
	}
	if got, want := c.Stats.LifetimeValue, perCurrency(net); !slices.Equal(got, want) {
		t.Errorf("lifetime value %v, want %v: gross %v less refunds %v", got, want, gross, refunded)
	}
	if got, want := c.Stats.Refunded, perCurrency(refunded); !slices.Equal(got, want) || len(want) == 0 {
		t.Errorf("refunded %v, want %v", got, want)
	}
	if c.Stats.OrderCount != orderCount || c.Orders.TotalCount != len(listed) {
		t.Errorf("%d orders counted and %d listed, want %d and %d: returns are never orders", c.Stats.OrderCount, c.Orders.TotalCount, orderCount, len(listed))
	}

	// Every order as the world has it; its returns those of the truth.
	type shown struct {
		at       time.Time
		units    int64
		refunded gqlMoney
		store    bool
	}
	returnsOf := map[string]map[string]shown{}
	orderRefunded := map[string]gqlMoney{}
	for _, ed := range c.Orders.Edges {
		o := ed.Node
		want, ok := listed[o.ID]
		if !ok || o.Total != (gqlMoney{want.Cents, want.Currency}) {
			t.Errorf("order %s (%s): total %v, the world has %v (listed: %v)", o.ID, o.System, o.Total, want, ok)
		}
		returnsOf[o.ID] = map[string]shown{}
		var sum int64
		for _, r := range o.Returns {
			var units int64
			for _, l := range r.Lines {
				units += l.Quantity
			}
			returnsOf[o.ID][r.ID] = shown{r.At, units, r.Refunded, r.Store != nil}
			sum += r.Refunded.Amount
		}
		if sum == 0 && o.Refunded != nil || sum != 0 && (o.Refunded == nil || *o.Refunded != (gqlMoney{sum, o.Total.Currency})) {
			t.Errorf("order %s: refunded %v, its returns refunded %d", o.ID, o.Refunded, sum)
		}
		if o.Refunded != nil {
			orderRefunded[o.ID] = *o.Refunded
		}
	}
	wantTouch := map[string]world.ReturnTruth{}
	kinds := map[string]int{}
	for _, rt := range truths {
		system := strings.ToUpper(rt.System)
		wantTouch["ORDER_RETURNED:"+rt.System+":"+rt.ReturnID] = rt
		if rt.Gift {
			kinds["gift"]++
			if _, ok := returnsOf[rt.OrderID]; ok {
				t.Errorf("gift %s: the walk-in's sale %s is listed", rt.ReturnID, rt.OrderID)
			}
			continue
		}
		kinds[system]++
		if rt.Exchange.Cents > 0 {
			kinds["exchange"]++
		} else if rt.System == world.SystemSquare {
			kinds["plain store return"]++
		}
		got, ok := returnsOf[rt.OrderID][rt.ReturnID]
		want := shown{rt.At, rt.Units, gqlMoney{rt.Refunded.Cents, rt.Refunded.Currency}, rt.System == world.SystemSquare}
		if !ok || !got.at.Equal(want.at) || got.units != want.units || got.refunded != want.refunded || got.store != want.store {
			t.Errorf("return %s of order %s: shown %+v (%v), the world has %+v", rt.ReturnID, rt.OrderID, got, ok, want)
		}
		delete(returnsOf[rt.OrderID], rt.ReturnID)
	}
	for oid, rs := range returnsOf {
		for rid := range rs {
			t.Errorf("order %s shows return %s, which the world does not have", oid, rid)
		}
	}
	if kinds["COMMERCETOOLS"] == 0 || kinds["SQUARE"] == 0 {
		t.Fatalf("returns compared: %v", kinds)
	}

	// One touchpoint per return, when the goods came back, with the refund.
	if c.Timeline.TotalCount != len(wantTouch) {
		t.Errorf("%d ORDER_RETURNED touchpoints, want %d", c.Timeline.TotalCount, len(wantTouch))
	}
	for _, ed := range c.Timeline.Edges {
		tp := ed.Node
		rt, ok := wantTouch[tp.ID]
		var amount *gqlMoney
		if rt.Refunded.Cents != 0 {
			amount = &gqlMoney{rt.Refunded.Cents, rt.Refunded.Currency}
		}
		if !ok || tp.Kind != "ORDER_RETURNED" || !tp.At.Equal(rt.At) || tp.RefID != rt.ReturnID || fmt.Sprint(tp.Amount) != fmt.Sprint(amount) {
			t.Errorf("touchpoint %+v, the world has %+v", tp, rt)
		}
	}
	t.Logf("customer of %s: %d orders, returns %v, lifetime value %v, refunded %v", id, orderCount, kinds, c.Stats.LifetimeValue, c.Stats.Refunded)

	// The returns come with the orders: asking for them costs no call.
	vars := map[string]any{"id": id}
	const bare = `query($id: String!) { customerBySystemId(system: COMMERCETOOLS, id: $id) {
  orders(first: 100) { edges { node { id total { amount } } } } stats { orderCount lifetimeValue { amount } } } }`
	const full = `query($id: String!) { customerBySystemId(system: COMMERCETOOLS, id: $id) {
  orders(first: 100) { edges { node { id total { amount } refunded { amount } returns { id lines { sku } refunded { amount } } } } }
  stats { orderCount lifetimeValue { amount } refunded { amount } } } }`
	e.calls(t, bare, vars) // caches warm alike for both
	_, without := e.calls(t, bare, vars)
	_, with := e.calls(t, full, vars)
	if !maps.Equal(without, with) {
		t.Errorf("asking for returns changed the upstream calls: %v without, %v with", without, with)
	}
	// A timeline of returns loads the orders and nothing else.
	_, calls := e.calls(t, `query($id: String!) { customerBySystemId(system: COMMERCETOOLS, id: $id) { timeline(first: 5, kinds: [ORDER_RETURNED]) { totalCount } } }`, vars)
	for _, ep := range []string{"klaviyo events.list", "zendesk tickets.requested", "commercetools carts.query"} {
		if calls[ep] != 0 {
			t.Errorf("a timeline of returns called %s %d times", ep, calls[ep])
		}
	}
	if calls["commercetools orders.query"] == 0 || calls["square orders.search"] == 0 {
		t.Errorf("a timeline of returns did not read the orders: %v", calls)
	}
}
