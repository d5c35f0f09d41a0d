// Package commercetools holds the JSON shapes of the commercetools
// Composable Commerce HTTP API that omnigate serves (in the simulator) and
// reads (in the connector): the resources, their paged query responses, the
// update actions we send, the error bodies and the auth service's token.
//
// Field names, nesting and optionality follow the vendor's OpenAPI
// description (testdata/vendor-specs/commercetools-openapi.yaml). Fields the
// API always returns have no omitempty, so that a record served from a
// fixture carries every required field (arrays as [] rather than null);
// fields the API leaves out when unset have omitempty or are pointers.
// Only the subset of fields omnigate uses, plus the required ones, is
// modelled; a decoder ignores the rest.
package commercetools

import (
	"encoding/json"
	"time"
)

// Reference type ids used by omnigate.
const (
	TypeIDCart        = "cart"
	TypeIDChannel     = "channel"
	TypeIDCustomer    = "customer"
	TypeIDOrder       = "order"
	TypeIDProduct     = "product"
	TypeIDProductType = "product-type"
	TypeIDState       = "state"
	TypeIDStore       = "store"
)

// Reference points at another resource by id.
type Reference struct {
	TypeID string `json:"typeId"`
	ID     string `json:"id"`
}

// KeyReference points at another resource by key (stores are referenced so).
type KeyReference struct {
	TypeID string `json:"typeId"`
	Key    string `json:"key"`
}

// ResourceIdentifier names a resource by id or key in a request.
type ResourceIdentifier struct {
	TypeID string `json:"typeId,omitempty"`
	ID     string `json:"id,omitempty"`
	Key    string `json:"key,omitempty"`
}

// LocalizedString maps a locale ("en", "de-DE") to a text.
type LocalizedString map[string]string

// Money is an amount in the smallest unit of a currency (requests).
type Money struct {
	CurrencyCode string `json:"currencyCode"`
	CentAmount   int64  `json:"centAmount"`
}

// Money types.
const (
	MoneyCentPrecision = "centPrecision"
	MoneyHighPrecision = "highPrecision"
)

// TypedMoney is Money as the API returns it: centAmount is in the
// currency's minor units, fractionDigits is the currency's number of
// decimals (or more, for highPrecision, where preciseAmount holds the exact
// value).
type TypedMoney struct {
	Type           string `json:"type"`
	CurrencyCode   string `json:"currencyCode"`
	CentAmount     int64  `json:"centAmount"`
	FractionDigits int    `json:"fractionDigits"`
	PreciseAmount  *int64 `json:"preciseAmount,omitempty"`
}

// Address is a postal address with contact details. Country is required.
type Address struct {
	ID                    string `json:"id,omitempty"`
	Key                   string `json:"key,omitempty"`
	Title                 string `json:"title,omitempty"`
	Salutation            string `json:"salutation,omitempty"`
	FirstName             string `json:"firstName,omitempty"`
	LastName              string `json:"lastName,omitempty"`
	StreetName            string `json:"streetName,omitempty"`
	StreetNumber          string `json:"streetNumber,omitempty"`
	AdditionalStreetInfo  string `json:"additionalStreetInfo,omitempty"`
	PostalCode            string `json:"postalCode,omitempty"`
	City                  string `json:"city,omitempty"`
	Region                string `json:"region,omitempty"`
	State                 string `json:"state,omitempty"`
	Country               string `json:"country"`
	Company               string `json:"company,omitempty"`
	Department            string `json:"department,omitempty"`
	Building              string `json:"building,omitempty"`
	Apartment             string `json:"apartment,omitempty"`
	POBox                 string `json:"pOBox,omitempty"`
	Phone                 string `json:"phone,omitempty"`
	Mobile                string `json:"mobile,omitempty"`
	Email                 string `json:"email,omitempty"`
	Fax                   string `json:"fax,omitempty"`
	AdditionalAddressInfo string `json:"additionalAddressInfo,omitempty"`
	ExternalID            string `json:"externalId,omitempty"`
}

// Customer is a webshop customer account. Email is unique in the project
// and stored with the letter case it was typed in; queries match it
// case-insensitively only through the query-only field lowercaseEmail.
type Customer struct {
	ID                       string                    `json:"id"`
	Version                  int64                     `json:"version"`
	CreatedAt                time.Time                 `json:"createdAt"`
	LastModifiedAt           time.Time                 `json:"lastModifiedAt"`
	Key                      string                    `json:"key,omitempty"`
	CustomerNumber           string                    `json:"customerNumber,omitempty"`
	ExternalID               string                    `json:"externalId,omitempty"`
	Email                    string                    `json:"email"`
	FirstName                string                    `json:"firstName,omitempty"`
	LastName                 string                    `json:"lastName,omitempty"`
	MiddleName               string                    `json:"middleName,omitempty"`
	Title                    string                    `json:"title,omitempty"`
	Salutation               string                    `json:"salutation,omitempty"`
	DateOfBirth              string                    `json:"dateOfBirth,omitempty"`
	CompanyName              string                    `json:"companyName,omitempty"`
	VatID                    string                    `json:"vatId,omitempty"`
	Addresses                []Address                 `json:"addresses"`
	DefaultShippingAddressID string                    `json:"defaultShippingAddressId,omitempty"`
	ShippingAddressIDs       []string                  `json:"shippingAddressIds"`
	DefaultBillingAddressID  string                    `json:"defaultBillingAddressId,omitempty"`
	BillingAddressIDs        []string                  `json:"billingAddressIds"`
	IsEmailVerified          bool                      `json:"isEmailVerified"`
	CustomerGroup            *Reference                `json:"customerGroup,omitempty"`
	CustomerGroupAssignments []CustomerGroupAssignment `json:"customerGroupAssignments"`
	Locale                   string                    `json:"locale,omitempty"`
	Stores                   []KeyReference            `json:"stores"`
	AuthenticationMode       string                    `json:"authenticationMode"`
}

// CustomerGroupAssignment assigns a customer to a customer group.
type CustomerGroupAssignment struct {
	CustomerGroup Reference `json:"customerGroup"`
}

// ProductVariant is one sellable variant of a product; the SKU names it
// across channels.
type ProductVariant struct {
	ID           int64                `json:"id"`
	SKU          string               `json:"sku,omitempty"`
	Key          string               `json:"key,omitempty"`
	Prices       []Price              `json:"prices"`
	Attributes   []Attribute          `json:"attributes"`
	Images       []Image              `json:"images"`
	Assets       []json.RawMessage    `json:"assets,omitempty"`
	Availability *VariantAvailability `json:"availability,omitempty"`
}

// VariantAvailability is a variant's stock, in total and per supply channel.
type VariantAvailability struct {
	IsOnStock         *bool                          `json:"isOnStock,omitempty"`
	RestockableInDays *int64                         `json:"restockableInDays,omitempty"`
	AvailableQuantity *int64                         `json:"availableQuantity,omitempty"`
	Channels          map[string]ChannelAvailability `json:"channels,omitempty"`
}

// ChannelAvailability is a variant's stock in one supply channel.
type ChannelAvailability struct {
	IsOnStock         *bool  `json:"isOnStock,omitempty"`
	RestockableInDays *int64 `json:"restockableInDays,omitempty"`
	AvailableQuantity *int64 `json:"availableQuantity,omitempty"`
	ID                string `json:"id"`
	Version           int64  `json:"version"`
}

// Attribute is a named product attribute; its value may be of any JSON type.
type Attribute struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

// Image is a product image.
type Image struct {
	URL        string          `json:"url"`
	Dimensions ImageDimensions `json:"dimensions"`
	Label      string          `json:"label,omitempty"`
}

// ImageDimensions are an image's size in pixels.
type ImageDimensions struct {
	W int `json:"w"`
	H int `json:"h"`
}

// Price is a variant's price in one currency, optionally scoped to a country
// or a channel.
type Price struct {
	ID         string     `json:"id"`
	Key        string     `json:"key,omitempty"`
	Value      TypedMoney `json:"value"`
	Country    string     `json:"country,omitempty"`
	Channel    *Reference `json:"channel,omitempty"`
	ValidFrom  *time.Time `json:"validFrom,omitempty"`
	ValidUntil *time.Time `json:"validUntil,omitempty"`
}

// ItemState is how many units of a line item are in a workflow state.
type ItemState struct {
	Quantity int64     `json:"quantity"`
	State    Reference `json:"state"`
}

// LineItem is a line of a cart or an order.
type LineItem struct {
	ID                         string            `json:"id"`
	Key                        string            `json:"key,omitempty"`
	ProductID                  string            `json:"productId"`
	ProductKey                 string            `json:"productKey,omitempty"`
	Name                       LocalizedString   `json:"name"`
	ProductSlug                LocalizedString   `json:"productSlug,omitempty"`
	ProductType                Reference         `json:"productType"`
	Variant                    ProductVariant    `json:"variant"`
	Price                      Price             `json:"price"`
	Quantity                   int64             `json:"quantity"`
	TotalPrice                 TypedMoney        `json:"totalPrice"`
	DiscountedPricePerQuantity []json.RawMessage `json:"discountedPricePerQuantity"`
	TaxedPricePortions         []json.RawMessage `json:"taxedPricePortions"`
	State                      []ItemState       `json:"state"`
	PerMethodTaxRate           []json.RawMessage `json:"perMethodTaxRate"`
	SupplyChannel              *Reference        `json:"supplyChannel,omitempty"`
	DistributionChannel        *Reference        `json:"distributionChannel,omitempty"`
	PriceMode                  string            `json:"priceMode"`
	LineItemMode               string            `json:"lineItemMode"`
	InventoryMode              string            `json:"inventoryMode,omitempty"`
	AddedAt                    *time.Time        `json:"addedAt,omitempty"`
	LastModifiedAt             *time.Time        `json:"lastModifiedAt,omitempty"`
}

// Cart states.
const (
	CartActive  = "Active"
	CartMerged  = "Merged"
	CartOrdered = "Ordered"
	CartFrozen  = "Frozen"
)

// Cart is a shopping cart. A customer's active cart is the most recently
// modified one in state Active with origin Customer.
type Cart struct {
	ID                    string            `json:"id"`
	Version               int64             `json:"version"`
	CreatedAt             time.Time         `json:"createdAt"`
	LastModifiedAt        time.Time         `json:"lastModifiedAt"`
	Key                   string            `json:"key,omitempty"`
	CustomerID            string            `json:"customerId,omitempty"`
	CustomerEmail         string            `json:"customerEmail,omitempty"`
	AnonymousID           string            `json:"anonymousId,omitempty"`
	Store                 *KeyReference     `json:"store,omitempty"`
	LineItems             []LineItem        `json:"lineItems"`
	CustomLineItems       []json.RawMessage `json:"customLineItems"`
	TotalLineItemQuantity *int64            `json:"totalLineItemQuantity,omitempty"`
	TotalPrice            TypedMoney        `json:"totalPrice"`
	TaxMode               string            `json:"taxMode"`
	PriceRoundingMode     string            `json:"priceRoundingMode"`
	TaxRoundingMode       string            `json:"taxRoundingMode"`
	TaxCalculationMode    string            `json:"taxCalculationMode"`
	InventoryMode         string            `json:"inventoryMode"`
	CartState             string            `json:"cartState"`
	BillingAddress        *Address          `json:"billingAddress,omitempty"`
	ShippingAddress       *Address          `json:"shippingAddress,omitempty"`
	ShippingMode          string            `json:"shippingMode"`
	Shipping              []json.RawMessage `json:"shipping"`
	ItemShippingAddresses []Address         `json:"itemShippingAddresses"`
	DiscountCodes         []json.RawMessage `json:"discountCodes"`
	DirectDiscounts       []json.RawMessage `json:"directDiscounts"`
	RefusedGifts          []Reference       `json:"refusedGifts"`
	Country               string            `json:"country,omitempty"`
	Locale                string            `json:"locale,omitempty"`
	Origin                string            `json:"origin"`
}

// Order is a placed order.
type Order struct {
	ID                string            `json:"id"`
	Version           int64             `json:"version"`
	CreatedAt         time.Time         `json:"createdAt"`
	LastModifiedAt    time.Time         `json:"lastModifiedAt"`
	OrderNumber       string            `json:"orderNumber,omitempty"`
	CustomerID        string            `json:"customerId,omitempty"`
	CustomerEmail     string            `json:"customerEmail,omitempty"`
	AnonymousID       string            `json:"anonymousId,omitempty"`
	Store             *KeyReference     `json:"store,omitempty"`
	LineItems         []LineItem        `json:"lineItems"`
	CustomLineItems   []json.RawMessage `json:"customLineItems"`
	TotalPrice        TypedMoney        `json:"totalPrice"`
	TaxMode           string            `json:"taxMode,omitempty"`
	InventoryMode     string            `json:"inventoryMode,omitempty"`
	BillingAddress    *Address          `json:"billingAddress,omitempty"`
	ShippingAddress   *Address          `json:"shippingAddress,omitempty"`
	ShippingMode      string            `json:"shippingMode"`
	Shipping          []json.RawMessage `json:"shipping"`
	RefusedGifts      []Reference       `json:"refusedGifts"`
	Country           string            `json:"country,omitempty"`
	Locale            string            `json:"locale,omitempty"`
	Origin            string            `json:"origin"`
	Cart              *Reference        `json:"cart,omitempty"`
	OrderState        string            `json:"orderState"`
	ShipmentState     string            `json:"shipmentState,omitempty"`
	PaymentState      string            `json:"paymentState,omitempty"`
	SyncInfo          []json.RawMessage `json:"syncInfo"`
	CompletedAt       *time.Time        `json:"completedAt,omitempty"`
	LastMessageSeqNum int64             `json:"lastMessageSequenceNumber,omitempty"`
	// ReturnInfo lists the order's returns, in the order they were added.
	ReturnInfo []ReturnInfo `json:"returnInfo,omitempty"`
}

// ReturnInfo is one return of goods of an order: its items, and when the
// goods came back.
type ReturnInfo struct {
	Items            []ReturnItem `json:"items"`
	ReturnTrackingID string       `json:"returnTrackingId,omitempty"`
	ReturnDate       *time.Time   `json:"returnDate,omitempty"`
}

// Return item types: which kind of line an item returns.
const (
	ReturnItemLineItem       = "LineItemReturnItem"
	ReturnItemCustomLineItem = "CustomLineItemReturnItem"
)

// Return shipment states: where the goods are.
const (
	ReturnAdvised     = "Advised"  // announced; not refundable
	ReturnReturned    = "Returned" // back; refundable
	ReturnBackInStock = "BackInStock"
	ReturnUnusable    = "Unusable"
)

// Return payment states: whether the goods' money went back.
const (
	ReturnNonRefundable = "NonRefundable"
	ReturnInitial       = "Initial" // refundable, not refunded yet
	ReturnRefunded      = "Refunded"
	ReturnNotRefunded   = "NotRefunded"
)

// ReturnItem is a quantity of one line of the order coming back: a line
// item (LineItemID) or a custom line item (CustomLineItemID), as Type
// says.
type ReturnItem struct {
	ID               string    `json:"id"`
	Key              string    `json:"key,omitempty"`
	Type             string    `json:"type"`
	Quantity         int64     `json:"quantity"`
	LineItemID       string    `json:"lineItemId,omitempty"`
	CustomLineItemID string    `json:"customLineItemId,omitempty"`
	Comment          string    `json:"comment,omitempty"`
	ShipmentState    string    `json:"shipmentState"`
	PaymentState     string    `json:"paymentState"`
	CreatedAt        time.Time `json:"createdAt"`
	LastModifiedAt   time.Time `json:"lastModifiedAt"`
}

// ProductData is one version (current or staged) of a product's catalog
// data.
type ProductData struct {
	Name            LocalizedString  `json:"name"`
	Categories      []Reference      `json:"categories"`
	Description     LocalizedString  `json:"description,omitempty"`
	Slug            LocalizedString  `json:"slug"`
	MasterVariant   ProductVariant   `json:"masterVariant"`
	Variants        []ProductVariant `json:"variants"`
	SearchKeywords  map[string]any   `json:"searchKeywords"`
	Attributes      []Attribute      `json:"attributes"`
	MetaTitle       LocalizedString  `json:"metaTitle,omitempty"`
	MetaDescription LocalizedString  `json:"metaDescription,omitempty"`
}

// ProductCatalogData holds the published (current) and the draft (staged)
// data of a product.
type ProductCatalogData struct {
	Published        bool        `json:"published"`
	Current          ProductData `json:"current"`
	Staged           ProductData `json:"staged"`
	HasStagedChanges bool        `json:"hasStagedChanges"`
}

// Product is a product with its current and staged data.
type Product struct {
	ID             string             `json:"id"`
	Version        int64              `json:"version"`
	CreatedAt      time.Time          `json:"createdAt"`
	LastModifiedAt time.Time          `json:"lastModifiedAt"`
	Key            string             `json:"key,omitempty"`
	ProductType    Reference          `json:"productType"`
	MasterData     ProductCatalogData `json:"masterData"`
	TaxCategory    *Reference         `json:"taxCategory,omitempty"`
	PriceMode      string             `json:"priceMode,omitempty"`
}

// ProductProjection is one projection (current or staged) of a product, as
// GET /product-projections returns it.
type ProductProjection struct {
	ID               string           `json:"id"`
	Version          int64            `json:"version"`
	CreatedAt        time.Time        `json:"createdAt"`
	LastModifiedAt   time.Time        `json:"lastModifiedAt"`
	Key              string           `json:"key,omitempty"`
	ProductType      Reference        `json:"productType"`
	Name             LocalizedString  `json:"name"`
	Description      LocalizedString  `json:"description,omitempty"`
	Slug             LocalizedString  `json:"slug"`
	Categories       []Reference      `json:"categories"`
	MetaTitle        LocalizedString  `json:"metaTitle,omitempty"`
	MetaDescription  LocalizedString  `json:"metaDescription,omitempty"`
	SearchKeywords   map[string]any   `json:"searchKeywords,omitempty"`
	HasStagedChanges bool             `json:"hasStagedChanges"`
	Published        bool             `json:"published"`
	MasterVariant    ProductVariant   `json:"masterVariant"`
	Variants         []ProductVariant `json:"variants"`
	TaxCategory      *Reference       `json:"taxCategory,omitempty"`
	PriceMode        string           `json:"priceMode,omitempty"`
	Attributes       []Attribute      `json:"attributes"`
}

// Projection returns the current (staged false) or staged projection of p.
func (p *Product) Projection(staged bool) ProductProjection {
	d := p.MasterData.Current
	if staged {
		d = p.MasterData.Staged
	}
	return ProductProjection{
		ID: p.ID, Version: p.Version, CreatedAt: p.CreatedAt, LastModifiedAt: p.LastModifiedAt,
		Key: p.Key, ProductType: p.ProductType, Name: d.Name, Description: d.Description,
		Slug: d.Slug, Categories: d.Categories, MetaTitle: d.MetaTitle, MetaDescription: d.MetaDescription,
		SearchKeywords: d.SearchKeywords, HasStagedChanges: p.MasterData.HasStagedChanges,
		Published: p.MasterData.Published, MasterVariant: d.MasterVariant, Variants: d.Variants,
		TaxCategory: p.TaxCategory, PriceMode: p.PriceMode, Attributes: d.Attributes,
	}
}

// AllVariants returns the master variant followed by the other variants.
func (d *ProductData) AllVariants() []ProductVariant {
	return append([]ProductVariant{d.MasterVariant}, d.Variants...)
}

// InventoryEntry is the stock of one SKU, in one supply channel or (without
// one) overall.
type InventoryEntry struct {
	ID                             string     `json:"id"`
	Version                        int64      `json:"version"`
	CreatedAt                      time.Time  `json:"createdAt"`
	LastModifiedAt                 time.Time  `json:"lastModifiedAt"`
	Key                            string     `json:"key,omitempty"`
	SKU                            string     `json:"sku"`
	SupplyChannel                  *Reference `json:"supplyChannel,omitempty"`
	QuantityOnStock                int64      `json:"quantityOnStock"`
	AvailableQuantity              int64      `json:"availableQuantity"`
	MinCartQuantity                *int64     `json:"minCartQuantity,omitempty"`
	MaxCartQuantity                *int64     `json:"maxCartQuantity,omitempty"`
	RestockableInDays              *int64     `json:"restockableInDays,omitempty"`
	ExpectedDelivery               *time.Time `json:"expectedDelivery,omitempty"`
	ReservationExpirationInMinutes *int64     `json:"reservationExpirationInMinutes,omitempty"`
}

// Channel roles.
const (
	RoleInventorySupply     = "InventorySupply"
	RoleProductDistribution = "ProductDistribution"
	RoleOrderExport         = "OrderExport"
	RoleOrderImport         = "OrderImport"
	RolePrimary             = "Primary"
)

// Channel is a supply or distribution channel: here, a physical store or the
// online warehouse.
type Channel struct {
	ID             string          `json:"id"`
	Version        int64           `json:"version"`
	CreatedAt      time.Time       `json:"createdAt"`
	LastModifiedAt time.Time       `json:"lastModifiedAt"`
	Key            string          `json:"key"`
	Roles          []string        `json:"roles"`
	Name           LocalizedString `json:"name,omitempty"`
	Description    LocalizedString `json:"description,omitempty"`
	Address        *Address        `json:"address,omitempty"`
}

// StoreCountry is a country a store sells to.
type StoreCountry struct {
	Code string `json:"code"`
}

// Store is a commercetools store: a scope for carts, orders and customers.
type Store struct {
	ID                   string            `json:"id"`
	Version              int64             `json:"version"`
	CreatedAt            time.Time         `json:"createdAt"`
	LastModifiedAt       time.Time         `json:"lastModifiedAt"`
	Key                  string            `json:"key"`
	Name                 LocalizedString   `json:"name,omitempty"`
	Languages            []string          `json:"languages"`
	Countries            []StoreCountry    `json:"countries"`
	DistributionChannels []Reference       `json:"distributionChannels"`
	SupplyChannels       []Reference       `json:"supplyChannels"`
	ProductSelections    []json.RawMessage `json:"productSelections"`
}

// ShoppingListLineItem is a product variant on a shopping list.
type ShoppingListLineItem struct {
	ID            string          `json:"id"`
	Key           string          `json:"key,omitempty"`
	AddedAt       time.Time       `json:"addedAt"`
	Name          LocalizedString `json:"name"`
	ProductID     string          `json:"productId"`
	ProductType   Reference       `json:"productType"`
	Published     bool            `json:"published"`
	Quantity      int64           `json:"quantity"`
	VariantID     *int64          `json:"variantId,omitempty"`
	Variant       *ProductVariant `json:"variant,omitempty"`
	ProductSlug   LocalizedString `json:"productSlug,omitempty"`
	DeactivatedAt *time.Time      `json:"deactivatedAt,omitempty"`
}

// TextLineItem is a free-text line on a shopping list.
type TextLineItem struct {
	ID          string          `json:"id"`
	Key         string          `json:"key,omitempty"`
	AddedAt     time.Time       `json:"addedAt"`
	Name        LocalizedString `json:"name"`
	Description LocalizedString `json:"description,omitempty"`
	Quantity    int64           `json:"quantity"`
}

// ShoppingList is a customer's wish list.
type ShoppingList struct {
	ID                              string                 `json:"id"`
	Version                         int64                  `json:"version"`
	CreatedAt                       time.Time              `json:"createdAt"`
	LastModifiedAt                  time.Time              `json:"lastModifiedAt"`
	Key                             string                 `json:"key,omitempty"`
	Name                            LocalizedString        `json:"name"`
	Customer                        *Reference             `json:"customer,omitempty"`
	Slug                            LocalizedString        `json:"slug,omitempty"`
	Description                     LocalizedString        `json:"description,omitempty"`
	LineItems                       []ShoppingListLineItem `json:"lineItems"`
	TextLineItems                   []TextLineItem         `json:"textLineItems"`
	DeleteDaysAfterLastModification *int64                 `json:"deleteDaysAfterLastModification,omitempty"`
	AnonymousID                     string                 `json:"anonymousId,omitempty"`
	Store                           *KeyReference          `json:"store,omitempty"`
}

// PagedQueryResponse is the answer of every query endpoint. Total is present
// unless the request asked withTotal=false.
type PagedQueryResponse[T any] struct {
	Limit   int    `json:"limit"`
	Offset  int    `json:"offset"`
	Count   int    `json:"count"`
	Total   *int64 `json:"total,omitempty"`
	Results []T    `json:"results"`
}

// CartUpdate is the body of POST /{projectKey}/carts/{id}. Version is a
// pointer so that a missing version can be told from version 0.
type CartUpdate struct {
	Version *int64             `json:"version"`
	Actions []CartUpdateAction `json:"actions"`
}

// Cart update action names.
const (
	ActionAddLineItem            = "addLineItem"
	ActionRemoveLineItem         = "removeLineItem"
	ActionChangeLineItemQuantity = "changeLineItemQuantity"
)

// CartUpdateAction holds the fields of the cart update actions omnigate uses
// (addLineItem, removeLineItem, changeLineItemQuantity); Action says which.
type CartUpdateAction struct {
	Action              string              `json:"action"`
	SKU                 string              `json:"sku,omitempty"`
	ProductID           string              `json:"productId,omitempty"`
	VariantID           *int64              `json:"variantId,omitempty"`
	Key                 string              `json:"key,omitempty"`
	LineItemID          string              `json:"lineItemId,omitempty"`
	LineItemKey         string              `json:"lineItemKey,omitempty"`
	Quantity            *int64              `json:"quantity,omitempty"`
	SupplyChannel       *ResourceIdentifier `json:"supplyChannel,omitempty"`
	DistributionChannel *ResourceIdentifier `json:"distributionChannel,omitempty"`
}

// InventoryEntryUpdate is the body of POST /{projectKey}/inventory/{id}.
type InventoryEntryUpdate struct {
	Version *int64                       `json:"version"`
	Actions []InventoryEntryUpdateAction `json:"actions"`
}

// Inventory update action names.
const (
	ActionAddQuantity    = "addQuantity"
	ActionRemoveQuantity = "removeQuantity"
	ActionChangeQuantity = "changeQuantity"
)

// InventoryEntryUpdateAction is addQuantity, removeQuantity or
// changeQuantity.
type InventoryEntryUpdateAction struct {
	Action   string `json:"action"`
	Quantity *int64 `json:"quantity,omitempty"`
}
