package world

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
)

var (
	defaultOnce  sync.Once
	defaultW     *World
	defaultWErr  error
	uuidRE       = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	sqCustomerRE = regexp.MustCompile(`^[0-9A-Z]{26}$`)
	sqLocationRE = regexp.MustCompile(`^[0-9A-Z]{13}$`)
	sqOrderRE    = regexp.MustCompile(`^[0-9A-Za-z]{27}$`)
	sqLineRE     = regexp.MustCompile(`^[0-9A-Za-z]{22}$`)
	sqCatalogRE  = regexp.MustCompile(`^[A-Z2-7]{24}$`)
	ulidRE       = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)
	kyShortRE    = regexp.MustCompile(`^[0-9A-Za-z]{6}$`)
	kyEventRE    = regexp.MustCompile(`^[0-9A-Za-z]{12}$`)
	skuRE        = regexp.MustCompile(`^SKU-[A-Z0-9-]+$`)
)

// defaultWorld is generated once and shared: tests only read it.
func defaultWorld(t testing.TB) *World {
	t.Helper()
	defaultOnce.Do(func() { defaultW, defaultWErr = Generate(Options{}) })
	if defaultWErr != nil {
		t.Fatal(defaultWErr)
	}
	return defaultW
}

func TestDeterministic(t *testing.T) {
	// A world big enough to hold every kind of record and noise, small
	// enough to generate twice quickly under -race.
	o := Options{People: 600, Seed: 7}
	a, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two worlds from the same options differ")
	}
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatal("two worlds from the same options serialize differently")
	}
	// Another seed gives another world.
	c1, _ := Generate(Options{People: 200, Seed: 1})
	c2, _ := Generate(Options{People: 200, Seed: 2})
	if reflect.DeepEqual(c1.People, c2.People) || reflect.DeepEqual(c1.WebCustomers, c2.WebCustomers) ||
		reflect.DeepEqual(c1.Products, c2.Products) {
		t.Fatal("seeds 1 and 2 gave the same people, customers or products")
	}
}

func TestOptions(t *testing.T) {
	for _, o := range []Options{{People: -1}, {People: MaxPeople + 1}} {
		if _, err := Generate(o); err == nil || !strings.Contains(err.Error(), "Options.People") {
			t.Errorf("Generate(%+v) error = %v, want one naming Options.People", o, err)
		}
	}
	now := time.Date(2030, 5, 17, 13, 0, 0, 0, time.FixedZone("x", 3600))
	w, err := Generate(Options{People: 30, Seed: 9, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.People) != 30 || w.Seed != 9 {
		t.Fatalf("got %d people, seed %d; want 30, 9", len(w.People), w.Seed)
	}
	checkTimes(t, w, now.UTC())
}

// TestInvariants checks the rules every world keeps, whatever its size.
func TestInvariants(t *testing.T) {
	worlds := map[string]*World{"default": defaultWorld(t)}
	for _, o := range []Options{{People: 1, Seed: 3}, {People: 2, Seed: 4}, {People: 9, Seed: 5}, {People: 120, Seed: 6}} {
		w, err := Generate(o)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		worlds[fmt.Sprintf("%+v", o)] = w
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range worlds {
			if !yield(k) {
				return
			}
		}
	}) {
		w := worlds[name]
		t.Run(name, func(t *testing.T) {
			checkIDs(t, w)
			checkTimes(t, w, DefaultNow)
			checkPhones(t, w)
			checkEmailsBelong(t, w)
			checkTruth(t, w)
			checkTraps(t, w)
			checkReferences(t, w)
		})
	}
}

func checkIDs(t *testing.T, w *World) {
	t.Helper()
	seen := map[string]string{}
	unique := func(kind, id string, re *regexp.Regexp) {
		t.Helper()
		if re != nil && !re.MatchString(id) {
			t.Errorf("%s id %q is not well-formed", kind, id)
		}
		if prev, dup := seen[id]; dup {
			t.Errorf("id %q used by %s and %s", id, prev, kind)
		}
		seen[id] = kind
	}
	for _, p := range w.Products {
		unique("product", p.ID, uuidRE)
		unique("catalog item", p.CatalogItemID, sqCatalogRE)
		unique("catalog variation", p.VariationID, sqCatalogRE)
		unique("sku", p.SKU, skuRE)
		unique("product key", p.Key, nil)
	}
	for _, s := range w.Stores {
		unique("location", s.ID, sqLocationRE)
		unique("channel", s.ChannelID, uuidRE)
		unique("store", s.StoreID, uuidRE)
		unique("store key", s.Key, nil)
	}
	for _, p := range w.People {
		unique("person", p.ID, nil)
	}
	for _, c := range w.WebCustomers {
		unique("web customer", c.ID, uuidRE)
		unique("customer number", "cn:"+c.Number, nil)
	}
	for _, o := range w.WebOrders {
		unique("web order", o.ID, uuidRE)
		unique("order number", o.Number, regexp.MustCompile(`^HR\d{6,}$`))
		for _, l := range o.Lines {
			unique("web line", l.ID, uuidRE)
		}
	}
	for _, c := range w.WebCarts {
		unique("cart", c.ID, uuidRE)
		for _, l := range c.Lines {
			unique("cart line", l.ID, uuidRE)
		}
	}
	for _, l := range w.ShoppingLists {
		unique("shopping list", l.ID, uuidRE)
		unique("shopping list key", l.Key, nil)
	}
	for _, c := range w.POSCustomers {
		unique("square customer", c.ID, sqCustomerRE)
	}
	for _, o := range w.POSOrders {
		unique("square order", o.ID, sqOrderRE)
		for _, l := range o.Lines {
			unique("square line", l.ID, sqLineRE)
		}
	}
	for _, a := range w.Loyalty {
		unique("loyalty account", a.ID, uuidRE)
	}
	for _, i := range w.Inventory {
		unique("inventory entry", i.EntryID, uuidRE)
	}
	for _, p := range w.EmailProfiles {
		unique("profile", p.ID, ulidRE)
		if got := ulidTime(p.ID); !got.Equal(p.CreatedAt) {
			t.Errorf("profile %s: ULID time %v, created %v", p.ID, got, p.CreatedAt)
		}
	}
	for _, l := range w.EmailLists {
		unique("list", l.ID, kyShortRE)
	}
	metrics := map[string]string{}
	for _, e := range w.EmailEvents {
		unique("event", e.ID, kyEventRE)
		if !kyShortRE.MatchString(e.MetricID) {
			t.Errorf("metric id %q is not well-formed", e.MetricID)
		}
		if prev, ok := metrics[e.Metric]; ok && prev != e.MetricID {
			t.Errorf("metric %q has ids %s and %s", e.Metric, prev, e.MetricID)
		}
		metrics[e.Metric] = e.MetricID
	}
	for _, u := range w.SupportUsers {
		if u.ID < firstSupportUserID {
			t.Errorf("support user id %d below %d", u.ID, firstSupportUserID)
		}
		unique("support user", "zu:"+strconv.FormatInt(u.ID, 10), nil)
	}
	ratings := map[int64]bool{}
	for k, tk := range w.Tickets {
		if tk.ID != int64(k+1) {
			t.Errorf("ticket %d has id %d, want ids 1..n in order", k, tk.ID)
		}
		if tk.Satisfaction.ID != 0 {
			if ratings[tk.Satisfaction.ID] {
				t.Errorf("rating id %d used twice", tk.Satisfaction.ID)
			}
			ratings[tk.Satisfaction.ID] = true
		}
	}
}

func ulidTime(id string) time.Time {
	var ms int64
	for _, c := range id[:10] {
		ms = ms<<5 | int64(strings.IndexRune(crockford, c))
	}
	return time.UnixMilli(ms).UTC()
}

func checkTimes(t *testing.T, w *World, now time.Time) {
	t.Helper()
	ordered := func(what string, ts ...time.Time) {
		t.Helper()
		for i := range ts {
			if ts[i].IsZero() {
				t.Errorf("%s: time %d is zero", what, i)
				return
			}
			if ts[i].After(now) {
				t.Errorf("%s: %v is after now (%v)", what, ts[i], now)
			}
			if i > 0 && ts[i].Before(ts[i-1]) {
				t.Errorf("%s: %v before %v", what, ts[i], ts[i-1])
			}
		}
	}
	products := map[string]time.Time{}
	for _, p := range w.Products {
		ordered("product "+p.SKU, p.CreatedAt)
		products[p.SKU] = p.CreatedAt
	}
	lines := func(what string, at time.Time, ls []Line) {
		t.Helper()
		for _, l := range ls {
			if products[l.SKU].After(at) {
				t.Errorf("%s sells %s before the product existed", what, l.SKU)
			}
		}
	}
	webCreated := map[string]time.Time{}
	for _, c := range w.WebCustomers {
		ordered("web customer "+c.ID, c.CreatedAt, c.UpdatedAt)
		webCreated[c.ID] = c.CreatedAt
	}
	for _, o := range w.WebOrders {
		ordered("web order "+o.ID, o.CreatedAt, o.UpdatedAt)
		if o.CustomerID != "" {
			ordered("customer then order "+o.ID, webCreated[o.CustomerID], o.CreatedAt)
		}
		lines("web order "+o.ID, o.CreatedAt, o.Lines)
	}
	for _, c := range w.WebCarts {
		ordered("cart "+c.ID, webCreated[c.CustomerID], c.CreatedAt, c.UpdatedAt)
		lines("cart "+c.ID, c.CreatedAt, c.Lines)
	}
	for _, l := range w.ShoppingLists {
		ordered("list "+l.ID, webCreated[l.CustomerID], l.CreatedAt, l.UpdatedAt)
	}
	posCreated := map[string]time.Time{}
	for _, c := range w.POSCustomers {
		ordered("square customer "+c.ID, c.CreatedAt, c.UpdatedAt)
		posCreated[c.ID] = c.CreatedAt
	}
	for _, o := range w.POSOrders {
		if o.CustomerID != "" {
			ordered("square customer then order "+o.ID, posCreated[o.CustomerID], o.CreatedAt)
		}
		ordered("square order "+o.ID, o.CreatedAt, o.UpdatedAt)
		if o.State == "OPEN" != o.ClosedAt.IsZero() {
			t.Errorf("square order %s: state %s with closed_at %v", o.ID, o.State, o.ClosedAt)
		}
		if !o.ClosedAt.IsZero() {
			ordered("square order closing "+o.ID, o.CreatedAt, o.ClosedAt)
		}
		lines("square order "+o.ID, o.CreatedAt, o.Lines)
	}
	for _, a := range w.Loyalty {
		ordered("loyalty "+a.ID, posCreated[a.CustomerID], a.EnrolledAt, a.UpdatedAt)
		ordered("loyalty created "+a.ID, a.CreatedAt, a.UpdatedAt)
	}
	profCreated := map[string]time.Time{}
	for _, p := range w.EmailProfiles {
		ordered("profile "+p.ID, p.CreatedAt, p.UpdatedAt)
		for _, c := range []Consent{p.EmailConsent, p.SMSConsent} {
			if c.Status != "NEVER_SUBSCRIBED" {
				ordered("consent of "+p.ID, p.CreatedAt, c.Timestamp, p.UpdatedAt)
			}
		}
		profCreated[p.ID] = p.CreatedAt
	}
	for _, e := range w.EmailEvents {
		ordered("event "+e.ID, profCreated[e.ProfileID], e.Time)
	}
	userCreated := map[int64]time.Time{}
	for _, u := range w.SupportUsers {
		ordered(fmt.Sprint("support user ", u.ID), u.CreatedAt, u.UpdatedAt)
		userCreated[u.ID] = u.CreatedAt
	}
	for _, tk := range w.Tickets {
		ordered(fmt.Sprint("ticket ", tk.ID), userCreated[tk.RequesterID], tk.CreatedAt, tk.UpdatedAt)
	}
	for _, i := range w.Inventory {
		ordered("inventory "+i.EntryID, i.UpdatedAt)
	}
}

var (
	phoneCacheMu sync.Mutex
	phoneCache   = map[[2]string]string{}
)

// parsePhone reads a typed number the way the gateway will, in the
// country of the record's context, and returns it in E.164 or "" if it is
// not a valid number.
func parsePhone(t *testing.T, typed, region string) string {
	t.Helper()
	key := [2]string{typed, region}
	phoneCacheMu.Lock()
	defer phoneCacheMu.Unlock()
	if e, ok := phoneCache[key]; ok {
		return e
	}
	e := ""
	if n, err := phonenumbers.Parse(typed, region); err == nil && phonenumbers.IsValidNumber(n) {
		e = phonenumbers.Format(n, phonenumbers.E164)
	}
	phoneCache[key] = e
	return e
}

func storeCountries(w *World) map[string]string {
	m := map[string]string{}
	for _, s := range w.Stores {
		m[s.ID] = s.Country
	}
	return m
}

func checkPhones(t *testing.T, w *World) {
	t.Helper()
	people := peopleByID(w)
	for _, p := range w.People {
		if got := parsePhone(t, p.Phone, ""); got != p.Phone {
			t.Errorf("person %s: phone %q is not a valid E.164 number", p.ID, p.Phone)
		}
	}
	storePhones := map[string]bool{}
	for _, s := range w.Stores {
		e := parsePhone(t, s.Phone, s.Country)
		if e == "" {
			t.Errorf("store %s: phone %q is not valid", s.Key, s.Phone)
		}
		storePhones[e] = true
	}
	// Every phone on a record is the person's own (in whatever format),
	// the store's, a placeholder or empty.
	check := func(what, person, typed, region string) {
		t.Helper()
		typed = strings.TrimSpace(typed)
		if typed == "" || typed == PlaceholderPhone {
			return
		}
		e := parsePhone(t, typed, region)
		if e != people[person].Phone && !storePhones[e] {
			t.Errorf("%s: phone %q read in %s is %q, not the person's %q", what, typed, region, e, people[person].Phone)
		}
	}
	for _, c := range w.WebCustomers {
		check("web customer "+c.ID, c.PersonID, c.Phone, c.Addresses[0].Country)
	}
	sc := storeCountries(w)
	for _, c := range w.POSCustomers {
		check("square customer "+c.ID, c.PersonID, c.Phone, sc[c.LocationID])
	}
	for _, p := range w.EmailProfiles {
		if p.Phone != "" && p.Phone != people[p.PersonID].Phone {
			t.Errorf("profile %s: phone %q is not the person's E.164 %q", p.ID, p.Phone, people[p.PersonID].Phone)
		}
	}
	for _, u := range w.SupportUsers {
		check(fmt.Sprint("support user ", u.ID), u.PersonID, u.Phone, people[u.PersonID].Country)
	}
	for _, a := range w.Loyalty {
		if parsePhone(t, a.Phone, "") != a.Phone {
			t.Errorf("loyalty %s: phone %q is not E.164", a.ID, a.Phone)
		}
	}
}

func peopleByID(w *World) map[string]*Person {
	m := map[string]*Person{}
	for i := range w.People {
		m[w.People[i].ID] = &w.People[i]
	}
	return m
}

// checkEmailsBelong: every email on a record is one of its person's
// addresses (as the mail provider reads it), a placeholder, a store's
// address or a domain typo of one of the person's addresses.
func checkEmailsBelong(t *testing.T, w *World) {
	t.Helper()
	people := peopleByID(w)
	storeEmails := map[string]bool{}
	for _, s := range w.Stores {
		storeEmails[s.Email] = true
	}
	typos := map[string]string{}
	for k, v := range domainTypos {
		typos[v] = k
	}
	owners := map[string]string{}
	for _, p := range w.People {
		for _, e := range p.Emails {
			if e != strings.ToLower(strings.TrimSpace(e)) {
				t.Errorf("person %s: email %q is not clean", p.ID, e)
			}
			if prev, ok := owners[canonicalEmail(e)]; ok && prev != p.ID && !sharedBy(w, e, prev, p.ID) {
				t.Errorf("email %q belongs to %s and %s", e, prev, p.ID)
			}
			owners[canonicalEmail(e)] = p.ID
		}
		if p.Email != p.Emails[0] {
			t.Errorf("person %s: Email %q is not Emails[0] %q", p.ID, p.Email, p.Emails[0])
		}
	}
	check := func(what, person, email string) {
		t.Helper()
		e := strings.ToLower(strings.TrimSpace(email))
		if e == "" || e == PlaceholderEmail || storeEmails[e] {
			return
		}
		c := canonicalEmail(e)
		at := strings.LastIndexByte(c, '@')
		if d, ok := typos[c[at+1:]]; ok {
			c = canonicalEmail(c[:at] + "@" + d)
		}
		for _, pe := range people[person].Emails {
			if canonicalEmail(pe) == c {
				return
			}
		}
		t.Errorf("%s: email %q is none of %s's %v", what, email, person, people[person].Emails)
	}
	for _, c := range w.WebCustomers {
		check("web customer "+c.ID, c.PersonID, c.Email)
	}
	for _, c := range w.POSCustomers {
		check("square customer "+c.ID, c.PersonID, c.Email)
	}
	for _, p := range w.EmailProfiles {
		check("profile "+p.ID, p.PersonID, p.Email)
	}
	for _, u := range w.SupportUsers {
		check(fmt.Sprint("support user ", u.ID), u.PersonID, u.Email)
	}
}

// sharedBy reports whether two people are partners sharing an address.
func sharedBy(w *World, email, a, b string) bool {
	n := 0
	for _, p := range w.People {
		if (p.ID == a || p.ID == b) && slices.Contains(p.Emails, email) {
			n++
		}
	}
	return n == 2
}

func checkTruth(t *testing.T, w *World) {
	t.Helper()
	tr := w.Truth()
	want := len(w.WebCustomers) + len(w.POSCustomers) + len(w.EmailProfiles) + len(w.SupportUsers)
	if len(tr.Records) != want {
		t.Fatalf("truth has %d records, world %d customer records", len(tr.Records), want)
	}
	people := peopleByID(w)
	seen := map[TruthRef]string{}
	for _, r := range tr.Records {
		ref := TruthRef{r.System, r.ID}
		if _, dup := seen[ref]; dup {
			t.Errorf("truth lists %v twice", ref)
		}
		seen[ref] = r.Person
		if people[r.Person] == nil {
			t.Errorf("truth record %v names unknown person %q", ref, r.Person)
		}
	}
	expect := func(system, id, person string) {
		t.Helper()
		if got, ok := seen[TruthRef{system, id}]; !ok || got != person {
			t.Errorf("truth for %s %s is %q, want %q", system, id, got, person)
		}
	}
	for _, c := range w.WebCustomers {
		expect(SystemCommercetools, c.ID, c.PersonID)
	}
	for _, c := range w.POSCustomers {
		expect(SystemSquare, c.ID, c.PersonID)
	}
	for _, p := range w.EmailProfiles {
		expect(SystemKlaviyo, p.ID, p.PersonID)
	}
	for _, u := range w.SupportUsers {
		expect(SystemZendesk, strconv.FormatInt(u.ID, 10), u.PersonID)
	}
	b, err := json.Marshal(tr)
	if err != nil || !bytes.Contains(b, []byte(`"system":"`)) {
		t.Errorf("truth JSON: %v %.80s", err, b)
	}
}

func checkTraps(t *testing.T, w *World) {
	t.Helper()
	person := map[TruthRef]string{}
	for _, r := range w.Truth().Records {
		person[TruthRef{r.System, r.ID}] = r.Person
	}
	orders := map[string]*POSOrder{}
	for i := range w.POSOrders {
		orders[w.POSOrders[i].ID] = &w.POSOrders[i]
	}
	storePhones := map[string]bool{}
	for _, s := range w.Stores {
		storePhones[parsePhone(t, s.Phone, s.Country)] = true
	}
	walkIns := 0
	for _, tr := range w.Traps {
		if len(tr.Records) == 0 {
			t.Errorf("trap %s %q lists no records", tr.Kind, tr.Value)
		}
		persons := map[string]bool{}
		for _, r := range tr.Records {
			if tr.Kind == TrapWalkIn {
				o := orders[r.ID]
				if r.System != SystemSquare || o == nil || o.CustomerID != "" || o.LocationID != tr.Value {
					t.Errorf("walk-in trap at %s lists %v, not a walk-in sale there", tr.Value, r)
				}
				walkIns++
				continue
			}
			p, ok := person[r]
			if !ok {
				t.Errorf("trap %s %q lists unknown record %v", tr.Kind, tr.Value, r)
			}
			persons[p] = true
		}
		switch tr.Kind {
		case TrapHouseholdEmail, TrapHouseholdPhone, TrapSameName:
			if len(persons) < 2 {
				t.Errorf("trap %s %q joins %d people, want 2 or more", tr.Kind, tr.Value, len(persons))
			}
		case TrapStorePhone:
			if !storePhones[tr.Value] {
				t.Errorf("store_phone trap value %q is no store's phone", tr.Value)
			}
		}
	}
	n := 0
	for _, o := range w.POSOrders {
		if o.CustomerID == "" {
			n++
		}
	}
	if n != walkIns {
		t.Errorf("walk-in traps list %d sales, the world has %d", walkIns, n)
	}
}

func checkReferences(t *testing.T, w *World) {
	t.Helper()
	people := peopleByID(w)
	skus := map[string]bool{}
	for _, p := range w.Products {
		skus[p.SKU] = true
		if len(p.Prices) != 2 || p.Prices[0].Currency != "GBP" || p.Prices[1].Currency != "EUR" || p.Prices[0].Cents <= 0 {
			t.Errorf("product %s prices %v", p.SKU, p.Prices)
		}
	}
	stores := map[string]*Store{}
	keys := map[string]bool{}
	for i, s := range w.Stores {
		stores[s.ID] = &w.Stores[i]
		keys[s.Key] = true
	}
	webCust := map[string]bool{}
	for _, c := range w.WebCustomers {
		webCust[c.ID] = true
		if people[c.PersonID] == nil {
			t.Errorf("web customer %s: unknown person", c.ID)
		}
	}
	line := func(what, currency string, ls []Line) {
		t.Helper()
		if len(ls) == 0 {
			t.Errorf("%s has no lines", what)
		}
		for _, l := range ls {
			if !skus[l.SKU] || l.Quantity < 1 || l.UnitPrice.Currency != currency || l.UnitPrice.Cents <= 0 {
				t.Errorf("%s: bad line %+v", what, l)
			}
		}
	}
	for _, o := range w.WebOrders {
		if o.CustomerID != "" && !webCust[o.CustomerID] {
			t.Errorf("web order %s: unknown customer %s", o.ID, o.CustomerID)
		}
		if !keys[o.StoreKey] {
			t.Errorf("web order %s: unknown store key %s", o.ID, o.StoreKey)
		}
		line("web order "+o.ID, o.Currency, o.Lines)
	}
	for _, c := range w.WebCarts {
		if !webCust[c.CustomerID] || c.State != "Active" {
			t.Errorf("cart %s: customer %s state %s", c.ID, c.CustomerID, c.State)
		}
		line("cart "+c.ID, c.Currency, c.Lines)
	}
	for _, l := range w.ShoppingLists {
		if !webCust[l.CustomerID] || len(l.SKUs) == 0 || len(l.SKUs) != len(l.Quantities) {
			t.Errorf("shopping list %s: %+v", l.ID, l)
		}
	}
	posCust := map[string]bool{}
	for _, c := range w.POSCustomers {
		posCust[c.ID] = true
		if s := stores[c.LocationID]; s == nil || s.Online {
			t.Errorf("square customer %s: location %s is not a store", c.ID, c.LocationID)
		}
	}
	for _, o := range w.POSOrders {
		s := stores[o.LocationID]
		if s == nil || s.Online || s.Currency != o.Currency {
			t.Errorf("square order %s: location %s currency %s", o.ID, o.LocationID, o.Currency)
		}
		if o.CustomerID != "" && !posCust[o.CustomerID] {
			t.Errorf("square order %s: unknown customer", o.ID)
		}
		line("square order "+o.ID, o.Currency, o.Lines)
	}
	loyal := map[string]bool{}
	for _, a := range w.Loyalty {
		if !posCust[a.CustomerID] || loyal[a.CustomerID] {
			t.Errorf("loyalty %s: customer %s unknown or enrolled twice", a.ID, a.CustomerID)
		}
		loyal[a.CustomerID] = true
		if a.Balance < 0 || a.Balance > a.LifetimePoints {
			t.Errorf("loyalty %s: balance %d of %d", a.ID, a.Balance, a.LifetimePoints)
		}
	}
	lists := map[string]bool{}
	for _, l := range w.EmailLists {
		lists[l.ID] = true
	}
	profiles := map[string]bool{}
	for _, p := range w.EmailProfiles {
		profiles[p.ID] = true
		for _, l := range p.ListIDs {
			if !lists[l] {
				t.Errorf("profile %s: unknown list %s", p.ID, l)
			}
		}
	}
	orderIDs := map[string]bool{}
	for _, o := range w.WebOrders {
		orderIDs[o.ID] = true
	}
	for _, o := range w.POSOrders {
		orderIDs[o.ID] = true
	}
	for _, e := range w.EmailEvents {
		if !profiles[e.ProfileID] {
			t.Errorf("event %s: unknown profile", e.ID)
		}
		if e.Metric == MetricPlaced && (!orderIDs[e.OrderID] || e.Value.Cents <= 0 || len(e.Items) == 0) {
			t.Errorf("placed order event %s: %+v", e.ID, e)
		}
		if e.Metric == MetricClicked && !strings.HasPrefix(e.URL, "https://") {
			t.Errorf("click event %s without URL", e.ID)
		}
	}
	users := map[int64]bool{}
	for _, u := range w.SupportUsers {
		users[u.ID] = true
	}
	for _, tk := range w.Tickets {
		if !users[tk.RequesterID] || tk.Subject == "" || strings.Contains(tk.Subject+tk.Description, "%!") {
			t.Errorf("ticket %d: %+v", tk.ID, tk)
		}
	}
	// Profiles and records in one system never share an address there.
	uniq := func(system string, emails []string) {
		seen := map[string]bool{}
		for _, e := range emails {
			k := strings.ToLower(strings.TrimSpace(e))
			if k != "" && seen[k] {
				t.Errorf("%s holds %q twice", system, k)
			}
			seen[k] = true
		}
	}
	var web, ky, zd []string
	for _, c := range w.WebCustomers {
		web = append(web, c.Email)
	}
	for _, p := range w.EmailProfiles {
		ky = append(ky, p.Email)
	}
	for _, u := range w.SupportUsers {
		zd = append(zd, u.Email)
	}
	uniq(SystemCommercetools, web)
	uniq(SystemKlaviyo, ky)
	uniq(SystemZendesk, zd)
}

// TestCatalog: a realistic store estate and catalog, every SKU stocked in
// every store and sold both online and at a till.
func TestCatalog(t *testing.T) {
	w := defaultWorld(t)
	if n := len(w.Products); n < 150 || n > 300 {
		t.Errorf("%d products, want 150..300", n)
	}
	countries := map[string]int{}
	online := 0
	for _, s := range w.Stores {
		if s.Online {
			online++
			continue
		}
		countries[s.Country]++
		if !strings.HasSuffix(s.Email, map[string]string{"GB": ".co.uk", "IE": ".ie", "DE": ".de"}[s.Country]) {
			t.Errorf("store %s email %s", s.Key, s.Email)
		}
	}
	if online != 1 || countries["GB"] < 3 || countries["IE"] < 1 || countries["DE"] < 1 {
		t.Errorf("stores by country %v, online %d", countries, online)
	}
	stock := map[string]map[string]int64{}
	zero, low := 0, 0
	for _, i := range w.Inventory {
		if stock[i.SKU] == nil {
			stock[i.SKU] = map[string]int64{}
		}
		stock[i.SKU][i.StoreID] = i.Quantity
		switch {
		case i.Quantity == 0:
			zero++
		case i.Quantity <= 2:
			low++
		}
	}
	if zero == 0 || low == 0 {
		t.Errorf("inventory has %d zero and %d low counts, want some of each", zero, low)
	}
	web, pos := map[string]bool{}, map[string]bool{}
	for _, o := range w.WebOrders {
		for _, l := range o.Lines {
			web[l.SKU] = true
		}
	}
	for _, c := range w.WebCarts {
		for _, l := range c.Lines {
			web[l.SKU] = true
		}
	}
	for _, o := range w.POSOrders {
		for _, l := range o.Lines {
			pos[l.SKU] = true
		}
	}
	for _, p := range w.Products {
		if len(stock[p.SKU]) != len(w.Stores) {
			t.Errorf("%s stocked in %d of %d stores", p.SKU, len(stock[p.SKU]), len(w.Stores))
		}
		if !web[p.SKU] || !pos[p.SKU] {
			t.Errorf("%s sold online %v, in a store %v", p.SKU, web[p.SKU], pos[p.SKU])
		}
	}
	currencies := func(cs ...string) map[string]bool {
		m := map[string]bool{}
		for _, c := range cs {
			m[c] = true
		}
		return m
	}
	var wc, pc []string
	for _, o := range w.WebOrders {
		wc = append(wc, o.Currency)
	}
	for _, o := range w.POSOrders {
		pc = append(pc, o.Currency)
	}
	if m := currencies(wc...); !m["GBP"] || !m["EUR"] {
		t.Errorf("webshop currencies %v", m)
	}
	if m := currencies(pc...); !m["GBP"] || !m["EUR"] {
		t.Errorf("store currencies %v", m)
	}
}

// TestShape checks the default world's proportions against the brief.
func TestShape(t *testing.T) {
	w := defaultWorld(t)
	n := float64(len(w.People))
	webP, posP, kyP, zdP := map[string]bool{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, c := range w.WebCustomers {
		webP[c.PersonID] = true
	}
	for _, c := range w.POSCustomers {
		posP[c.PersonID] = true
	}
	for _, p := range w.EmailProfiles {
		kyP[p.PersonID] = true
	}
	for _, u := range w.SupportUsers {
		zdP[u.PersonID] = true
	}
	var webOnly, posOnly, both, kyOfWeb float64
	for _, p := range w.People {
		switch {
		case webP[p.ID] && posP[p.ID]:
			both++
		case webP[p.ID]:
			webOnly++
		case posP[p.ID]:
			posOnly++
		}
		if webP[p.ID] && kyP[p.ID] {
			kyOfWeb++
		}
	}
	near := func(what string, got, want, tol float64) {
		t.Helper()
		if got < want-tol || got > want+tol {
			t.Errorf("%s = %.3f, want %.2f ± %.2f", what, got, want, tol)
		}
	}
	near("webshop only", webOnly/n, 0.35, 0.05)
	near("stores only", posOnly/n, 0.20, 0.05)
	near("both", both/n, 0.45, 0.05)
	near("webshop customers with a profile", kyOfWeb/(webOnly+both), 0.85, 0.07)
	near("people with a support user", float64(len(zdP))/n, 0.25, 0.05)
	near("people with an active cart", float64(len(w.WebCarts))/(webOnly+both), 0.11, 0.04)

	open, custOrders := 0.0, 0.0
	for _, o := range w.POSOrders {
		if o.State == "OPEN" {
			open++
		}
		if o.CustomerID != "" {
			custOrders++
		}
	}
	near("parked sales", open/float64(len(w.POSOrders)), 0.05, 0.02)
	if ev := len(w.EmailEvents); ev < 50_000 || ev > 100_000 {
		t.Errorf("%d email events, want 50k..100k", ev)
	}
	metrics := map[string]float64{}
	for _, e := range w.EmailEvents {
		metrics[e.Metric]++
	}
	near("opened/received", metrics[MetricOpened]/metrics[MetricReceived], 0.40, 0.05)
	near("clicked/opened", metrics[MetricClicked]/metrics[MetricOpened], 0.10, 0.04)
	channels := map[string]bool{}
	scores := map[string]bool{}
	for _, tk := range w.Tickets {
		channels[tk.Channel] = true
		scores[tk.Satisfaction.Score] = true
	}
	for _, c := range []string{"email", "web", "chat", "twitter", "facebook"} {
		if !channels[c] {
			t.Errorf("no ticket via %s", c)
		}
	}
	for _, s := range []string{"offered", "unoffered", "good", "bad"} {
		if !scores[s] {
			t.Errorf("no ticket rated %s", s)
		}
	}
	consents := map[string]bool{}
	for _, p := range w.EmailProfiles {
		consents[p.EmailConsent.Status+"/"+p.EmailConsent.Method] = true
		if p.SMSConsent.Status == "SUBSCRIBED" {
			consents["sms"] = true
		}
	}
	for _, c := range []string{"SUBSCRIBED/FORM", "SUBSCRIBED/CHECKOUT", "SUBSCRIBED/IN_STORE", "UNSUBSCRIBED/UNSUBSCRIBE_LINK", "NEVER_SUBSCRIBED/", "sms"} {
		if !consents[c] {
			t.Errorf("no profile with consent %s", c)
		}
	}
}

func TestSortBy(t *testing.T) {
	xs := []string{"d", "a", "e", "c", "b", "a"}
	sortBy(xs, func(a, b *string) int { return strings.Compare(*a, *b) })
	if !slices.Equal(xs, []string{"a", "a", "b", "c", "d", "e"}) {
		t.Fatalf("sortBy gave %v", xs)
	}
}

func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestActivityMirrorsOrders: email events mirror every order of a person
// with a profile, in every channel, and tickets speak of the requester's
// own orders.
func TestActivityMirrorsOrders(t *testing.T) {
	w := defaultWorld(t)
	hasProfile := map[string]bool{}
	profilePerson := map[string]string{}
	for _, p := range w.EmailProfiles {
		hasProfile[p.PersonID] = true
		profilePerson[p.ID] = p.PersonID
	}
	placed := map[string]string{} // order id → person of the profile
	for _, e := range w.EmailEvents {
		if e.Metric == MetricPlaced {
			if _, dup := placed[e.OrderID]; dup {
				t.Errorf("order %s has two Placed Order events", e.OrderID)
			}
			placed[e.OrderID] = profilePerson[e.ProfileID]
		}
	}
	webPerson := map[string]string{}
	for _, c := range w.WebCustomers {
		webPerson[c.ID] = c.PersonID
	}
	posPerson := map[string]string{}
	for _, c := range w.POSCustomers {
		posPerson[c.ID] = c.PersonID
	}
	emailPerson := map[string]string{}
	for _, p := range w.People {
		for _, e := range p.Emails {
			if _, shared := emailPerson[canonicalEmail(e)]; !shared {
				emailPerson[canonicalEmail(e)] = p.ID
			}
		}
	}
	orderPerson := map[string]string{} // web order number → person
	webSeen, posSeen := 0, 0
	for _, o := range w.WebOrders {
		pid := webPerson[o.CustomerID]
		if o.CustomerID == "" {
			// A guest checkout: known by its email only.
			pid = emailPerson[canonicalEmail(o.CustomerEmail)]
		}
		orderPerson[o.Number] = pid
		if pid == "" || !hasProfile[pid] {
			continue
		}
		webSeen++
		if placed[o.ID] != pid {
			t.Errorf("web order %s of %s: placed event for %q", o.ID, pid, placed[o.ID])
		}
	}
	for _, o := range w.POSOrders {
		pid := posPerson[o.CustomerID]
		if pid == "" || !hasProfile[pid] || o.State != "COMPLETED" {
			if _, ok := placed[o.ID]; ok && (pid == "" || o.State != "COMPLETED") {
				t.Errorf("square order %s (%s, customer %q) has a Placed Order event", o.ID, o.State, o.CustomerID)
			}
			continue
		}
		posSeen++
		if placed[o.ID] != pid {
			t.Errorf("square order %s of %s: placed event for %q", o.ID, pid, placed[o.ID])
		}
	}
	if webSeen == 0 || posSeen == 0 {
		t.Fatalf("checked %d web and %d store orders", webSeen, posSeen)
	}
	userPerson := map[int64]string{}
	for _, u := range w.SupportUsers {
		userPerson[u.ID] = u.PersonID
	}
	number := regexp.MustCompile(`HR\d+`)
	referring := 0
	for _, tk := range w.Tickets {
		if n := number.FindString(tk.Subject); n != "" {
			referring++
			if got := orderPerson[n]; got != userPerson[tk.RequesterID] {
				t.Errorf("ticket %d about %s: order of %q, requester %q", tk.ID, n, got, userPerson[tk.RequesterID])
			}
		}
	}
	if referring < len(w.Tickets)/4 {
		t.Errorf("only %d of %d tickets refer to a webshop order", referring, len(w.Tickets))
	}
}
