package square

import (
	"strings"
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
	"github.com/omnigate/omnigate/sources/upstream"
)

// FuzzDecode feeds arbitrary bytes to everything that reads Square's
// answers: the decoders, the conversions to omnigate's types, phone reading
// and error messages. None may panic, and no message may show the token.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"customers":[{"id":"JDKYHBWT1D4F8MFH63DBMEN8Y4","given_name":"Amelia","email_address":"a@b.c","phone_number":"07700 900077","address":{"country":"GB"},"created_at":"2024-01-10T12:00:00.000Z","version":1}],"cursor":"abc"}`))
	f.Add([]byte(`{"orders":[{"id":"CAISENgvlJ6jLWAAERDoCHY2Sjo","location_id":"L1","customer_id":"C1","state":"OPEN","line_items":[{"uid":"x","quantity":"2.5","catalog_object_id":"V1","base_price_money":{"amount":1500,"currency":"GBP"},"total_money":{"amount":3750,"currency":"GBP"}}],"total_money":{"amount":3750,"currency":"GBP"},"created_at":"2024-02-01T15:30:00Z"}]}`))
	f.Add([]byte(`{"counts":[{"catalog_object_id":"V1","state":"IN_STOCK","location_id":"L1","quantity":"-1e400","calculated_at":"nope"}]}`))
	f.Add([]byte(`{"errors":[{"category":"AUTHENTICATION_ERROR","code":"UNAUTHORIZED","detail":"Bearer EAAAEsecret-token is wrong","field":"x"}]}`))
	f.Add([]byte(`{"responses":{"X":{"errors":[{"code":"NOT_FOUND"}]},"Y":{"customer":null}}}`))
	f.Add([]byte(`{"orders":[{"line_items":[{"quantity":"NaN"}]}],"customers":[{"phone_number":"+"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		const token = "EAAAEsecret-token"
		var orders apis.SearchOrdersResponse
		if upstream.Unmarshal(b, &orders) == nil {
			skus := map[string]variationInfo{"V1": {SKU: "S1"}}
			for _, o := range orders.Orders {
				_ = toOrder(o, Location{}, skus)
				_ = toCart(o, Location{Name: "x"}, skus)
			}
		}
		var cs apis.SearchCustomersResponse
		if upstream.Unmarshal(b, &cs) == nil {
			for _, c := range cs.Customers {
				r := customerRecord(c, "GB")
				for _, p := range r.Phones {
					_ = storedE164(p, r.Country)
					_ = storedE164(p, "")
				}
			}
		}
		var bulk apis.BulkRetrieveCustomersResponse
		_ = upstream.Unmarshal(b, &bulk)
		var counts apis.BatchRetrieveInventoryCountsResponse
		if upstream.Unmarshal(b, &counts) == nil {
			for _, c := range counts.Counts {
				_ = quantity(c.Quantity)
				_ = parseTime(c.CalculatedAt)
			}
		}
		if msg := errorMessage(b, token); strings.Contains(msg, token) {
			t.Fatalf("error message shows the token: %q", msg)
		}
	})
}
