package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim/harness"
)

var roundIDs atomic.Int64

// rounds runs q and returns how many rounds of upstream calls it waited
// for, one after another, from the simulator's trace of its request id.
// Every system must have latency added, so that calls made at once overlap.
func (e *env) rounds(t *testing.T, q string, vars map[string]any) int {
	t.Helper()
	id := fmt.Sprintf("rounds-%d", roundIDs.Add(1))
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", id)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out gqlResponse
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		t.Fatalf("%s: %v %+v", q, err, out.Errors)
	}
	return e.sim.Harness.Trace().Rounds(id)
}

// withLatency adds d to every call of every system, and traces calls, for
// the rest of the test.
func (e *env) withLatency(t *testing.T, d time.Duration) {
	t.Helper()
	for _, sys := range harness.Systems {
		if err := e.sim.Harness.Faults().Add(harness.Fault{System: sys, Latency: harness.Duration(d)}); err != nil {
			t.Fatal(err)
		}
	}
	e.sim.Harness.Trace().Enable(true)
	t.Cleanup(func() {
		e.sim.Harness.Faults().Clear("")
		e.sim.Harness.Trace().Enable(false)
	})
}

const roundFields = `id name { fullName } orders(first: 5) { totalCount } cart { itemCount }
  emailMarketing { consent { channel status } received } tickets(first: 5) { totalCount }
  timeline(first: 5) { totalCount } stats { orderCount channels }`

// A customer asked through node(id:) or customerList is answered in as many
// rounds of upstream calls as through customer(id:): one. Their Customer
// fields are resolved in turn, so without the loads started ahead each
// field made a round of its own.
func TestNodeAndCustomerListTakeOneRound(t *testing.T) {
	e := setup(t)
	ids := e.someCustomers(t)
	vars := map[string]any{"id": ids[0]}
	e.query(t, `query($id: ID!) { customer(id: $id) { `+roundFields+` } }`, vars, nil) // the connectors' caches
	e.withLatency(t, 50*time.Millisecond)
	for _, tc := range []struct {
		name, q string
		vars    map[string]any
	}{
		{"customer(id:)", `query($id: ID!) { customer(id: $id) { ` + roundFields + ` } }`, vars},
		{"node(id:)", `query($id: ID!) { node(id: $id) { ... on Customer { ` + roundFields + ` } } }`, vars},
		{"customerList", `{ customerList(first: 3) { edges { node { ` + roundFields + ` } } } }`, nil},
	} {
		if n := e.rounds(t, tc.q, tc.vars); n != 1 {
			t.Errorf("%s: %d rounds of upstream calls; want 1", tc.name, n)
		}
	}
}

// A timeline's kinds given as one value (a list of one, as GraphQL coerces
// it) ask only the systems that kind comes from, as the same kind in
// brackets does.
func TestTimelineOfOneKindWithoutBrackets(t *testing.T) {
	e := setup(t)
	ids := e.someCustomers(t)
	_, list := e.calls(t, `query($id: ID!) { customer(id: $id) { timeline(kinds: [ORDER_PLACED]) { totalCount } } }`, map[string]any{"id": ids[0]})
	_, lit := e.calls(t, `query($id: ID!) { customer(id: $id) { timeline(kinds: ORDER_PLACED) { totalCount } } }`, map[string]any{"id": ids[0]})
	_, v := e.calls(t, `query($id: ID!, $k: [TouchpointKind!]) { customer(id: $id) { timeline(kinds: $k) { totalCount } } }`, map[string]any{"id": ids[0], "k": "ORDER_PLACED"})
	for name, c := range map[string]map[string]int64{"literal": lit, "variable": v} {
		if c["klaviyo events.list"]+c["zendesk tickets.requested"]+c["klaviyo profiles.list"] != 0 {
			t.Errorf("%s ORDER_PLACED without brackets asked for more than orders: %v (in brackets: %v)", name, c, list)
		}
	}
}

// The customers an identity change answers with are answered in one round
// of upstream calls too: an agent who merges two customers and asks for
// the merged customer 360 waits for one round, not one per field.
func TestIdentityChangeResultTakesOneRound(t *testing.T) {
	e := setup(t)
	_, before := e.identityPerson(t)
	moved := before.Identities[len(before.Identities)-1]
	var s struct {
		SplitCustomer struct{ Customers []struct{ ID string } }
	}
	r := e.query(t, `mutation($id: ID!, $sys: System!, $rec: String!) { splitCustomer(id: $id, records: [{system: $sys, id: $rec}], actor: "sam@store-12", reason: "checking") { customers { id } } }`,
		map[string]any{"id": before.ID, "sys": moved.System, "rec": moved.ExternalID}, &s)
	if len(r.Errors) > 0 || len(s.SplitCustomer.Customers) != 2 {
		t.Fatalf("split: %+v %+v", s, r.Errors)
	}
	ids := []string{s.SplitCustomer.Customers[0].ID, s.SplitCustomer.Customers[1].ID}
	e.withLatency(t, 50*time.Millisecond)
	n := e.rounds(t, `mutation($ids: [ID!]!) { mergeCustomers(ids: $ids, actor: "sam@store-12") { customers { `+roundFields+` } } }`,
		map[string]any{"ids": ids})
	if n != 1 {
		t.Errorf("mergeCustomers with a customer 360: %d rounds of upstream calls; want 1", n)
	}
}
