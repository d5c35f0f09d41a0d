package predicate

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ct "github.com/omnigate/omnigate/apis/commercetools"
)

type addr struct {
	Country string `json:"country"`
	Phone   string `json:"phone,omitempty"`
	Mobile  string `json:"mobile,omitempty"`
}

type attr struct {
	Name  string          `json:"name"`
	Value json.RawMessage `json:"value"`
}

type rec struct {
	ID        string            `json:"id"`
	Version   int64             `json:"version"`
	Email     string            `json:"email"`
	Verified  bool              `json:"isEmailVerified"`
	Note      string            `json:"note,omitempty"`
	Score     *float64          `json:"score,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
	Addresses []addr            `json:"addresses"`
	Tags      []string          `json:"tags"`
	Name      map[string]string `json:"name,omitempty"`
	Customer  *struct {
		ID string `json:"id"`
	} `json:"customer,omitempty"`
	Attributes []attr `json:"attributes"`
}

var schema = SchemaOf(reflect.TypeOf(rec{}), map[string]func(reflect.Value) string{
	"lowercaseEmail": func(v reflect.Value) string { return strings.ToLower(v.FieldByName("Email").String()) },
})

func sample() rec {
	r := rec{
		ID: "c1", Version: 3, Email: "Ann.Lee@Example.com", Verified: true,
		CreatedAt: time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC),
		Addresses: []addr{{Country: "GB", Phone: "+44 20 7946 0958"}, {Country: "DE", Mobile: "0151 2345678"}},
		Tags:      []string{"vip", "newsletter"},
		Name:      map[string]string{"en": "Ann", "de-DE": "Anna"},
		Attributes: []attr{
			{Name: "color", Value: json.RawMessage(`"red"`)},
			{Name: "size", Value: json.RawMessage(`42`)},
			{Name: "label", Value: json.RawMessage(`{"en":"Big"}`)},
		},
	}
	r.Customer = &struct {
		ID string `json:"id"`
	}{ID: "cust-9"}
	return r
}

func match(t *testing.T, src string, vars map[string][]string) bool {
	t.Helper()
	e, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	p, err := Compile(e, schema, vars)
	if err != nil {
		t.Fatalf("Compile(%q): %v", src, err)
	}
	r := sample()
	return p.Match(&r)
}

func TestMatch(t *testing.T) {
	cases := []struct {
		src  string
		want bool
	}{
		{`id = "c1"`, true},
		{`id="c2"`, false},
		{`id != "c2"`, true},
		{`id <> "c1"`, false},
		{`id in ("a", "c1", "b")`, true},
		{`id in ("a")`, false},
		// Long lists are looked up in a set.
		{`id in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "c1")`, true},
		{`id in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")`, false},
		{`id not in ("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")`, true},
		{`tags contains any ("a", "b", "c", "d", "e", "f", "g", "h", "i", "vip")`, true},
		{`version in (1, 2, 4, 5, 6, 7, 8, 9, 10, 3)`, true},
		{`id not in ("a", "b")`, true},
		{`id NOT IN ("c1")`, false},
		{`version = 3`, true},
		{`version > 2 and version < 4`, true},
		{`version >= 4`, false},
		{`version <= 3.0`, true},
		{`version in (1, 2, 3)`, true},
		{`isEmailVerified = true`, true},
		{`isEmailVerified = false`, false},
		// email is case-sensitive, lowercaseEmail is the case-insensitive way.
		{`email = "ann.lee@example.com"`, false},
		{`email = "Ann.Lee@Example.com"`, true},
		{`lowercaseEmail = "ann.lee@example.com"`, true},
		{`lowercaseEmail in ("x@y.z", "ann.lee@example.com")`, true},
		{`addresses(phone = "+44 20 7946 0958")`, true},
		{`addresses(phone = "0151 2345678")`, false},
		{`addresses(phone in ("x") or mobile in ("0151 2345678"))`, true},
		// Both conditions must hold for the same element.
		{`addresses(country = "GB" and mobile = "0151 2345678")`, false},
		{`addresses(country = "DE" and mobile = "0151 2345678")`, true},
		{`customer(id = "cust-9")`, true},
		{`customer(id in ("a", "cust-9"))`, true},
		{`customer(id = "x")`, false},
		{`name(en = "Ann")`, true},
		{`name(de-DE = "Anna")`, true},
		{`name(fr = "Anne")`, false},
		{`note is not defined`, true},
		{`note is defined`, false},
		{`score is defined`, false},
		{`note != "x"`, true},
		{`customer is defined`, true},
		{`tags contains "vip"`, true},
		{`tags contains any ("x", "newsletter")`, true},
		{`tags contains all ("vip", "newsletter")`, true},
		{`tags contains all ("vip", "x")`, false},
		{`tags is empty`, false},
		{`tags is not empty`, true},
		{`tags = "vip"`, true},
		{`createdAt > "2024-01-01T00:00:00.000Z"`, true},
		{`createdAt < "2024-03-01"`, false},
		{`createdAt = "2024-03-01T10:00:00Z"`, true},
		{`attributes(name = "color" and value = "red")`, true},
		{`attributes(name = "size" and value > 40)`, true},
		{`attributes(name = "size" and value = "42")`, false},
		{`attributes(value(en = "Big"))`, true},
		{`not(id = "c1")`, false},
		{`not (id = "c2") and (version = 1 or version = 3)`, true},
		{`id = "x" or id = "y" or id = "c1"`, true},
		{`id = "c1" and (version = 1 or (version = 2 or version = 3))`, true},
		{"id =\n\t\"c1\"", true},
		{`id = :id`, true},
		{`id in :ids`, true},
		{`version = :v`, true},
		{`email = "Ann.Lee@Example.com" AND version = 3`, true},
	}
	vars := map[string][]string{"id": {"c1"}, "ids": {"x", "c1"}, "v": {"3"}}
	for _, c := range cases {
		if got := match(t, c.src, vars); got != c.want {
			t.Errorf("%s: got %v, want %v", c.src, got, c.want)
		}
	}
}

func TestStringEscapes(t *testing.T) {
	e, err := Parse(`id = "a\"b\\c\/d\n\u00e9"`)
	if err != nil {
		t.Fatal(err)
	}
	got := e.(Compare).Values[0].Text
	if want := "a\"b\\c/d\né"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestSyntaxErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{``, "Unexpected end of input, expected a predicate (line 1, column 1)"},
		{`id = nomatch`, "Invalid input 'n', expected input parameter or primitive value (line 1, column 6)"},
		{`id`, "Unexpected end of input, expected '(', an operator"},
		{`id = "abc`, "Unexpected end of input, expected '\"' to close the string that starts at line 1, column 6"},
		{`id = "a\qb"`, "Invalid escape sequence '\\q'"},
		{`id in ("a" "b")`, "Invalid input '\"b\"', expected ',' or ')' (line 1, column 12)"},
		{`id in "a"`, "expected '(' to start the list of values"},
		{`(id = "a"`, "Unexpected end of input, expected ')', 'and' or 'or'"},
		{`id = "a")`, "Invalid input ')', expected 'and', 'or' or the end of the predicate (line 1, column 9)"},
		{`id = "a" and`, "Unexpected end of input, expected a field name, 'not' or '('"},
		{`not id = "a"`, "expected '(' after 'not'"},
		{`id is nothing`, "expected 'defined' or 'empty'"},
		{`id = 12abc`, "after the number 12"},
		{`id = 1.`, "a digit after the decimal point"},
		{`id = "a" & version = 1`, "Invalid input '&'"},
		{"id = \"a\"\nand ?", "(line 2, column 5)"},
		{`id = :`, "the name of an input variable"},
		{strings.Repeat("(", 60) + `id = "a"` + strings.Repeat(")", 60), "nests more than 50 levels"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("%q: got %v, want a syntax error", c.src, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %q, want it to contain %q", c.src, err.Error(), c.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{`foo = "a"`, "The field 'foo' does not exist."},
		{`orSomething = "a"`, "The field 'orSomething' does not exist."},
		{`addresses(street = "a")`, "The field 'addresses.street' does not exist."},
		{`version = "three"`, "The field 'version' is a number and cannot be compared with \"three\"."},
		{`email = 42`, "The field 'email' is a string and cannot be compared with 42."},
		{`isEmailVerified = "yes"`, "is a boolean"},
		{`createdAt > "yesterday"`, "is a date-time and \"yesterday\" is not one"},
		{`id(x = "a")`, "The field 'id' is a string and has no fields"},
		{`customer = "a"`, "The field 'customer' is an object"},
		{`email contains "a"`, "applies to arrays"},
		{`email is empty`, "applies to arrays"},
		{`id = :missing`, "The input variable 'missing' has no value"},
		{`id = :ids`, "must have exactly one value here, it has 2"},
		{`version = :bad`, "is not"},
	}
	vars := map[string][]string{"ids": {"a", "b"}, "bad": {"x"}}
	for _, c := range cases {
		e, err := Parse(c.src)
		if err != nil {
			t.Errorf("%q: parse: %v", c.src, err)
			continue
		}
		_, err = Compile(e, schema, vars)
		var ce *CompileError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want a compile error containing %q", c.src, err, c.want)
		}
	}
}

type mapIndex map[string]map[string][]int

func (m mapIndex) Indexed(path string) bool { _, ok := m[path]; return ok }
func (m mapIndex) Lookup(path, v string) []int {
	return m[path][v]
}

func TestCandidates(t *testing.T) {
	ix := mapIndex{
		"id":              {"a": {0}, "b": {1}, "c": {2}},
		"addresses.phone": {"p1": {1, 3}},
		"customerId":      {"x": {4, 5}},
	}
	cases := []struct {
		src  string
		want []int
		ok   bool
	}{
		{`id in ("a", "c", "zz")`, []int{0, 2}, true},
		{`id = "b" and version = 1`, []int{1}, true},
		{`version = 1 and id = "b"`, []int{1}, true},
		{`id = "a" or id = "b"`, []int{0, 1}, true},
		{`id = "a" or version = 1`, nil, false},
		{`addresses(phone = "p1")`, []int{1, 3}, true},
		{`addresses(phone = "p1") and id in ("b", "c")`, []int{1}, true},
		{`not(id = "a")`, nil, false},
		{`id != "a"`, nil, false},
		{`version = 1`, nil, false},
	}
	for _, c := range cases {
		e, err := Parse(c.src)
		if err != nil {
			t.Fatal(err)
		}
		sch := SchemaOf(reflect.TypeOf(struct {
			ID         string `json:"id"`
			Version    int    `json:"version"`
			CustomerID string `json:"customerId"`
			Addresses  []addr `json:"addresses"`
		}{}), nil)
		p, err := Compile(e, sch, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := p.Candidates(ix)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) && (len(got) > 0 || len(c.want) > 0) {
			t.Errorf("%s: got %v %v, want %v %v", c.src, got, ok, c.want, c.ok)
		}
		if n := p.CountValues(func(p string) bool { return p == "id" }); c.src == `id in ("a", "c", "zz")` && n != 3 {
			t.Errorf("CountValues = %d, want 3", n)
		}
	}
}

func TestSort(t *testing.T) {
	a, b := sample(), sample()
	b.ID, b.Version = "c0", 5
	b.Name = nil
	s, err := ParseSort([]string{"version desc", "id asc"}, schema)
	if err != nil {
		t.Fatal(err)
	}
	if s.Compare(&a, &b) <= 0 {
		t.Error("version desc: record with version 5 must come first")
	}
	s, _ = ParseSort([]string{"name.en asc"}, schema)
	if s.Compare(&a, &b) <= 0 {
		t.Error("a record without name.en must come first in ascending order")
	}
	s, _ = ParseSort([]string{"createdAt asc", "id asc"}, schema)
	if s.Compare(&a, &b) <= 0 {
		t.Error("equal createdAt: id c0 must come before c1")
	}
	for _, bad := range []string{"version", "version up", "nope asc", "addresses asc", "customer asc", "a b c"} {
		if _, err := ParseSort([]string{bad}, schema); err == nil {
			t.Errorf("ParseSort(%q): want an error", bad)
		}
	}
}

// The quoting that the connector uses must read back as the same string.
func TestQuoteRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote`, `back\slash`, "new\nline\ttab\x01", "ünï©ødé ✓", "+44 (0)20 7946-0958"} {
		e, err := Parse("id = " + ct.QuoteString(s))
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if got := e.(Compare).Values[0].Text; got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`id = "c1"`, `customerId in ("a","b") and cartState="Active"`, `addresses(phone in ("+1"))`,
		`not(version >= 3) or tags contains any ("x")`, `name(en = "x\"y")`, `createdAt > "2024-01-01"`,
		`id = :v`, `((((id="a"))))`, `x is not empty`, `masterData(current(masterVariant(sku in ("A"))))`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Parse(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) returned %T, want *SyntaxError", src, err)
			}
			if se.Pos.Line < 1 || se.Pos.Column < 1 {
				t.Fatalf("Parse(%q): bad position %+v", src, se.Pos)
			}
			return
		}
		p, err := Compile(e, schema, map[string][]string{"v": {"1"}})
		if err != nil {
			return
		}
		r := sample()
		p.Match(&r)
		p.Candidates(mapIndex{"id": {"c1": {0}}})
	})
}

func FuzzQuote(f *testing.F) {
	f.Add("plain")
	f.Add(`a"b\c`)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		e, err := Parse("id = " + ct.QuoteString(s))
		if err != nil {
			t.Fatalf("quoted %q does not parse: %v", s, err)
		}
		if got := e.(Compare).Values[0].Text; got != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
	})
}
