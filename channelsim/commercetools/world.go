package commercetools

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/channelsim/world"
)

// Ids of the project's one product type and of the line item state every
// line starts in. Real projects have their own; these are stable so that
// fixtures do not change between runs.
var (
	defaultProductTypeID = stableID("product-type", "default")
	initialStateID       = stableID("state", "LineItemState", "Initial")
)

// stableID returns an id shaped like the UUIDs commercetools gives
// resources, derived from parts, so that the same world always renders to
// the same fixtures.
func stableID(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, "\x00")))
	h[6] = (h[6] & 0x0f) | 0x50 // version 5
	h[8] = (h[8] & 0x3f) | 0x80 // RFC 4122 variant
	s := hex.EncodeToString(h[:16])
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}

// addressID returns an id like the short random ids commercetools gives
// addresses ("aBc12XyZ").
func addressID(parts ...string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	h := sha1.Sum([]byte("address\x00" + strings.Join(parts, "\x00")))
	b := make([]byte, 8)
	for i := range b {
		b[i] = alphabet[int(h[i])%len(alphabet)]
	}
	return string(b)
}

// ms is a time as the API shows it: UTC, to the millisecond.
func ms(t time.Time) time.Time {
	if t.IsZero() {
		return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t.UTC().Truncate(time.Millisecond)
}

// en is an optional localized text: absent when empty.
func en(s string) ct.LocalizedString {
	if s == "" {
		return nil
	}
	return ct.LocalizedString{"en": s}
}

// enRequired is a localized text the API always shows: {} when empty.
func enRequired(s string) ct.LocalizedString {
	if s == "" {
		return ct.LocalizedString{}
	}
	return ct.LocalizedString{"en": s}
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// countryOfLocale returns "GB" for "en-GB", "" for "en".
func countryOfLocale(locale string) string {
	_, region, ok := strings.Cut(locale, "-")
	if !ok || len(region) != 2 {
		return ""
	}
	return strings.ToUpper(region)
}

type variantInfo struct {
	productID  string
	productKey string
	name       string
	variant    ct.ProductVariant
}

// renderer carries the lookups FromWorld builds as it goes.
type renderer struct {
	w        *world.World
	bySKU    map[string]variantInfo
	byKey    map[string]world.Store // store key → store
	byID     map[string]world.Store // Square location id → store
	channels map[string]string      // store key → channel id
}

// FromWorld renders the neutral world into commercetools records: a product
// per product id (the world's products sharing an id become its variants),
// a channel and a store per physical store and for the online warehouse,
// customers with their phone on the default address, orders and carts with
// line items that name their supply channel, inventory entries per SKU and
// supply channel, and shopping lists.
func FromWorld(w *world.World) *Data {
	r := &renderer{w: w, bySKU: map[string]variantInfo{}, byKey: map[string]world.Store{}, byID: map[string]world.Store{}, channels: map[string]string{}}
	d := &Data{}
	d.Products = r.products()
	for _, s := range w.Stores {
		r.byKey[s.Key] = s
		r.byID[s.ID] = s
		ch, st := r.store(s)
		r.channels[s.Key] = ch.ID
		d.Channels = append(d.Channels, ch)
		d.Stores = append(d.Stores, st)
	}
	for _, c := range w.WebCustomers {
		d.Customers = append(d.Customers, r.customer(c))
	}
	returns := map[string][]world.WebReturn{}
	for _, ret := range w.WebReturns {
		returns[ret.OrderID] = append(returns[ret.OrderID], ret)
	}
	for _, o := range w.WebOrders {
		d.Orders = append(d.Orders, r.order(o, returns[o.ID]))
	}
	for _, c := range w.WebCarts {
		d.Carts = append(d.Carts, r.cart(c))
	}
	for _, inv := range w.Inventory {
		d.Inventory = append(d.Inventory, r.inventory(inv))
	}
	for _, l := range w.ShoppingLists {
		d.ShoppingLists = append(d.ShoppingLists, r.shoppingList(l))
	}
	return d
}

func (r *renderer) products() []ct.Product {
	var out []ct.Product
	pos := map[string]int{}
	for _, p := range r.w.Products {
		id := p.ID
		if id == "" {
			id = stableID("product", p.SKU)
		}
		var prices []ct.Price
		for _, m := range p.Prices {
			prices = append(prices, ct.Price{ID: stableID("price", id, p.SKU, m.Currency), Value: ct.CentMoney(m.Currency, m.Cents)})
		}
		attrs := []ct.Attribute{}
		if p.Category != "" {
			v, _ := json.Marshal(p.Category)
			attrs = append(attrs, ct.Attribute{Name: "category", Value: v})
		}
		v := ct.ProductVariant{SKU: p.SKU, Key: p.Key, Prices: orEmpty(prices), Attributes: attrs, Images: []ct.Image{}}
		i, seen := pos[id]
		if !seen {
			v.ID = 1
			key := p.Key
			if key == "" {
				key = slug(p.SKU)
			}
			data := ct.ProductData{
				Name: enRequired(p.Name), Categories: []ct.Reference{}, Description: en(p.Description),
				Slug: enRequired(slug(p.Name + " " + p.SKU)), MasterVariant: v, Variants: []ct.ProductVariant{},
				SearchKeywords: map[string]any{}, Attributes: []ct.Attribute{},
			}
			pos[id] = len(out)
			out = append(out, ct.Product{
				ID: id, Version: 1, CreatedAt: ms(p.CreatedAt), LastModifiedAt: ms(p.CreatedAt), Key: key,
				ProductType: ct.Reference{TypeID: ct.TypeIDProductType, ID: defaultProductTypeID},
				MasterData:  ct.ProductCatalogData{Published: true, Current: data, Staged: data},
				PriceMode:   "Embedded",
			})
		} else {
			d := &out[i].MasterData
			v.ID = int64(len(d.Current.Variants) + 2)
			d.Current.Variants = append(d.Current.Variants, v)
			d.Staged.Variants = append(append([]ct.ProductVariant{}, d.Staged.Variants...), v)
		}
		r.bySKU[p.SKU] = variantInfo{productID: id, productKey: out[pos[id]].Key, name: p.Name, variant: v}
	}
	return out
}

func (r *renderer) store(s world.Store) (ct.Channel, ct.Store) {
	chID := s.ChannelID
	if chID == "" {
		chID = stableID("channel", s.Key)
	}
	stID := s.StoreID
	if stID == "" {
		stID = stableID("store", s.Key)
	}
	at := ms(s.CreatedAt)
	ch := ct.Channel{
		ID: chID, Version: 1, CreatedAt: at, LastModifiedAt: at, Key: s.Key,
		Roles: []string{ct.RoleInventorySupply, ct.RoleProductDistribution}, Name: en(s.Name),
	}
	if s.Address.Country != "" {
		a := address(s.Address, "")
		a.Phone, a.Email = s.Phone, s.Email
		ch.Address = &a
	}
	ref := ct.Reference{TypeID: ct.TypeIDChannel, ID: chID}
	st := ct.Store{
		ID: stID, Version: 1, CreatedAt: at, LastModifiedAt: at, Key: s.Key, Name: en(s.Name),
		Languages: []string{"en"}, Countries: []ct.StoreCountry{}, DistributionChannels: []ct.Reference{ref},
		SupplyChannels: []ct.Reference{ref}, ProductSelections: []json.RawMessage{},
	}
	if s.Country != "" {
		st.Countries = append(st.Countries, ct.StoreCountry{Code: s.Country})
	}
	return ch, st
}

func address(a world.Address, id string) ct.Address {
	return ct.Address{ID: id, StreetName: a.Line1, AdditionalStreetInfo: a.Line2, City: a.City,
		PostalCode: a.PostalCode, Region: a.Region, Country: a.Country}
}

// fallbackCountry is the country of an address the world left without one:
// the customer's locale, else their first store's, else the first store's.
func (r *renderer) fallbackCountry(locale string, storeKeys []string) string {
	if c := countryOfLocale(locale); c != "" {
		return c
	}
	for _, k := range storeKeys {
		if s, ok := r.byKey[k]; ok && s.Country != "" {
			return s.Country
		}
	}
	for _, s := range r.w.Stores {
		if s.Country != "" {
			return s.Country
		}
	}
	return "US"
}

func (r *renderer) customer(c world.WebCustomer) ct.Customer {
	out := ct.Customer{
		ID: c.ID, Version: max(c.Version, 1), CreatedAt: ms(c.CreatedAt), LastModifiedAt: ms(c.UpdatedAt),
		CustomerNumber: c.Number, ExternalID: c.ExternalID, Email: c.Email, FirstName: c.FirstName,
		LastName: c.LastName, DateOfBirth: c.Birthday, Addresses: []ct.Address{}, ShippingAddressIDs: []string{},
		BillingAddressIDs: []string{}, IsEmailVerified: true, CustomerGroupAssignments: []ct.CustomerGroupAssignment{},
		Locale: c.Locale, Stores: []ct.KeyReference{}, AuthenticationMode: "Password",
	}
	if c.UpdatedAt.IsZero() {
		out.LastModifiedAt = out.CreatedAt
	}
	addrs := c.Addresses
	if len(addrs) == 0 && c.Phone != "" {
		addrs = []world.Address{{}}
	}
	for j, a := range addrs {
		ca := address(a, addressID(c.ID, fmt.Sprint(j)))
		if ca.Country == "" {
			ca.Country = r.fallbackCountry(c.Locale, c.StoreKeys)
		}
		ca.FirstName, ca.LastName = c.FirstName, c.LastName
		if j == 0 {
			ca.Phone = c.Phone
			out.DefaultShippingAddressID, out.DefaultBillingAddressID = ca.ID, ca.ID
		}
		out.Addresses = append(out.Addresses, ca)
		out.ShippingAddressIDs = append(out.ShippingAddressIDs, ca.ID)
		out.BillingAddressIDs = append(out.BillingAddressIDs, ca.ID)
	}
	for _, k := range c.StoreKeys {
		out.Stores = append(out.Stores, ct.KeyReference{TypeID: ct.TypeIDStore, Key: k})
	}
	return out
}

// lineItem renders a world line; parent and j give lines without an id a
// stable one.
func (r *renderer) lineItem(l world.Line, parent string, j int, currency, storeKey string, at time.Time) ct.LineItem {
	id := l.ID
	if id == "" {
		id = stableID("line", parent, fmt.Sprint(j))
	}
	cur := l.UnitPrice.Currency
	if cur == "" {
		cur = currency
	}
	vi, ok := r.bySKU[l.SKU]
	if !ok {
		vi = variantInfo{productID: stableID("product", l.SKU), name: l.Name,
			variant: ct.ProductVariant{ID: 1, SKU: l.SKU, Prices: []ct.Price{}, Attributes: []ct.Attribute{}, Images: []ct.Image{}}}
	}
	price := ct.Price{ID: stableID("price", vi.productID, l.SKU, cur), Value: ct.CentMoney(cur, l.UnitPrice.Cents)}
	variant := vi.variant
	variant.Prices = []ct.Price{price}
	name := l.Name
	if name == "" {
		name = vi.name
	}
	qty := max(l.Quantity, 1)
	added := ms(at)
	li := ct.LineItem{
		ID: id, ProductID: vi.productID, ProductKey: vi.productKey, Name: enRequired(name),
		ProductType: ct.Reference{TypeID: ct.TypeIDProductType, ID: defaultProductTypeID},
		Variant:     variant, Price: price, Quantity: qty, TotalPrice: ct.CentMoney(cur, l.UnitPrice.Cents*qty),
		DiscountedPricePerQuantity: []json.RawMessage{}, TaxedPricePortions: []json.RawMessage{},
		State:            []ct.ItemState{{Quantity: qty, State: ct.Reference{TypeID: ct.TypeIDState, ID: initialStateID}}},
		PerMethodTaxRate: []json.RawMessage{}, PriceMode: "Platform", LineItemMode: "Standard",
		AddedAt: &added, LastModifiedAt: &added,
	}
	if ch, ok := r.channels[storeKey]; ok {
		li.SupplyChannel = &ct.Reference{TypeID: ct.TypeIDChannel, ID: ch}
	}
	return li
}

func total(currency string, lines []ct.LineItem) ct.TypedMoney {
	var sum int64
	for _, l := range lines {
		if currency == "" {
			currency = l.TotalPrice.CurrencyCode
		}
		sum += l.TotalPrice.CentAmount
	}
	return ct.CentMoney(currency, sum)
}

func oneOf(v string, allowed ...string) string {
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	return ""
}

// order renders a webshop order with its returns as its returnInfo. Each
// return was an update of the order (addReturnInfo), and so was each later
// change of a returned item's state (setReturnShipmentState,
// setReturnPaymentState): they add to its version and its lastModifiedAt.
func (r *renderer) order(o world.WebOrder, returns []world.WebReturn) ct.Order {
	out := ct.Order{
		ID: o.ID, Version: max(o.Version, 1), CreatedAt: ms(o.CreatedAt), LastModifiedAt: ms(o.UpdatedAt),
		OrderNumber: o.Number, CustomerID: o.CustomerID, CustomerEmail: o.CustomerEmail, LineItems: []ct.LineItem{},
		CustomLineItems: []json.RawMessage{}, TaxMode: "Platform", InventoryMode: "None", ShippingMode: "Single",
		Shipping: []json.RawMessage{}, RefusedGifts: []ct.Reference{}, Origin: "Customer", SyncInfo: []json.RawMessage{},
		OrderState:    orDefault(oneOf(o.State, "Open", "Confirmed", "Complete", "Cancelled"), "Open"),
		ShipmentState: oneOf(o.ShipmentState, "Shipped", "Delivered", "Ready", "Pending", "Delayed", "Partial", "Backorder", "Canceled"),
		PaymentState:  oneOf(o.PaymentState, "BalanceDue", "Failed", "Pending", "CreditOwed", "Paid"),
	}
	if o.UpdatedAt.IsZero() {
		out.LastModifiedAt = out.CreatedAt
	}
	if o.StoreKey != "" {
		out.Store = &ct.KeyReference{TypeID: ct.TypeIDStore, Key: o.StoreKey}
	}
	for j, l := range o.Lines {
		out.LineItems = append(out.LineItems, r.lineItem(l, o.ID, j, o.Currency, o.StoreKey, o.CreatedAt))
	}
	out.TotalPrice = total(o.Currency, out.LineItems)
	if o.Shipping.Country != "" {
		a := address(o.Shipping, "")
		out.ShippingAddress = &a
		out.Country = a.Country
	}
	if out.OrderState == "Complete" {
		done := out.LastModifiedAt
		out.CompletedAt = &done
	}
	for _, ret := range returns {
		info := ct.ReturnInfo{Items: []ct.ReturnItem{}, ReturnTrackingID: ret.TrackingID}
		if !ret.Date.IsZero() {
			date := ms(ret.Date)
			info.ReturnDate = &date
		}
		out.Version++
		for _, it := range ret.Items {
			created, updated := ms(it.CreatedAt), ms(it.UpdatedAt)
			if it.UpdatedAt.IsZero() || updated.Before(created) {
				updated = created
			}
			if updated.After(created) {
				out.Version++
			}
			if updated.After(out.LastModifiedAt) {
				out.LastModifiedAt = updated
			}
			info.Items = append(info.Items, ct.ReturnItem{
				ID: it.ID, Type: ct.ReturnItemLineItem, Quantity: it.Quantity, LineItemID: it.LineID,
				ShipmentState: orDefault(oneOf(it.ShipmentState, ct.ReturnAdvised, ct.ReturnReturned, ct.ReturnBackInStock, ct.ReturnUnusable), ct.ReturnReturned),
				PaymentState:  orDefault(oneOf(it.PaymentState, ct.ReturnNonRefundable, ct.ReturnInitial, ct.ReturnRefunded, ct.ReturnNotRefunded), ct.ReturnInitial),
				CreatedAt:     created, LastModifiedAt: updated,
			})
		}
		out.ReturnInfo = append(out.ReturnInfo, info)
	}
	return out
}

func (r *renderer) cart(c world.WebCart) ct.Cart {
	out := ct.Cart{
		ID: c.ID, Version: max(c.Version, 1), CreatedAt: ms(c.CreatedAt), LastModifiedAt: ms(c.UpdatedAt),
		CustomerID: c.CustomerID, CustomerEmail: c.CustomerEmail, AnonymousID: c.AnonymousID,
		LineItems: []ct.LineItem{}, CustomLineItems: []json.RawMessage{}, TaxMode: "Platform",
		PriceRoundingMode: "HalfEven", TaxRoundingMode: "HalfEven", TaxCalculationMode: "LineItemLevel",
		InventoryMode: "None", CartState: orDefault(oneOf(c.State, ct.CartActive, ct.CartMerged, ct.CartOrdered, ct.CartFrozen), ct.CartActive),
		ShippingMode: "Single", Shipping: []json.RawMessage{}, ItemShippingAddresses: []ct.Address{},
		DiscountCodes: []json.RawMessage{}, DirectDiscounts: []json.RawMessage{}, RefusedGifts: []ct.Reference{},
		Country: c.Country, Origin: "Customer",
	}
	if c.UpdatedAt.IsZero() {
		out.LastModifiedAt = out.CreatedAt
	}
	if c.StoreKey != "" {
		out.Store = &ct.KeyReference{TypeID: ct.TypeIDStore, Key: c.StoreKey}
	}
	var qty int64
	for j, l := range c.Lines {
		li := r.lineItem(l, c.ID, j, c.Currency, c.StoreKey, c.UpdatedAt)
		qty += li.Quantity
		out.LineItems = append(out.LineItems, li)
	}
	out.TotalLineItemQuantity = &qty
	out.TotalPrice = total(c.Currency, out.LineItems)
	return out
}

func (r *renderer) inventory(inv world.InventoryCount) ct.InventoryEntry {
	id := inv.EntryID
	if id == "" {
		id = stableID("inventory", inv.SKU, inv.StoreID)
	}
	at := ms(inv.UpdatedAt)
	e := ct.InventoryEntry{ID: id, Version: 1, CreatedAt: at, LastModifiedAt: at, SKU: inv.SKU,
		QuantityOnStock: inv.Quantity, AvailableQuantity: inv.Quantity}
	if s, ok := r.byID[inv.StoreID]; ok {
		e.SupplyChannel = &ct.Reference{TypeID: ct.TypeIDChannel, ID: r.channels[s.Key]}
	} else if ch, ok := r.channels[inv.StoreID]; ok {
		// The online warehouse may be named by its key.
		e.SupplyChannel = &ct.Reference{TypeID: ct.TypeIDChannel, ID: ch}
	}
	if inv.Restock > 0 {
		days := inv.Restock
		e.RestockableInDays = &days
	}
	return e
}

func (r *renderer) shoppingList(l world.ShoppingList) ct.ShoppingList {
	out := ct.ShoppingList{
		ID: l.ID, Version: max(l.Version, 1), CreatedAt: ms(l.CreatedAt), LastModifiedAt: ms(l.UpdatedAt),
		Key: l.Key, Name: enRequired(l.Name), LineItems: []ct.ShoppingListLineItem{}, TextLineItems: []ct.TextLineItem{},
	}
	if l.UpdatedAt.IsZero() {
		out.LastModifiedAt = out.CreatedAt
	}
	if l.CustomerID != "" {
		out.Customer = &ct.Reference{TypeID: ct.TypeIDCustomer, ID: l.CustomerID}
	}
	for j, sku := range l.SKUs {
		qty := int64(1)
		if j < len(l.Quantities) && l.Quantities[j] > 0 {
			qty = l.Quantities[j]
		}
		vi, ok := r.bySKU[sku]
		if !ok {
			vi = variantInfo{productID: stableID("product", sku),
				variant: ct.ProductVariant{ID: 1, SKU: sku, Prices: []ct.Price{}, Attributes: []ct.Attribute{}, Images: []ct.Image{}}}
		}
		variant := vi.variant
		vid := variant.ID
		out.LineItems = append(out.LineItems, ct.ShoppingListLineItem{
			ID: stableID("shopping-list-line", l.ID, fmt.Sprint(j)), AddedAt: out.CreatedAt, Name: enRequired(vi.name),
			ProductID: vi.productID, ProductType: ct.Reference{TypeID: ct.TypeIDProductType, ID: defaultProductTypeID},
			Published: true, Quantity: qty, VariantID: &vid, Variant: &variant,
		})
	}
	return out
}
