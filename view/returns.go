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
// order found through two records) counts once. The input is not modified;
// without placeholders it is returned as it is.
func settle(orders []omnigate.Order) (sales, loose []omnigate.Order) {
	n := 0
	for i := range orders {
		if orders[i].Placeholder {
			n++
		}
	}
	if n == 0 {
		return orders, nil
	}
	sales = make([]omnigate.Order, 0, len(orders)-n)
	at := make(map[string]int, len(orders)-n)
	for _, o := range orders {
		if !o.Placeholder {
			at[saleKey(o.System, o.ID)] = len(sales)
			sales = append(sales, o)
		}
	}
	owned := map[int]bool{} // sales whose Returns are a copy of their own
	seen := map[string]bool{}
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
			s := &sales[i]
			if slices.ContainsFunc(s.Returns, func(x omnigate.Return) bool { return x.ID == r.ID }) {
				continue
			}
			if !owned[i] {
				s.Returns = slices.Clone(s.Returns)
				owned[i] = true
			}
			s.Returns = append(s.Returns, r)
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

func saleKey(s omnigate.System, id string) string { return string(s) + "\x00" + id }
