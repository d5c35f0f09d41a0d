package klaviyo

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/sources/upstream"
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

// EventsByProfile decodes every page into a page it reuses: what a page
// held before must not show through in the next one, whose events may lack
// fields the earlier ones had. And converting an event before its kind is
// known (pending) must give what emailEvent gives once it is.
func TestReusedEventPageDecodesLikeAFreshOne(t *testing.T) {
	first := `{"data":[` +
		`{"type":"event","id":"A1","attributes":{"timestamp":1677010800,"datetime":"2023-02-21T20:20:00+00:00",` +
		`"event_properties":{"$value":59.9,"Currency":"gbp","Subject":"S","Campaign Name":"C","URL":"https://x","$value_currency":"EUR","$currency_code":"JPY"}},` +
		`"relationships":{"metric":{"data":{"type":"metric","id":"M1"}}}},` +
		`{"type":"event","id":"A2","attributes":{"timestamp":1677010900,"event_properties":{"$value":"3"}},` +
		`"relationships":{"metric":{"data":{"type":"metric","id":"M2"}}}}` +
		`],"included":[{"type":"metric","id":"M1","attributes":{"name":"Placed Order"}}],"links":{"next":"https://a.klaviyo.com/api/events?page%5Bcursor%5D=x"}}`
	second := `{"data":[` +
		`{"type":"event","id":"B1","attributes":{"event_properties":{}}},` +
		`{"type":"event","id":"B2","attributes":{"datetime":"2023-02-22T08:00:00+00:00"},"relationships":{"metric":{"data":{"type":"metric","id":"M3"}}}}` +
		`]}`
	page := eventPages.Get().(*eventPage)
	defer putEventPage(page)
	for _, body := range []string{first, second, first} {
		page.reset()
		if err := upstream.Unmarshal([]byte(body), page); err != nil {
			t.Fatal(err)
		}
		var fresh eventPage
		if err := upstream.Unmarshal([]byte(body), &fresh); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*page, fresh) {
			t.Fatalf("reused page differs from a fresh one:\nreused %+v\nfresh  %+v", *page, fresh)
		}
		for i := range page.Data {
			for _, kind := range []omnigate.EmailEventKind{omnigate.PlacedOrder, omnigate.EmailOpened} {
				p := page.Data[i].pending("P")
				if got, want := p.event(kind), page.Data[i].emailEvent("P", kind); !reflect.DeepEqual(got, want) {
					t.Errorf("event %s as %s: pending gives %+v, want %+v", page.Data[i].ID, kind, got, want)
				}
			}
		}
	}
}

// A timestamp that is not an integer of seconds makes the lean page as
// unreadable as the full one: the answer is refused, not read as "no time".
func TestLeanEventsRefuseWhatFullEventsRefuse(t *testing.T) {
	for _, ts := range []string{`"1677010800"`, `1677010800.5`, `1e9`, `true`, `{}`} {
		body := `{"data":[{"type":"event","id":"E1","attributes":{"timestamp":` + ts + `}}]}`
		var full api.EventCollection
		fullErr := upstream.Unmarshal([]byte(body), &full)
		var lean eventPage
		leanErr := upstream.Unmarshal([]byte(body), &lean)
		if fullErr == nil || leanErr == nil {
			t.Errorf("timestamp %s: full decode error %v, lean %v; want both refused", ts, fullErr, leanErr)
		}
	}
	for _, ts := range []string{`0`, `-1`, `null`, `1677010800`} {
		body := `{"data":[{"type":"event","id":"E1","attributes":{"timestamp":` + ts + `}}]}`
		var full api.EventCollection
		var lean eventPage
		if err := upstream.Unmarshal([]byte(body), &full); err != nil {
			t.Fatal(err)
		}
		if err := upstream.Unmarshal([]byte(body), &lean); err != nil {
			t.Fatalf("timestamp %s: %v", ts, err)
		}
		if got, want := lean.Data[0].emailEvent("P", omnigate.EmailOpened), emailEvent(full.Data[0], "P", omnigate.EmailOpened); !reflect.DeepEqual(got, want) {
			t.Errorf("timestamp %s: lean %+v, full %+v", ts, got, want)
		}
	}
}
