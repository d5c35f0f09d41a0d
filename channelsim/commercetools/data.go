package commercetools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"time"

	ct "github.com/omnigate/omnigate/apis/commercetools"
)

// System is the simulated system's name, as the harness knows it.
const System = "commercetools"

// Fixture file names under dir/commercetools/.
const (
	FileCustomers     = "customers.json"
	FileOrders        = "orders.json"
	FileCarts         = "carts.json"
	FileProducts      = "products.json"
	FileInventory     = "inventory.json"
	FileChannels      = "channels.json"
	FileStores        = "stores.json"
	FileShoppingLists = "shopping-lists.json"
)

// Data is the project's whole state: one slice per fixture file, each
// record exactly as the API returns it.
type Data struct {
	Customers     []ct.Customer
	Orders        []ct.Order
	Carts         []ct.Cart
	Products      []ct.Product
	Inventory     []ct.InventoryEntry
	Channels      []ct.Channel
	Stores        []ct.Store
	ShoppingLists []ct.ShoppingList
}

// files lists each fixture file with the slice it fills, so that Load and
// Write agree on the layout.
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
		{FileCarts, &d.Carts},
		{FileProducts, &d.Products},
		{FileInventory, &d.Inventory},
		{FileChannels, &d.Channels},
		{FileStores, &d.Stores},
		{FileShoppingLists, &d.ShoppingLists},
	}
}

// Load reads dir/commercetools/*.json. A missing file means no records of
// that kind. Optional fields may be left out, and so may the arrays and
// settings the API always shows (they get the API's defaults); a file that
// is not a JSON array of objects, a record without an id, a duplicate id,
// an address without a country, or a record without the key or SKU that
// names it is an error naming the file and the record.
func Load(dir string) (*Data, error) {
	d := &Data{}
	base := filepath.Join(dir, System)
	for _, f := range d.files() {
		path := filepath.Join(base, f.name)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if err := decodeArray(b, f.ptr); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := d.normalize(); err != nil {
		return nil, err
	}
	return d, nil
}

func decodeArray(b []byte, ptr any) error {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return errors.New("want a JSON array of records")
	}
	if err := json.Unmarshal(b, ptr); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(b, se.Offset)
			return fmt.Errorf("invalid JSON at line %d, column %d: %v", line, col, err)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			line, col := position(b, te.Offset)
			return fmt.Errorf("line %d, column %d: field %q must be %s, not a JSON %s", line, col, te.Field, te.Type, te.Value)
		}
		return err
	}
	return nil
}

func position(b []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// Write writes dir/commercetools/*.json, indented, in the records' order, so
// that the same data always gives the same bytes.
func (d *Data) Write(dir string) error {
	base := filepath.Join(dir, System)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return err
	}
	for _, f := range d.files() {
		b := []byte("[]")
		if v := reflect.ValueOf(f.ptr).Elem(); v.Len() > 0 {
			var err error
			if b, err = json.MarshalIndent(v.Interface(), "", "  "); err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
		}
		if err := os.WriteFile(filepath.Join(base, f.name), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// normalize fills what hand-written fixtures may leave out with what the
// API would show, and rejects what it cannot make up.
func (d *Data) normalize() error {
	epoch := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	base := func(file string, i int, id string, version *int64, created, modified *time.Time, seen map[string]bool) error {
		if id == "" {
			return fmt.Errorf("%s: record %d has no id", file, i)
		}
		if seen[id] {
			return fmt.Errorf("%s: record %d: the id %q is used twice", file, i, id)
		}
		seen[id] = true
		if *version <= 0 {
			*version = 1
		}
		if created.IsZero() {
			*created = epoch
		}
		if modified.IsZero() {
			*modified = *created
		}
		return nil
	}
	seen := map[string]bool{}
	for i := range d.Customers {
		c := &d.Customers[i]
		if err := base(FileCustomers, i, c.ID, &c.Version, &c.CreatedAt, &c.LastModifiedAt, seen); err != nil {
			return err
		}
		for j := range c.Addresses {
			if c.Addresses[j].Country == "" {
				return fmt.Errorf("%s: customer %d (%s): address %d has no country", FileCustomers, i, c.ID, j)
			}
		}
		c.Addresses = orEmpty(c.Addresses)
		c.ShippingAddressIDs = orEmpty(c.ShippingAddressIDs)
		c.BillingAddressIDs = orEmpty(c.BillingAddressIDs)
		c.CustomerGroupAssignments = orEmpty(c.CustomerGroupAssignments)
		c.Stores = orEmpty(c.Stores)
		c.AuthenticationMode = orDefault(c.AuthenticationMode, "Password")
	}
	seen = map[string]bool{}
	for i := range d.Orders {
		o := &d.Orders[i]
		if err := base(FileOrders, i, o.ID, &o.Version, &o.CreatedAt, &o.LastModifiedAt, seen); err != nil {
			return err
		}
		if err := normalizeLines(FileOrders, i, o.LineItems, &o.TotalPrice); err != nil {
			return err
		}
		o.LineItems = orEmpty(o.LineItems)
		o.CustomLineItems = orEmpty(o.CustomLineItems)
		o.Shipping = orEmpty(o.Shipping)
		o.RefusedGifts = orEmpty(o.RefusedGifts)
		o.SyncInfo = orEmpty(o.SyncInfo)
		o.ShippingMode = orDefault(o.ShippingMode, "Single")
		o.Origin = orDefault(o.Origin, "Customer")
		o.OrderState = orDefault(o.OrderState, "Open")
		if err := checkAddress(FileOrders, i, o.ShippingAddress, o.BillingAddress); err != nil {
			return err
		}
	}
	seen = map[string]bool{}
	for i := range d.Carts {
		c := &d.Carts[i]
		if err := base(FileCarts, i, c.ID, &c.Version, &c.CreatedAt, &c.LastModifiedAt, seen); err != nil {
			return err
		}
		if err := normalizeLines(FileCarts, i, c.LineItems, &c.TotalPrice); err != nil {
			return err
		}
		c.LineItems = orEmpty(c.LineItems)
		c.CustomLineItems = orEmpty(c.CustomLineItems)
		c.Shipping = orEmpty(c.Shipping)
		c.ItemShippingAddresses = orEmpty(c.ItemShippingAddresses)
		c.DiscountCodes = orEmpty(c.DiscountCodes)
		c.DirectDiscounts = orEmpty(c.DirectDiscounts)
		c.RefusedGifts = orEmpty(c.RefusedGifts)
		c.TaxMode = orDefault(c.TaxMode, "Platform")
		c.PriceRoundingMode = orDefault(c.PriceRoundingMode, "HalfEven")
		c.TaxRoundingMode = orDefault(c.TaxRoundingMode, "HalfEven")
		c.TaxCalculationMode = orDefault(c.TaxCalculationMode, "LineItemLevel")
		c.InventoryMode = orDefault(c.InventoryMode, "None")
		c.CartState = orDefault(c.CartState, ct.CartActive)
		c.ShippingMode = orDefault(c.ShippingMode, "Single")
		c.Origin = orDefault(c.Origin, "Customer")
		if c.TotalLineItemQuantity == nil {
			var n int64
			for _, l := range c.LineItems {
				n += l.Quantity
			}
			c.TotalLineItemQuantity = &n
		}
		if err := checkAddress(FileCarts, i, c.ShippingAddress, c.BillingAddress); err != nil {
			return err
		}
	}
	seen = map[string]bool{}
	for i := range d.Products {
		p := &d.Products[i]
		if err := base(FileProducts, i, p.ID, &p.Version, &p.CreatedAt, &p.LastModifiedAt, seen); err != nil {
			return err
		}
		if p.ProductType.ID == "" {
			p.ProductType = ct.Reference{TypeID: ct.TypeIDProductType, ID: defaultProductTypeID}
		}
		normalizeProductData(&p.MasterData.Current)
		normalizeProductData(&p.MasterData.Staged)
	}
	seen = map[string]bool{}
	for i := range d.Inventory {
		e := &d.Inventory[i]
		if err := base(FileInventory, i, e.ID, &e.Version, &e.CreatedAt, &e.LastModifiedAt, seen); err != nil {
			return err
		}
		if e.SKU == "" {
			return fmt.Errorf("%s: inventory entry %d (%s) has no sku", FileInventory, i, e.ID)
		}
	}
	seen = map[string]bool{}
	for i := range d.Channels {
		c := &d.Channels[i]
		if err := base(FileChannels, i, c.ID, &c.Version, &c.CreatedAt, &c.LastModifiedAt, seen); err != nil {
			return err
		}
		if c.Key == "" {
			return fmt.Errorf("%s: channel %d (%s) has no key", FileChannels, i, c.ID)
		}
		if len(c.Roles) == 0 {
			c.Roles = []string{ct.RoleInventorySupply}
		}
	}
	seen = map[string]bool{}
	for i := range d.Stores {
		s := &d.Stores[i]
		if err := base(FileStores, i, s.ID, &s.Version, &s.CreatedAt, &s.LastModifiedAt, seen); err != nil {
			return err
		}
		if s.Key == "" {
			return fmt.Errorf("%s: store %d (%s) has no key", FileStores, i, s.ID)
		}
		s.Languages = orEmpty(s.Languages)
		s.Countries = orEmpty(s.Countries)
		s.DistributionChannels = orEmpty(s.DistributionChannels)
		s.SupplyChannels = orEmpty(s.SupplyChannels)
		s.ProductSelections = orEmpty(s.ProductSelections)
	}
	seen = map[string]bool{}
	for i := range d.ShoppingLists {
		l := &d.ShoppingLists[i]
		if err := base(FileShoppingLists, i, l.ID, &l.Version, &l.CreatedAt, &l.LastModifiedAt, seen); err != nil {
			return err
		}
		if l.Name == nil {
			l.Name = ct.LocalizedString{}
		}
		l.LineItems = orEmpty(l.LineItems)
		l.TextLineItems = orEmpty(l.TextLineItems)
		for j := range l.LineItems {
			li := &l.LineItems[j]
			if li.ProductType.ID == "" {
				li.ProductType = ct.Reference{TypeID: ct.TypeIDProductType, ID: defaultProductTypeID}
			}
			if li.Name == nil {
				li.Name = ct.LocalizedString{}
			}
			if li.AddedAt.IsZero() {
				li.AddedAt = l.CreatedAt
			}
			if li.Variant != nil {
				normalizeVariant(li.Variant)
			}
		}
	}
	return nil
}

func normalizeLines(file string, i int, lines []ct.LineItem, total *ct.TypedMoney) error {
	var sum int64
	currency := total.CurrencyCode
	for j := range lines {
		l := &lines[j]
		if l.ID == "" {
			return fmt.Errorf("%s: record %d: line item %d has no id", file, i, j)
		}
		if l.Name == nil {
			l.Name = ct.LocalizedString{}
		}
		if l.ProductType.ID == "" {
			l.ProductType = ct.Reference{TypeID: ct.TypeIDProductType, ID: defaultProductTypeID}
		}
		if l.Quantity <= 0 {
			l.Quantity = 1
		}
		normalizeVariant(&l.Variant)
		if l.Price.Value.CurrencyCode == "" {
			l.Price.Value.CurrencyCode = currency
		}
		normalizeMoney(&l.Price.Value)
		if l.TotalPrice.CurrencyCode == "" {
			l.TotalPrice = ct.CentMoney(l.Price.Value.CurrencyCode, l.Price.Value.CentAmount*l.Quantity)
		}
		normalizeMoney(&l.TotalPrice)
		if currency == "" {
			currency = l.TotalPrice.CurrencyCode
		}
		sum += l.TotalPrice.CentAmount
		l.DiscountedPricePerQuantity = orEmpty(l.DiscountedPricePerQuantity)
		l.TaxedPricePortions = orEmpty(l.TaxedPricePortions)
		l.PerMethodTaxRate = orEmpty(l.PerMethodTaxRate)
		if l.State == nil {
			l.State = []ct.ItemState{{Quantity: l.Quantity, State: ct.Reference{TypeID: ct.TypeIDState, ID: initialStateID}}}
		}
		l.PriceMode = orDefault(l.PriceMode, "Platform")
		l.LineItemMode = orDefault(l.LineItemMode, "Standard")
	}
	if total.CurrencyCode == "" {
		if currency == "" {
			return fmt.Errorf("%s: record %d has no totalPrice and no line item names a currency", file, i)
		}
		*total = ct.CentMoney(currency, sum)
	}
	normalizeMoney(total)
	return nil
}

func normalizeMoney(m *ct.TypedMoney) {
	m.Type = orDefault(m.Type, ct.MoneyCentPrecision)
	if m.FractionDigits == 0 && m.Type == ct.MoneyCentPrecision {
		m.FractionDigits = ct.FractionDigits(m.CurrencyCode)
	}
}

func normalizeVariant(v *ct.ProductVariant) {
	if v.ID == 0 {
		v.ID = 1
	}
	v.Prices = orEmpty(v.Prices)
	for i := range v.Prices {
		normalizeMoney(&v.Prices[i].Value)
	}
	v.Attributes = orEmpty(v.Attributes)
	v.Images = orEmpty(v.Images)
}

func normalizeProductData(d *ct.ProductData) {
	if d.Name == nil {
		d.Name = ct.LocalizedString{}
	}
	if d.Slug == nil {
		d.Slug = ct.LocalizedString{}
	}
	d.Categories = orEmpty(d.Categories)
	d.Variants = orEmpty(d.Variants)
	d.Attributes = orEmpty(d.Attributes)
	if d.SearchKeywords == nil {
		d.SearchKeywords = map[string]any{}
	}
	normalizeVariant(&d.MasterVariant)
	for i := range d.Variants {
		normalizeVariant(&d.Variants[i])
	}
}

func checkAddress(file string, i int, addrs ...*ct.Address) error {
	for _, a := range addrs {
		if a != nil && a.Country == "" {
			return fmt.Errorf("%s: record %d: an address has no country", file, i)
		}
	}
	return nil
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
