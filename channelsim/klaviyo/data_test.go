package klaviyo

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/world"
)

func smallWorld() *world.World {
	t0 := time.Date(2024, 3, 1, 9, 30, 15, 500, time.UTC)
	return &world.World{
		EmailLists: []world.EmailList{{ID: "Y6nRLr", Name: "Newsletter", CreatedAt: t0}},
		EmailProfiles: []world.EmailProfile{
			{
				ID: "01HQ0000000000000000000001", PersonID: "p-000001", Email: " Ada@Example.COM", Phone: "+447700900001",
				ExternalID: "web-1", FirstName: "Ada", LastName: "Lovelace", Timezone: "Europe/London",
				Location:     world.Address{Line1: "1 High St", City: "London", PostalCode: "N1 1AA", Country: "GB"},
				EmailConsent: world.Consent{Status: "SUBSCRIBED", Method: "FORM", Timestamp: t0},
				SMSConsent:   world.Consent{Status: "UNSUBSCRIBED", Method: "IN_STORE", Timestamp: t0.Add(time.Hour)},
				ListIDs:      []string{"Y6nRLr"}, CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Hour),
			},
			{
				ID: "01HQ0000000000000000000002", Email: "bo@example.jp", Location: world.Address{Country: "JP"},
				EmailConsent: world.Consent{Status: "UNSUBSCRIBED", Method: "UNSUBSCRIBE_LINK", Timestamp: t0},
				CreatedAt:    t0, UpdatedAt: t0,
			},
		},
		EmailEvents: []world.EmailEvent{
			{ID: "ev1", ProfileID: "01HQ0000000000000000000001", Metric: "Received Email", MetricID: "RcV3mL", Time: t0.Add(3 * time.Hour), Subject: "Hello", Campaign: "Launch"},
			{ID: "ev2", ProfileID: "01HQ0000000000000000000001", Metric: "Clicked Email", MetricID: "CLk3mL", Time: t0.Add(4 * time.Hour), Subject: "Hello", Campaign: "Launch", URL: "https://shop.example.com/x"},
			{ID: "ev3", ProfileID: "01HQ0000000000000000000001", Metric: "Placed Order", Time: t0.Add(5 * time.Hour), OrderID: "W-1", Value: world.Money{Cents: 5990, Currency: "GBP"}, Items: []string{"Shirt"}},
			{ID: "ev4", ProfileID: "01HQ0000000000000000000002", Metric: "Placed Order", Time: t0.Add(time.Hour), OrderID: "S-2", Value: world.Money{Cents: 1200, Currency: "JPY"}},
		},
	}
}

func TestFromWorld(t *testing.T) {
	d := FromWorld(smallWorld())
	if len(d.Profiles) != 2 || len(d.Events) != 4 || len(d.Lists) != 1 || len(d.Metrics) != 3 {
		t.Fatalf("rendered %d profiles, %d events, %d lists, %d metrics", len(d.Profiles), len(d.Events), len(d.Lists), len(d.Metrics))
	}
	p := d.Profiles[0]
	a := p.Attributes
	if api.Value(a.Email) != " Ada@Example.COM" || api.Value(a.PhoneNumber) != "+447700900001" || api.Value(a.Location.Country) != "United Kingdom" ||
		api.Value(a.Location.Timezone) != "Europe/London" || a.Created.String() != "2024-03-01T09:30:15+00:00" {
		t.Errorf("profile attributes %+v, location %+v", a, a.Location)
	}
	if m := a.Subscriptions.Email.Marketing; m.Consent != "SUBSCRIBED" || !m.CanReceiveEmailMarketing || api.Value(m.Method) != "FORM" {
		t.Errorf("email consent %+v", m)
	}
	if m := a.Subscriptions.SMS.Marketing; m.Consent != "UNSUBSCRIBED" || m.CanReceiveSMSMarketing || m.ConsentTimestamp.String() != "2024-03-01T10:30:15+00:00" {
		t.Errorf("sms consent %+v", m)
	}
	if got := p.ListIDs(); len(got) != 1 || got[0] != "Y6nRLr" {
		t.Errorf("list ids %v", got)
	}
	bo := d.Profiles[1].Attributes
	if m := bo.Subscriptions.Email.Marketing; m.Consent != "UNSUBSCRIBED" || len(m.Suppression) != 1 || m.Suppression[0].Reason != "UNSUBSCRIBE" {
		t.Errorf("unsubscribed consent %+v", m)
	}
	if bo.PhoneNumber != nil || bo.Subscriptions.SMS.Marketing.Consent != "NEVER_SUBSCRIBED" || api.Value(bo.Location.Country) != "JP" {
		t.Errorf("profile without phone %+v", bo)
	}

	order := d.Events[2]
	props := order.Attributes.EventProperties
	if props["$value"] != 59.9 || props["Currency"] != "GBP" || props["OrderId"] != "W-1" || order.MetricID() == "" || len(order.MetricID()) != 6 {
		t.Errorf("order event %+v", order)
	}
	if d.Events[3].Attributes.EventProperties["$value"] != 1200.0 || d.Events[3].MetricID() != order.MetricID() {
		t.Errorf("yen order %+v", d.Events[3])
	}
	if clicked := d.Events[1].Attributes.EventProperties; clicked["URL"] != "https://shop.example.com/x" || clicked["Campaign Name"] != "Launch" {
		t.Errorf("clicked %+v", clicked)
	}
	if *d.Events[0].Attributes.Timestamp != d.Events[0].Attributes.Datetime.Time.Unix() || len(api.Value(d.Events[0].Attributes.UUID)) != 36 {
		t.Errorf("event times %+v", d.Events[0].Attributes)
	}
	names := map[string]string{}
	for _, m := range d.Metrics {
		names[api.Value(m.Attributes.Name)] = string(m.Attributes.Integration.Name)
	}
	if names["Placed Order"] != "API" || names["Received Email"] != "Klaviyo" {
		t.Errorf("metrics %v", names)
	}
	// The same world renders the same records.
	again := FromWorld(smallWorld())
	if !reflect.DeepEqual(d, again) {
		t.Error("two renders of one world differ")
	}
	// And the simulator serves them: the world's data passes Load's checks.
	if err := d.check(); err != nil {
		t.Errorf("rendered data does not check: %v", err)
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	d := FromWorld(smallWorld())
	dir := t.TempDir()
	if err := d.Write(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	if err := back.Write(dir2); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ProfilesFile, EventsFile, MetricsFile, ListsFile} {
		a, _ := os.ReadFile(filepath.Join(dir, System, f))
		b, _ := os.ReadFile(filepath.Join(dir2, System, f))
		if !bytes.Equal(a, b) || len(a) < 3 {
			t.Errorf("%s differs after a round trip (or is empty)", f)
		}
		if bytes.Contains(a, []byte(`"links"`)) {
			t.Errorf("%s holds links", f)
		}
	}
	if !reflect.DeepEqual(sortedBy(d.Profiles, func(p api.Profile) string { return p.ID }), back.Profiles) {
		t.Error("profiles differ after a round trip")
	}
	// An empty data set writes empty arrays, which load as nothing.
	empty := t.TempDir()
	if err := (&Data{}).Write(empty); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(empty, System, ListsFile)); strings.TrimSpace(string(b)) != "[]" {
		t.Errorf("empty lists file: %q", b)
	}
}

func TestLoadFixtureAndMissingFiles(t *testing.T) {
	d := fixture(t)
	if len(d.Profiles) != 3 || len(d.Events) != 7 || len(d.Metrics) != 5 || len(d.Lists) != 2 {
		t.Fatalf("fixture: %d profiles, %d events, %d metrics, %d lists", len(d.Profiles), len(d.Events), len(d.Metrics), len(d.Lists))
	}
	if d.Profiles[2].Type != "profile" || d.Lists[1].Type != "list" {
		t.Error("omitted types were not filled in")
	}
	d, err := Load(t.TempDir())
	if err != nil || len(d.Profiles)+len(d.Events)+len(d.Metrics)+len(d.Lists) != 0 {
		t.Fatalf("a directory without files: %v, %+v", err, d)
	}
}

func TestLoadErrors(t *testing.T) {
	write := func(t *testing.T, files map[string]string) string {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, System), 0o755)
		for name, body := range files {
			os.WriteFile(filepath.Join(dir, System, name), []byte(body), 0o644)
		}
		return dir
	}
	prof := `[{"id":"P1","attributes":{}}]`
	metric := `[{"id":"M1","attributes":{"name":"Opened Email"}}]`
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"not JSON", map[string]string{ProfilesFile: "[{\n\"id\": }"}, []string{"profiles.json", "line 2"}},
		{"not an array", map[string]string{MetricsFile: `{"data":[]}`}, []string{"metrics.json", "JSON array"}},
		{"wrong type", map[string]string{EventsFile: `[{"id":1}]`}, []string{"events.json", "id"}},
		{"no id", map[string]string{ProfilesFile: `[{"attributes":{}}]`}, []string{"profiles.json", "record 1 has no id"}},
		{"repeated id", map[string]string{ProfilesFile: `[{"id":"P1"},{"id":"P1"}]`}, []string{"profiles.json", `"P1" appears twice`}},
		{"resource type", map[string]string{ListsFile: `[{"type":"segment","id":"L1"}]`}, []string{"lists.json", `type "segment"`}},
		{"unknown list", map[string]string{ProfilesFile: `[{"id":"P1","relationships":{"lists":{"data":[{"type":"list","id":"L9"}]}}}]`}, []string{"profile \"P1\"", `list "L9"`}},
		{"unknown profile", map[string]string{ProfilesFile: prof, MetricsFile: metric, EventsFile: `[{"id":"E1","attributes":{"datetime":"2024-01-01T00:00:00Z"},"relationships":{"profile":{"data":{"type":"profile","id":"P2"}},"metric":{"data":{"type":"metric","id":"M1"}}}}]`}, []string{"event \"E1\"", `profile "P2"`}},
		{"unknown metric", map[string]string{ProfilesFile: prof, EventsFile: `[{"id":"E1","attributes":{"datetime":"2024-01-01T00:00:00Z"},"relationships":{"profile":{"data":{"type":"profile","id":"P1"}},"metric":{"data":{"type":"metric","id":"M9"}}}}]`}, []string{"event \"E1\"", `metric "M9"`}},
		{"no time", map[string]string{ProfilesFile: prof, MetricsFile: metric, EventsFile: `[{"id":"E1","attributes":{},"relationships":{"profile":{"data":{"type":"profile","id":"P1"}},"metric":{"data":{"type":"metric","id":"M1"}}}}]`}, []string{"event \"E1\"", "neither datetime nor timestamp"}},
		{"bad date", map[string]string{ProfilesFile: `[{"id":"P1","attributes":{"created":"yesterday"}}]`}, []string{"profiles.json", `"yesterday" is not an ISO 8601 date-time`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(write(t, c.files))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestServesWorldData(t *testing.T) {
	ts := newTestServer(t, FromWorld(smallWorld()))
	_, body := ts.get(t, "/api/profiles?"+q(`equals(email,"ada@example.com")`, "additional-fields[profile]", "subscriptions"))
	c := decode[api.ProfileCollection](t, body)
	if len(c.Data) != 1 || c.Data[0].ID != "01HQ0000000000000000000001" {
		t.Fatalf("profiles %s", body)
	}
	_, body = ts.get(t, "/api/events?"+q(`equals(profile_id,"01HQ0000000000000000000001")`, "include", "metric"))
	ev := decode[api.EventCollection](t, body)
	if len(ev.Data) != 3 || len(ev.Included) != 3 {
		t.Fatalf("events %s", body)
	}
	var raw json.RawMessage = body
	if !bytes.Contains(raw, []byte(`"$value":59.9`)) {
		t.Errorf("the order value is not 59.9 in %s", body)
	}
}
