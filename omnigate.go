// Package omnigate holds the gateway's domain: what a customer's records,
// orders, carts, email activity and tickets look like once they have left
// their channel system, and the small contracts each system's connector
// fulfils. Connectors live in sources/, the identity map in identity/, the
// GraphQL layer in resolvers/ and graph/; they meet only in cmd/gateway.
package omnigate

import (
	"context"
	"time"
)

// System names a channel system.
type System string

const (
	Commercetools System = "commercetools" // webshop
	Square        System = "square"        // point of sale
	Klaviyo       System = "klaviyo"       // email marketing
	Zendesk       System = "zendesk"       // support
)

// Systems lists every channel system, in a stable order.
var Systems = []System{Commercetools, Square, Klaviyo, Zendesk}

// Channel is where a sale or a cart happened.
type Channel string

const (
	ChannelWebshop Channel = "webshop"
	ChannelStore   Channel = "store"
)

// Money is an amount in minor units of one currency. Amounts of different
// currencies are never added.
type Money struct {
	Cents    int64
	Currency string // ISO 4217
}

// Address is a postal address.
type Address struct {
	Line1      string
	Line2      string
	City       string
	PostalCode string
	Region     string
	Country    string // ISO 3166-1 alpha-2
}

// CustomerRecord is one system's record of a customer, as that system holds
// it: emails and phones are raw, not normalized.
type CustomerRecord struct {
	System     System
	ID         string
	GivenName  string
	FamilyName string
	Emails     []string
	Phones     []string
	Addresses  []Address
	Birthday   string // YYYY-MM-DD when known
	// Country is the record's own region hint for national phone numbers:
	// the store where it was typed in, its address or its locale.
	Country string
	// LoyaltyID is the loyalty account the record's system maps to this
	// customer (the point of sale's loyalty program), when it says.
	LoyaltyID string
	// WebshopID is the webshop (commercetools) customer id this record says
	// it belongs to: a webshop record's own id, and the external id the
	// email and support systems keep for customers who came from the
	// webshop. Empty when the record names none.
	WebshopID string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Consents are the record's explicit marketing consent statements, at
	// most one per channel: SUBSCRIBED or UNSUBSCRIBED, with when the system
	// says it was given or withdrawn. A channel the customer never stated
	// anything about is absent. Systems that keep no consent leave it empty.
	// A statement of the email system carries its address's suppression
	// (Consent.Suppressed), which is no statement of its own.
	Consents []Consent
}

// LineItem is one line of an order or a cart.
type LineItem struct {
	SKU       string
	Name      string
	Quantity  int64
	UnitPrice Money
	Total     Money
}

// Order is a sale in one channel.
type Order struct {
	System     System
	ID         string
	Number     string
	CustomerID string // the system's customer id
	Channel    Channel
	StoreID    string // the store (location or supply channel) it was sold or shipped from
	StoreName  string
	State      string
	Lines      []LineItem
	// Total is what the order cost at purchase; refunds do not change it.
	Total     Money
	CreatedAt time.Time
	UpdatedAt time.Time
	// Returns are the goods taken back from this order, oldest first, with
	// what was refunded for them. A return is never an order of its own.
	Returns []Return
	// Placeholder marks an entry that is not a sale of the customer's but
	// carries Returns whose sale the connector did not find among the
	// customer's orders: a sale of another customer record, a sale to a
	// walk-in (a gift brought back), or a return Square keeps unlinked. ID
	// is that sale's id (empty when the return names none), and Lines and
	// Total are empty. The view attaches its returns to the sale when
	// another of the customer's records holds it, and otherwise keeps them
	// apart; it never lists or counts a placeholder as an order.
	Placeholder bool
}

// Refunded is what was refunded for the order, summed over its returns in
// the order's currency; zero cents when nothing was. Returns in another
// currency (none of the connectors give any) are left out, never added.
func (o Order) Refunded() Money {
	m := Money{Currency: o.Total.Currency}
	for _, r := range o.Returns {
		if m.Currency == "" {
			m.Currency = r.Refunded.Currency
		}
		if r.Refunded.Currency == m.Currency {
			m.Cents += r.Refunded.Cents
		}
	}
	return m
}

// Return is goods a customer brought or sent back from one order, and the
// money refunded for them, in the order's currency.
type Return struct {
	// ID is the return's id in its system, unique there: Square's return
	// order id (followed by a slash and the sale's id, or the return's
	// position when it names no sale, when one return order takes back
	// goods of several sales), the id of the first returned item of a
	// commercetools return.
	ID string
	// OrderID is the sale the goods came from; empty for a return that
	// names none.
	OrderID string
	// StoreID and StoreName are where the goods were brought back, when
	// the system says: a till's location. Empty for a webshop return.
	StoreID   string
	StoreName string
	At        time.Time // when the goods came back
	Lines     []ReturnLine
	// Refunded is the money paid back (or credited against an exchange)
	// for the return, as the system states it; its lines' refunds add up
	// to it unless the system refunded more than the lines (a returned
	// tip or service charge). Zero cents when nothing was refunded (yet).
	Refunded Money
}

// ReturnLine is one returned line: a SKU, how many came back, and what was
// refunded for them (zero cents when nothing was, yet).
type ReturnLine struct {
	SKU      string
	Name     string
	Quantity int64
	Refund   Money
}

// ConsentHolder is a CustomerFinder whose records can carry marketing
// consent (CustomerRecord.Consents). Customer.consent reads the records of
// these systems only: another system failing costs it nothing.
type ConsentHolder interface {
	HoldsConsent() bool
}

// Cart is an open basket: a webshop's active cart or a sale parked at a till.
type Cart struct {
	System     System
	ID         string
	CustomerID string
	Channel    Channel
	StoreID    string
	StoreName  string
	Lines      []LineItem
	Total      Money
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ConsentStatus is one channel's marketing consent state.
type ConsentStatus string

const (
	ConsentSubscribed      ConsentStatus = "SUBSCRIBED"
	ConsentUnsubscribed    ConsentStatus = "UNSUBSCRIBED"
	ConsentNeverSubscribed ConsentStatus = "NEVER_SUBSCRIBED"
)

// Consent is marketing consent for one channel (email, sms).
type Consent struct {
	Channel string // "email" or "sms"
	Status  ConsentStatus
	Method  string
	At      time.Time // zero when never given
	Source  System
	// Suppressed is why the system sends nothing on this channel to this
	// address whatever the consent says: the reason of its most recent
	// suppression (Klaviyo's HARD_BOUNCE, INVALID_EMAIL, SPAM_COMPLAINT,
	// UNSUBSCRIBE, USER_SUPPRESSED), empty when nothing suppresses it or the
	// system keeps no suppressions. It is not a consent statement: it
	// changes neither Status nor which statement wins. SuppressedAt is when
	// that suppression was made, zero when the system gives no time.
	Suppressed   string
	SuppressedAt time.Time
}

// EmailProfile is the email system's profile of a customer.
type EmailProfile struct {
	ID       string
	Email    string
	Consents []Consent
	ListIDs  []string
}

// EmailEventKind is what happened to or with an email.
type EmailEventKind string

const (
	EmailReceived EmailEventKind = "RECEIVED"
	EmailOpened   EmailEventKind = "OPENED"
	EmailClicked  EmailEventKind = "CLICKED"
	PlacedOrder   EmailEventKind = "PLACED_ORDER"
)

// EmailEvent is one email marketing event.
type EmailEvent struct {
	ID        string
	ProfileID string
	Kind      EmailEventKind
	Subject   string
	Campaign  string
	URL       string
	Value     *Money
	At        time.Time
}

// Ticket is a support ticket.
type Ticket struct {
	ID                  string
	RequesterID         string
	Subject             string
	Status              string
	Priority            string
	Via                 string // email, web, chat, twitter, facebook...
	Satisfaction        string // offered, unoffered, good, bad
	SatisfactionComment string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// IdentifierKind is a kind of identifier a customer can be found by.
type IdentifierKind string

const (
	KindEmail IdentifierKind = "email"
	KindPhone IdentifierKind = "phone"
	// KindLoyalty is a loyalty account id of the point of sale's loyalty
	// program: one account per person.
	KindLoyalty IdentifierKind = "loyalty"
	// KindCommercetoolsID is a webshop (commercetools) customer id: the one
	// customer id other systems store (as their external id). A person may
	// hold more than one webshop account.
	KindCommercetoolsID IdentifierKind = "commercetools_id"
)

// CustomerFinder finds and fetches one system's customer records. Every
// connector implements it.
type CustomerFinder interface {
	System() System
	// FindCustomers returns the records that match an identifier exactly, as
	// the system searches. value is already normalized (lowercased email,
	// E.164 phone, trimmed loyalty or webshop id). A kind the system cannot
	// search returns no records and no error: the identity map asks every
	// system for every kind.
	FindCustomers(ctx context.Context, kind IdentifierKind, value string) ([]CustomerRecord, error)
	// GetCustomers fetches records by id; ids it does not know are absent
	// from the map.
	GetCustomers(ctx context.Context, ids []string) (map[string]CustomerRecord, error)
}

// CustomerLister walks every customer record of one system, for the
// identity backfill. Connectors that can list implement it.
type CustomerLister interface {
	System() System
	// ListCustomers returns one page of at most limit records in a stable
	// order and the cursor of the next page, "" after the last page. An
	// empty cursor asks for the first page. A cursor is opaque: it is what a
	// previous call returned, and it stays valid across process restarts so
	// that a walk can resume where it stopped.
	ListCustomers(ctx context.Context, cursor string, limit int) (records []CustomerRecord, next string, err error)
}

// OrderSource returns the orders of many customers at once, keyed by the
// system's customer id, newest first.
type OrderSource interface {
	OrdersByCustomer(ctx context.Context, customerIDs []string) (map[string][]Order, error)
}

// CartSource returns the open carts of many customers at once.
type CartSource interface {
	CartsByCustomer(ctx context.Context, customerIDs []string) (map[string][]Cart, error)
}

// EmailSource returns email profiles and events of many profiles at once.
type EmailSource interface {
	Profiles(ctx context.Context, profileIDs []string) (map[string]EmailProfile, error)
	EventsByProfile(ctx context.Context, profileIDs []string) (map[string][]EmailEvent, error)
}

// TicketSource returns the tickets many users requested, newest first.
type TicketSource interface {
	TicketsByRequester(ctx context.Context, userIDs []string) (map[string][]Ticket, error)
}
