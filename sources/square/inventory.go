package square

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/omnigate/omnigate"
	apis "github.com/omnigate/omnigate/apis/square"
)

// Square's limits for inventory and loyalty.
const (
	maxCountIDs     = 100
	maxCountsPage   = 1000
	maxLoyaltyIDs   = 30
	maxLoyaltyPage  = 200
	maxInventorySKU = 1000
)

// StockLevel is the stock of one SKU at one location.
type StockLevel struct {
	SKU          string
	VariationID  string
	LocationID   string
	LocationName string
	// Quantity is in stock (Square's IN_STOCK state); it may have a
	// fraction for goods sold by measure, and may be negative when more
	// was sold than counted.
	Quantity  float64
	UpdatedAt time.Time
}

type skuVariation struct {
	id string
	variationInfo
}

// variationsBySKU finds the catalog variations of SKUs, keyed by lowercased
// SKU as Square matches SKUs without regard to case.
func (c *Client) variationsBySKU(ctx context.Context, skus []string) (map[string][]skuVariation, error) {
	want := map[string]bool{}
	var values []string
	for _, s := range skus {
		k := strings.ToLower(strings.TrimSpace(s))
		if k != "" && !want[k] {
			want[k] = true
			values = append(values, strings.TrimSpace(s))
		}
	}
	var mu sync.Mutex
	out := map[string][]skuVariation{}
	now := time.Now()
	g, gctx := c.group(ctx)
	for _, batch := range chunks(values, maxSetValues) {
		g.Go(func() error {
			req := apis.SearchCatalogObjectsRequest{
				ObjectTypes:           []string{apis.ObjectItemVariation},
				IncludeRelatedObjects: true,
				Limit:                 c.pageSize(maxCatalogPage),
				Query:                 &apis.CatalogQuery{SetQuery: &apis.CatalogQuerySet{AttributeName: "sku", AttributeValues: batch}},
			}
			return c.walk("catalog search", func(cursor string) (string, error) {
				req.Cursor = cursor
				var resp apis.SearchCatalogObjectsResponse
				if err := c.post(gctx, "/v2/catalog/search", req, &resp); err != nil {
					return "", err
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
					v := o.ItemVariationData
					if v == nil || o.IsDeleted {
						continue
					}
					k := strings.ToLower(v.SKU)
					if !want[k] {
						continue // Square's matching is looser than an equal SKU
					}
					out[k] = append(out[k], skuVariation{id: o.ID, variationInfo: variationInfo{SKU: v.SKU, ItemName: items[v.ItemID], at: now}})
				}
				return resp.Cursor, nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	found := map[string]variationInfo{}
	for _, vs := range out {
		for _, v := range vs {
			found[v.id] = v.variationInfo
		}
	}
	c.rememberVariations(found)
	return out, nil
}

// InventoryBySKU returns the stock of each SKU at each location, keyed by
// the SKU as asked. A SKU the catalog has but no location stocks maps to an
// empty list; a SKU the catalog does not have is absent.
func (c *Client) InventoryBySKU(ctx context.Context, skus []string) (map[string][]StockLevel, error) {
	skus = uniq(skus)
	if len(skus) > maxInventorySKU {
		return nil, omnigate.Errorf(omnigate.EINVALID, "square: at most %d SKUs per stock lookup, got %d", maxInventorySKU, len(skus))
	}
	if len(skus) == 0 {
		return map[string][]StockLevel{}, nil
	}
	variations, err := c.variationsBySKU(ctx, skus)
	if err != nil {
		return nil, err
	}
	_, locs, err := c.locations(ctx)
	if err != nil {
		return nil, err
	}
	// Which asked SKUs each variation answers for (two spellings of one
	// SKU both get its stock).
	asked := map[string][]string{}
	out := map[string][]StockLevel{}
	var ids []string
	for _, s := range skus {
		for _, v := range variations[strings.ToLower(strings.TrimSpace(s))] {
			if len(asked[v.id]) == 0 {
				ids = append(ids, v.id)
			}
			asked[v.id] = append(asked[v.id], s)
			out[s] = []StockLevel{}
		}
	}
	var mu sync.Mutex
	g, gctx := c.group(ctx)
	for _, batch := range chunks(ids, maxCountIDs) {
		g.Go(func() error {
			req := apis.BatchRetrieveInventoryCountsRequest{CatalogObjectIDs: batch, States: []string{apis.StateInStock}, Limit: c.pageSize(maxCountsPage)}
			return c.walk("inventory counts", func(cursor string) (string, error) {
				req.Cursor = cursor
				var resp apis.BatchRetrieveInventoryCountsResponse
				if err := c.post(gctx, "/v2/inventory/counts/batch-retrieve", req, &resp); err != nil {
					return "", err
				}
				mu.Lock()
				defer mu.Unlock()
				for _, cnt := range resp.Counts {
					if cnt.State != apis.StateInStock {
						continue
					}
					q, err := strconv.ParseFloat(strings.TrimSpace(cnt.Quantity), 64)
					if err != nil {
						q = 0
					}
					for _, s := range asked[cnt.CatalogObjectID] {
						out[s] = append(out[s], StockLevel{
							SKU: s, VariationID: cnt.CatalogObjectID, LocationID: cnt.LocationID,
							LocationName: locs[cnt.LocationID].Name, Quantity: q, UpdatedAt: parseTime(cnt.CalculatedAt),
						})
					}
				}
				return resp.Cursor, nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// LoyaltyAccount is a customer's account in the seller's loyalty program.
type LoyaltyAccount struct {
	ID             string
	ProgramID      string
	CustomerID     string
	Phone          string // the phone number the account is mapped to, E.164
	Balance        int64  // points available
	LifetimePoints int64
	EnrolledAt     time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// LoyaltyByCustomer returns the loyalty accounts of many customers, 30 per
// call, keyed by customer id. Customers without an account are absent.
func (c *Client) LoyaltyByCustomer(ctx context.Context, customerIDs []string) (map[string]LoyaltyAccount, error) {
	customerIDs = uniq(customerIDs)
	var mu sync.Mutex
	out := map[string]LoyaltyAccount{}
	g, gctx := c.group(ctx)
	for _, batch := range chunks(customerIDs, maxLoyaltyIDs) {
		g.Go(func() error {
			req := apis.SearchLoyaltyAccountsRequest{Query: &apis.LoyaltyAccountQuery{CustomerIDs: batch}, Limit: c.pageSize(maxLoyaltyPage)}
			return c.walk("loyalty search", func(cursor string) (string, error) {
				req.Cursor = cursor
				var resp apis.SearchLoyaltyAccountsResponse
				if err := c.post(gctx, "/v2/loyalty/accounts/search", req, &resp); err != nil {
					return "", err
				}
				mu.Lock()
				defer mu.Unlock()
				for _, a := range resp.LoyaltyAccounts {
					if _, dup := out[a.CustomerID]; a.CustomerID == "" || dup {
						continue // accounts come oldest first; the first one stands
					}
					acc := LoyaltyAccount{
						ID: a.ID, ProgramID: a.ProgramID, CustomerID: a.CustomerID, Balance: a.Balance, LifetimePoints: a.LifetimePoints,
						EnrolledAt: parseTime(a.EnrolledAt), CreatedAt: parseTime(a.CreatedAt), UpdatedAt: parseTime(a.UpdatedAt),
					}
					if a.Mapping != nil {
						acc.Phone = a.Mapping.PhoneNumber
					}
					out[a.CustomerID] = acc
				}
				return resp.Cursor, nil
			})
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
