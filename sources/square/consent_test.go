package square

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
)

func TestRecordsCarryEmailRefusal(t *testing.T) {
	w := shopWorld()
	changed := t0.Add(36 * time.Hour)
	for i := range w.POSCustomers {
		if w.POSCustomers[i].ID == custBob {
			w.POSCustomers[i].EmailUnsubscribed = true
			w.POSCustomers[i].UpdatedAt = changed
		}
	}
	e := setup(t, w)
	c := e.client(t)
	got, err := c.GetCustomers(context.Background(), []string{custAlice, custBob})
	if err != nil {
		t.Fatal(err)
	}
	// Square keeps no time for the refusal: it takes the profile's
	// updated_at.
	if cs := got[custBob].Consents; fmt.Sprint(cs) != fmt.Sprint([]omnigate.Consent{{Channel: "email", Status: omnigate.ConsentUnsubscribed, At: changed, Source: omnigate.Square}}) {
		t.Errorf("bob: %+v", cs)
	}
	// email_unsubscribed false is Square's default, not a consent.
	if cs := got[custAlice].Consents; cs != nil {
		t.Errorf("alice: %+v", cs)
	}
	found, err := c.FindCustomers(context.Background(), omnigate.KindEmail, "bob@example.co.uk")
	if err != nil || len(found) != 1 || len(found[0].Consents) != 1 || !found[0].Consents[0].At.Equal(changed) {
		t.Errorf("FindCustomers: %+v, %v", found, err)
	}
}
