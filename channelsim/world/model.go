// Package world holds the simulator's vendor-neutral retail world: the people
// behind the records, the catalog, the stores, and every record each channel
// system holds about them. Each system's simulator package renders these
// records into that vendor's own API shapes; the generator fills them.
//
// The records are deliberately "as typed in": emails with odd case and
// spaces, phones in national or international form, name typos. Cleaning them
// up is the gateway's job, not the world's.
package world

import "time"

// World is everything the simulator serves.
type World struct {
	Seed int64

	Products []Product
	Stores   []Store

	// People are the ground truth: the real persons behind the records.
	People []Person

	// Webshop (commercetools).
	WebCustomers  []WebCustomer
	WebOrders     []WebOrder
	WebCarts      []WebCart
	ShoppingLists []ShoppingList

	// Point of sale (Square).
	POSCustomers []POSCustomer
	POSOrders    []POSOrder
	Loyalty      []LoyaltyAccount

	// Stock per SKU per store; the webshop's supply channels and the point of
	// sale's locations name the same stores.
	Inventory []InventoryCount

	// Email marketing (Klaviyo).
	EmailProfiles []EmailProfile
	EmailEvents   []EmailEvent
	EmailLists    []EmailList

	// Support (Zendesk).
	SupportUsers []SupportUser
	Tickets      []Ticket

	// Returns: goods that came back from webshop orders (commercetools
	// returnInfo) and from sales at the tills (Square return orders). They
	// are kept apart from the orders and drawn last, from random streams of
	// their own, so that every other record is the same with or without
	// them.
	WebReturns []WebReturn
	POSReturns []POSReturn

	// EmailSuppressions are the addresses the email platform sends no
	// marketing email to whatever their consent says: hard bounces, spam
	// complaints, addresses staff suppressed and invalid ones. They are
	// kept apart from the profiles and drawn last, from a random stream of
	// their own, so that every other record is the same with or without
	// them. Unsubscribing is not among them: Klaviyo's UNSUBSCRIBE
	// suppression follows from the profile's consent.
	EmailSuppressions []EmailSuppression

	// Traps are values shared by records of different people (a household
	// email, a store's phone typed in at the till, a placeholder) and
	// walk-in sales: what identity resolution must never merge on. Only the
	// truth file and tests see them.
	Traps []Trap
}

// Person is a real human. Only the truth file and tests see it.
type Person struct {
	ID         string // "p-000123"
	GivenName  string
	FamilyName string
	Email      string // the clean primary address
	Emails     []string
	Phone      string // E.164
	Country    string // ISO 3166-1 alpha-2
	Birthday   string // YYYY-MM-DD, may be empty
	Address    Address
}

// Money is an amount in minor units of a currency. Never add amounts of two
// currencies.
type Money struct {
	Cents    int64
	Currency string // ISO 4217
}

// Address is a postal address as typed in.
type Address struct {
	Line1      string
	Line2      string
	City       string
	PostalCode string
	Region     string
	Country    string // ISO 3166-1 alpha-2
}

// Product is one sellable variant; the SKU names it in the webshop and in
// every store.
type Product struct {
	ID          string // commercetools product id (UUID)
	Key         string
	SKU         string
	Name        string
	Category    string
	Description string
	Prices      []Money // one per currency sold in
	// CatalogItemID and VariationID are the Square catalog ids for the same
	// SKU.
	CatalogItemID string
	VariationID   string
	CreatedAt     time.Time
}

// Store is a physical shop. It is a Square location, a commercetools store and
// a commercetools supply channel at once.
type Store struct {
	ID        string // Square location id, e.g. "L8ZK3Q1D2F4GH"
	Key       string // commercetools store and channel key, e.g. "store-london-soho"
	ChannelID string // commercetools channel id (UUID)
	StoreID   string // commercetools store id (UUID)
	Name      string
	Country   string
	Currency  string
	Timezone  string
	Phone     string // the store's own phone, often typed in at the till for walk-ins
	Email     string // the store's own email
	Address   Address
	Online    bool // the webshop's warehouse: a supply channel, not a Square location
	CreatedAt time.Time
}

// Line is one order or cart line.
type Line struct {
	ID        string // line item id
	SKU       string
	Name      string
	Quantity  int64
	UnitPrice Money
}

// WebCustomer is a commercetools customer.
type WebCustomer struct {
	ID         string // UUID
	PersonID   string
	Number     string // customerNumber
	Email      string // as typed in
	FirstName  string
	LastName   string
	Phone      string // on the default address, as typed in
	Birthday   string
	Locale     string // e.g. "en-GB"
	Addresses  []Address
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
	ExternalID string
	StoreKeys  []string
}

// WebOrder is a commercetools order.
type WebOrder struct {
	ID            string // UUID
	Number        string // orderNumber
	CustomerID    string // may be empty for guest checkout
	CustomerEmail string
	StoreKey      string // the store whose supply channel shipped it, or the online one
	State         string // Open, Confirmed, Complete, Cancelled
	ShipmentState string // Shipped, Delivered, Pending...
	PaymentState  string // Paid...
	Lines         []Line
	Currency      string
	Shipping      Address
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64
}

// WebCart is a commercetools cart. Active carts are what a customer is
// building right now.
type WebCart struct {
	ID            string
	CustomerID    string
	CustomerEmail string
	AnonymousID   string
	State         string // Active, Ordered, Merged, Frozen
	Lines         []Line
	Currency      string
	Country       string
	StoreKey      string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64
}

// ShoppingList is a commercetools shopping list, used as a wish list.
type ShoppingList struct {
	ID         string
	Key        string
	CustomerID string
	Name       string
	SKUs       []string
	Quantities []int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// POSCustomer is a Square customer.
type POSCustomer struct {
	ID                string // Square customer id, 26 chars uppercase base32-ish
	PersonID          string
	GivenName         string
	FamilyName        string
	Email             string // as typed in, may be empty
	Phone             string // as typed in: national or international, may be the store's phone
	Birthday          string // YYYY-MM-DD or 0000-MM-DD
	Address           *Address
	ReferenceID       string
	Note              string
	LocationID        string // the store where the record was created
	CreationSource    string // THIRD_PARTY, DIRECTORY, LOYALTY, INSTANT_PROFILE...
	CreatedAt         time.Time
	UpdatedAt         time.Time
	Version           int64
	EmailUnsubscribed bool
}

// POSOrder is a Square order. OPEN orders are parked sales: a basket put
// aside at the till.
type POSOrder struct {
	ID          string
	LocationID  string
	CustomerID  string // empty for walk-in sales
	State       string // OPEN, COMPLETED, CANCELED
	Lines       []Line
	Currency    string
	Source      string // the source name, e.g. "Register"
	ReferenceID string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ClosedAt    time.Time // zero unless COMPLETED or CANCELED
	Version     int64
	// TenderCustomerID is the customer the order's payment (its tender)
	// names, for a sale whose order names none: Square links a customer
	// "on the order (or the payment)".
	TenderCustomerID string
}

// WebReturn is one return of goods of a webshop order: one entry of the
// commercetools order's returnInfo.
type WebReturn struct {
	OrderID    string // the WebOrder
	TrackingID string
	Date       time.Time // returnDate: when the parcel came back
	Items      []WebReturnItem
}

// WebReturnItem is a quantity of one order line sent back.
type WebReturnItem struct {
	ID       string // the return item's id (UUID)
	LineID   string // the order line's id
	Quantity int64
	// ShipmentState is Advised (announced; not refundable), Returned,
	// BackInStock or Unusable; PaymentState is NonRefundable, Initial
	// (refundable, not refunded yet), Refunded or NotRefunded.
	ShipmentState string
	PaymentState  string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// POSReturn is a Square return order: goods of one sale brought back to a
// till, refunded in full, and for an exchange the goods the customer took
// instead.
type POSReturn struct {
	ID            string // the return order's id
	SourceOrderID string // the sale, a POSOrder (possibly a walk-in's)
	LocationID    string // the store the goods were brought back to
	CustomerID    string // the customer the return was rung up for
	Currency      string
	// Lines are the returned lines: ID is the sale line's uid, Quantity
	// how many came back, UnitPrice what each was sold for.
	Lines []Line
	// Exchange are the lines sold in exchange; empty for a plain return.
	Exchange  []Line
	CreatedAt time.Time
}

// LoyaltyAccount is a Square loyalty account.
type LoyaltyAccount struct {
	ID             string // UUID
	ProgramID      string
	CustomerID     string
	Phone          string // E.164 mapping
	Balance        int64
	LifetimePoints int64
	EnrolledAt     time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// InventoryCount is the stock of one SKU at one store.
type InventoryCount struct {
	SKU       string
	StoreID   string // Store.ID
	EntryID   string // commercetools inventory entry id (UUID)
	Quantity  int64
	Restock   int64 // days until restock, 0 if unknown
	UpdatedAt time.Time
}

// EmailProfile is a Klaviyo profile.
type EmailProfile struct {
	ID           string // 26-char ULID-like, e.g. "01GDDKASAP8TKDDA2GRZDSVP4H"
	PersonID     string
	Email        string // as typed in
	Phone        string // E.164 in Klaviyo, may be empty
	ExternalID   string
	FirstName    string
	LastName     string
	Location     Address
	Timezone     string
	EmailConsent Consent
	SMSConsent   Consent
	ListIDs      []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Consent is one channel's marketing consent.
type Consent struct {
	// Status is one of SUBSCRIBED, UNSUBSCRIBED, NEVER_SUBSCRIBED.
	Status string
	// Method is how it was given or withdrawn, e.g. "FORM", "CHECKOUT",
	// "IN_STORE", "UNSUBSCRIBE_LINK".
	Method    string
	Timestamp time.Time // zero when never subscribed
}

// EmailList is a Klaviyo list.
type EmailList struct {
	ID        string // 6 chars, e.g. "Y6nRLr"
	Name      string
	CreatedAt time.Time
}

// EmailSuppression is a Klaviyo profile's global email suppression.
type EmailSuppression struct {
	ProfileID string
	// Reason is HARD_BOUNCE, SPAM_COMPLAINT, USER_SUPPRESSED or
	// INVALID_EMAIL.
	Reason string
	Time   time.Time // after the profile's last email and consent change
}

// EmailEvent is a Klaviyo event.
type EmailEvent struct {
	ID        string
	ProfileID string
	// Metric is the metric name: "Received Email", "Opened Email",
	// "Clicked Email", "Placed Order".
	Metric   string
	MetricID string
	Time     time.Time
	Subject  string
	Campaign string
	URL      string // Clicked Email only
	OrderID  string // Placed Order: the webshop or store order id
	Value    Money  // Placed Order: order total
	Items    []string
}

// SupportUser is a Zendesk end user.
type SupportUser struct {
	ID         int64
	PersonID   string
	Name       string
	Email      string // as typed in, may be empty
	Phone      string // as typed in, may be empty
	ExternalID string
	Locale     string
	TimeZone   string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Ticket is a Zendesk ticket.
type Ticket struct {
	ID          int64
	RequesterID int64
	SubmitterID int64
	Subject     string
	Description string
	Status      string // new, open, pending, hold, solved, closed
	Priority    string // low, normal, high, urgent or empty
	Type        string // question, incident, problem, task or empty
	// Channel is via.channel: email, web, chat, twitter, facebook, api...
	Channel      string
	Satisfaction Satisfaction
	Tags         []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Satisfaction is a Zendesk satisfaction rating.
type Satisfaction struct {
	ID      int64
	Score   string // offered, unoffered, good, bad
	Comment string
}
