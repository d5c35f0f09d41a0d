package commercetools

import (
	"context"
	"math/big"
	"sort"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
)

// byCustomer runs a query per chunk of customer ids, newest first. A chunk
// with more results than offset paging reaches is halved and asked again;
// a single customer with that many keeps the newest.
func byCustomer[T any](ctx context.Context, c *Client, resource string, ids []string, where func(chunk []string) string,
	sortBy []string, add func([]T)) error {
	var run func(ctx context.Context, chunk []string) error
	run = func(ctx context.Context, chunk []string) error {
		var got []T
		truncated, err := queryAll(ctx, c, resource, where(chunk), sortBy, func(r T) { got = append(got, r) })
		if err != nil {
			return err
		}
		if truncated && len(chunk) > 1 {
			half := len(chunk) / 2
			if err := run(ctx, chunk[:half]); err != nil {
				return err
			}
			return run(ctx, chunk[half:])
		}
		add(got)
		return nil
	}
	return c.forChunks(ctx, ids, run)
}

// OrdersByCustomer returns the webshop orders of many customers, keyed by
// customer id, newest first, each with its returns (see returns). StoreID
// is the commercetools store key the order was placed in, StoreName that
// store's name.
func (c *Client) OrdersByCustomer(ctx context.Context, customerIDs []string) (map[string][]omnigate.Order, error) {
	res := &collector[string, []omnigate.Order]{m: map[string][]omnigate.Order{}}
	var stores map[string]string
	err := byCustomer(ctx, c, "orders", customerIDs,
		func(chunk []string) string { return "customerId in " + ct.QuoteList(chunk) },
		[]string{"createdAt desc", "id asc"},
		func(orders []leanOrder) {
			res.update(func(m map[string][]omnigate.Order) {
				for _, o := range orders {
					m[o.CustomerID] = append(m[o.CustomerID], omnigate.Order{
						System: omnigate.Commercetools, ID: o.ID, Number: o.OrderNumber, CustomerID: o.CustomerID,
						Channel: omnigate.ChannelWebshop, StoreID: o.Store.Key, State: o.OrderState,
						Lines: lineItems(o.LineItems, c.cfg.Locale), Total: o.TotalPrice.money(),
						CreatedAt: o.CreatedAt, UpdatedAt: o.LastModifiedAt, Returns: returns(o, c.cfg.Locale),
					})
				}
			})
		})
	if err != nil {
		return nil, err
	}
	for id, orders := range res.m {
		for i := range orders {
			if orders[i].StoreID != "" {
				if stores == nil {
					stores = c.stores.get(ctx)
				}
				orders[i].StoreName = stores[orders[i].StoreID]
			}
		}
		sort.SliceStable(orders, func(i, j int) bool { return orders[i].CreatedAt.After(orders[j].CreatedAt) })
		res.m[id] = orders
	}
	return res.m, nil
}

// CartsByCustomer returns the active carts of many customers (one query
// per 100 customers), keyed by customer id, the most recently changed
// first.
func (c *Client) CartsByCustomer(ctx context.Context, customerIDs []string) (map[string][]omnigate.Cart, error) {
	res := &collector[string, []omnigate.Cart]{m: map[string][]omnigate.Cart{}}
	err := byCustomer(ctx, c, "carts", customerIDs,
		func(chunk []string) string {
			return "customerId in " + ct.QuoteList(chunk) + " and cartState = " + ct.QuoteString(ct.CartActive)
		},
		[]string{"lastModifiedAt desc", "id asc"},
		func(carts []leanCart) {
			res.update(func(m map[string][]omnigate.Cart) {
				for _, k := range carts {
					m[k.CustomerID] = append(m[k.CustomerID], omnigate.Cart{
						System: omnigate.Commercetools, ID: k.ID, CustomerID: k.CustomerID, Channel: omnigate.ChannelWebshop,
						StoreID: k.Store.Key, Lines: lineItems(k.LineItems, c.cfg.Locale), Total: k.TotalPrice.money(),
						CreatedAt: k.CreatedAt, UpdatedAt: k.LastModifiedAt,
					})
				}
			})
		})
	if err != nil {
		return nil, err
	}
	var stores map[string]string
	for id, carts := range res.m {
		for i := range carts {
			if carts[i].StoreID != "" {
				if stores == nil {
					stores = c.stores.get(ctx)
				}
				carts[i].StoreName = stores[carts[i].StoreID]
			}
		}
		sort.SliceStable(carts, func(i, j int) bool { return carts[i].UpdatedAt.After(carts[j].UpdatedAt) })
		res.m[id] = carts
	}
	return res.m, nil
}

// returns converts an order's returnInfo: one Return per entry, oldest
// first, at its returnDate (else its first item's creation), named by its
// first item's id.
//
// The refund rule. An item is refunded when its paymentState is Refunded;
// Initial (refundable, not yet refunded), NotRefunded and NonRefundable
// items are listed with a refund of zero. A refunded item gives back its
// line's price per unit × the quantity returned, the price per unit being
// the line's totalPrice / quantity: commercetools defines totalPrice as
// the price (or, when a discount applies, the discounted price per
// quantity) times the quantity, so the per-unit price carries the line's
// discounts. Amounts are rounded so that the returns of a line never add
// up to more than its totalPrice, and to exactly that when every unit came
// back: the first k units returned of a line are worth totalPrice × k /
// quantity, rounded half away from zero. A line's units beyond its quantity
// give nothing back. Custom line items are priced the same way. Shipping is
// never refunded here.
func returns(o leanOrder, locale string) []omnigate.Return {
	if len(o.ReturnInfo) == 0 {
		return nil
	}
	type line struct {
		sku, name string
		quantity  int64
		total     leanMoney
		done      int64 // units returned so far
	}
	lines := make(map[string]*line, len(o.LineItems)+len(o.CustomLineItems))
	for _, l := range o.LineItems {
		lines[l.ID] = &line{sku: l.Variant.SKU, name: localized(ct.LocalizedString(l.Name), locale), quantity: l.Quantity, total: l.TotalPrice}
	}
	for _, l := range o.CustomLineItems {
		lines["custom\x00"+l.ID] = &line{name: localized(ct.LocalizedString(l.Name), locale), quantity: l.Quantity, total: l.TotalPrice}
	}
	currency := o.TotalPrice.CurrencyCode
	var out []omnigate.Return
	for _, info := range o.ReturnInfo {
		if len(info.Items) == 0 {
			continue
		}
		r := omnigate.Return{ID: info.Items[0].ID, OrderID: o.ID, Refunded: omnigate.Money{Currency: currency}}
		if info.ReturnDate != nil {
			r.At = *info.ReturnDate
		}
		for _, it := range info.Items {
			if info.ReturnDate == nil && (r.At.IsZero() || it.CreatedAt.Before(r.At)) {
				r.At = it.CreatedAt
			}
			l := lines[it.LineItemID]
			if it.CustomLineItemID != "" {
				l = lines["custom\x00"+it.CustomLineItemID]
			}
			rl := omnigate.ReturnLine{Quantity: it.Quantity, Refund: omnigate.Money{Currency: currency}}
			if l != nil {
				rl.SKU, rl.Name = l.sku, l.name
				worth := func(units int64) int64 { return divRound(l.total.CentAmount, min(units, l.quantity), l.quantity) }
				q := max(it.Quantity, 0)
				cents := worth(l.done+q) - worth(l.done)
				l.done += q
				if it.PaymentState == ct.ReturnRefunded && (l.total.CurrencyCode == currency || l.total.CurrencyCode == "") {
					rl.Refund.Cents = cents
				}
			}
			r.Refunded.Cents += rl.Refund.Cents
			r.Lines = append(r.Lines, rl)
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// divRound is a × b / c rounded half away from zero, in big integers so
// that no amount overflows; 0 when b or c is not positive.
func divRound(a, b, c int64) int64 {
	if c <= 0 || b <= 0 {
		return 0
	}
	p := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	q, r := new(big.Int).QuoRem(p, big.NewInt(c), new(big.Int))
	if 2*new(big.Int).Abs(r).Int64() >= c {
		if p.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q.Int64()
}
