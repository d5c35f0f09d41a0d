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
	first, _ := PageTimeline(cus, Timeline(in), 20, "", nil)
	second, _ := PageTimeline(cus, Timeline(in), 20, first.Cursors[19], nil)
	after := second.Cursors[19]
	b.ReportAllocs()
	for b.Loop() {
		p, err := PageTimeline(cus, Timeline(in), 20, after, nil)
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
		p, err := PageTimeline(cus, Timeline(in), 20, "", kinds)
		if err != nil || len(p.Items) != 20 {
			b.Fatal(p.Total, err)
		}
	}
}

// BenchmarkPageTimeline is paging alone, over a timeline built once.
func BenchmarkPageTimeline(b *testing.B) {
	items := Timeline(longHistory(5000))
	mid := encodeCursor(cursorTimeline, listScope(cus, ""), items[2500].At, items[2500].ID)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PageTimeline(cus, items, 20, mid, nil); err != nil {
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

// fourRecords is an omnichannel customer as the four systems keep them:
// the same person typed in differently, with consent statements in three.
// Phones stay apart unless their digits match: four of them.
func fourRecords() ([]omnigate.CustomerRecord, []omnigate.EmailProfile) {
	home := omnigate.Address{Line1: "12 Frith Street", City: "London", PostalCode: "W1D 4RG", Country: "GB"}
	sub := func(ch string, m int) omnigate.Consent {
		return omnigate.Consent{Channel: ch, Status: omnigate.ConsentSubscribed, Method: "checkout", At: at(m)}
	}
	recs := []omnigate.CustomerRecord{
		{System: omnigate.Commercetools, ID: "ct-1", GivenName: "Ada", FamilyName: "Lovelace",
			Emails: []string{"Ada.Lovelace@example.com"}, Phones: []string{"+44 20 7946 0000"},
			Addresses: []omnigate.Address{home, {Line1: "1 Office Park", City: "Leeds", PostalCode: "LS1 4AP", Country: "GB"}},
			Birthday:  "1990-12-10", CreatedAt: at(0), UpdatedAt: at(500), Consents: []omnigate.Consent{sub("email", 10)}},
		{System: omnigate.Square, ID: "SQ1", GivenName: "ada", FamilyName: "lovelace ",
			Emails: []string{"ada.lovelace@example.com "}, Phones: []string{"020 7946 0000", "07700 900123"},
			Addresses: []omnigate.Address{{Line1: "12 Frith St", City: "London", PostalCode: "W1D4RG", Country: "GB"}},
			Birthday:  "0000-12-10", CreatedAt: at(100), UpdatedAt: at(900),
			Consents: []omnigate.Consent{{Channel: "sms", Status: omnigate.ConsentUnsubscribed, At: at(800)}}},
		{System: omnigate.Klaviyo, ID: "01KLAV", GivenName: "Ada", Emails: []string{"ada.lovelace@example.com"},
			Phones: []string{"+447700900123"}, CreatedAt: at(50), UpdatedAt: at(700), WebshopID: "ct-1"},
		{System: omnigate.Zendesk, ID: "9001", GivenName: "Ada Lovelace", Emails: []string{"ada@example.org"},
			CreatedAt: at(300), UpdatedAt: at(300), WebshopID: "ct-1"},
	}
	profiles := []omnigate.EmailProfile{{ID: "01KLAV", Email: "ada.lovelace@example.com",
		Consents: []omnigate.Consent{sub("email", 600), sub("sms", 20)}}}
	return recs, profiles
}

// BenchmarkMergeProfile is one customer's profile merged from the four
// systems' records, as a customer 360 asks for it.
func BenchmarkMergeProfile(b *testing.B) {
	recs, _ := fourRecords()
	b.ReportAllocs()
	for b.Loop() {
		p := MergeProfile(recs)
		if p.Name == nil || len(p.Emails) != 2 || len(p.Phones) != 4 {
			b.Fatalf("merged profile: %+v", p)
		}
	}
}

// BenchmarkMergeConsent is the same customer's consent per channel, from
// the records' statements and the email profile's.
func BenchmarkMergeConsent(b *testing.B) {
	recs, profiles := fourRecords()
	b.ReportAllocs()
	for b.Loop() {
		cs := MergeConsent(recs, profiles)
		if len(cs) != 2 || cs[0].Status != omnigate.ConsentSubscribed || cs[1].Status != omnigate.ConsentUnsubscribed {
			b.Fatalf("merged consent: %+v", cs)
		}
	}
}
