package world

import (
	"reflect"
	"testing"
	"time"
)

// TestReturnsChangeNothingElse: the returns are drawn last, from streams of
// their own, so a world is the same record for record with or without them.
func TestReturnsChangeNothingElse(t *testing.T) {
	o := Options{People: 400, Seed: 7}
	with, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	o.noReturns = true
	without, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(with.WebReturns) == 0 || len(with.POSReturns) == 0 || len(without.WebReturns)+len(without.POSReturns) != 0 {
		t.Fatalf("%d and %d returns with, %d and %d without", len(with.WebReturns), len(with.POSReturns), len(without.WebReturns), len(without.POSReturns))
	}
	with.WebReturns, with.POSReturns = nil, nil
	if !reflect.DeepEqual(with, without) {
		t.Fatal("the returns changed other records of the world")
	}
}

// TestReturns checks the returns of the default world: realistic shares,
// partial returns, exchanges and gifts, and returns that only take back
// what was sold, after it was, in the sale's currency.
func TestReturns(t *testing.T) {
	w := defaultWorld(t)
	now := DefaultNow
	webOrders := map[string]*WebOrder{}
	for i := range w.WebOrders {
		webOrders[w.WebOrders[i].ID] = &w.WebOrders[i]
	}
	ids := map[string]bool{}
	unique := func(id string) {
		t.Helper()
		if ids[id] {
			t.Errorf("id %s twice", id)
		}
		ids[id] = true
	}
	returnedOrders := map[string]bool{}
	partial, pending := 0, 0
	back := map[string]int64{} // line id → units sent back
	for _, r := range w.WebReturns {
		o := webOrders[r.OrderID]
		if o == nil || o.State != "Complete" {
			t.Fatalf("return of %s: no such delivered order", r.OrderID)
		}
		returnedOrders[o.ID] = true
		if !r.Date.After(o.UpdatedAt) || r.Date.After(now) || len(r.Items) == 0 {
			t.Errorf("return of %s on %v (delivered %v), %d items", o.ID, r.Date, o.UpdatedAt, len(r.Items))
		}
		lines := map[string]Line{}
		for _, l := range o.Lines {
			lines[l.ID] = l
		}
		for _, it := range r.Items {
			unique(it.ID)
			if !uuidRE.MatchString(it.ID) {
				t.Errorf("return item id %q", it.ID)
			}
			l, ok := lines[it.LineID]
			if !ok || it.Quantity < 1 {
				t.Errorf("return item %s: line %s, %d units", it.ID, it.LineID, it.Quantity)
			}
			back[it.LineID] += it.Quantity
			if back[it.LineID] > l.Quantity {
				t.Errorf("line %s: %d units back of %d", it.LineID, back[it.LineID], l.Quantity)
			}
			if it.UpdatedAt.Before(it.CreatedAt) || it.UpdatedAt.After(now) || !it.CreatedAt.Equal(r.Date) {
				t.Errorf("return item %s: created %v, updated %v, return date %v", it.ID, it.CreatedAt, it.UpdatedAt, r.Date)
			}
			if it.PaymentState == "Initial" {
				pending++
			}
		}
		if len(r.Items) < len(o.Lines) || r.Items[0].Quantity < lines[r.Items[0].LineID].Quantity {
			partial++
		}
	}
	share := float64(len(returnedOrders)) / float64(len(w.WebOrders))
	if share < 0.05 || share > 0.10 {
		t.Errorf("%.3f of webshop orders have a return, want 5-10%%", share)
	}
	if partial == 0 || pending == 0 {
		t.Errorf("%d partial webshop returns, %d awaiting their refund", partial, pending)
	}

	sales := map[string]*POSOrder{}
	completed := 0
	for i := range w.POSOrders {
		sales[w.POSOrders[i].ID] = &w.POSOrders[i]
		if w.POSOrders[i].State == "COMPLETED" {
			completed++
		}
	}
	stores := map[string]Store{}
	for _, s := range w.Stores {
		if !s.Online {
			stores[s.ID] = s
		}
	}
	custCreated := map[string]time.Time{}
	for _, c := range w.POSCustomers {
		custCreated[c.ID] = c.CreatedAt
	}
	exchanges, gifts := 0, 0
	for _, r := range w.POSReturns {
		unique(r.ID)
		if !sqOrderRE.MatchString(r.ID) {
			t.Errorf("return order id %q", r.ID)
		}
		s := sales[r.SourceOrderID]
		if s == nil || s.State != "COMPLETED" {
			t.Fatalf("return %s of %s: no such completed sale", r.ID, r.SourceOrderID)
		}
		st, ok := stores[r.LocationID]
		if !ok || st.Currency != s.Currency || r.Currency != s.Currency {
			t.Errorf("return %s at %s in %s of a sale in %s", r.ID, r.LocationID, r.Currency, s.Currency)
		}
		if !r.CreatedAt.After(s.ClosedAt) || r.CreatedAt.After(now) {
			t.Errorf("return %s at %v of a sale closed %v", r.ID, r.CreatedAt, s.ClosedAt)
		}
		created, ok := custCreated[r.CustomerID]
		if !ok || created.After(r.CreatedAt) {
			t.Errorf("return %s rung up for %q, a record made %v", r.ID, r.CustomerID, created)
		}
		switch s.CustomerID {
		case "":
			gifts++
		case r.CustomerID:
		default:
			t.Errorf("return %s for %s of %s's sale", r.ID, r.CustomerID, s.CustomerID)
		}
		lines := map[string]Line{}
		for _, l := range s.Lines {
			lines[l.ID] = l
		}
		if len(r.Lines) == 0 {
			t.Errorf("return %s takes nothing back", r.ID)
		}
		for _, l := range r.Lines {
			sold, ok := lines[l.ID]
			if !ok || l.Quantity < 1 || l.Quantity > sold.Quantity || l.UnitPrice != sold.UnitPrice || l.SKU != sold.SKU {
				t.Errorf("return %s: line %+v of sold %+v", r.ID, l, sold)
			}
		}
		if len(r.Exchange) > 0 {
			exchanges++
			for _, l := range r.Exchange {
				unique(l.ID)
				if l.UnitPrice.Currency != r.Currency || l.Quantity < 1 {
					t.Errorf("exchange %s: line %+v", r.ID, l)
				}
			}
		}
	}
	storeShare := float64(len(w.POSReturns)) / float64(completed)
	if storeShare <= 0.005 || storeShare >= share {
		t.Errorf("%.3f of store sales have a return, want fewer than online (%.3f) but some", storeShare, share)
	}
	if exchanges == 0 || gifts == 0 {
		t.Errorf("%d exchanges, %d gifts brought back", exchanges, gifts)
	}

	// The answer key agrees.
	truths := w.ReturnTruths()
	if len(truths) != len(w.WebReturns)+len(w.POSReturns) {
		t.Fatalf("%d truths for %d returns", len(truths), len(w.WebReturns)+len(w.POSReturns))
	}
	refunded, giftTruths := 0, 0
	for _, rt := range truths {
		if rt.ReturnID == "" || rt.OrderID == "" || rt.Units < 1 || rt.Refunded.Currency == "" || rt.Refunded.Cents < 0 {
			t.Errorf("truth %+v", rt)
		}
		if rt.Refunded.Cents > 0 {
			refunded++
		}
		if rt.Gift {
			giftTruths++
		}
	}
	if refunded == 0 || giftTruths != gifts {
		t.Errorf("%d refunded returns, %d gifts in the truth (%d in the world)", refunded, giftTruths, gifts)
	}
}
