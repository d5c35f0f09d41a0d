package square

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
)

func orderIDs(os []apis.Order) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.ID)
	}
	return out
}

func TestOrderSearchFilters(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	all := []string{locLondon, locLeeds, locNewYork}
	search := func(req apis.SearchOrdersRequest) []string {
		t.Helper()
		var out apis.SearchOrdersResponse
		e.ok("POST", "/v2/orders/search", req, &out)
		return orderIDs(out.Orders)
	}
	customer := func(states []string, ids ...string) *apis.SearchOrdersQuery {
		f := &apis.SearchOrdersFilter{CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: ids}}
		if states != nil {
			f.StateFilter = &apis.SearchOrdersStateFilter{States: states}
		}
		return &apis.SearchOrdersQuery{Filter: f}
	}

	// Newest first by default.
	if got, want := search(apis.SearchOrdersRequest{LocationIDs: all, Query: customer(nil, custAlice)}), []string{"ORDALICE4CANCEL000000000004", "ORDALICE3OPEN00000000000003", "ORDALICE2LEEDS0000000000002", "ORDALICE1LONDON000000000001"}; !slices.Equal(got, want) {
		t.Fatalf("Alice's orders %v, want %v", got, want)
	}
	if got, want := search(apis.SearchOrdersRequest{LocationIDs: all, Query: customer([]string{"COMPLETED"}, custAlice, custCarol)}), []string{"ORDALICE2LEEDS0000000000002", "ORDCAROL1NYC000000000000005", "ORDALICE1LONDON000000000001"}; !slices.Equal(got, want) {
		t.Fatalf("completed %v, want %v", got, want)
	}
	// Locations filter too.
	if got, want := search(apis.SearchOrdersRequest{LocationIDs: []string{locLeeds}, Query: customer(nil, custAlice)}), []string{"ORDALICE2LEEDS0000000000002"}; !slices.Equal(got, want) {
		t.Fatalf("Leeds %v, want %v", got, want)
	}
	// Parked sales: OPEN orders.
	if got, want := search(apis.SearchOrdersRequest{LocationIDs: all, Query: customer([]string{"OPEN"}, custAlice, custBob)}), []string{"ORDBOB1OPEN0000000000000007", "ORDALICE3OPEN00000000000003"}; !slices.Equal(got, want) {
		t.Fatalf("open %v, want %v", got, want)
	}
	// A time filter with the matching sort, oldest first.
	q := &apis.SearchOrdersQuery{
		Filter: &apis.SearchOrdersFilter{DateTimeFilter: &apis.SearchOrdersDateTimeFilter{CreatedAt: &apis.TimeRange{StartAt: apis.FormatTime(t0.AddDate(0, 0, 2)), EndAt: apis.FormatTime(t0.AddDate(0, 0, 4))}}},
		Sort:   &apis.SearchOrdersSort{SortField: "CREATED_AT", SortOrder: "ASC"},
	}
	if got, want := search(apis.SearchOrdersRequest{LocationIDs: all, Query: q}), []string{"ORDCAROL1NYC000000000000005", "ORDWALKIN1000000000000000006", "ORDALICE2LEEDS0000000000002"}; !slices.Equal(got, want) {
		t.Fatalf("time range %v, want %v", got, want)
	}
	// CLOSED_AT order leaves open orders out.
	for _, id := range search(apis.SearchOrdersRequest{LocationIDs: all, Query: &apis.SearchOrdersQuery{Sort: &apis.SearchOrdersSort{SortField: "CLOSED_AT"}}}) {
		if id == "ORDALICE3OPEN00000000000003" || id == "ORDBOB1OPEN0000000000000007" {
			t.Fatalf("open order %s sorted by CLOSED_AT", id)
		}
	}
	// Entries instead of orders.
	var entries apis.SearchOrdersResponse
	e.ok("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: all, ReturnEntries: true, Query: customer(nil, custCarol)}, &entries)
	if len(entries.Orders) != 0 || len(entries.OrderEntries) != 1 || entries.OrderEntries[0].LocationID != locNewYork || entries.OrderEntries[0].Version != 3 {
		t.Fatalf("entries %+v", entries)
	}

	// Amounts are Square's: minor units with the currency, totals summed.
	var got apis.SearchOrdersResponse
	e.ok("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLeeds}, Query: customer([]string{"COMPLETED"}, custAlice)}, &got)
	o := got.Orders[0]
	if o.TotalMoney == nil || *o.TotalMoney != (apis.Money{Amount: 3200, Currency: "GBP"}) || o.NetAmountDueMoney.Amount != 0 || o.ClosedAt == "" {
		t.Fatalf("order amounts %+v", o)
	}
	if li := o.LineItems[0]; li.CatalogObjectID != "VARMUG000000000000000002" || li.Quantity != "1" || li.BasePriceMoney.Amount != 1200 || li.TotalMoney.Amount != 1200 {
		t.Fatalf("line %+v", li)
	}
}

func TestOrderSearchPagingAndLimits(t *testing.T) {
	w := smallWorld()
	for i := 0; i < 23; i++ {
		w.POSOrders = append(w.POSOrders, w.POSOrders[0])
		o := &w.POSOrders[len(w.POSOrders)-1]
		o.ID = fmt.Sprintf("ORDPAGE%020d", i)
		o.CreatedAt = t0.Add(time.Duration(i%5) * time.Minute) // ties are broken by id
	}
	e := setup(t, FromWorld(w))
	req := apis.SearchOrdersRequest{LocationIDs: []string{locLondon, locLeeds}, Limit: i64(4), Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{custAlice}}}}}
	seen := map[string]bool{}
	pages := 0
	for {
		var p apis.SearchOrdersResponse
		e.ok("POST", "/v2/orders/search", req, &p)
		pages++
		for _, o := range p.Orders {
			if seen[o.ID] {
				t.Fatalf("order %s on two pages", o.ID)
			}
			seen[o.ID] = true
		}
		if p.Cursor == "" {
			break
		}
		req.Cursor = p.Cursor
	}
	if len(seen) != 27 || pages != 7 {
		t.Fatalf("saw %d orders in %d pages, want 27 in 7", len(seen), pages)
	}

	eleven := []string{locLondon, locLondon, locLondon, locLondon, locLondon, locLondon, locLondon, locLondon, locLondon, locLondon, locLondon}
	e.fails("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: eleven}, 400, apis.CodeArrayTooLong)
	e.fails("POST", "/v2/orders/search", apis.SearchOrdersRequest{}, 400, apis.CodeMissingRequired)
	e.fails("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{"NOPE"}}, 400, apis.CodeInvalidValue)
	e.fails("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, Limit: i64(1001)}, 400, apis.CodeValueTooHigh)
	e.fails("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: make([]string, 11)}}}}, 400, apis.CodeArrayTooLong)
	e.fails("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{StateFilter: &apis.SearchOrdersStateFilter{States: []string{"PARKED"}}}}}, 400, apis.CodeInvalidEnumValue)
	mismatch := &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{DateTimeFilter: &apis.SearchOrdersDateTimeFilter{ClosedAt: &apis.TimeRange{StartAt: apis.FormatTime(t0)}}}}
	if er := e.fails("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, Query: mismatch}, 400, apis.CodeInvalidValue); er.Field != "query.sort.sort_field" {
		t.Fatalf("time filter without its sort: %+v", er)
	}
}

func TestBatchRetrieveOrders(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	var out apis.BatchRetrieveOrdersResponse
	e.ok("POST", "/v2/orders/batch-retrieve", apis.BatchRetrieveOrdersRequest{OrderIDs: []string{"ORDCAROL1NYC000000000000005", "NOSUCHORDER", "ORDALICE1LONDON000000000001"}}, &out)
	if got := orderIDs(out.Orders); !slices.Equal(got, []string{"ORDCAROL1NYC000000000000005", "ORDALICE1LONDON000000000001"}) {
		t.Fatalf("got %v", got)
	}
	out = apis.BatchRetrieveOrdersResponse{}
	e.ok("POST", "/v2/orders/batch-retrieve", apis.BatchRetrieveOrdersRequest{LocationID: locLondon, OrderIDs: []string{"ORDCAROL1NYC000000000000005", "ORDALICE1LONDON000000000001"}}, &out)
	if got := orderIDs(out.Orders); !slices.Equal(got, []string{"ORDALICE1LONDON000000000001"}) {
		t.Fatalf("with location: %v", got)
	}
	e.fails("POST", "/v2/orders/batch-retrieve", apis.BatchRetrieveOrdersRequest{OrderIDs: make([]string, 101)}, 400, apis.CodeArrayTooLong)
}

func TestCreateAndUpdateParkedSale(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	create := apis.CreateOrderRequest{
		IdempotencyKey: "park-1",
		Order: &apis.Order{
			LocationID: locNewYork,
			CustomerID: custCarol,
			Source:     &apis.OrderSource{Name: "omnigate"},
			LineItems: []apis.OrderLineItem{
				{Quantity: "2", CatalogObjectID: "VARSHIRT0000000000000001"},
				{Quantity: "1", Name: "Gift wrap", BasePriceMoney: &apis.Money{Amount: 300, Currency: "USD"}},
			},
		},
	}
	var created apis.CreateOrderResponse
	e.ok("POST", "/v2/orders", create, &created)
	o := created.Order
	if o == nil || len(o.ID) != 27 || o.State != "OPEN" || o.Version != 1 || o.CreatedAt == "" {
		t.Fatalf("created %+v", o)
	}
	// The New York price of the shirt comes from its location override.
	if li := o.LineItems[0]; li.Name != "Oxford Shirt" || li.BasePriceMoney.Amount != 5900 || li.BasePriceMoney.Currency != "USD" || li.UID == "" {
		t.Fatalf("line %+v", li)
	}
	if *o.TotalMoney != (apis.Money{Amount: 2*5900 + 300, Currency: "USD"}) || o.NetAmountDueMoney.Amount != 12100 {
		t.Fatalf("total %+v due %+v", o.TotalMoney, o.NetAmountDueMoney)
	}
	// Same key, same request: the same order. Same key, other request: refused.
	var again apis.CreateOrderResponse
	e.ok("POST", "/v2/orders", create, &again)
	if again.Order.ID != o.ID {
		t.Fatalf("idempotent create made %s and %s", o.ID, again.Order.ID)
	}
	other := create
	other.Order = &apis.Order{LocationID: locLondon}
	e.fails("POST", "/v2/orders", other, 400, apis.CodeIdempotencyKeyReused)

	// It is a parked sale of Carol's now.
	var found apis.SearchOrdersResponse
	e.ok("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locNewYork}, Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{
		StateFilter:    &apis.SearchOrdersStateFilter{States: []string{"OPEN"}},
		CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{custCarol}},
	}}}, &found)
	if got := orderIDs(found.Orders); !slices.Equal(got, []string{o.ID}) {
		t.Fatalf("open orders of Carol: %v", got)
	}

	// Sparse update: one more shirt, against the current version.
	upd := apis.UpdateOrderRequest{IdempotencyKey: "upd-1", Order: &apis.Order{LocationID: locNewYork, Version: 1, LineItems: []apis.OrderLineItem{{UID: o.LineItems[0].UID, Quantity: "3"}}}}
	var updated apis.UpdateOrderResponse
	e.ok("PUT", "/v2/orders/"+o.ID, upd, &updated)
	if updated.Order.Version != 2 || updated.Order.TotalMoney.Amount != 3*5900+300 || len(updated.Order.LineItems) != 2 {
		t.Fatalf("updated %+v", updated.Order)
	}
	// A stale version conflicts.
	stale := apis.UpdateOrderRequest{IdempotencyKey: "upd-2", Order: &apis.Order{LocationID: locNewYork, Version: 1, State: "CANCELED"}}
	if er := e.fails("PUT", "/v2/orders/"+o.ID, stale, 400, apis.CodeVersionMismatch); er.Field != "order.version" {
		t.Fatalf("mismatch %+v", er)
	}
	// Clear the gift wrap and complete the sale.
	done := apis.UpdateOrderRequest{IdempotencyKey: "upd-3", FieldsToClear: []string{"line_items[" + o.LineItems[1].UID + "]"}, Order: &apis.Order{LocationID: locNewYork, Version: 2, State: "COMPLETED"}}
	e.ok("PUT", "/v2/orders/"+o.ID, done, &updated)
	if u := updated.Order; u.State != "COMPLETED" || u.ClosedAt == "" || len(u.LineItems) != 1 || u.TotalMoney.Amount != 3*5900 || u.NetAmountDueMoney.Amount != 0 || u.Version != 3 {
		t.Fatalf("completed %+v", u)
	}
	var got apis.RetrieveOrderResponse
	e.ok("GET", "/v2/orders/"+o.ID, nil, &got)
	if got.Order.Version != 3 {
		t.Fatalf("retrieved version %d", got.Order.Version)
	}
	e.fails("PUT", "/v2/orders/"+o.ID, apis.UpdateOrderRequest{Order: &apis.Order{LocationID: locNewYork, Version: 3, TicketName: "x"}}, 400, apis.CodeBadRequest)
	e.fails("PUT", "/v2/orders/NOSUCHORDER", apis.UpdateOrderRequest{Order: &apis.Order{LocationID: locNewYork, Version: 1}}, 404, apis.CodeNotFound)
	e.fails("GET", "/v2/orders/NOSUCHORDER", nil, 404, apis.CodeNotFound)
}

func TestCreateOrderBadInput(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	cases := []struct {
		name string
		o    *apis.Order
		code string
	}{
		{"no order", nil, apis.CodeMissingRequired},
		{"unknown location", &apis.Order{LocationID: "NOPE"}, apis.CodeInvalidValue},
		{"unknown customer", &apis.Order{LocationID: locLondon, CustomerID: "NOPE"}, apis.CodeInvalidValue},
		{"unknown variation", &apis.Order{LocationID: locLondon, LineItems: []apis.OrderLineItem{{Quantity: "1", CatalogObjectID: "NOPE"}}}, apis.CodeInvalidValue},
		{"bad quantity", &apis.Order{LocationID: locLondon, LineItems: []apis.OrderLineItem{{Quantity: "two", CatalogObjectID: "VARMUG000000000000000002"}}}, apis.CodeInvalidValue},
		{"wrong currency", &apis.Order{LocationID: locLondon, LineItems: []apis.OrderLineItem{{Quantity: "1", Name: "x", BasePriceMoney: &apis.Money{Amount: 1, Currency: "USD"}}}}, apis.CodeCurrencyMismatch},
		{"completed at birth", &apis.Order{LocationID: locLondon, State: "COMPLETED"}, apis.CodeInvalidValue},
		{"taxes are not simulated", &apis.Order{LocationID: locLondon, Taxes: []byte(`[{"name":"VAT","percentage":"20"}]`)}, apis.CodeBadRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.fails("POST", "/v2/orders", apis.CreateOrderRequest{Order: c.o}, 400, c.code)
		})
	}
}

// Concurrent writers and readers of the same orders: run with -race.
func TestOrdersConcurrentUse(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var c apis.CreateOrderResponse
			if !e.okAsync(t, "POST", "/v2/orders", apis.CreateOrderRequest{Order: &apis.Order{LocationID: locLondon, CustomerID: custAlice, LineItems: []apis.OrderLineItem{{Quantity: "1", CatalogObjectID: "VARMUG000000000000000002"}}}}, &c) {
				return
			}
			var u apis.UpdateOrderResponse
			e.okAsync(t, "PUT", "/v2/orders/"+c.Order.ID, apis.UpdateOrderRequest{Order: &apis.Order{LocationID: locLondon, Version: 1, CustomerID: custBob}}, &u)
			var s apis.SearchOrdersResponse
			e.okAsync(t, "POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{custAlice, custBob}}}}}, &s)
		}(i)
	}
	wg.Wait()
	var s apis.SearchOrdersResponse
	e.ok("POST", "/v2/orders/search", apis.SearchOrdersRequest{LocationIDs: []string{locLondon}, Query: &apis.SearchOrdersQuery{Filter: &apis.SearchOrdersFilter{CustomerFilter: &apis.SearchOrdersCustomerFilter{CustomerIDs: []string{custBob}}}}}, &s)
	if len(s.Orders) != 8 {
		t.Fatalf("Bob has %d orders in London, want the 8 moved to him", len(s.Orders))
	}
}
