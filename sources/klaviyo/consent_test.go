package klaviyo

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
)

func TestRecordsCarryExplicitConsents(t *testing.T) {
	d := fixture(t)
	// A refusal whose consent_timestamp Klaviyo left out takes the time the
	// consent object was last changed; a never-subscribed channel with a
	// last_updated is still no statement.
	changed := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	d.Profiles = append(d.Profiles, api.Profile{ID: "01GDDKASAP8TKDDA2GRZDSVP4L", Attributes: api.ProfileAttributes{
		Email: api.String("late@example.com"),
		Subscriptions: &api.Subscriptions{
			Email: &api.EmailChannel{Marketing: &api.EmailMarketing{Consent: api.ConsentUnsubscribed, LastUpdated: api.NewDateTime(changed),
				Suppression: []api.EmailSuppression{}, ListSuppressions: []api.ListSuppression{}}},
			SMS: &api.SMSChannel{Marketing: &api.SMSMarketing{Consent: api.ConsentNeverSubscribed, LastUpdated: api.NewDateTime(changed)}},
		},
	}})
	e := setup(t, d)
	ctx := context.Background()
	eps, recs, err := e.c.ProfilesAndRecords(ctx, []string{sarah, jan, minID, "01GDDKASAP8TKDDA2GRZDSVP4L"})
	if err != nil {
		t.Fatal(err)
	}
	str := func(cs []omnigate.Consent) string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("%s %s %s %s %s", c.Channel, c.Status, c.Method, c.Source, c.At.UTC().Format(time.RFC3339)))
		}
		return strings.Join(out, "; ")
	}
	want := map[string]string{
		sarah:                        "email SUBSCRIBED FORM klaviyo 2023-02-21T20:07:38Z; sms SUBSCRIBED IN_STORE klaviyo 2023-03-01T10:00:00Z",
		jan:                          "email UNSUBSCRIBED UNSUBSCRIBE_LINK klaviyo 2023-04-01T08:30:00Z",
		minID:                        "",
		"01GDDKASAP8TKDDA2GRZDSVP4L": "email UNSUBSCRIBED  klaviyo 2024-05-06T07:08:09Z",
	}
	for id, w := range want {
		if got := str(recs[id].Consents); got != w {
			t.Errorf("record %s consents:\n got %q\nwant %q", id, got, w)
		}
	}
	late := eps["01GDDKASAP8TKDDA2GRZDSVP4L"].Consents
	if len(late) != 2 || !late[0].At.Equal(changed) || late[1].Status != omnigate.ConsentNeverSubscribed || !late[1].At.IsZero() {
		t.Errorf("email profile consents %+v", late)
	}
	// Records found without their subscriptions carry no consent: absent
	// is not a refusal.
	found, err := e.c.FindCustomers(ctx, omnigate.KindEmail, "late@example.com")
	if err != nil || len(found) != 1 || found[0].Consents != nil {
		t.Errorf("FindCustomers: %+v, %v", found, err)
	}
}
