package view

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omnigate/omnigate"
)

// TouchpointKind is what happened at a touchpoint.
type TouchpointKind string

const (
	AccountCreated    TouchpointKind = "ACCOUNT_CREATED"
	OrderPlaced       TouchpointKind = "ORDER_PLACED"
	OrderReturned     TouchpointKind = "ORDER_RETURNED"
	CartUpdated       TouchpointKind = "CART_UPDATED"
	SaleParked        TouchpointKind = "SALE_PARKED"
	EmailReceived     TouchpointKind = "EMAIL_RECEIVED"
	EmailOpened       TouchpointKind = "EMAIL_OPENED"
	EmailClicked      TouchpointKind = "EMAIL_CLICKED"
	TicketOpened      TouchpointKind = "TICKET_OPENED"
	TicketSolved      TouchpointKind = "TICKET_SOLVED"
	SatisfactionRated TouchpointKind = "SATISFACTION_RATED"
)

// TouchpointKinds lists every kind, in a stable order.
var TouchpointKinds = []TouchpointKind{
	AccountCreated, OrderPlaced, OrderReturned, CartUpdated, SaleParked,
	EmailReceived, EmailOpened, EmailClicked,
	TicketOpened, TicketSolved, SatisfactionRated,
}

// Valid reports whether k is a known kind.
func (k TouchpointKind) Valid() bool { return slices.Contains(TouchpointKinds, k) }

// Touchpoint is one moment a customer met the retailer in any channel.
type Touchpoint struct {
	// ID is "KIND:system:record id": unique, and the same on every request.
	ID     string
	Kind   TouchpointKind
	System omnigate.System
	// Channel is webshop, store, email, or support:<via> (support:email,
	// support:chat...), or support when the ticket's way in is unknown.
	Channel   string
	At        time.Time
	Summary   string          // one line for people, e.g. "Order #1043 at London Soho, 3 items, £84.00"
	Amount    *omnigate.Money // orders, refunds, carts, and email events that carry a value
	RefID     string          // the record's id in its system
	StoreName string
}

// TimelineInput is everything known about one customer.
type TimelineInput struct {
	Records []omnigate.CustomerRecord
	Orders  []omnigate.Order
	Carts   []omnigate.Cart
	Events  []omnigate.EmailEvent
	Tickets []omnigate.Ticket
}

// Timeline returns every touchpoint, newest first, ties by ID. A record that
// appears twice in the input gives one touchpoint. See the package comment
// for what is left out.
func Timeline(in TimelineInput) []Touchpoint {
	returns := countReturns(in.Orders)
	n := len(in.Records) + len(in.Orders) + returns + len(in.Carts) + len(in.Events) + 2*len(in.Tickets)
	c := collector{
		// IDs and summaries run to about 80 bytes; guessing the size
		// spares most of the buffer's regrowth.
		buf:     make([]byte, 0, 96*n),
		out:     make([]Touchpoint, 0, n),
		spans:   make([]textSpan, 0, n),
		amounts: make([]omnigate.Money, 0, len(in.Orders)+returns+len(in.Carts)+countValues(in.Events)),
	}
	c.collect(in)
	return c.finish()
}

// collector gathers touchpoints. For speed over long histories it writes
// every ID and summary into one buffer and cuts the strings out of a single
// string at the end, and keeps amounts in one slab: a timeline of thousands
// of touchpoints costs a handful of allocations, not two or three per
// touchpoint. The strings share memory, so a page of touchpoints keeps the
// whole timeline's text alive until the response is written; that is one
// request's lifetime.
//
// In seen mode it builds nothing and only records when the customer was
// first and last seen and in which channels, for ComputeStats.
type collector struct {
	buf     []byte
	spans   []textSpan // per touchpoint in out: where its ID and summary are in buf
	out     []Touchpoint
	amounts []omnigate.Money
	via     map[string]string // "support:<via>" channel names, built once per via

	seenOnly    bool
	first, last time.Time
	channels    map[string]bool
}

type textSpan struct{ id, summary, end int }

// begin starts a touchpoint. It returns false when the caller must not write
// a summary: the touchpoint has no time, or the collector only records
// where and when.
func (c *collector) begin(kind TouchpointKind, sys omnigate.System, id string, channel string, at time.Time) bool {
	if at.IsZero() {
		return false
	}
	if c.seenOnly {
		if c.first.IsZero() || at.Before(c.first) {
			c.first = at
		}
		if at.After(c.last) {
			c.last = at
		}
		base, _, _ := strings.Cut(channel, ":")
		c.channels[base] = true
		return false
	}
	start := len(c.buf)
	c.buf = append(c.buf, kind...)
	c.buf = append(c.buf, ':')
	c.buf = append(c.buf, sys...)
	c.buf = append(c.buf, ':')
	c.buf = append(c.buf, id...)
	c.spans = append(c.spans, textSpan{id: start, summary: len(c.buf)})
	c.out = append(c.out, Touchpoint{Kind: kind, System: sys, Channel: channel, At: at, RefID: id})
	return true
}

// end closes the touchpoint begun last, after its summary was written.
func (c *collector) end(amount *omnigate.Money, storeName string) {
	c.spans[len(c.spans)-1].end = len(c.buf)
	tp := &c.out[len(c.out)-1]
	tp.StoreName = storeName
	if amount != nil {
		c.amounts = append(c.amounts, *amount)
		tp.Amount = &c.amounts[len(c.amounts)-1]
	}
}

func (c *collector) finish() []Touchpoint {
	text := string(c.buf)
	for i, sp := range c.spans {
		c.out[i].ID = text[sp.id:sp.summary]
		c.out[i].Summary = text[sp.summary:sp.end]
	}
	sortTouchpoints(c.out)
	return dedupe(c.out)
}

// sortTouchpoints sorts newest first, ties by ID. It sorts positions and
// then moves each touchpoint once: touchpoints are large and hold pointers,
// and swapping them around during a sort costs far more than the compares.
func sortTouchpoints(tps []Touchpoint) {
	idx := make([]int32, len(tps))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return compareTouchpoints(&tps[a], &tps[b]) })
	// Apply the permutation in place, one cycle at a time: position i
	// takes the touchpoint at idx[i].
	for i := range idx {
		if idx[i] == int32(i) {
			continue
		}
		tmp := tps[i]
		j := i
		for {
			k := int(idx[j])
			idx[j] = int32(j)
			if k == i {
				tps[j] = tmp
				break
			}
			tps[j] = tps[k]
			j = k
		}
	}
}

func (c *collector) supportChannel(via string) string {
	if via == "" {
		return "support"
	}
	ch, ok := c.via[via]
	if !ok {
		if c.via == nil {
			c.via = make(map[string]string)
		}
		ch = "support:" + via
		c.via[via] = ch
	}
	return ch
}

func countReturns(orders []omnigate.Order) int {
	n := 0
	for i := range orders {
		n += len(orders[i].Returns)
	}
	return n
}

func countValues(events []omnigate.EmailEvent) int {
	n := 0
	for _, e := range events {
		if e.Value != nil {
			n++
		}
	}
	return n
}

// collect walks everything known about a customer and begins one touchpoint
// per moment; the rules of what counts live here only.
func (c *collector) collect(in TimelineInput) {
	for _, r := range in.Records {
		if c.begin(AccountCreated, r.System, r.ID, systemChannelName(r.System), r.CreatedAt) {
			c.buf = appendAccountSummary(c.buf, r.System)
			c.end(nil, "")
		}
	}
	sales, loose := settle(in.Orders)
	for i := range sales {
		o := &sales[i]
		ch := orderChannel(*o)
		if c.begin(OrderPlaced, o.System, o.ID, channelName(ch, o.System), o.CreatedAt) {
			c.buf = appendOrderSummary(c.buf, *o, ch)
			c.end(&o.Total, o.StoreName)
		}
		c.returns(o, ch)
	}
	for i := range loose {
		c.returns(&loose[i], orderChannel(loose[i]))
	}
	for _, cart := range in.Carts {
		if !hasItems(cart.Lines) {
			continue
		}
		ch := cart.Channel
		if ch == "" {
			ch = systemChannel(cart.System)
		}
		kind := CartUpdated
		if ch == omnigate.ChannelStore {
			kind = SaleParked
		}
		if c.begin(kind, cart.System, cart.ID, channelName(ch, cart.System), lastActivity(cart.UpdatedAt, cart.CreatedAt)) {
			c.buf = appendCartSummary(c.buf, cart, ch)
			var amount *omnigate.Money
			if cart.Total.Currency != "" {
				amount = &cart.Total
			}
			c.end(amount, cart.StoreName)
		}
	}
	for _, e := range in.Events {
		var kind TouchpointKind
		switch e.Kind {
		case omnigate.EmailReceived:
			kind = EmailReceived
		case omnigate.EmailOpened:
			kind = EmailOpened
		case omnigate.EmailClicked:
			kind = EmailClicked
		default:
			continue // Placed Order duplicates the order itself
		}
		if c.begin(kind, omnigate.Klaviyo, e.ID, "email", e.At) {
			c.buf = appendEmailSummary(c.buf, e)
			c.end(e.Value, "")
		}
	}
	for _, t := range in.Tickets {
		ch := c.supportChannel(t.Via)
		if c.begin(TicketOpened, omnigate.Zendesk, t.ID, ch, t.CreatedAt) {
			c.buf = appendTicketSummary(c.buf, t, "opened")
			c.end(nil, "")
		}
		at := lastActivity(t.UpdatedAt, t.CreatedAt)
		if t.Status == "solved" || t.Status == "closed" {
			if c.begin(TicketSolved, omnigate.Zendesk, t.ID, ch, at) {
				c.buf = appendTicketSummary(c.buf, t, "solved")
				c.end(nil, "")
			}
		}
		if t.Satisfaction == "good" || t.Satisfaction == "bad" {
			if c.begin(SatisfactionRated, omnigate.Zendesk, t.ID, ch, at) {
				c.buf = appendRatingSummary(c.buf, t)
				c.end(nil, "")
			}
		}
	}
}

// returns begins one ORDER_RETURNED touchpoint per return of o, at the
// time the goods came back, with the refund as its amount when there was
// one. A cancelled order's returns are touchpoints too: the customer came
// back with the goods.
func (c *collector) returns(o *omnigate.Order, ch omnigate.Channel) {
	for i := range o.Returns {
		r := &o.Returns[i]
		if c.begin(OrderReturned, o.System, r.ID, channelName(ch, o.System), r.At) {
			c.buf = appendReturnSummary(c.buf, o, r, ch)
			var amount *omnigate.Money
			if r.Refunded.Cents != 0 {
				amount = &r.Refunded
			}
			c.end(amount, r.StoreName)
		}
	}
}

func compareTouchpoints(a, b *Touchpoint) int {
	if c := b.At.Compare(a.At); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// dedupe drops repeated touchpoints of a record given twice (a record linked
// to the customer twice). Copies of one record carry the same time, so after
// sorting they are neighbours.
func dedupe(tps []Touchpoint) []Touchpoint {
	if len(tps) < 2 {
		return tps
	}
	out := tps[:1]
	for _, tp := range tps[1:] {
		if tp.ID != out[len(out)-1].ID {
			out = append(out, tp)
		}
	}
	return out
}

// systemChannelName is the channel a system's own records belong to.
func systemChannelName(s omnigate.System) string {
	switch s {
	case omnigate.Commercetools:
		return string(omnigate.ChannelWebshop)
	case omnigate.Square:
		return string(omnigate.ChannelStore)
	case omnigate.Klaviyo:
		return "email"
	case omnigate.Zendesk:
		return "support"
	}
	return string(s)
}

func channelName(ch omnigate.Channel, s omnigate.System) string {
	if ch != "" {
		return string(ch)
	}
	return systemChannelName(s)
}

func appendAccountSummary(b []byte, s omnigate.System) []byte {
	switch s {
	case omnigate.Commercetools:
		return append(b, "Webshop account created"...)
	case omnigate.Square:
		return append(b, "Customer record created in store"...)
	case omnigate.Klaviyo:
		return append(b, "Email profile created"...)
	case omnigate.Zendesk:
		return append(b, "Support user created"...)
	}
	return append(append(b, "Customer record created in "...), s...)
}

// appendPlace says where a sale happened: "online", "at London Soho", "in
// store".
func appendPlace(b []byte, ch omnigate.Channel, storeName string) []byte {
	switch {
	case ch == omnigate.ChannelWebshop:
		return append(b, "online"...)
	case storeName != "":
		return append(append(b, "at "...), storeName...)
	}
	return append(b, "in store"...)
}

// appendItems writes ", 3 items" (nothing for none).
func appendItems(b []byte, n int64) []byte {
	switch n {
	case 0:
		return b
	case 1:
		return append(b, ", 1 item"...)
	}
	b = append(b, ", "...)
	b = strconv.AppendInt(b, n, 10)
	return append(b, " items"...)
}

func appendAmount(b []byte, m omnigate.Money) []byte {
	if m.Currency == "" {
		return b
	}
	return appendMoney(append(b, ", "...), m)
}

// appendOrderName: "#1043", or the order's id when it has no number.
func appendOrderName(b []byte, number, id string) []byte {
	switch {
	case number == "":
		return append(b, id...)
	case strings.HasPrefix(number, "#"):
		return append(b, number...)
	}
	return append(append(b, '#'), number...)
}

// appendOrderSummary: "Order #1043 at London Soho, 3 items, £84.00".
func appendOrderSummary(b []byte, o omnigate.Order, ch omnigate.Channel) []byte {
	b = append(b, "Order "...)
	b = appendOrderName(b, o.Number, o.ID)
	b = append(b, ' ')
	b = appendPlace(b, ch, o.StoreName)
	b = appendItems(b, itemCount(o.Lines))
	b = appendAmount(b, o.Total)
	if cancelled(o) {
		b = append(b, " (cancelled)"...)
	}
	return b
}

// appendReturnSummary: "Returned 1 item of order #1043 at London Soho,
// £42.00 refunded", "Returned 2 items of order #HR200311 online, nothing
// refunded"; for a sale that is not among the customer's orders "Returned
// 1 item of sale 7Ms2 (not among the customer's orders) at Leeds, £8.00
// refunded", and when the return names no sale "Returned 1 item without
// its sale at Leeds, ...".
func appendReturnSummary(b []byte, o *omnigate.Order, r *omnigate.Return, ch omnigate.Channel) []byte {
	var n int64
	for _, l := range r.Lines {
		if l.Quantity > 0 {
			n += l.Quantity
		}
	}
	b = append(b, "Returned "...)
	b = strconv.AppendInt(b, n, 10)
	if n == 1 {
		b = append(b, " item"...)
	} else {
		b = append(b, " items"...)
	}
	switch {
	case !o.Placeholder:
		b = appendOrderName(append(b, " of order "...), o.Number, o.ID)
	case r.OrderID != "":
		b = append(append(b, " of sale "...), r.OrderID...)
		b = append(b, " (not among the customer's orders)"...)
	default:
		b = append(b, " without its sale"...)
	}
	b = append(b, ' ')
	storeName := r.StoreName
	if r.StoreID == "" && ch == omnigate.ChannelStore {
		storeName = o.StoreName
	}
	b = appendPlace(b, ch, storeName)
	if r.Refunded.Cents == 0 || r.Refunded.Currency == "" {
		return append(b, ", nothing refunded"...)
	}
	b = appendMoney(append(b, ", "...), r.Refunded)
	return append(b, " refunded"...)
}

// appendCartSummary: "Cart updated online, 2 items, €40.00" or "Sale parked
// at London Soho, 2 items, £40.00".
func appendCartSummary(b []byte, c omnigate.Cart, ch omnigate.Channel) []byte {
	if ch == omnigate.ChannelStore {
		b = append(b, "Sale parked "...)
	} else {
		b = append(b, "Cart updated "...)
	}
	b = appendPlace(b, ch, c.StoreName)
	b = appendItems(b, itemCount(c.Lines))
	return appendAmount(b, c.Total)
}

// appendEmailSummary: `Received "Spring sale"`, `Clicked a link in "Spring
// sale"`.
func appendEmailSummary(b []byte, e omnigate.EmailEvent) []byte {
	title := e.Subject
	if title == "" {
		title = e.Campaign
	}
	switch e.Kind {
	case omnigate.EmailReceived:
		b = append(b, "Received"...)
	case omnigate.EmailOpened:
		b = append(b, "Opened"...)
	default:
		b = append(b, "Clicked a link in"...)
	}
	if title == "" {
		return append(b, " an email"...)
	}
	return strconv.AppendQuote(append(b, ' '), title)
}

// appendTicketSummary: `Ticket #123 opened via email: "Where is my order?"`.
func appendTicketSummary(b []byte, t omnigate.Ticket, what string) []byte {
	b = append(b, "Ticket #"...)
	b = append(b, t.ID...)
	b = append(b, ' ')
	b = append(b, what...)
	if what == "opened" && t.Via != "" {
		b = append(append(b, " via "...), t.Via...)
	}
	if t.Subject != "" {
		b = strconv.AppendQuote(append(b, ": "...), t.Subject)
	}
	return b
}

// appendRatingSummary: `Rated ticket #123 good: "quick and kind"`.
func appendRatingSummary(b []byte, t omnigate.Ticket) []byte {
	b = append(b, "Rated ticket #"...)
	b = append(b, t.ID...)
	b = append(b, ' ')
	b = append(b, t.Satisfaction...)
	if t.SatisfactionComment != "" {
		b = strconv.AppendQuote(append(b, ": "...), t.SatisfactionComment)
	}
	return b
}
