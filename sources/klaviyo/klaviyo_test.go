package klaviyo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
	sim "github.com/omnigate/omnigate/channelsim/klaviyo"
	"github.com/omnigate/omnigate/metrics/metricstest"
)

const (
	sarah = "01GDDKASAP8TKDDA2GRZDSVP4H"
	jan   = "01GDDKASAP8TKDDA2GRZDSVP4J"
	minID = "01GDDKASAP8TKDDA2GRZDSVP4K"
)

type env struct {
	c   *Client
	h   *harness.Harness
	srv *httptest.Server
}

// setup runs the real simulator on a loopback port and a client for it.
func setup(t *testing.T, d *sim.Data, edit ...func(*Config)) *env {
	t.Helper()
	klaviyoSpec(t) // loaded before any call's deadline starts
	h := harness.New()
	srv := httptest.NewServer(sim.New(h, d, sim.DemoCredentials))
	t.Cleanup(srv.Close)
	cfg := Config{BaseURL: srv.URL, APIKey: sim.DemoCredentials.APIKey, Revision: sim.DemoCredentials.Revision, Timeout: 5 * time.Second}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg, &http.Client{Transport: &specTransport{t: t, next: http.DefaultTransport}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{c: c, h: h, srv: srv}
}

func fixture(t *testing.T) *sim.Data {
	t.Helper()
	d, err := sim.Load("../../channelsim/klaviyo/testdata/fixture")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (e *env) stats(endpoint string) harness.EndpointStats {
	return e.h.Stats().Snapshot()[sim.System][endpoint]
}

// generated is a data set of n profiles, each with events Received Email
// events a minute apart, and lists with every profile in the first.
func generated(n, events, lists int) *sim.Data {
	d := &sim.Data{Metrics: []api.Metric{{ID: "RcV3mL", Attributes: api.MetricAttributes{Name: api.String("Received Email")}}}}
	for l := 0; l < lists; l++ {
		d.Lists = append(d.Lists, api.List{ID: fmt.Sprintf("Lst%03d", l), Attributes: api.ListAttributes{Name: api.String(fmt.Sprint("list ", l))}})
	}
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("01HZZZZZZZZZZZZZZZZZZZ%04d", i)
		p := api.Profile{ID: id, Attributes: api.ProfileAttributes{Email: api.String(fmt.Sprintf("p%d@example.com", i))}}
		if lists > 0 {
			p.Relationships = &api.ProfileRelationships{Lists: &api.ToMany{Data: []api.ResourceIdentifier{{Type: "list", ID: "Lst000"}}}}
		}
		d.Profiles = append(d.Profiles, p)
		for j := 0; j < events; j++ {
			at := base.Add(time.Duration(j) * time.Minute)
			d.Events = append(d.Events, api.Event{ID: fmt.Sprintf("ev%04d%04d", i, j),
				Attributes: api.EventAttributes{Datetime: api.NewDateTime(at), EventProperties: map[string]any{"Subject": fmt.Sprint("mail ", j)}},
				Relationships: &api.EventRelationships{
					Profile: &api.ToOne{Data: &api.ResourceIdentifier{Type: "profile", ID: id}},
					Metric:  &api.ToOne{Data: &api.ResourceIdentifier{Type: "metric", ID: "RcV3mL"}},
				}})
		}
	}
	return d
}

func generatedIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("01HZZZZZZZZZZZZZZZZZZZ%04d", i)
	}
	return out
}

func TestConfig(t *testing.T) {
	ok := Config{BaseURL: "https://a.klaviyo.com/", APIKey: "pk_secret_value"}
	c, err := New(ok, nil)
	if err != nil || c.cfg.Revision != DefaultRevision || c.cfg.Retries != DefaultRetries || c.cfg.BaseURL != "https://a.klaviyo.com" {
		t.Fatalf("defaults: %+v, %v", c.cfg, err)
	}
	cases := []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.BaseURL = "" }, "BaseURL"},
		{func(c *Config) { c.BaseURL = "a.klaviyo.com" }, "BaseURL"},
		{func(c *Config) { c.BaseURL = "ftp://a.klaviyo.com" }, "BaseURL"},
		{func(c *Config) { c.APIKey = " " }, "APIKey"},
		{func(c *Config) { c.APIKey = "pk_a b" }, "APIKey"},
		{func(c *Config) { c.Revision = "latest" }, "Revision"},
		{func(c *Config) { c.Timeout = -time.Second }, "Timeout"},
		{func(c *Config) { c.Retries = 11 }, "Retries"},
		{func(c *Config) { c.Concurrency = 100 }, "Concurrency"},
		{func(c *Config) { c.MaxPages = -1 }, "MaxPages"},
		{func(c *Config) { c.ListCacheTTL = -1 }, "ListCacheTTL"},
	}
	for _, tc := range cases {
		cfg := ok
		tc.edit(&cfg)
		_, err := New(cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %+v: error %v, want one naming %s", cfg, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "pk_secret_value") {
			t.Errorf("error %q shows the key", err)
		}
	}
	if c, err := New(Config{BaseURL: "http://x", APIKey: "k", Retries: NoRetries}, nil); err != nil || c.cfg.Retries != 0 {
		t.Errorf("NoRetries: %+v %v", c, err)
	}
}

func TestFindCustomers(t *testing.T) {
	e := setup(t, fixture(t))
	ctx := context.Background()
	recs, err := e.c.FindCustomers(ctx, omnigate.KindEmail, "sarah.mason@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Fatalf("found %d", len(recs))
	}
	r := recs[0]
	if r.ID != sarah || r.System != omnigate.Klaviyo || r.GivenName != "Sarah" || r.FamilyName != "Mason" || r.Country != "GB" ||
		len(r.Emails) != 1 || r.Emails[0] != " Sarah.Mason@Example.com" || len(r.Phones) != 1 || r.Phones[0] != "+447700900123" ||
		len(r.Addresses) != 1 || r.Addresses[0].City != "London" || r.Addresses[0].PostalCode != "W1D 3QP" ||
		!r.CreatedAt.Equal(time.Date(2022, 11, 8, 0, 0, 0, 0, time.UTC)) || r.WebshopID != "web-1001" {
		t.Errorf("record %+v", r)
	}
	recs, err = e.c.FindCustomers(ctx, omnigate.KindPhone, "+447700900123")
	if err != nil || len(recs) != 1 || recs[0].ID != sarah {
		t.Errorf("by phone: %+v %v", recs, err)
	}
	recs, err = e.c.FindCustomers(ctx, omnigate.KindEmail, "jan@example.nl")
	if err != nil || len(recs) != 1 || recs[0].Country != "NL" || len(recs[0].Addresses) != 1 {
		t.Errorf("jan: %+v %v", recs, err)
	}
	recs, err = e.c.FindCustomers(ctx, omnigate.KindEmail, "nobody@example.com")
	if err != nil || len(recs) != 0 {
		t.Errorf("nobody: %+v %v", recs, err)
	}
	for _, bad := range []struct {
		kind  omnigate.IdentifierKind
		value string
	}{{omnigate.KindCommercetoolsID, " "}, {omnigate.KindEmail, " "}} {
		_, err = e.c.FindCustomers(ctx, bad.kind, bad.value)
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != omnigate.EINVALID || oe.Source != omnigate.Klaviyo {
			t.Errorf("%s %q: %v", bad.kind, bad.value, err)
		}
	}
	if st := e.stats("profiles.list"); st.Calls != 4 || fmt.Sprint(st.KeysPerCall) != "[1 1 1 1]" {
		t.Errorf("profiles.list %+v", st)
	}
}

func TestFindCustomersByWebshopID(t *testing.T) {
	e := setup(t, fixture(t))
	ctx := context.Background()
	recs, err := e.c.FindCustomers(ctx, omnigate.KindCommercetoolsID, " web-1001 ")
	if err != nil || len(recs) != 1 || recs[0].ID != sarah || recs[0].WebshopID != "web-1001" {
		t.Errorf("by webshop id: %+v %v", recs, err)
	}
	if recs, err := e.c.FindCustomers(ctx, omnigate.KindCommercetoolsID, "web-9999"); err != nil || len(recs) != 0 {
		t.Errorf("unknown webshop id: %+v %v", recs, err)
	}
	// The webshop id is matched whole, not as a prefix.
	if recs, err := e.c.FindCustomers(ctx, omnigate.KindCommercetoolsID, "web-100"); err != nil || len(recs) != 0 {
		t.Errorf("webshop id prefix: %+v %v", recs, err)
	}
	if st := e.stats("profiles.list"); st.Calls != 3 {
		t.Errorf("profiles.list %+v", st)
	}
	// Klaviyo keeps no loyalty ids, nor kinds it does not know: nothing
	// found, no error and no call.
	for _, kind := range []omnigate.IdentifierKind{omnigate.KindLoyalty, "shoe_size"} {
		if recs, err := e.c.FindCustomers(ctx, kind, "web-1001"); err != nil || recs != nil {
			t.Errorf("FindCustomers(%s): %+v %v, want nothing and no error", kind, recs, err)
		}
	}
	if st := e.stats("profiles.list"); st.Calls != 3 {
		t.Errorf("profiles.list after unsearchable kinds %+v", st)
	}
}

func TestGetCustomersBatches(t *testing.T) {
	e := setup(t, generated(250, 0, 0))
	ids := append(append(generatedIDs(250), "01HZZZZZZZZZZZZZZZZZZZ9999", ""), generatedIDs(3)...)
	got, err := e.c.GetCustomers(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || got["01HZZZZZZZZZZZZZZZZZZZ0249"].Emails[0] != "p249@example.com" {
		t.Fatalf("got %d records", len(got))
	}
	st := e.stats("profiles.list")
	keys := append([]int(nil), st.KeysPerCall...)
	sort.Ints(keys)
	// 251 distinct ids in calls of at most 100: 3 calls, not 251.
	if st.Calls != 3 || fmt.Sprint(keys) != "[51 100 100]" {
		t.Errorf("profiles.list: %d calls, keys %v", st.Calls, keys)
	}
	if got, err := e.c.GetCustomers(context.Background(), nil); err != nil || len(got) != 0 {
		t.Errorf("no ids: %v %v", got, err)
	}
	if st := e.stats("profiles.list"); st.Calls != 3 {
		t.Errorf("no ids still called: %d calls", st.Calls)
	}
}

func TestProfiles(t *testing.T) {
	e := setup(t, fixture(t))
	ctx := context.Background()
	got, err := e.c.Profiles(ctx, []string{sarah, jan, minID, "01GDDKASAP8TKDDA2GRZDSVP00"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d profiles", len(got))
	}
	s := got[sarah]
	if s.Email != " Sarah.Mason@Example.com" || strings.Join(s.ListIDs, ",") != "Xk9pQ2,Y6nRLr" || len(s.Consents) != 2 {
		t.Fatalf("sarah %+v", s)
	}
	email, sms := s.Consents[0], s.Consents[1]
	if email.Channel != "email" || email.Status != omnigate.ConsentSubscribed || email.Method != "FORM" || email.Source != omnigate.Klaviyo ||
		!email.At.Equal(time.Date(2023, 2, 21, 20, 7, 38, 0, time.UTC)) {
		t.Errorf("email consent %+v", email)
	}
	if sms.Channel != "sms" || sms.Status != omnigate.ConsentSubscribed || sms.Method != "IN_STORE" {
		t.Errorf("sms consent %+v", sms)
	}
	j := got[jan]
	if j.Consents[0].Status != omnigate.ConsentUnsubscribed || j.Consents[1].Status != omnigate.ConsentNeverSubscribed || !j.Consents[1].At.IsZero() ||
		strings.Join(j.ListIDs, ",") != "Y6nRLr" {
		t.Errorf("jan %+v", j)
	}
	if m := got[minID]; len(m.ListIDs) != 0 || m.Consents[0].Status != omnigate.ConsentNeverSubscribed {
		t.Errorf("minimal %+v", m)
	}
	// One call for the profiles, one for the lists, one per list for the
	// memberships; a second call finds the lists cached.
	if _, err := e.c.Profiles(ctx, []string{jan}); err != nil {
		t.Fatal(err)
	}
	if p, l, m := e.stats("profiles.list"), e.stats("lists.list"), e.stats("lists.profile-ids"); p.Calls != 2 || l.Calls != 1 || m.Calls != 4 ||
		fmt.Sprint(p.KeysPerCall) != "[4 1]" {
		t.Errorf("calls: profiles %+v, lists %+v, members %+v", p, l, m)
	}
}

func TestProfilesCostPerBatchNotPerProfile(t *testing.T) {
	e := setup(t, generated(150, 0, 3))
	got, err := e.c.Profiles(context.Background(), generatedIDs(150))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 150 || strings.Join(got["01HZZZZZZZZZZZZZZZZZZZ0149"].ListIDs, ",") != "Lst000" {
		t.Fatalf("got %d, last %+v", len(got), got["01HZZZZZZZZZZZZZZZZZZZ0149"])
	}
	// 150 profiles: 2 profile calls; 3 lists × 2 email batches = 6
	// membership calls; 1 lists call.
	if p, l, m := e.stats("profiles.list"), e.stats("lists.list"), e.stats("lists.profile-ids"); p.Calls != 2 || l.Calls != 1 || m.Calls != 6 || m.MaxKeys != 100 {
		t.Errorf("calls: profiles %+v, lists %+v, members %+v", p, l, m)
	}
}

func TestEventsByProfile(t *testing.T) {
	e := setup(t, fixture(t))
	got, err := e.c.EventsByProfile(context.Background(), []string{sarah, jan, minID, sarah})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got[minID]; ok || len(got) != 2 {
		t.Fatalf("got %+v", got)
	}
	s := got[sarah]
	var kinds []string
	for _, ev := range s {
		kinds = append(kinds, string(ev.Kind))
	}
	// Viewed Product is no email event; the rest come newest first.
	if strings.Join(kinds, ",") != "PLACED_ORDER,CLICKED,OPENED,RECEIVED" {
		t.Fatalf("kinds %v", kinds)
	}
	order, clicked := s[0], s[1]
	if order.Value == nil || *order.Value != (omnigate.Money{Cents: 5990, Currency: "GBP"}) || order.ProfileID != sarah || order.ID != "4vRpBT3zNJd" ||
		!order.At.Equal(time.Date(2023, 2, 21, 20, 20, 0, 0, time.UTC)) {
		t.Errorf("order %+v", order)
	}
	if clicked.URL != "https://shop.example.com/spring" || clicked.Subject != "Spring arrivals" || clicked.Campaign != "Spring 2023" || clicked.Value != nil {
		t.Errorf("clicked %+v", clicked)
	}
	if v := got[jan][0].Value; v == nil || *v != (omnigate.Money{Cents: 12000, Currency: "EUR"}) {
		t.Errorf("jan's order %+v", got[jan][0])
	}
	// One call per distinct profile: Klaviyo filters events by one
	// profile_id only. Metric names came with the events.
	if ev, m := e.stats("events.list"), e.stats("metrics.list"); ev.Calls != 3 || ev.MaxKeys != 1 || m.Calls != 0 {
		t.Errorf("events.list %+v, metrics.list %+v", ev, m)
	}
}

func TestEventsPagingAndCap(t *testing.T) {
	before := metricstest.Value("omnigate_upstream_lists_cut_total", "system", "klaviyo", "list", "events")
	cut := func() float64 {
		return metricstest.Value("omnigate_upstream_lists_cut_total", "system", "klaviyo", "list", "events") - before
	}
	e := setup(t, generated(2, 2450, 0))
	id := "01HZZZZZZZZZZZZZZZZZZZ0001"
	got, err := e.c.EventsByProfile(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	evs := got[id]
	if len(evs) != 2450 || evs[0].Subject != "mail 2449" || evs[2449].Subject != "mail 0" {
		t.Fatalf("%d events, first %+v", len(evs), evs[0])
	}
	seen := map[string]bool{}
	for _, ev := range evs {
		if seen[ev.ID] {
			t.Fatalf("event %s twice", ev.ID)
		}
		seen[ev.ID] = true
	}
	if st := e.stats("events.list"); st.Calls != 3 {
		t.Errorf("2,450 events in pages of 1,000: %d calls, want 3", st.Calls)
	}
	if cut() != 0 {
		t.Errorf("%v event listings counted as cut after a walk that read them all", cut())
	}
	capped := setup(t, generated(1, 2450, 0), func(c *Config) { c.MaxPages = 1 })
	got, err = capped.c.EventsByProfile(context.Background(), []string{"01HZZZZZZZZZZZZZZZZZZZ0000"})
	if err != nil {
		t.Fatal(err)
	}
	if evs := got["01HZZZZZZZZZZZZZZZZZZZ0000"]; len(evs) != 1000 || evs[0].Subject != "mail 2449" {
		t.Errorf("capped: %d events, the newest kept first: %+v", len(evs), evs[0])
	}
	if cut() != 1 {
		t.Errorf("%v event listings counted as cut, want 1", cut())
	}
}

func TestMetrics(t *testing.T) {
	e := setup(t, fixture(t))
	ms, err := e.c.Metrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]omnigate.EmailEventKind{}
	for _, m := range ms {
		kinds[m.Name] = m.Kind
	}
	if len(ms) != 5 || kinds["Placed Order"] != omnigate.PlacedOrder || kinds["Opened Email"] != omnigate.EmailOpened || kinds["Viewed Product"] != "" {
		t.Errorf("metrics %+v", ms)
	}
	if _, err := e.c.Metrics(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := e.stats("metrics.list"); st.Calls != 1 {
		t.Errorf("metrics listed %d times", st.Calls)
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, err error, code string) {
		t.Helper()
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != code || oe.Source != omnigate.Klaviyo {
			t.Fatalf("error %v, want code %s from klaviyo", err, code)
		}
		if strings.Contains(err.Error(), sim.DemoCredentials.APIKey) || strings.Contains(err.Error(), "pk_") {
			t.Errorf("error %q shows a key", err)
		}
	}
	t.Run("wrong key", func(t *testing.T) {
		e := setup(t, fixture(t), func(c *Config) { c.APIKey = "pk_wrong_key_1234567890" })
		_, err := e.c.GetCustomers(ctx, []string{sarah})
		check(t, err, omnigate.EAUTH)
		if !strings.Contains(err.Error(), "authentication_failed") {
			t.Errorf("error %q does not carry Klaviyo's code", err)
		}
	})
	t.Run("unknown revision", func(t *testing.T) {
		e := setup(t, fixture(t), func(c *Config) { c.Revision = "2019-01-01" })
		_, err := e.c.FindCustomers(ctx, omnigate.KindEmail, "a@b.c")
		check(t, err, omnigate.EREJECTED)
	})
	t.Run("server errors", func(t *testing.T) {
		e := setup(t, fixture(t), func(c *Config) { c.Retries = 2 })
		e.h.Faults().Add(harness.Fault{System: sim.System, ErrorRate: 1})
		_, err := e.c.EventsByProfile(ctx, []string{sarah})
		check(t, err, omnigate.EUNAVAILABLE)
		if st := e.stats("events.list"); st.Calls != 3 {
			t.Errorf("a failing read was tried %d times, want 3", st.Calls)
		}
	})
	t.Run("malformed", func(t *testing.T) {
		e := setup(t, fixture(t), func(c *Config) { c.Retries = NoRetries })
		e.h.Faults().Add(harness.Fault{System: sim.System, MalformedRate: 1})
		_, err := e.c.Profiles(ctx, []string{sarah})
		check(t, err, omnigate.EBADRESPONSE)
	})
	t.Run("hang", func(t *testing.T) {
		e := setup(t, fixture(t), func(c *Config) { c.Timeout = 200 * time.Millisecond })
		e.h.Faults().Add(harness.Fault{System: sim.System, HangRate: 1})
		_, err := e.c.GetCustomers(ctx, []string{sarah})
		check(t, err, omnigate.ETIMEOUT)
	})
	t.Run("rate limit storm", func(t *testing.T) {
		e := setup(t, fixture(t), func(c *Config) { c.Timeout = 500 * time.Millisecond })
		e.h.Faults().Add(harness.Fault{System: sim.System, RateLimitRate: 1, RetryAfter: 5})
		start := time.Now()
		_, err := e.c.GetCustomers(ctx, []string{sarah})
		check(t, err, omnigate.ERATELIMITED)
		if time.Since(start) > 400*time.Millisecond {
			t.Errorf("waited %v for a Retry-After past the deadline", time.Since(start))
		}
	})
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	e := setup(t, fixture(t))
	// One call a second: the second call gets 429 with Retry-After: 1,
	// waits, and succeeds.
	e.h.Limits().Set(sim.System, 1)
	ctx := context.Background()
	if _, err := e.c.GetCustomers(ctx, []string{sarah}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := e.c.GetCustomers(ctx, []string{jan})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || time.Since(start) < 500*time.Millisecond {
		t.Errorf("got %d records after %v", len(got), time.Since(start))
	}
	if st := e.stats("profiles.list"); st.Statuses[429] < 1 || st.Statuses[200] != 2 {
		t.Errorf("statuses %+v", st.Statuses)
	}
}

func TestNextLinkElsewhereIsRefused(t *testing.T) {
	// A test double: the simulator never sends such a link.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", api.MediaType)
		fmt.Fprint(w, `{"data":[],"links":{"self":"x","next":"https://evil.example.com/api/profiles?page%5Bcursor%5D=x"}}`)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, APIKey: "pk_k"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FindCustomers(context.Background(), omnigate.KindEmail, "a@b.c")
	var oe *omnigate.Error
	if !errors.As(err, &oe) || oe.Code != omnigate.EBADRESPONSE {
		t.Errorf("error %v", err)
	}
}

func TestOrderValue(t *testing.T) {
	cases := []struct {
		props map[string]any
		want  *omnigate.Money
	}{
		{map[string]any{"$value": 59.9, "Currency": "GBP"}, &omnigate.Money{Cents: 5990, Currency: "GBP"}},
		{map[string]any{"$value": 0.1 + 0.2, "Currency": "eur"}, &omnigate.Money{Cents: 30, Currency: "EUR"}},
		{map[string]any{"$value": 1200.0, "$currency_code": "JPY"}, &omnigate.Money{Cents: 1200, Currency: "JPY"}},
		{map[string]any{"$value": "12.345", "$value_currency": "KWD"}, &omnigate.Money{Cents: 12345, Currency: "KWD"}},
		{map[string]any{"$value": 10.0}, nil},
		{map[string]any{"Currency": "GBP"}, nil},
		{map[string]any{"$value": "ten", "Currency": "GBP"}, nil},
		{map[string]any{"$value": 1e300, "Currency": "GBP"}, nil},
	}
	for _, c := range cases {
		got := orderValue(c.props)
		if (got == nil) != (c.want == nil) || (got != nil && *got != *c.want) {
			t.Errorf("%v: got %+v, want %+v", c.props, got, c.want)
		}
	}
}

func TestUnderPathPrefix(t *testing.T) {
	// cmd/channelsim or a proxy may serve the simulator under a prefix; the
	// paging links keep it and the connector follows them.
	h := harness.New()
	mux := http.NewServeMux()
	mux.Handle("/klaviyo/", http.StripPrefix("/klaviyo", sim.New(h, generated(1, 450, 0), sim.DemoCredentials)))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL + "/klaviyo/", APIKey: sim.DemoCredentials.APIKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.EventsByProfile(context.Background(), []string{"01HZZZZZZZZZZZZZZZZZZZ0000"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got["01HZZZZZZZZZZZZZZZZZZZ0000"]); n != 450 {
		t.Errorf("%d events through the prefix, want 450", n)
	}
	if _, err := c.relative(srv.URL + "/klaviyo2/api/events"); err == nil {
		t.Error("a link beside the prefix was followed")
	}
}

// The spec gives a metric's integration as a free-form object: a member
// that is not a string must not make the account's metrics unreadable (and
// with them every email event). A test double: the simulator sends strings.
func TestMetricIntegrationIsFreeForm(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", api.MediaType)
		fmt.Fprint(w, `{"data":[`+
			`{"type":"metric","id":"M1","attributes":{"name":"Received Email","integration":{"object":"integration","id":"0rG4eQ","key":"klaviyo","name":"Klaviyo","category":{"category":"INTERNAL"},"logo":7}},"links":{"self":"x"}},`+
			`{"type":"metric","id":"M2","attributes":{"name":"Opened Email","integration":{"name":12,"key":null}},"links":{"self":"y"}},`+
			`{"type":"metric","id":"M3","attributes":{"name":"Clicked Email","integration":null},"links":{"self":"z"}}`+
			`],"links":{"self":"s","next":null}}`)
	}))
	defer srv.Close()
	c, err := New(Config{BaseURL: srv.URL, APIKey: "pk_k"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := c.Metrics(context.Background())
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	if len(ms) != 3 || ms[0].Integration != "Klaviyo" || ms[0].Kind != omnigate.EmailReceived ||
		ms[1].Integration != "" || ms[1].Kind != omnigate.EmailOpened || ms[2].Kind != omnigate.EmailClicked {
		t.Errorf("metrics %+v", ms)
	}
}
