package view

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

// history is a timeline of n touchpoints, one email event a minute, with
// every third minute also holding a ticket so that times tie.
func history(n int) []Touchpoint {
	var in TimelineInput
	for i := 0; len(in.Events)+2*len(in.Tickets) < n; i++ {
		in.Events = append(in.Events, omnigate.EmailEvent{ID: fmt.Sprintf("e%04d", i), Kind: omnigate.EmailReceived, At: at(i)})
		if i%3 == 0 && len(in.Events)+2*len(in.Tickets)+1 < n {
			in.Tickets = append(in.Tickets, omnigate.Ticket{ID: fmt.Sprint(i), Status: "solved", CreatedAt: at(i), UpdatedAt: at(i + 1)})
		}
	}
	return Timeline(in)
}

func ids(tps []Touchpoint) []string {
	out := make([]string, len(tps))
	for i, tp := range tps {
		out[i] = tp.ID
	}
	return out
}

// walk pages through items first at a time and returns what it saw.
func walk(t *testing.T, items []Touchpoint, first int, kinds []TouchpointKind) []string {
	t.Helper()
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > len(items)+1 {
			t.Fatal("paging does not end")
		}
		p, err := PageTimeline(cus, items, first, after, kinds)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != len(p.Cursors) {
			t.Fatalf("%d items but %d cursors", len(p.Items), len(p.Cursors))
		}
		if p.HasPrevious != (after != "" && len(seen) > 0) {
			t.Errorf("page %d: HasPrevious = %v", pages, p.HasPrevious)
		}
		seen = append(seen, ids(p.Items)...)
		if !p.HasNext {
			if len(seen) != p.Total {
				t.Errorf("walked %d items, Total says %d", len(seen), p.Total)
			}
			return seen
		}
		if len(p.Items) != first {
			t.Fatalf("page %d has %d items though more follow", pages, len(p.Items))
		}
		after = p.Cursors[len(p.Cursors)-1]
	}
}

func TestPageTimelineWalk(t *testing.T) {
	items := history(23)
	all := ids(items)
	for _, first := range []int{1, 2, 5, 22, 23, 100} {
		t.Run(fmt.Sprint("first=", first), func(t *testing.T) {
			if got := walk(t, items, first, nil); !slices.Equal(got, all) {
				t.Errorf("walk saw\n %v\nwant\n %v", got, all)
			}
		})
	}
	t.Run("kinds filter", func(t *testing.T) {
		kinds := []TouchpointKind{TicketSolved, TicketOpened}
		var want []string
		for _, tp := range items {
			if tp.Kind == TicketSolved || tp.Kind == TicketOpened {
				want = append(want, tp.ID)
			}
		}
		if len(want) == 0 || len(want) == len(items) {
			t.Fatal("test history should mix kinds")
		}
		if got := walk(t, items, 3, kinds); !slices.Equal(got, want) {
			t.Errorf("walk saw %v, want %v", got, want)
		}
	})
	t.Run("all kinds named is no filter", func(t *testing.T) {
		if got := walk(t, items, 7, TouchpointKinds); !slices.Equal(got, all) {
			t.Errorf("walk saw %v", got)
		}
	})
	t.Run("empty timeline", func(t *testing.T) {
		p, err := PageTimeline(cus, nil, 10, "", nil)
		if err != nil || p.Items == nil || len(p.Items) != 0 || p.HasNext || p.HasPrevious || p.Total != 0 {
			t.Errorf("page = %+v, %v", p, err)
		}
	})
	t.Run("after the last item", func(t *testing.T) {
		p, _ := PageTimeline(cus, items, 100, "", nil)
		last := p.Cursors[len(p.Cursors)-1]
		p, err := PageTimeline(cus, items, 5, last, nil)
		if err != nil || len(p.Items) != 0 || p.HasNext || !p.HasPrevious || p.Total != len(items) {
			t.Errorf("page = %+v, %v", p, err)
		}
	})
}

// TestPageTimelineCursorStable is why cursors hold positions, not offsets:
// touchpoints that arrive at the top between two requests, or an item that
// disappears, must not shift or repeat the next page.
func TestPageTimelineCursorStable(t *testing.T) {
	items := history(30)
	p1, err := PageTimeline(cus, items, 10, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	after := p1.Cursors[9]
	want, err := PageTimeline(cus, items, 10, after, nil)
	if err != nil {
		t.Fatal(err)
	}

	newer := []Touchpoint{
		{ID: "EMAIL_RECEIVED:klaviyo:new1", Kind: EmailReceived, At: items[0].At.Add(time.Minute)},
		{ID: "EMAIL_OPENED:klaviyo:new2", Kind: EmailOpened, At: items[0].At.Add(2 * time.Minute)},
	}
	grown := slices.Concat(newer, items)
	sortTouchpoints(grown)
	got, err := PageTimeline(cus, grown, 10, after, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got.Items), ids(want.Items)) {
		t.Errorf("after two newer touchpoints arrived, page 2 is\n %v\nwant\n %v", ids(got.Items), ids(want.Items))
	}
	if got.Total != len(items)+2 {
		t.Errorf("total = %d, want %d", got.Total, len(items)+2)
	}

	// The item the cursor points at is gone: the next page still starts
	// right after where it was.
	shrunk := slices.Delete(slices.Clone(items), 9, 10)
	got, err = PageTimeline(cus, shrunk, 10, after, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got.Items), ids(want.Items)) {
		t.Errorf("after the cursor's item went away, page 2 is\n %v\nwant\n %v", ids(got.Items), ids(want.Items))
	}
}

func TestPageErrors(t *testing.T) {
	items := history(10)
	p, _ := PageTimeline(cus, items, 3, "", nil)
	good := p.Cursors[2]
	orders, _ := PageOrders(cus, []omnigate.Order{{System: omnigate.Square, ID: "o1", CreatedAt: at(1)}}, "", 1, "")
	raw := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	sc := listScope(cus, "")
	tests := []struct {
		name  string
		first int
		after string
		kinds []TouchpointKind
		msg   string
	}{
		{"first zero", 0, "", nil, "first: must be between 1 and 100, got 0"},
		{"first negative", -5, "", nil, "first: must be between 1 and 100, got -5"},
		{"first too large", 101, "", nil, "first: must be between 1 and 100, got 101"},
		{"not base64", 10, "not a cursor!", nil, "after: not a timeline cursor"},
		{"padded base64", 10, good + "==", nil, "after: not a timeline cursor"},
		{"standard base64 alphabet", 10, base64.StdEncoding.EncodeToString([]byte("2:timeline:" + sc + ":1:0:a?>")), nil, "after: not a timeline cursor"},
		{"an orders cursor", 10, orders.Cursors[0], nil, "after: not a timeline cursor"},
		{"another version", 10, raw("1:timeline:1740830400:0:x"), nil, "after: not a timeline cursor"},
		{"no scope", 10, raw("2:timeline:1740830400:0:x"), nil, "after: not a timeline cursor"},
		{"malformed scope", 10, raw("2:timeline:" + strings.ToUpper(sc) + ":1740830400:0:x"), nil, "after: not a timeline cursor"},
		{"missing id", 10, raw("2:timeline:" + sc + ":1740830400:0:"), nil, "after: not a timeline cursor"},
		{"too few fields", 10, raw("2:timeline:" + sc + ":1740830400"), nil, "after: not a timeline cursor"},
		{"nanoseconds out of range", 10, raw("2:timeline:" + sc + ":1740830400:1000000000:x"), nil, "after: not a timeline cursor"},
		{"leading zero", 10, raw("2:timeline:" + sc + ":01740830400:0:x"), nil, "after: not a timeline cursor"},
		{"plus sign", 10, raw("2:timeline:" + sc + ":+1740830400:0:x"), nil, "after: not a timeline cursor"},
		{"not a number", 10, raw("2:timeline:" + sc + ":soon:0:x"), nil, "after: not a timeline cursor"},
		{"invalid UTF-8 id", 10, raw("2:timeline:" + sc + ":1:0:\xff"), nil, "after: not a timeline cursor"},
		{"huge", 10, strings.Repeat("A", 4096), nil, "after: not a timeline cursor"},
		{"unknown kind", 10, "", []TouchpointKind{"ORDER_SHIPPED"}, `kinds: unknown touchpoint kind "ORDER_SHIPPED"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PageTimeline(cus, items, tt.first, tt.after, tt.kinds)
			var e *omnigate.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (page %+v), want *omnigate.Error", err, p)
			}
			if e.Code != omnigate.EINVALID || e.Message != tt.msg {
				t.Errorf("err = %s %q, want %s %q", e.Code, e.Message, omnigate.EINVALID, tt.msg)
			}
		})
	}
	for _, first := range []int{1, 100} {
		if _, err := PageTimeline(cus, items, first, good, nil); err != nil {
			t.Errorf("first=%d: %v", first, err)
		}
	}
}

func TestPageOrders(t *testing.T) {
	// Unsorted input, with a time shared by two systems.
	orders := []omnigate.Order{
		{System: omnigate.Square, ID: "s1", CreatedAt: at(10)},
		{System: omnigate.Commercetools, ID: "w9", CreatedAt: at(30)},
		{System: omnigate.Square, ID: "a0", CreatedAt: at(30)},
		{System: omnigate.Commercetools, ID: "w1", CreatedAt: at(20)},
		{System: omnigate.Commercetools, ID: "w0", CreatedAt: at(5)},
	}
	want := orderIDs(Orders([][]omnigate.Order{orders}, ""))
	var got []string
	after := ""
	for {
		p, err := PageOrders(cus, orders, "", 2, after)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, orderIDs(p.Items)...)
		if !p.HasNext {
			break
		}
		after = p.Cursors[len(p.Cursors)-1]
	}
	if !slices.Equal(got, want) {
		t.Errorf("paged %v, want the order of Orders %v", got, want)
	}
	if orders[0].ID != "s1" {
		t.Error("PageOrders reordered its input")
	}
	tickets, _ := PageTickets(cus, []omnigate.Ticket{{ID: "1", CreatedAt: at(1)}}, 1, "")
	_, err := PageOrders(cus, orders, "", 2, tickets.Cursors[0])
	if err == nil || err.Error() != "after: not an orders cursor" || omnigate.ErrorCode(err) != omnigate.EINVALID {
		t.Errorf("a tickets cursor on orders: err = %v", err)
	}
	if _, err := PageOrders(cus, orders, "", 0, ""); omnigate.ErrorCode(err) != omnigate.EINVALID {
		t.Errorf("first=0: err = %v", err)
	}
}

func TestPageTickets(t *testing.T) {
	tickets := []omnigate.Ticket{
		{ID: "3", CreatedAt: at(30), UpdatedAt: at(31)},
		{ID: "2", CreatedAt: at(20), UpdatedAt: at(21)},
		{ID: "1", CreatedAt: at(10), UpdatedAt: at(11)},
	}
	p1, err := PageTickets(cus, tickets, 1, "")
	if err != nil || len(p1.Items) != 1 || p1.Items[0].ID != "3" || !p1.HasNext || p1.Total != 3 {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	// Ticket 1 is updated after page 1 was served: pages follow creation
	// time, so it keeps its place.
	tickets[2].UpdatedAt = at(99)
	p2, err := PageTickets(cus, tickets, 5, p1.Cursors[0])
	if err != nil || len(p2.Items) != 2 || p2.Items[0].ID != "2" || p2.Items[1].ID != "1" || p2.HasNext || !p2.HasPrevious {
		t.Fatalf("page 2 = %+v, %v", p2, err)
	}
	_, err = PageTickets(cus, tickets, 5, "bm9wZQ")
	if err == nil || err.Error() != "after: not a tickets cursor" {
		t.Errorf("garbage cursor: err = %v", err)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	scope := listScope(cus, "")
	times := []time.Time{{}, t0, time.Unix(-1, 5), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("x", 3600))}
	for _, tm := range times {
		for _, id := range []string{"a", "ORDER_PLACED:square:o:1", "ünï"} {
			c := encodeCursor(cursorTimeline, scope, tm, id)
			gt, gid, err := decodeCursor(c, cursorTimeline, scope)
			if err != nil || !gt.Equal(tm) || gid != id {
				t.Errorf("round trip of (%v, %q) = (%v, %q, %v)", tm, id, gt, gid, err)
			}
			if _, _, err := decodeCursor(c, cursorOrders, scope); err == nil {
				t.Errorf("a timeline cursor was accepted as an orders cursor")
			}
		}
	}
}

// FuzzDecodeCursor: decoding never panics, and whatever it accepts is
// exactly what encodeCursor would write for that position, so no garbage
// passes as a position silently.
func FuzzDecodeCursor(f *testing.F) {
	scope := listScope(cus, "")
	f.Add(encodeCursor(cursorTimeline, scope, t0, "EMAIL_RECEIVED:klaviyo:e1"))
	f.Add(encodeCursor(cursorOrders, scope, time.Time{}, "square:o1"))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("2:timeline:" + scope + ":-0:0:x")))
	f.Add(base64.RawURLEncoding.EncodeToString([]byte("2:timeline:" + scope + ":1:0:")))
	f.Add("")
	f.Add("====")
	f.Add("MTp0aW1lbGluZToxOjA6eA")
	items := history(12)
	f.Fuzz(func(t *testing.T, s string) {
		for _, kind := range []string{cursorTimeline, cursorOrders, cursorTickets} {
			tm, id, err := decodeCursor(s, kind, scope)
			if err != nil {
				if omnigate.ErrorCode(err) != omnigate.EINVALID || !strings.HasPrefix(err.Error(), "after: ") {
					t.Fatalf("error %v is not an EINVALID about after", err)
				}
				continue
			}
			if id == "" {
				t.Fatalf("%q accepted with an empty id", s)
			}
			if again := encodeCursor(kind, scope, tm, id); again != s {
				t.Fatalf("%q accepted as (%v, %q), which encodes as %q", s, tm, id, again)
			}
		}
		if s == "" {
			return
		}
		// Through the public API: an error or a page, never a panic.
		if p, err := PageTimeline(cus, items, 5, s, nil); err == nil && len(p.Items) != len(p.Cursors) {
			t.Fatalf("page with %d items and %d cursors", len(p.Items), len(p.Cursors))
		}
	})
}

// TestCursorsAreTiedToTheirList: a cursor names a position in one list,
// the list of one customer with one filter. Passed to another customer's
// list, or with other kinds or another channel, it would silently start the
// page at a position of a list the client never saw (skipping the newer
// items of the list asked for): it is refused, naming the argument.
func TestCursorsAreTiedToTheirList(t *testing.T) {
	items := history(20)
	emails := []TouchpointKind{EmailReceived}
	tickets := []TouchpointKind{TicketOpened, TicketSolved}
	p, err := PageTimeline(cus, items, 3, "", emails)
	if err != nil {
		t.Fatal(err)
	}
	emailCursor := p.Cursors[2]
	const foreign = "after: a timeline cursor of another customer or filter; start again without after"
	for _, tt := range []struct {
		name     string
		customer string
		kinds    []TouchpointKind
		msg      string
	}{
		{"same list", cus, emails, ""},
		{"same kinds in another order, named twice", cus, []TouchpointKind{EmailReceived, EmailReceived}, ""},
		{"another customer", "cus_2", emails, foreign},
		{"other kinds", cus, tickets, foreign},
		{"no filter", cus, nil, foreign},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PageTimeline(tt.customer, items, 3, emailCursor, tt.kinds)
			if tt.msg == "" {
				if err != nil {
					t.Errorf("err = %v, want a page", err)
				}
				return
			}
			if omnigate.ErrorCode(err) != omnigate.EINVALID || err.Error() != tt.msg {
				t.Errorf("err = %v, want EINVALID %q", err, tt.msg)
			}
		})
	}
	// No filter and every kind named are the same list.
	all, _ := PageTimeline(cus, items, 3, "", nil)
	if _, err := PageTimeline(cus, items, 3, all.Cursors[2], TouchpointKinds); err != nil {
		t.Errorf("every kind named, with a cursor of no filter: %v", err)
	}

	orders := []omnigate.Order{
		{System: omnigate.Square, ID: "s1", Channel: omnigate.ChannelStore, CreatedAt: at(2)},
		{System: omnigate.Square, ID: "s2", Channel: omnigate.ChannelStore, CreatedAt: at(1)},
	}
	op, _ := PageOrders(cus, orders, omnigate.ChannelStore, 1, "")
	if _, err := PageOrders(cus, orders, omnigate.ChannelStore, 1, op.Cursors[0]); err != nil {
		t.Errorf("orders, same list: %v", err)
	}
	for _, tt := range []struct {
		customer string
		channel  omnigate.Channel
	}{{"cus_2", omnigate.ChannelStore}, {cus, ""}, {cus, omnigate.ChannelWebshop}} {
		_, err := PageOrders(tt.customer, orders, tt.channel, 1, op.Cursors[0])
		if omnigate.ErrorCode(err) != omnigate.EINVALID || err.Error() != "after: an orders cursor of another customer or filter; start again without after" {
			t.Errorf("orders of %s, channel %q: err = %v", tt.customer, tt.channel, err)
		}
	}

	tk := []omnigate.Ticket{{ID: "2", CreatedAt: at(2)}, {ID: "1", CreatedAt: at(1)}}
	tp, _ := PageTickets(cus, tk, 1, "")
	if _, err := PageTickets("cus_2", tk, 1, tp.Cursors[0]); omnigate.ErrorCode(err) != omnigate.EINVALID {
		t.Errorf("tickets of another customer: err = %v", err)
	}
}
