package square

import "encoding/json"

// Inventory states omnigate uses. Counts are kept per state; NONE, SOLD and
// UNLINKED_RETURN are not tracked as counts.
const (
	StateInStock         = "IN_STOCK"
	StateSold            = "SOLD"
	StateNone            = "NONE"
	StateWaste           = "WASTE"
	StateReturned        = "RETURNED_BY_CUSTOMER"
	StateReservedForSale = "RESERVED_FOR_SALE"
	StateUnlinkedReturn  = "UNLINKED_RETURN"
)

// InventoryStates are all the states Square knows, for validating requests.
var InventoryStates = []string{
	"CUSTOM", "IN_STOCK", "SOLD", "RETURNED_BY_CUSTOMER", "RESERVED_FOR_SALE", "SOLD_ONLINE",
	"ORDERED_FROM_VENDOR", "RECEIVED_FROM_VENDOR", "IN_TRANSIT_TO", "NONE", "WASTE",
	"UNLINKED_RETURN", "COMPOSED", "DECOMPOSED", "SUPPORTED_BY_NEWER_VERSION", "IN_TRANSIT",
}

// InventoryCount is the current count of one variation in one state at one
// location. Quantity is a decimal string.
type InventoryCount struct {
	CatalogObjectID   string `json:"catalog_object_id,omitempty"`
	CatalogObjectType string `json:"catalog_object_type,omitempty"`
	State             string `json:"state,omitempty"`
	LocationID        string `json:"location_id,omitempty"`
	Quantity          string `json:"quantity,omitempty"`
	CalculatedAt      string `json:"calculated_at,omitempty"`
	IsEstimated       bool   `json:"is_estimated,omitempty"`
}

// BatchRetrieveInventoryCountsRequest is the body of
// POST /v2/inventory/counts/batch-retrieve; every filter is optional.
type BatchRetrieveInventoryCountsRequest struct {
	CatalogObjectIDs []string `json:"catalog_object_ids,omitempty"`
	LocationIDs      []string `json:"location_ids,omitempty"`
	UpdatedAfter     string   `json:"updated_after,omitempty"`
	Cursor           string   `json:"cursor,omitempty"`
	States           []string `json:"states,omitempty"`
	Limit            *int64   `json:"limit,omitempty"`
}

// BatchRetrieveInventoryCountsResponse lists counts, newest first.
type BatchRetrieveInventoryCountsResponse struct {
	Errors []Error          `json:"errors,omitempty"`
	Counts []InventoryCount `json:"counts,omitempty"`
	Cursor string           `json:"cursor,omitempty"`
}

// Inventory change types.
const (
	ChangePhysicalCount = "PHYSICAL_COUNT"
	ChangeAdjustment    = "ADJUSTMENT"
	ChangeTransfer      = "TRANSFER"
)

// InventoryChange is a physical count or an adjustment.
type InventoryChange struct {
	Type          string                  `json:"type,omitempty"`
	PhysicalCount *InventoryPhysicalCount `json:"physical_count,omitempty"`
	Adjustment    *InventoryAdjustment    `json:"adjustment,omitempty"`
	Transfer      json.RawMessage         `json:"transfer,omitempty"`
}

// InventoryAdjustment moves a quantity from one state to another.
type InventoryAdjustment struct {
	ID                string `json:"id,omitempty"`
	ReferenceID       string `json:"reference_id,omitempty"`
	FromState         string `json:"from_state,omitempty"`
	ToState           string `json:"to_state,omitempty"`
	LocationID        string `json:"location_id,omitempty"`
	CatalogObjectID   string `json:"catalog_object_id,omitempty"`
	CatalogObjectType string `json:"catalog_object_type,omitempty"`
	Quantity          string `json:"quantity,omitempty"`
	OccurredAt        string `json:"occurred_at,omitempty"`
	CreatedAt         string `json:"created_at,omitempty"`
	TeamMemberID      string `json:"team_member_id,omitempty"`
}

// InventoryPhysicalCount sets the counted quantity in one state.
type InventoryPhysicalCount struct {
	ID                string `json:"id,omitempty"`
	ReferenceID       string `json:"reference_id,omitempty"`
	CatalogObjectID   string `json:"catalog_object_id,omitempty"`
	CatalogObjectType string `json:"catalog_object_type,omitempty"`
	State             string `json:"state,omitempty"`
	LocationID        string `json:"location_id,omitempty"`
	Quantity          string `json:"quantity,omitempty"`
	OccurredAt        string `json:"occurred_at,omitempty"`
	CreatedAt         string `json:"created_at,omitempty"`
	TeamMemberID      string `json:"team_member_id,omitempty"`
}

// BatchChangeInventoryRequest is the body of
// POST /v2/inventory/changes/batch-create: up to 100 changes.
type BatchChangeInventoryRequest struct {
	IdempotencyKey        string            `json:"idempotency_key"`
	Changes               []InventoryChange `json:"changes,omitempty"`
	IgnoreUnchangedCounts *bool             `json:"ignore_unchanged_counts,omitempty"`
}

// BatchChangeInventoryResponse holds the counts after the changes and the
// changes as recorded.
type BatchChangeInventoryResponse struct {
	Errors  []Error           `json:"errors,omitempty"`
	Counts  []InventoryCount  `json:"counts,omitempty"`
	Changes []InventoryChange `json:"changes,omitempty"`
}
