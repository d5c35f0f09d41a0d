package commercetools

import (
	"encoding/json"
	"testing"

	ct "github.com/omnigate/omnigate/apis/commercetools"
	sim "github.com/omnigate/omnigate/channelsim/commercetools"
	"github.com/omnigate/omnigate/sources/upstream"
)

// FuzzDecode feeds arbitrary bytes to every decoding the connector does of
// the API's answers; none may panic.
func FuzzDecode(f *testing.F) {
	d := sim.FromWorld(testWorld(4))
	for _, v := range []any{
		ct.PagedQueryResponse[ct.Customer]{Results: d.Customers},
		ct.PagedQueryResponse[ct.Order]{Results: d.Orders},
		ct.PagedQueryResponse[ct.Cart]{Results: d.Carts},
		ct.PagedQueryResponse[ct.ShoppingList]{Results: d.ShoppingLists},
		ct.PagedQueryResponse[ct.InventoryEntry]{Results: d.Inventory},
		ct.ErrorResponse{StatusCode: 400, Message: "m", Errors: []ct.ErrorObject{{Code: "InvalidInput", Message: "m"}}},
	} {
		b, _ := json.Marshal(v)
		f.Add(b)
	}
	f.Add([]byte(`{"results":[{"addresses":[{"phone":"+1"}],"locale":"x-"}]}`))
	f.Add([]byte(`{"results":[{"lineItems":[{"name":{}}],"store":null}]}`))
	f.Add([]byte(`{"access_token":"t","token_type":"Bearer","expires_in":-5}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cs ct.PagedQueryResponse[ct.Customer]
		if upstream.Unmarshal(b, &cs) == nil {
			for _, c := range cs.Results {
				customerRecord(c)
			}
		}
		var os ct.PagedQueryResponse[leanOrder]
		if upstream.Unmarshal(b, &os) == nil {
			for _, o := range os.Results {
				lineItems(o.LineItems, "de-DE")
				o.TotalPrice.money()
			}
		}
		var ks ct.PagedQueryResponse[leanCart]
		if upstream.Unmarshal(b, &ks) == nil {
			for _, k := range ks.Results {
				lineItems(k.LineItems, "")
			}
		}
		var ps ct.PagedQueryResponse[ct.ProductProjection]
		if upstream.Unmarshal(b, &ps) == nil {
			for _, p := range ps.Results {
				localized(p.Name, "en-GB")
				localized(p.Description, "")
			}
		}
		var tok ct.TokenResponse
		_ = upstream.Unmarshal(b, &tok)
		_ = errorMessage(400, b)
	})
}
