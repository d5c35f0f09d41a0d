package view

import (
	"slices"
	"strings"
	"time"

	"github.com/omnigate/omnigate"
)

// Orders merges the orders of all channel systems, newest first by creation
// time, ties broken by system then order id so the order never changes
// between requests. channel keeps only that channel's orders; empty keeps
// all. Each order carries its returns, with those a connector could only
// keep on a placeholder attached when the sale is among the orders (see
// settle); placeholders are never listed. The input is not modified.
func Orders(lists [][]omnigate.Order, channel omnigate.Channel) []omnigate.Order {
	var all []omnigate.Order
	if len(lists) == 1 {
		all = lists[0]
	} else {
		for _, l := range lists {
			all = append(all, l...)
		}
	}
	sales, _ := settle(all)
	out := make([]omnigate.Order, 0, len(sales))
	for _, o := range sales {
		if channel == "" || orderChannel(o) == channel {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, compareOrders)
	return out
}

// compareOrders is the order of Orders and of PageOrders: newest first, then
// system, then id.
func compareOrders(a, b omnigate.Order) int {
	if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.System), string(b.System)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// orderChannel is the order's channel, or the one its system sells through
// when the connector left it empty.
func orderChannel(o omnigate.Order) omnigate.Channel {
	if o.Channel != "" {
		return o.Channel
	}
	return systemChannel(o.System)
}

// systemChannel is the sales channel a system stands for, empty for systems
// that do not sell.
func systemChannel(s omnigate.System) omnigate.Channel {
	switch s {
	case omnigate.Commercetools:
		return omnigate.ChannelWebshop
	case omnigate.Square:
		return omnigate.ChannelStore
	}
	return ""
}

// cancelled reports whether an order was cancelled: commercetools says
// "Cancelled", Square says "CANCELED".
func cancelled(o omnigate.Order) bool {
	return strings.EqualFold(o.State, "cancelled") || strings.EqualFold(o.State, "canceled")
}

// itemCount is the number of items on lines, counting quantities.
func itemCount(lines []omnigate.LineItem) int64 {
	var n int64
	for _, l := range lines {
		if l.Quantity > 0 {
			n += l.Quantity
		}
	}
	return n
}

// lastActivity is when a record was last touched: its update time, or its
// creation time when the system gave no update time.
func lastActivity(updated, created time.Time) time.Time {
	if updated.IsZero() {
		return created
	}
	return updated
}
