package commercetools

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	sim "github.com/omnigate/omnigate/channelsim/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/sources/internal/capture"
)

// The decode benchmarks time upstream.Unmarshal (what every call decodes
// with) of one real answer of each of the webshop's hot endpoints (what a
// customer 360 asks) into the types the connector decodes into. The answers
// come from the simulator serving a generated world, fetched once by the
// connector itself for the customer with the most orders (the most active
// carts for the carts query).

// benchBodies are the answers, by endpoint: "orders", "carts", "customers".
var benchBodies = sync.OnceValues(func() (map[string]capture.Answer, error) {
	w, url, rec, stop, err := capture.Serve(func(w *world.World) http.Handler {
		return sim.New(harness.New(), sim.FromWorld(w), sim.DemoCredentials)
	})
	if err != nil {
		return nil, err
	}
	defer stop()
	creds := sim.DemoCredentials
	c, err := New(Config{BaseURL: url, ProjectKey: creds.ProjectKey, ClientID: creds.ClientID, ClientSecret: creds.ClientSecret,
		Timeout: 5 * time.Second}, &http.Client{Transport: rec})
	if err != nil {
		return nil, err
	}
	orders, carts := map[string]int{}, map[string]int{}
	for _, o := range w.WebOrders {
		if o.CustomerID != "" {
			orders[o.CustomerID]++
		}
	}
	for _, k := range w.WebCarts {
		if k.CustomerID != "" && k.State == ct.CartActive {
			carts[k.CustomerID]++
		}
	}
	ctx := context.Background()
	buyer := capture.Most(orders)
	if _, err := c.OrdersByCustomer(ctx, []string{buyer}); err != nil {
		return nil, err
	}
	if _, err := c.CartsByCustomer(ctx, []string{capture.Most(carts)}); err != nil {
		return nil, err
	}
	if _, err := c.GetCustomers(ctx, []string{buyer}); err != nil {
		return nil, err
	}
	out := map[string]capture.Answer{}
	for _, resource := range []string{"orders", "carts", "customers"} {
		out[resource] = rec.Largest("/" + creds.ProjectKey + "/" + resource)
	}
	return out, nil
})

// benchDecode times decoding one endpoint's answer into a fresh page of T.
func benchDecode[T any](b *testing.B, endpoint string) {
	capture.Decode(b, capture.Body(b, benchBodies, endpoint), endpoint,
		func(page *ct.PagedQueryResponse[T]) int { return len(page.Results) })
}

func BenchmarkDecodeOrders(b *testing.B)    { benchDecode[leanOrder](b, "orders") }
func BenchmarkDecodeCarts(b *testing.B)     { benchDecode[leanCart](b, "carts") }
func BenchmarkDecodeCustomers(b *testing.B) { benchDecode[ct.Customer](b, "customers") }

// BenchmarkDecodeCustomersConvert times decoding the customers answer and
// converting every customer into a record, as GetCustomers does.
func BenchmarkDecodeCustomersConvert(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "customers"), "customers",
		func(page *ct.PagedQueryResponse[ct.Customer]) int {
			for _, cu := range page.Results {
				if customerRecord(cu).ID == "" {
					b.Fatal("customers: a record without an id")
				}
			}
			return len(page.Results)
		})
}
