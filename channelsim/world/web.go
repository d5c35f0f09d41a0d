package world

import (
	"sort"
	"strings"
	"time"
)

const day = 24 * time.Hour

// records writes every channel record of one person.
func (g *gen) records(pl *plan) {
	if pl.web {
		g.webRecords(pl)
	}
	if pl.store {
		g.posRecords(pl)
	}
	if pl.email {
		g.emailProfiles(pl)
	}
	if pl.support {
		g.supportUsers(pl)
	}
}

// Orders per webshop account: most have a few, a loyal tail has many.
var webOrderCounts = []int{16, 22, 16, 11, 8, 6, 5, 4, 3, 2, 2, 1, 1, 1, 1, 1} // for 0..15

type webAccountPlan struct {
	email      string // clean address the account was opened with
	noisy      bool   // apply typing noise to it
	from, till time.Time
	orders     int
}

func (g *gen) webRecords(pl *plan) {
	p := &g.w.People[pl.i]
	from := pl.since
	if pl.store && g.chance(0.5) {
		// Met the brand in a store first, opened an account later.
		from = g.awake(g.skewedRecent(pl.since, g.now.Add(-day)))
	}
	var accts []webAccountPlan
	second := from.Add(time.Duration(g.between(120, 700)) * day)
	switch {
	case pl.second != "" && !pl.secondWork && second.Before(g.now.Add(-2*day)) && g.chance(0.6):
		// An old account under an old address, then a new one.
		accts = []webAccountPlan{
			{email: pl.second, noisy: true, from: from, till: second, orders: g.between(1, 3)},
			{email: p.Email, noisy: true, from: second, till: g.now, orders: g.webOrderCount()},
		}
	case strings.HasSuffix(p.Email, "@gmail.com") && second.Before(g.now.Add(-2*day)) && g.chance(0.04):
		// Forgot the password and registered again: the same mailbox with
		// the dots moved is a new address to the webshop.
		local := strings.TrimSuffix(p.Email, "@gmail.com")
		accts = []webAccountPlan{
			{email: p.Email, noisy: false, from: from, till: second, orders: g.between(1, 3)},
			{email: moveDots(g, local) + "@gmail.com", noisy: false, from: second, till: g.now, orders: g.webOrderCount()},
		}
	default:
		accts = []webAccountPlan{{email: p.Email, noisy: true, from: from, till: g.now, orders: g.webOrderCount()}}
	}
	for _, a := range accts {
		g.webAccount(pl, a)
	}
	if len(pl.webAccounts) == 0 {
		return
	}
	latest := &g.w.WebCustomers[pl.webAccounts[len(pl.webAccounts)-1]]
	if g.chance(0.12) {
		g.activeCart(pl, latest)
	}
	if g.chance(0.09) {
		g.wishList(pl, latest)
	}
}

func (g *gen) webOrderCount() int { return g.weightedIndex(webOrderCounts) }

func (g *gen) webAccount(pl *plan, a webAccountPlan) {
	p := &g.w.People[pl.i]
	email := a.email
	if a.noisy {
		// The webshop trims what is typed at sign-up; case and Gmail
		// spellings stay as typed.
		email = strings.TrimSpace(g.typedEmail(a.email, webEmailNoise))
	}
	key := strings.ToLower(strings.TrimSpace(email))
	if g.webEmails[key] {
		// The webshop refuses a second account with an address it holds.
		email, key = a.email, strings.ToLower(a.email)
		if g.webEmails[key] {
			return
		}
	}
	g.webEmails[key] = true

	first, last := g.typedName(p.GivenName, p.FamilyName, webNameNoise)
	created := a.from
	c := WebCustomer{
		ID:        g.id.uuid(),
		PersonID:  p.ID,
		Email:     email,
		FirstName: first,
		LastName:  last,
		Locale:    countryLocale[p.Country],
		Addresses: []Address{p.Address},
		CreatedAt: created,
		Version:   1,
	}
	if p.Country == "DE" && g.chance(0.1) {
		c.Locale = "en-GB"
	}
	if g.chance(0.8) {
		c.Phone = g.typedPhone(pl.phone, p.Country, webPhoneNoise)
	}
	if p.Birthday != "" && g.chance(0.35) {
		c.Birthday = p.Birthday
	}
	if g.chance(0.08) {
		// A second address: work, or the parents' at Christmas.
		extra := g.address(g.city(p.Country))
		c.Addresses = append(c.Addresses, extra)
		c.Version++
	}
	idx := len(g.w.WebCustomers)
	g.w.WebCustomers = append(g.w.WebCustomers, c)
	pl.webAccounts = append(pl.webAccounts, idx)

	// Orders, oldest first; most accounts are opened at a first checkout.
	times := make([]time.Time, a.orders)
	for k := range times {
		times[k] = g.awake(g.timeBetween(created, a.till))
	}
	sort.Slice(times, func(x, y int) bool { return times[x].Before(times[y]) })
	if len(times) > 0 && g.chance(0.7) {
		times[0] = g.after(created, time.Minute, 20*time.Minute)
	}
	for _, t := range times {
		g.webOrder(pl, &g.w.WebCustomers[idx], t)
	}
	cust := &g.w.WebCustomers[idx]
	cust.Version += int64(g.between(0, 6))
	cust.UpdatedAt = g.timeBetween(created, minTime(a.till, g.now))
	if len(times) > 0 && g.chance(0.5) {
		// Checking out updates the saved address or phone.
		cust.UpdatedAt = g.timeBetween(times[len(times)-1], minTime(times[len(times)-1].Add(time.Hour), g.now))
	}
	if cust.Version == 1 {
		cust.UpdatedAt = cust.CreatedAt
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// --- order lines ---

var lineCounts = []int{0, 50, 28, 14, 8} // 1..4 lines

func (g *gen) pickProduct(t time.Time) int {
	for range 30 {
		k := g.weightedIndex(g.productWeights)
		if !g.w.Products[k].CreatedAt.After(t) {
			return k
		}
	}
	for k := range g.w.Products {
		if !g.w.Products[k].CreatedAt.After(t) {
			return k
		}
	}
	return 0
}

func price(p *Product, currency string) Money {
	for _, m := range p.Prices {
		if m.Currency == currency {
			return m
		}
	}
	return p.Prices[0]
}

// lines fills an order or cart at time t; sales in January and July take
// 30% off some lines.
func (g *gen) lines(t time.Time, currency string, n int, lineID func() string) []Line {
	out := make([]Line, 0, n)
	seen := make([]int, 0, n)
	sale := t.Month() == time.January || t.Month() == time.July
	for len(out) < n {
		k := g.pickProduct(t)
		dup := false
		for _, s := range seen {
			dup = dup || s == k
		}
		if dup {
			if len(seen) >= len(g.w.Products) {
				break
			}
			continue
		}
		seen = append(seen, k)
		p := &g.w.Products[k]
		unit := price(p, currency)
		if sale && g.chance(0.4) {
			cut := unit.Cents * 7 / 10
			unit.Cents = cut - cut%100 + unit.Cents%100
		}
		q := int64(1)
		if u := g.r.Float64(); u < 0.03 {
			q = 3
		} else if u < 0.15 {
			q = 2
		}
		out = append(out, Line{ID: lineID(), SKU: p.SKU, Name: p.Name, Quantity: q, UnitPrice: unit})
	}
	return out
}

// Total sums an order's or cart's lines; all lines share one currency.
func Total(lines []Line, currency string) Money {
	var c int64
	for _, l := range lines {
		c += l.Quantity * l.UnitPrice.Cents
	}
	return Money{Cents: c, Currency: currency}
}

// --- webshop orders ---

func (g *gen) webOrder(pl *plan, c *WebCustomer, t time.Time) {
	p := &g.w.People[pl.i]
	currency := countryCurrency[p.Country]
	o := WebOrder{
		ID:            g.id.uuid(),
		CustomerID:    c.ID,
		CustomerEmail: c.Email,
		StoreKey:      g.w.Stores[g.online].Key,
		Currency:      currency,
		Shipping:      p.Address,
		CreatedAt:     t,
	}
	if g.chance(0.04) {
		// Checked out as a guest, without signing in.
		o.CustomerID = ""
		o.CustomerEmail = strings.TrimSpace(g.typedEmail(p.Email, webEmailNoise))
	}
	if g.chance(0.1) {
		// Click and collect from the home store.
		o.StoreKey = g.w.Stores[pl.home].Key
		o.Shipping = g.w.Stores[pl.home].Address
	}
	o.Lines = g.lines(t, currency, g.weightedIndex(lineCounts), g.id.uuid)
	age := g.now.Sub(t)
	switch {
	case age < 2*day:
		if g.chance(0.6) {
			o.State, o.ShipmentState, o.Version = "Open", "Pending", int64(g.between(1, 2))
		} else {
			o.State, o.ShipmentState, o.Version = "Confirmed", "Ready", int64(g.between(3, 4))
		}
		o.PaymentState = "Paid"
		if g.chance(0.2) {
			o.PaymentState = "Pending"
		}
		o.UpdatedAt = g.after(t, time.Minute, 6*time.Hour)
	case age < 7*day:
		o.State, o.ShipmentState, o.PaymentState, o.Version = "Confirmed", "Shipped", "Paid", int64(g.between(4, 6))
		if g.chance(0.3) {
			o.ShipmentState = "Ready"
		}
		o.UpdatedAt = g.after(t, 12*time.Hour, 3*day)
	default:
		switch u := g.r.Float64(); {
		case u < 0.05:
			o.State, o.ShipmentState, o.Version = "Cancelled", "", 3
			o.PaymentState = "CreditOwed"
			if g.chance(0.4) {
				o.PaymentState = "Failed"
			}
			o.UpdatedAt = g.after(t, 10*time.Minute, 2*day)
		case u < 0.06:
			o.State, o.ShipmentState, o.PaymentState, o.Version = "Confirmed", "Delayed", "Paid", 5
			o.UpdatedAt = g.after(t, day, 5*day)
		case u < 0.10:
			o.State, o.ShipmentState, o.PaymentState, o.Version = "Complete", "Shipped", "Paid", int64(g.between(5, 7))
			o.UpdatedAt = g.after(t, day, 4*day)
		default:
			o.State, o.ShipmentState, o.PaymentState, o.Version = "Complete", "Delivered", "Paid", int64(g.between(6, 9))
			o.UpdatedAt = g.after(t, 2*day, 6*day)
		}
	}
	g.w.WebOrders = append(g.w.WebOrders, o)
	pl.webOrders = append(pl.webOrders, len(g.w.WebOrders)-1)
}

func (g *gen) activeCart(pl *plan, c *WebCustomer) {
	p := &g.w.People[pl.i]
	created := maxTime(c.CreatedAt, g.awake(g.timeBetween(g.now.Add(-20*day), g.now.Add(-time.Hour))))
	updated := g.awake(g.timeBetween(maxTime(created, g.now.Add(-14*day)), g.now))
	if updated.Before(created) {
		updated = created
	}
	currency := countryCurrency[p.Country]
	cart := WebCart{
		ID:            g.id.uuid(),
		CustomerID:    c.ID,
		CustomerEmail: c.Email,
		State:         "Active",
		Currency:      currency,
		Country:       p.Country,
		StoreKey:      g.w.Stores[g.online].Key,
		CreatedAt:     created,
		UpdatedAt:     updated,
	}
	cart.Lines = g.lines(created, currency, g.weightedIndex(lineCounts), g.id.uuid)
	cart.Version = int64(1 + len(cart.Lines) + g.intn(6))
	g.w.WebCarts = append(g.w.WebCarts, cart)
	pl.carts = append(pl.carts, len(g.w.WebCarts)-1)
}

func (g *gen) wishList(pl *plan, c *WebCustomer) {
	p := &g.w.People[pl.i]
	created := maxTime(c.CreatedAt, g.awake(g.timeBetween(c.CreatedAt, g.now)))
	name := "Wish list"
	if p.Country == "DE" && c.Locale == "de-DE" {
		name = "Wunschliste"
	}
	l := ShoppingList{
		ID:         g.id.uuid(),
		CustomerID: c.ID,
		Name:       name,
		CreatedAt:  created,
		UpdatedAt:  g.timeBetween(created, g.now),
	}
	l.Key = "wishlist-" + l.ID[:8]
	for _, ln := range g.lines(created, "GBP", g.between(1, 6), func() string { return "" }) {
		l.SKUs = append(l.SKUs, ln.SKU)
		l.Quantities = append(l.Quantities, 1)
	}
	l.Version = int64(1 + len(l.SKUs) + g.intn(4))
	g.w.ShoppingLists = append(g.w.ShoppingLists, l)
}
