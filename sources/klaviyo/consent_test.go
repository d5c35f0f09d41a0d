package klaviyo

import (
	"context"
	"encoding/json"
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

// TestSuppression reads profiles whose subscriptions are written as the
// spec shapes them (and checked against its schema): the email consent
// carries the most recent global suppression, whatever the order Klaviyo
// lists them in, without changing the consent; list suppressions, an empty
// suppression and sms (for which Klaviyo gives no reason) carry none.
func TestSuppression(t *testing.T) {
	const never = `"sms":{"marketing":{"can_receive_sms_marketing":false,"consent":"NEVER_SUBSCRIBED"}}`
	cases := []struct {
		id, subscriptions string
		email             string // consent, suppression and its time the email profile reads
		record            string // the record's explicit email consent
	}{
		{"01SUPPRESSEDBOUNCE00000000A",
			`{"email":{"marketing":{"can_receive_email_marketing":false,"consent":"SUBSCRIBED","consent_timestamp":"2023-02-21T20:07:38+00:00","method":"FORM",` +
				`"suppression":[{"reason":"HARD_BOUNCE","timestamp":"2024-06-01T09:00:00+00:00"}],"list_suppressions":[]}},` + never + `}`,
			"SUBSCRIBED HARD_BOUNCE 2024-06-01T09:00:00Z", "SUBSCRIBED HARD_BOUNCE 2024-06-01T09:00:00Z"},
		{"01SUPPRESSEDNONE000000000B",
			`{"email":{"marketing":{"can_receive_email_marketing":true,"consent":"SUBSCRIBED","consent_timestamp":"2023-02-21T20:07:38+00:00",` +
				`"suppression":[],"list_suppressions":[{"list_id":"Y6nRLr","reason":"USER_SUPPRESSED","timestamp":"2024-06-01T09:00:00+00:00"}]}},` + never + `}`,
			"SUBSCRIBED  ", "SUBSCRIBED  "},
		{"01SUPPRESSEDSEVERAL00000C",
			`{"email":{"marketing":{"can_receive_email_marketing":false,"consent":"UNSUBSCRIBED","consent_timestamp":"2023-04-01T08:30:00+00:00",` +
				`"suppression":[{"reason":"SPAM_COMPLAINT","timestamp":"2024-01-02T03:04:05+00:00"},{"reason":"UNSUBSCRIBE","timestamp":"2023-04-01T08:30:00+00:00"}]}},` + never + `}`,
			"UNSUBSCRIBED SPAM_COMPLAINT 2024-01-02T03:04:05Z", "UNSUBSCRIBED SPAM_COMPLAINT 2024-01-02T03:04:05Z"},
		{"01SUPPRESSEDSAMETIME0000D",
			`{"email":{"marketing":{"can_receive_email_marketing":false,"consent":"SUBSCRIBED","consent_timestamp":"2023-02-21T20:07:38+00:00",` +
				`"suppression":[{"reason":"USER_SUPPRESSED","timestamp":"2024-03-03T00:00:00+00:00"},{"reason":"INVALID_EMAIL","timestamp":"2024-03-03T00:00:00+00:00"},` +
				`{"reason":"HARD_BOUNCE","timestamp":"2023-12-01T00:00:00+00:00"}]}},` + never + `}`,
			"SUBSCRIBED INVALID_EMAIL 2024-03-03T00:00:00Z", "SUBSCRIBED INVALID_EMAIL 2024-03-03T00:00:00Z"},
		{"01SUPPRESSEDNEVER00000000E",
			`{"email":{"marketing":{"can_receive_email_marketing":false,"consent":"NEVER_SUBSCRIBED","suppression":[{"reason":"INVALID_EMAIL","timestamp":"2024-05-05T05:05:05+00:00"}]}},` +
				`"sms":{"marketing":{"can_receive_sms_marketing":false,"consent":"SUBSCRIBED","consent_timestamp":"2024-01-01T00:00:00+00:00","method":"TEXT"}}}`,
			"NEVER_SUBSCRIBED INVALID_EMAIL 2024-05-05T05:05:05Z", ""},
	}
	d := fixture(t)
	klaviyoSpec(t)
	schema := specDoc.Components.Schemas["Subscriptions"].Value
	var ids []string
	for i, c := range cases {
		var v any
		if err := json.Unmarshal([]byte(c.subscriptions), &v); err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if err := schema.VisitJSON(v); err != nil {
			t.Fatalf("%s: the subscriptions do not match the spec: %v", c.id, err)
		}
		var subs api.Subscriptions
		if err := json.Unmarshal([]byte(c.subscriptions), &subs); err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		d.Profiles = append(d.Profiles, api.Profile{Type: api.TypeProfile, ID: c.id, Attributes: api.ProfileAttributes{
			Email: api.String(fmt.Sprintf("suppressed%d@example.com", i)), Subscriptions: &subs,
		}})
		ids = append(ids, c.id)
	}
	e := setup(t, d)
	eps, recs, err := e.c.ProfilesAndRecords(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	read := func(c omnigate.Consent) string {
		at := ""
		if !c.SuppressedAt.IsZero() {
			at = c.SuppressedAt.UTC().Format(time.RFC3339)
		}
		return fmt.Sprintf("%s %s %s", c.Status, c.Suppressed, at)
	}
	for _, c := range cases {
		p := eps[c.id]
		if len(p.Consents) != 2 || p.Consents[0].Channel != "email" || p.Consents[1].Channel != "sms" {
			t.Errorf("%s: consents %+v", c.id, p.Consents)
			continue
		}
		if got := read(p.Consents[0]); got != c.email {
			t.Errorf("%s: email profile reads %q, want %q", c.id, got, c.email)
		}
		if sms := p.Consents[1]; sms.Suppressed != "" || !sms.SuppressedAt.IsZero() {
			t.Errorf("%s: sms suppressed %q", c.id, sms.Suppressed)
		}
		got := ""
		for _, rc := range recs[c.id].Consents {
			if rc.Channel == "email" {
				got = read(rc)
			}
		}
		if got != c.record {
			t.Errorf("%s: record reads %q, want %q", c.id, got, c.record)
		}
	}
	// Read without subscriptions, a profile says nothing of suppression.
	found, err := e.c.FindCustomers(context.Background(), omnigate.KindEmail, "suppressed0@example.com")
	if err != nil || len(found) != 1 || found[0].Consents != nil {
		t.Errorf("FindCustomers: %+v, %v", found, err)
	}
}
