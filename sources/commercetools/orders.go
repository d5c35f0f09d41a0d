package commercetools

import (
	"context"
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
// customer id, newest first. StoreID is the commercetools store key the
// order was placed in, StoreName that store's name.
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
						CreatedAt: o.CreatedAt, UpdatedAt: o.LastModifiedAt,
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
