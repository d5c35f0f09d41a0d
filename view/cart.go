package view

import (
	"slices"
	"strings"
	"time"

	"github.com/omnigate/omnigate"
)

// CartLine is one SKU in one currency across every open cart of a customer.
type CartLine struct {
	SKU       string
	Name      string
	Quantity  int64
	UnitPrice omnigate.Money // the most recently updated cart's unit price
	Total     omnigate.Money // the sum of the origins' totals
	Origins   []CartOrigin   // newest cart first
}

// CartOrigin is where a cart line's items sit: a webshop cart or a sale
// parked at a till.
type CartOrigin struct {
	System    omnigate.System
	Channel   omnigate.Channel
	CartID    string
	StoreID   string
	StoreName string
	Quantity  int64
	UnitPrice omnigate.Money
	// Total is what these items cost in this cart: the cart line's total
	// (which may carry a discount) or quantity × unit price when the system
	// gave none in the unit price's currency.
	Total omnigate.Money
}

// Cart is the customer's one basket, made of all open carts.
type Cart struct {
	Lines     []CartLine
	Totals    []omnigate.Money // one per currency, sorted by currency
	ItemCount int64
	Carts     []omnigate.Cart // the carts that contributed, newest first
	UpdatedAt time.Time       // the most recent activity of any contributing cart
}

// UnifiedCart merges the webshop's active carts and the parked in-store
// sales into one basket. See the package comment for the rules.
func UnifiedCart(carts []omnigate.Cart) Cart {
	kept := make([]omnigate.Cart, 0, len(carts))
	for _, c := range carts {
		if hasItems(c.Lines) {
			kept = append(kept, c)
		}
	}
	slices.SortStableFunc(kept, compareCarts)
	// A cart read twice (Square finds a parked sale by its own customer and
	// by the customer its payment names, who may be two records of one
	// customer read in two calls) counts once: its most recent copy.
	seen := make(map[key]bool, len(kept))
	kept = slices.DeleteFunc(kept, func(c omnigate.Cart) bool {
		k := key{c.System, c.ID}
		if seen[k] {
			return true
		}
		seen[k] = true
		return false
	})

	type lineKey struct {
		sku, currency string
		// only for lines without a SKU: they merge with nothing outside
		// their own cart
		cart omnigate.System
		id   string
		name string
	}
	index := make(map[lineKey]int)
	var lines []CartLine
	var active []time.Time // per line: its newest cart's activity
	out := Cart{Carts: kept}
	sums := make(map[string]int64)
	for _, c := range kept {
		at := lastActivity(c.UpdatedAt, c.CreatedAt)
		if at.After(out.UpdatedAt) {
			out.UpdatedAt = at
		}
		channel := c.Channel
		if channel == "" {
			channel = systemChannel(c.System)
		}
		for _, li := range c.Lines {
			if li.Quantity <= 0 {
				continue
			}
			k := lineKey{sku: li.SKU, currency: li.UnitPrice.Currency}
			if li.SKU == "" {
				k.cart, k.id, k.name = c.System, c.ID, li.Name
			}
			total := originTotal(li)
			i, ok := index[k]
			if !ok {
				// Carts come newest first, so the first cart to show a
				// line sets its unit price and its activity.
				i = len(lines)
				index[k] = i
				lines = append(lines, CartLine{
					SKU:       li.SKU,
					UnitPrice: li.UnitPrice,
					Total:     omnigate.Money{Currency: li.UnitPrice.Currency},
				})
				active = append(active, at)
			}
			l := &lines[i]
			if l.Name == "" {
				l.Name = li.Name
			}
			l.Quantity += li.Quantity
			l.Total.Cents += total.Cents
			out.ItemCount += li.Quantity
			sums[li.UnitPrice.Currency] += total.Cents
			// The same SKU twice in one cart at one price is one origin.
			merged := false
			for j := range l.Origins {
				o := &l.Origins[j]
				if o.System == c.System && o.CartID == c.ID && o.UnitPrice == li.UnitPrice {
					o.Quantity += li.Quantity
					o.Total.Cents += total.Cents
					merged = true
					break
				}
			}
			if !merged {
				l.Origins = append(l.Origins, CartOrigin{
					System:    c.System,
					Channel:   channel,
					CartID:    c.ID,
					StoreID:   c.StoreID,
					StoreName: c.StoreName,
					Quantity:  li.Quantity,
					UnitPrice: li.UnitPrice,
					Total:     total,
				})
			}
		}
	}

	order := make([]int, len(lines))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := active[b].Compare(active[a]); c != 0 {
			return c
		}
		if c := strings.Compare(lines[a].SKU, lines[b].SKU); c != 0 {
			return c
		}
		return strings.Compare(lines[a].UnitPrice.Currency, lines[b].UnitPrice.Currency)
	})
	out.Lines = make([]CartLine, len(lines))
	for i, j := range order {
		out.Lines[i] = lines[j]
	}
	out.Totals = sumByCurrency(sums)
	return out
}

// compareCarts orders carts by most recent activity, then system and id.
func compareCarts(a, b omnigate.Cart) int {
	if c := lastActivity(b.UpdatedAt, b.CreatedAt).Compare(lastActivity(a.UpdatedAt, a.CreatedAt)); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.System), string(b.System)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// hasItems reports whether any line holds at least one item.
func hasItems(lines []omnigate.LineItem) bool {
	for _, l := range lines {
		if l.Quantity > 0 {
			return true
		}
	}
	return false
}

// originTotal is what a cart line costs: its own total when the system gave
// one in the unit price's currency, else quantity × unit price.
func originTotal(li omnigate.LineItem) omnigate.Money {
	if li.Total.Currency != "" && li.Total.Currency == li.UnitPrice.Currency {
		return li.Total
	}
	return omnigate.Money{Cents: li.Quantity * li.UnitPrice.Cents, Currency: li.UnitPrice.Currency}
}
