package view

import (
	"slices"
	"testing"

	"github.com/omnigate/omnigate"
)

func orderIDs(os []omnigate.Order) []string {
	ids := make([]string, len(os))
	for i, o := range os {
		ids[i] = string(o.System) + "/" + o.ID
	}
	return ids
}

func TestOrders(t *testing.T) {
	web := []omnigate.Order{
		{System: omnigate.Commercetools, ID: "w1", Channel: omnigate.ChannelWebshop, CreatedAt: at(10)},
		{System: omnigate.Commercetools, ID: "w2", Channel: omnigate.ChannelWebshop, CreatedAt: at(30)},
	}
	store := []omnigate.Order{
		{System: omnigate.Square, ID: "s1", Channel: omnigate.ChannelStore, CreatedAt: at(20)},
		{System: omnigate.Square, ID: "s0", Channel: omnigate.ChannelStore, CreatedAt: at(30)}, // ties w2
		{System: omnigate.Square, ID: "s2", CreatedAt: at(5)},                                  // channel left empty
	}
	tests := []struct {
		name    string
		lists   [][]omnigate.Order
		channel omnigate.Channel
		want    []string
	}{
		{"no data", nil, "", []string{}},
		{"empty lists", [][]omnigate.Order{nil, {}}, "", []string{}},
		{"one list", [][]omnigate.Order{web}, "", []string{"commercetools/w2", "commercetools/w1"}},
		{"merged newest first, ties by system then id", [][]omnigate.Order{store, web}, "",
			[]string{"commercetools/w2", "square/s0", "square/s1", "commercetools/w1", "square/s2"}},
		{"store only, empty channel inferred from system", [][]omnigate.Order{web, store}, omnigate.ChannelStore,
			[]string{"square/s0", "square/s1", "square/s2"}},
		{"webshop only", [][]omnigate.Order{web, store}, omnigate.ChannelWebshop,
			[]string{"commercetools/w2", "commercetools/w1"}},
		{"unknown channel matches nothing", [][]omnigate.Order{web, store}, "kiosk", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := make([][]omnigate.Order, len(tt.lists))
			for i, l := range tt.lists {
				in[i] = slices.Clone(l)
			}
			got := Orders(in, tt.channel)
			if ids := orderIDs(got); !slices.Equal(ids, tt.want) {
				t.Errorf("got %v, want %v", ids, tt.want)
			}
			for i := range in {
				if !slices.EqualFunc(in[i], tt.lists[i], func(a, b omnigate.Order) bool { return a.ID == b.ID }) {
					t.Errorf("input list %d was reordered", i)
				}
			}
		})
	}
}
