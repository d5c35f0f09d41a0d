package world

import (
	"sort"
	"strings"
	"time"
)

// Sales per point-of-sale customer record, 1..10.
var posOrderCounts = []int{0, 30, 22, 15, 10, 7, 5, 4, 3, 2, 2}

var posLineCounts = []int{0, 45, 28, 15, 8, 4} // 1..5 lines

// The POS source name Square shows for sales rung up at the till.
const posSource = "Square Point of Sale"

var posNotes = map[string][]string{
	"en": {"Prefers size M in knitwear", "Call when the Waxed Field Jacket is back in Olive",
		"Regular: buys gifts at Christmas", "Allergic to wool, suggest cotton", "Interior designer, trade discount agreed",
		"Likes a call, not emails"},
	"de": {"Kundin wünscht Anruf bei neuer Strickware", "Stammkunde, kauft Geschenke zu Weihnachten",
		"Bevorzugt Größe L", "Bitte nicht per E-Mail kontaktieren"},
}

func (g *gen) posRecords(pl *plan) {
	first := pl.since
	if pl.web && g.chance(0.5) {
		first = g.skewedRecent(pl.since, g.now.Add(-day))
	}
	main := g.posCustomer(pl, pl.home, first, false)
	g.posSales(pl, main, g.weightedIndex(posOrderCounts))
	if g.chance(0.045) {
		// A second record for the same person: made at another store by
		// staff who did not find the first, or by the card terminal.
		st := g.otherStore(pl)
		t := g.timeBetween(first, g.now.Add(-day))
		dup := g.posCustomer(pl, st, t, true)
		g.posSales(pl, dup, g.between(1, 2))
	}
}

// otherStore is a store other than the person's home one: mostly in their
// country, sometimes abroad.
func (g *gen) otherStore(pl *plan) int {
	p := &g.w.People[pl.i]
	cands := g.byCountry[p.Country]
	if len(cands) < 2 || g.chance(0.2) {
		cands = g.physical
	}
	for {
		s := pick(g, cands)
		if s != pl.home {
			return s
		}
	}
}

var creationSources = []weighted{{"DIRECTORY", 45}, {"LOYALTY", 20}, {"EMAIL_COLLECTION", 10}, {"INSTANT_PROFILE", 15}, {"THIRD_PARTY", 10}}

func (g *gen) posCustomer(pl *plan, storeIdx int, t time.Time, duplicate bool) int {
	p := &g.w.People[pl.i]
	st := &g.w.Stores[storeIdx]
	t = g.inStoreHours(t, st.Country)
	if t.After(g.now) {
		t = g.now.Add(-time.Hour)
	}
	src := g.weighted(creationSources)
	if duplicate && g.chance(0.5) {
		src = "INSTANT_PROFILE"
	}
	if src == "LOYALTY" && g.loyaltyPhones[p.Phone] {
		// The program allows one account per phone number.
		src = "DIRECTORY"
	}
	c := POSCustomer{
		ID:             g.id.squareCustomer(),
		PersonID:       p.ID,
		LocationID:     st.ID,
		CreationSource: src,
		CreatedAt:      t,
	}
	if src == "INSTANT_PROFILE" {
		c.GivenName, c.FamilyName = cardName(g.plainLetters(p.GivenName), g.plainLetters(p.FamilyName))
		if g.chance(0.3) {
			c.GivenName = c.GivenName[:1]
		}
	} else {
		c.GivenName, c.FamilyName = g.typedName(p.GivenName, p.FamilyName, posNameNoise)
	}

	realEmail := false
	switch src {
	case "EMAIL_COLLECTION":
		realEmail = true
	case "INSTANT_PROFILE":
		realEmail = g.chance(0.4)
	default:
		realEmail = g.chance(0.55)
	}
	if realEmail {
		clean := p.Email
		switch {
		case pl.shared != "" && g.chance(0.75):
			clean = pl.shared
		case pl.second != "" && g.chance(0.15):
			clean = pl.second
		}
		c.Email = g.typedEmail(clean, posEmailNoise)
		c.EmailUnsubscribed = g.chance(0.1)
	} else if src != "INSTANT_PROFILE" {
		switch u := g.r.Float64(); {
		case u < 0.035:
			c.Email = PlaceholderEmail
		case u < 0.06:
			// The store's own address, so that the form would save.
			c.Email = st.Email
		}
	}

	realPhone := false
	switch src {
	case "LOYALTY":
		realPhone = true
	case "INSTANT_PROFILE":
	default:
		realPhone = g.chance(0.7)
	}
	if realPhone {
		c.Phone = g.typedPhone(pl.phone, st.Country, posPhoneNoise)
	} else if src != "INSTANT_PROFILE" {
		switch u := g.r.Float64(); {
		case u < 0.12:
			c.Phone = g.typedPhone(g.storePhones[storeIdx], st.Country, posPhoneNoise)
		case u < 0.17:
			c.Phone = PlaceholderPhone
		}
	}
	if p.Birthday != "" && g.chance(0.3) {
		c.Birthday = p.Birthday
		if g.chance(0.3) {
			// Square keeps birthdays without a year as 0000-MM-DD.
			c.Birthday = "0000" + p.Birthday[4:]
		}
	}
	if g.chance(0.2) {
		a := p.Address
		c.Address = &a
	}
	if g.chance(0.06) {
		lang := "en"
		if st.Country == "DE" {
			lang = "de"
		}
		c.Note = pick(g, posNotes[lang])
	}
	c.Version = int64(g.between(0, 4))
	c.UpdatedAt = c.CreatedAt
	if c.Version > 0 {
		// Edited by staff at the till on a later visit.
		up := g.inStoreHours(g.timeBetween(c.CreatedAt, g.now), st.Country)
		if up.After(c.CreatedAt) && !up.After(g.now) {
			c.UpdatedAt = up
		}
	}
	idx := len(g.w.POSCustomers)
	g.w.POSCustomers = append(g.w.POSCustomers, c)
	pl.posCusts = append(pl.posCusts, idx)

	if src == "LOYALTY" || (realPhone && !g.loyaltyPhones[p.Phone] && g.chance(0.15)) {
		g.loyaltyPhones[p.Phone] = true
		enrolled := t
		if src != "LOYALTY" {
			// Signed up at the till on a later visit.
			if e := g.inStoreHours(g.timeBetween(t, g.now), st.Country); e.After(t) && !e.After(g.now) {
				enrolled = e
			}
		}
		g.w.Loyalty = append(g.w.Loyalty, LoyaltyAccount{
			ID:         g.id.uuid(),
			ProgramID:  g.programID,
			CustomerID: c.ID,
			Phone:      p.Phone,
			EnrolledAt: enrolled,
			CreatedAt:  enrolled,
			UpdatedAt:  enrolled,
		})
		g.loyaltyRedeem = append(g.loyaltyRedeem, g.r.Float64())
	}
	return idx
}

// posSales rings up n sales for one customer record, the first at the
// visit that created it.
func (g *gen) posSales(pl *plan, custIdx, n int) {
	c := &g.w.POSCustomers[custIdx]
	created := c.CreatedAt
	homeIdx := g.storeByID(c.LocationID)
	times := make([]time.Time, n)
	for k := range times {
		times[k] = g.timeBetween(created, g.now)
	}
	sort.Slice(times, func(x, y int) bool { return times[x].Before(times[y]) })
	if n > 0 {
		times[0] = created.Add(time.Duration(g.between(0, 300)) * time.Second)
	}
	custID := c.ID
	for k, t := range times {
		st := homeIdx
		if k > 0 {
			switch u := g.r.Float64(); {
			case u < 0.03:
				st = pick(g, g.physical)
			case u < 0.15:
				st = g.otherStore(pl)
			}
		}
		g.posOrder(st, custID, created, t, pl)
	}
}

func (g *gen) storeByID(id string) int {
	for i := range g.w.Stores {
		if g.w.Stores[i].ID == id {
			return i
		}
	}
	return g.physical[0]
}

func (g *gen) posOrder(storeIdx int, custID string, notBefore, t time.Time, pl *plan) {
	st := &g.w.Stores[storeIdx]
	o := POSOrder{
		ID:         g.id.squareOrder(),
		LocationID: st.ID,
		CustomerID: custID,
		Currency:   st.Currency,
		Source:     posSource,
	}
	switch u := g.r.Float64(); {
	case u < 0.05:
		// A parked sale: the basket put aside at the till, mostly in the
		// last fortnight.
		o.State = "OPEN"
		if g.chance(0.7) {
			t = g.timeBetween(maxTime(notBefore, g.now.Add(-14*day)), g.now.Add(-time.Hour))
		}
	case u < 0.07:
		o.State = "CANCELED"
	default:
		o.State = "COMPLETED"
	}
	if k := g.inStoreHours(t, st.Country); !k.Before(notBefore) && !k.After(g.now) {
		t = k
	}
	o.CreatedAt = t
	o.Lines = g.lines(t, st.Currency, g.weightedIndex(posLineCounts), g.id.squareLine)
	switch o.State {
	case "OPEN":
		o.UpdatedAt = g.after(t, 0, 30*time.Minute)
		o.Version = int64(g.between(1, 3))
	case "CANCELED":
		o.ClosedAt = g.after(t, 2*time.Minute, 30*time.Minute)
		o.UpdatedAt = o.ClosedAt
		o.Version = 3
	default:
		o.ClosedAt = g.after(t, time.Minute, 6*time.Minute)
		o.UpdatedAt = o.ClosedAt
		o.Version = 4
	}
	g.w.POSOrders = append(g.w.POSOrders, o)
	if pl != nil {
		pl.posOrders = append(pl.posOrders, len(g.w.POSOrders)-1)
	}
}

// walkIns rings up the sales made to nobody the till knows: most sales in
// a real store.
func (g *gen) walkIns() {
	n := len(g.w.POSOrders) / 3
	ws := make([]int, len(g.physical))
	for k, i := range g.physical {
		ws[k] = storeDefs[i].weight
		if storeDefs[i].country != "GB" {
			// Irish and German weights are shares within their country.
			ws[k] = storeDefs[i].weight / 3
		}
	}
	for range n {
		st := g.physical[g.weightedIndex(ws)]
		t := g.skewedRecent(g.start, g.now.Add(-time.Hour))
		g.posOrder(st, "", g.start, t, nil)
	}
}

// finishLoyalty sets loyalty balances from the completed sales made after
// enrolment: a point per pound or euro, some spent on rewards.
func (g *gen) finishLoyalty() {
	byCust := map[string][]int{}
	for k := range g.w.POSOrders {
		o := &g.w.POSOrders[k]
		if o.CustomerID != "" && o.State == "COMPLETED" {
			byCust[o.CustomerID] = append(byCust[o.CustomerID], k)
		}
	}
	for k := range g.w.Loyalty {
		a := &g.w.Loyalty[k]
		var points int64
		for _, oi := range byCust[a.CustomerID] {
			o := &g.w.POSOrders[oi]
			if o.CreatedAt.Before(a.EnrolledAt) {
				continue
			}
			points += Total(o.Lines, o.Currency).Cents / 100
			a.UpdatedAt = maxTime(a.UpdatedAt, o.ClosedAt)
		}
		a.LifetimePoints = points
		a.Balance = points - int64(g.loyaltyRedeem[k]*float64(points/100))*100
	}
}

// isPlaceholder reports values a till or form collects instead of a real
// one.
func isPlaceholder(s string) bool {
	s = strings.TrimSpace(s)
	return s == "" || strings.EqualFold(s, PlaceholderEmail) || s == PlaceholderPhone
}
