package square

import (
	"slices"
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/world"
)

// Square's customer filter is "based on the order customer_id and any
// tender customer_id associated with the order": a sale whose customer was
// named on the payment only is found by that customer, and carries no
// customer_id of its own.
func TestOrderSearchFindsTheTendersCustomer(t *testing.T) {
	w := smallWorld()
	w.POSOrders = append(w.POSOrders, world.POSOrder{ID: "ORDCAROL2PAID00000000000008", LocationID: locNewYork, TenderCustomerID: custCarol, State: "COMPLETED", Currency: "USD", Source: "Register",
		Lines: []world.Line{{SKU: skuShirt, Name: "Oxford Shirt", Quantity: 1, UnitPrice: world.Money{Cents: 5900, Currency: "USD"}}}, CreatedAt: t0.AddDate(0, 0, 7), UpdatedAt: t0.AddDate(0, 0, 7), ClosedAt: t0.AddDate(0, 0, 7), Version: 3})
	e := setup(t, FromWorld(w))
	var out apis.SearchOrdersResponse
	e.ok("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon, locLeeds, locNewYork},
		Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{custCarol, custAlice}}, StateFilter: &apis.SearchOrdersStateFilter{States: []string{"COMPLETED"}}}}}, &out)
	if got, want := orderIDs(out.Orders), []string{"ORDCAROL2PAID00000000000008", "ORDALICE2LEEDS0000000000002", "ORDCAROL1NYC000000000000005", "ORDALICE1LONDON000000000001"}; !slices.Equal(got, want) {
		t.Fatalf("orders %v, want %v", got, want)
	}
	o := out.Orders[0]
	if o.CustomerID != "" || len(o.Tenders) != 1 || o.Tenders[0].CustomerID != custCarol || o.Tenders[0].AmountMoney == nil || *o.Tenders[0].AmountMoney != *o.TotalMoney {
		t.Fatalf("the order paid under Carol's name: %+v", o)
	}
}
