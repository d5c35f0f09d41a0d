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
// location, newest first, keyed by customer id, each with its returns.
// Customers with neither sales nor returns are absent. One search covers up
// to 10 customers at up to 10 locations.
//
// Returns. Square records a return as an order of its own, COMPLETED, whose
// returns name the sale (source_order_id) each returned line came from.
// The search for a customer's sales finds those return orders too; they
// are never listed as orders. Each of their returns is attached to its sale
// when that sale is among the same customer's sales, as Return with the
// returned lines and the money given back (see toReturn). Otherwise (the
// sale was made to another customer record, to a walk-in, as a gift, or
// the return names no sale) the return is kept on a placeholder entry
// (omnigate.Order.Placeholder) named after the sale, last in the list, so
// that its refund is neither lost nor counted twice: the view attaches it
// to the sale when another record of the same customer holds it, and
// otherwise counts it as a refund without a sale. A sale cannot go missing
// behind a page cap: a search that does not end within MaxPages fails the
// call rather than cut it.
//
// Exchanges. A return order that also has line items is an exchange: the
// goods taken back are a return of their sale as above, and the lines it
// sells are an order of their own (the exchange's id, its lines, and
// total_money, what those lines cost), so that what the customer took home
// is listed and counted, and the credit for the goods brought back is the
// return's refund.
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
	var returns []apis.Order
	for _, o := range found {
		switch o.State {
		case apis.OrderCompleted:
			if len(o.Returns) > 0 {
				returns = append(returns, o)
				if len(o.LineItems) == 0 {
					continue // a return, not a sale
				}
				// An exchange: what it sells is a sale of its own.
			}
			orders[o.CustomerID] = append(orders[o.CustomerID], toOrder(o, locs[o.LocationID], skus))
		case apis.OrderOpen:
			if len(o.Returns) > 0 {
				continue // a return under way is no parked sale
			}
			carts[o.CustomerID] = append(carts[o.CustomerID], toCart(o, locs[o.LocationID], skus))
		}
	}
	attachReturns(orders, returns, locs, skus)
	return orders, carts, nil
}

// attachReturns attaches the returns of return orders (newest first, as
// found) to their sales among the same customer's orders, oldest return
// first, and keeps those whose sale is not there on placeholders, one per
// sale, after the customer's orders.
func attachReturns(orders map[string][]omnigate.Order, returns []apis.Order, locs map[string]Location, skus map[string]variationInfo) {
	index := map[string]map[string]int{} // customer → sale or placeholder id → position
	for k := len(returns) - 1; k >= 0; k-- {
		o := returns[k]
		cid := o.CustomerID
		at := index[cid]
		if at == nil {
			at = map[string]int{}
			for i, s := range orders[cid] {
				at[s.ID] = i
			}
			index[cid] = at
		}
		for i, ret := range o.Returns {
			r := toReturn(o, i, locs[o.LocationID], skus)
			pos, ok := at[ret.SourceOrderID]
			if !ok || ret.SourceOrderID == "" {
				// Returns that name no sale share one placeholder, with no
				// id: they match no sale.
				key := ret.SourceOrderID
				if key == "" {
					key = "\x00unlinked"
				}
				if pos, ok = at[key]; !ok {
					orders[cid] = append(orders[cid], omnigate.Order{System: omnigate.Square, ID: ret.SourceOrderID, CustomerID: cid,
						Channel: omnigate.ChannelStore, Placeholder: true})
					pos = len(orders[cid]) - 1
					at[key] = pos
				}
			}
			orders[cid][pos].Returns = append(orders[cid][pos].Returns, r)
		}
	}
}

// toReturn converts the i-th return of a return order.
//
// What was refunded: the return's return_amounts.total_money, what Square
// gives back for it (tax included); when the return carries none, the
// order's return_amounts if it is the order's only return, else the sum of
// its lines' total_money. A line's refund is its total_money (else its
// gross_return_money, else base price × quantity). For an exchange, that
// money is a credit set against the lines it sells rather than paid out;
// it counts as refunded all the same, as those lines are an order of their
// own. Square's refunds (payment refunds) are per order, not per sale, and
// carry only the difference of an exchange, so they give no amounts; but a
// return (not an exchange) whose every refund was REJECTED or FAILED gave
// nothing back: its lines are listed, refunded zero. An exchange whose every
// refund failed gave only the credit for its new lines: what those refunds
// were to pay back is taken off its refund.
func toReturn(o apis.Order, i int, loc Location, skus map[string]variationInfo) omnigate.Return {
	ret := o.Returns[i]
	r := omnigate.Return{ID: o.ID, OrderID: ret.SourceOrderID, StoreID: o.LocationID, StoreName: loc.Name, At: parseTime(o.CreatedAt)}
	if len(o.Returns) > 1 {
		key := ret.SourceOrderID
		if key == "" {
			key = strconv.Itoa(i)
		}
		r.ID = o.ID + "/" + key
	}
	currency := loc.Currency
	for _, m := range []*apis.Money{amountOf(ret.ReturnAmounts), amountOf(o.ReturnAmounts), o.TotalMoney} {
		if m != nil && m.Currency != "" {
			currency = m.Currency
			break
		}
	}
	refused := refundsRefused(o)
	var sum int64
	for _, li := range ret.ReturnLineItems {
		v := skus[li.CatalogObjectID]
		name := li.Name
		if name == "" {
			name = v.ItemName
		}
		q := quantity(li.Quantity)
		refund := omnigate.Money{Currency: currency}
		switch {
		case li.TotalMoney != nil:
			refund = money(li.TotalMoney)
		case li.GrossReturnMoney != nil:
			refund = money(li.GrossReturnMoney)
		case li.BasePriceMoney != nil:
			refund = omnigate.Money{Cents: li.BasePriceMoney.Amount * q, Currency: li.BasePriceMoney.Currency}
		}
		if refund.Currency == "" {
			refund.Currency = currency
		}
		if refund.Currency == currency {
			sum += refund.Cents
		}
		if refused {
			refund.Cents = 0
		}
		r.Lines = append(r.Lines, omnigate.ReturnLine{SKU: v.SKU, Name: name, Quantity: q, Refund: refund})
	}
	switch {
	case refused:
		r.Refunded = omnigate.Money{Currency: currency}
	case amountOf(ret.ReturnAmounts) != nil:
		r.Refunded = money(amountOf(ret.ReturnAmounts))
	case len(o.Returns) == 1 && amountOf(o.ReturnAmounts) != nil:
		r.Refunded = money(amountOf(o.ReturnAmounts))
	default:
		r.Refunded = omnigate.Money{Cents: sum, Currency: currency}
	}
	if r.Refunded.Currency == "" {
		r.Refunded.Currency = currency
	}
	// An exchange whose cash-back refunds all failed paid nothing back:
	// only the credit set against its new lines was given. What failed is
	// taken off its returns in turn.
	if unpaid := exchangeRefundsRefused(o, r.Refunded.Currency); unpaid > 0 {
		for j := 0; j < i && unpaid > 0; j++ {
			if m := amountOf(o.Returns[j].ReturnAmounts); m != nil && m.Currency == r.Refunded.Currency {
				unpaid -= min(unpaid, max(m.Amount, 0))
			}
		}
		r.Refunded.Cents -= min(unpaid, max(r.Refunded.Cents, 0))
	}
	return r
}

// exchangeRefundsRefused is, for an exchange whose payment refunds all
// failed or were rejected, what those refunds were to pay back in currency;
// 0 otherwise.
func exchangeRefundsRefused(o apis.Order, currency string) int64 {
	if len(o.LineItems) == 0 || !allRefused(o.Refunds) {
		return 0
	}
	var sum int64
	for _, rf := range o.Refunds {
		if rf.AmountMoney != nil && rf.AmountMoney.Currency == currency {
			sum += rf.AmountMoney.Amount
		}
	}
	return sum
}

// amountOf is a roll-up's total, nil when there is none.
func amountOf(a *apis.OrderMoneyAmounts) *apis.Money {
	if a == nil {
		return nil
	}
	return a.TotalMoney
}

// refundsRefused reports a return (not an exchange) whose payment refunds
// all failed or were rejected: it gave nothing back.
func refundsRefused(o apis.Order) bool {
	return len(o.LineItems) == 0 && allRefused(o.Refunds)
}

// allRefused reports refunds that are there and all failed or were
// rejected.
func allRefused(refunds []apis.Refund) bool {
	for _, rf := range refunds {
		if rf.Status != apis.RefundRejected && rf.Status != apis.RefundFailed {
			return false
		}
	}
	return len(refunds) > 0
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
		for _, ret := range o.Returns {
			for _, li := range ret.ReturnLineItems {
				varIDs = append(varIDs, li.CatalogObjectID)
			}
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
