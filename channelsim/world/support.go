package world

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The first Zendesk user id; later ones count up from it with gaps, as ids
// shared with other objects in a real account do.
const firstSupportUserID = 36100000001

// The first satisfaction rating id.
const firstRatingID = 360500000001

type userSide struct {
	social bool // came in through Twitter or Facebook, no email
}

func (g *gen) supportUsers(pl *plan) {
	p := &g.w.People[pl.i]
	type cand struct {
		email  string
		social bool
	}
	var cands []cand
	switch {
	case g.chance(0.04):
		cands = append(cands, cand{social: true})
	case pl.second != "" && pl.secondWork && g.chance(0.3):
		cands = append(cands, cand{email: pl.second})
	default:
		cands = append(cands, cand{email: p.Email})
	}
	if pl.second != "" && cands[0].email == p.Email && g.chance(0.25) {
		// Wrote in once from the other address too.
		cands = append(cands, cand{email: pl.second})
	}
	for _, c := range cands {
		u := SupportUser{
			PersonID: p.ID,
			Locale:   countryZendeskLocale[p.Country],
			TimeZone: countryZendeskZone[p.Country],
		}
		if !c.social {
			u.Email = g.typedEmail(c.email, supportEmailNoise)
			key := lowerTrim(u.Email)
			if g.supportEmails[key] {
				continue
			}
			g.supportEmails[key] = true
		}
		given, family := g.typedName(p.GivenName, p.FamilyName, supportNameNoise)
		switch u := g.r.Float64(); {
		case c.social:
			family = family[:1] + "."
		case u < 0.08:
			family = ""
		}
		u.Name = strings.TrimSpace(given + " " + family)
		if g.chance(0.25) {
			u.Phone = g.typedPhone(pl.phone, p.Country, supportPhoneNoise)
		}
		if len(pl.webAccounts) > 0 && !c.social && g.chance(0.3) {
			// Signed in to the help centre through the webshop.
			u.ExternalID = g.w.WebCustomers[pl.webAccounts[len(pl.webAccounts)-1]].ID
		}
		g.w.SupportUsers = append(g.w.SupportUsers, u)
		g.userSides = append(g.userSides, userSide{social: c.social})
		pl.users = append(pl.users, len(g.w.SupportUsers)-1)
	}
}

// topic is a kind of support request.
type topic struct {
	about            string // "web", "pos" or "" (no order)
	en, de           string // subject, %s is the order or store
	body, bodyDE     string // %[1]s reference, %[2]s items, %[3]s name
	delayLo, delayHi time.Duration
	tags             []string
	typ              string
}

var webTopics = []topic{
	{"web", "Where is my order %s?", "Wo ist meine Bestellung %s?",
		"Hi, I placed order %[1]s (%[2]s) over a week ago and it still hasn't arrived. The tracking link hasn't changed. Can you check? Thanks, %[3]s",
		"Hallo, meine Bestellung %[1]s (%[2]s) ist immer noch nicht angekommen. Können Sie bitte nachsehen? Viele Grüße, %[3]s",
		3 * day, 12 * day, []string{"wismo", "delivery"}, "question"},
	{"web", "Return request for order %s", "Rücksendung für Bestellung %s",
		"Hello, I'd like to return part of order %[1]s (%[2]s): it doesn't fit. How do I get a returns label? %[3]s",
		"Hallo, ich möchte aus Bestellung %[1]s (%[2]s) etwas zurückschicken, es passt leider nicht. Wie bekomme ich ein Retourenlabel? %[3]s",
		4 * day, 25 * day, []string{"returns"}, "task"},
	{"web", "Refund not received for order %s", "Erstattung für Bestellung %s fehlt",
		"I sent back %[2]s from order %[1]s weeks ago and still have no refund. Please look into it. %[3]s",
		"Ich habe %[2]s aus Bestellung %[1]s vor Wochen zurückgeschickt und noch keine Erstattung erhalten. %[3]s",
		15 * day, 40 * day, []string{"refund", "returns"}, "incident"},
	{"web", "Item arrived damaged (order %s)", "Artikel beschädigt angekommen (Bestellung %s)",
		"The parcel for order %[1]s arrived today and %[2]s is damaged. Photos attached. %[3]s",
		"Das Paket zu Bestellung %[1]s kam heute an, %[2]s ist beschädigt. Fotos anbei. %[3]s",
		2 * day, 7 * day, []string{"damaged", "delivery"}, "incident"},
	{"web", "Wrong size sent in order %s", "Falsche Größe geliefert (Bestellung %s)",
		"I ordered %[2]s (order %[1]s) but received a different size. Can you swap it? %[3]s",
		"Ich habe %[2]s bestellt (Bestellung %[1]s), aber eine andere Größe bekommen. %[3]s",
		2 * day, 8 * day, []string{"wrong_item"}, "incident"},
	{"web", "Change the delivery address for %s", "Lieferadresse für %s ändern",
		"I've just placed order %[1]s and used my old address. Could you change it before it ships? %[3]s",
		"Ich habe gerade Bestellung %[1]s aufgegeben und die alte Adresse angegeben. Können Sie sie noch ändern? %[3]s",
		10 * time.Minute, day, []string{"address_change"}, "question"},
	{"web", "Discount code not applied to order %s", "Rabattcode bei Bestellung %s nicht berücksichtigt",
		"My newsletter code didn't come off the total for order %[1]s. Can you refund the difference? %[3]s",
		"Mein Newsletter-Code wurde bei Bestellung %[1]s nicht abgezogen. Können Sie die Differenz erstatten? %[3]s",
		time.Hour, 3 * day, []string{"discount"}, "problem"},
}

var posTopics = []topic{
	{"pos", "Receipt for my purchase at %s", "Beleg für meinen Einkauf in %s",
		"Hi, I bought %[2]s at %[1]s and lost the receipt. Could you email me a copy? %[3]s",
		"Hallo, ich habe %[2]s in %[1]s gekauft und den Beleg verloren. Können Sie mir eine Kopie schicken? %[3]s",
		0, 30 * day, []string{"receipt", "store"}, "question"},
	{"pos", "Exchanging an item bought at %s", "Umtausch eines Artikels aus %s",
		"Can I exchange %[2]s bought at %[1]s in a different store, or online? %[3]s",
		"Kann ich %[2]s aus %[1]s in einer anderen Filiale oder online umtauschen? %[3]s",
		day, 28 * day, []string{"exchange", "store"}, "question"},
	{"pos", "Loyalty points missing after my visit to %s", "Fehlende Treuepunkte nach Einkauf in %s",
		"I bought %[2]s at %[1]s but the points never showed up on my account. %[3]s",
		"Ich habe in %[1]s %[2]s gekauft, aber keine Punkte bekommen. %[3]s",
		day, 14 * day, []string{"loyalty", "store"}, "incident"},
}

var generalTopics = []topic{
	{"", "Will the %s be back in stock?", "Kommt %s wieder?",
		"Hello, the %[1]s has been sold out for weeks in my size. Will it come back? %[3]s",
		"Hallo, %[1]s ist seit Wochen in meiner Größe ausverkauft. Kommt der Artikel wieder? %[3]s",
		0, 0, []string{"stock"}, "question"},
	{"", "Too many emails, please unsubscribe me", "Bitte keine Newsletter mehr",
		"Please take me off your mailing list. %[3]s", "Bitte nehmen Sie mich aus dem Verteiler. %[3]s",
		0, 0, []string{"email", "unsubscribe"}, "task"},
	{"", "Password reset email never arrives", "Passwort-Reset-Mail kommt nicht an",
		"I've asked for a password reset three times and no email came. %[3]s",
		"Ich habe dreimal ein neues Passwort angefordert, aber keine E-Mail bekommen. %[3]s",
		0, 0, []string{"account"}, "problem"},
	{"", "Question about delivery costs", "Frage zu Versandkosten",
		"How much is delivery, and is there free delivery over a certain amount? %[3]s",
		"Was kostet der Versand, und ab wann ist er kostenlos? %[3]s",
		0, 0, []string{"delivery"}, "question"},
	{"", "Gift card balance", "Guthaben meiner Geschenkkarte",
		"How can I check what's left on my gift card? %[3]s", "Wie kann ich das Restguthaben meiner Geschenkkarte prüfen? %[3]s",
		0, 0, []string{"gift_card"}, "question"},
}

var ticketCounts = []int{10, 45, 22, 12, 6, 3, 2} // 0..6

var ticketChannels = []weighted{{"email", 40}, {"web", 25}, {"chat", 20}, {"twitter", 5}, {"facebook", 5}, {"api", 5}}

var goodComments = []string{"Quick and helpful, thank you!", "Sorted within a day, great service.", "Lovely, friendly reply.", "Danke, schnelle Hilfe!"}
var badComments = []string{"Took over a week to get a reply.", "Still waiting for my refund.", "Nobody read my message properly.", "Die Antwort kam viel zu spät."}

// userTickets writes one support user's tickets and sets the user's times.
func (g *gen) userTickets(pl *plan, ui int) {
	p := &g.w.People[pl.i]
	u := &g.w.SupportUsers[ui]
	de := p.Country == "DE"
	n := g.weightedIndex(ticketCounts)
	if ui != pl.users[0] {
		n = g.between(1, 2)
	}
	first := time.Time{}
	for range n {
		t, ok := g.ticket(pl, ui, de)
		if ok && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if first.IsZero() {
		// Signed up to the help centre without writing in.
		u.CreatedAt = g.timeBetween(pl.since, g.now.Add(-time.Hour))
	} else {
		u.CreatedAt = first.Add(-time.Duration(g.between(0, 600)) * time.Second)
	}
	u.UpdatedAt = g.timeBetween(u.CreatedAt, minTime(u.CreatedAt.Add(90*day), g.now))
}

func (g *gen) ticket(pl *plan, ui int, de bool) (time.Time, bool) {
	p := &g.w.People[pl.i]
	var tp topic
	var ref, items string
	var created time.Time
	hasOrders := len(pl.webOrders)+len(pl.posOrders) > 0
	if hasOrders && g.chance(0.65) {
		web := len(pl.posOrders) == 0 || (len(pl.webOrders) > 0 && g.chance(0.7))
		var lines []Line
		var at time.Time
		if web {
			o := &g.w.WebOrders[pick(g, pl.webOrders)]
			tp, ref, lines, at = pick(g, webTopics), o.Number, o.Lines, o.CreatedAt
		} else {
			o := &g.w.POSOrders[pick(g, pl.posOrders)]
			st := &g.w.Stores[g.storeByID(o.LocationID)]
			tp, ref, lines, at = pick(g, posTopics), st.Name, o.Lines, o.CreatedAt
		}
		created = g.awake(g.after(at, tp.delayLo, tp.delayHi))
		if created.Equal(g.now) {
			return time.Time{}, false
		}
		names := make([]string, len(lines))
		for k, l := range lines {
			names[k] = l.Name
		}
		items = strings.Join(names, "; ")
	} else {
		tp = pick(g, generalTopics)
		created = g.awake(g.timeBetween(pl.since, g.now.Add(-10*time.Minute)))
		ref = g.w.Products[g.intn(len(g.w.Products))].Name
	}
	subject, body := tp.en, tp.body
	if de {
		subject, body = tp.de, tp.bodyDE
	}
	if strings.Contains(subject, "%s") {
		subject = fmt.Sprintf(subject, ref)
	}
	t := Ticket{
		Subject:     subject,
		Description: fmt.Sprintf(body, ref, items, p.GivenName),
		Type:        tp.typ,
		Channel:     g.weighted(ticketChannels),
		CreatedAt:   created,
		Tags:        slices.Clone(tp.tags),
	}
	if g.userSides[ui].social {
		t.Channel = pick(g, []string{"twitter", "facebook"})
	}
	if de {
		t.Tags = append(t.Tags, "de")
	}
	if g.chance(0.15) {
		t.Type = ""
	}
	switch u := g.r.Float64(); {
	case u < 0.25:
	case u < 0.35:
		t.Priority = "low"
	case u < 0.80:
		t.Priority = "normal"
	case u < 0.95:
		t.Priority = "high"
	default:
		t.Priority = "urgent"
	}
	age := g.now.Sub(created)
	var st []weighted
	switch {
	case age > 14*day:
		st = []weighted{{"closed", 60}, {"solved", 33}, {"pending", 3}, {"open", 2}, {"hold", 2}}
	case age > 3*day:
		st = []weighted{{"solved", 45}, {"pending", 20}, {"open", 25}, {"hold", 10}}
	default:
		st = []weighted{{"new", 35}, {"open", 40}, {"pending", 20}, {"hold", 5}}
	}
	t.Status = g.weighted(st)
	switch t.Status {
	case "new":
		t.UpdatedAt = created
	case "solved":
		t.UpdatedAt = g.after(created, time.Hour, 5*day)
	case "closed":
		t.UpdatedAt = g.after(created, 5*day, 12*day)
	default:
		t.UpdatedAt = g.after(created, 10*time.Minute, 2*day)
	}
	t.Satisfaction.Score = "unoffered"
	if t.Status == "solved" || t.Status == "closed" {
		switch u := g.r.Float64(); {
		case u < 0.35:
			t.Satisfaction.Score = "good"
			if g.chance(0.5) {
				t.Satisfaction.Comment = pick(g, goodComments)
			}
		case u < 0.44:
			t.Satisfaction.Score = "bad"
			t.Satisfaction.Comment = pick(g, badComments)
		case u < 0.70:
			t.Satisfaction.Score = "offered"
		}
	}
	g.w.Tickets = append(g.w.Tickets, t)
	g.ticketUser = append(g.ticketUser, ui)
	return created, true
}

// numberSupport gives users and tickets their Zendesk ids in creation
// order.
func (g *gen) numberSupport() {
	users := g.w.SupportUsers
	order := make([]int, len(users))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return users[a].CreatedAt.Compare(users[b].CreatedAt) })
	next := int64(firstSupportUserID)
	for _, i := range order {
		users[i].ID = next
		next += int64(1 + g.intn(6))
	}
	tickets := g.w.Tickets
	for k := range tickets {
		tickets[k].RequesterID = users[g.ticketUser[k]].ID
		tickets[k].SubmitterID = tickets[k].RequesterID
	}
	order = order[:0]
	for i := range tickets {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return tickets[a].CreatedAt.Compare(tickets[b].CreatedAt) })
	rating := int64(firstRatingID)
	for k, i := range order {
		tickets[i].ID = int64(k + 1)
		if tickets[i].Satisfaction.Score != "unoffered" {
			tickets[i].Satisfaction.ID = rating
			rating += int64(1 + g.intn(4))
		}
	}
}
