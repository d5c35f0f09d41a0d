package square

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/channelsim/harness"
	sim "github.com/omnigate/omnigate/channelsim/square"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/sources/internal/capture"
)

// The decode benchmarks time upstream.Unmarshal (what every call decodes
// with) of one real answer of each of the point of sale's hot endpoints
// (what a customer 360 asks) into the types the connector decodes into. The
// answers come from the simulator serving a generated world, fetched once by
// the connector itself for the customer with the most sales (the most parked
// sales for the carts search).

// benchBodies are the answers, by endpoint: "orders" (completed sales),
// "carts" (parked sales) and "customers" (bulk retrieve).
var benchBodies = sync.OnceValues(func() (map[string]capture.Answer, error) {
	w, url, rec, stop, err := capture.Serve(func(w *world.World) http.Handler {
		return sim.New(harness.New(), sim.FromWorld(w), sim.DemoCredentials)
	})
	if err != nil {
		return nil, err
	}
	defer stop()
	c, err := New(Config{BaseURL: url, AccessToken: sim.DemoCredentials.AccessToken, SquareVersion: sim.DemoCredentials.SquareVersion,
		Timeout: 5 * time.Second}, &http.Client{Transport: rec})
	if err != nil {
		return nil, err
	}
	sales, parked := map[string]int{}, map[string]int{}
	for _, o := range w.POSOrders {
		switch {
		case o.CustomerID == "":
		case o.State == apis.OrderCompleted:
			sales[o.CustomerID]++
		case o.State == apis.OrderOpen:
			parked[o.CustomerID]++
		}
	}
	ctx := context.Background()
	buyer := capture.Most(sales)
	out := map[string]capture.Answer{}
	if _, err := c.OrdersByCustomer(ctx, []string{buyer}); err != nil {
		return nil, err
	}
	out["orders"] = rec.Take("/v2/orders/search")
	if _, err := c.CartsByCustomer(ctx, []string{capture.Most(parked)}); err != nil {
		return nil, err
	}
	out["carts"] = rec.Take("/v2/orders/search")
	if _, err := c.GetCustomers(ctx, []string{buyer}); err != nil {
		return nil, err
	}
	out["customers"] = rec.Take("/v2/customers/bulk-retrieve")
	return out, nil
})

func benchDecodeOrders(b *testing.B, endpoint string) {
	capture.Decode(b, capture.Body(b, benchBodies, endpoint), endpoint,
		func(resp *apis.SearchOrdersResponse) int { return len(resp.Orders) })
}

func BenchmarkDecodeOrders(b *testing.B) { benchDecodeOrders(b, "orders") }
func BenchmarkDecodeCarts(b *testing.B)  { benchDecodeOrders(b, "carts") }

func BenchmarkDecodeCustomers(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "customers"), "customers",
		func(resp *apis.BulkRetrieveCustomersResponse) int {
			n := 0
			for _, r := range resp.Responses {
				if r.Customer != nil {
					n++
				}
			}
			return n
		})
}

// BenchmarkDecodeCustomersConvert times decoding the bulk retrieve answer
// and converting every customer into a record, as GetCustomers does once
// the country is known.
func BenchmarkDecodeCustomersConvert(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "customers"), "customers",
		func(resp *apis.BulkRetrieveCustomersResponse) int {
			n := 0
			for _, r := range resp.Responses {
				if r.Customer != nil && customerRecord(*r.Customer, "GB").ID != "" {
					n++
				}
			}
			return n
		})
}
