package world

import (
	"fmt"
	"strings"
	"time"
)

// plan is what the generator decides about a person before writing their
// records, and the records it wrote, by index into the World's slices
// (valid until sortAll).
type plan struct {
	i      int
	nat    string // where the name comes from
	female bool
	city   *city
	phone  phone
	since  time.Time // first contact with the retailer
	home   int       // index of the home store

	web, store, email, support bool

	second     string // a second clean email, if any
	secondWork bool   // the second email is a work address
	shared     string // a household address this person uses but does not own
	partner    int    // index of the partner, or -1
	// sharedEmailOwner: this person's main address is the household's,
	// which the partner gives at the till too.
	sharedEmailOwner bool
	// sharedPhone: the partner answers the same landline.
	sharedPhone bool

	webAccounts []int // WebCustomers, oldest first
	webOrders   []int
	carts       []int
	posCusts    []int
	posOrders   []int
	profiles    []int
	users       []int
}

func (g *gen) people() error {
	n := g.o.People
	g.plans = make([]plan, n)
	g.w.People = make([]Person, n)
	for i := range n {
		if err := g.person(i); err != nil {
			return err
		}
	}
	return nil
}

var residentNames = map[string][]weighted{
	"GB": {{"GB", 88}, {"IE", 7}, {"DE", 5}},
	"IE": {{"IE", 85}, {"GB", 15}},
	"DE": {{"DE", 92}, {"GB", 4}, {"IE", 4}},
}

func (g *gen) person(i int) error {
	pl := &g.plans[i]
	p := &g.w.People[i]
	pl.i, pl.partner = i, -1
	p.ID = fmt.Sprintf("p-%06d", i+1)

	var mate *plan
	if i > 0 && g.plans[i-1].partner == i {
		mate = &g.plans[i-1]
		pl.partner = i - 1
	}
	mp := (*Person)(nil)
	if mate != nil {
		mp = &g.w.People[i-1]
		p.Country, pl.city, pl.nat = mp.Country, mate.city, mate.nat
		pl.female = !mate.female
		if g.chance(0.1) {
			pl.female = mate.female
		}
		p.Address = mp.Address
		p.FamilyName = mp.FamilyName
		if g.chance(0.25) {
			p.FamilyName = pick(g, familyNames[pl.nat])
		}
	} else {
		p.Country = g.weighted([]weighted{{"GB", 70}, {"IE", 14}, {"DE", 16}})
		pl.nat = g.weighted(residentNames[p.Country])
		pl.female = g.chance(0.54)
		pl.city = g.city(p.Country)
		p.Address = g.address(pl.city)
		p.FamilyName = pick(g, familyNames[pl.nat])
	}
	names := givenNames[pl.nat]
	if pl.female {
		p.GivenName = pick(g, names.female)
	} else {
		p.GivenName = pick(g, names.male)
	}

	var err error
	switch {
	case mate != nil && mate.sharedPhone:
		pl.phone, pl.sharedPhone = mate.phone, true
	case g.chance(0.1):
		pl.phone, err = g.landline(p.Country, pl.city.area, pl.city.subLen)
	default:
		pl.phone, err = g.mobile(p.Country)
	}
	if err != nil {
		return fmt.Errorf("world: phone for %s: %w", p.ID, err)
	}
	p.Phone = pl.phone.e164()

	birthYear := 0
	if g.chance(0.45) {
		age := g.between(18, 45)
		if g.chance(0.4) {
			age = g.between(46, 80)
		}
		birthYear = g.now.Year() - age
		day := time.Date(birthYear, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.intn(365))
		p.Birthday = day.Format(time.DateOnly)
	}

	// Emails.
	switch {
	case mate != nil && mate.sharedEmailOwner:
		// The household address belongs to the partner; this person has
		// their own and uses the shared one at the till.
		p.Email = g.personalEmail(i, p.GivenName, p.FamilyName, p.Country, birthYear, "")
		pl.shared = mp.Email
	default:
		p.Email = g.personalEmail(i, p.GivenName, p.FamilyName, p.Country, birthYear, "")
	}
	p.Emails = []string{p.Email}
	if g.chance(0.14) {
		pl.secondWork = g.chance(0.6)
		if pl.secondWork {
			pl.second = g.workEmail(i, p.GivenName, p.FamilyName, p.Country)
		} else {
			pl.second = g.personalEmail(i, p.GivenName, p.FamilyName, p.Country, birthYear, p.Email)
		}
		p.Emails = append(p.Emails, pl.second)
	}
	if pl.shared != "" {
		p.Emails = append(p.Emails, pl.shared)
	}

	// Channels: about 35% webshop only, 20% stores only, 45% both.
	switch u := g.r.Float64(); {
	case u < 0.35:
		pl.web = true
	case u < 0.55:
		pl.store = true
	default:
		pl.web, pl.store = true, true
	}
	if pl.shared != "" {
		// The partner who does not own the household address gives it at
		// the till.
		pl.store = true
	}
	if pl.web {
		pl.email = g.chance(0.88)
		pl.support = g.chance(0.28)
	} else {
		pl.email = g.chance(0.4)
		pl.support = g.chance(0.14)
	}
	pl.since = g.awake(g.skewedRecent(g.start, g.now.Add(-72*time.Hour)))
	if mate != nil && g.chance(0.5) {
		// Couples often start shopping together.
		pl.since = g.timeBetween(mate.since, mate.since.Add(90*24*time.Hour))
		if pl.since.After(g.now.Add(-72 * time.Hour)) {
			pl.since = g.now.Add(-72 * time.Hour)
		}
	}
	pl.home = g.homeStore(p.Country, pl.city.name)

	// The next person may be this one's partner.
	if mate == nil && i+1 < g.o.People && g.chance(0.045) {
		pl.partner = i + 1
		pl.sharedPhone = pl.phone.area == pl.city.area && g.chance(0.6)
		if g.chance(0.5) {
			// A household address, e.g. thesmiths@btinternet.com, becomes
			// this person's main address.
			pl.sharedEmailOwner = true
			old := p.Email
			p.Email = g.householdEmail(i, p.FamilyName, p.Country)
			p.Emails[0] = p.Email
			delete(g.emailOwner, canonicalEmail(old))
		}
	}
	return nil
}

func (g *gen) city(country string) *city {
	var idx, ws []int
	for k := range cities {
		if cities[k].country == country {
			idx = append(idx, k)
			ws = append(ws, cities[k].weight)
		}
	}
	return &cities[idx[g.weightedIndex(ws)]]
}

const (
	gbPostLetters = "ABDEFGHJLNPQRSTUWXYZ"
	eircodeChars  = "0123456789ACDEFHKNPRTVWXY"
	eircodeFirst  = "ACDEFHKNPRTVWXY"
)

func (g *gen) address(c *city) Address {
	a := Address{City: c.name, Region: c.region, Country: c.country}
	street := pick(g, c.streets)
	num := g.between(1, 180)
	code := pick(g, c.codes)
	switch c.country {
	case "GB":
		a.Line1 = fmt.Sprintf("%d %s", num, street)
		if g.chance(0.15) {
			a.Line2 = fmt.Sprintf("Flat %d", g.between(1, 24))
		}
		a.PostalCode = fmt.Sprintf("%s %d%c%c", code, g.intn(10), gbPostLetters[g.intn(len(gbPostLetters))], gbPostLetters[g.intn(len(gbPostLetters))])
	case "IE":
		a.Line1 = fmt.Sprintf("%d %s", num, street)
		if g.chance(0.08) {
			a.Line2 = fmt.Sprintf("Apartment %d", g.between(1, 40))
		}
		a.PostalCode = code + " " + string(eircodeFirst[g.intn(len(eircodeFirst))]) + randString(g.r, eircodeChars, 3)
	case "DE":
		a.Line1 = fmt.Sprintf("%s %d", street, num)
		if g.chance(0.06) {
			a.Line2 = pick(g, []string{"Hinterhaus", "3. OG", "Seitenflügel", "2. OG links"})
		}
		var lo, hi int
		fmt.Sscanf(code, "%d-%d", &lo, &hi)
		a.PostalCode = fmt.Sprintf("%05d", g.between(lo, hi))
	}
	return a
}

// asciiName turns a name into what people put in an email address:
// Müller becomes mueller, Seán sean, O'Brien obrien.
func asciiName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ä':
			b.WriteString("ae")
		case 'ö':
			b.WriteString("oe")
		case 'ü':
			b.WriteString("ue")
		case 'ß':
			b.WriteString("ss")
		case 'á', 'à':
			b.WriteByte('a')
		case 'é', 'è':
			b.WriteByte('e')
		case 'í', 'ı':
			b.WriteByte('i')
		case 'ó':
			b.WriteByte('o')
		case 'ú':
			b.WriteByte('u')
		case '\'', ' ', '-':
		default:
			if r < 128 {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// canonicalEmail is how the mail provider sees an address: case and
// surrounding space do not matter, and Gmail ignores dots and +tags. Two
// people can never own addresses that are the same here.
func canonicalEmail(e string) string {
	e = strings.ToLower(strings.TrimSpace(e))
	at := strings.LastIndexByte(e, '@')
	if at < 0 {
		return e
	}
	local, domain := e[:at], e[at+1:]
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		if k := strings.IndexByte(local, '+'); k >= 0 {
			local = local[:k]
		}
		local = strings.ReplaceAll(local, ".", "")
	}
	return local + "@" + domain
}

// claim gives an address to person i unless someone else has it.
func (g *gen) claim(i int, e string) bool {
	k := canonicalEmail(e)
	if _, taken := g.emailOwner[k]; taken {
		return false
	}
	g.emailOwner[k] = i
	return true
}

// uniqueEmail makes local@domain unique by adding digits, as mail
// providers make people do.
func (g *gen) uniqueEmail(i int, local, domain string) string {
	e := local + "@" + domain
	for !g.claim(i, e) {
		e = fmt.Sprintf("%s%d@%s", local, g.between(1, 99), domain)
	}
	return e
}

func (g *gen) personalEmail(i int, given, family, country string, birthYear int, avoid string) string {
	f, l := asciiName(given), asciiName(family)
	domains := emailDomains[country]
	domain := g.weighted(domains)
	if avoid != "" {
		for strings.HasSuffix(avoid, "@"+domain) {
			domain = g.weighted(domains)
		}
	}
	yy := birthYear % 100
	if birthYear == 0 {
		yy = g.between(60, 99)
		if g.chance(0.3) {
			yy = g.between(0, 5)
		}
	}
	var local string
	switch g.weightedIndex([]int{30, 14, 4, 8, 8, 10, 6, 6, 3, 3}) {
	case 0:
		local = f + "." + l
	case 1:
		local = f + l
	case 2:
		local = f + "_" + l
	case 3:
		local = f[:1] + "." + l
	case 4:
		local = f[:1] + l
	case 5:
		local = fmt.Sprintf("%s.%s%02d", f, l, g.intn(100))
	case 6:
		local = fmt.Sprintf("%s%s%02d", f, l, yy)
	case 7:
		local = fmt.Sprintf("%s%d", f, g.between(100, 9999))
	case 8:
		local = l + "." + f
	default:
		local = f + "." + l[:1]
	}
	return g.uniqueEmail(i, local, domain)
}

func (g *gen) workEmail(i int, given, family, country string) string {
	f, l := asciiName(given), asciiName(family)
	local := f + "." + l
	if g.chance(0.3) {
		local = f[:1] + l
	}
	return g.uniqueEmail(i, local, pick(g, companyDomains[country]))
}

func (g *gen) householdEmail(i int, family, country string) string {
	l := asciiName(family)
	domain := g.weighted(emailDomains[country])
	var local string
	switch g.intn(4) {
	case 0:
		local = "the" + l + "s"
	case 1:
		local = l + "family"
	case 2:
		local = l + ".home"
	default:
		local = fmt.Sprintf("the%ss%02d", l, g.intn(100))
	}
	return g.uniqueEmail(i, local, domain)
}
