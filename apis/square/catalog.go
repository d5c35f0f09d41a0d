package square

import "encoding/json"

// Catalog object types omnigate uses.
const (
	ObjectItem          = "ITEM"
	ObjectItemVariation = "ITEM_VARIATION"
	ObjectCategory      = "CATEGORY"
)

// CatalogObjectTypes are all the types Square's catalog knows, for
// validating requests.
var CatalogObjectTypes = []string{
	"ITEM", "IMAGE", "CATEGORY", "ITEM_VARIATION", "TAX", "DISCOUNT", "MODIFIER_LIST", "MODIFIER",
	"PRICING_RULE", "PRODUCT_SET", "TIME_PERIOD", "MEASUREMENT_UNIT", "SUBSCRIPTION_PLAN_VARIATION",
	"ITEM_OPTION", "ITEM_OPTION_VAL", "CUSTOM_ATTRIBUTE_DEFINITION", "QUICK_AMOUNTS_SETTINGS",
	"SUBSCRIPTION_PLAN", "AVAILABILITY_PERIOD",
}

// CatalogObject is one catalog entry; the *_data field matching Type is set.
// An ITEM carries its ITEM_VARIATIONs nested in ItemData.Variations.
type CatalogObject struct {
	Type                  string                `json:"type"`
	ID                    string                `json:"id"`
	UpdatedAt             string                `json:"updated_at,omitempty"`
	Version               int64                 `json:"version,omitempty"`
	IsDeleted             bool                  `json:"is_deleted,omitempty"`
	PresentAtAllLocations *bool                 `json:"present_at_all_locations,omitempty"`
	PresentAtLocationIDs  []string              `json:"present_at_location_ids,omitempty"`
	AbsentAtLocationIDs   []string              `json:"absent_at_location_ids,omitempty"`
	ItemData              *CatalogItem          `json:"item_data,omitempty"`
	ItemVariationData     *CatalogItemVariation `json:"item_variation_data,omitempty"`
	CategoryData          *CatalogCategory      `json:"category_data,omitempty"`
}

// CatalogItem is an item (a product) with its variations.
type CatalogItem struct {
	Name                 string               `json:"name,omitempty"`
	DescriptionHTML      string               `json:"description_html,omitempty"`
	DescriptionPlaintext string               `json:"description_plaintext,omitempty"`
	Abbreviation         string               `json:"abbreviation,omitempty"`
	IsTaxable            *bool                `json:"is_taxable,omitempty"`
	Variations           []CatalogObject      `json:"variations,omitempty"`
	ProductType          string               `json:"product_type,omitempty"`
	Categories           []CatalogCategoryRef `json:"categories,omitempty"`
	IsArchived           *bool                `json:"is_archived,omitempty"`
}

// CatalogCategoryRef points an item at a category.
type CatalogCategoryRef struct {
	ID      string `json:"id"`
	Ordinal int64  `json:"ordinal,omitempty"`
}

// CatalogCategory is a category.
type CatalogCategory struct {
	Name string `json:"name,omitempty"`
}

// Pricing types.
const (
	FixedPricing    = "FIXED_PRICING"
	VariablePricing = "VARIABLE_PRICING"
)

// CatalogItemVariation is a sellable variation of an item; its SKU is the
// key shared with the webshop.
type CatalogItemVariation struct {
	ItemID            string                           `json:"item_id,omitempty"`
	Name              string                           `json:"name,omitempty"`
	SKU               string                           `json:"sku,omitempty"`
	UPC               string                           `json:"upc,omitempty"`
	Ordinal           int64                            `json:"ordinal,omitempty"`
	PricingType       string                           `json:"pricing_type,omitempty"`
	PriceMoney        *Money                           `json:"price_money,omitempty"`
	LocationOverrides []ItemVariationLocationOverrides `json:"location_overrides,omitempty"`
	TrackInventory    *bool                            `json:"track_inventory,omitempty"`
	Sellable          *bool                            `json:"sellable,omitempty"`
	Stockable         *bool                            `json:"stockable,omitempty"`
}

// ItemVariationLocationOverrides sets a variation's price or tracking at one
// location, e.g. its price in the location's currency.
type ItemVariationLocationOverrides struct {
	LocationID     string `json:"location_id,omitempty"`
	PriceMoney     *Money `json:"price_money,omitempty"`
	PricingType    string `json:"pricing_type,omitempty"`
	TrackInventory *bool  `json:"track_inventory,omitempty"`
}

// SearchCatalogObjectsRequest is the body of POST /v2/catalog/search.
type SearchCatalogObjectsRequest struct {
	Cursor                string        `json:"cursor,omitempty"`
	ObjectTypes           []string      `json:"object_types,omitempty"`
	IncludeDeletedObjects bool          `json:"include_deleted_objects,omitempty"`
	IncludeRelatedObjects bool          `json:"include_related_objects,omitempty"`
	BeginTime             string        `json:"begin_time,omitempty"`
	Query                 *CatalogQuery `json:"query,omitempty"`
	Limit                 *int64        `json:"limit,omitempty"`
}

// CatalogQuery holds one query expression.
type CatalogQuery struct {
	ExactQuery  *CatalogQueryExact  `json:"exact_query,omitempty"`
	SetQuery    *CatalogQuerySet    `json:"set_query,omitempty"`
	PrefixQuery *CatalogQueryPrefix `json:"prefix_query,omitempty"`
	TextQuery   *CatalogQueryText   `json:"text_query,omitempty"`
	// Query kinds Square has that omnigate neither sends nor simulates.
	SortedAttributeQuery                   json.RawMessage `json:"sorted_attribute_query,omitempty"`
	RangeQuery                             json.RawMessage `json:"range_query,omitempty"`
	ItemsForTaxQuery                       json.RawMessage `json:"items_for_tax_query,omitempty"`
	ItemsForModifierListQuery              json.RawMessage `json:"items_for_modifier_list_query,omitempty"`
	ItemsForItemOptionsQuery               json.RawMessage `json:"items_for_item_options_query,omitempty"`
	ItemVariationsForItemOptionValuesQuery json.RawMessage `json:"item_variations_for_item_option_values_query,omitempty"`
}

// CatalogQueryExact matches an attribute, case-insensitively.
type CatalogQueryExact struct {
	AttributeName  string `json:"attribute_name"`
	AttributeValue string `json:"attribute_value"`
}

// CatalogQuerySet matches an attribute against any of up to 250 values,
// exactly and case-insensitively.
type CatalogQuerySet struct {
	AttributeName   string   `json:"attribute_name"`
	AttributeValues []string `json:"attribute_values"`
}

// CatalogQueryPrefix matches attribute values that start with a prefix.
type CatalogQueryPrefix struct {
	AttributeName   string `json:"attribute_name"`
	AttributePrefix string `json:"attribute_prefix"`
}

// CatalogQueryText matches objects whose searchable attributes contain all
// keywords.
type CatalogQueryText struct {
	Keywords []string `json:"keywords"`
}

// SearchCatalogObjectsResponse is the answer to a catalog search.
type SearchCatalogObjectsResponse struct {
	Errors         []Error         `json:"errors,omitempty"`
	Cursor         string          `json:"cursor,omitempty"`
	Objects        []CatalogObject `json:"objects,omitempty"`
	RelatedObjects []CatalogObject `json:"related_objects,omitempty"`
	LatestTime     string          `json:"latest_time,omitempty"`
}

// BatchRetrieveCatalogObjectsRequest is the body of
// POST /v2/catalog/batch-retrieve.
type BatchRetrieveCatalogObjectsRequest struct {
	ObjectIDs             []string `json:"object_ids"`
	IncludeRelatedObjects bool     `json:"include_related_objects,omitempty"`
	IncludeDeletedObjects bool     `json:"include_deleted_objects,omitempty"`
}

// BatchRetrieveCatalogObjectsResponse lists the objects found.
type BatchRetrieveCatalogObjectsResponse struct {
	Errors         []Error         `json:"errors,omitempty"`
	Objects        []CatalogObject `json:"objects,omitempty"`
	RelatedObjects []CatalogObject `json:"related_objects,omitempty"`
}
