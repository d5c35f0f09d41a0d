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
