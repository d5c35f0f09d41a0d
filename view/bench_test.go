package view

import (
	"fmt"
	"testing"

	"github.com/omnigate/omnigate"
)

// longHistory is a customer with years of activity: n touchpoints across
// every channel.
func longHistory(n int) TimelineInput {
	var in TimelineInput
	in.Records = []omnigate.CustomerRecord{
		{System: omnigate.Commercetools, ID: "ct", CreatedAt: at(0)},
		{System: omnigate.Square, ID: "SQ", CreatedAt: at(1)},
	}
	for i := 0; len(in.Records)+len(in.Orders)+len(in.Events)+2*len(in.Tickets) < n; i++ {
		m := i * 97 // spread over about a year of minutes per thousand
		switch {
		case i%10 == 0:
			o := omnigate.Order{System: omnigate.Commercetools, ID: fmt.Sprint("o", i), Number: fmt.Sprint(1000 + i),
				Channel: omnigate.ChannelWebshop, Lines: []omnigate.LineItem{line("A", 2, gbp(1250)), line("B", 1, gbp(999))},
				Total: gbp(3499), CreatedAt: at(m)}
			if i%20 == 0 {
				o.System, o.Channel, o.StoreID, o.StoreName = omnigate.Square, omnigate.ChannelStore, "L1", "London Soho"
			}
			in.Orders = append(in.Orders, o)
		case i%25 == 1:
			in.Tickets = append(in.Tickets, omnigate.Ticket{ID: fmt.Sprint(i), Subject: "Where is my order?", Status: "solved",
				Via: "email", Satisfaction: "unoffered", CreatedAt: at(m), UpdatedAt: at(m + 60)})
		default:
			kind := []omnigate.EmailEventKind{omnigate.EmailReceived, omnigate.EmailOpened, omnigate.EmailClicked}[i%3]
			in.Events = append(in.Events, omnigate.EmailEvent{ID: fmt.Sprint("e", i), Kind: kind, Subject: "Spring sale", At: at(m)})
		}
	}
	return in
}

// BenchmarkTimelinePage is one timeline request over a long history: build
// the timeline, then serve the third page of 20.
func BenchmarkTimelinePage(b *testing.B) {
	in := longHistory(5000)
	if n := len(Timeline(in)); n < 4990 || n > 5010 {
		b.Fatalf("history has %d touchpoints", n)
	}
	first, _ := PageTimeline(Timeline(in), 20, "", nil)
	second, _ := PageTimeline(Timeline(in), 20, first.Cursors[19], nil)
	after := second.Cursors[19]
	b.ReportAllocs()
	for b.Loop() {
		p, err := PageTimeline(Timeline(in), 20, after, nil)
		if err != nil || len(p.Items) != 20 {
			b.Fatal(p.Total, err)
		}
	}
}

// BenchmarkTimelinePageKinds is the same request filtered to orders.
func BenchmarkTimelinePageKinds(b *testing.B) {
	in := longHistory(5000)
	kinds := []TouchpointKind{OrderPlaced}
	b.ReportAllocs()
	for b.Loop() {
		p, err := PageTimeline(Timeline(in), 20, "", kinds)
		if err != nil || len(p.Items) != 20 {
			b.Fatal(p.Total, err)
		}
	}
}

// BenchmarkPageTimeline is paging alone, over a timeline built once.
func BenchmarkPageTimeline(b *testing.B) {
	items := Timeline(longHistory(5000))
	mid := encodeCursor(cursorTimeline, items[2500].At, items[2500].ID)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PageTimeline(items, 20, mid, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkComputeStats(b *testing.B) {
	in := longHistory(5000)
	b.ReportAllocs()
	for b.Loop() {
		ComputeStats(in)
	}
}

func BenchmarkUnifiedCart(b *testing.B) {
	for _, size := range []int{5, 50} {
		var web, store []omnigate.LineItem
		for i := range size {
			web = append(web, line(fmt.Sprint("SKU-", i), 1, gbp(1000)))
			if i%2 == 0 {
				store = append(store, line(fmt.Sprint("SKU-", i), 2, gbp(900)))
			}
		}
		carts := []omnigate.Cart{
			webCart("c1", at(10), web...),
			parked("p1", at(20), store...),
			parked("p2", at(5), line("X", 1, eur(500))),
		}
		b.Run(fmt.Sprint("lines=", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c := UnifiedCart(carts); len(c.Lines) != size+1 {
					b.Fatal(len(c.Lines))
				}
			}
		})
	}
}
