package klaviyo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
)

const (
	sarah = "01GDDKASAP8TKDDA2GRZDSVP4H"
	jan   = "01GDDKASAP8TKDDA2GRZDSVP4J"
	minID = "01GDDKASAP8TKDDA2GRZDSVP4K"
)

func fixture(t testing.TB) *Data {
	t.Helper()
	d, err := Load("testdata/fixture")
	if err != nil {
		t.Fatalf("loading the fixture: %v", err)
	}
	return d
}

func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", truncateString(string(b), 300), err)
	}
	return v
}

func q(filter string, kv ...string) string {
	v := url.Values{}
	if filter != "" {
		v.Set("filter", filter)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func profileIDs(c api.ProfileCollection) []string {
	out := make([]string, len(c.Data))
	for i, p := range c.Data {
		out[i] = p.ID
	}
	return out
}

func eventIDs(c api.EventCollection) []string {
	out := make([]string, len(c.Data))
	for i, e := range c.Data {
		out[i] = e.ID
	}
	return out
}

func errorOf(t testing.TB, resp *http.Response, body []byte, status int, code string) api.ErrorObject {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != api.MediaType {
		t.Errorf("Content-Type %q, want %q", ct, api.MediaType)
	}
	doc := decode[api.ErrorDocument](t, body)
	if len(doc.Errors) != 1 {
		t.Fatalf("want one error, got %s", body)
	}
	e := doc.Errors[0]
	if e.Code != code || e.Status != status || e.ID == "" || e.Title == "" || e.Detail == "" {
		t.Fatalf("error %+v, want code %q status %d with id, title and detail", e, code, status)
	}
	return e
}

func TestAuthRejections(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	cases := []struct {
		name    string
		headers []string
		status  int
		code    string
		title   string
	}{
		{"no key", []string{"Authorization", ""}, 401, "not_authenticated", "Authentication credentials were not provided."},
		{"other scheme", []string{"Authorization", "Basic Zm9vOmJhcg=="}, 401, "not_authenticated", "Authentication credentials were not provided."},
		{"wrong key", []string{"Authorization", "Klaviyo-API-Key pk_wrong"}, 401, "authentication_failed", "Incorrect authentication credentials."},
		{"unknown bearer", []string{"Authorization", "Bearer abc"}, 401, "authentication_failed", "Incorrect authentication credentials."},
		{"no revision", []string{"revision", "", skipRequestCheck, "1"}, 400, "invalid", "Invalid input."},
		{"unknown revision", []string{"revision", "2019-01-01"}, 400, "invalid", "Invalid input."},
		{"bad suffix", []string{"revision", "2026-07-15.beta"}, 400, "invalid", "Invalid input."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := ts.get(t, "/api/profiles", c.headers...)
			e := errorOf(t, resp, body, c.status, c.code)
			if e.Title != c.title {
				t.Errorf("title %q, want %q", e.Title, c.title)
			}
			if strings.Contains(string(body), DemoCredentials.APIKey) || strings.Contains(string(body), "pk_wrong") {
				t.Errorf("the error body repeats a key: %s", body)
			}
			if c.code == "invalid" && (e.Source == nil || e.Source.Parameter != "revision") {
				t.Errorf("source %+v, want the revision parameter", e.Source)
			}
		})
	}
	resp, _ := ts.get(t, "/api/profiles", "revision", "2024-10-15.pre")
	if resp.StatusCode != 200 {
		t.Errorf("a published .pre revision got %d", resp.StatusCode)
	}
}

func TestProfileFilters(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	cases := []struct {
		filter string
		want   []string
	}{
		{`equals(email,"sarah.mason@example.com")`, []string{sarah}},
		{`equals(email,'SARAH.MASON@EXAMPLE.COM')`, []string{sarah}},
		{`equals(phone_number,"+447700900123")`, []string{sarah}},
		{`equals(phone_number,"447700900123")`, nil},
		{`any(id,["` + jan + `","` + minID + `","01GDDKASAP8TKDDA2GRZDSVP00"])`, []string{jan, minID}},
		{`equals(id,["` + sarah + `"])`, []string{sarah}},
		{`any(email,["jan@example.nl","nobody@example.com"])`, []string{jan}},
		{`equals(external_id,"web-1001")`, []string{sarah}},
		{`and(any(id,["` + sarah + `","` + jan + `"]),equals(email,"jan@example.nl"))`, []string{jan}},
		{`any(id,["` + sarah + `","` + jan + `"]),equals(email,"jan@example.nl")`, []string{jan}},
		{`greater-than(created,2023-01-01T00:00:00Z)`, []string{jan, minID}},
		{`and(greater-than(created,2023-01-01T00:00:00Z),less-than(created,2023-05-01T00:00:00+00:00))`, []string{jan}},
		{`less-than(updated,2023-03-01)`, []string{sarah}},
		{`equals(subscriptions.email.marketing.suppression.reason,"UNSUBSCRIBE")`, []string{jan}},
		{`greater-or-equal(subscriptions.email.marketing.suppression.timestamp,2023-04-01T08:30:00Z)`, []string{jan}},
	}
	for _, c := range cases {
		t.Run(c.filter, func(t *testing.T) {
			resp, body := ts.get(t, "/api/profiles?"+q(c.filter))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			got := profileIDs(decode[api.ProfileCollection](t, body))
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestBadFilters(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	cases := []struct {
		path   string
		filter string
		detail string // part of the detail naming what is wrong
	}{
		{"/api/profiles", `equals(mail,"a@b.c")`, "'mail' is not a valid field for the resource 'profile'"},
		{"/api/profiles", `equals(email,"a@b.c"`, "expected ')'"},
		{"/api/profiles", `equal(email,"a@b.c")`, `"equal" is not a filter operator`},
		{"/api/profiles", `equals(email,a@b.c)`, "strings go in double quotes"},
		{"/api/profiles", `equals(email,"a@b.c)`, "unterminated string"},
		{"/api/profiles", `greater-than(created,"2023-01-01T00:00:00Z")`, "must be unquoted ISO 8601"},
		{"/api/profiles", `contains(email,"a")`, "'contains' is not a valid operator for the field 'email'"},
		{"/api/profiles", `any(email,"a@b.c")`, "takes a list of values"},
		{"/api/profiles", `any(email,[])`, "is empty"},
		{"/api/profiles", `or(equals(email,"a"),equals(email,"b"))`, `"or" operator is not supported`},
		{"/api/profiles", `equals(_kx,"abc")`, "_kx value is invalid"},
		{"/api/profiles", ``, "filter is empty"},
		{"/api/profiles", `any(id,[` + strings.Repeat(`"x",`, 100) + `"y"])`, "at most 100"},
		{"/api/profiles", strings.Repeat("and(", 20) + `equals(email,"a")` + strings.Repeat(")", 20), "nested deeper"},
		{"/api/events", `any(profile_id,["` + sarah + `"])`, "'any' is not a valid operator for the field 'profile_id'"},
		{"/api/events", `equals(profile_id,["` + sarah + `","` + jan + `"])`, "takes one value, not a list"},
		{"/api/events", `greater-than(timestamp,2023-01-01T00:00:00Z)`, "needs a number"},
		{"/api/events", `equals(email,"x")`, "'email' is not a valid field for the resource 'event'"},
		{"/api/metrics", `equals(name,"Opened Email")`, "'name' is not a valid field for the resource 'metric'"},
		{"/api/lists", `equals(name,"VIP")`, "takes a list of values"},
		{"/api/lists/Y6nRLr/relationships/profiles", `equals(email,"x@y.z")`, "takes a list of values"},
	}
	for _, c := range cases {
		t.Run(c.path+" "+c.filter, func(t *testing.T) {
			resp, body := ts.get(t, c.path+"?"+url.Values{"filter": {c.filter}}.Encode(), skipRequestCheck, "1")
			e := errorOf(t, resp, body, 400, "invalid")
			if !strings.Contains(e.Detail, c.detail) {
				t.Errorf("detail %q does not say %q", e.Detail, c.detail)
			}
			if e.Source == nil || e.Source.Parameter != "filter" {
				t.Errorf("source %+v, want the filter parameter", e.Source)
			}
		})
	}
}

func TestBadParameters(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	cases := []struct{ path, param, detail string }{
		{"/api/profiles?page%5Bsize%5D=101", "page[size]", "between 1 and 100"},
		{"/api/profiles?page%5Bsize%5D=0", "page[size]", "between 1 and 100"},
		{"/api/profiles?page%5Bsize%5D=ten", "page[size]", "between 1 and 100"},
		{"/api/events?page%5Bsize%5D=1001", "page[size]", "between 1 and 1000"},
		{"/api/lists?page%5Bsize%5D=11", "page[size]", "between 1 and 10"},
		{"/api/profiles?page%5Bcursor%5D=garbage!", "page[cursor]", "invalid page[cursor]"},
		{"/api/profiles?sort=first_name", "sort", "'first_name' is not a valid sort field"},
		{"/api/events?sort=-created", "sort", "'created' is not a valid sort field"},
		{"/api/profiles?additional-fields%5Bprofile%5D=lists", "additional-fields[profile]", `"lists" is not a valid value`},
		{"/api/profiles?fields%5Bprofile%5D=nickname", "fields[profile]", `"nickname" is not a valid field`},
		{"/api/events?include=lists", "include", `"lists" is not a valid value`},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			resp, body := ts.get(t, c.path, skipRequestCheck, "1")
			e := errorOf(t, resp, body, 400, "invalid")
			if e.Source == nil || e.Source.Parameter != c.param || !strings.Contains(e.Detail, c.detail) {
				t.Errorf("error %+v %+v, want parameter %q and a detail saying %q", e, e.Source, c.param, c.detail)
			}
		})
	}
}

func TestProfileShapes(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	// Without additional-fields there are no subscriptions.
	_, body := ts.get(t, "/api/profiles?"+q(`equals(id,"`+sarah+`")`))
	if strings.Contains(string(body), "subscriptions") {
		t.Errorf("subscriptions sent without additional-fields: %s", body)
	}
	var raw map[string]any
	_ = json.Unmarshal(body, &raw)
	attrs := raw["data"].([]any)[0].(map[string]any)["attributes"].(map[string]any)
	for _, k := range []string{"email", "phone_number", "external_id", "first_name", "last_name", "location", "created", "updated", "properties", "organization", "image"} {
		if _, ok := attrs[k]; !ok {
			t.Errorf("attribute %q missing; Klaviyo sends null rather than leaving it out", k)
		}
	}

	_, body = ts.get(t, "/api/profiles?"+q(`equals(id,"`+sarah+`")`, "additional-fields[profile]", "subscriptions"))
	c := decode[api.ProfileCollection](t, body)
	subs := c.Data[0].Attributes.Subscriptions
	if subs == nil || subs.Email.Marketing.Consent != "SUBSCRIBED" || api.Value(subs.Email.Marketing.Method) != "FORM" ||
		subs.Email.Marketing.ConsentTimestamp.String() != "2023-02-21T20:07:38+00:00" || subs.SMS.Marketing.Consent != "SUBSCRIBED" {
		t.Fatalf("subscriptions %+v", subs)
	}
	p := c.Data[0]
	if p.Links == nil || p.Links.Self != ts.URL+"/api/profiles/"+sarah {
		t.Errorf("self link %+v", p.Links)
	}
	if p.Relationships == nil || p.Relationships.Lists == nil || p.Relationships.Lists.Links.Related != ts.URL+"/api/profiles/"+sarah+"/lists" || p.Relationships.Lists.Data != nil {
		t.Errorf("relationships %+v", p.Relationships)
	}

	// The minimal fixture profile gets never-subscribed consents.
	_, body = ts.get(t, "/api/profiles/"+minID+"?additional-fields%5Bprofile%5D=subscriptions")
	d := decode[api.ProfileDocument](t, body)
	if d.Data.Attributes.Subscriptions.Email.Marketing.Consent != "NEVER_SUBSCRIBED" {
		t.Errorf("minimal profile consents %+v", d.Data.Attributes.Subscriptions)
	}

	// A sparse fieldset keeps only what was asked, nested fields included.
	_, body = ts.get(t, "/api/profiles/"+sarah+"?"+q("", "fields[profile]", "email,location.city,subscriptions.email.marketing.consent", "additional-fields[profile]", "subscriptions"))
	var sparse struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &sparse)
	got, _ := json.Marshal(sparse.Data.Attributes)
	want := `{"email":" Sarah.Mason@Example.com","location":{"city":"London"},"subscriptions":{"email":{"marketing":{"can_receive_email_marketing":true,"consent":"SUBSCRIBED"}}}}`
	if string(got) != want {
		t.Errorf("sparse attributes\n got %s\nwant %s", got, want)
	}

	// include=lists lists the memberships and includes the lists.
	_, body = ts.get(t, "/api/profiles/"+sarah+"?include=lists")
	d = decode[api.ProfileDocument](t, body)
	if got := d.Data.ListIDs(); strings.Join(got, ",") != "Y6nRLr,Xk9pQ2" || len(d.Included) != 2 || d.Included[0].Type != "list" {
		t.Errorf("lists %v, included %+v", got, d.Included)
	}

	resp, body := ts.get(t, "/api/profiles/01GDDKASAP8TKDDA2GRZDSVP00")
	e := errorOf(t, resp, body, 404, "not_found")
	if !strings.Contains(e.Detail, "01GDDKASAP8TKDDA2GRZDSVP00") {
		t.Errorf("detail %q does not name the id", e.Detail)
	}
}

func TestProfileSort(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	for sortBy, want := range map[string]string{
		"":         sarah + "," + jan + "," + minID,
		"-id":      minID + "," + jan + "," + sarah,
		"-created": minID + "," + jan + "," + sarah,
		"updated":  minID + "," + sarah + "," + jan, // the minimal profile has no updated time
		"email":    jan + "," + minID + "," + sarah, // by the trimmed, lowercased address
	} {
		path := "/api/profiles"
		if sortBy != "" {
			path += "?sort=" + sortBy
		}
		_, body := ts.get(t, path)
		if got := strings.Join(profileIDs(decode[api.ProfileCollection](t, body)), ","); got != want {
			t.Errorf("sort %q: got %s, want %s", sortBy, got, want)
		}
	}
}

// bigData is a generated data set for paging.
func bigData(profiles, eventsEach int) *Data {
	d := &Data{Metrics: []api.Metric{{Type: "metric", ID: "RcV3mL", Attributes: api.MetricAttributes{Name: api.String("Received Email")}}}}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < profiles; i++ {
		id := fmt.Sprintf("01HZZZZZZZZZZZZZZZZZZZ%04d", i)
		d.Profiles = append(d.Profiles, api.Profile{Type: "profile", ID: id, Attributes: api.ProfileAttributes{
			Email: api.String(fmt.Sprintf("p%d@example.com", i)), Created: api.NewDateTime(base.Add(time.Duration(i) * time.Hour)),
		}})
		for j := 0; j < eventsEach; j++ {
			ts := base.Add(time.Duration(i*eventsEach+j) * time.Minute)
			sec := ts.Unix()
			d.Events = append(d.Events, api.Event{Type: "event", ID: fmt.Sprintf("ev%04d%03d", i, j),
				Attributes: api.EventAttributes{Timestamp: &sec, Datetime: api.NewDateTime(ts), EventProperties: map[string]any{"Subject": "s"}},
				Relationships: &api.EventRelationships{
					Profile: &api.ToOne{Data: &api.ResourceIdentifier{Type: "profile", ID: id}},
					Metric:  &api.ToOne{Data: &api.ResourceIdentifier{Type: "metric", ID: "RcV3mL"}},
				}})
		}
	}
	return d
}

// walk follows links.next from path and returns every id, checking that
// the links point back at the server.
func walk[T any](t *testing.T, ts *testServer, path string, ids func(T) []string, next func(T) string) []string {
	t.Helper()
	var all []string
	url := ts.URL + path
	for pages := 0; url != ""; pages++ {
		if pages > 1000 {
			t.Fatal("more than 1000 pages")
		}
		resp, body := ts.get(t, url)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		page := decode[T](t, body)
		all = append(all, ids(page)...)
		url = next(page)
		if url != "" && !strings.HasPrefix(url, ts.URL+"/api/") {
			t.Fatalf("next link %q is not on the simulator's host %s", url, ts.URL)
		}
	}
	return all
}

func checkComplete(t *testing.T, got []string, want int) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("id %s came twice", id)
		}
		seen[id] = true
	}
	if len(seen) != want {
		t.Fatalf("walked %d records, want %d", len(seen), want)
	}
}

func TestPaging(t *testing.T) {
	ts := newTestServer(t, bigData(57, 3))
	profiles := walk(t, ts, "/api/profiles?page%5Bsize%5D=10&sort=-created",
		profileIDs, func(c api.ProfileCollection) string { return c.Links.Next })
	checkComplete(t, profiles, 57)
	if !sort.SliceIsSorted(profiles, func(i, j int) bool { return profiles[i] > profiles[j] }) {
		t.Errorf("pages lost the order -created")
	}
	events := walk(t, ts, "/api/events?page%5Bsize%5D=7&sort=-datetime",
		eventIDs, func(c api.EventCollection) string { return c.Links.Next })
	checkComplete(t, events, 171)
	if !sort.SliceIsSorted(events, func(i, j int) bool { return events[i] > events[j] }) {
		t.Errorf("pages lost the order -datetime")
	}
	// Default page size of profiles is 20 and prev leads back.
	_, body := ts.get(t, "/api/profiles")
	first := decode[api.ProfileCollection](t, body)
	if len(first.Data) != 20 || first.Links.Prev != "" || first.Links.Next == "" {
		t.Fatalf("first page: %d records, links %+v", len(first.Data), first.Links)
	}
	_, body = ts.get(t, first.Links.Next)
	second := decode[api.ProfileCollection](t, body)
	_, body = ts.get(t, second.Links.Prev)
	if back := decode[api.ProfileCollection](t, body); strings.Join(profileIDs(back), ",") != strings.Join(profileIDs(first), ",") {
		t.Errorf("prev of the second page is not the first page")
	}
	// Events of one profile, newest first, across pages.
	pid := "01HZZZZZZZZZZZZZZZZZZZ0042"
	one := walk(t, ts, "/api/events?"+q(`equals(profile_id,"`+pid+`")`, "page[size]", "2", "sort", "-datetime"),
		eventIDs, func(c api.EventCollection) string { return c.Links.Next })
	if strings.Join(one, ",") != "ev0042002,ev0042001,ev0042000" {
		t.Errorf("events of one profile: %v", one)
	}
}

func TestEvents(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	_, body := ts.get(t, "/api/events?"+q(`equals(profile_id,"`+sarah+`")`, "include", "metric", "sort", "-datetime"))
	c := decode[api.EventCollection](t, body)
	if got := strings.Join(eventIDs(c), ","); got != "4vRpBT3zNJe,4vRpBT3zNJd,4vRpBT3zNJc,4vRpBT3zNJb,4vRpBT3zNJa" {
		t.Fatalf("events %s", got)
	}
	names := map[string]string{}
	for _, r := range c.Included {
		m, err := r.AsMetric()
		if err != nil {
			t.Fatal(err)
		}
		names[m.ID] = api.Value(m.Attributes.Name)
	}
	if len(names) != 5 || names["PLc0rD"] != "Placed Order" {
		t.Errorf("included metrics %v", names)
	}
	order := c.Data[1]
	if order.MetricID() != "PLc0rD" || order.ProfileID() != sarah || order.Attributes.EventProperties["$value"] != 59.9 ||
		order.Attributes.Datetime.String() != "2023-02-21T20:20:00+00:00" || *order.Attributes.Timestamp != 1677010800 {
		t.Errorf("order event %+v", order)
	}
	if order.Relationships.Metric.Links == nil || order.Links.Self != ts.URL+"/api/events/4vRpBT3zNJd" {
		t.Errorf("links %+v %+v", order.Relationships.Metric, order.Links)
	}

	for filter, want := range map[string]string{
		`and(equals(profile_id,"` + sarah + `"),equals(metric_id,"OpN3mL"))`:             "4vRpBT3zNJb",
		`equals(metric_id,["PLc0rD","OpN3mL"])`:                                          "4vRpBT3zNJb,4vRpBT3zNJd,5kQmW8pLx2b",
		`and(equals(metric_id,"RcV3mL"),greater-than(datetime,2023-03-01T00:00:00Z))`:    "5kQmW8pLx2a",
		`and(equals(profile_id,"` + sarah + `"),greater-or-equal(timestamp,1677007200))`: "4vRpBT3zNJc,4vRpBT3zNJd,4vRpBT3zNJe",
		`and(has(profile),less-or-equal(datetime,2023-02-21T17:20:00+00:00))`:            "4vRpBT3zNJa",
		`equals(profile_id,"01GDDKASAP8TKDDA2GRZDSVP00")`:                                "",
	} {
		_, body := ts.get(t, "/api/events?"+q(filter))
		if got := strings.Join(eventIDs(decode[api.EventCollection](t, body)), ","); got != want {
			t.Errorf("%s: got %s, want %s", filter, got, want)
		}
	}

	_, body = ts.get(t, "/api/events/5kQmW8pLx2b?include=metric,profile&fields%5Bprofile%5D=email")
	d := decode[api.EventDocument](t, body)
	if d.Data.ID != "5kQmW8pLx2b" || len(d.Included) != 2 || d.Included[1].Type != "profile" || string(d.Included[1].Attributes) != `{"email":"jan@example.nl"}` {
		t.Errorf("event document %+v", d)
	}
	resp, body := ts.get(t, "/api/events/nope")
	errorOf(t, resp, body, 404, "not_found")
}

func TestMetricsAndLists(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	_, body := ts.get(t, "/api/metrics")
	ms := decode[api.MetricCollection](t, body)
	if len(ms.Data) != 5 || ms.Links.Next != "" {
		t.Fatalf("metrics %+v", ms)
	}
	_, body = ts.get(t, "/api/metrics?"+q(`equals(integration.category,"API")`))
	if ms = decode[api.MetricCollection](t, body); len(ms.Data) != 1 || ms.Data[0].ID != "PLc0rD" {
		t.Errorf("API metrics %+v", ms.Data)
	}
	_, body = ts.get(t, "/api/metrics/OpN3mL")
	if m := decode[api.MetricDocument](t, body); api.Value(m.Data.Attributes.Name) != "Opened Email" {
		t.Errorf("metric %+v", m)
	}

	_, body = ts.get(t, "/api/lists?sort=-name")
	ls := decode[api.ListCollection](t, body)
	if len(ls.Data) != 2 || ls.Data[0].ID != "Xk9pQ2" || ls.Data[0].Relationships.Profiles.Links.Related != ts.URL+"/api/lists/Xk9pQ2/profiles" {
		t.Fatalf("lists %+v", ls.Data)
	}
	_, body = ts.get(t, "/api/lists?"+q(`any(name,["Newsletter"])`))
	if ls = decode[api.ListCollection](t, body); len(ls.Data) != 1 || ls.Data[0].ID != "Y6nRLr" {
		t.Errorf("lists by name %+v", ls.Data)
	}
	_, body = ts.get(t, "/api/profiles/"+jan+"/lists")
	if ls = decode[api.ListCollection](t, body); len(ls.Data) != 1 || ls.Data[0].ID != "Y6nRLr" {
		t.Errorf("lists of jan %+v", ls.Data)
	}
	_, body = ts.get(t, "/api/profiles/"+sarah+"/relationships/lists")
	if rel := decode[api.RelationshipCollection](t, body); len(rel.Data) != 2 || rel.Data[0].ID != "Xk9pQ2" {
		t.Errorf("list ids of sarah %+v", rel.Data)
	}
	_, body = ts.get(t, "/api/lists/Y6nRLr/relationships/profiles?"+q(`any(email,["SARAH.mason@example.com","jan@example.nl","min@example.com"])`))
	if rel := decode[api.RelationshipCollection](t, body); len(rel.Data) != 2 || rel.Data[0].ID != sarah || rel.Data[1].ID != jan {
		t.Errorf("newsletter members by email %+v", rel.Data)
	}
	_, body = ts.get(t, "/api/lists/Y6nRLr/profiles?"+q("", "sort", "-joined_group_at", "additional-fields[profile]", "subscriptions"))
	if members := decode[api.ProfileCollection](t, body); strings.Join(profileIDs(members), ",") != jan+","+sarah || members.Data[0].Attributes.Subscriptions == nil {
		t.Errorf("newsletter members %+v", members.Data)
	}
	resp, body := ts.get(t, "/api/lists/nope/profiles")
	errorOf(t, resp, body, 404, "not_found")
}

func subscribeBody(job, consent string, profiles []string, list string) string {
	var items []string
	for _, p := range profiles {
		items = append(items, `{"type":"profile","attributes":{`+p+`,"subscriptions":{"email":{"marketing":{"consent":"`+consent+`"}}}}}`)
	}
	rel := ""
	if list != "" {
		rel = `,"relationships":{"list":{"data":{"type":"list","id":"` + list + `"}}}`
	}
	return `{"data":{"type":"` + job + `","attributes":{"custom_source":"till","profiles":{"data":[` + strings.Join(items, ",") + `]}}` + rel + `}}`
}

func TestConsentJobs(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	consentOf := func(id string) *api.EmailMarketing {
		_, body := ts.get(t, "/api/profiles/"+id+"?additional-fields%5Bprofile%5D=subscriptions")
		return decode[api.ProfileDocument](t, body).Data.Attributes.Subscriptions.Email.Marketing
	}
	// Jan resubscribes by email (in other case) and joins the VIP list.
	resp, body := ts.do(t, "POST", "/api/profile-subscription-bulk-create-jobs",
		subscribeBody(api.TypeSubscribeJob, "SUBSCRIBED", []string{`"email":"JAN@example.nl"`}, "Xk9pQ2"))
	if resp.StatusCode != http.StatusAccepted || len(body) != 0 {
		t.Fatalf("subscribe: %d %s", resp.StatusCode, body)
	}
	m := consentOf(jan)
	if m.Consent != "SUBSCRIBED" || api.Value(m.Method) != "API" || api.Value(m.CustomMethodDetail) != "till" || !m.CanReceiveEmailMarketing ||
		len(m.Suppression) != 0 || time.Since(m.ConsentTimestamp.Time) > time.Minute {
		t.Errorf("after subscribe: %+v", m)
	}
	_, body = ts.get(t, "/api/profiles/"+jan+"/relationships/lists")
	if rel := decode[api.RelationshipCollection](t, body); len(rel.Data) != 2 {
		t.Errorf("jan's lists after subscribe: %+v", rel.Data)
	}
	// Sarah unsubscribes and leaves the newsletter.
	resp, body = ts.do(t, "POST", "/api/profile-subscription-bulk-delete-jobs",
		subscribeBody(api.TypeUnsubscribeJob, "UNSUBSCRIBED", []string{`"email":"sarah.mason@example.com"`}, "Y6nRLr"))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("unsubscribe: %d %s", resp.StatusCode, body)
	}
	if m := consentOf(sarah); m.Consent != "UNSUBSCRIBED" || m.CanReceiveEmailMarketing || len(m.Suppression) != 1 {
		t.Errorf("after unsubscribe: %+v", m)
	}
	_, body = ts.get(t, "/api/lists/Y6nRLr/relationships/profiles")
	if rel := decode[api.RelationshipCollection](t, body); len(rel.Data) != 1 || rel.Data[0].ID != jan {
		t.Errorf("newsletter after sarah left: %+v", rel.Data)
	}
	// A subscribe for an unknown email creates the profile, findable at once.
	resp, _ = ts.do(t, "POST", "/api/profile-subscription-bulk-create-jobs",
		subscribeBody(api.TypeSubscribeJob, "SUBSCRIBED", []string{`"email":"new@example.com","phone_number":"+15005550006"`}, ""))
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("subscribe new: %d", resp.StatusCode)
	}
	_, body = ts.get(t, "/api/profiles?"+q(`equals(phone_number,"+15005550006")`))
	c := decode[api.ProfileCollection](t, body)
	if len(c.Data) != 1 || len(c.Data[0].ID) != 26 || api.Value(c.Data[0].Attributes.Email) != "new@example.com" {
		t.Fatalf("created profile %+v", c.Data)
	}
	if st := ts.h.Stats().Snapshot()[System]["profiles.subscribe"]; st.Calls != 2 || st.Keys != 2 {
		t.Errorf("subscribe counters %+v", st)
	}

	bad := []struct {
		body, pointer string
		status        int
	}{
		{subscribeBody(api.TypeUnsubscribeJob, "SUBSCRIBED", []string{`"email":"a@b.c"`}, ""), "/data/type", 400},
		{subscribeBody(api.TypeSubscribeJob, "UNSUBSCRIBED", []string{`"email":"a@b.c"`}, ""), "/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consent", 400},
		{subscribeBody(api.TypeSubscribeJob, "SUBSCRIBED", []string{`"phone_number":"07700 900123"`}, ""), "/data/attributes/profiles/data/0/attributes/phone_number", 400},
		{subscribeBody(api.TypeSubscribeJob, "SUBSCRIBED", nil, ""), "/data/attributes/profiles/data", 400},
		{subscribeBody(api.TypeSubscribeJob, "SUBSCRIBED", []string{`"email":"a@b.c"`}, "nope00"), "/data/", 404},
		{`{"data":`, "/data", 400},
	}
	for _, c := range bad {
		resp, body := ts.do(t, "POST", "/api/profile-subscription-bulk-create-jobs", c.body, skipRequestCheck, "1")
		code := "invalid"
		if c.status == 404 {
			code = "not_found"
		}
		e := errorOf(t, resp, body, c.status, code)
		if e.Source == nil || e.Source.Pointer != c.pointer {
			t.Errorf("%s: source %+v, want pointer %s (%s)", c.body, e.Source, c.pointer, e.Detail)
		}
	}
	resp, body = ts.do(t, "POST", "/api/profile-subscription-bulk-create-jobs", `{}`, "Content-Type", "text/plain", skipRequestCheck, "1")
	errorOf(t, resp, body, 415, "unsupported_media_type")
}

func TestHarnessFaultAndCounters(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	ts.get(t, "/api/profiles?"+q(`any(id,["`+sarah+`","`+jan+`","x"])`))
	ts.get(t, "/api/profiles?"+q(`equals(email,"jan@example.nl")`))
	ts.get(t, "/api/events?"+q(`equals(profile_id,"`+sarah+`")`))
	ts.get(t, "/api/metrics")
	snap := ts.h.Stats().Snapshot()[System]
	if st := snap["profiles.list"]; st.Calls != 2 || fmt.Sprint(st.KeysPerCall) != "[3 1]" {
		t.Errorf("profiles.list counters %+v", st)
	}
	if st := snap["events.list"]; st.Calls != 1 || st.Keys != 1 {
		t.Errorf("events.list counters %+v", st)
	}
	if st := snap["metrics.list"]; st.Calls != 1 || st.Keys != 0 {
		t.Errorf("metrics.list counters %+v", st)
	}

	if err := ts.h.Faults().Add(harness.Fault{System: System, Endpoint: "events.list", RateLimitRate: 1, RetryAfter: 7}); err != nil {
		t.Fatal(err)
	}
	resp, body := ts.get(t, "/api/events")
	e := errorOf(t, resp, body, 429, "throttled")
	if resp.Header.Get("Retry-After") != "7" || e.Title != "Request was throttled." || e.Detail != "Request was throttled. Expected available in 7 seconds." {
		t.Errorf("429: Retry-After %q, error %+v", resp.Header.Get("Retry-After"), e)
	}
	if resp, _ := ts.get(t, "/api/profiles"); resp.StatusCode != 200 {
		t.Errorf("a fault on events.list hit profiles.list: %d", resp.StatusCode)
	}
	ts.h.Faults().Clear(System)
	if err := ts.h.Faults().Add(harness.Fault{System: System, ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	resp, body = ts.get(t, "/api/metrics")
	errorOf(t, resp, body, 503, "service_unavailable")
	ts.h.Faults().Clear(System)

	ts.h.Limits().Set(System, 1)
	defer ts.h.Limits().Set(System, 0)
	ts.get(t, "/api/metrics")
	resp, body = ts.get(t, "/api/metrics")
	errorOf(t, resp, body, 429, "throttled")
	if resp.Header.Get("Retry-After") == "" {
		t.Error("a rate-limited answer has no Retry-After")
	}
}

func TestUnknownRouteAndTrailingSlash(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	// The trailing slash Klaviyo's own links carry is accepted (the spec
	// has no such path, so this goes around the checking client).
	req, _ := http.NewRequest("GET", ts.URL+"/api/profiles/"+sarah+"/", nil)
	req.Header.Set("Authorization", "Klaviyo-API-Key "+DemoCredentials.APIKey)
	req.Header.Set("revision", DemoCredentials.Revision)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("trailing slash: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", ts.URL+"/api/segments", nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var doc api.ErrorDocument
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if resp.StatusCode != 404 || len(doc.Errors) != 1 || doc.Errors[0].Code != "not_found" {
		t.Errorf("unknown route: %d %+v", resp.StatusCode, doc)
	}
}

func TestLinksUnderPrefix(t *testing.T) {
	h := harness.New()
	mux := http.NewServeMux()
	mux.Handle("/klaviyo/", http.StripPrefix("/klaviyo", New(h, bigData(5, 0), DemoCredentials)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/klaviyo/api/profiles?page%5Bsize%5D=2", nil)
	req.Header.Set("Authorization", "Klaviyo-API-Key "+DemoCredentials.APIKey)
	req.Header.Set("revision", DemoCredentials.Revision)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c api.ProfileCollection
	_ = json.NewDecoder(resp.Body).Decode(&c)
	if !strings.HasPrefix(c.Links.Next, srv.URL+"/klaviyo/api/profiles?") || !strings.HasPrefix(c.Data[0].Links.Self, srv.URL+"/klaviyo/api/profiles/") {
		t.Errorf("links under a prefix: %+v, %+v", c.Links, c.Data[0].Links)
	}
}

func TestConcurrentReadsAndWrites(t *testing.T) {
	ts := newTestServer(t, fixture(t))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				if i%2 == 0 {
					email := fmt.Sprintf(`"email":"c%d-%d@example.com"`, i, j)
					resp, body := ts.do(t, "POST", "/api/profile-subscription-bulk-create-jobs", subscribeBody(api.TypeSubscribeJob, "SUBSCRIBED", []string{email}, "Y6nRLr"))
					if resp.StatusCode != 202 {
						t.Errorf("subscribe: %d %s", resp.StatusCode, body)
					}
				} else {
					resp, body := ts.get(t, "/api/lists/Y6nRLr/profiles?additional-fields%5Bprofile%5D=subscriptions&page%5Bsize%5D=100")
					if resp.StatusCode != 200 {
						t.Errorf("members: %d %s", resp.StatusCode, body)
					}
				}
			}
		}(i)
	}
	wg.Wait()
	members := walk(t, ts, "/api/lists/Y6nRLr/relationships/profiles?page%5Bsize%5D=100",
		func(c api.RelationshipCollection) []string {
			out := make([]string, len(c.Data))
			for i, r := range c.Data {
				out[i] = r.ID
			}
			return out
		}, func(c api.RelationshipCollection) string { return c.Links.Next })
	checkComplete(t, members, 2+40)
}

// BenchmarkServe measures the calls the gateway makes most: a page of 100
// profiles by id with consents, one profile's events with their metrics,
// and a lookup by email, over 2,000 profiles and 40,000 events.
func BenchmarkServe(b *testing.B) {
	d := bigData(2000, 20)
	h := New(harness.New(), d, DemoCredentials)
	var ids []string
	for _, p := range d.Profiles[500:600] {
		ids = append(ids, p.ID)
	}
	for _, c := range []struct{ name, path string }{
		{"profiles-by-100-ids", "/api/profiles?" + url.Values{"filter": {api.Any("id", ids)}, "page[size]": {"100"}, "additional-fields[profile]": {"subscriptions"}}.Encode()},
		{"events-of-one-profile", "/api/events?" + url.Values{"filter": {api.Equals("profile_id", ids[7])}, "include": {"metric"}, "sort": {"-datetime"}}.Encode()},
		{"profile-by-email", "/api/profiles?" + url.Values{"filter": {api.Equals("email", "P1234@example.com")}}.Encode()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", c.path, nil)
				req.Header.Set("Authorization", "Klaviyo-API-Key "+DemoCredentials.APIKey)
				req.Header.Set("revision", DemoCredentials.Revision)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || rec.Body.Len() < 100 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// Every profile, with no filter and no sort: pages in id order, following
// links.next, each profile once; the page[cursor] of a links.next, sent on
// its own with a page size, continues from there.
func TestPagingEveryProfileWithoutFilter(t *testing.T) {
	d := bigData(57, 0)
	// Stored out of id order.
	for i, j := 0, len(d.Profiles)-1; i < j; i, j = i+1, j-1 {
		d.Profiles[i], d.Profiles[j] = d.Profiles[j], d.Profiles[i]
	}
	ts := newTestServer(t, d)
	all := walk(t, ts, "/api/profiles?page%5Bsize%5D=10",
		profileIDs, func(c api.ProfileCollection) string { return c.Links.Next })
	checkComplete(t, all, 57)
	if !sort.StringsAreSorted(all) {
		t.Errorf("without a sort, pages are not in id order: %v", all)
	}
	_, body := ts.get(t, "/api/profiles?page%5Bsize%5D=10")
	first := decode[api.ProfileCollection](t, body)
	next, err := url.Parse(first.Links.Next)
	if err != nil {
		t.Fatal(err)
	}
	cursor := next.Query().Get("page[cursor]")
	if cursor == "" {
		t.Fatalf("links.next %q has no page[cursor]", first.Links.Next)
	}
	rest := walk(t, ts, "/api/profiles?"+q("", "page[cursor]", cursor, "page[size]", "25"),
		profileIDs, func(c api.ProfileCollection) string { return c.Links.Next })
	if strings.Join(rest, ",") != strings.Join(all[10:], ",") {
		t.Errorf("resumed from the second page's cursor:\n got %v\nwant %v", rest, all[10:])
	}
}
