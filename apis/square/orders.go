package square

import "encoding/json"

// Order states.
const (
	OrderOpen      = "OPEN"
	OrderCompleted = "COMPLETED"
	OrderCanceled  = "CANCELED"
	OrderDraft     = "DRAFT"
)

// Order is a sale, a parked sale (OPEN) or a return at one location.
// Amounts Square calculates are read-only: clients leave them out of
// create and update requests.
type Order struct {
	ID                      string            `json:"id,omitempty"`
	LocationID              string            `json:"location_id"`
	ReferenceID             string            `json:"reference_id,omitempty"`
	Source                  *OrderSource      `json:"source,omitempty"`
	CustomerID              string            `json:"customer_id,omitempty"`
	LineItems               []OrderLineItem   `json:"line_items,omitempty"`
	Metadata                map[string]string `json:"metadata,omitempty"`
	CreatedAt               string            `json:"created_at,omitempty"`
	UpdatedAt               string            `json:"updated_at,omitempty"`
	ClosedAt                string            `json:"closed_at,omitempty"`
	State                   string            `json:"state,omitempty"`
	Version                 int64             `json:"version,omitempty"`
	TotalMoney              *Money            `json:"total_money,omitempty"`
	TotalTaxMoney           *Money            `json:"total_tax_money,omitempty"`
	TotalDiscountMoney      *Money            `json:"total_discount_money,omitempty"`
	TotalTipMoney           *Money            `json:"total_tip_money,omitempty"`
	TotalServiceChargeMoney *Money            `json:"total_service_charge_money,omitempty"`
	TicketName              string            `json:"ticket_name,omitempty"`
	NetAmountDueMoney       *Money            `json:"net_amount_due_money,omitempty"`
	// Tenders are the payments of a paid order; a tender's customer_id
	// names the paying customer, who may be the only customer the order
	// is linked to.
	Tenders []Tender `json:"tenders,omitempty"`
	// Returns make the order a return: goods taken back from sales (one
	// OrderReturn per sale), refunded as ReturnAmounts says. A return
	// order that also has LineItems is an exchange: it sells those lines
	// (TotalMoney) against the goods taken back. NetAmounts is sale money
	// less returned money. Square calculates all four; they are read-only.
	Returns       []OrderReturn      `json:"returns,omitempty"`
	ReturnAmounts *OrderMoneyAmounts `json:"return_amounts,omitempty"`
	NetAmounts    *OrderMoneyAmounts `json:"net_amounts,omitempty"`
	// Refunds are the payment refunds that are part of the order: a
	// return's money going back to the buyer.
	Refunds []Refund `json:"refunds,omitempty"`
	// Parts of an order Square has that omnigate neither sends nor
	// simulates; the simulator refuses them in requests by name.
	Taxes          json.RawMessage `json:"taxes,omitempty"`
	Discounts      json.RawMessage `json:"discounts,omitempty"`
	ServiceCharges json.RawMessage `json:"service_charges,omitempty"`
	Fulfillments   json.RawMessage `json:"fulfillments,omitempty"`
	PricingOptions json.RawMessage `json:"pricing_options,omitempty"`
}

// Tender is one payment of an order.
type Tender struct {
	ID          string `json:"id,omitempty"`
	LocationID  string `json:"location_id,omitempty"`
	CustomerID  string `json:"customer_id,omitempty"`
	Type        string `json:"type"`
	AmountMoney *Money `json:"amount_money,omitempty"`
}

// OrderReturn is the goods of one sale taken back in a return order.
type OrderReturn struct {
	UID string `json:"uid,omitempty"`
	// SourceOrderID is the sale the goods came from; unset for an
	// unlinked return.
	SourceOrderID   string                `json:"source_order_id,omitempty"`
	ReturnLineItems []OrderReturnLineItem `json:"return_line_items,omitempty"`
	// ReturnAmounts is what this return gives back.
	ReturnAmounts *OrderMoneyAmounts `json:"return_amounts,omitempty"`
}

// OrderReturnLineItem is one returned line. Quantity is a decimal string.
type OrderReturnLineItem struct {
	UID                      string `json:"uid,omitempty"`
	SourceLineItemUID        string `json:"source_line_item_uid,omitempty"`
	Name                     string `json:"name,omitempty"`
	Quantity                 string `json:"quantity"`
	CatalogObjectID          string `json:"catalog_object_id,omitempty"`
	CatalogVersion           int64  `json:"catalog_version,omitempty"`
	VariationName            string `json:"variation_name,omitempty"`
	ItemType                 string `json:"item_type,omitempty"`
	BasePriceMoney           *Money `json:"base_price_money,omitempty"`
	VariationTotalPriceMoney *Money `json:"variation_total_price_money,omitempty"`
	GrossReturnMoney         *Money `json:"gross_return_money,omitempty"`
	TotalTaxMoney            *Money `json:"total_tax_money,omitempty"`
	TotalDiscountMoney       *Money `json:"total_discount_money,omitempty"`
	// TotalMoney is what is given back for the line.
	TotalMoney *Money `json:"total_money,omitempty"`
}

// OrderMoneyAmounts is a roll-up of an order's or a return's money.
type OrderMoneyAmounts struct {
	TotalMoney         *Money `json:"total_money,omitempty"`
	TaxMoney           *Money `json:"tax_money,omitempty"`
	DiscountMoney      *Money `json:"discount_money,omitempty"`
	TipMoney           *Money `json:"tip_money,omitempty"`
	ServiceChargeMoney *Money `json:"service_charge_money,omitempty"`
}

// Refund statuses.
const (
	RefundPending  = "PENDING"
	RefundApproved = "APPROVED"
	RefundRejected = "REJECTED"
	RefundFailed   = "FAILED"
)

// Refund is money given back for a tender of an order.
type Refund struct {
	ID            string `json:"id"`
	LocationID    string `json:"location_id"`
	TransactionID string `json:"transaction_id,omitempty"`
	TenderID      string `json:"tender_id,omitempty"`
	CreatedAt     string `json:"created_at,omitempty"`
	Reason        string `json:"reason"`
	AmountMoney   *Money `json:"amount_money"`
	Status        string `json:"status"`
}

// OrderSource names where an order came from, e.g. "Register".
type OrderSource struct {
	Name string `json:"name,omitempty"`
}

// OrderLineItem is one line of an order. Quantity is a decimal string.
type OrderLineItem struct {
	UID                      string            `json:"uid,omitempty"`
	Name                     string            `json:"name,omitempty"`
	Quantity                 string            `json:"quantity"`
	Note                     string            `json:"note,omitempty"`
	CatalogObjectID          string            `json:"catalog_object_id,omitempty"`
	CatalogVersion           int64             `json:"catalog_version,omitempty"`
	VariationName            string            `json:"variation_name,omitempty"`
	ItemType                 string            `json:"item_type,omitempty"`
	Metadata                 map[string]string `json:"metadata,omitempty"`
	BasePriceMoney           *Money            `json:"base_price_money,omitempty"`
	VariationTotalPriceMoney *Money            `json:"variation_total_price_money,omitempty"`
	GrossSalesMoney          *Money            `json:"gross_sales_money,omitempty"`
	TotalTaxMoney            *Money            `json:"total_tax_money,omitempty"`
	TotalDiscountMoney       *Money            `json:"total_discount_money,omitempty"`
	TotalMoney               *Money            `json:"total_money,omitempty"`
}

// OrderEntry is the short form of an order a search returns with
// return_entries.
type OrderEntry struct {
	OrderID    string `json:"order_id,omitempty"`
	Version    int64  `json:"version,omitempty"`
	LocationID string `json:"location_id,omitempty"`
}

// SearchOrdersRequest is the body of POST /v2/orders/search.
type SearchOrdersRequest struct {
	LocationIDs   []string           `json:"location_ids,omitempty"`
	Cursor        string             `json:"cursor,omitempty"`
	Query         *SearchOrdersQuery `json:"query,omitempty"`
	Limit         *int64             `json:"limit,omitempty"`
	ReturnEntries bool               `json:"return_entries,omitempty"`
}

// SearchOrdersQuery filters and sorts an order search.
type SearchOrdersQuery struct {
	Filter *SearchOrdersFilter `json:"filter,omitempty"`
	Sort   *SearchOrdersSort   `json:"sort,omitempty"`
}

// SearchOrdersFilter is a set of conditions combined with AND.
type SearchOrdersFilter struct {
	StateFilter       *SearchOrdersStateFilter    `json:"state_filter,omitempty"`
	DateTimeFilter    *SearchOrdersDateTimeFilter `json:"date_time_filter,omitempty"`
	SourceFilter      *SearchOrdersSourceFilter   `json:"source_filter,omitempty"`
	CustomerFilter    *SearchOrdersCustomerFilter `json:"customer_filter,omitempty"`
	FulfillmentFilter json.RawMessage             `json:"fulfillment_filter,omitempty"`
}

// SearchOrdersStateFilter keeps orders in any of the states.
type SearchOrdersStateFilter struct {
	States []string `json:"states"`
}

// SearchOrdersDateTimeFilter keeps orders whose timestamp lies in a range;
// the sort must use the same timestamp.
type SearchOrdersDateTimeFilter struct {
	CreatedAt *TimeRange `json:"created_at,omitempty"`
	UpdatedAt *TimeRange `json:"updated_at,omitempty"`
	ClosedAt  *TimeRange `json:"closed_at,omitempty"`
}

// SearchOrdersSourceFilter keeps orders from any of the source names.
type SearchOrdersSourceFilter struct {
	SourceNames []string `json:"source_names,omitempty"`
}

// SearchOrdersCustomerFilter keeps orders of any of (at most 10) customers.
type SearchOrdersCustomerFilter struct {
	CustomerIDs []string `json:"customer_ids,omitempty"`
}

// Order sort fields.
const (
	SortCreatedAt = "CREATED_AT"
	SortUpdatedAt = "UPDATED_AT"
	SortClosedAt  = "CLOSED_AT"
)

// SearchOrdersSort sorts by one timestamp; SortOrder defaults to DESC.
type SearchOrdersSort struct {
	SortField string `json:"sort_field"`
	SortOrder string `json:"sort_order,omitempty"`
}

// SearchOrdersResponse is the answer to an order search: Orders, or
// OrderEntries when return_entries was set.
type SearchOrdersResponse struct {
	OrderEntries []OrderEntry `json:"order_entries,omitempty"`
	Orders       []Order      `json:"orders,omitempty"`
	Cursor       string       `json:"cursor,omitempty"`
	Errors       []Error      `json:"errors,omitempty"`
}

// BatchRetrieveOrdersRequest is the body of POST /v2/orders/batch-retrieve.
type BatchRetrieveOrdersRequest struct {
	LocationID string   `json:"location_id,omitempty"`
	OrderIDs   []string `json:"order_ids"`
}

// BatchRetrieveOrdersResponse lists the orders found; unknown ids are left
// out.
type BatchRetrieveOrdersResponse struct {
	Orders []Order `json:"orders,omitempty"`
	Errors []Error `json:"errors,omitempty"`
}

// CreateOrderRequest is the body of POST /v2/orders.
type CreateOrderRequest struct {
	Order          *Order `json:"order,omitempty"`
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// CreateOrderResponse is the order as created.
type CreateOrderResponse struct {
	Order  *Order  `json:"order,omitempty"`
	Errors []Error `json:"errors,omitempty"`
}

// UpdateOrderRequest is the body of PUT /v2/orders/{order_id}: a sparse
// order holding the current version and only the fields to change.
type UpdateOrderRequest struct {
	Order          *Order   `json:"order,omitempty"`
	FieldsToClear  []string `json:"fields_to_clear,omitempty"`
	IdempotencyKey string   `json:"idempotency_key,omitempty"`
}

// UpdateOrderResponse is the order after the update.
type UpdateOrderResponse struct {
	Order  *Order  `json:"order,omitempty"`
	Errors []Error `json:"errors,omitempty"`
}

// RetrieveOrderResponse is the answer to GET /v2/orders/{order_id}.
type RetrieveOrderResponse struct {
	Order  *Order  `json:"order,omitempty"`
	Errors []Error `json:"errors,omitempty"`
}
