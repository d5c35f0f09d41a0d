package world

import (
	"fmt"
	"slices"
	"time"
)

// Shares of orders that come back. Fashion bought online comes back far
// more often than goods bought at a till, where the customer tried them on.
const (
	webReturnRate   = 0.085 // of delivered webshop orders
	storeReturnRate = 0.03  // of completed sales to known customers
	giftReturnRate  = 0.004 // of walk-in sales, brought back by a known customer
	exchangeRate    = 0.25  // of store returns: other goods taken instead
)

// webReturns sends back goods of some delivered webshop orders, a few
// days to four weeks after delivery: often only part of the order, and
// now and then in two parcels. Most returns are refunded once the parcel
// is checked; the latest wait for their refund, a few are refused.
func (g *gen) webReturns() {
	for k := range g.w.WebOrders {
		o := &g.w.WebOrders[k]
		if o.State != "Complete" || !g.chance(webReturnRate) {
			continue
		}
		parcels := 1
		if len(o.Lines) > 1 && g.chance(0.1) {
			parcels = 2
		}
		left := make([]int64, len(o.Lines)) // units not yet sent back
		for i, l := range o.Lines {
			left[i] = l.Quantity
		}
		after := o.UpdatedAt
		for range parcels {
			date := g.awake(g.after(after, 2*day, 28*day))
			if !date.Before(g.now.Add(-time.Hour)) {
				break
			}
			r := WebReturn{OrderID: o.ID, Date: date, TrackingID: fmt.Sprintf("RT%010d", g.r.Int64N(1e10))}
			for i, l := range o.Lines {
				if left[i] == 0 || (len(r.Items) > 0 || i < len(o.Lines)-1) && !g.chance(0.55) {
					continue
				}
				q := left[i]
				if q > 1 && g.chance(0.5) {
					q = int64(g.between(1, int(q)-1)) // some of them: a partial return
				}
				left[i] -= q
				r.Items = append(r.Items, g.webReturnItem(l.ID, q, date))
			}
			if len(r.Items) == 0 {
				break
			}
			g.w.WebReturns = append(g.w.WebReturns, r)
			after = date
		}
	}
}

// webReturnItem is q units of one line back on date, in the state its age
// and luck give it.
func (g *gen) webReturnItem(lineID string, q int64, date time.Time) WebReturnItem {
	it := WebReturnItem{ID: g.id.uuid(), LineID: lineID, Quantity: q, CreatedAt: date, UpdatedAt: date}
	switch u := g.r.Float64(); {
	case g.now.Sub(date) < 3*day && u < 0.7:
		// Back at the warehouse, the refund still to be made.
		it.ShipmentState, it.PaymentState = "Returned", "Initial"
	case u < 0.04:
		// Announced, out of the return window: it will not be refunded.
		it.ShipmentState, it.PaymentState = "Advised", "NonRefundable"
	case u < 0.10:
		it.ShipmentState, it.PaymentState = "Unusable", "NotRefunded"
		it.UpdatedAt = g.after(date, time.Hour, 3*day)
	default:
		it.ShipmentState, it.PaymentState = "BackInStock", "Refunded"
		if g.chance(0.15) {
			it.ShipmentState = "Unusable"
		}
		it.UpdatedAt = g.after(date, time.Hour, 3*day)
	}
	return it
}

// storeReturns brings goods of some completed sales back to a till, mostly
// to the store that sold them, within four weeks; a quarter are exchanges.
// A few walk-in sales (gifts, bought by someone the till did not know) are
// brought back by a known customer: their sale is not among that
// customer's orders.
func (g *gen) storeReturns() {
	byCurrency := map[string][]int{}
	for _, i := range g.physical {
		byCurrency[g.w.Stores[i].Currency] = append(byCurrency[g.w.Stores[i].Currency], i)
	}
	storeOf := map[string]int{}
	for _, i := range g.physical {
		storeOf[g.w.Stores[i].ID] = i
	}
	custs := g.w.POSCustomers // sorted by creation: the gifts' bringers
	for k := range g.w.POSOrders {
		o := &g.w.POSOrders[k]
		if o.State != "COMPLETED" {
			continue
		}
		switch {
		case o.CustomerID != "" && g.chance(storeReturnRate):
		case o.CustomerID == "" && g.chance(giftReturnRate):
		default:
			continue
		}
		st := storeOf[o.LocationID]
		if g.chance(0.15) {
			st = pick(g, byCurrency[o.Currency])
		}
		store := &g.w.Stores[st]
		at := g.inStoreHours(g.after(o.CreatedAt, day, 28*day), store.Country)
		if !at.After(o.ClosedAt) || !at.Before(g.now.Add(-time.Hour)) {
			continue
		}
		customer := o.CustomerID
		if customer == "" {
			// A gift: brought back by someone whose record the till
			// already held.
			n, _ := slices.BinarySearchFunc(custs, at, func(c POSCustomer, t time.Time) int { return c.CreatedAt.Compare(t) })
			if n == 0 {
				continue
			}
			customer = custs[g.intn(n)].ID
		}
		r := POSReturn{ID: g.id.squareOrder(), SourceOrderID: o.ID, LocationID: store.ID, CustomerID: customer, Currency: o.Currency, CreatedAt: at}
		for i, l := range o.Lines {
			if len(r.Lines) > 0 || i < len(o.Lines)-1 {
				if !g.chance(0.5) {
					continue
				}
			}
			q := l.Quantity
			if q > 1 && g.chance(0.5) {
				q = int64(g.between(1, int(q)-1))
			}
			back := l
			back.Quantity = q
			r.Lines = append(r.Lines, back)
		}
		if g.chance(exchangeRate) {
			p := &g.w.Products[g.pickProduct(at)]
			if unit := price(p, o.Currency); unit.Currency == o.Currency {
				r.Exchange = []Line{{ID: g.id.squareLine(), SKU: p.SKU, Name: p.Name, Quantity: 1, UnitPrice: unit}}
			}
		}
		g.w.POSReturns = append(g.w.POSReturns, r)
	}
}
