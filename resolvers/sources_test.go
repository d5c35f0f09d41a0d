package resolvers

import (
	"encoding/json"
	"testing"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/loaders"
)

// emailMarketing is null when the email system holds no profile for a
// linked id (the schema: "Null when the email system cannot be reached or
// holds no profile"), as when a profile was deleted in Klaviyo.
func TestEmailMarketingIsNullWithoutAProfile(t *testing.T) {
	id := &fakeIdentity{customers: map[string]*identity.Customer{
		"cus_1": {ID: "cus_1", Links: []identity.Link{{System: omnigate.Klaviyo, ExternalID: "gone"}}},
	}}
	src := &loaders.Sources{Email: &fakeEmail{}}
	out := serve(t, src, id, `{ customer(id: "cus_1") { emailMarketing { consent { channel status } lists received } } }`)
	data, _ := json.Marshal(out)
	if want := `{"data":{"customer":{"emailMarketing":null}}}`; string(data) != want {
		t.Fatalf("got %s, want %s", data, want)
	}
}

// A connector that panics while prefetch reads it (on a goroutine of its
// own) costs its own fields, as the same panic in a dataloader batch does,
// not the process and not the customer's other fields.
func TestAPanickingSourceCostsOnlyItsFields(t *testing.T) {
	id := &fakeIdentity{customers: map[string]*identity.Customer{
		"cus_1": {ID: "cus_1", Links: []identity.Link{
			{System: omnigate.Commercetools, ExternalID: "ct1"},
			{System: omnigate.Klaviyo, ExternalID: "k1"},
		}},
	}}
	src := &loaders.Sources{
		Orders: map[omnigate.System]omnigate.OrderSource{omnigate.Commercetools: panicOrders{}},
		Email: &fakeEmail{profiles: map[string]omnigate.EmailProfile{
			"k1": {ID: "k1", Consents: []omnigate.Consent{{Channel: "email", Status: omnigate.ConsentSubscribed}}},
		}},
	}
	out := serve(t, src, id, `{ customer(id: "cus_1") { id orders { totalCount } emailMarketing { consent { channel status } } } }`)
	errs, _ := out["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("errors = %v; want one, for orders", out["errors"])
	}
	if path, _ := errs[0].(map[string]any)["path"].([]any); len(path) != 2 || path[1] != "orders" {
		t.Errorf("error path = %v; want [customer orders]", path)
	}
	c, _ := out["data"].(map[string]any)["customer"].(map[string]any)
	if c == nil || c["id"] != "cus_1" || c["emailMarketing"] == nil {
		t.Fatalf("customer = %v; want its id and emailMarketing despite the orders' failure", c)
	}
}
