package square

import (
	"context"
	"testing"

	"github.com/omnigate/omnigate/channelsim/world"
)

// A sale can name its customer on the payment only: Square links a
// customer "on the order (or the payment)", and its customer filter finds
// an order by "the order customer_id and any tender customer_id". Such a
// sale is the customer's all the same: it is listed, and its store gives a
// customer without an address a country.
func TestSaleLinkedThroughItsPaymentBelongsToTheCustomer(t *testing.T) {
	w := shopWorld()
	line := world.Line{ID: "uid-shirt", SKU: "SKU-SHIRT-1", Name: "Oxford Shirt", Quantity: 1, UnitPrice: world.Money{Cents: 5900, Currency: "USD"}}
	w.POSOrders = append(w.POSOrders,
		world.POSOrder{ID: "ORDB1000000000000000000006", LocationID: locLondon, TenderCustomerID: custBob, State: "COMPLETED", Currency: "GBP", Source: "Register", ReferenceID: "R-ORDB10",
			Lines:     []world.Line{{ID: "uid-mug", SKU: "SKU-MUG-10", Name: "Enamel Mug", Quantity: 2, UnitPrice: world.Money{Cents: 1200, Currency: "GBP"}}},
			CreatedAt: t0.AddDate(0, 0, 6), UpdatedAt: t0.AddDate(0, 0, 6), ClosedAt: t0.AddDate(0, 0, 6), Version: 2},
		world.POSOrder{ID: "ORDE1000000000000000000007", LocationID: locNewYork, TenderCustomerID: custEve, State: "COMPLETED", Currency: "USD", Source: "Register", ReferenceID: "R-ORDE10",
			Lines: []world.Line{line}, CreatedAt: t0.AddDate(0, 0, 7), UpdatedAt: t0.AddDate(0, 0, 7), ClosedAt: t0.AddDate(0, 0, 7), Version: 2},
	)
	e := setup(t, w)
	c := e.client(t)
	ctx := context.Background()

	orders, err := c.OrdersByCustomer(ctx, []string{custBob, custAlice})
	if err != nil {
		t.Fatal(err)
	}
	bob := orders[custBob]
	if len(bob) != 1 || bob[0].ID != "ORDB1000000000000000000006" || bob[0].CustomerID != custBob || bob[0].StoreName != "London Soho" || len(bob[0].Lines) != 1 || bob[0].Lines[0].SKU != "SKU-MUG-10" {
		t.Fatalf("Bob's sale paid under his name is missing or wrong: %+v (all: %+v)", bob, orders)
	}
	if len(orders[custAlice]) != 2 {
		t.Fatalf("Alice's sales: %+v", orders[custAlice])
	}

	// Eve has no address and bought once, in New York, under her name on
	// the payment: her country is that store's.
	recs, err := c.GetCustomers(ctx, []string{custEve})
	if err != nil {
		t.Fatal(err)
	}
	if got := recs[custEve].Country; got != "US" {
		t.Fatalf("Eve's country is %q, want US from the store of her first sale", got)
	}
}
