package square

import "encoding/json"

// Customer is a customer profile in the seller's Customer Directory. Email
// and phone are stored as they were typed in.
type Customer struct {
	ID             string               `json:"id"`
	CreatedAt      string               `json:"created_at,omitempty"`
	UpdatedAt      string               `json:"updated_at,omitempty"`
	GivenName      string               `json:"given_name,omitempty"`
	FamilyName     string               `json:"family_name,omitempty"`
	Nickname       string               `json:"nickname,omitempty"`
	CompanyName    string               `json:"company_name,omitempty"`
	EmailAddress   string               `json:"email_address,omitempty"`
	Address        *Address             `json:"address,omitempty"`
	PhoneNumber    string               `json:"phone_number,omitempty"`
	Birthday       string               `json:"birthday,omitempty"`
	ReferenceID    string               `json:"reference_id,omitempty"`
	Note           string               `json:"note,omitempty"`
	Preferences    *CustomerPreferences `json:"preferences,omitempty"`
	CreationSource string               `json:"creation_source,omitempty"`
	GroupIDs       []string             `json:"group_ids,omitempty"`
	SegmentIDs     []string             `json:"segment_ids,omitempty"`
	Version        int64                `json:"version"`
}

// CustomerPreferences are a customer's marketing preferences.
type CustomerPreferences struct {
	EmailUnsubscribed bool `json:"email_unsubscribed"`
}

// Customer creation sources the world uses.
const (
	CreationSourceThirdParty     = "THIRD_PARTY"
	CreationSourceDirectory      = "DIRECTORY"
	CreationSourceLoyalty        = "LOYALTY"
	CreationSourceInstantProfile = "INSTANT_PROFILE"
)

// SearchCustomersRequest is the body of POST /v2/customers/search.
type SearchCustomersRequest struct {
	Cursor string         `json:"cursor,omitempty"`
	Limit  *int64         `json:"limit,omitempty"`
	Query  *CustomerQuery `json:"query,omitempty"`
	Count  bool           `json:"count,omitempty"`
}

// CustomerQuery filters and sorts a customer search.
type CustomerQuery struct {
	Filter *CustomerFilter `json:"filter,omitempty"`
	Sort   *CustomerSort   `json:"sort,omitempty"`
}

// CustomerFilter is a set of conditions combined with AND.
type CustomerFilter struct {
	CreationSource *CustomerCreationSourceFilter `json:"creation_source,omitempty"`
	CreatedAt      *TimeRange                    `json:"created_at,omitempty"`
	UpdatedAt      *TimeRange                    `json:"updated_at,omitempty"`
	EmailAddress   *CustomerTextFilter           `json:"email_address,omitempty"`
	PhoneNumber    *CustomerTextFilter           `json:"phone_number,omitempty"`
	ReferenceID    *CustomerTextFilter           `json:"reference_id,omitempty"`
	// Filters Square has that omnigate neither sends nor simulates; the
	// simulator refuses them by name rather than ignoring them.
	GroupIDs        json.RawMessage `json:"group_ids,omitempty"`
	SegmentIDs      json.RawMessage `json:"segment_ids,omitempty"`
	CustomAttribute json.RawMessage `json:"custom_attribute,omitempty"`
}

// CustomerTextFilter matches a text attribute exactly or fuzzily; one of the
// two is set.
type CustomerTextFilter struct {
	Exact string `json:"exact,omitempty"`
	Fuzzy string `json:"fuzzy,omitempty"`
}

// CustomerCreationSourceFilter selects customers by creation source.
type CustomerCreationSourceFilter struct {
	Values []string `json:"values,omitempty"`
	Rule   string   `json:"rule,omitempty"` // INCLUDE (default) or EXCLUDE
}

// CustomerSort sorts a customer search: Field DEFAULT (by name) or
// CREATED_AT; Order ASC (default) or DESC.
type CustomerSort struct {
	Field string `json:"field,omitempty"`
	Order string `json:"order,omitempty"`
}

// SearchCustomersResponse is the answer to a customer search.
type SearchCustomersResponse struct {
	Errors    []Error    `json:"errors,omitempty"`
	Customers []Customer `json:"customers,omitempty"`
	Cursor    string     `json:"cursor,omitempty"`
	Count     *int64     `json:"count,omitempty"`
}

// ListCustomersResponse is the answer to GET /v2/customers (ListCustomers),
// whose query parameters are cursor, limit (1 to 100, default 100),
// sort_field (DEFAULT or CREATED_AT), sort_order (ASC or DESC) and count.
type ListCustomersResponse struct {
	Errors    []Error    `json:"errors,omitempty"`
	Customers []Customer `json:"customers,omitempty"`
	Cursor    string     `json:"cursor,omitempty"`
	Count     *int64     `json:"count,omitempty"`
}

// Sort fields of ListCustomers and SearchCustomers.
const (
	CustomerSortDefault   = "DEFAULT"
	CustomerSortCreatedAt = "CREATED_AT"
)

// BulkRetrieveCustomersRequest is the body of POST /v2/customers/bulk-retrieve.
type BulkRetrieveCustomersRequest struct {
	CustomerIDs []string `json:"customer_ids"`
}

// BulkRetrieveCustomersResponse maps each asked id to its customer or to the
// errors for that id.
type BulkRetrieveCustomersResponse struct {
	Responses map[string]RetrieveCustomerResponse `json:"responses,omitempty"`
	Errors    []Error                             `json:"errors,omitempty"`
}

// RetrieveCustomerResponse is the answer to GET /v2/customers/{id}, and one
// entry of a bulk retrieve.
type RetrieveCustomerResponse struct {
	Errors   []Error   `json:"errors,omitempty"`
	Customer *Customer `json:"customer,omitempty"`
}
