package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/e2e"
	"github.com/omnigate/omnigate/gateway"
)

// env is one gateway on embedded MongoDB in front of the channel simulator,
// both on loopback ports, shared by the tests of this package.
type env struct {
	world *world.World
	sim   *channelsim.Sim
	gw    *gateway.Gateway
	srv   *httptest.Server
}

var (
	shared     *env
	sharedOnce sync.Once
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.srv.Close()
		_ = shared.gw.Close(context.Background())
		_ = shared.sim.Close()
	}
	os.Exit(code)
}

func setup(t *testing.T) *env {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func start() (*env, error) {
	// The default world: the one the demo and GraphiQL's examples run on.
	w, err := world.Generate(world.Options{})
	if err != nil {
		return nil, err
	}
	sim, err := channelsim.Start(channelsim.Options{Data: channelsim.FromWorld(w)})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "omnigate-e2e-")
	if err != nil {
		return nil, err
	}
	cfg := config.Default()
	cfg.MongoDB.DataDir = dir
	cfg.Commercetools.BaseURL = sim.URLs["commercetools"]
	cfg.Commercetools.AuthURL = sim.URLs["commercetools"]
	cfg.Square.BaseURL = sim.URLs["square"]
	cfg.Klaviyo.BaseURL = sim.URLs["klaviyo"]
	cfg.Zendesk.BaseURL = sim.URLs["zendesk"]
	for _, s := range []*config.Source{&cfg.Commercetools.Source, &cfg.Square.Source, &cfg.Klaviyo.Source, &cfg.Zendesk.Source} {
		s.Timeout = 2 * time.Second
		s.Retries = 1
	}
	// The tests count the calls their queries make; a catalog sync in the
	// background would add to them (TestCatalogSyncRunsInTheBackground
	// covers it).
	cfg.Square.CatalogSync = 0
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	gw, err := gateway.New(context.Background(), cfg, log)
	if err != nil {
		_ = sim.Close()
		return nil, err
	}
	return &env{world: w, sim: sim, gw: gw, srv: httptest.NewServer(gw.Handler)}, nil
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func (e *env) query(t *testing.T, q string, vars map[string]any, out any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/graphql-response+json") {
		t.Fatalf("content type %q", ct)
	}
	var r gqlResponse
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("status %d, body %s: %v", resp.StatusCode, raw, err)
	}
	if out != nil && len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("data %s: %v", r.Data, err)
		}
	}
	return r
}

// person returns a person of the generated world with a record in every
// system, orders in both channels and tickets, and the email of their
// webshop record as typed in.
func (e *env) omnichannelPerson(t *testing.T) (world.Person, string) {
	t.Helper()
	w := e.world
	has := map[string]map[string]bool{}
	mark := func(pid, what string) {
		if has[pid] == nil {
			has[pid] = map[string]bool{}
		}
		has[pid][what] = true
	}
	webByID, posByID, zdByID := map[string]string{}, map[string]string{}, map[int64]string{}
	webEmail := map[string]string{}
	for _, c := range w.WebCustomers {
		mark(c.PersonID, "web")
		webByID[c.ID] = c.PersonID
		if webEmail[c.PersonID] == "" {
			webEmail[c.PersonID] = c.Email
		}
	}
	people := map[string]world.Person{}
	for _, p := range w.People {
		people[p.ID] = p
	}
	for _, c := range w.POSCustomers {
		posByID[c.ID] = c.PersonID
		// Only a store record that carries the person's own email can be
		// linked with certainty; many carry none, or the store's phone.
		if strings.EqualFold(strings.TrimSpace(c.Email), people[c.PersonID].Email) {
			mark(c.PersonID, "pos")
		}
	}
	for _, p := range w.EmailProfiles {
		mark(p.PersonID, "email")
	}
	for _, u := range w.SupportUsers {
		mark(u.PersonID, "support")
		zdByID[u.ID] = u.PersonID
	}
	for _, o := range w.WebOrders {
		mark(webByID[o.CustomerID], "weborder")
	}
	for _, o := range w.POSOrders {
		mark(posByID[o.CustomerID], "posorder")
	}
	for _, tk := range w.Tickets {
		mark(zdByID[tk.RequesterID], "ticket")
	}
	for _, p := range w.People {
		h := has[p.ID]
		if h["web"] && h["pos"] && h["email"] && h["support"] && h["weborder"] && h["posorder"] && h["ticket"] && strings.Contains(webEmail[p.ID], "@") {
			return p, webEmail[p.ID]
		}
	}
	t.Fatal("the generated world has no person in every system")
	return world.Person{}, ""
}

const customer360 = `query($email: String!) {
  customerByEmail(email: $email) {
    id
    name { fullName source }
    emails { value source }
    identities { system externalId rule }
    orders(first: 100) { totalCount edges { node { id channel total { amount currency } } } }
    cart { itemCount totals { amount currency } lines { sku quantity origins { channel } } }
    emailMarketing { consent { channel status } received opened recentEvents(first: 5) { kind at } }
    tickets(first: 50) { totalCount edges { node { id via status } } }
    timeline(first: 20) { totalCount edges { node { kind system at } } pageInfo { hasNextPage endCursor } }
    stats { orderCount webshopOrderCount storeOrderCount omnichannel lifetimeValue { amount currency } channels }
  }
}`

type c360 struct {
	Customer *struct {
		ID         string
		Name       *struct{ FullName, Source string }
		Identities []struct{ System, ExternalID, Rule string }
		Orders     struct {
			TotalCount int
			Edges      []struct{ Node struct{ ID, Channel string } }
		}
		Cart struct {
			ItemCount int
		}
		EmailMarketing *struct {
			Consent  []struct{ Channel, Status string }
			Received int
		}
		Tickets *struct {
			TotalCount int
		}
		Timeline struct {
			TotalCount int
			Edges      []struct{ Node struct{ Kind, System string } }
		}
		Stats struct {
			OrderCount, WebshopOrderCount, StoreOrderCount int
			Omnichannel                                    bool
			Channels                                       []string
		}
	} `json:"customerByEmail"`
}

func TestCustomer360ByEmailFromAllSystems(t *testing.T) {
	e := setup(t)
	p, email := e.omnichannelPerson(t)
	var out c360
	r := e.query(t, customer360, map[string]any{"email": email}, &out)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	c := out.Customer
	if c == nil {
		t.Fatalf("no customer for %s (%s)", email, p.ID)
	}
	systems := map[string]bool{}
	for _, id := range c.Identities {
		systems[id.System] = true
	}
	for _, s := range []string{"COMMERCETOOLS", "SQUARE", "KLAVIYO", "ZENDESK"} {
		if !systems[s] {
			t.Errorf("no %s identity: %+v", s, c.Identities)
		}
	}
	channels := map[string]int{}
	for _, o := range c.Orders.Edges {
		channels[o.Node.Channel]++
	}
	if channels["WEBSHOP"] == 0 || channels["STORE"] == 0 {
		t.Errorf("orders by channel %v, want both", channels)
	}
	// Stats leave cancelled orders out.
	if c.Stats.OrderCount == 0 || c.Stats.OrderCount > c.Orders.TotalCount || c.Stats.WebshopOrderCount+c.Stats.StoreOrderCount != c.Stats.OrderCount || !c.Stats.Omnichannel {
		t.Errorf("stats %+v disagree with %d orders", c.Stats, c.Orders.TotalCount)
	}
	if c.EmailMarketing == nil || len(c.EmailMarketing.Consent) == 0 {
		t.Errorf("email marketing %+v", c.EmailMarketing)
	}
	if c.Tickets == nil || c.Tickets.TotalCount == 0 {
		t.Errorf("tickets %+v", c.Tickets)
	}
	kinds := map[string]bool{}
	for _, tp := range c.Timeline.Edges {
		kinds[tp.Node.System] = true
	}
	if c.Timeline.TotalCount < c.Orders.TotalCount || len(c.Timeline.Edges) == 0 {
		t.Errorf("timeline of %d touchpoints for %d orders", c.Timeline.TotalCount, c.Orders.TotalCount)
	}

	// A second ask by the same email hits the identity map: same golden id.
	var again c360
	e.query(t, customer360, map[string]any{"email": "  " + strings.ToUpper(email) + " "}, &again)
	if again.Customer == nil || again.Customer.ID != c.ID {
		t.Fatalf("asking again gave %+v, want %s", again.Customer, c.ID)
	}
}

const batchQuery = `query($ids: [ID!]!) {
  customers(ids: $ids) {
    id
    identities { system externalId }
    orders(first: 5) { totalCount }
    cart { itemCount }
    tickets(first: 5) { totalCount }
    emailMarketing { received recentEvents(first: 3) { kind } }
    stats { orderCount lifetimeValue { amount currency } }
  }
}`

// TestBatching proves that the same query for 50 customers makes no more
// calls to any endpoint than for one customer, apart from the vendor limits
// stated here.
func TestBatching(t *testing.T) {
	e := setup(t)
	resolve := func(email string) string {
		var out struct {
			CustomerByEmail *struct{ ID string }
		}
		e.query(t, `query($e: String!) { customerByEmail(email: $e) { id } }`, map[string]any{"e": email}, &out)
		if out.CustomerByEmail == nil {
			return ""
		}
		return out.CustomerByEmail.ID
	}
	// The single customer is linked in every system, so that every
	// endpoint is asked at least once for one customer too. Resolution is
	// done first: it is not what is measured.
	_, email := e.omnichannelPerson(t)
	ids := []string{resolve(email)}
	seen := map[string]bool{ids[0]: true}
	for _, c := range e.world.WebCustomers {
		if len(ids) == 50 {
			break
		}
		if id := resolve(c.Email); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) < 50 {
		t.Fatalf("only %d customers resolved", len(ids))
	}
	links := map[string]int{}
	eventPages := map[string]int64{}
	events := map[string]int{}
	for _, ev := range e.world.EmailEvents {
		events[ev.ProfileID]++
	}
	calls := func(ids []string) map[string]int64 {
		data, got := e.calls(t, batchQuery, map[string]any{"ids": ids})
		var out struct {
			Customers []struct {
				Identities []struct{ System, ExternalID string }
			}
		}
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
		clear(links)
		clear(eventPages)
		for _, c := range out.Customers {
			for _, id := range c.Identities {
				links[strings.ToLower(id.System)]++
				if id.System == "KLAVIYO" {
					// The connector asks Klaviyo for 1,000 events a page.
					eventPages["klaviyo"] += int64(max(1, (events[id.ExternalID]+999)/1000))
				}
			}
		}
		return got
	}
	one := calls(ids[:1])
	fifty := calls(ids)
	ceil10 := func(n int) int64 { return int64((n + 9) / 10) }
	// Vendor limits, stated: Zendesk has no call for the tickets of several
	// requesters and Klaviyo's events filter takes one profile, so those
	// cost one call per linked record (Klaviyo: per page of 1,000 events);
	// Square's orders search takes at most 10 customer ids per call, once
	// for sales and parked sales together and once for the store of a
	// record's first sale (its phone's country, for records without an
	// address); the SKUs of sales and of parked sales are looked up in the
	// catalog separately.
	bound := map[string]int64{
		"zendesk tickets.requested":     int64(links["zendesk"]),
		"klaviyo events.list":           eventPages["klaviyo"],
		"square orders.search":          2 * ceil10(links["square"]),
		"square catalog.batch-retrieve": 2,
	}
	var keys []string
	for k := range fifty {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var report strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&report, "%-40s 1 customer: %2d calls, 50 customers: %2d calls\n", k, one[k], fifty[k])
		if b, ok := bound[k]; ok {
			if fifty[k] > b {
				t.Errorf("%s: %d calls for 50 customers, more than the vendor limit allows (%d)", k, fifty[k], b)
			}
			continue
		}
		if fifty[k] > one[k] {
			t.Errorf("%s: %d calls for 50 customers, %d for 1", k, fifty[k], one[k])
		}
	}
	t.Logf("links among the 50: %v, klaviyo event pages %d\ncalls per endpoint:\n%s", links, eventPages["klaviyo"], report.String())
}

// someCustomers resolves the omnichannel person and up to 30 webshop
// customers and returns their golden ids.
func (e *env) someCustomers(t *testing.T) []string {
	t.Helper()
	_, email := e.omnichannelPerson(t)
	emails := []string{email}
	for _, c := range e.world.WebCustomers[:30] {
		emails = append(emails, c.Email)
	}
	var ids []string
	for _, em := range emails {
		var out struct {
			CustomerByEmail *struct{ ID string }
		}
		e.query(t, `query($e: String!) { customerByEmail(email: $e) { id } }`, map[string]any{"e": em}, &out)
		if out.CustomerByEmail != nil && !slices.Contains(ids, out.CustomerByEmail.ID) {
			ids = append(ids, out.CustomerByEmail.ID)
		}
	}
	if len(ids) < 10 {
		t.Fatalf("only %d customers resolved", len(ids))
	}
	return ids
}

// calls runs the query and returns its data and the upstream calls it
// made, by "system endpoint".
func (e *env) calls(t *testing.T, q string, vars map[string]any) (json.RawMessage, map[string]int64) {
	t.Helper()
	e.sim.Harness.Stats().Reset()
	r := e.query(t, q, vars, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	calls := map[string]int64{}
	for sys, eps := range e.sim.Harness.Stats().Snapshot() {
		for ep, st := range eps {
			calls[sys+" "+ep] = st.Calls
		}
	}
	return r.Data, calls
}

// total is the number of calls of every endpoint.
func total(calls map[string]int64) (n int64) {
	for _, c := range calls {
		n += c
	}
	return n
}

// TestConsentAsksForNoEvents proves that email marketing without its
// engagement figures (consent and lists, as a preference centre asks) reads
// the email profiles alone, not every email event, and answers the same.
func TestConsentAsksForNoEvents(t *testing.T) {
	e := setup(t)
	ids := e.someCustomers(t)
	const q = `query($ids: [ID!]!) { customers(ids: $ids) { id emailMarketing { consent { channel status method at } lists %s } } }`
	vars := map[string]any{"ids": ids}
	alone, few := e.calls(t, fmt.Sprintf(q, ""), vars)
	withEvents, all := e.calls(t, fmt.Sprintf(q, "received recentEvents(first: 1) { kind }"), vars)
	if few["klaviyo events.list"] != 0 {
		t.Errorf("consent and lists alone called klaviyo events.list %d times", few["klaviyo events.list"])
	}
	if all["klaviyo events.list"] == 0 {
		t.Errorf("with the engagement figures, klaviyo events.list was never called: the customers are not the ones this test needs")
	}
	if few["klaviyo profiles.list"] == 0 {
		t.Errorf("consent and lists never called klaviyo profiles.list: %v", few)
	}
	// The same consent and lists either way.
	type answer struct {
		Customers []struct {
			ID             string
			EmailMarketing *struct {
				Consent []map[string]any
				Lists   []string
			}
		}
	}
	var a, b answer
	if err := json.Unmarshal(alone, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(withEvents, &b); err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Errorf("consent and lists differ when asked alone:\n%s\nand beside the engagement figures:\n%s", ja, jb)
	}
	t.Logf("%d customers: %d upstream calls for consent and lists, %d with the engagement figures", len(ids), total(few), total(all))
	marketed := 0
	for _, c := range a.Customers {
		if c.EmailMarketing != nil && len(c.EmailMarketing.Consent) > 0 {
			marketed++
		}
	}
	if marketed == 0 {
		t.Fatalf("no customer has email marketing: %s", ja)
	}
}

// TestTimelineKindsAskOnlyTheirSources proves that a timeline of some kinds
// of touchpoint loads only the systems those kinds come from, and answers
// what the whole timeline, filtered, holds.
func TestTimelineKindsAskOnlyTheirSources(t *testing.T) {
	e := setup(t)
	ids := e.someCustomers(t)
	type timeline struct {
		Customers []struct {
			ID       string
			Timeline struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID, Kind string } }
			}
		}
	}
	const q = `query($ids: [ID!]!, $kinds: [TouchpointKind!]) {
  customers(ids: $ids) { id timeline(first: 100, kinds: $kinds) { totalCount edges { node { id kind } } } } }`
	data, everything := e.calls(t, q, map[string]any{"ids": ids})
	t.Logf("the whole timeline: %d upstream calls", total(everything))
	var whole timeline
	if err := json.Unmarshal(data, &whole); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kinds     []string
		forbidden []string // endpoints those kinds need not call
	}{
		{[]string{"ORDER_PLACED"}, []string{"klaviyo events.list", "zendesk tickets.requested", "commercetools carts.query"}},
		{[]string{"EMAIL_OPENED", "TICKET_OPENED"}, []string{"commercetools orders.query", "commercetools carts.query", "square orders.search"}},
		{[]string{"CART_UPDATED", "SALE_PARKED", "ACCOUNT_CREATED"}, []string{"klaviyo events.list", "zendesk tickets.requested", "commercetools orders.query"}},
	} {
		data, calls := e.calls(t, q, map[string]any{"ids": ids, "kinds": tc.kinds})
		for _, ep := range tc.forbidden {
			if calls[ep] != 0 {
				t.Errorf("%v: called %s %d times", tc.kinds, ep, calls[ep])
			}
		}
		var got timeline
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		compared, found := 0, 0
		for i, c := range whole.Customers {
			if c.Timeline.TotalCount > 100 {
				continue // the whole timeline is not all on its first page
			}
			var want []string
			for _, ed := range c.Timeline.Edges {
				if slices.Contains(tc.kinds, ed.Node.Kind) {
					want = append(want, ed.Node.ID)
				}
			}
			g := got.Customers[i].Timeline
			var have []string
			for _, ed := range g.Edges {
				have = append(have, ed.Node.ID)
			}
			if g.TotalCount != len(want) || !slices.Equal(have, want) {
				t.Errorf("%v, customer %s: %d touchpoints %v, the whole timeline filtered has %d %v", tc.kinds, c.ID, g.TotalCount, have, len(want), want)
			}
			compared++
			found += len(want)
		}
		if compared < 5 || found == 0 {
			t.Errorf("%v: %d customers compared, %d touchpoints found: the customers are not the ones this test needs", tc.kinds, compared, found)
		}
		t.Logf("%v: %d upstream calls, %d touchpoints over %d customers", tc.kinds, total(calls), found, compared)
	}
	// Kinds written in the query rather than passed as a variable.
	_, calls := e.calls(t, `query($ids: [ID!]!) { customers(ids: $ids) { timeline(first: 5, kinds: [ORDER_PLACED]) { totalCount } } }`,
		map[string]any{"ids": ids})
	if n := calls["klaviyo events.list"] + calls["zendesk tickets.requested"]; n != 0 || calls["commercetools orders.query"] == 0 {
		t.Errorf("kinds: [ORDER_PLACED] in the query: %v", calls)
	}
}

// TestOrderStatsAskOnlyForOrders proves that stats which select only order
// figures load the orders alone: a list of customers with their order counts
// does not read every email event and ticket of each. The same figures, asked
// beside the touchpoint figures (which do read everything), are the same.
func TestOrderStatsAskOnlyForOrders(t *testing.T) {
	e := setup(t)
	ids := e.someCustomers(t)
	const orderFields = `orderCount webshopOrderCount storeOrderCount omnichannel preferredChannel
      lifetimeValue { amount currency } averageOrderValue { amount currency } preferredStore { id name }`
	ask := func(fields string) (string, map[string]int64) {
		data, calls := e.calls(t, `query($ids: [ID!]!) { customers(ids: $ids) { id stats { `+fields+` } } }`, map[string]any{"ids": ids})
		var out struct {
			Customers []struct {
				ID    string
				Stats json.RawMessage
			}
		}
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatal(err)
		}
		// The order figures of each customer, whatever else was asked.
		var figures strings.Builder
		for _, c := range out.Customers {
			var st map[string]any
			if err := json.Unmarshal(c.Stats, &st); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"firstSeen", "lastSeen", "channels"} {
				delete(st, k)
			}
			b, _ := json.Marshal(st)
			fmt.Fprintf(&figures, "%s %s\n", c.ID, b)
		}
		return figures.String(), calls
	}
	orderOnly, few := ask(orderFields)
	everything, all := ask(orderFields + " firstSeen lastSeen channels")
	for _, ep := range []string{"klaviyo events.list", "zendesk tickets.requested"} {
		if few[ep] != 0 {
			t.Errorf("order figures alone called %s %d times", ep, few[ep])
		}
		if all[ep] == 0 {
			t.Errorf("with the touchpoint figures, %s was never called: the customers are not the ones this test needs", ep)
		}
	}
	if few["commercetools orders.query"] == 0 {
		t.Errorf("order figures never called commercetools orders.query: %v", few)
	}
	if orderOnly != everything {
		t.Errorf("order figures differ when asked alone:\n%s\nand beside the touchpoint figures:\n%s", orderOnly, everything)
	}
	if !strings.Contains(orderOnly, `"orderCount":`) || strings.Count(orderOnly, "\n") != len(ids) {
		t.Fatalf("figures: %s", orderOnly)
	}
	t.Logf("%d customers: %d upstream calls for the order figures, %d with the touchpoint figures", len(ids), total(few), total(all))
}

func TestStoppedSystemGivesPartialData(t *testing.T) {
	e := setup(t)
	_, email := e.omnichannelPerson(t)
	// Resolve while every system is up.
	var out c360
	e.query(t, customer360, map[string]any{"email": email}, &out)
	if out.Customer == nil {
		t.Fatal("not resolved")
	}
	if err := e.sim.Harness.Faults().Add(harness.Fault{System: "zendesk", ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	defer e.sim.Harness.Faults().Clear("")
	var part c360
	r := e.query(t, customer360, map[string]any{"email": email}, &part)
	if part.Customer == nil || part.Customer.Orders.TotalCount == 0 || part.Customer.EmailMarketing == nil {
		t.Fatalf("other systems' fields missing: %+v", part.Customer)
	}
	if part.Customer.Tickets != nil {
		t.Errorf("tickets %+v, want null", part.Customer.Tickets)
	}
	found := false
	for _, er := range r.Errors {
		if er.Extensions["source"] == "zendesk" && er.Extensions["code"] == "SOURCE_UNAVAILABLE" {
			found = true
		}
		if strings.Contains(er.Message, "token") || strings.Contains(er.Message, "omnigate-demo-zendesk") {
			t.Errorf("error leaks a secret: %q", er.Message)
		}
	}
	if !found {
		t.Fatalf("no zendesk error with a code: %+v", r.Errors)
	}
}

func TestGraphiQLInBrowser(t *testing.T) {
	e := setup(t)
	_, email := e.omnichannelPerson(t)
	var out c360
	e.query(t, customer360, map[string]any{"email": email}, &out)
	if out.Customer == nil {
		t.Fatal("not resolved")
	}
	q := fmt.Sprintf(`{ customerByEmail(email: %q) { id stats { orderCount } } }`, email)
	e2e.RunGraphiQL(t, e.srv.URL+"/", q, out.Customer.ID)
}

// TestExamplesAnswer runs GraphiQL's example queries on the default world:
// each must find its demo customer and fill the fields it is there to show.
func TestExamplesAnswer(t *testing.T) {
	e := setup(t)
	for _, ex := range gateway.Examples {
		t.Run(ex.Name, func(t *testing.T) {
			var vars map[string]any
			if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
				t.Fatalf("variables: %v", err)
			}
			r := e.query(t, ex.Query, vars, nil)
			if len(r.Errors) > 0 {
				t.Fatalf("errors: %+v", r.Errors)
			}
			var data map[string]any
			if err := json.Unmarshal(r.Data, &data); err != nil {
				t.Fatal(err)
			}
			for field, v := range data {
				if v == nil {
					t.Fatalf("%s found no customer", field)
				}
				c, ok := v.(map[string]any)
				if !ok {
					continue // a list beside the customer, e.g. identityConflicts
				}
				if _, asked := c["cart"]; asked {
					cart, _ := c["cart"].(map[string]any)
					if cart == nil || cart["itemCount"].(float64) == 0 {
						t.Errorf("%s: empty cart %v", field, c["cart"])
					}
				}
				if ids, asked := c["identities"].([]any); asked && len(ids) < 2 {
					t.Errorf("%s: demo customer links %d records", field, len(ids))
				}
				if h, asked := c["identityHistory"].([]any); asked && len(h) == 0 {
					t.Errorf("%s: no identity history", field)
				}
				if stats, ok := c["stats"].(map[string]any); ok && stats["omnichannel"] != true {
					t.Errorf("%s: demo customer is not omnichannel: %v", field, stats)
				}
			}
		})
	}
}

func TestHealthAndReadiness(t *testing.T) {
	e := setup(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s: %d %s", path, resp.StatusCode, b)
		}
		if path == "/readyz" && (!strings.Contains(string(b), `"mongodb":"ok"`) || !strings.Contains(string(b), `"square":"ok"`)) {
			t.Errorf("readyz body %s", b)
		}
	}
}

func TestBadInputIsNamed(t *testing.T) {
	e := setup(t)
	r := e.query(t, `{ customerByPhone(phone: "12", region: "ZZ") { id } }`, nil, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INVALID_INPUT" || !strings.Contains(r.Errors[0].Message, "region") {
		t.Fatalf("errors %+v", r.Errors)
	}
	r = e.query(t, `{ customerByEmail(email: "not an email") { id } }`, nil, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INVALID_INPUT" {
		t.Fatalf("errors %+v", r.Errors)
	}
}

// TestGraphQLOverHTTP checks the transport rules clients rely on.
func TestGraphQLOverHTTP(t *testing.T) {
	e := setup(t)
	do := func(method, path, body, accept string) (int, string, string) {
		req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	code, ct, body := do(http.MethodGet, "/graphql?query="+url.QueryEscape("{ customers(ids: []) { id } }"), "", "application/graphql-response+json")
	if code != 200 || !strings.HasPrefix(ct, "application/graphql-response+json") || !strings.Contains(body, `"customers":[]`) {
		t.Errorf("GET: %d %s %s", code, ct, body)
	}
	code, _, body = do(http.MethodPost, "/graphql", `{"query":"{ nosuchfield }"}`, "application/graphql-response+json")
	if code != 400 || !strings.Contains(body, "nosuchfield") {
		t.Errorf("validation error with graphql-response+json: %d %s, want 400 naming the field", code, body)
	}
	code, _, body = do(http.MethodPost, "/graphql", `{"query":`, "application/json")
	if code != 400 {
		t.Errorf("malformed body: %d %s, want 400", code, body)
	}
	code, _, body = do(http.MethodPost, "/graphql", `{"query":"{ customers(ids: [`+strings.Repeat(`\"x\",`, 1000)+`\"x\"]) { id } }"}`, "application/json")
	if !strings.Contains(body, "at most 1000") {
		t.Errorf("too many ids: %d %s", code, body)
	}
}

// TestHangingSystemTimesOut: a system that never answers costs its own
// fields after its configured timeout, with SOURCE_TIMEOUT.
func TestHangingSystemTimesOut(t *testing.T) {
	e := setup(t)
	_, email := e.omnichannelPerson(t)
	var out c360
	e.query(t, customer360, map[string]any{"email": email}, &out)
	if out.Customer == nil {
		t.Fatal("not resolved")
	}
	if err := e.sim.Harness.Faults().Add(harness.Fault{System: "klaviyo", HangRate: 1}); err != nil {
		t.Fatal(err)
	}
	defer e.sim.Harness.Faults().Clear("")
	var part c360
	r := e.query(t, customer360, map[string]any{"email": email}, &part)
	if part.Customer == nil || part.Customer.Orders.TotalCount == 0 || part.Customer.Tickets == nil || part.Customer.EmailMarketing != nil {
		t.Fatalf("want orders and tickets, and no email marketing: %+v", part.Customer)
	}
	found := false
	for _, er := range r.Errors {
		found = found || (er.Extensions["source"] == "klaviyo" && er.Extensions["code"] == "SOURCE_TIMEOUT")
	}
	if !found {
		t.Fatalf("no klaviyo timeout error: %+v", r.Errors)
	}
}

// In every connection of a customer the edges' cursors, selected directly
// or through a fragment, agree with the page's start and end cursors, which
// do not depend on whether the edges' cursors are selected; and the page
// after an edge's cursor starts with the next edge.
func TestEdgeCursors(t *testing.T) {
	e := setup(t)
	_, email := e.omnichannelPerson(t)
	type page struct {
		Edges []struct {
			Cursor string
			Node   struct{ ID string }
		}
		PageInfo struct{ StartCursor, EndCursor string }
	}
	get := func(field, edges, after string, first int) page {
		t.Helper()
		q := fmt.Sprintf(`query($e: String!, $after: String) { customerByEmail(email: $e) {
  %s(first: %d, after: $after) { edges { %s } pageInfo { startCursor endCursor } } } }`, field, first, edges)
		var out struct{ CustomerByEmail map[string]page }
		vars := map[string]any{"e": email}
		if after != "" {
			vars["after"] = after
		}
		if r := e.query(t, q, vars, &out); len(r.Errors) > 0 {
			t.Fatalf("%s: %v", field, r.Errors)
		}
		return out.CustomerByEmail[field]
	}
	for _, field := range []string{"orders", "tickets", "timeline"} {
		with := get(field, "cursor node { id }", "", 4)
		if len(with.Edges) < 3 {
			t.Fatalf("%s: only %d edges; the test needs 3", field, len(with.Edges))
		}
		seen := map[string]bool{}
		for i, ed := range with.Edges {
			if ed.Cursor == "" || seen[ed.Cursor] {
				t.Errorf("%s: edge %d has cursor %q, empty or seen before", field, i, ed.Cursor)
			}
			seen[ed.Cursor] = true
		}
		if with.PageInfo.StartCursor != with.Edges[0].Cursor || with.PageInfo.EndCursor != with.Edges[len(with.Edges)-1].Cursor {
			t.Errorf("%s: pageInfo %+v does not match the first and last edges' cursors", field, with.PageInfo)
		}
		// Through a fragment, the cursors are selected too.
		frag := get(field, "... on "+map[string]string{"orders": "OrderEdge", "tickets": "TicketEdge", "timeline": "TouchpointEdge"}[field]+" { cursor } node { id }", "", 4)
		without := get(field, "node { id }", "", 4)
		for i := range with.Edges {
			if frag.Edges[i].Cursor != with.Edges[i].Cursor {
				t.Errorf("%s: edge %d cursor %q through a fragment, %q without", field, i, frag.Edges[i].Cursor, with.Edges[i].Cursor)
			}
			if without.Edges[i].Cursor != "" || without.Edges[i].Node != with.Edges[i].Node {
				t.Errorf("%s: edge %d without cursor selected: %+v, want node %+v and no cursor", field, i, without.Edges[i], with.Edges[i].Node)
			}
		}
		if without.PageInfo != with.PageInfo {
			t.Errorf("%s: pageInfo %+v without edge cursors, %+v with", field, without.PageInfo, with.PageInfo)
		}
		next := get(field, "node { id }", with.Edges[0].Cursor, 2)
		if len(next.Edges) != 2 || next.Edges[0].Node != with.Edges[1].Node || next.Edges[1].Node != with.Edges[2].Node {
			t.Errorf("%s: the page after edge 0's cursor is %+v; want edges 1 and 2 of %+v", field, next.Edges, with.Edges)
		}
	}
}

// Customer.consent reads the systems that hold marketing consent (the point
// of sale and the email system) and no other: it asks the webshop and the
// support desk for nothing, and their failing costs it nothing.
func TestConsentReadsOnlyTheSystemsThatHoldIt(t *testing.T) {
	e := setup(t)
	_, email := e.omnichannelPerson(t)
	const q = `query($email: String!) { customerByEmail(email: $email) { consent { channel status source } } }`
	vars := map[string]any{"email": email}
	e.query(t, q, vars, nil) // resolved while every system is up
	_, calls := e.calls(t, q, vars)
	for ep, n := range calls {
		if n > 0 && (strings.HasPrefix(ep, "commercetools ") || strings.HasPrefix(ep, "zendesk ")) {
			t.Errorf("consent called %s %d times", ep, n)
		}
	}
	if calls["square customers.bulk-retrieve"] == 0 || calls["klaviyo profiles.list"] == 0 {
		t.Errorf("consent did not read the point of sale and the email system: %v", calls)
	}
	for _, sys := range []string{"commercetools", "zendesk"} {
		if err := e.sim.Harness.Faults().Add(harness.Fault{System: sys, ErrorRate: 1, ErrorStatus: 503}); err != nil {
			t.Fatal(err)
		}
	}
	defer e.sim.Harness.Faults().Clear("")
	if r := e.query(t, q, vars, nil); len(r.Errors) != 0 {
		t.Errorf("consent reports the failures of systems that hold none: %+v", r.Errors)
	}
}
