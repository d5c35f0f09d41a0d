package zendesk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
	sim "github.com/omnigate/omnigate/channelsim/zendesk"
	"github.com/omnigate/omnigate/metrics/metricstest"
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// env is the real simulator on a loopback port with a connector pointed at
// it. inFlight and maxInFlight count concurrent requests, to prove the
// connector's bound.
type env struct {
	h           *harness.Harness
	srv         *httptest.Server
	c           *Client
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

func setup(t *testing.T, w *world.World, cfg Config) *env {
	t.Helper()
	e := &env{h: harness.New()}
	handler := sim.New(e.h, sim.FromWorld(w), sim.DemoCredentials)
	e.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		n := e.inFlight.Add(1)
		defer e.inFlight.Add(-1)
		for {
			m := e.maxInFlight.Load()
			if n <= m || e.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		handler.ServeHTTP(rw, r)
	}))
	t.Cleanup(e.srv.Close)
	cfg.BaseURL = e.srv.URL
	if cfg.OAuthToken == "" && cfg.Email == "" {
		cfg.Email, cfg.APIToken = sim.DemoCredentials.Email, sim.DemoCredentials.APIToken
	}
	c, err := New(cfg, e.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	return e
}

func (e *env) stats(endpoint string) harness.EndpointStats {
	return e.h.Stats().Snapshot()[sim.System][endpoint]
}

// smallWorld has customers in two countries whose phones were typed in
// national and international form, including one national number that is
// the same digits in another country.
func smallWorld() *world.World {
	return &world.World{
		SupportUsers: []world.SupportUser{
			{ID: 11, Name: "Alice Smith", Email: "Alice.Smith@Example.com", Phone: "+44 7700 900123", Locale: "en-GB", TimeZone: "Europe/London", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour)},
			{ID: 12, Name: "Bob Jones", Email: "bob@example.com", Phone: "07700 900123", Locale: "en", TimeZone: "London", CreatedAt: t0, UpdatedAt: t0},
			{ID: 13, Name: "Bernd Maier", Email: "bernd@example.de", Phone: "07700 900123", Locale: "de", TimeZone: "Europe/Berlin", CreatedAt: t0, UpdatedAt: t0},
			{ID: 14, Name: "Nora Nowhere", Email: "nora@example.com", Phone: "07700 900123", Locale: "en", TimeZone: "UTC", CreatedAt: t0, UpdatedAt: t0},
			{ID: 15, Name: "Carla", Email: "carla@example.com", Phone: "0044 7700 900123", Locale: "en-GB", ExternalID: "web-0015", CreatedAt: t0, UpdatedAt: t0},
		},
		Tickets: []world.Ticket{
			{ID: 101, RequesterID: 11, Subject: "Late parcel", Status: "solved", Priority: "high", Channel: "email", Satisfaction: world.Satisfaction{ID: 1, Score: "good", Comment: "Fast!"}, CreatedAt: t0.Add(1 * time.Hour), UpdatedAt: t0.Add(5 * time.Hour)},
			{ID: 102, RequesterID: 11, Subject: "Refund", Status: "open", Channel: "chat", CreatedAt: t0.Add(3 * time.Hour), UpdatedAt: t0.Add(3 * time.Hour)},
			{ID: 103, RequesterID: 12, Subject: "Size", Status: "new", Channel: "twitter", Satisfaction: world.Satisfaction{ID: 2, Score: "offered"}, CreatedAt: t0.Add(2 * time.Hour), UpdatedAt: t0.Add(2 * time.Hour)},
		},
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	cases := map[string]Config{
		"BaseURL or Subdomain": {Email: "a@b.c", APIToken: "t"},
		"Subdomain":            {Subdomain: "Bad Name", Email: "a@b.c", APIToken: "t"},
		"BaseURL":              {BaseURL: "ftp://x", Email: "a@b.c", APIToken: "t"},
		"OAuthToken":           {BaseURL: "http://x"},
		"Email":                {BaseURL: "http://x", Email: "agent", APIToken: "s3cret"},
		"APIToken is empty":    {BaseURL: "http://x", Email: "a@b.c"},
		"Timeout":              {BaseURL: "http://x", OAuthToken: "o", Timeout: -1},
		"Retries":              {BaseURL: "http://x", OAuthToken: "o", Retries: -2},
		"Concurrency":          {BaseURL: "http://x", OAuthToken: "o", Concurrency: -1},
		"MaxPages":             {BaseURL: "http://x", OAuthToken: "o", MaxPages: -1},
		"DefaultRegion":        {BaseURL: "http://x", OAuthToken: "o", DefaultRegion: "XX"},
	}
	for setting, cfg := range cases {
		_, err := New(cfg, nil)
		if err == nil || !strings.Contains(err.Error(), setting) {
			t.Errorf("%+v: error %v, want one naming %s", cfg, err, setting)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the token: %v", err)
		}
	}
	c, err := New(Config{Subdomain: "omnigate-demo", OAuthToken: "o"}, nil)
	if err != nil || c.cfg.BaseURL != "https://omnigate-demo.zendesk.com" || c.cfg.Retries != 2 || c.cfg.Concurrency != 4 {
		t.Errorf("defaults: %v %+v", err, c)
	}
}

func TestFindCustomersByEmail(t *testing.T) {
	e := setup(t, smallWorld(), Config{})
	got, err := e.c.FindCustomers(context.Background(), omnigate.KindEmail, "alice.smith@example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := omnigate.CustomerRecord{
		System: omnigate.Zendesk, ID: "11", GivenName: "Alice", FamilyName: "Smith",
		Emails: []string{"Alice.Smith@Example.com"}, Phones: []string{"+44 7700 900123"},
		Country: "GB", CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
	}
	if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	// The agent whose credentials the demo uses is staff, not a customer.
	got, err = e.c.FindCustomers(context.Background(), omnigate.KindEmail, sim.DemoCredentials.Email)
	if err != nil || len(got) != 0 {
		t.Errorf("agent found as a customer: %v %+v", err, got)
	}
	if st := e.stats("users.search"); st.Calls != 2 {
		t.Errorf("users.search calls %d, want 2", st.Calls)
	}
}

func TestFindCustomersByPhoneOneCallAllFormats(t *testing.T) {
	e := setup(t, smallWorld(), Config{})
	got, err := e.c.FindCustomers(context.Background(), omnigate.KindPhone, "+447700900123")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range got {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	// 11: international form; 12: national form, GB from the time zone;
	// 15: 00-prefixed international form. 13 is a German number with the
	// same digits; 14 says nothing about its country.
	if !reflect.DeepEqual(ids, []string{"11", "12", "15"}) {
		t.Errorf("found %v, want [11 12 15]", ids)
	}
	if st := e.stats("users.search"); st.Calls != 1 || !reflect.DeepEqual(st.KeysPerCall, []int{1}) {
		t.Errorf("users.search: %d calls, want 1 for every format", st.Calls)
	}

	// With a default region, a national number of a user who says nothing
	// about their country is read in it.
	e = setup(t, smallWorld(), Config{DefaultRegion: "gb"})
	got, _ = e.c.FindCustomers(context.Background(), omnigate.KindPhone, "+447700900123")
	if len(got) != 4 {
		t.Errorf("with DefaultRegion GB: %d records, want 4 (14 included)", len(got))
	}
	got, _ = e.c.FindCustomers(context.Background(), omnigate.KindPhone, "+4977009 00123")
	if len(got) != 1 || got[0].ID != "13" {
		t.Errorf("German number: %+v", got)
	}
}

func TestFindCustomersByWebshopID(t *testing.T) {
	w := smallWorld()
	// An id that starts with the one asked for is another customer's.
	w.SupportUsers = append(w.SupportUsers, world.SupportUser{ID: 16, Name: "Dora Webb", Email: "dora@example.com", ExternalID: "web-00151", CreatedAt: t0, UpdatedAt: t0})
	e := setup(t, w, Config{})
	ctx := context.Background()
	got, err := e.c.FindCustomers(ctx, omnigate.KindCommercetoolsID, " web-0015 ")
	if err != nil || len(got) != 1 || got[0].ID != "15" || got[0].WebshopID != "web-0015" {
		t.Errorf("by webshop id: %+v %v", got, err)
	}
	if got, err := e.c.FindCustomers(ctx, omnigate.KindCommercetoolsID, "web-9999"); err != nil || len(got) != 0 {
		t.Errorf("unknown webshop id: %+v %v", got, err)
	}
	if st := e.stats("users.search"); st.Calls != 2 {
		t.Errorf("users.search %+v", st)
	}
	// Zendesk keeps no loyalty ids, nor kinds it does not know: nothing
	// found, no error and no call.
	for _, kind := range []omnigate.IdentifierKind{omnigate.KindLoyalty, "shoe_size"} {
		if got, err := e.c.FindCustomers(ctx, kind, "web-0015"); err != nil || got != nil {
			t.Errorf("FindCustomers(%s): %+v %v, want nothing and no error", kind, got, err)
		}
	}
	if st := e.stats("users.search"); st.Calls != 2 {
		t.Errorf("users.search after unsearchable kinds %+v", st)
	}
	recs, err := e.c.GetCustomers(ctx, []string{"11", "15"})
	if err != nil || recs["15"].WebshopID != "web-0015" || recs["11"].WebshopID != "" {
		t.Errorf("GetCustomers webshop ids: %+v %v", recs, err)
	}
}

func TestFindCustomersRejectsBadInput(t *testing.T) {
	e := setup(t, smallWorld(), Config{})
	cases := []struct {
		kind  omnigate.IdentifierKind
		value string
	}{
		{omnigate.KindEmail, ""},
		{omnigate.KindEmail, "not-an-email"},
		{omnigate.KindEmail, `a"b@c.d`},
		{omnigate.KindPhone, "07700 900123"},
		{omnigate.KindPhone, "+abc"},
		{omnigate.KindCommercetoolsID, " "},
	}
	for _, c := range cases {
		_, err := e.c.FindCustomers(context.Background(), c.kind, c.value)
		if omnigate.ErrorCode(err) != omnigate.EINVALID {
			t.Errorf("%s %q: %v, want INVALID_INPUT", c.kind, c.value, err)
		}
	}
	if _, err := e.c.GetCustomers(context.Background(), []string{"11", "x1"}); omnigate.ErrorCode(err) != omnigate.EINVALID || !strings.Contains(err.Error(), "x1") {
		t.Errorf("bad id: %v", err)
	}
	if calls := len(e.h.Stats().Endpoints(sim.System)); calls != 0 {
		t.Errorf("bad input reached Zendesk: %v", e.h.Stats().Endpoints(sim.System))
	}
}

func TestGetCustomersBatchesOf100(t *testing.T) {
	w := &world.World{}
	var ids []string
	for i := range 250 {
		id := int64(1000 + i)
		w.SupportUsers = append(w.SupportUsers, world.SupportUser{ID: id, Name: fmt.Sprintf("User %d", i), Email: fmt.Sprintf("u%d@example.com", i), CreatedAt: t0, UpdatedAt: t0})
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	e := setup(t, w, Config{Concurrency: 2})
	ask := append(slices.Clone(ids), "999999", "1000") // one unknown, one repeat
	got, err := e.c.GetCustomers(context.Background(), ask)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 || got["1042"].Emails[0] != "u42@example.com" || got["1042"].GivenName != "User" {
		t.Errorf("%d records, 1042 = %+v", len(got), got["1042"])
	}
	if _, ok := got["999999"]; ok {
		t.Error("an unknown id is in the map")
	}
	st := e.stats("users.show_many")
	keys := slices.Clone(st.KeysPerCall)
	slices.Sort(keys)
	if st.Calls != 3 || !reflect.DeepEqual(keys, []int{51, 100, 100}) {
		t.Errorf("show_many: %d calls with %v keys, want 3 calls of at most 100", st.Calls, st.KeysPerCall)
	}
	if m := e.maxInFlight.Load(); m > 2 {
		t.Errorf("%d calls in flight, bound is 2", m)
	}
}

func TestTicketsByRequester(t *testing.T) {
	e := setup(t, smallWorld(), Config{})
	got, err := e.c.TicketsByRequester(context.Background(), []string{"11", "12", "13", "424242"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]omnigate.Ticket{
		"11": {
			{ID: "102", RequesterID: "11", Subject: "Refund", Status: "open", Via: "chat", CreatedAt: t0.Add(3 * time.Hour), UpdatedAt: t0.Add(3 * time.Hour)},
			{ID: "101", RequesterID: "11", Subject: "Late parcel", Status: "solved", Priority: "high", Via: "email", Satisfaction: "good", SatisfactionComment: "Fast!", CreatedAt: t0.Add(time.Hour), UpdatedAt: t0.Add(5 * time.Hour)},
		},
		"12": {{ID: "103", RequesterID: "12", Subject: "Size", Status: "new", Via: "twitter", Satisfaction: "offered", CreatedAt: t0.Add(2 * time.Hour), UpdatedAt: t0.Add(2 * time.Hour)}},
		"13": {},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if st := e.stats("tickets.requested"); st.Calls != 4 {
		t.Errorf("tickets.requested calls %d, want one per user (a vendor limit)", st.Calls)
	}
}

func TestTicketsByRequesterPagesAndBoundsConcurrency(t *testing.T) {
	w := &world.World{}
	for u := range 10 {
		uid := int64(50 + u)
		w.SupportUsers = append(w.SupportUsers, world.SupportUser{ID: uid, Name: "U", CreatedAt: t0, UpdatedAt: t0})
		n := 3
		if u == 0 {
			n = 250 // three pages of 100
		}
		for i := range n {
			w.Tickets = append(w.Tickets, world.Ticket{ID: uid*1000 + int64(i), RequesterID: uid, Subject: "s", Status: "open", Channel: "web",
				CreatedAt: t0.Add(time.Duration(i*7%n) * time.Minute), UpdatedAt: t0})
		}
	}
	e := setup(t, w, Config{Concurrency: 3})
	// Latency makes the calls overlap, so that the bound is what limits them.
	if err := e.h.Faults().Add(harness.Fault{System: sim.System, Latency: harness.Duration(20 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for u := range 10 {
		ids = append(ids, strconv.Itoa(50+u))
	}
	got, err := e.c.TicketsByRequester(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got["50"]) != 250 || len(got["59"]) != 3 {
		t.Fatalf("user 50: %d tickets, user 59: %d", len(got["50"]), len(got["59"]))
	}
	seen := map[string]bool{}
	for i, tk := range got["50"] {
		if seen[tk.ID] {
			t.Fatalf("ticket %s twice", tk.ID)
		}
		seen[tk.ID] = true
		if i > 0 && tk.CreatedAt.After(got["50"][i-1].CreatedAt) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	if st := e.stats("tickets.requested"); st.Calls != 12 {
		t.Errorf("tickets.requested calls %d, want 12 (3 pages for one user, 1 for nine)", st.Calls)
	}
	if m := e.maxInFlight.Load(); m > 3 || m < 2 {
		t.Errorf("%d calls in flight at most, want 2..3 with Concurrency 3", m)
	}

	// Capped at two pages, user 50's oldest tickets are left out, and the
	// cut is counted; three pages read all and count none.
	before := metricstest.Value("omnigate_upstream_lists_cut_total", "system", "zendesk", "list", "tickets")
	cut := func() float64 {
		return metricstest.Value("omnigate_upstream_lists_cut_total", "system", "zendesk", "list", "tickets") - before
	}
	capped := setup(t, w, Config{MaxPages: 2})
	got, err = capped.c.TicketsByRequester(context.Background(), []string{"50"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got["50"]) != 200 || cut() != 1 {
		t.Errorf("capped at 2 pages: %d tickets, %v cuts counted; want 200 and 1", len(got["50"]), cut())
	}
	exact := setup(t, w, Config{MaxPages: 3})
	if _, err := exact.c.TicketsByRequester(context.Background(), []string{"50"}); err != nil || cut() != 1 {
		t.Errorf("three pages of three: %v cuts counted (%v), want still 1", cut(), err)
	}
}

func TestAuthFailureIsAnAuthError(t *testing.T) {
	e := setup(t, smallWorld(), Config{Email: sim.DemoCredentials.Email, APIToken: "wrong-secret-token"})
	_, err := e.c.GetCustomers(context.Background(), []string{"11"})
	var oe *omnigate.Error
	if !errors.As(err, &oe) || oe.Code != omnigate.EAUTH || oe.Source != omnigate.Zendesk {
		t.Fatalf("error %v, want SOURCE_AUTH_FAILED from zendesk", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-token") {
		t.Errorf("the token leaked: %v", err)
	}
	if !strings.Contains(err.Error(), "Couldn't authenticate you") {
		t.Errorf("Zendesk's reason is missing: %v", err)
	}

	e = setup(t, smallWorld(), Config{OAuthToken: sim.DemoCredentials.OAuthToken})
	if got, err := e.c.GetCustomers(context.Background(), []string{"11"}); err != nil || len(got) != 1 {
		t.Errorf("OAuth: %v %v", err, got)
	}
}

func TestFaultsMapToCodes(t *testing.T) {
	cases := []struct {
		fault harness.Fault
		code  string
		calls int64
	}{
		{harness.Fault{ErrorRate: 1, ErrorStatus: 503}, omnigate.EUNAVAILABLE, 2},
		{harness.Fault{MalformedRate: 1}, omnigate.EBADRESPONSE, 2},
		{harness.Fault{ErrorRate: 1, ErrorStatus: 400}, omnigate.EREJECTED, 1},
		{harness.Fault{RateLimitRate: 1, RetryAfter: 30}, omnigate.ERATELIMITED, 1}, // Retry-After outlasts the timeout
	}
	for _, c := range cases {
		e := setup(t, smallWorld(), Config{Retries: 1, Timeout: 2 * time.Second})
		c.fault.System = sim.System
		if err := e.h.Faults().Add(c.fault); err != nil {
			t.Fatal(err)
		}
		_, err := e.c.TicketsByRequester(context.Background(), []string{"11"})
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != c.code || oe.Source != omnigate.Zendesk {
			t.Errorf("%+v: error %v, want %s from zendesk", c.fault, err, c.code)
		}
		if st := e.stats("tickets.requested"); st.Calls != c.calls {
			t.Errorf("%+v: %d calls, want %d", c.fault, st.Calls, c.calls)
		}
	}
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	e := setup(t, smallWorld(), Config{Retries: 2, Timeout: 5 * time.Second})
	// One request a second: the second call is refused with Retry-After: 1
	// and succeeds when tried again after that second.
	e.h.Limits().Set(sim.System, 1)
	ctx := context.Background()
	if _, err := e.c.GetCustomers(ctx, []string{"11"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got, err := e.c.GetCustomers(ctx, []string{"12"})
	if err != nil || len(got) != 1 {
		t.Fatalf("after a 429: %v %v", err, got)
	}
	if waited := time.Since(start); waited < 900*time.Millisecond {
		t.Errorf("retried after %v, before Retry-After's second", waited)
	}
	st := e.stats("users.show_many")
	if st.Statuses[http.StatusTooManyRequests] < 1 || st.Statuses[http.StatusOK] != 2 {
		t.Errorf("statuses %v, want a 429 then success", st.Statuses)
	}
}

func TestErrorMessageReadsZendeskBodies(t *testing.T) {
	cases := map[string]string{
		`{"error":"RecordNotFound","description":"Not found"}`:               "RecordNotFound: Not found",
		`{"error":"Couldn't authenticate you"}`:                              "Couldn't authenticate you",
		`{"error":{"title":"Forbidden","message":"You do not have access"}}`: "Forbidden: You do not have access",
		"Number of allowed API requests per minute exceeded":                 "Number of allowed API requests per minute exceeded",
		strings.Repeat("x", 500):                                             strings.Repeat("x", 200) + "…",
	}
	for body, want := range cases {
		if got := errorMessage(400, []byte(body)); got != want {
			t.Errorf("%.40s: %q, want %q", body, got, want)
		}
	}
}

// Zendesk's List Tickets reference allows cursor paging to sort by
// updated_at, id or status only; a request the simulator refuses (as
// Zendesk may) must not be what the connector sends.
func TestTicketsByRequesterSortsAsZendeskDocuments(t *testing.T) {
	e := setup(t, smallWorld(), Config{Retries: -1})
	got, err := e.c.TicketsByRequester(context.Background(), []string{"11"})
	if err != nil {
		t.Fatal(err)
	}
	if ts := got["11"]; len(ts) != 2 || ts[0].ID != "102" || ts[1].ID != "101" {
		t.Errorf("tickets %+v, want 102 then 101, newest first", got["11"])
	}
	if st := e.stats("tickets.requested"); st.Statuses[http.StatusBadRequest] != 0 || st.Statuses[http.StatusOK] != 1 {
		t.Errorf("tickets.requested statuses %v, want one 200", st.Statuses)
	}
}
