package commercetools

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMoney(t *testing.T) {
	for cur, want := range map[string]int{"EUR": 2, "gbp": 2, "JPY": 0, "KWD": 3, "XYZ": 2} {
		if got := FractionDigits(cur); got != want {
			t.Errorf("FractionDigits(%s) = %d, want %d", cur, got, want)
		}
	}
	b, _ := json.Marshal(CentMoney("JPY", 1200))
	if string(b) != `{"type":"centPrecision","currencyCode":"JPY","centAmount":1200,"fractionDigits":0}` {
		t.Errorf("CentMoney JSON: %s", b)
	}
}

func TestQuote(t *testing.T) {
	cases := map[string]string{
		`plain`:     `"plain"`,
		`a"b`:       `"a\"b"`,
		`back\sl`:   `"back\\sl"`,
		"tab\tnl\n": `"tab\tnl\n"`,
		"bell\x07":  `"bell\u0007"`,
	}
	for in, want := range cases {
		if got := QuoteString(in); got != want {
			t.Errorf("QuoteString(%q) = %s, want %s", in, got, want)
		}
	}
	if got := QuoteList([]string{"a", `b"`}); got != `("a", "b\"")` {
		t.Errorf("QuoteList = %s", got)
	}
}

// Required arrays encode as [], never null, and optional fields are left
// out, as the API shows them.
func TestRequiredFieldsEncode(t *testing.T) {
	b, _ := json.Marshal(Customer{ID: "c", Email: "e", Addresses: []Address{}, ShippingAddressIDs: []string{}, BillingAddressIDs: []string{},
		CustomerGroupAssignments: []CustomerGroupAssignment{}, Stores: []KeyReference{}, AuthenticationMode: "Password"})
	s := string(b)
	for _, want := range []string{`"addresses":[]`, `"isEmailVerified":false`, `"stores":[]`} {
		if !strings.Contains(s, want) {
			t.Errorf("customer JSON lacks %s: %s", want, s)
		}
	}
	for _, absent := range []string{"firstName", "customerGroup\"", "locale", "dateOfBirth"} {
		if strings.Contains(s, absent) {
			t.Errorf("customer JSON has the unset %s: %s", absent, s)
		}
	}
	total := int64(3)
	b, _ = json.Marshal(PagedQueryResponse[Customer]{Limit: 20, Count: 0, Results: []Customer{}, Total: &total})
	if string(b) != `{"limit":20,"offset":0,"count":0,"total":3,"results":[]}` {
		t.Errorf("paged response: %s", b)
	}
}

func TestProjection(t *testing.T) {
	p := Product{ID: "p", Version: 3, MasterData: ProductCatalogData{Published: true,
		Current: ProductData{Name: LocalizedString{"en": "Now"}, MasterVariant: ProductVariant{ID: 1, SKU: "A"}, Variants: []ProductVariant{{ID: 2, SKU: "B"}}},
		Staged:  ProductData{Name: LocalizedString{"en": "Next"}, MasterVariant: ProductVariant{ID: 1, SKU: "A"}}}}
	cur, staged := p.Projection(false), p.Projection(true)
	if cur.Name["en"] != "Now" || len(cur.Variants) != 1 || staged.Name["en"] != "Next" || len(staged.Variants) != 0 || !cur.Published || cur.Version != 3 {
		t.Errorf("projections: %+v / %+v", cur, staged)
	}
	if v := p.MasterData.Current.AllVariants(); len(v) != 2 || v[1].SKU != "B" {
		t.Errorf("AllVariants: %+v", v)
	}
}

func TestErrorSummary(t *testing.T) {
	e := ErrorResponse{StatusCode: 409, Message: "stale", Errors: []ErrorObject{{Code: CodeConcurrentModification, Message: "stale"}}}
	if got := e.Summary(); got != "ConcurrentModification: stale" {
		t.Errorf("Summary = %q", got)
	}
	e = ErrorResponse{StatusCode: 401, Message: "bad client", Error: CodeInvalidClient}
	if got := e.Summary(); got != "invalid_client: bad client" {
		t.Errorf("Summary = %q", got)
	}
}
