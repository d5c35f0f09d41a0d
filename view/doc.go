// Package view turns one customer's records from every channel system into
// the unified views the GraphQL layer serves: orders of all channels, one
// cart, a timeline of touchpoints, statistics, an email summary and a merged
// profile. It does no I/O; the resolvers fetch, this package decides.
//
// The rules, so that a reader of the graph knows what a field means:
//
// Orders. Orders of all channels are merged newest first by creation time;
// ties are broken by system, then by the system's order id, so the order is
// the same on every request.
//
// Returns. An order carries its returns: the lines that came back and what
// was refunded for them, in the order's currency, as its connector read them
// (Square's return orders, commercetools' returnInfo). A return is never an
// order. A return whose sale its connector did not find among the same
// record's orders comes on a placeholder (omnigate.Order.Placeholder): it is
// attached to that sale when another of the customer's records holds it
// (same system, same order id); otherwise it stays a return of a sale that
// is not the customer's (a gift brought back, a walk-in's sale), shown in
// the timeline and counted as refunded, never listed as an order. A return
// reached twice (through two records) counts once.
//
// Unified cart. The webshop's active carts and the sales parked at a till
// are one basket to the customer.
//   - A line is one SKU in one currency. The same SKU in two carts becomes one
//     line with both carts as origins and the quantities summed, but only when
//     the unit prices are in the same currency; different currencies never
//     merge and are never summed.
//   - When the carts disagree on the unit price, the line shows the unit price
//     of the most recently updated cart, and the line total is the sum of the
//     origins' totals (what the customer would really pay in each cart).
//   - An origin's total is the cart line's own total when it is in the unit
//     price's currency (it may carry a discount), else quantity × unit price.
//   - Lines without a SKU (custom or ad-hoc items) never merge across carts.
//   - Lines are ordered by their most recent cart activity, newest first, then
//     by SKU, then by currency. Origins are ordered newest cart first.
//   - Carts without any line of positive quantity contribute nothing: no line,
//     no entry in Carts, no effect on UpdatedAt.
//   - A cart given twice (same system and id, read through two records)
//     counts once.
//
// Timeline. Every touchpoint, newest first, ties by ID. A touchpoint's ID is
// "KIND:system:record id", unique and stable across requests; a return's
// record id is its omnigate.Return.ID, and its ORDER_RETURNED touchpoint is
// placed when the goods came back, with the refund as its amount. Records
// without a time (zero) are left out: they cannot be placed in time. Klaviyo's
// "Placed Order" events are left out because the order itself comes from the
// webshop or the till. Zendesk does not put the solved time on the ticket, so
// TICKET_SOLVED and SATISFACTION_RATED are placed at the ticket's last update.
// Empty carts are not touchpoints.
//
// Paging. Cursors are keyset cursors: they hold the position (time and id) of
// the last item seen, not an offset, so touchpoints that arrive at the top
// between two requests do not shift the next page. They are opaque
// (base64url), versioned, and tied to the list they came from: a timeline
// cursor is refused by the orders list, and by the timeline of another
// customer or of other kinds (orders: another channel).
//
// Profile. Emails, phones and addresses are the union of every record's.
// The name and the birthday are chosen by a SurvivorshipPolicy, per field:
// most_recent (the default), source_priority or most_frequent; the chosen
// value keeps its system, record id and time. A birthday without a year
// gives way to a full date of the same day.
//
// Consent. Per channel (email, sms), the most recent explicit statement
// (subscribed or unsubscribed) of any record wins, with its system, record
// and time; at the same time, unsubscribed wins. Never subscribed is no
// statement. Square keeps no time for its email refusal: it carries the
// customer's last update. A suppression (Klaviyo's hard bounce, spam
// complaint, invalid address, staff suppression or unsubscribe) is no
// statement either: it changes neither the status nor the winner, but rides
// along with it, so that SUBSCRIBED reads beside "the email system sends
// nothing". It is the suppression of the email profile whose statement
// won, none when that profile is not suppressed (a customer who subscribed
// last with an address that is reached is reached); when the statement
// comes from another system or there is none, the most recent suppression
// of any of the customer's email profiles.
//
// Statistics. Cancelled orders count for nothing: not in lifetime value, order
// counts, averages, preferred channel or store, and neither do their
// refunds. Lifetime value is net: the orders' totals less every refund of
// the customer's returns (those of sales that are not theirs included),
// per currency; refunded lists those refunds per currency; the average
// order value stays the average of the orders' totals at purchase. Amounts
// are per currency and never added across currencies.
package view
