package commercetools

import (
	"context"
	"strings"
	"time"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
)

// Product is one variant of a published product, the unit a SKU names.
type Product struct {
	ID          string // the product's id
	Key         string // the product's key
	VariantID   int64
	SKU         string
	Name        string
	Description string
	// Prices are the variant's prices as listed: one per currency, and per
	// country or channel where the shop scopes them.
	Prices []Price
}

// Price is a variant price, optionally only for a country or a channel.
type Price struct {
	Value     omnigate.Money
	Country   string
	ChannelID string
}

// InventoryEntry is the stock of one SKU in one supply channel (a store or
// the online warehouse), or overall when SupplyChannelID is empty.
type InventoryEntry struct {
	ID                string
	SKU               string
	SupplyChannelID   string
	SupplyChannelKey  string // also the store's key where the channel is a store
	SupplyChannelName string
	QuantityOnStock   int64
	AvailableQuantity int64
	RestockableInDays int64     // 0 when unknown
	ExpectedDelivery  time.Time // zero when unknown
	UpdatedAt         time.Time
}

// ShoppingList is a customer's wish list.
type ShoppingList struct {
	ID         string
	Key        string
	CustomerID string
	Name       string
	Items      []ShoppingListItem
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ShoppingListItem is a product variant on a shopping list.
type ShoppingListItem struct {
	ID        string
	ProductID string
	VariantID int64
	SKU       string // empty when the list names the product without a variant
	Name      string
	Quantity  int64
	AddedAt   time.Time
}

// ProductsBySKU returns the published variants with the given SKUs, keyed
// by SKU; SKUs no published product has are absent.
func (c *Client) ProductsBySKU(ctx context.Context, skus []string) (map[string]Product, error) {
	res := &collector[string, Product]{m: map[string]Product{}}
	err := c.forChunks(ctx, skus, func(ctx context.Context, chunk []string) error {
		want := map[string]bool{}
		for _, s := range chunk {
			want[s] = true
		}
		list := ct.QuoteList(chunk)
		var got []Product
		_, err := queryAll(ctx, c, "product-projections", "masterVariant(sku in "+list+") or variants(sku in "+list+")", nil,
			func(p ct.ProductProjection) {
				for _, v := range append([]ct.ProductVariant{p.MasterVariant}, p.Variants...) {
					if !want[v.SKU] {
						continue
					}
					prod := Product{ID: p.ID, Key: p.Key, VariantID: v.ID, SKU: v.SKU,
						Name: localized(p.Name, c.cfg.Locale), Description: localized(p.Description, c.cfg.Locale)}
					for _, pr := range v.Prices {
						price := Price{Value: money(pr.Value), Country: pr.Country}
						if pr.Channel != nil {
							price.ChannelID = pr.Channel.ID
						}
						prod.Prices = append(prod.Prices, price)
					}
					got = append(got, prod)
				}
			})
		res.update(func(m map[string]Product) {
			for _, p := range got {
				m[p.SKU] = p
			}
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res.m, nil
}

// InventoryBySKU returns the stock of the given SKUs in every supply
// channel, keyed by SKU, with each channel's key and name.
func (c *Client) InventoryBySKU(ctx context.Context, skus []string) (map[string][]InventoryEntry, error) {
	res := &collector[string, []InventoryEntry]{m: map[string][]InventoryEntry{}}
	err := c.forChunks(ctx, skus, func(ctx context.Context, chunk []string) error {
		var got []InventoryEntry
		_, err := queryAll(ctx, c, "inventory", "sku in "+ct.QuoteList(chunk), []string{"sku asc", "id asc"}, func(e ct.InventoryEntry) {
			ie := InventoryEntry{ID: e.ID, SKU: e.SKU, QuantityOnStock: e.QuantityOnStock,
				AvailableQuantity: e.AvailableQuantity, UpdatedAt: e.LastModifiedAt}
			if e.SupplyChannel != nil {
				ie.SupplyChannelID = e.SupplyChannel.ID
			}
			if e.RestockableInDays != nil {
				ie.RestockableInDays = *e.RestockableInDays
			}
			if e.ExpectedDelivery != nil {
				ie.ExpectedDelivery = *e.ExpectedDelivery
			}
			got = append(got, ie)
		})
		res.update(func(m map[string][]InventoryEntry) {
			for _, e := range got {
				m[e.SKU] = append(m[e.SKU], e)
			}
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	var channels map[string]string
	for sku, entries := range res.m {
		for i := range entries {
			if entries[i].SupplyChannelID == "" {
				continue
			}
			if channels == nil {
				channels = c.channels.get(ctx)
			}
			key, name, _ := strings.Cut(channels[entries[i].SupplyChannelID], "\x00")
			entries[i].SupplyChannelKey, entries[i].SupplyChannelName = key, name
		}
		res.m[sku] = entries
	}
	return res.m, nil
}

// ShoppingListsByCustomer returns the shopping lists of many customers,
// keyed by customer id.
func (c *Client) ShoppingListsByCustomer(ctx context.Context, customerIDs []string) (map[string][]ShoppingList, error) {
	res := &collector[string, []ShoppingList]{m: map[string][]ShoppingList{}}
	err := byCustomer(ctx, c, "shopping-lists", customerIDs,
		func(chunk []string) string { return "customer(id in " + ct.QuoteList(chunk) + ")" },
		[]string{"createdAt asc", "id asc"},
		func(lists []ct.ShoppingList) {
			res.update(func(m map[string][]ShoppingList) {
				for _, l := range lists {
					if l.Customer == nil {
						continue
					}
					sl := ShoppingList{ID: l.ID, Key: l.Key, CustomerID: l.Customer.ID, Name: localized(l.Name, c.cfg.Locale),
						CreatedAt: l.CreatedAt, UpdatedAt: l.LastModifiedAt}
					for _, li := range l.LineItems {
						item := ShoppingListItem{ID: li.ID, ProductID: li.ProductID, Name: localized(li.Name, c.cfg.Locale),
							Quantity: li.Quantity, AddedAt: li.AddedAt}
						if li.VariantID != nil {
							item.VariantID = *li.VariantID
						}
						if li.Variant != nil {
							item.SKU, item.VariantID = li.Variant.SKU, li.Variant.ID
						}
						sl.Items = append(sl.Items, item)
					}
					m[sl.CustomerID] = append(m[sl.CustomerID], sl)
				}
			})
		})
	if err != nil {
		return nil, err
	}
	return res.m, nil
}
