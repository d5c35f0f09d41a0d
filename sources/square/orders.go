package square

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/omnigate/omnigate"
	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/sources/upstream"
)

// Square's limits for orders and the catalog.
const (
	maxOrderCustomers = 10
	maxOrderLocations = 10
	maxOrdersPage     = 1000
	maxCatalogIDs     = 250
	maxSetValues      = 250
	maxCatalogPage    = 1000
	maxSaleLines      = 100
	maxLineQuantity   = 9999
)

// OrdersByCustomer returns the completed sales of many customers at every
// location, newest first, keyed by customer id. Customers without sales are
// absent. One search covers up to 10 customers at up to 10 locations.
func (c *Client) OrdersByCustomer(ctx context.Context, customerIDs []string) (map[string][]omnigate.Order, error) {
	orders, _, err := c.sales(ctx, customerIDs, apis.OrderCompleted)
	return orders, err
}

// CartsByCustomer returns the parked sales (OPEN orders) of many customers
// at every location, newest first.
func (c *Client) CartsByCustomer(ctx context.Context, customerIDs []string) (map[string][]omnigate.Cart, error) {
	_, carts, err := c.sales(ctx, customerIDs, apis.OrderOpen)
	return carts, err
}

// OrdersAndCarts returns both, from one search for both states: what
// OrdersByCustomer and CartsByCustomer give, for half the calls when a
// request wants both.
func (c *Client) OrdersAndCarts(ctx context.Context, customerIDs []string) (map[string][]omnigate.Order, map[string][]omnigate.Cart, error) {
	return c.sales(ctx, customerIDs, apis.OrderCompleted, apis.OrderOpen)
}

// sales searches the orders of customers in the given states: completed
// ones are sales, open ones parked sales (carts).
func (c *Client) sales(ctx context.Context, customerIDs []string, states ...string) (map[string][]omnigate.Order, map[string][]omnigate.Cart, error) {
	found, locs, skus, err := c.ordersOf(ctx, customerIDs, states)
	if err != nil {
		return nil, nil, err
	}
	orders, carts := map[string][]omnigate.Order{}, map[string][]omnigate.Cart{}
	for _, o := range found {
		switch o.State {
		case apis.OrderCompleted:
			orders[o.CustomerID] = append(orders[o.CustomerID], toOrder(o, locs[o.LocationID], skus))
		case apis.OrderOpen:
			carts[o.CustomerID] = append(carts[o.CustomerID], toCart(o, locs[o.LocationID], skus))
		}
	}
	return orders, carts, nil
}

// ordersOf searches the orders in the given states of many customers, in
// batches of 10 customers × 10 locations, and resolves their lines' SKUs.
// Orders come back newest first.
func (c *Client) ordersOf(ctx context.Context, customerIDs []string, states []string) ([]apis.Order, map[string]Location, map[string]variationInfo, error) {
	customerIDs = uniq(customerIDs)
	if len(customerIDs) == 0 {
		return nil, nil, nil, nil
	}
	locs, byID, err := c.locations(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	var mu sync.Mutex
	seen := map[string]bool{}
	var orders []apis.Order
	// One search per 10 customers × 10 locations.
	type batch struct{ cids, lids []string }
	var batches []batch
	for _, cids := range chunks(customerIDs, maxOrderCustomers) {
		for _, lids := range chunks(locationIDs(locs), maxOrderLocations) {
			batches = append(batches, batch{cids, lids})
		}
	}
	err = upstream.Each(ctx, c.cfg.Concurrency, len(batches), func(ctx context.Context, i int) error {
		req := apis.SearchOrdersRequest{
			LocationIDs: batches[i].lids,
			Limit:       c.pageSize(maxOrdersPage),
			Query: &apis.SearchOrdersQuery{
				Filter: &apis.SearchOrdersFilter{
					StateFilter:    &apis.SearchOrdersStateFilter{States: states},
					CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: batches[i].cids},
				},
				Sort: &apis.SearchOrdersSort{SortField: apis.SortCreatedAt, SortOrder: apis.SortDesc},
			},
		}
		return c.walk("order search", func(cursor string) (string, error) {
			req.Cursor = cursor
			var resp apis.SearchOrdersResponse
			if err := c.post(ctx, "/v2/orders/search", req, &resp); err != nil {
				return "", err
			}
			mu.Lock()
			for _, o := range resp.Orders {
				o.CustomerID = customerOf(o, batches[i].cids)
				if o.CustomerID != "" && !seen[o.ID] {
					seen[o.ID] = true
					orders = append(orders, o)
				}
			}
			mu.Unlock()
			return resp.Cursor, nil
		})
	})
	if err != nil {
		return nil, nil, nil, err
	}
	// Batches over several location groups each come newest first; merge.
	sort.SliceStable(orders, func(i, j int) bool {
		a, b := parseTime(orders[i].CreatedAt), parseTime(orders[j].CreatedAt)
		if !a.Equal(b) {
			return a.After(b)
		}
		return orders[i].ID < orders[j].ID
	})
	var varIDs []string
	for _, o := range orders {
		for _, li := range o.LineItems {
			varIDs = append(varIDs, li.CatalogObjectID)
		}
	}
	skus, err := c.variationsByID(ctx, varIDs)
	if err != nil {
		return nil, nil, nil, err
	}
	return orders, byID, skus, nil
}

// customerOf is the customer among asked whose sale o is: the order's own
// customer_id, else the customer its payment names. Square links a
// customer "on the order (or the payment)", and its customer filter finds
// an order by "the order customer_id and any tender customer_id": a sale
// whose customer was named on the payment only has no customer_id of its
// own. Otherwise it is the order's customer_id, as it was.
func customerOf(o apis.Order, asked []string) string {
	if o.CustomerID != "" && slices.Contains(asked, o.CustomerID) {
		return o.CustomerID
	}
	for _, t := range o.Tenders {
		if t.CustomerID != "" && slices.Contains(asked, t.CustomerID) {
			return t.CustomerID
		}
	}
	return o.CustomerID
}

// firstSaleLocations returns, for each customer that has sales, the location
// of the first one: the store where the profile was most likely typed in.
// A first sale is remembered: it does not change, and looking it up is a
// second round of calls after the profile's.
func (c *Client) firstSaleLocations(ctx context.Context, customerIDs, locationIDs []string) (map[string]string, error) {
	var mu sync.Mutex
	first := map[string]string{}
	firstAt := map[string]time.Time{}
	// A location group whose page was cut may hold, for a customer not on
	// that page, sales after the page's last one: a first sale found
	// elsewhere is certain only if it is no later than that.
	type unsure struct {
		id   string
		last time.Time
	}
	var cut []unsure
	var missing []string
	for _, id := range customerIDs {
		if loc, ok := c.firstSale.Get(id); ok {
			first[id] = loc
		} else {
			missing = append(missing, id)
		}
	}
	g, gctx := c.group(ctx)
	for _, cids := range chunks(missing, maxOrderCustomers) {
		for _, lids := range chunks(locationIDs, maxOrderLocations) {
			g.Go(func() error {
				// Oldest first: one page holds every customer's first sale
				// unless one of them has a thousand older ones, and then
				// those missing from it keep no country (unless a sale in
				// another group came before the page's last) rather than
				// cost more calls.
				req := apis.SearchOrdersRequest{
					LocationIDs: lids,
					Limit:       c.pageSize(maxOrdersPage),
					Query: &apis.SearchOrdersQuery{
						Filter: &apis.SearchOrdersFilter{CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: cids}},
						Sort:   &apis.SearchOrdersSort{SortField: apis.SortCreatedAt, SortOrder: apis.SortAsc},
					},
				}
				var resp apis.SearchOrdersResponse
				if err := c.post(gctx, "/v2/orders/search", req, &resp); err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				var last time.Time
				on := map[string]bool{}
				for _, o := range resp.Orders {
					at := parseTime(o.CreatedAt)
					if at.After(last) {
						last = at
					}
					cid := customerOf(o, cids)
					on[cid] = true
					if prev, ok := firstAt[cid]; cid != "" && (!ok || at.Before(prev)) {
						first[cid], firstAt[cid] = o.LocationID, at
					}
				}
				if resp.Cursor != "" {
					for _, id := range cids {
						if !on[id] {
							cut = append(cut, unsure{id: id, last: last})
						}
					}
				}
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	// A customer missing from a cut page may have an earlier sale beyond
	// it: such a first sale is not known, and not remembered.
	for _, u := range cut {
		if at, ok := firstAt[u.id]; ok && at.After(u.last) {
			delete(first, u.id)
		}
	}
	for _, id := range missing {
		if loc, ok := first[id]; ok {
			c.firstSale.Add(id, loc)
		}
	}
	return first, nil
}

// variationInfo is what an order line needs from the catalog.
type variationInfo struct {
	SKU      string
	ItemName string
	at       time.Time
}

// variationsByID resolves catalog variation ids to SKUs, from the cache or
// in batches of catalog reads. Deleted variations are read too: sales of a
// product since taken out of the catalog still name its SKU. Ids the
// catalog does not know are cached as such, so that they do not cost a
// call per order.
func (c *Client) variationsByID(ctx context.Context, ids []string) (map[string]variationInfo, error) {
	ids = uniq(ids)
	out := make(map[string]variationInfo, len(ids))
	var missing []string
	now := time.Now()
	c.catMu.Lock()
	for _, id := range ids {
		if v, ok := c.variations[id]; ok && now.Sub(v.at) < c.cfg.CatalogTTL {
			out[id] = v
		} else {
			missing = append(missing, id)
		}
	}
	c.catMu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	var mu sync.Mutex
	got := map[string]variationInfo{}
	g, gctx := c.group(ctx)
	for _, batch := range chunks(missing, maxCatalogIDs) {
		g.Go(func() error {
			var resp apis.BatchRetrieveCatalogObjectsResponse
			if err := c.post(gctx, "/v2/catalog/batch-retrieve", apis.BatchRetrieveCatalogObjectsRequest{ObjectIDs: batch, IncludeRelatedObjects: true, IncludeDeletedObjects: true}, &resp); err != nil {
				return err
			}
			items := map[string]string{}
			for _, o := range resp.RelatedObjects {
				if o.ItemData != nil {
					items[o.ID] = o.ItemData.Name
				}
			}
			mu.Lock()
			defer mu.Unlock()
			for _, o := range resp.Objects {
				if v := o.ItemVariationData; v != nil {
					got[o.ID] = variationInfo{SKU: v.SKU, ItemName: items[v.ItemID], at: now}
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	looked := make(map[string]variationInfo, len(missing))
	for _, id := range missing {
		v := got[id] // a variation the catalog does not have is kept as such
		v.at = now
		looked[id] = v
		out[id] = v
	}
	c.rememberVariations(looked)
	return out, nil
}

// maxVariations bounds the variations remembered: a bound, not an
// eviction policy, as catalogs are far smaller.
const maxVariations = 100_000

// rememberVariations keeps variations' SKUs and names for order lines,
// starting over when the bound would be passed.
func (c *Client) rememberVariations(vs map[string]variationInfo) {
	c.catMu.Lock()
	defer c.catMu.Unlock()
	if len(c.variations)+len(vs) > maxVariations {
		c.variations = map[string]variationInfo{}
	}
	for id, v := range vs {
		c.variations[id] = v
	}
}

// quantity reads Square's decimal quantity as whole units, rounded.
func quantity(s string) int64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
		return 0
	}
	return int64(math.Round(f))
}

func lines(o apis.Order, skus map[string]variationInfo) []omnigate.LineItem {
	out := make([]omnigate.LineItem, 0, len(o.LineItems))
	for _, li := range o.LineItems {
		name := li.Name
		if name == "" {
			name = skus[li.CatalogObjectID].ItemName
		}
		out = append(out, omnigate.LineItem{
			SKU:       skus[li.CatalogObjectID].SKU,
			Name:      name,
			Quantity:  quantity(li.Quantity),
			UnitPrice: money(li.BasePriceMoney),
			Total:     money(li.TotalMoney),
		})
	}
	return out
}

func toOrder(o apis.Order, loc Location, skus map[string]variationInfo) omnigate.Order {
	return omnigate.Order{
		System:     omnigate.Square,
		ID:         o.ID,
		Number:     o.ReferenceID,
		CustomerID: o.CustomerID,
		Channel:    omnigate.ChannelStore,
		StoreID:    o.LocationID,
		StoreName:  loc.Name,
		State:      o.State,
		Lines:      lines(o, skus),
		Total:      money(o.TotalMoney),
		CreatedAt:  parseTime(o.CreatedAt),
		UpdatedAt:  parseTime(o.UpdatedAt),
	}
}

func toCart(o apis.Order, loc Location, skus map[string]variationInfo) omnigate.Cart {
	return omnigate.Cart{
		System:     omnigate.Square,
		ID:         o.ID,
		CustomerID: o.CustomerID,
		Channel:    omnigate.ChannelStore,
		StoreID:    o.LocationID,
		StoreName:  loc.Name,
		Lines:      lines(o, skus),
		Total:      money(o.TotalMoney),
		CreatedAt:  parseTime(o.CreatedAt),
		UpdatedAt:  parseTime(o.UpdatedAt),
	}
}

// SaleLine is one line of a sale to park: a SKU and a whole quantity.
type SaleLine struct {
	SKU      string
	Quantity int64
}

// CreateParkedSale parks a sale at a location's till: an OPEN order for the
// customer (may be empty for a walk-in), priced by Square from its catalog
// at that location. Staff complete it at the till. The call carries an
// idempotency key, so a retry after a lost answer does not park it twice.
func (c *Client) CreateParkedSale(ctx context.Context, locationID, customerID string, saleLines []SaleLine) (omnigate.Cart, error) {
	if locationID == "" {
		return omnigate.Cart{}, omnigate.Errorf(omnigate.EINVALID, "square: a parked sale needs a location id")
	}
	if len(saleLines) == 0 || len(saleLines) > maxSaleLines {
		return omnigate.Cart{}, omnigate.Errorf(omnigate.EINVALID, "square: a parked sale needs 1 to %d lines, got %d", maxSaleLines, len(saleLines))
	}
	var skus []string
	for i, l := range saleLines {
		if strings.TrimSpace(l.SKU) == "" {
			return omnigate.Cart{}, omnigate.Errorf(omnigate.EINVALID, "square: line %d has no SKU", i+1)
		}
		if l.Quantity < 1 || l.Quantity > maxLineQuantity {
			return omnigate.Cart{}, omnigate.Errorf(omnigate.EINVALID, "square: line %d (%s): quantity must be 1 to %d, got %d", i+1, clip(l.SKU, 40), maxLineQuantity, l.Quantity)
		}
		skus = append(skus, l.SKU)
	}
	_, byID, err := c.locations(ctx)
	if err != nil {
		return omnigate.Cart{}, err
	}
	loc, ok := byID[locationID]
	if !ok {
		return omnigate.Cart{}, omnigate.Errorf(omnigate.EINVALID, "square: %q is not one of the seller's locations", clip(locationID, 40))
	}
	variations, err := c.variationsBySKU(ctx, skus)
	if err != nil {
		return omnigate.Cart{}, err
	}
	order := &apis.Order{LocationID: locationID, CustomerID: customerID, State: apis.OrderOpen, Source: &apis.OrderSource{Name: "omnigate"}}
	info := map[string]variationInfo{}
	for i, l := range saleLines {
		vs := variations[strings.ToLower(l.SKU)]
		if len(vs) == 0 {
			return omnigate.Cart{}, omnigate.Errorf(omnigate.EINVALID, "square: line %d: SKU %q is not in the store catalog", i+1, clip(l.SKU, 40))
		}
		order.LineItems = append(order.LineItems, apis.OrderLineItem{Quantity: strconv.FormatInt(l.Quantity, 10), CatalogObjectID: vs[0].id})
		info[vs[0].id] = vs[0].variationInfo
	}
	key := make([]byte, 16)
	if _, err := rand.Read(key); err != nil {
		return omnigate.Cart{}, omnigate.SourceError(omnigate.Square, omnigate.EINTERNAL, "making an idempotency key", err)
	}
	var resp apis.CreateOrderResponse
	req := upstream.Request{Method: "POST", Path: "/v2/orders", Body: apis.CreateOrderRequest{Order: order, IdempotencyKey: hex.EncodeToString(key)}, Idempotent: true}
	if err := c.up.Do(ctx, req, &resp); err != nil {
		return omnigate.Cart{}, err
	}
	if resp.Order == nil {
		return omnigate.Cart{}, omnigate.SourceError(omnigate.Square, omnigate.EBADRESPONSE, "the created order was not in the answer", nil)
	}
	return toCart(*resp.Order, loc, info), nil
}
