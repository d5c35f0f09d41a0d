package world

import (
	"sort"
	"strings"
	"time"
)

// Klaviyo metric names.
const (
	MetricReceived = "Received Email"
	MetricOpened   = "Opened Email"
	MetricClicked  = "Clicked Email"
	MetricPlaced   = "Placed Order"
)

// Email list names.
const (
	ListNewsletter   = "Newsletter"
	ListNewsletterDE = "Newsletter DE"
	ListVIP          = "VIP"
	ListAbandoned    = "Abandoned Cart"
	ListInStore      = "In-store Sign-ups"
	ListHome         = "Home & Living"
)

// vipOrders is how many orders, in all channels, make a customer a VIP.
const vipOrders = 12

// AbandonedCartFlow names the automated email sent after a basket is left.
const AbandonedCartFlow = "Abandoned Cart Reminder"

type metricIDs struct{ received, opened, clicked, placed string }

type emailLists struct{ newsletter, newsletterDE, vip, abandoned, inStore, home string }

// campaign is one weekly send to one country's subscribers.
type campaign struct {
	at                  time.Time
	name, subject, link string
}

type theme struct{ en, de, path string }

// One theme per month for the first send of the month.
var monthThemes = [12]theme{
	{"The January sale: up to 50% off", "Der Winterschlussverkauf: bis zu 50 % Rabatt", "/sale"},
	{"New season linen has landed", "Die neue Leinen-Kollektion ist da", "/collections/linen"},
	{"Spring layers, sorted", "Leichte Lagen für den Frühling", "/collections/new-in"},
	{"Set the table for Easter", "Der Ostertisch ist gedeckt", "/collections/kitchen"},
	{"Linen shirts for warmer days", "Leinenhemden für warme Tage", "/collections/shirts"},
	{"Summer dresses, just in", "Sommerkleider, neu eingetroffen", "/collections/dresses"},
	{"The summer sale starts now", "Der Sommer-Sale beginnt", "/sale"},
	{"Wardrobe basics, restocked", "Basics sind wieder da", "/collections/basics"},
	{"The autumn knitwear edit", "Strick für den Herbst", "/collections/knitwear"},
	{"Cosy nights in: throws and candles", "Gemütliche Abende: Decken und Kerzen", "/collections/living"},
	{"Black Friday: early access for you", "Black Friday: früher Zugang für Sie", "/black-friday"},
	{"Gifts for everyone on your list", "Geschenke für alle auf Ihrer Liste", "/gifts"},
}

// Themes for the other weeks, in rotation.
var weekThemes = []theme{
	{"New in this week", "Neu diese Woche", "/collections/new-in"},
	{"Back in stock: the pieces you loved", "Wieder da: Ihre Lieblingsstücke", "/collections/back-in-stock"},
	{"The home edit", "Wohnen: unsere Auswahl", "/collections/home"},
	{"Members' early access", "Früher Zugang für Mitglieder", "/members"},
	{"Last chance: final sizes", "Letzte Chance: letzte Größen", "/collections/last-chance"},
	{"How to care for linen", "So pflegen Sie Leinen", "/journal/linen-care"},
	{"Our bestsellers, restocked", "Unsere Bestseller sind zurück", "/collections/bestsellers"},
}

func (g *gen) emailSetup() {
	g.metrics = metricIDs{g.id.klaviyoShort(), g.id.klaviyoShort(), g.id.klaviyoShort(), g.id.klaviyoShort()}
	g.programID = g.id.uuid()
	lists := []struct {
		name string
		id   *string
	}{
		{ListNewsletter, &g.lists.newsletter}, {ListNewsletterDE, &g.lists.newsletterDE},
		{ListVIP, &g.lists.vip}, {ListAbandoned, &g.lists.abandoned},
		{ListInStore, &g.lists.inStore}, {ListHome, &g.lists.home},
	}
	for k, l := range lists {
		*l.id = g.id.klaviyoShort()
		g.w.EmailLists = append(g.w.EmailLists, EmailList{
			ID:        *l.id,
			Name:      l.name,
			CreatedAt: g.start.AddDate(0, -3+k, 0).Add(time.Duration(g.between(9*60, 17*60)) * time.Minute),
		})
	}

	// Weekly campaigns, on Tuesday mornings, for each country.
	g.campaigns = map[string][]campaign{}
	t := g.start.Truncate(day)
	for t.Weekday() != time.Tuesday {
		t = t.Add(day)
	}
	week := 0
	for ; t.Before(g.now); t = t.Add(7 * day) {
		th := weekThemes[week%len(weekThemes)]
		if t.Day() <= 7 {
			th = monthThemes[t.Month()-1]
		} else {
			week++
		}
		date := t.Format(time.DateOnly)
		slug := strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, th.en))
		for _, c := range []string{"GB", "IE", "DE"} {
			at := t.Add(9 * time.Hour)
			subject := th.en
			if c == "DE" {
				at = t.Add(8 * time.Hour)
				subject = th.de
			}
			region := c
			if c == "GB" {
				region = "UK"
			}
			g.campaigns[c] = append(g.campaigns[c], campaign{
				at:      at,
				name:    date + " " + th.en + " (" + region + ")",
				subject: subject,
				link:    "https://www." + shopDomain[c] + th.path + "?utm_source=klaviyo&utm_medium=email&utm_campaign=" + date + "-" + slug,
			})
		}
	}
}

// profileSide is what the generator keeps about a profile to write its
// events later.
type profileSide struct {
	subAt, unsubAt time.Time
	country        string
	engagement     float64 // share of received emails opened
	clicks         float64 // share of opened emails clicked
	orders         []orderRef
}

type orderRef struct {
	web bool
	idx int
}

type profileSource struct {
	email       string
	created     time.Time
	first, last string
	externalID  string
	method      string // how they first subscribed, if they did
	old         bool   // an address the person no longer uses
	phoneLikely float64
}

func lowerTrim(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (g *gen) emailProfiles(pl *plan) {
	p := &g.w.People[pl.i]
	var srcs []profileSource
	if len(pl.webAccounts) > 0 {
		n := len(pl.webAccounts)
		for k := n - 1; k >= 0; k-- {
			a := &g.w.WebCustomers[pl.webAccounts[k]]
			old := k < n-1
			if old && g.chance(0.3) {
				continue
			}
			s := profileSource{
				email: lowerTrim(a.Email), created: a.CreatedAt, first: a.FirstName, last: a.LastName,
				method: "CHECKOUT", old: old, phoneLikely: 0.5,
			}
			if g.chance(0.45) {
				s.method = "FORM"
			}
			if g.chance(0.45) {
				s.externalID = a.ID
			}
			srcs = append(srcs, s)
		}
	} else if len(pl.posCusts) > 0 {
		c := &g.w.POSCustomers[pl.posCusts[0]]
		s := profileSource{created: c.CreatedAt, first: c.GivenName, last: c.FamilyName, method: "IN_STORE", phoneLikely: 0.7}
		if c.CreationSource == "INSTANT_PROFILE" {
			s.first, s.last = p.GivenName, p.FamilyName
		}
		if e := lowerTrim(c.Email); !isPlaceholder(e) && !g.isStoreEmail(e) {
			s.email = e
		} else {
			// Signed up on the website's form after a store visit.
			s.email, s.method = p.Email, "FORM"
			s.created = g.timeBetween(c.CreatedAt, g.now.Add(-time.Hour))
		}
		srcs = append(srcs, s)
	}
	for _, s := range srcs {
		g.emailProfile(pl, s)
	}
	g.attributeOrders(pl)
}

func (g *gen) isStoreEmail(e string) bool {
	for i := range g.w.Stores {
		if strings.EqualFold(g.w.Stores[i].Email, e) {
			return true
		}
	}
	return false
}

func (g *gen) emailProfile(pl *plan, s profileSource) {
	if s.email == "" || g.profileEmails[s.email] {
		return
	}
	g.profileEmails[s.email] = true
	p := &g.w.People[pl.i]
	prof := EmailProfile{
		PersonID:   p.ID,
		Email:      s.email,
		ExternalID: s.externalID,
		FirstName:  s.first,
		LastName:   s.last,
		Location:   Address{City: p.Address.City, Region: p.Address.Region, PostalCode: p.Address.PostalCode, Country: p.Country},
		Timezone:   countryTimezone[p.Country],
		CreatedAt:  s.created,
	}
	if g.chance(0.5) {
		prof.Location.Line1 = p.Address.Line1
	}
	side := profileSide{
		country:    p.Country,
		engagement: 0.05 + 0.7*g.r.Float64(),
		clicks:     0.2 * g.r.Float64(),
	}
	pSub, pUnsub := 0.58, 0.14
	if s.old {
		pSub, pUnsub = 0.2, 0.4
	}
	switch u := g.r.Float64(); {
	case u < pSub+pUnsub:
		switch s.method {
		case "CHECKOUT":
			side.subAt = g.after(s.created, 0, 10*time.Minute)
		case "FORM":
			side.subAt = g.after(s.created, time.Minute, 30*day)
		default:
			side.subAt = g.after(s.created, 0, time.Minute)
		}
		prof.EmailConsent = Consent{Status: "SUBSCRIBED", Method: s.method, Timestamp: side.subAt}
		if u >= pSub {
			unsub := g.after(side.subAt, 14*day, 700*day)
			if unsub.Before(g.now.Add(-time.Hour)) {
				side.unsubAt = unsub
				prof.EmailConsent = Consent{Status: "UNSUBSCRIBED", Method: "UNSUBSCRIBE_LINK", Timestamp: unsub}
			}
		}
	default:
		prof.EmailConsent = Consent{Status: "NEVER_SUBSCRIBED"}
	}
	prof.SMSConsent = Consent{Status: "NEVER_SUBSCRIBED"}
	if g.chance(s.phoneLikely) && !s.old {
		prof.Phone = p.Phone
		if g.chance(0.15) {
			m := "CHECKOUT"
			if s.method != "CHECKOUT" {
				m = "FORM"
			}
			prof.SMSConsent = Consent{Status: "SUBSCRIBED", Method: m, Timestamp: g.after(s.created, 0, 20*day)}
		}
	}
	prof.ID = g.id.klaviyoProfile(prof.CreatedAt)
	g.w.EmailProfiles = append(g.w.EmailProfiles, prof)
	g.profSides = append(g.profSides, side)
	pl.profiles = append(pl.profiles, len(g.w.EmailProfiles)-1)
}

// attributeOrders gives each of the person's placed orders to the profile
// holding the email address the order was placed under, or to the
// person's main profile, and fixes up the profiles' creation times and
// lists.
func (g *gen) attributeOrders(pl *plan) {
	if len(pl.profiles) == 0 {
		return
	}
	find := func(email string) int {
		e := lowerTrim(email)
		for _, k := range pl.profiles {
			if g.w.EmailProfiles[k].Email == e {
				return k
			}
		}
		return pl.profiles[0]
	}
	for _, oi := range pl.webOrders {
		k := find(g.w.WebOrders[oi].CustomerEmail)
		g.profSides[k].orders = append(g.profSides[k].orders, orderRef{web: true, idx: oi})
	}
	for _, oi := range pl.posOrders {
		o := &g.w.POSOrders[oi]
		if o.State != "COMPLETED" {
			continue
		}
		email := ""
		for _, ci := range pl.posCusts {
			if g.w.POSCustomers[ci].ID == o.CustomerID {
				email = g.w.POSCustomers[ci].Email
			}
		}
		k := find(email)
		g.profSides[k].orders = append(g.profSides[k].orders, orderRef{idx: oi})
	}
	totalOrders := len(pl.webOrders) + len(pl.posOrders)
	for _, k := range pl.profiles {
		prof, side := &g.w.EmailProfiles[k], &g.profSides[k]
		first := prof.CreatedAt
		for _, r := range side.orders {
			t := g.orderTime(r)
			if t.Before(first) {
				first = t
			}
		}
		if first.Before(prof.CreatedAt) {
			// The integration synced the order history when the profile
			// was made; Klaviyo dates the profile by its first event.
			prof.CreatedAt = first
			prof.ID = g.id.klaviyoProfile(first)
		}
		up := prof.CreatedAt
		up = maxTime(up, prof.EmailConsent.Timestamp)
		up = maxTime(up, prof.SMSConsent.Timestamp)
		prof.UpdatedAt = g.timeBetween(up, minTime(up.Add(60*day), g.now))

		subscribed := prof.EmailConsent.Status == "SUBSCRIBED"
		if subscribed {
			if side.country == "DE" {
				prof.ListIDs = append(prof.ListIDs, g.lists.newsletterDE)
			} else {
				prof.ListIDs = append(prof.ListIDs, g.lists.newsletter)
			}
			if prof.EmailConsent.Method == "IN_STORE" {
				prof.ListIDs = append(prof.ListIDs, g.lists.inStore)
			}
		}
		if totalOrders >= vipOrders && k == pl.profiles[0] {
			prof.ListIDs = append(prof.ListIDs, g.lists.vip)
		}
		if len(pl.carts) > 0 && k == pl.profiles[0] {
			prof.ListIDs = append(prof.ListIDs, g.lists.abandoned)
		}
		if subscribed && g.boughtHome(side.orders) {
			prof.ListIDs = append(prof.ListIDs, g.lists.home)
		}
	}
}

func (g *gen) orderTime(r orderRef) time.Time {
	if r.web {
		return g.w.WebOrders[r.idx].CreatedAt
	}
	return g.w.POSOrders[r.idx].CreatedAt
}

func (g *gen) orderLines(r orderRef) ([]Line, string, string) {
	if r.web {
		o := &g.w.WebOrders[r.idx]
		return o.Lines, o.Currency, o.ID
	}
	o := &g.w.POSOrders[r.idx]
	return o.Lines, o.Currency, o.ID
}

func (g *gen) boughtHome(refs []orderRef) bool {
	for _, r := range refs {
		lines, _, _ := g.orderLines(r)
		for _, l := range lines {
			if g.homeSKU[l.SKU] {
				return true
			}
		}
	}
	return false
}

// profileEvents writes one profile's email activity: the campaigns it
// received while subscribed, the opens and clicks, the abandoned-cart
// reminders and an event per placed order.
func (g *gen) profileEvents(pl *plan, k int) {
	prof, side := &g.w.EmailProfiles[k], &g.profSides[k]
	add := func(e EmailEvent) {
		e.ID = g.id.klaviyoEvent()
		e.ProfileID = prof.ID
		g.w.EmailEvents = append(g.w.EmailEvents, e)
	}
	engage := func(recv time.Time, subject, name, link string) {
		add(EmailEvent{Metric: MetricReceived, MetricID: g.metrics.received, Time: recv, Subject: subject, Campaign: name})
		if !g.chance(side.engagement) {
			return
		}
		open := recv.Add(time.Minute + g.expDuration(3*time.Hour)).Truncate(time.Millisecond)
		if open.After(g.now) {
			return
		}
		add(EmailEvent{Metric: MetricOpened, MetricID: g.metrics.opened, Time: open, Subject: subject, Campaign: name})
		if !g.chance(side.clicks) {
			return
		}
		click := open.Add(time.Duration(g.between(5, 900)) * time.Second)
		if click.After(g.now) {
			return
		}
		add(EmailEvent{Metric: MetricClicked, MetricID: g.metrics.clicked, Time: click, Subject: subject, Campaign: name, URL: link})
	}
	if !side.subAt.IsZero() {
		end := g.now
		if !side.unsubAt.IsZero() {
			end = side.unsubAt
		}
		cs := g.campaigns[side.country]
		i := sort.Search(len(cs), func(i int) bool { return !cs[i].at.Before(side.subAt) })
		for ; i < len(cs) && cs[i].at.Before(end); i++ {
			if !g.chance(0.88) {
				continue
			}
			recv := cs[i].at.Add(time.Duration(g.intn(45*60*1000)) * time.Millisecond)
			if recv.After(g.now) || recv.Before(prof.CreatedAt) {
				continue
			}
			engage(recv, cs[i].subject, cs[i].name, cs[i].link)
		}
		if prof.EmailConsent.Status == "SUBSCRIBED" && k == pl.profiles[0] {
			for _, ci := range pl.carts {
				c := &g.w.WebCarts[ci]
				t := c.UpdatedAt.Add(4 * time.Hour)
				if t.After(g.now) || t.Before(prof.CreatedAt) {
					continue
				}
				subject := "You left something in your basket"
				if side.country == "DE" {
					subject = "Sie haben etwas in Ihrem Warenkorb vergessen"
				}
				engage(t, subject, AbandonedCartFlow, "https://www."+shopDomain[side.country]+"/cart?utm_source=klaviyo&utm_medium=email&utm_campaign=abandoned-cart")
			}
		}
	}
	for _, r := range side.orders {
		lines, currency, id := g.orderLines(r)
		items := make([]string, len(lines))
		for j, l := range lines {
			items[j] = l.Name
		}
		add(EmailEvent{
			Metric: MetricPlaced, MetricID: g.metrics.placed, Time: g.orderTime(r),
			OrderID: id, Value: Total(lines, currency), Items: items,
		})
	}
}
