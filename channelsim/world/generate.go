package world

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// Options choose the world to generate. The zero value means the defaults.
type Options struct {
	// People is the number of real persons behind the records; 0 means 2000.
	People int
	// Seed picks the world; 0 means 1. The same options always give the
	// same world, byte for byte.
	Seed int64
	// Now is the moment the world is observed at: every timestamp lies at
	// or before it. The zero value means 2026-11-01T00:00:00Z.
	Now time.Time

	// noReturns leaves the returns out, and noSuppressions the email
	// suppressions, for the tests that prove they change nothing else.
	noReturns      bool
	noSuppressions bool
}

// Defaults.
const (
	DefaultPeople = 2000
	DefaultSeed   = 1
	// MaxPeople bounds the world's size: beyond it the simulator would hold
	// gigabytes for no test's sake.
	MaxPeople = 200_000
)

// DefaultNow is the default observation time.
var DefaultNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// historyYears is how far back the retailer's records go.
const historyYears = 3

func (o Options) withDefaults() (Options, error) {
	if o.People < 0 {
		return o, fmt.Errorf("world: Options.People must be 0 (default %d) or more, got %d", DefaultPeople, o.People)
	}
	if o.People > MaxPeople {
		return o, fmt.Errorf("world: Options.People must be at most %d, got %d", MaxPeople, o.People)
	}
	if o.People == 0 {
		o.People = DefaultPeople
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Now.IsZero() {
		o.Now = DefaultNow
	}
	o.Now = o.Now.UTC().Truncate(time.Millisecond)
	return o, nil
}

// Random streams. Each phase, and each person's records within a phase,
// draw from their own stream, so that one more draw in one place does not
// reshuffle every value generated after it.
const (
	streamCatalog uint64 = iota + 1
	streamPeople
	streamRecords // per person
	streamWalkIns
	streamCoverage
	streamActivity // per person: email events and tickets
	streamNumbers
	streamWebReturns   // drawn last: returns change nothing else
	streamStoreReturns // likewise
	streamSuppressions // likewise: email suppressions change nothing else
)

// gen holds the state of one generation run.
type gen struct {
	o     Options
	w     *World
	pcg   rand.PCG
	r     *rand.Rand
	id    ider
	now   time.Time
	start time.Time // the earliest customer activity

	online      int   // index of the webshop's warehouse in w.Stores
	physical    []int // indices of the physical stores
	byCountry   map[string][]int
	storePhones []phone // by store index

	productMeta    []productMeta
	productWeights []int
	homeSKU        map[string]bool

	campaigns map[string][]campaign // by country, in time order
	lists     emailLists
	metrics   metricIDs
	programID string

	plans []plan

	loyaltyPhones map[string]bool // E.164 numbers enrolled in the program
	loyaltyRedeem []float64       // by loyalty account: share of points spent
	profSides     []profileSide   // by email profile
	userSides     []userSide      // by support user
	ticketUser    []int           // by ticket: index of the requester

	// Emails already held per system, lowercased and trimmed: the webshop,
	// the email platform and the support desk refuse a second record with
	// the same address.
	webEmails, profileEmails, supportEmails map[string]bool
	// emailOwner makes every person's addresses their own (save for a
	// shared household address), compared as the mail provider would.
	emailOwner map[string]int
}

// Generate builds the world the options describe: a UK fashion and home
// retailer (Hartley & Rowe) with a webshop, stores in Great Britain, Ireland
// and Germany and an online warehouse; its catalog and stock; and the
// people who shop there, each with the records the four channel systems
// hold about them, typed in the way real customers and shop staff type
// them. The same options always give the same world.
//
// The default world (2000 people) holds about 1,650 webshop customers with
// 5,500 orders, 1,300 point-of-sale customers with 5,400 sales (a quarter of
// them walk-ins), 1,600 email profiles with 65,000 events and 550 support
// users with 900 tickets. Goods come back from about 6% of the webshop
// orders (340, some in part, some not refunded yet) and 2% of the store
// sales (110 return orders, a quarter of them exchanges, a few of them gifts
// bought by walk-ins); the returns are drawn last, from streams of their
// own, and change no other record. About 4% of the email profiles are
// suppressed (hard bounces, spam complaints ...), likewise drawn last.
func Generate(o Options) (*World, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &gen{
		o:             o,
		w:             &World{Seed: o.Seed},
		now:           o.Now,
		start:         o.Now.AddDate(-historyYears, 0, 0),
		webEmails:     map[string]bool{},
		profileEmails: map[string]bool{},
		supportEmails: map[string]bool{},
		emailOwner:    map[string]int{},
		loyaltyPhones: map[string]bool{},
		homeSKU:       map[string]bool{},
	}
	g.r = rand.New(&g.pcg)
	// About 33 email events per person: one allocation instead of a
	// cascade of copies while the slice grows.
	g.w.EmailEvents = make([]EmailEvent, 0, 40*o.People)
	g.id = ider{g: g, used: make(map[string]struct{}, 64*o.People)}

	g.stream(streamCatalog, 0)
	if err := g.stores(); err != nil {
		return nil, err
	}
	g.products()
	g.inventory()
	g.emailSetup()

	g.stream(streamPeople, 0)
	if err := g.people(); err != nil {
		return nil, err
	}
	for i := range g.plans {
		g.stream(streamRecords, i)
		g.records(&g.plans[i])
	}
	g.stream(streamWalkIns, 0)
	g.walkIns()
	g.stream(streamCoverage, 0)
	g.coverage()
	g.stream(streamNumbers, 0)
	g.numberRecords()
	for i := range g.plans {
		g.stream(streamActivity, i)
		g.activity(&g.plans[i])
	}
	g.numberSupport()
	g.sortAll()
	g.w.Traps = findTraps(g.w)
	if !o.noReturns {
		g.stream(streamWebReturns, 0)
		g.webReturns()
		g.stream(streamStoreReturns, 0)
		g.storeReturns()
	}
	if !o.noSuppressions {
		g.stream(streamSuppressions, 0)
		g.emailSuppressions()
	}
	return g.w, nil
}

// activity writes a person's email events and support tickets, once
// every order is final.
func (g *gen) activity(pl *plan) {
	for _, k := range pl.profiles {
		g.profileEvents(pl, k)
	}
	for _, u := range pl.users {
		g.userTickets(pl, u)
	}
}

// coverage makes sure every SKU has sold at least once online (or sits in a
// cart) and once in a store, so that every product's join between the
// webshop and the tills can be exercised. Worlds with fewer orders than
// products are left as they are rather than filled with giant baskets.
func (g *gen) coverage() {
	if len(g.w.WebOrders) < len(g.w.Products) || len(g.w.POSOrders) < len(g.w.Products) {
		return
	}
	web := map[string]bool{}
	pos := map[string]bool{}
	for _, o := range g.w.WebOrders {
		for _, l := range o.Lines {
			web[l.SKU] = true
		}
	}
	for _, c := range g.w.WebCarts {
		for _, l := range c.Lines {
			web[l.SKU] = true
		}
	}
	for _, o := range g.w.POSOrders {
		for _, l := range o.Lines {
			pos[l.SKU] = true
		}
	}
	for k := range g.w.Products {
		p := &g.w.Products[k]
		if !web[p.SKU] {
			var cands []int
			for i := range g.w.WebOrders {
				if o := &g.w.WebOrders[i]; o.State != "Cancelled" && !o.CreatedAt.Before(p.CreatedAt) {
					cands = append(cands, i)
				}
			}
			if len(cands) > 0 {
				o := &g.w.WebOrders[pick(g, cands)]
				o.Lines = append(o.Lines, Line{ID: g.id.uuid(), SKU: p.SKU, Name: p.Name, Quantity: 1, UnitPrice: price(p, o.Currency)})
			}
		}
		if !pos[p.SKU] {
			var cands []int
			for i := range g.w.POSOrders {
				if o := &g.w.POSOrders[i]; o.State == "COMPLETED" && !o.CreatedAt.Before(p.CreatedAt) {
					cands = append(cands, i)
				}
			}
			if len(cands) > 0 {
				o := &g.w.POSOrders[pick(g, cands)]
				o.Lines = append(o.Lines, Line{ID: g.id.squareLine(), SKU: p.SKU, Name: p.Name, Quantity: 1, UnitPrice: price(p, o.Currency)})
			}
		}
	}
}

// numberRecords gives webshop customers and orders their running numbers
// in creation order, and settles loyalty balances.
func (g *gen) numberRecords() {
	cs := g.w.WebCustomers
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cs[a].CreatedAt.Compare(cs[b].CreatedAt) })
	for k, i := range order {
		cs[i].Number = strconv.Itoa(100001 + k)
	}
	os := g.w.WebOrders
	order = order[:0]
	for i := range os {
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return os[a].CreatedAt.Compare(os[b].CreatedAt) })
	for k, i := range order {
		os[i].Number = "HR" + strconv.Itoa(200001+k)
	}
	g.finishLoyalty()
}

func (g *gen) stream(kind uint64, i int) {
	g.pcg.Seed(uint64(g.o.Seed), kind<<40|uint64(i))
}

// --- random helpers ---

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func (g *gen) intn(n int) int { return g.r.IntN(n) }

// between returns a whole number in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

func (g *gen) weighted(ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	n := g.r.IntN(total)
	for _, w := range ws {
		if n < w.w {
			return w.v
		}
		n -= w.w
	}
	return ws[len(ws)-1].v
}

// weightedIndex picks an index with the given weights.
func (g *gen) weightedIndex(ws []int) int {
	total := 0
	for _, w := range ws {
		total += w
	}
	n := g.r.IntN(total)
	for i, w := range ws {
		if n < w {
			return i
		}
		n -= w
	}
	return len(ws) - 1
}

// timeBetween returns a moment in [a, b], to the millisecond.
func (g *gen) timeBetween(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	d := b.Sub(a).Milliseconds()
	return a.Add(time.Duration(g.r.Int64N(d+1)) * time.Millisecond)
}

// after returns a moment d (with some spread) after t, never past now.
func (g *gen) after(t time.Time, lo, hi time.Duration) time.Time {
	x := t.Add(lo + time.Duration(g.r.Int64N(int64(hi-lo)+1)))
	x = x.Truncate(time.Millisecond)
	if x.After(g.now) {
		return g.now
	}
	return x
}

// expDuration draws an exponentially distributed duration with the given
// mean: the shape of delays people take to open an email.
func (g *gen) expDuration(mean time.Duration) time.Duration {
	return time.Duration(g.r.ExpFloat64() * float64(mean))
}

// skewedRecent draws a time in [a, b] with density growing towards b, the
// way a growing business gains customers.
func (g *gen) skewedRecent(a, b time.Time) time.Time {
	if !b.After(a) {
		return a
	}
	u := math.Sqrt(g.r.Float64())
	return a.Add(time.Duration(u * float64(b.Sub(a)))).Truncate(time.Millisecond)
}

// awake moves a night-time moment into the waking day, when people shop
// online and write to support.
func (g *gen) awake(t time.Time) time.Time {
	if t.Hour() >= 7 {
		return t
	}
	x := t.Add(time.Duration(7+g.intn(15)) * time.Hour)
	if x.After(g.now) {
		return t
	}
	return x
}

// inStoreHours moves t to a plausible till time on the same day.
func (g *gen) inStoreHours(t time.Time, country string) time.Time {
	y, m, d := t.Date()
	open := 9 // UTC hour the shops open; German stores an hour ahead of UTC
	if country == "DE" {
		open = 8
	}
	x := time.Date(y, m, d, open, 0, 0, 0, time.UTC).Add(time.Duration(g.r.Int64N(int64(9*time.Hour))) + 30*time.Minute)
	return x.Truncate(time.Millisecond)
}

// --- final ordering ---

// sortAll puts every slice in creation order, the order the vendors' list
// endpoints return by default, breaking ties by id.
func (g *gen) sortAll() {
	w := g.w
	sortBy(w.WebCustomers, func(a, b *WebCustomer) int { return byTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	sortBy(w.WebOrders, func(a, b *WebOrder) int { return byTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	sortBy(w.WebCarts, func(a, b *WebCart) int { return byTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	sortBy(w.ShoppingLists, func(a, b *ShoppingList) int { return byTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	sortBy(w.POSCustomers, func(a, b *POSCustomer) int { return byTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	sortBy(w.POSOrders, func(a, b *POSOrder) int { return byTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	sortBy(w.Loyalty, func(a, b *LoyaltyAccount) int { return byTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	sortBy(w.EmailProfiles, func(a, b *EmailProfile) int { return byTime(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	sortBy(w.EmailEvents, func(a, b *EmailEvent) int { return byTime(a.Time, b.Time, a.ID, b.ID) })
	sortBy(w.SupportUsers, func(a, b *SupportUser) int { return cmp.Compare(a.ID, b.ID) })
	sortBy(w.Tickets, func(a, b *Ticket) int { return cmp.Compare(a.ID, b.ID) })
}

func byTime(a, b time.Time, ia, ib string) int {
	if c := a.Compare(b); c != 0 {
		return c
	}
	return cmp.Compare(ia, ib)
}

// sortBy sorts xs by sorting their indices and then moving each element
// once: the records are large structs, and swapping them during the sort
// would copy each many times over.
func sortBy[T any](xs []T, compare func(a, b *T) int) {
	perm := make([]int32, len(xs))
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortFunc(perm, func(a, b int32) int { return compare(&xs[a], &xs[b]) })
	// Apply the permutation in place, one cycle at a time: position k
	// takes the element at perm[k].
	for start := range perm {
		if perm[start] < 0 || int(perm[start]) == start {
			continue
		}
		tmp := xs[start]
		k := start
		for {
			next := int(perm[k])
			perm[k] = -1
			if next == start {
				xs[k] = tmp
				break
			}
			xs[k] = xs[next]
			k = next
		}
	}
}
