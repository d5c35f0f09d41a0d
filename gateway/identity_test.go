package gateway_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const identityFields = `id identities { system externalId rule evidence }
  identityHistory { id action actor rule evidence records { system id } before after }
  consent { channel status source recordId at }
  identitySuggestions { id customers score evidence }`

type identityView struct {
	ID         string `json:"id"`
	Identities []struct {
		System     string `json:"system"`
		ExternalID string `json:"externalId"`
		Rule       string `json:"rule"`
		Evidence   string `json:"evidence"`
	} `json:"identities"`
	IdentityHistory []struct {
		ID       string   `json:"id"`
		Action   string   `json:"action"`
		Actor    string   `json:"actor"`
		Rule     string   `json:"rule"`
		Evidence string   `json:"evidence"`
		Before   []string `json:"before"`
		After    []string `json:"after"`
	} `json:"identityHistory"`
	Consent []struct {
		Channel string  `json:"channel"`
		Status  string  `json:"status"`
		Source  *string `json:"source"`
	} `json:"consent"`
}

// identityPerson returns the email of a person, other than the one the
// other tests use, whose customer links three or more records.
func (e *env) identityPerson(t *testing.T) (string, identityView) {
	t.Helper()
	used, _ := e.omnichannelPerson(t)
	for _, c := range slices.Backward(e.world.WebCustomers) {
		if c.PersonID == used.ID || strings.TrimSpace(c.Email) != c.Email {
			continue
		}
		var out struct{ CustomerByEmail *identityView }
		e.query(t, `query($e: String!) { customerByEmail(email: $e) { `+identityFields+` } }`, map[string]any{"e": c.Email}, &out)
		if out.CustomerByEmail != nil && len(out.CustomerByEmail.Identities) >= 3 {
			return c.Email, *out.CustomerByEmail
		}
	}
	t.Fatal("no person with three linked records in the world")
	return "", identityView{}
}

// An agent splits a record off a customer and merges it back through
// GraphQL; each change shows in the history with its actor and reason.
func TestIdentityChangesOverGraphQL(t *testing.T) {
	e := setup(t)
	_, before := e.identityPerson(t)
	if len(before.IdentityHistory) == 0 || before.IdentityHistory[len(before.IdentityHistory)-1].Actor != "resolver" {
		t.Fatalf("history of a resolved customer = %+v; want the resolver's links", before.IdentityHistory)
	}
	for _, id := range before.Identities {
		if id.Rule == "" || id.Evidence == "" {
			t.Errorf("identity %+v does not say why it is linked", id)
		}
	}
	if len(before.Consent) < 2 || before.Consent[0].Channel != "email" || before.Consent[1].Channel != "sms" {
		t.Errorf("consent = %+v; want email and sms", before.Consent)
	}
	moved := before.Identities[len(before.Identities)-1]

	const split = `mutation($id: ID!, $sys: System!, $rec: String!) {
	  splitCustomer(id: $id, records: [{system: $sys, id: $rec}], actor: "sam@store-12", reason: "two people, one email") {
	    customers { ` + identityFields + ` } change { action actor evidence before after } } }`
	var s struct {
		SplitCustomer struct {
			Customers []identityView
			Change    struct {
				Action, Actor, Evidence string
				Before, After           []string
			}
		}
	}
	r := e.query(t, split, map[string]any{"id": before.ID, "sys": moved.System, "rec": moved.ExternalID}, &s)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	cs := s.SplitCustomer.Customers
	if len(cs) != 2 || cs[0].ID != before.ID || len(cs[0].Identities) != len(before.Identities)-1 ||
		len(cs[1].Identities) != 1 || cs[1].Identities[0].ExternalID != moved.ExternalID || cs[1].Identities[0].Rule != "manual" {
		t.Fatalf("after the split: %+v", cs)
	}
	if h := cs[0].IdentityHistory[0]; h.Action != "SPLIT" || h.Actor != "sam@store-12" || !strings.Contains(h.Evidence, "two people, one email") {
		t.Fatalf("newest history entry = %+v", h)
	}

	const merge = `mutation($ids: [ID!]!) { mergeCustomers(ids: $ids, actor: "sam@store-12") { customers { id identities { externalId } } change { action before after } } }`
	var m struct {
		MergeCustomers struct {
			Customers []struct {
				ID         string
				Identities []struct{ ExternalID string }
			}
			Change struct {
				Action        string
				Before, After []string
			}
		}
	}
	r = e.query(t, merge, map[string]any{"ids": []string{cs[1].ID, cs[0].ID}}, &m)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	mc := m.MergeCustomers
	if len(mc.Customers) != 1 || len(mc.Customers[0].Identities) != len(before.Identities) || mc.Change.Action != "MERGE" || len(mc.Change.Before) != 2 {
		t.Fatalf("after the merge: %+v", mc)
	}
	// The id merged away answers with the survivor.
	var again struct{ Customer *identityView }
	e.query(t, `query($id: ID!) { customer(id: $id) { `+identityFields+` } }`, map[string]any{"id": cs[1].ID}, &again)
	if again.Customer == nil || again.Customer.ID != mc.Customers[0].ID {
		t.Fatalf("customer(%s) = %+v; want %s", cs[1].ID, again.Customer, mc.Customers[0].ID)
	}
	// So does a list of customers: a client that tells people apart by id
	// sees one person, not two.
	var list struct{ Customers []*struct{ ID string } }
	e.query(t, `query($ids: [ID!]!) { customers(ids: $ids) { id } }`, map[string]any{"ids": []string{cs[1].ID, mc.Customers[0].ID}}, &list)
	if len(list.Customers) != 2 || list.Customers[0] == nil || list.Customers[1] == nil ||
		list.Customers[0].ID != mc.Customers[0].ID || list.Customers[1].ID != mc.Customers[0].ID {
		t.Fatalf("customers([%s %s]) = %+v; want the survivor %s twice", cs[1].ID, mc.Customers[0].ID, list.Customers, mc.Customers[0].ID)
	}

	// A dry run of an erasure lists every record and changes nothing.
	const erase = `mutation($id: ID!) { eraseCustomer(id: $id, dryRun: true, actor: "dpo@retailer") { dryRun records { system id } identifiers change { id } } }`
	var er struct {
		EraseCustomer struct {
			DryRun      bool
			Records     []struct{ System, ID string }
			Identifiers []string
			Change      *struct{ ID string }
		}
	}
	r = e.query(t, erase, map[string]any{"id": mc.Customers[0].ID}, &er)
	if len(r.Errors) > 0 || !er.EraseCustomer.DryRun || len(er.EraseCustomer.Records) != len(before.Identities) || er.EraseCustomer.Change != nil || len(er.EraseCustomer.Identifiers) == 0 {
		t.Fatalf("dry run = %+v, %v", er.EraseCustomer, r.Errors)
	}
	var still struct{ Customer *identityView }
	e.query(t, `query($id: ID!) { customer(id: $id) { id } }`, map[string]any{"id": mc.Customers[0].ID}, &still)
	if still.Customer == nil {
		t.Fatal("a dry run erased the customer")
	}
}

// Bad identity changes are refused with an error that names what is wrong,
// and a mutation is never run from a GET.
func TestIdentityChangesRefuseBadInput(t *testing.T) {
	e := setup(t)
	_, c := e.identityPerson(t)
	for _, tc := range []struct{ q, code, says string }{
		{`mutation { mergeCustomers(ids: ["` + c.ID + `", "cus_NOPE"], actor: "sam") { change { id } } }`, "NOT_FOUND", "cus_NOPE"},
		{`mutation { mergeCustomers(ids: ["` + c.ID + `", "cus_NOPE"], actor: " ") { change { id } } }`, "INVALID_INPUT", "actor"},
		{`mutation { splitCustomer(id: "` + c.ID + `", records: [{system: SQUARE, id: "not-hers"}], actor: "sam") { change { id } } }`, "INVALID_INPUT", "not-hers"},
		{`mutation { unlinkRecord(record: {system: ZENDESK, id: "0"}, actor: "sam") { change { id } } }`, "NOT_FOUND", "not linked"},
		{`mutation { linkRecord(record: {system: KLAVIYO, id: "nobody"}, customerId: "` + c.ID + `", actor: "resolver") { change { id } } }`, "INVALID_INPUT", "reserved"},
		{`{ identityConflicts(first: 0) { id } }`, "INVALID_INPUT", "first"},
		{`{ identitySuggestions(first: 1001) { id } }`, "INVALID_INPUT", "first"},
		{`mutation { dismissSuggestion(id: "cus_A+cus_B", actor: "sam") }`, "NOT_FOUND", "cus_A+cus_B"},
	} {
		r := e.query(t, tc.q, nil, nil)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != tc.code || !strings.Contains(r.Errors[0].Message, tc.says) {
			t.Errorf("%s\n  errors %+v; want one %s naming %q", tc.q, r.Errors, tc.code, tc.says)
		}
	}
	q := `mutation { mergeCustomers(ids: ["a", "b"], actor: "sam") { change { id } } }`
	resp, err := http.Get(e.srv.URL + "/graphql?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	var body struct{ Errors []struct{ Message string } }
	json.Unmarshal(buf.Bytes(), &body)
	if resp.StatusCode == http.StatusOK && len(body.Errors) == 0 {
		t.Fatalf("a mutation ran from a GET: %d %s", resp.StatusCode, buf.String())
	}
}

// customerList pages through every customer once; identityStats counts
// them.
func TestCustomerListAndStats(t *testing.T) {
	e := setup(t)
	e.identityPerson(t) // at least one customer resolved
	var st struct {
		IdentityStats struct {
			Customers, Records int
			RecordsBySystem    []struct {
				System  string
				Records int
			}
		}
	}
	if r := e.query(t, `{ identityStats { customers records recordsBySystem { system records } } }`, nil, &st); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if st.IdentityStats.Customers < 1 || st.IdentityStats.Records < st.IdentityStats.Customers || len(st.IdentityStats.RecordsBySystem) == 0 {
		t.Fatalf("stats = %+v", st.IdentityStats)
	}
	seen := map[string]bool{}
	after := ""
	for page := 0; ; page++ {
		var out struct {
			CustomerList struct {
				TotalCount int
				Edges      []struct {
					Cursor string
					Node   struct{ ID string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		vars := map[string]any{"after": after}
		if r := e.query(t, `query($after: String) { customerList(first: 7, after: $after) { totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`, vars, &out); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
		for _, ed := range out.CustomerList.Edges {
			if seen[ed.Node.ID] || ed.Cursor != ed.Node.ID {
				t.Fatalf("page %d: %s twice or cursor %q", page, ed.Node.ID, ed.Cursor)
			}
			seen[ed.Node.ID] = true
		}
		if !out.CustomerList.PageInfo.HasNextPage {
			if len(seen) != out.CustomerList.TotalCount {
				t.Fatalf("walked %d customers, totalCount %d", len(seen), out.CustomerList.TotalCount)
			}
			break
		}
		after = *out.CustomerList.PageInfo.EndCursor
	}
	r := e.query(t, `{ customerList(first: 5000) { totalCount } }`, nil, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INVALID_INPUT" {
		t.Fatalf("first: 5000 gave %+v", r.Errors)
	}
}

// A request's id reaches every call the gateway makes to a channel system
// for it, the identity searches and the fields' loaders alike, and comes
// back in the response.
func TestRequestIDReachesTheSystems(t *testing.T) {
	e := setup(t)
	email, _ := e.identityPerson(t)
	e.sim.Harness.Trace().Enable(true)
	defer e.sim.Harness.Trace().Enable(false)
	q := `query($e: String!) { customerByEmail(email: $e) { orders(first: 1) { totalCount } cart { itemCount } emailMarketing { openRate } tickets(first: 1) { totalCount } } }`
	body, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"e": email}})
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "trace-me-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != "trace-me-1" {
		t.Fatalf("response request id %q", got)
	}
	busy, calls := e.sim.Harness.Trace().Busy("trace-me-1")
	if calls < 4 || busy <= 0 {
		t.Fatalf("the systems saw %d calls (busy %v) with the request's id; want one per system at least", calls, busy)
	}
	// A client's id that cannot be passed on is replaced.
	req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "has spaces")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got == "" || got == "has spaces" {
		t.Fatalf("response request id %q; want a new one", got)
	}
}
