package view

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

func money(ms []omnigate.Money) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, FormatMoney(m))
	}
	return out
}

func TestComputeStats(t *testing.T) {
	webOrder := func(id string, total omnigate.Money, m int) omnigate.Order {
		return omnigate.Order{System: omnigate.Commercetools, ID: id, Channel: omnigate.ChannelWebshop, Total: total, CreatedAt: at(m)}
	}
	storeOrder := func(id, store, name string, total omnigate.Money, m int) omnigate.Order {
		return omnigate.Order{System: omnigate.Square, ID: id, Channel: omnigate.ChannelStore, StoreID: store, StoreName: name, Total: total, CreatedAt: at(m)}
	}
	cancelledOrder := webOrder("x", gbp(100000), 99)
	cancelledOrder.State = "Cancelled"
	cancelledStore := storeOrder("y", "L9", "Leeds", gbp(100000), 98)
	cancelledStore.State = "CANCELED"

	type want struct {
		ltv, aov       []string
		count          int
		byChannel      map[omnigate.Channel]int
		first, last    time.Time
		channels       []string
		omni           bool
		preferred      omnigate.Channel
		storeID, store string
	}
	tests := []struct {
		name string
		in   TimelineInput
		want want
	}{
		{"no data", TimelineInput{}, want{ltv: []string{}, aov: []string{}, byChannel: map[omnigate.Channel]int{}, channels: []string{}}},
		{
			"one currency, webshop only, cancelled orders excluded",
			TimelineInput{Orders: []omnigate.Order{webOrder("a", gbp(1000), 1), webOrder("b", gbp(2001), 2), cancelledOrder}},
			want{
				ltv: []string{"£30.01"}, aov: []string{"£15.01"}, count: 2,
				byChannel: map[omnigate.Channel]int{omnigate.ChannelWebshop: 2},
				first:     at(1), last: at(99), // a cancelled order is still a touchpoint
				channels: []string{"webshop"}, preferred: omnigate.ChannelWebshop,
			},
		},
		{
			"two currencies, both channels, preferred store by count",
			TimelineInput{
				Records: []omnigate.CustomerRecord{{System: omnigate.Zendesk, ID: "z", CreatedAt: at(-50)}},
				Orders: []omnigate.Order{
					webOrder("w1", eur(1000), 1),
					storeOrder("s1", "L1", "London Soho", gbp(500), 2),
					storeOrder("s2", "L2", "Manchester", gbp(700), 3),
					storeOrder("s3", "L1", "London Soho (Carnaby St)", gbp(600), 4),
					cancelledStore, cancelledStore,
				},
				Events: []omnigate.EmailEvent{{ID: "e", Kind: omnigate.EmailOpened, At: at(200)}},
			},
			want{
				ltv: []string{"€10.00", "£18.00"}, aov: []string{"€10.00", "£6.00"}, count: 4,
				byChannel: map[omnigate.Channel]int{omnigate.ChannelWebshop: 1, omnigate.ChannelStore: 3},
				first:     at(-50), last: at(200),
				channels: []string{"email", "store", "support", "webshop"}, omni: true,
				preferred: omnigate.ChannelStore, storeID: "L1", store: "London Soho (Carnaby St)",
			},
		},
		{
			"ties go to the most recent",
			TimelineInput{
				Orders: []omnigate.Order{
					storeOrder("s1", "L1", "London Soho", gbp(500), 1),
					webOrder("w1", gbp(500), 2),
					storeOrder("s2", "L2", "Manchester", gbp(500), 3),
					webOrder("w2", gbp(500), 4),
				},
				Tickets: []omnigate.Ticket{{ID: "1", Via: "chat", CreatedAt: at(3)}},
			},
			want{
				ltv: []string{"£20.00"}, aov: []string{"£5.00"}, count: 4,
				byChannel: map[omnigate.Channel]int{omnigate.ChannelWebshop: 2, omnigate.ChannelStore: 2},
				first:     at(1), last: at(4),
				channels: []string{"store", "support", "webshop"}, omni: true,
				preferred: omnigate.ChannelWebshop, storeID: "L2", store: "Manchester",
			},
		},
		{
			"only cancelled orders",
			TimelineInput{Orders: []omnigate.Order{cancelledStore}},
			want{
				ltv: []string{}, aov: []string{}, byChannel: map[omnigate.Channel]int{},
				first: at(98), last: at(98), channels: []string{"store"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ComputeStats(tt.in)
			w := tt.want
			if ltv := money(got.LifetimeValue); !slices.Equal(ltv, w.ltv) {
				t.Errorf("lifetime value = %v, want %v", ltv, w.ltv)
			}
			if aov := money(got.AverageOrderValue); !slices.Equal(aov, w.aov) {
				t.Errorf("average order value = %v, want %v", aov, w.aov)
			}
			if got.OrderCount != w.count || !maps.Equal(got.OrdersByChannel, w.byChannel) {
				t.Errorf("orders = %d %v, want %d %v", got.OrderCount, got.OrdersByChannel, w.count, w.byChannel)
			}
			if !got.FirstSeen.Equal(w.first) || !got.LastSeen.Equal(w.last) {
				t.Errorf("seen %v..%v, want %v..%v", got.FirstSeen, got.LastSeen, w.first, w.last)
			}
			if !slices.Equal(got.Channels, w.channels) {
				t.Errorf("channels = %v, want %v", got.Channels, w.channels)
			}
			if got.Omnichannel != w.omni || got.PreferredChannel != w.preferred {
				t.Errorf("omnichannel %v preferred %q, want %v %q", got.Omnichannel, got.PreferredChannel, w.omni, w.preferred)
			}
			if got.PreferredStoreID != w.storeID || got.PreferredStoreName != w.store {
				t.Errorf("preferred store %q %q, want %q %q", got.PreferredStoreID, got.PreferredStoreName, w.storeID, w.store)
			}
		})
	}
}

func TestDivRound(t *testing.T) {
	for _, tt := range []struct{ a, b, want int64 }{
		{10, 4, 3}, {9, 4, 2}, {-10, 4, -3}, {-9, 4, -2}, {0, 3, 0}, {5, 0, 0}, {3001, 2, 1501},
	} {
		if got := divRound(tt.a, tt.b); got != tt.want {
			t.Errorf("divRound(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestComputeStatsAgreesWithTimeline: first and last seen and the channels
// used are exactly what the timeline shows.
func TestComputeStatsAgreesWithTimeline(t *testing.T) {
	for _, in := range []TimelineInput{customer(), longHistory(300)} {
		tps := Timeline(in)
		st := ComputeStats(in)
		channels := map[string]bool{}
		for _, tp := range tps {
			ch, _, _ := strings.Cut(tp.Channel, ":")
			channels[ch] = true
		}
		if !st.FirstSeen.Equal(tps[len(tps)-1].At) || !st.LastSeen.Equal(tps[0].At) {
			t.Errorf("seen %v..%v, timeline spans %v..%v", st.FirstSeen, st.LastSeen, tps[len(tps)-1].At, tps[0].At)
		}
		if want := slices.Sorted(maps.Keys(channels)); !slices.Equal(st.Channels, want) {
			t.Errorf("channels %v, timeline has %v", st.Channels, want)
		}
	}
}
