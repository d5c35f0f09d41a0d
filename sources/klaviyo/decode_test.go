package klaviyo

import (
	"testing"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/sources/upstream"
)

// FuzzDecode feeds arbitrary bodies to everything that reads Klaviyo's
// JSON: the documents, the conversions to domain types and the error
// reader. None may panic, whatever nulls, types or sizes the body holds.
func FuzzDecode(f *testing.F) {
	// Seeds are small: the fuzzer minimises every new input it finds, and
	// long ones take it longer than a short run lasts.
	for _, s := range []string{
		`{"data":[{"type":"profile","id":"01GDDKASAP8TKDDA2GRZDSVP4H","attributes":{"email":"a@b.c","phone_number":"+447700900123",` +
			`"first_name":"A","created":"2022-11-08T00:00:00+00:00","location":{"city":"London","country":"United Kingdom","latitude":51.5},` +
			`"subscriptions":{"email":{"marketing":{"can_receive_email_marketing":true,"consent":"SUBSCRIBED","consent_timestamp":"2023-02-21T20:07:38+00:00","method":"FORM"}},` +
			`"sms":{"marketing":{"can_receive_sms_marketing":false,"consent":"NEVER_SUBSCRIBED"}}}},` +
			`"relationships":{"lists":{"data":[{"type":"list","id":"Y6nRLr"}]}}}],"links":{"self":"http://x/api/profiles","next":"http://x/api/profiles?page%5Bcursor%5D=bmV4dDo6Mg"}}`,
		`{"data":[{"type":"event","id":"4vRpBT3zNJd","attributes":{"timestamp":1677010800,"datetime":"2023-02-21T20:20:00+00:00",` +
			`"event_properties":{"$value":59.9,"Currency":"GBP","Subject":"Hi","URL":"https://x"}},` +
			`"relationships":{"profile":{"data":{"type":"profile","id":"P"}},"metric":{"data":{"type":"metric","id":"PLc0rD"}}}}],` +
			`"included":[{"type":"metric","id":"PLc0rD","attributes":{"name":"Placed Order","integration":{"name":"API"}}}]}`,
		`{"data":[{"type":"profile","id":"P","attributes":{"email":null,"location":null,"subscriptions":{"email":null,"sms":{"marketing":null}}}}]}`,
		`{"data":[{"type":"event","id":"E","attributes":{"timestamp":null,"datetime":null,"event_properties":{"$value":"x","Currency":7}},"relationships":{"metric":{"data":null}}}],"included":[{"type":"metric","id":"M","attributes":{"name":null,"integration":null}}]}`,
		`{"data":[{"type":"event","id":"E","attributes":{"timestamp":99999999999999999999}}]}`,
		`{"errors":[{"id":"1","status":429,"code":"throttled","title":"Request was throttled.","detail":"Expected available in 1 second.","source":{"pointer":"/data/"}}]}`,
		`{"errors":null}`, `[]`, `null`, `{"data":{}}`, `{"included":[{"type":"metric","attributes":[]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pc api.ProfileCollection
		if upstream.Unmarshal(b, &pc) == nil {
			for _, p := range pc.Data {
				_ = customerRecord(p)
				_ = emailProfile(p)
				_ = p.ListIDs()
			}
			_ = nextOf(pc.Links)
		}
		var ec api.EventCollection
		if upstream.Unmarshal(b, &ec) == nil {
			for _, e := range ec.Data {
				for _, k := range []omnigate.EmailEventKind{omnigate.EmailReceived, omnigate.EmailClicked, omnigate.PlacedOrder} {
					_ = emailEvent(e, "P", k)
				}
				_, _ = e.ProfileID(), e.MetricID()
			}
			for _, r := range ec.Included {
				if m, err := r.AsMetric(); err == nil {
					_ = metricOf(m)
				}
			}
		}
		var mc api.MetricCollection
		if upstream.Unmarshal(b, &mc) == nil {
			for _, m := range mc.Data {
				_ = metricOf(m)
			}
		}
		var rc api.RelationshipCollection
		_ = upstream.Unmarshal(b, &rc)
		var lc api.ListCollection
		_ = upstream.Unmarshal(b, &lc)
		_ = errorMessage(b, "pk_key")
	})
}
