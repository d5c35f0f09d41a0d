package view

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

// renderLine writes a cart line compactly: "SKU qty unit total <- origins".
func renderLine(l CartLine) string {
	var o []string
	for _, x := range l.Origins {
		o = append(o, fmt.Sprintf("%s/%s x%d@%s=%s", x.System, x.CartID, x.Quantity, FormatMoney(x.UnitPrice), FormatMoney(x.Total)))
	}
	return fmt.Sprintf("%s %q x%d @%s =%s <- %s", l.SKU, l.Name, l.Quantity, FormatMoney(l.UnitPrice), FormatMoney(l.Total), strings.Join(o, ", "))
}

func renderCart(c Cart) (lines []string, totals string, carts []string) {
	lines = []string{}
	for _, l := range c.Lines {
		lines = append(lines, renderLine(l))
	}
	var ts []string
	for _, m := range c.Totals {
		ts = append(ts, FormatMoney(m))
	}
	carts = []string{}
	for _, x := range c.Carts {
		carts = append(carts, x.ID)
	}
	return lines, strings.Join(ts, " + "), carts
}

func webCart(id string, updated time.Time, lines ...omnigate.LineItem) omnigate.Cart {
	return omnigate.Cart{System: omnigate.Commercetools, ID: id, Channel: omnigate.ChannelWebshop, Lines: lines, CreatedAt: updated.Add(-time.Hour), UpdatedAt: updated}
}

func parked(id string, updated time.Time, lines ...omnigate.LineItem) omnigate.Cart {
	return omnigate.Cart{System: omnigate.Square, ID: id, Channel: omnigate.ChannelStore, StoreID: "L1", StoreName: "London Soho", Lines: lines, CreatedAt: updated.Add(-time.Hour), UpdatedAt: updated}
}

func TestUnifiedCart(t *testing.T) {
	discounted := line("A", 2, gbp(1000))
	discounted.Total = gbp(1500)
	noSKU := func(name string, qty int64, unit omnigate.Money) omnigate.LineItem {
		l := line("", qty, unit)
		l.Name = name
		return l
	}
	tests := []struct {
		name      string
		carts     []omnigate.Cart
		lines     []string
		totals    string
		items     int64
		carts2    []string
		updatedAt time.Time
	}{
		{name: "no carts", lines: []string{}, carts2: []string{}},
		{
			name:  "empty carts contribute nothing",
			carts: []omnigate.Cart{webCart("c1", at(50)), parked("p1", at(60), line("A", 0, gbp(100)))},
			lines: []string{}, carts2: []string{},
		},
		{
			name:  "one web cart",
			carts: []omnigate.Cart{webCart("c1", at(10), line("B", 1, gbp(500)), line("A", 2, gbp(1000)))},
			lines: []string{
				`A "Item A" x2 @£10.00 =£20.00 <- commercetools/c1 x2@£10.00=£20.00`,
				`B "Item B" x1 @£5.00 =£5.00 <- commercetools/c1 x1@£5.00=£5.00`,
			},
			totals: "£25.00", items: 3, carts2: []string{"c1"}, updatedAt: at(10),
		},
		{
			name: "same SKU in web cart and parked sale: one line, both origins",
			carts: []omnigate.Cart{
				webCart("c1", at(10), line("A", 2, gbp(1000))),
				parked("p1", at(20), line("A", 1, gbp(1000))),
			},
			lines:  []string{`A "Item A" x3 @£10.00 =£30.00 <- square/p1 x1@£10.00=£10.00, commercetools/c1 x2@£10.00=£20.00`},
			totals: "£30.00", items: 3, carts2: []string{"p1", "c1"}, updatedAt: at(20),
		},
		{
			name: "unit prices differ: newest cart's price, total is the sum of origin totals",
			carts: []omnigate.Cart{
				webCart("c1", at(30), line("A", 2, gbp(900))),
				parked("p1", at(20), line("A", 1, gbp(1000))),
			},
			lines:  []string{`A "Item A" x3 @£9.00 =£28.00 <- commercetools/c1 x2@£9.00=£18.00, square/p1 x1@£10.00=£10.00`},
			totals: "£28.00", items: 3, carts2: []string{"c1", "p1"}, updatedAt: at(30),
		},
		{
			name: "two currencies never merge or sum",
			carts: []omnigate.Cart{
				webCart("c1", at(10), line("A", 1, eur(1200))),
				parked("p1", at(10), line("A", 1, gbp(1000))),
			},
			lines: []string{
				`A "Item A" x1 @€12.00 =€12.00 <- commercetools/c1 x1@€12.00=€12.00`,
				`A "Item A" x1 @£10.00 =£10.00 <- square/p1 x1@£10.00=£10.00`,
			},
			totals: "€12.00 + £10.00", items: 2, carts2: []string{"c1", "p1"}, updatedAt: at(10),
		},
		{
			name: "lines by most recent cart activity, then SKU",
			carts: []omnigate.Cart{
				webCart("old", at(5), line("Z", 1, gbp(100)), line("A", 1, gbp(100))),
				parked("new", at(50), line("M", 1, gbp(100)), line("C", 1, gbp(100))),
			},
			lines: []string{
				`C "Item C" x1 @£1.00 =£1.00 <- square/new x1@£1.00=£1.00`,
				`M "Item M" x1 @£1.00 =£1.00 <- square/new x1@£1.00=£1.00`,
				`A "Item A" x1 @£1.00 =£1.00 <- commercetools/old x1@£1.00=£1.00`,
				`Z "Item Z" x1 @£1.00 =£1.00 <- commercetools/old x1@£1.00=£1.00`,
			},
			totals: "£4.00", items: 4, carts2: []string{"new", "old"}, updatedAt: at(50),
		},
		{
			name:   "a discounted line total is kept",
			carts:  []omnigate.Cart{webCart("c1", at(10), discounted)},
			lines:  []string{`A "Item A" x2 @£10.00 =£15.00 <- commercetools/c1 x2@£10.00=£15.00`},
			totals: "£15.00", items: 2, carts2: []string{"c1"}, updatedAt: at(10),
		},
		{
			name: "lines without SKU never merge across carts; same SKU twice in a cart is one origin",
			carts: []omnigate.Cart{
				webCart("c1", at(10), noSKU("Gift wrap", 1, gbp(300)), line("A", 1, gbp(100)), line("A", 2, gbp(100))),
				parked("p1", at(10), noSKU("Gift wrap", 1, gbp(300))),
			},
			lines: []string{
				` "Gift wrap" x1 @£3.00 =£3.00 <- commercetools/c1 x1@£3.00=£3.00`,
				` "Gift wrap" x1 @£3.00 =£3.00 <- square/p1 x1@£3.00=£3.00`,
				`A "Item A" x3 @£1.00 =£3.00 <- commercetools/c1 x3@£1.00=£3.00`,
			},
			totals: "£9.00", items: 5, carts2: []string{"c1", "p1"}, updatedAt: at(10),
		},
		{
			// Square finds a parked sale by its own customer and by the
			// customer its payment names: two records of one customer read
			// in two calls give it twice.
			name: "a cart read twice counts once",
			carts: []omnigate.Cart{
				parked("p1", at(20), line("A", 2, gbp(1000))),
				webCart("c1", at(10), line("A", 1, gbp(1000))),
				parked("p1", at(20), line("A", 2, gbp(1000))),
			},
			lines:  []string{`A "Item A" x3 @£10.00 =£30.00 <- square/p1 x2@£10.00=£20.00, commercetools/c1 x1@£10.00=£10.00`},
			totals: "£30.00", items: 3, carts2: []string{"p1", "c1"}, updatedAt: at(20),
		},
		{
			name: "a line without a total costs quantity × unit price",
			carts: []omnigate.Cart{{System: omnigate.Square, ID: "p1", UpdatedAt: at(3), Lines: []omnigate.LineItem{
				{SKU: "A", Name: "Item A", Quantity: 3, UnitPrice: gbp(250)},
			}}},
			lines:  []string{`A "Item A" x3 @£2.50 =£7.50 <- square/p1 x3@£2.50=£7.50`},
			totals: "£7.50", items: 3, carts2: []string{"p1"}, updatedAt: at(3),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := UnifiedCart(tt.carts)
			lines, totals, carts := renderCart(got)
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("lines:\n got %q\nwant %q", lines, tt.lines)
			}
			if totals != tt.totals {
				t.Errorf("totals = %q, want %q", totals, tt.totals)
			}
			if got.ItemCount != tt.items {
				t.Errorf("item count = %d, want %d", got.ItemCount, tt.items)
			}
			if !slices.Equal(carts, tt.carts2) {
				t.Errorf("carts = %v, want %v", carts, tt.carts2)
			}
			if !got.UpdatedAt.Equal(tt.updatedAt) {
				t.Errorf("updated at = %v, want %v", got.UpdatedAt, tt.updatedAt)
			}
		})
	}
}

func TestUnifiedCartOriginDetails(t *testing.T) {
	p := parked("p1", at(1), line("A", 1, gbp(100)))
	p.Channel = "" // inferred from the system
	got := UnifiedCart([]omnigate.Cart{p})
	want := CartOrigin{System: omnigate.Square, Channel: omnigate.ChannelStore, CartID: "p1", StoreID: "L1", StoreName: "London Soho", Quantity: 1, UnitPrice: gbp(100), Total: gbp(100)}
	if len(got.Lines) != 1 || len(got.Lines[0].Origins) != 1 || got.Lines[0].Origins[0] != want {
		t.Fatalf("origin = %+v, want %+v", got.Lines, want)
	}
}
