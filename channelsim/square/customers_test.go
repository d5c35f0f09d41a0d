package square

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	apis "github.com/omnigate/omnigate/apis/square"
)

func searchCustomers(e *env, filter *apis.CustomerFilter) []string {
	e.t.Helper()
	var out apis.SearchCustomersResponse
	e.ok("POST", "/v2/customers/search", apis.SearchCustomersRequest{Query: &apis.CustomerQuery{Filter: filter}}, &out)
	ids := customerIDs(out.Customers)
	slices.Sort(ids)
	return ids
}

func TestCustomerSearchFilters(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	cases := []struct {
		name   string
		filter *apis.CustomerFilter
		want   []string
	}{
		{"email exact ignores case and surrounding spaces", &apis.CustomerFilter{EmailAddress: &apis.CustomerTextFilter{Exact: "alice.smith@example.com"}}, []string{custAlice, custAliceTw}},
		{"email exact is exact", &apis.CustomerFilter{EmailAddress: &apis.CustomerTextFilter{Exact: "alice.smith@example.co"}}, nil},
		{"email fuzzy tokens in any order", &apis.CustomerFilter{EmailAddress: &apis.CustomerTextFilter{Fuzzy: "example bo"}}, []string{custBob}},
		{"phone exact, stored international", &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Exact: "+447700900456"}}, []string{custBob}},
		{"phone exact, E.164-compliant variation", &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Exact: "+44 (7700) 900-456"}}, []string{custBob}},
		{"phone exact, stored national, read in the seller's country", &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Exact: "+447700900123"}}, []string{custAlice}},
		{"phone exact misses a US national number in a GB account", &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Exact: "+12125550142"}}, nil},
		{"phone fuzzy finds it by its digits", &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Fuzzy: "2125550142"}}, []string{custCarol}},
		{"phone fuzzy digit groups", &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Fuzzy: "212 0199"}}, []string{custDan}},
		{"phone fuzzy matches all containing", &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Fuzzy: "7700"}}, []string{custAlice, custBob}},
		{"reference id exact ignores case", &apis.CustomerFilter{ReferenceID: &apis.CustomerTextFilter{Exact: "ldn_alice_01"}}, []string{custAlice}},
		{"reference id fuzzy", &apis.CustomerFilter{ReferenceID: &apis.CustomerTextFilter{Fuzzy: "LDN 01"}}, []string{custAlice}},
		{"created_at range, end exclusive", &apis.CustomerFilter{CreatedAt: &apis.TimeRange{StartAt: apis.FormatTime(t0.Add(1 * 3600e9)), EndAt: apis.FormatTime(t0.Add(3 * 3600e9))}}, []string{custBob, custCarol}},
		{"creation source include", &apis.CustomerFilter{CreationSource: &apis.CustomerCreationSourceFilter{Values: []string{"LOYALTY", "DIRECTORY"}}}, []string{custBob, custDan}},
		{"creation source exclude, no public info left out", &apis.CustomerFilter{CreationSource: &apis.CustomerCreationSourceFilter{Values: []string{"THIRD_PARTY"}, Rule: "EXCLUDE"}}, []string{custBob, custDan}},
		{"filters combine with AND", &apis.CustomerFilter{EmailAddress: &apis.CustomerTextFilter{Fuzzy: "alice"}, CreationSource: &apis.CustomerCreationSourceFilter{Values: []string{"THIRD_PARTY"}}, PhoneNumber: &apis.CustomerTextFilter{Fuzzy: "900123"}}, []string{custAlice}},
		{"no filter returns every searchable profile", nil, []string{custAlice, custAliceTw, custBob, custCarol, custDan}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			if got := searchCustomers(e, c.filter); !slices.Equal(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestCustomerSearchSortCountAndPaging(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	// Default sort: by given name then family name, case-insensitively.
	var out apis.SearchCustomersResponse
	e.ok("POST", "/v2/customers/search", apis.SearchCustomersRequest{Count: true}, &out)
	if got, want := customerIDs(out.Customers), []string{custAlice, custAliceTw, custBob, custCarol, custDan}; !slices.Equal(got, want) {
		t.Fatalf("default order %v, want %v", got, want)
	}
	if out.Count == nil || *out.Count != 5 || out.Cursor != "" {
		t.Fatalf("count %v cursor %q", out.Count, out.Cursor)
	}
	// Walk all pages of two, newest first.
	req := apis.SearchCustomersRequest{Limit: i64(2), Query: &apis.CustomerQuery{Sort: &apis.CustomerSort{Field: "CREATED_AT", Order: "DESC"}}}
	var all []string
	pages := 0
	for {
		var p apis.SearchCustomersResponse
		e.ok("POST", "/v2/customers/search", req, &p)
		pages++
		if len(p.Customers) > 2 {
			t.Fatalf("page of %d with limit 2", len(p.Customers))
		}
		all = append(all, customerIDs(p.Customers)...)
		if p.Cursor == "" {
			break
		}
		req.Cursor = p.Cursor
	}
	if want := []string{custAliceTw, custDan, custCarol, custBob, custAlice}; !slices.Equal(all, want) || pages != 3 {
		t.Fatalf("pages %d: %v, want %v", pages, all, want)
	}

	// A cursor belongs to its query.
	first := apis.SearchCustomersRequest{Limit: i64(1)}
	var p apis.SearchCustomersResponse
	e.ok("POST", "/v2/customers/search", first, &p)
	other := apis.SearchCustomersRequest{Limit: i64(1), Cursor: p.Cursor, Query: &apis.CustomerQuery{Filter: &apis.CustomerFilter{EmailAddress: &apis.CustomerTextFilter{Fuzzy: "a"}}}}
	e.fails("POST", "/v2/customers/search", other, 400, apis.CodeInvalidCursor)
	e.fails("POST", "/v2/customers/search", apis.SearchCustomersRequest{Cursor: "not-a-cursor"}, 400, apis.CodeInvalidCursor)
}

func TestCustomerSearchBadInput(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	cases := []struct {
		name  string
		body  any
		code  string
		field string
	}{
		{"limit too low", apis.SearchCustomersRequest{Limit: i64(0)}, apis.CodeValueTooLow, "limit"},
		{"limit too high", apis.SearchCustomersRequest{Limit: i64(101)}, apis.CodeValueTooHigh, "limit"},
		{"phone exact not E.164", apis.SearchCustomersRequest{Query: &apis.CustomerQuery{Filter: &apis.CustomerFilter{PhoneNumber: &apis.CustomerTextFilter{Exact: "07700 900123"}}}}, apis.CodeInvalidValue, "query.filter.phone_number.exact"},
		{"exact and fuzzy", apis.SearchCustomersRequest{Query: &apis.CustomerQuery{Filter: &apis.CustomerFilter{EmailAddress: &apis.CustomerTextFilter{Exact: "a@b.c", Fuzzy: "a"}}}}, apis.CodeConflictingParameters, "query.filter.email_address"},
		{"bad time", apis.SearchCustomersRequest{Query: &apis.CustomerQuery{Filter: &apis.CustomerFilter{CreatedAt: &apis.TimeRange{StartAt: "yesterday"}}}}, apis.CodeInvalidTime, "query.filter.created_at.start_at"},
		{"bad sort field", apis.SearchCustomersRequest{Query: &apis.CustomerQuery{Sort: &apis.CustomerSort{Field: "EMAIL"}}}, apis.CodeInvalidEnumValue, "query.sort.field"},
		{"unknown filter", []byte(`{"query":{"filter":{"email":{"exact":"a@b.c"}}}}`), apis.CodeUnknownBodyParameter, "email"},
		{"filter Square has but the simulator does not", []byte(`{"query":{"filter":{"group_ids":{"any":["G1"]}}}}`), apis.CodeBadRequest, "query.filter.group_ids"},
		{"wrong type", []byte(`{"limit":"ten"}`), apis.CodeExpectedInteger, "limit"},
		{"not JSON", []byte(`{"limit":`), apis.CodeExpectedJSONBody, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			got := e.fails("POST", "/v2/customers/search", c.body, http.StatusBadRequest, c.code)
			if got.Field != c.field || got.Category != apis.CategoryInvalidRequest || got.Detail == "" {
				t.Fatalf("got %+v, want field %q", got, c.field)
			}
		})
	}
}

func TestBulkRetrieveAndGetCustomer(t *testing.T) {
	e := setup(t, FromWorld(smallWorld()))
	var out apis.BulkRetrieveCustomersResponse
	e.ok("POST", "/v2/customers/bulk-retrieve", apis.BulkRetrieveCustomersRequest{CustomerIDs: []string{custAlice, "NOSUCHCUSTOMER00000000000X", custDan}}, &out)
	if len(out.Responses) != 3 || out.Responses[custAlice].Customer == nil || out.Responses[custDan].Customer.GivenName != "Dan" {
		t.Fatalf("responses: %+v", out.Responses)
	}
	miss := out.Responses["NOSUCHCUSTOMER00000000000X"]
	if miss.Customer != nil || len(miss.Errors) != 1 || miss.Errors[0].Code != apis.CodeNotFound || miss.Errors[0].Category != apis.CategoryInvalidRequest {
		t.Fatalf("unknown id: %+v", miss)
	}
	if c := out.Responses[custDan].Customer; c.Preferences == nil || !c.Preferences.EmailUnsubscribed || c.Address == nil || c.Address.Country != "US" {
		t.Fatalf("Dan rendered as %+v", c)
	}

	ids := make([]string, 101)
	for i := range ids {
		ids[i] = custAlice
	}
	e.fails("POST", "/v2/customers/bulk-retrieve", apis.BulkRetrieveCustomersRequest{CustomerIDs: ids}, 400, apis.CodeArrayTooLong)
	e.fails("POST", "/v2/customers/bulk-retrieve", []byte(`{}`), 400, apis.CodeMissingRequired)
	e.fails("POST", "/v2/customers/bulk-retrieve", apis.BulkRetrieveCustomersRequest{CustomerIDs: []string{}}, 400, apis.CodeArrayEmpty)

	var one apis.RetrieveCustomerResponse
	e.ok("GET", "/v2/customers/"+custBob, nil, &one)
	if one.Customer == nil || one.Customer.ID != custBob || one.Customer.PhoneNumber != "+44 7700 900456" {
		t.Fatalf("get: %+v", one.Customer)
	}
	e.fails("GET", "/v2/customers/NOSUCH", nil, 404, apis.CodeNotFound)
}

func TestListCustomers(t *testing.T) {
	d := FromWorld(smallWorld())
	e := setup(t, d)
	// Every profile with public information, in each sort.
	var public []string
	for _, c := range d.Customers {
		if c.GivenName != "" || c.FamilyName != "" || c.CompanyName != "" || c.EmailAddress != "" || c.PhoneNumber != "" {
			public = append(public, c.ID)
		}
	}
	if len(public) == len(d.Customers) {
		t.Fatal("the test world has no profile without public information")
	}
	var out apis.ListCustomersResponse
	e.ok("GET", "/v2/customers?count=true", nil, &out)
	if got, want := customerIDs(out.Customers), []string{custAlice, custAliceTw, custBob, custCarol, custDan}; !slices.Equal(got, want) {
		t.Fatalf("default order %v, want %v", got, want)
	}
	if out.Count == nil || int(*out.Count) != len(public) || out.Cursor != "" {
		t.Fatalf("count %v cursor %q", out.Count, out.Cursor)
	}
	// Walk pages of two by creation time, oldest first.
	var all []string
	path := "/v2/customers?limit=2&sort_field=CREATED_AT&sort_order=ASC"
	for pages := 0; ; pages++ {
		var p apis.ListCustomersResponse
		e.ok("GET", path, nil, &p)
		if len(p.Customers) > 2 {
			t.Fatalf("page of %d with limit 2", len(p.Customers))
		}
		all = append(all, customerIDs(p.Customers)...)
		if p.Cursor == "" {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		path = "/v2/customers?limit=2&sort_field=CREATED_AT&sort_order=ASC&cursor=" + url.QueryEscape(p.Cursor)
	}
	if want := []string{custAlice, custBob, custCarol, custDan, custAliceTw}; !slices.Equal(all, want) {
		t.Fatalf("by creation: %v, want %v", all, want)
	}
	sorted := slices.Clone(all)
	slices.Sort(sorted)
	slices.Sort(public)
	if !slices.Equal(sorted, public) {
		t.Fatalf("listed %v, want the public profiles %v", sorted, public)
	}
	var desc apis.ListCustomersResponse
	e.ok("GET", "/v2/customers?sort_field=CREATED_AT&sort_order=DESC", nil, &desc)
	if got := customerIDs(desc.Customers); !slices.Equal(got, []string{custAliceTw, custDan, custCarol, custBob, custAlice}) {
		t.Fatalf("newest first: %v", got)
	}

	// A cursor belongs to its sort, and to this endpoint.
	var p apis.ListCustomersResponse
	e.ok("GET", "/v2/customers?limit=1&sort_field=CREATED_AT", nil, &p)
	e.fails("GET", "/v2/customers?limit=1&cursor="+url.QueryEscape(p.Cursor), nil, 400, apis.CodeInvalidCursor)
	var sp apis.SearchCustomersResponse
	e.ok("POST", "/v2/customers/search", apis.SearchCustomersRequest{Limit: i64(1)}, &sp)
	e.fails("GET", "/v2/customers?cursor="+url.QueryEscape(sp.Cursor), nil, 400, apis.CodeInvalidCursor)
	e.fails("GET", "/v2/customers?cursor=not-a-cursor", nil, 400, apis.CodeInvalidCursor)
	if got := e.fails("GET", "/v2/customers?limit=0", nil, 400, apis.CodeValueTooLow); got.Field != "limit" {
		t.Errorf("limit 0: field %q", got.Field)
	}
	e.fails("GET", "/v2/customers?limit=101", nil, 400, apis.CodeValueTooHigh)
}
