package world

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// System names, as omnigate.System spells them.
const (
	SystemCommercetools = "commercetools"
	SystemSquare        = "square"
	SystemKlaviyo       = "klaviyo"
	SystemZendesk       = "zendesk"
)

// TruthRecord says which real person a system's customer record belongs
// to.
type TruthRecord struct {
	System string `json:"system"`
	ID     string `json:"id"`
	Person string `json:"person"`
}

// TruthRef names one record in one system: a customer record, or for
// walk-in sales a point-of-sale order.
type TruthRef struct {
	System string `json:"system"`
	ID     string `json:"id"`
}

// Trap kinds: values that look like identifiers but must not merge the
// records that carry them.
const (
	// A household address used by two people (spouses).
	TrapHouseholdEmail = "household_email"
	// A landline two people in one household answer.
	TrapHouseholdPhone = "household_phone"
	// A store's own phone typed in at the till for customers.
	TrapStorePhone = "store_phone"
	// A store's own email typed in at the till for customers.
	TrapStoreEmail = "store_email"
	// A placeholder such as none@none.com or 0000000000.
	TrapPlaceholder = "placeholder"
	// Sales at a till with no customer; Value is the location id and the
	// records are Square orders.
	TrapWalkIn = "walk_in"
	// Different people with the same full name.
	TrapSameName = "same_name"
)

// Trap is a value shared by records of different people (or by none: a
// walk-in sale), which identity resolution must not take as proof of one
// person.
type Trap struct {
	Kind    string     `json:"kind"`
	Value   string     `json:"value"`
	Records []TruthRef `json:"records"`
}

// Truth is the answer key for identity resolution: every customer record's
// real person, and the traps.
type Truth struct {
	Records []TruthRecord `json:"records"`
	Traps   []Trap        `json:"traps,omitempty"`
}

// Truth lists one record per webshop customer, point-of-sale customer,
// email profile and support user, with the person behind it.
func (w *World) Truth() Truth {
	n := len(w.WebCustomers) + len(w.POSCustomers) + len(w.EmailProfiles) + len(w.SupportUsers)
	t := Truth{Records: make([]TruthRecord, 0, n), Traps: w.Traps}
	for _, c := range w.WebCustomers {
		t.Records = append(t.Records, TruthRecord{SystemCommercetools, c.ID, c.PersonID})
	}
	for _, c := range w.POSCustomers {
		t.Records = append(t.Records, TruthRecord{SystemSquare, c.ID, c.PersonID})
	}
	for _, p := range w.EmailProfiles {
		t.Records = append(t.Records, TruthRecord{SystemKlaviyo, p.ID, p.PersonID})
	}
	for _, u := range w.SupportUsers {
		t.Records = append(t.Records, TruthRecord{SystemZendesk, strconv.FormatInt(u.ID, 10), u.PersonID})
	}
	return t
}

// contact is one customer record's identifiers, with the country that
// gives its national phone numbers their meaning.
type contact struct {
	ref     TruthRef
	person  string
	email   string
	phone   string
	country string
}

func contacts(w *World) []contact {
	var out []contact
	for _, c := range w.WebCustomers {
		country := ""
		if len(c.Addresses) > 0 {
			country = c.Addresses[0].Country
		}
		out = append(out, contact{TruthRef{SystemCommercetools, c.ID}, c.PersonID, c.Email, c.Phone, country})
	}
	storeCountry := map[string]string{}
	for _, s := range w.Stores {
		storeCountry[s.ID] = s.Country
	}
	for _, c := range w.POSCustomers {
		out = append(out, contact{TruthRef{SystemSquare, c.ID}, c.PersonID, c.Email, c.Phone, storeCountry[c.LocationID]})
	}
	for _, p := range w.EmailProfiles {
		out = append(out, contact{TruthRef{SystemKlaviyo, p.ID}, p.PersonID, p.Email, p.Phone, p.Location.Country})
	}
	zoneCountry := map[string]string{"London": "GB", "Dublin": "IE", "Berlin": "DE"}
	for _, u := range w.SupportUsers {
		out = append(out, contact{TruthRef{SystemZendesk, strconv.FormatInt(u.ID, 10)}, u.PersonID, u.Email, u.Phone, zoneCountry[u.TimeZone]})
	}
	return out
}

// e164 reads the phone formats the generator writes (national, with 00
// or + and any spacing) into E.164, or "" for placeholders.
func e164(typed, country string) string {
	var b strings.Builder
	for i := 0; i < len(typed); i++ {
		if c := typed[i]; c >= '0' && c <= '9' || c == '+' {
			b.WriteByte(c)
		}
	}
	s := b.String()
	switch {
	case s == "" || strings.Trim(s, "0") == "":
		return ""
	case strings.HasPrefix(s, "+"):
		return s
	case strings.HasPrefix(s, "00"):
		return "+" + s[2:]
	case strings.HasPrefix(s, "0") && countryCallingCode[country] != "":
		return "+" + countryCallingCode[country] + s[1:]
	}
	return ""
}

// group collects refs under a key, remembering the order keys first
// appeared in so that the result never depends on map order.
type group struct {
	keys    []string
	refs    map[string][]TruthRef
	persons map[string][]string
}

func newGroup() *group {
	return &group{refs: map[string][]TruthRef{}, persons: map[string][]string{}}
}

func (g *group) add(key string, ref TruthRef, person string) {
	if _, ok := g.refs[key]; !ok {
		g.keys = append(g.keys, key)
	}
	g.refs[key] = append(g.refs[key], ref)
	if !slices.Contains(g.persons[key], person) {
		g.persons[key] = append(g.persons[key], person)
	}
}

// findTraps reads the traps off the finished world's data.
func findTraps(w *World) []Trap {
	var traps []Trap
	storeEmails := map[string]bool{}
	storePhones := map[string]bool{}
	for _, s := range w.Stores {
		storeEmails[strings.ToLower(s.Email)] = true
		storePhones[e164(s.Phone, s.Country)] = true
	}
	emails, phones := newGroup(), newGroup()
	placeholders, storeE, storeP := newGroup(), newGroup(), newGroup()
	for _, c := range contacts(w) {
		e := lowerTrim(c.email)
		switch {
		case e == "":
		case e == PlaceholderEmail:
			placeholders.add(PlaceholderEmail, c.ref, c.person)
		case storeEmails[e]:
			storeE.add(e, c.ref, c.person)
		default:
			emails.add(canonicalEmail(e), c.ref, c.person)
		}
		if strings.TrimSpace(c.phone) == PlaceholderPhone {
			placeholders.add(PlaceholderPhone, c.ref, c.person)
		}
		if p := e164(c.phone, c.country); p != "" {
			if storePhones[p] {
				storeP.add(p, c.ref, c.person)
			} else {
				phones.add(p, c.ref, c.person)
			}
		}
	}
	shared := func(kind string, g *group, minPersons int) {
		for _, k := range g.keys {
			if len(g.persons[k]) >= minPersons {
				traps = append(traps, Trap{Kind: kind, Value: k, Records: g.refs[k]})
			}
		}
	}
	shared(TrapHouseholdEmail, emails, 2)
	shared(TrapHouseholdPhone, phones, 2)
	shared(TrapStoreEmail, storeE, 1)
	shared(TrapStorePhone, storeP, 1)
	shared(TrapPlaceholder, placeholders, 1)

	walkIns := newGroup()
	for _, o := range w.POSOrders {
		if o.CustomerID == "" {
			walkIns.add(o.LocationID, TruthRef{SystemSquare, o.ID}, "")
		}
	}
	shared(TrapWalkIn, walkIns, 0)

	// Namesakes: different people whose records carry the same full name.
	names := newGroup()
	byPerson := map[string][]TruthRef{}
	for _, c := range contacts(w) {
		byPerson[c.person] = append(byPerson[c.person], c.ref)
	}
	for _, p := range w.People {
		if len(byPerson[p.ID]) == 0 {
			continue
		}
		key := p.GivenName + " " + p.FamilyName
		for _, r := range byPerson[p.ID] {
			names.add(key, r, p.ID)
		}
	}
	shared(TrapSameName, names, 2)

	slices.SortStableFunc(traps, func(a, b Trap) int {
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	return traps
}

// ReturnTruth is what the gateway should show of one return: the sale it
// belongs to, the customer record it was filed under, and the money that
// went back. It is the answer key for tests of returns; the identity truth
// (Truth) leaves returns out.
type ReturnTruth struct {
	System string // SystemCommercetools or SystemSquare
	// ReturnID is the return's id as the gateway names it: the Square
	// return order's id, or the id of the commercetools return's first
	// item.
	ReturnID string
	// OrderID is the sale the goods came from.
	OrderID string
	// CustomerID is the customer record whose orders hold the sale, or for
	// a Square return the customer it was rung up for; a walk-in's sale
	// brought back (a gift) is not among that customer's orders.
	CustomerID string
	Gift       bool // the sale is a walk-in's: not among CustomerID's orders
	At         time.Time
	Units      int64 // units that came back
	// Refunded is what went back: each refunded webshop item's line price
	// × quantity (the world's lines carry no discounts), a store return's
	// lines in full. Items not refunded (yet) count nothing.
	Refunded Money
	// Exchange is what the lines sold in a store exchange cost: an order of
	// its own, under the return's id. Zero cents for a plain return.
	Exchange Money
}

// ReturnTruths lists every return of the world, webshop returns first,
// each system's in the world's order.
func (w *World) ReturnTruths() []ReturnTruth {
	out := make([]ReturnTruth, 0, len(w.WebReturns)+len(w.POSReturns))
	unit := map[string]int64{} // webshop line id → unit price
	orderCurrency := map[string]string{}
	orderCustomer := map[string]string{}
	for _, o := range w.WebOrders {
		orderCurrency[o.ID], orderCustomer[o.ID] = o.Currency, o.CustomerID
		for _, l := range o.Lines {
			unit[l.ID] = l.UnitPrice.Cents
		}
	}
	for _, r := range w.WebReturns {
		t := ReturnTruth{System: SystemCommercetools, OrderID: r.OrderID, CustomerID: orderCustomer[r.OrderID], At: r.Date,
			Refunded: Money{Currency: orderCurrency[r.OrderID]}}
		if len(r.Items) > 0 {
			t.ReturnID = r.Items[0].ID
		}
		for _, it := range r.Items {
			t.Units += it.Quantity
			if it.PaymentState == "Refunded" {
				t.Refunded.Cents += unit[it.LineID] * it.Quantity
			}
		}
		out = append(out, t)
	}
	saleCustomer := map[string]string{}
	for _, o := range w.POSOrders {
		saleCustomer[o.ID] = o.CustomerID
	}
	for _, r := range w.POSReturns {
		t := ReturnTruth{System: SystemSquare, ReturnID: r.ID, OrderID: r.SourceOrderID, CustomerID: r.CustomerID,
			Gift: saleCustomer[r.SourceOrderID] != r.CustomerID, At: r.CreatedAt,
			Refunded: Total(r.Lines, r.Currency), Exchange: Total(r.Exchange, r.Currency)}
		for _, l := range r.Lines {
			t.Units += l.Quantity
		}
		out = append(out, t)
	}
	return out
}
