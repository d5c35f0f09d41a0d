package square

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/world"
)

// System is the simulated system's name, as the harness and the fixture
// directory know it.
const System = "square"

// Fixture file names under <dir>/square/. The layout is a public interface:
// hand-written fixture directories use the same names.
const (
	FileCustomers       = "customers.json"
	FileOrders          = "orders.json"
	FileLocations       = "locations.json"
	FileCatalog         = "catalog.json"
	FileInventoryCounts = "inventory-counts.json"
	FileLoyaltyAccounts = "loyalty-accounts.json"
)

// Data is everything the simulated Square account holds, each slice in the
// shape Square's API returns. Catalog holds ITEM objects with their
// ITEM_VARIATIONs nested; top-level ITEM_VARIATION objects are accepted too.
type Data struct {
	Customers       []apis.Customer
	Orders          []apis.Order
	Locations       []apis.Location
	Catalog         []apis.CatalogObject
	InventoryCounts []apis.InventoryCount
	LoyaltyAccounts []apis.LoyaltyAccount
}

// Credentials are what a client needs to call the simulated account.
type Credentials struct {
	// AccessToken is sent as "Authorization: Bearer <token>".
	AccessToken string `json:"access_token"`
	// SquareVersion is the Square-Version header value clients should send;
	// any well-formed version date is accepted, as Square does.
	SquareVersion string `json:"square_version"`
}

// DemoCredentials are the simulator's demo credentials.
var DemoCredentials = Credentials{
	AccessToken:   "EAAAEomnigate-demo-access-token",
	SquareVersion: apis.Version,
}

// files ties each fixture file to its slice, for Load and Write.
func (d *Data) files() []struct {
	name string
	ptr  any
} {
	return []struct {
		name string
		ptr  any
	}{
		{FileCustomers, &d.Customers},
		{FileOrders, &d.Orders},
		{FileLocations, &d.Locations},
		{FileCatalog, &d.Catalog},
		{FileInventoryCounts, &d.InventoryCounts},
		{FileLoyaltyAccounts, &d.LoyaltyAccounts},
	}
}

// Load reads dir/square/*.json. A missing file (or directory) means no
// records of that kind; a file that is not a JSON array of well-formed
// records is an error naming the file and the record.
func Load(dir string) (*Data, error) {
	d := &Data{}
	for _, f := range d.files() {
		rel := filepath.ToSlash(filepath.Join(System, f.name))
		b, err := os.ReadFile(filepath.Join(dir, System, f.name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", rel, err)
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		if t := bytes.TrimSpace(b); t[0] != '[' {
			return nil, fmt.Errorf("%s: want a JSON array of objects, the file starts with %q", rel, string(t[:1]))
		}
		if err := json.Unmarshal(b, f.ptr); err != nil {
			return nil, fmt.Errorf("%s: %s", rel, describeJSONError(b, err))
		}
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

func describeJSONError(b []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
		return fmt.Sprintf("invalid JSON on line %d: %v", line, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line := 1 + bytes.Count(b[:min(int(te.Offset), len(b))], []byte("\n"))
		return fmt.Sprintf("line %d: field %q must be %s, not a JSON %s", line, te.Field, te.Type, te.Value)
	}
	return err.Error()
}

// check validates what the simulator relies on: ids present and unique,
// timestamps readable, quantities and amounts well-formed.
func (d *Data) check() error {
	type stamp struct{ name, value string }
	checkStamps := func(file string, i int, id string, stamps ...stamp) error {
		for _, s := range stamps {
			if _, err := apis.ParseTime(s.value); err != nil {
				return fmt.Errorf("%s/%s: record %d (id %q): %s: %v", System, file, i, id, s.name, err)
			}
		}
		return nil
	}
	seen := map[string]bool{}
	unique := func(file string, i int, id string) error {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("%s/%s: record %d has no id", System, file, i)
		}
		if seen[file+"\x00"+id] {
			return fmt.Errorf("%s/%s: record %d: id %q appears twice", System, file, i, id)
		}
		seen[file+"\x00"+id] = true
		return nil
	}
	for i, c := range d.Customers {
		if err := unique(FileCustomers, i, c.ID); err != nil {
			return err
		}
		if err := checkStamps(FileCustomers, i, c.ID, stamp{"created_at", c.CreatedAt}, stamp{"updated_at", c.UpdatedAt}); err != nil {
			return err
		}
	}
	for i, l := range d.Locations {
		if err := unique(FileLocations, i, l.ID); err != nil {
			return err
		}
		if err := checkStamps(FileLocations, i, l.ID, stamp{"created_at", l.CreatedAt}); err != nil {
			return err
		}
	}
	for i, o := range d.Orders {
		if err := unique(FileOrders, i, o.ID); err != nil {
			return err
		}
		if o.LocationID == "" {
			return fmt.Errorf("%s/%s: record %d (id %q): location_id is required", System, FileOrders, i, o.ID)
		}
		if err := checkStamps(FileOrders, i, o.ID, stamp{"created_at", o.CreatedAt}, stamp{"updated_at", o.UpdatedAt}, stamp{"closed_at", o.ClosedAt}); err != nil {
			return err
		}
		for j, li := range o.LineItems {
			if _, err := parseQuantity(li.Quantity); err != nil {
				return fmt.Errorf("%s/%s: record %d (id %q): line_items[%d].quantity: %v", System, FileOrders, i, o.ID, j, err)
			}
		}
		for j, ret := range o.Returns {
			for k, li := range ret.ReturnLineItems {
				if _, err := parseQuantity(li.Quantity); err != nil {
					return fmt.Errorf("%s/%s: record %d (id %q): returns[%d].return_line_items[%d].quantity: %v", System, FileOrders, i, o.ID, j, k, err)
				}
			}
		}
	}
	for i, obj := range d.Catalog {
		if err := unique(FileCatalog, i, obj.ID); err != nil {
			return err
		}
		if obj.Type == "" {
			return fmt.Errorf("%s/%s: record %d (id %q): type is required", System, FileCatalog, i, obj.ID)
		}
		if obj.ItemData != nil {
			for j, v := range obj.ItemData.Variations {
				if err := unique(FileCatalog, i, v.ID); err != nil {
					return fmt.Errorf("%s/%s: record %d (id %q): item_data.variations[%d]: id %q is missing or repeated", System, FileCatalog, i, obj.ID, j, v.ID)
				}
			}
		}
	}
	for i, c := range d.InventoryCounts {
		if c.CatalogObjectID == "" || c.LocationID == "" {
			return fmt.Errorf("%s/%s: record %d: catalog_object_id and location_id are required", System, FileInventoryCounts, i)
		}
		if _, err := parseQuantity(c.Quantity); c.Quantity != "" && err != nil {
			return fmt.Errorf("%s/%s: record %d: quantity: %v", System, FileInventoryCounts, i, err)
		}
		if err := checkStamps(FileInventoryCounts, i, c.CatalogObjectID, stamp{"calculated_at", c.CalculatedAt}); err != nil {
			return err
		}
	}
	for i, a := range d.LoyaltyAccounts {
		if err := unique(FileLoyaltyAccounts, i, a.ID); err != nil {
			return err
		}
		if err := checkStamps(FileLoyaltyAccounts, i, a.ID, stamp{"created_at", a.CreatedAt}, stamp{"updated_at", a.UpdatedAt}, stamp{"enrolled_at", a.EnrolledAt}); err != nil {
			return err
		}
	}
	return nil
}

// Write writes dir/square/*.json, indented, one array per file. The same
// Data always gives the same bytes.
func (d *Data) Write(dir string) error {
	root := filepath.Join(dir, System)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	for _, f := range d.files() {
		b, err := json.MarshalIndent(f.ptr, "", "  ")
		if err != nil {
			return fmt.Errorf("%s/%s: %v", System, f.name, err)
		}
		if string(b) == "null" {
			b = []byte("[]")
		}
		b = append(b, '\n')
		if err := os.WriteFile(filepath.Join(root, f.name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// clone returns a deep copy of d, so that the server never shares memory
// with its caller.
func (d *Data) clone() *Data {
	b, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("square: copying data: %v", err))
	}
	out := &Data{}
	if err := json.Unmarshal(b, out); err != nil {
		panic(fmt.Sprintf("square: copying data: %v", err))
	}
	return out
}

// FromWorld renders the neutral world as the Square account of the
// retailer: its physical stores become locations, products become catalog
// items with one variation each (the SKU), and the point-of-sale records
// become customers, orders, stock counts and loyalty accounts.
func FromWorld(w *world.World) *Data {
	d := &Data{}
	merchantID := derivedID(w.Seed, "merchant", "", 13, upperAlnum)

	// Locations, and the seller's main location: the oldest one.
	locCurrency := map[string]string{}
	var main *world.Store
	for i := range w.Stores {
		s := &w.Stores[i]
		if s.Online {
			continue
		}
		if main == nil || s.CreatedAt.Before(main.CreatedAt) {
			main = s
		}
		locCurrency[s.ID] = s.Currency
		d.Locations = append(d.Locations, apis.Location{
			ID:            s.ID,
			Name:          s.Name,
			Address:       fromWorldAddress(s.Address),
			Timezone:      s.Timezone,
			Capabilities:  []string{"CREDIT_CARD_PROCESSING", "AUTOMATIC_TRANSFERS"},
			Status:        apis.LocationActive,
			CreatedAt:     formatLocationTime(s.CreatedAt),
			MerchantID:    merchantID,
			Country:       s.Country,
			LanguageCode:  languageFor(s.Country),
			Currency:      s.Currency,
			PhoneNumber:   s.Phone,
			Type:          apis.LocationPhysical,
			BusinessEmail: s.Email,
		})
	}
	mainCurrency := ""
	if main != nil {
		mainCurrency = main.Currency
	}

	// Catalog: one ITEM per product, its variation carrying the SKU.
	variationBySKU := map[string]string{}
	for _, p := range w.Products {
		itemID := p.CatalogItemID
		if itemID == "" {
			itemID = derivedID(w.Seed, "item", p.SKU, 24, upperAlnum)
		}
		varID := p.VariationID
		if varID == "" {
			varID = derivedID(w.Seed, "variation", p.SKU, 24, upperAlnum)
		}
		variationBySKU[p.SKU] = varID
		price := pickPrice(p.Prices, mainCurrency)
		var overrides []apis.ItemVariationLocationOverrides
		if price != nil {
			for _, l := range d.Locations {
				if l.Currency == price.Currency {
					continue
				}
				if op := pickPrice(p.Prices, l.Currency); op != nil && op.Currency == l.Currency {
					overrides = append(overrides, apis.ItemVariationLocationOverrides{LocationID: l.ID, PriceMoney: op})
				}
			}
		}
		version := p.CreatedAt.UnixMilli()
		updated := apis.FormatTime(p.CreatedAt)
		item := apis.CatalogObject{
			Type:                  apis.ObjectItem,
			ID:                    itemID,
			UpdatedAt:             updated,
			Version:               version,
			PresentAtAllLocations: ptr(true),
			ItemData: &apis.CatalogItem{
				Name:        p.Name,
				ProductType: "REGULAR",
				Variations: []apis.CatalogObject{{
					Type:                  apis.ObjectItemVariation,
					ID:                    varID,
					UpdatedAt:             updated,
					Version:               version,
					PresentAtAllLocations: ptr(true),
					ItemVariationData: &apis.CatalogItemVariation{
						ItemID:            itemID,
						Name:              "Regular",
						SKU:               p.SKU,
						Ordinal:           1,
						PricingType:       apis.FixedPricing,
						PriceMoney:        price,
						LocationOverrides: overrides,
						TrackInventory:    ptr(true),
						Sellable:          ptr(true),
						Stockable:         ptr(true),
					},
				}},
			},
		}
		if p.Description != "" {
			item.ItemData.DescriptionHTML = "<p>" + htmlEscape(p.Description) + "</p>"
			item.ItemData.DescriptionPlaintext = p.Description
		}
		if price == nil {
			item.ItemData.Variations[0].ItemVariationData.PricingType = apis.VariablePricing
		}
		d.Catalog = append(d.Catalog, item)
	}

	for _, c := range w.POSCustomers {
		cu := apis.Customer{
			ID:             c.ID,
			CreatedAt:      apis.FormatTime(c.CreatedAt),
			UpdatedAt:      apis.FormatTime(c.UpdatedAt),
			GivenName:      c.GivenName,
			FamilyName:     c.FamilyName,
			EmailAddress:   c.Email,
			PhoneNumber:    c.Phone,
			Birthday:       c.Birthday,
			ReferenceID:    c.ReferenceID,
			Note:           c.Note,
			CreationSource: c.CreationSource,
			Preferences:    &apis.CustomerPreferences{EmailUnsubscribed: c.EmailUnsubscribed},
			Version:        c.Version,
		}
		if c.Address != nil {
			cu.Address = fromWorldAddress(*c.Address)
		}
		d.Customers = append(d.Customers, cu)
	}

	for _, o := range w.POSOrders {
		ord := apis.Order{
			ID:          o.ID,
			LocationID:  o.LocationID,
			ReferenceID: o.ReferenceID,
			CustomerID:  o.CustomerID,
			CreatedAt:   apis.FormatTime(o.CreatedAt),
			UpdatedAt:   apis.FormatTime(o.UpdatedAt),
			State:       o.State,
			Version:     o.Version,
		}
		if o.Source != "" {
			ord.Source = &apis.OrderSource{Name: o.Source}
		}
		if o.State == apis.OrderCompleted || o.State == apis.OrderCanceled {
			ord.ClosedAt = apis.FormatTime(o.ClosedAt)
		}
		currency := o.Currency
		if currency == "" {
			currency = locCurrency[o.LocationID]
		}
		for i, l := range o.Lines {
			uid := l.ID
			if uid == "" {
				uid = derivedID(w.Seed, "line", o.ID+"/"+strconv.Itoa(i), 22, mixedAlnum)
			}
			unit := l.UnitPrice
			if unit.Currency == "" {
				unit.Currency = currency
			}
			li := apis.OrderLineItem{
				UID:            uid,
				Name:           l.Name,
				Quantity:       strconv.FormatInt(l.Quantity, 10),
				BasePriceMoney: &apis.Money{Amount: unit.Cents, Currency: unit.Currency},
				ItemType:       "ITEM",
			}
			if vid, ok := variationBySKU[l.SKU]; ok {
				li.CatalogObjectID = vid
				li.VariationName = "Regular"
			} else {
				li.ItemType = "CUSTOM_AMOUNT"
			}
			ord.LineItems = append(ord.LineItems, li)
		}
		priceOrder(&ord, currency)
		if o.TenderCustomerID != "" {
			// The payment names the customer: the order's tender carries
			// its customer_id, the order itself none.
			ord.Tenders = []apis.Tender{{
				ID:          derivedID(w.Seed, "tender", o.ID, 24, mixedAlnum),
				LocationID:  o.LocationID,
				CustomerID:  o.TenderCustomerID,
				Type:        "CARD",
				AmountMoney: ord.TotalMoney,
			}}
		}
		d.Orders = append(d.Orders, ord)
	}
	sales := map[string]*world.POSOrder{}
	for i := range w.POSOrders {
		sales[w.POSOrders[i].ID] = &w.POSOrders[i]
	}
	for _, r := range w.POSReturns {
		d.Orders = append(d.Orders, returnOrder(w.Seed, r, sales[r.SourceOrderID], variationBySKU, locCurrency))
	}

	for _, a := range w.Loyalty {
		acc := apis.LoyaltyAccount{
			ID:             a.ID,
			ProgramID:      a.ProgramID,
			Balance:        a.Balance,
			LifetimePoints: a.LifetimePoints,
			CustomerID:     a.CustomerID,
			EnrolledAt:     apis.FormatTime(a.EnrolledAt),
			CreatedAt:      apis.FormatTime(a.CreatedAt),
			UpdatedAt:      apis.FormatTime(a.UpdatedAt),
		}
		if a.Phone != "" {
			acc.Mapping = &apis.LoyaltyAccountMapping{
				ID:          derivedUUID(w.Seed, "loyalty-mapping", a.ID),
				CreatedAt:   apis.FormatTime(a.CreatedAt),
				PhoneNumber: a.Phone,
			}
		}
		d.LoyaltyAccounts = append(d.LoyaltyAccounts, acc)
	}

	for _, c := range w.Inventory {
		vid, ok := variationBySKU[c.SKU]
		if _, isLoc := locCurrency[c.StoreID]; !ok || !isLoc {
			continue // the webshop's warehouse is no Square location
		}
		d.InventoryCounts = append(d.InventoryCounts, apis.InventoryCount{
			CatalogObjectID:   vid,
			CatalogObjectType: apis.ObjectItemVariation,
			State:             apis.StateInStock,
			LocationID:        c.StoreID,
			Quantity:          strconv.FormatInt(c.Quantity, 10),
			CalculatedAt:      apis.FormatTime(c.UpdatedAt),
		})
	}
	return d
}

// returnOrder renders a return as Square keeps it: an order of its own,
// COMPLETED, for the customer, at the store the goods came back to, whose
// one return names the sale (source_order_id) and each returned line the
// sale's line (source_line_item_uid), with the money Square calculates:
// per-line totals, return_amounts for the return and the order, and
// net_amounts (sale money less returned money). An exchange's new lines are
// its line_items, priced like a sale's (total_money). What the till paid
// back is a refund, APPROVED, of the returned money less what the new lines
// cost; when they cost more, the customer paid the difference by card (a
// tender).
func returnOrder(seed int64, r world.POSReturn, sale *world.POSOrder, variationBySKU, locCurrency map[string]string) apis.Order {
	currency := r.Currency
	if currency == "" {
		currency = locCurrency[r.LocationID]
	}
	at := apis.FormatTime(r.CreatedAt)
	ord := apis.Order{ID: r.ID, LocationID: r.LocationID, CustomerID: r.CustomerID, State: apis.OrderCompleted,
		CreatedAt: at, UpdatedAt: at, ClosedAt: at, Version: 4}
	if sale != nil && sale.Source != "" {
		ord.Source = &apis.OrderSource{Name: sale.Source}
	}
	cents := func(n int64) *apis.Money { return &apis.Money{Amount: n, Currency: currency} }
	catalog := func(sku string) (id, variation, itemType string) {
		if vid, ok := variationBySKU[sku]; ok {
			return vid, "Regular", "ITEM"
		}
		return "", "", "CUSTOM_AMOUNT"
	}
	for i, l := range r.Exchange {
		uid := l.ID
		if uid == "" {
			uid = derivedID(seed, "line", r.ID+"/"+strconv.Itoa(i), 22, mixedAlnum)
		}
		id, variation, itemType := catalog(l.SKU)
		ord.LineItems = append(ord.LineItems, apis.OrderLineItem{UID: uid, Name: l.Name, Quantity: strconv.FormatInt(l.Quantity, 10),
			CatalogObjectID: id, VariationName: variation, ItemType: itemType, BasePriceMoney: cents(l.UnitPrice.Cents)})
	}
	priceOrder(&ord, currency)
	ret := apis.OrderReturn{UID: derivedID(seed, "return", r.ID, 22, mixedAlnum), SourceOrderID: r.SourceOrderID}
	var returned int64
	for i, l := range r.Lines {
		id, variation, itemType := catalog(l.SKU)
		total := l.UnitPrice.Cents * l.Quantity
		returned += total
		ret.ReturnLineItems = append(ret.ReturnLineItems, apis.OrderReturnLineItem{
			UID: derivedID(seed, "return-line", r.ID+"/"+strconv.Itoa(i), 22, mixedAlnum), SourceLineItemUID: l.ID,
			Name: l.Name, Quantity: strconv.FormatInt(l.Quantity, 10), CatalogObjectID: id, VariationName: variation, ItemType: itemType,
			BasePriceMoney: cents(l.UnitPrice.Cents), VariationTotalPriceMoney: cents(total), GrossReturnMoney: cents(total),
			TotalTaxMoney: cents(0), TotalDiscountMoney: cents(0), TotalMoney: cents(total),
		})
	}
	amounts := func(total int64) *apis.OrderMoneyAmounts {
		return &apis.OrderMoneyAmounts{TotalMoney: cents(total), TaxMoney: cents(0), DiscountMoney: cents(0), TipMoney: cents(0), ServiceChargeMoney: cents(0)}
	}
	ret.ReturnAmounts = amounts(returned)
	ord.Returns = []apis.OrderReturn{ret}
	ord.ReturnAmounts = amounts(returned)
	sold := ord.TotalMoney.Amount
	ord.NetAmounts = amounts(sold - returned)
	switch {
	case returned > sold:
		ord.Refunds = []apis.Refund{{ID: derivedID(seed, "refund", r.ID, 24, mixedAlnum), LocationID: r.LocationID, CreatedAt: at,
			Reason: "Returned goods", AmountMoney: cents(returned - sold), Status: apis.RefundApproved}}
	case sold > returned:
		ord.Tenders = []apis.Tender{{ID: derivedID(seed, "tender", r.ID, 24, mixedAlnum), LocationID: r.LocationID, CustomerID: r.CustomerID,
			Type: "CARD", AmountMoney: cents(sold - returned)}}
	}
	return ord
}

func ptr[T any](v T) *T { return &v }

func fromWorldAddress(a world.Address) *apis.Address {
	if a == (world.Address{}) {
		return nil
	}
	return &apis.Address{
		AddressLine1:                 a.Line1,
		AddressLine2:                 a.Line2,
		Locality:                     a.City,
		PostalCode:                   a.PostalCode,
		AdministrativeDistrictLevel1: a.Region,
		Country:                      a.Country,
	}
}

// formatLocationTime writes a location's created_at as Square does: to the
// second, which the spec's 20 to 25 characters require.
func formatLocationTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func languageFor(country string) string {
	lang := map[string]string{
		"US": "en", "GB": "en", "IE": "en", "AU": "en", "CA": "en", "NZ": "en",
		"FR": "fr", "ES": "es", "DE": "de", "AT": "de", "IT": "it", "NL": "nl", "JP": "ja",
	}[country]
	if lang == "" || country == "" {
		return ""
	}
	return lang + "-" + country
}

// pickPrice returns the price in currency, or the first price when there
// is none in it.
func pickPrice(prices []world.Money, currency string) *apis.Money {
	for _, p := range prices {
		if p.Currency == currency {
			return &apis.Money{Amount: p.Cents, Currency: p.Currency}
		}
	}
	if len(prices) > 0 {
		return &apis.Money{Amount: prices[0].Cents, Currency: prices[0].Currency}
	}
	return nil
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

const (
	upperAlnum = "0123456789ABCDEFGHJKMNPQRSTVWXYZ" // Crockford base32, as Square's ids
	mixedAlnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// derivedID makes a stable id from the world's seed and a key, so that
// rendering the same world twice gives the same ids.
func derivedID(seed int64, kind, key string, n int, alphabet string) string {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(seed))
	out := make([]byte, 0, n)
	for block := 0; len(out) < n; block++ {
		h := sha256.New()
		h.Write(buf[:])
		fmt.Fprintf(h, "%s\x00%s\x00%d", kind, key, block)
		for _, b := range h.Sum(nil) {
			if len(out) == n {
				break
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
		}
	}
	return string(out)
}

func derivedUUID(seed int64, kind, key string) string {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(seed))
	h := sha256.Sum256(append(buf[:], []byte(kind+"\x00"+key)...))
	h[6] = (h[6] & 0x0f) | 0x40
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
