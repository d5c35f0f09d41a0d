package view

import (
	"slices"
	"strings"

	"github.com/omnigate/omnigate"
)

// settle separates a customer's sales from the placeholders that carry
// returns of sales a connector did not see among the same record's orders
// (omnigate.Order.Placeholder). A placeholder's return whose sale another of
// the customer's records holds (same system, same order id) is attached to
// that sale; the others stay on their placeholders, which are returned
// apart: returns of sales that are not the customer's. A return that
// reaches a sale or a placeholder twice (a record linked twice, a return
// order found through two records) counts once, and so does a sale: Square
// finds a sale by its own customer and by the customer its payment names,
// who may be two records of one customer read in two calls; the sale kept
// carries the returns of both readings. The input is
// not modified; without placeholders and repeated sales it is returned as
// it is.
func settle(orders []omnigate.Order) (sales, loose []omnigate.Order) {
	n := 0
	at := make(map[key]int, len(orders))
	repeated := false
	for i := range orders {
		if orders[i].Placeholder {
			n++
			continue
		}
		k := saleKey(orders[i].System, orders[i].ID)
		if _, ok := at[k]; ok {
			repeated = true
		}
		at[k] = 0
	}
	if n == 0 && !repeated {
		return orders, nil
	}
	sales = make([]omnigate.Order, 0, len(orders)-n)
	clear(at)
	owned := map[int]bool{} // sales whose Returns are a copy of their own
	// add attaches a return to the i-th sale unless it is there already.
	add := func(i int, r omnigate.Return) {
		s := &sales[i]
		if slices.ContainsFunc(s.Returns, func(x omnigate.Return) bool { return x.ID == r.ID }) {
			return
		}
		if !owned[i] {
			s.Returns = slices.Clone(s.Returns)
			owned[i] = true
		}
		s.Returns = append(s.Returns, r)
	}
	for _, o := range orders {
		if o.Placeholder {
			continue
		}
		k := saleKey(o.System, o.ID)
		if i, ok := at[k]; ok {
			// Read twice: each reading may carry returns the other's
			// call did not find.
			for _, r := range o.Returns {
				add(i, r)
			}
			continue
		}
		at[k] = len(sales)
		sales = append(sales, o)
	}
	seen := map[key]bool{}
	for _, p := range orders {
		if !p.Placeholder {
			continue
		}
		var rest []omnigate.Return
		for _, r := range p.Returns {
			if seen[saleKey(p.System, r.ID)] {
				continue
			}
			seen[saleKey(p.System, r.ID)] = true
			i, ok := at[saleKey(p.System, r.OrderID)]
			if !ok || r.OrderID == "" {
				rest = append(rest, r)
				continue
			}
			add(i, r)
		}
		if len(rest) > 0 {
			p.Returns = rest
			loose = append(loose, p)
		}
	}
	for i := range owned {
		slices.SortStableFunc(sales[i].Returns, func(a, b omnigate.Return) int {
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
	}
	return sales, loose
}

// key is a sale's or a return's id within its system.
type key struct {
	system omnigate.System
	id     string
}

func saleKey(s omnigate.System, id string) key { return key{s, id} }
