package view

import (
	"slices"
	"time"

	"github.com/omnigate/omnigate"
)

// Stats are one customer's figures across channels. Cancelled orders count
// for nothing in any of them, nor do their returns.
type Stats struct {
	// LifetimeValue is what the customer spent, net of refunds, per
	// currency, sorted by currency: the orders' totals less Refunded. A
	// currency refunded for sales that are not the customer's (a gift
	// brought back) and never bought in can be negative.
	LifetimeValue []omnigate.Money
	// Refunded is what was refunded for the customer's returns, per
	// currency, sorted by currency: those of their orders, and those whose
	// sale is not among their orders (see settle). Currencies with nothing
	// refunded are absent.
	Refunded        []omnigate.Money
	OrderCount      int // sales only: a return is never an order
	OrdersByChannel map[omnigate.Channel]int
	// AverageOrderValue is per currency the orders' totals at purchase /
	// that currency's orders: refunds do not change it.
	AverageOrderValue []omnigate.Money
	FirstSeen         time.Time // zero when nothing is dated
	LastSeen          time.Time
	Channels          []string // channels used: webshop, store, email, support (sorted)
	Omnichannel       bool     // bought both in the webshop and in a store
	// PreferredChannel has the most orders; a tie goes to the channel of the
	// most recent order among the tied. Empty without orders.
	PreferredChannel omnigate.Channel
	// The store with the most store orders; a tie goes to the store of the
	// most recent order, then the lower id. The name is from its most recent
	// order.
	PreferredStoreID   string
	PreferredStoreName string
}

// ComputeStats computes a customer's figures from everything known about
// them.
func ComputeStats(in TimelineInput) Stats {
	st := Stats{OrdersByChannel: map[omnigate.Channel]int{}}
	value := map[string]int64{}
	perCurrency := map[string]int64{}
	lastByChannel := map[omnigate.Channel]time.Time{}
	type store struct {
		n      int
		last   time.Time
		name   string
		nameAt time.Time
	}
	stores := map[string]*store{}
	refunded := map[string]int64{}
	refund := func(rs []omnigate.Return) {
		for _, r := range rs {
			if r.Refunded.Currency != "" && r.Refunded.Cents != 0 {
				refunded[r.Refunded.Currency] += r.Refunded.Cents
			}
		}
	}
	sales, loose := settle(in.Orders)
	for _, p := range loose {
		refund(p.Returns)
	}
	for _, o := range sales {
		if cancelled(o) {
			continue
		}
		st.OrderCount++
		if o.Total.Currency != "" {
			value[o.Total.Currency] += o.Total.Cents
			perCurrency[o.Total.Currency]++
		}
		refund(o.Returns)
		ch := orderChannel(o)
		if ch == "" {
			continue // a system we do not know the channel of
		}
		st.OrdersByChannel[ch]++
		if o.CreatedAt.After(lastByChannel[ch]) {
			lastByChannel[ch] = o.CreatedAt
		}
		if ch == omnigate.ChannelStore && o.StoreID != "" {
			s := stores[o.StoreID]
			if s == nil {
				s = &store{last: o.CreatedAt}
				stores[o.StoreID] = s
			}
			s.n++
			if o.CreatedAt.After(s.last) {
				s.last = o.CreatedAt
			}
			if o.StoreName != "" && (s.name == "" || o.CreatedAt.After(s.nameAt) ||
				o.CreatedAt.Equal(s.nameAt) && o.StoreName < s.name) {
				s.name, s.nameAt = o.StoreName, o.CreatedAt
			}
		}
	}
	gross := sumByCurrency(value)
	st.AverageOrderValue = make([]omnigate.Money, len(gross))
	for i, m := range gross {
		st.AverageOrderValue[i] = omnigate.Money{Cents: divRound(m.Cents, perCurrency[m.Currency]), Currency: m.Currency}
	}
	st.Refunded = sumByCurrency(refunded)
	for cur, cents := range refunded {
		value[cur] -= cents
	}
	st.LifetimeValue = sumByCurrency(value)
	st.Omnichannel = st.OrdersByChannel[omnigate.ChannelWebshop] > 0 && st.OrdersByChannel[omnigate.ChannelStore] > 0

	for ch, n := range st.OrdersByChannel {
		best := st.PreferredChannel
		switch {
		case best == "", n > st.OrdersByChannel[best]:
			st.PreferredChannel = ch
		case n == st.OrdersByChannel[best]:
			if c := lastByChannel[ch].Compare(lastByChannel[best]); c > 0 || c == 0 && ch < best {
				st.PreferredChannel = ch
			}
		}
	}
	var best *store
	for id, s := range stores {
		switch {
		case best == nil, s.n > best.n,
			s.n == best.n && s.last.After(best.last),
			s.n == best.n && s.last.Equal(best.last) && id < st.PreferredStoreID:
			best, st.PreferredStoreID, st.PreferredStoreName = s, id, s.name
		}
	}

	// The timeline's own rules decide what counts as being seen, without
	// building its text.
	seen := collector{seenOnly: true, channels: map[string]bool{}}
	seen.collect(in)
	st.FirstSeen, st.LastSeen = seen.first, seen.last
	st.Channels = make([]string, 0, len(seen.channels))
	for ch := range seen.channels {
		st.Channels = append(st.Channels, ch)
	}
	slices.Sort(st.Channels)
	return st
}

// divRound divides rounding half away from zero, as money is rounded.
func divRound(a, b int64) int64 {
	if b == 0 {
		return 0
	}
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	if 2*r >= b {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}
