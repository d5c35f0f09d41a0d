package square

// Location statuses and types.
const (
	LocationActive   = "ACTIVE"
	LocationInactive = "INACTIVE"
	LocationPhysical = "PHYSICAL"
	LocationMobile   = "MOBILE"
)

// Location is one of the seller's stores.
type Location struct {
	ID            string   `json:"id"`
	Name          string   `json:"name,omitempty"`
	Address       *Address `json:"address,omitempty"`
	Timezone      string   `json:"timezone,omitempty"`
	Capabilities  []string `json:"capabilities,omitempty"`
	Status        string   `json:"status,omitempty"`
	CreatedAt     string   `json:"created_at,omitempty"`
	MerchantID    string   `json:"merchant_id,omitempty"`
	Country       string   `json:"country,omitempty"`
	LanguageCode  string   `json:"language_code,omitempty"`
	Currency      string   `json:"currency,omitempty"`
	PhoneNumber   string   `json:"phone_number,omitempty"`
	BusinessName  string   `json:"business_name,omitempty"`
	Type          string   `json:"type,omitempty"`
	WebsiteURL    string   `json:"website_url,omitempty"`
	BusinessEmail string   `json:"business_email,omitempty"`
	Description   string   `json:"description,omitempty"`
	MCC           string   `json:"mcc,omitempty"`
}

// ListLocationsResponse is the answer to GET /v2/locations.
type ListLocationsResponse struct {
	Errors    []Error    `json:"errors,omitempty"`
	Locations []Location `json:"locations,omitempty"`
}

// LoyaltyAccount is a buyer's account in the seller's loyalty program,
// mapped to the buyer by phone number.
type LoyaltyAccount struct {
	ID             string                 `json:"id"`
	ProgramID      string                 `json:"program_id"`
	Balance        int64                  `json:"balance"`
	LifetimePoints int64                  `json:"lifetime_points"`
	CustomerID     string                 `json:"customer_id,omitempty"`
	EnrolledAt     string                 `json:"enrolled_at,omitempty"`
	CreatedAt      string                 `json:"created_at,omitempty"`
	UpdatedAt      string                 `json:"updated_at,omitempty"`
	Mapping        *LoyaltyAccountMapping `json:"mapping,omitempty"`
}

// LoyaltyAccountMapping ties an account to a phone number in E.164. In a
// search, only PhoneNumber is set.
type LoyaltyAccountMapping struct {
	ID          string `json:"id,omitempty"`
	CreatedAt   string `json:"created_at,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
}

// SearchLoyaltyAccountsRequest is the body of POST /v2/loyalty/accounts/search.
type SearchLoyaltyAccountsRequest struct {
	Query  *LoyaltyAccountQuery `json:"query,omitempty"`
	Limit  *int64               `json:"limit,omitempty"`
	Cursor string               `json:"cursor,omitempty"`
}

// LoyaltyAccountQuery searches by up to 30 phone mappings or up to 30
// customer ids, not both.
type LoyaltyAccountQuery struct {
	Mappings    []LoyaltyAccountMapping `json:"mappings,omitempty"`
	CustomerIDs []string                `json:"customer_ids,omitempty"`
}

// SearchLoyaltyAccountsResponse lists accounts in order of creation.
type SearchLoyaltyAccountsResponse struct {
	Errors          []Error          `json:"errors,omitempty"`
	LoyaltyAccounts []LoyaltyAccount `json:"loyalty_accounts,omitempty"`
	Cursor          string           `json:"cursor,omitempty"`
}
