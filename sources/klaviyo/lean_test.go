package klaviyo

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
)

// EventsByProfile decodes only what it reads (eventPage); what it makes of
// an event must be what emailEvent makes of the same event decoded whole.
func TestLeanEventsConvertLikeFullEvents(t *testing.T) {
	body := `{"data":[` +
		`{"type":"event","id":"E1","attributes":{"timestamp":1677010800,"datetime":"2023-02-21T20:20:00+00:00",` +
		`"event_properties":{"$value":59.9,"Currency":"gbp","Subject":"Hi \"you\" \u00e9","URL":"https://x","Items":[{"a":{"b":[1,2,{"c":null}]}}],"OrderId":"O-1"}},` +
		`"relationships":{"profile":{"data":{"type":"profile","id":"P"}},"metric":{"data":{"type":"metric","id":"M1"}}}},` +
		`{"type":"event","id":"E2","attributes":{"timestamp":1677010900,"datetime":null,` +
		`"event_properties":{"$value":"12.50","$value_currency":"EUR","Subject":7,"Campaign Name":"Spring","URL":null}},` +
		`"relationships":{"metric":{"data":{"type":"metric","id":"M2"}}}},` +
		`{"type":"event","id":"E3","attributes":{"timestamp":null,"event_properties":{"$value":true,"$currency_code":"JPY","Subject":["x"]}},` +
		`"relationships":{"metric":{"data":null}}},` +
		`{"type":"event","id":"E4","attributes":{"datetime":"2023-02-22T08:00:00+00:00","event_properties":null}}` +
		`],"included":[{"type":"metric","id":"M1","attributes":{"name":"Placed Order"}}]}`
	var full api.EventCollection
	if err := json.Unmarshal([]byte(body), &full); err != nil {
		t.Fatal(err)
	}
	var lean eventPage
	if err := json.Unmarshal([]byte(body), &lean); err != nil {
		t.Fatal(err)
	}
	if len(lean.Data) != len(full.Data) {
		t.Fatalf("%d lean events, %d full", len(lean.Data), len(full.Data))
	}
	for i := range full.Data {
		if got, want := lean.Data[i].Relationships.Metric.Data.ID, full.Data[i].MetricID(); got != want {
			t.Errorf("event %d: metric %q, want %q", i, got, want)
		}
		for _, kind := range []omnigate.EmailEventKind{omnigate.PlacedOrder, omnigate.EmailOpened} {
			got, want := lean.Data[i].emailEvent("P", kind), emailEvent(full.Data[i], "P", kind)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("event %d as %s:\nlean %+v\nfull %+v", i, kind, got, want)
			}
		}
	}
	if v := lean.Data[0].emailEvent("P", omnigate.PlacedOrder).Value; v == nil || v.Cents != 5990 || v.Currency != "GBP" {
		t.Errorf("E1 value %+v, want 5990 GBP", v)
	}
	if s := lean.Data[0].emailEvent("P", omnigate.EmailOpened).Subject; s != `Hi "you" é` {
		t.Errorf("E1 subject %q", s)
	}
}
