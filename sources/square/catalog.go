package square

import (
	"context"
	"log/slog"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
)

// SyncCatalog reads every item variation of the catalog (with its item, for
// the name) into the cache that turns an order line's variation id into a
// SKU, and returns how many it read. Kept warm this way, reading a
// customer's sales never waits for a catalog lookup after the sales
// search: without it, a sale of a variation not seen for CatalogTTL costs
// a second round of calls.
func (c *Client) SyncCatalog(ctx context.Context) (int, error) {
	got := map[string]variationInfo{}
	now := time.Now()
	req := apis.SearchCatalogObjectsRequest{
		ObjectTypes:           []string{apis.ObjectItemVariation},
		IncludeRelatedObjects: true,
		Limit:                 c.pageSize(maxCatalogPage),
	}
	err := c.walk("catalog sync", func(cursor string) (string, error) {
		req.Cursor = cursor
		var resp apis.SearchCatalogObjectsResponse
		if err := c.post(ctx, "/v2/catalog/search", req, &resp); err != nil {
			return "", err
		}
		items := map[string]string{}
		for _, o := range resp.RelatedObjects {
			if o.ItemData != nil {
				items[o.ID] = o.ItemData.Name
			}
		}
		for _, o := range resp.Objects {
			if v := o.ItemVariationData; v != nil && !o.IsDeleted {
				got[o.ID] = variationInfo{SKU: v.SKU, ItemName: items[v.ItemID], at: now}
			}
		}
		return resp.Cursor, nil
	})
	if err != nil {
		return 0, err
	}
	c.rememberVariations(got)
	return len(got), nil
}

// KeepCatalog runs SyncCatalog now and then every interval until ctx ends.
// A failed sync is logged; lookups as orders need them still work, and the
// next sync tries again.
func (c *Client) KeepCatalog(ctx context.Context, interval time.Duration, log *slog.Logger) {
	for {
		start := time.Now()
		n, err := c.SyncCatalog(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("square catalog sync failed; SKUs are looked up as sales need them", "err", err)
		default:
			log.Debug("square catalog synced", "variations", n, "took", time.Since(start).Round(time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
