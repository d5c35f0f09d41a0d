package commercetools

import (
	"time"

	"github.com/omnigate/omnigate"
	ct "github.com/omnigate/omnigate/apis/commercetools"
	"github.com/omnigate/omnigate/sources/upstream"
)

// leanOrder and leanCart are orders and carts as OrdersByCustomer and
// CartsByCustomer read them. The API's types (apis/commercetools) carry the
// whole resource: each line item holds its whole product variant, with its
// prices, images and attributes, whose values decode into maps. Decoded into
// those, a customer's page of orders took 259 µs, 367 KB and 1,459
// allocations, the largest share of a customer 360's decoding. Only what
// the conversion reads is decoded here; the decoder skips the rest.
type leanOrder struct {
	ID              string           `json:"id"`
	CreatedAt       time.Time        `json:"createdAt"`
	LastModifiedAt  time.Time        `json:"lastModifiedAt"`
	OrderNumber     string           `json:"orderNumber"`
	CustomerID      string           `json:"customerId"`
	Store           leanStore        `json:"store"`
	LineItems       []leanLine       `json:"lineItems"`
	CustomLineItems []leanCustomLine `json:"customLineItems"`
	TotalPrice      leanMoney        `json:"totalPrice"`
	OrderState      string           `json:"orderState"`
	ReturnInfo      []leanReturn     `json:"returnInfo"`
}

// leanCustomLine is a custom line item (a fee, a gift wrap): only what a
// return of it needs, as orders list product lines alone.
type leanCustomLine struct {
	ID         string        `json:"id"`
	Name       localizedText `json:"name"`
	Quantity   int64         `json:"quantity"`
	TotalPrice leanMoney     `json:"totalPrice"`
}

type leanReturn struct {
	Items      []leanReturnItem `json:"items"`
	ReturnDate *time.Time       `json:"returnDate"`
}

type leanReturnItem struct {
	ID               string    `json:"id"`
	Quantity         int64     `json:"quantity"`
	LineItemID       string    `json:"lineItemId"`
	CustomLineItemID string    `json:"customLineItemId"`
	PaymentState     string    `json:"paymentState"`
	CreatedAt        time.Time `json:"createdAt"`
}

type leanCart struct {
	ID             string     `json:"id"`
	CreatedAt      time.Time  `json:"createdAt"`
	LastModifiedAt time.Time  `json:"lastModifiedAt"`
	CustomerID     string     `json:"customerId"`
	Store          leanStore  `json:"store"`
	LineItems      []leanLine `json:"lineItems"`
	TotalPrice     leanMoney  `json:"totalPrice"`
}

// leanStore is a store's key reference; an order or cart of no store has
// none (absent or null).
type leanStore struct {
	Key string `json:"key"`
}

type leanLine struct {
	ID      string        `json:"id"`
	Name    localizedText `json:"name"`
	Variant struct {
		SKU string `json:"sku"`
	} `json:"variant"`
	Price struct {
		Value leanMoney `json:"value"`
	} `json:"price"`
	Quantity   int64     `json:"quantity"`
	TotalPrice leanMoney `json:"totalPrice"`
}

// leanMoney is a TypedMoney without its type and precision, which the
// conversion does not read (cent amounts are what every price carries).
type leanMoney struct {
	CurrencyCode string `json:"currencyCode"`
	CentAmount   int64  `json:"centAmount"`
}

func (m leanMoney) money() omnigate.Money {
	return omnigate.Money{Cents: m.CentAmount, Currency: m.CurrencyCode}
}

func lineItems(lines []leanLine, locale string) []omnigate.LineItem {
	out := make([]omnigate.LineItem, 0, len(lines))
	for _, l := range lines {
		out = append(out, omnigate.LineItem{
			SKU: l.Variant.SKU, Name: localized(ct.LocalizedString(l.Name), locale), Quantity: l.Quantity,
			UnitPrice: l.Price.Value.money(), Total: l.TotalPrice.money(),
		})
	}
	return out
}

// localizedText is a LocalizedString that starts small. Decoded as a plain
// map, each one started with room for 64 locales (the decoder's default):
// over 1 KB for the one or two locales a name has, and most of what an
// orders page allocated.
type localizedText ct.LocalizedString

func (t *localizedText) UnmarshalJSON(b []byte) error {
	m := make(ct.LocalizedString, 2)
	if err := upstream.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = localizedText(m)
	return nil
}
