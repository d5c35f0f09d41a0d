package view

import (
	"fmt"
	"slices"
	"testing"

	"github.com/omnigate/omnigate"
)

func renderTouchpoints(tps []Touchpoint) []string {
	out := []string{}
	for _, tp := range tps {
		amount := "-"
		if tp.Amount != nil {
			amount = FormatMoney(*tp.Amount)
		}
		out = append(out, fmt.Sprintf("%d %s | %s | %s | %s", int(tp.At.Sub(t0).Minutes()), tp.ID, tp.Channel, tp.Summary, amount))
	}
	return out
}

// customer is a customer with something in every channel.
func customer() TimelineInput {
	fiveGBP := gbp(500)
	return TimelineInput{
		Records: []omnigate.CustomerRecord{
			{System: omnigate.Commercetools, ID: "ct-1", CreatedAt: at(0)},
			{System: omnigate.Square, ID: "SQ1", CreatedAt: at(1)},
			{System: omnigate.Klaviyo, ID: "kl-1"}, // no creation time: left out
			{System: omnigate.Zendesk, ID: "42", CreatedAt: at(2)},
		},
		Orders: []omnigate.Order{
			{System: omnigate.Square, ID: "o-store", Number: "1043", Channel: omnigate.ChannelStore, StoreName: "London Soho",
				Lines: []omnigate.LineItem{line("A", 2, gbp(3000)), line("B", 1, gbp(2400))}, Total: gbp(8400), CreatedAt: at(10)},
			{System: omnigate.Commercetools, ID: "o-web", Number: "#W7", Channel: omnigate.ChannelWebshop,
				Lines: []omnigate.LineItem{line("A", 1, eur(1250))}, Total: eur(1250), State: "Cancelled", CreatedAt: at(20)},
			{System: omnigate.Square, ID: "o-nonum", Total: gbp(100), CreatedAt: at(21)},
		},
		Carts: []omnigate.Cart{
			{System: omnigate.Commercetools, ID: "cart-1", Channel: omnigate.ChannelWebshop, Lines: []omnigate.LineItem{line("A", 2, eur(2000))},
				Total: eur(4000), CreatedAt: at(25), UpdatedAt: at(30)},
			{System: omnigate.Square, ID: "park-1", Channel: omnigate.ChannelStore, Lines: []omnigate.LineItem{line("C", 1, gbp(999))},
				Total: gbp(999), CreatedAt: at(31)},
			{System: omnigate.Commercetools, ID: "empty", Channel: omnigate.ChannelWebshop, UpdatedAt: at(32)},
		},
		Events: []omnigate.EmailEvent{
			{ID: "e1", Kind: omnigate.EmailReceived, Subject: "Spring sale", At: at(40)},
			{ID: "e2", Kind: omnigate.EmailOpened, Subject: "Spring sale", At: at(41)},
			{ID: "e3", Kind: omnigate.EmailClicked, Campaign: "Spring", At: at(42)},
			{ID: "e4", Kind: omnigate.PlacedOrder, Value: &fiveGBP, At: at(43)},
			{ID: "e5", Kind: omnigate.EmailReceived, At: at(44), Value: &fiveGBP},
		},
		Tickets: []omnigate.Ticket{
			{ID: "7", Subject: "Where is my order?", Status: "open", Via: "email", CreatedAt: at(50), UpdatedAt: at(51)},
			{ID: "8", Subject: "Refund", Status: "solved", Via: "chat", Satisfaction: "good", SatisfactionComment: "quick and kind",
				CreatedAt: at(52), UpdatedAt: at(55)},
			{ID: "9", Status: "closed", Satisfaction: "offered", CreatedAt: at(56)},
		},
	}
}

func TestTimeline(t *testing.T) {
	tests := []struct {
		name string
		in   TimelineInput
		want []string
	}{
		{"no data", TimelineInput{}, []string{}},
		{"every kind of touchpoint", customer(), []string{
			`56 TICKET_OPENED:zendesk:9 | support | Ticket #9 opened | -`,
			`56 TICKET_SOLVED:zendesk:9 | support | Ticket #9 solved | -`,
			`55 SATISFACTION_RATED:zendesk:8 | support:chat | Rated ticket #8 good: "quick and kind" | -`,
			`55 TICKET_SOLVED:zendesk:8 | support:chat | Ticket #8 solved: "Refund" | -`,
			`52 TICKET_OPENED:zendesk:8 | support:chat | Ticket #8 opened via chat: "Refund" | -`,
			`50 TICKET_OPENED:zendesk:7 | support:email | Ticket #7 opened via email: "Where is my order?" | -`,
			`44 EMAIL_RECEIVED:klaviyo:e5 | email | Received an email | £5.00`,
			`42 EMAIL_CLICKED:klaviyo:e3 | email | Clicked a link in "Spring" | -`,
			`41 EMAIL_OPENED:klaviyo:e2 | email | Opened "Spring sale" | -`,
			`40 EMAIL_RECEIVED:klaviyo:e1 | email | Received "Spring sale" | -`,
			`31 SALE_PARKED:square:park-1 | store | Sale parked in store, 1 item, £9.99 | £9.99`,
			`30 CART_UPDATED:commercetools:cart-1 | webshop | Cart updated online, 2 items, €40.00 | €40.00`,
			`21 ORDER_PLACED:square:o-nonum | store | Order o-nonum in store, £1.00 | £1.00`,
			`20 ORDER_PLACED:commercetools:o-web | webshop | Order #W7 online, 1 item, €12.50 (cancelled) | €12.50`,
			`10 ORDER_PLACED:square:o-store | store | Order #1043 at London Soho, 3 items, £84.00 | £84.00`,
			`2 ACCOUNT_CREATED:zendesk:42 | support | Support user created | -`,
			`1 ACCOUNT_CREATED:square:SQ1 | store | Customer record created in store | -`,
			`0 ACCOUNT_CREATED:commercetools:ct-1 | webshop | Webshop account created | -`,
		}},
		{"records of every system", TimelineInput{Records: []omnigate.CustomerRecord{
			{System: omnigate.Klaviyo, ID: "k", CreatedAt: at(1)},
			{System: "shopify", ID: "s", CreatedAt: at(2)},
		}}, []string{
			`2 ACCOUNT_CREATED:shopify:s | shopify | Customer record created in shopify | -`,
			`1 ACCOUNT_CREATED:klaviyo:k | email | Email profile created | -`,
		}},
		{"a record given twice is one touchpoint", TimelineInput{
			Orders: []omnigate.Order{
				{System: omnigate.Square, ID: "o1", Channel: omnigate.ChannelStore, Total: gbp(100), CreatedAt: at(1)},
				{System: omnigate.Commercetools, ID: "o1", Channel: omnigate.ChannelWebshop, Total: gbp(100), CreatedAt: at(1)},
				{System: omnigate.Square, ID: "o1", Channel: omnigate.ChannelStore, Total: gbp(100), CreatedAt: at(1)},
			},
		}, []string{
			`1 ORDER_PLACED:commercetools:o1 | webshop | Order o1 online, £1.00 | £1.00`,
			`1 ORDER_PLACED:square:o1 | store | Order o1 in store, £1.00 | £1.00`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderTouchpoints(Timeline(tt.in))
			if !slices.Equal(got, tt.want) {
				t.Errorf("timeline:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTimelineFields(t *testing.T) {
	tps := Timeline(customer())
	i := slices.IndexFunc(tps, func(tp Touchpoint) bool { return tp.ID == "ORDER_PLACED:square:o-store" })
	if i < 0 {
		t.Fatal("store order missing")
	}
	tp := tps[i]
	if tp.Kind != OrderPlaced || tp.System != omnigate.Square || tp.RefID != "o-store" || tp.StoreName != "London Soho" || !tp.At.Equal(at(10)) {
		t.Errorf("store order touchpoint = %+v", tp)
	}
	// Amount must be a copy: changing it must not change the input.
	in := customer()
	tps = Timeline(in)
	for _, tp := range tps {
		if tp.Amount != nil {
			tp.Amount.Cents = -1
		}
	}
	if in.Orders[0].Total.Cents != 8400 || in.Events[3].Value.Cents != 500 {
		t.Error("touchpoint amounts alias the input")
	}
	for _, tp := range tps {
		if !tp.Kind.Valid() {
			t.Errorf("touchpoint %s has unknown kind", tp.ID)
		}
	}
}
