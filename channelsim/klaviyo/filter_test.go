package klaviyo

import (
	"strings"
	"testing"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
)

func TestParseFilter(t *testing.T) {
	cases := []struct{ in, want string }{
		{`equals(email,"a@b.c")`, `equals(email,"a@b.c")`},
		{` equals ( email , 'a@b.c' ) `, `equals(email,"a@b.c")`},
		{`any(id,["a","b"])`, `any(id,["a","b"])`},
		{`equals(email,"say \"hi\" \\ bye")`, `equals(email,"say \"hi\" \\ bye")`},
		{`greater-than(created,2023-01-02T03:04:05+01:00)`, `greater-than(created,2023-01-02T02:04:05Z)`},
		{`less-than(value,25.5)`, `less-than(value,25.5)`},
		{`equals(flag,true),equals(x,null)`, `and(equals(flag,true),equals(x,null))`},
		{`and(has(profile),not(equals(metric_id,"x")))`, `and(has(profile),not(equals(metric_id,"x")))`},
		{`greater-or-equal(datetime,2023-01-01)`, `greater-or-equal(datetime,2023-01-01T00:00:00Z)`},
	}
	for _, c := range cases {
		n, err := parseFilter(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := n.String(); got != c.want {
			t.Errorf("%s: got %s, want %s", c.in, got, c.want)
		}
	}
}

// The connector's filters must read back as written.
func TestBuiltFiltersParse(t *testing.T) {
	built := api.And(
		api.Any("id", []string{"01GDDKASAP8TKDDA2GRZDSVP4H", `we"ird\`}),
		api.Equals("email", "a+b@example.com"),
		api.Compare("greater-than", "datetime", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)),
	)
	n, err := parseFilter(built)
	if err != nil {
		t.Fatal(err)
	}
	if n.String() != built {
		t.Errorf("got %s, want %s", n, built)
	}
	ls := leaves(n)
	if got := stringsOf(ls[0]); len(got) != 2 || got[1] != `we"ird\` {
		t.Errorf("values %q", got)
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{
		`equals(email,"a@b.c")`, `any(id,["a","b"])`, `and(equals(a,1),greater-than(b,2023-01-01T00:00:00Z))`,
		`equals(email,"x\"y")`, `not(has(profile))`, `equals(a,[1,2,`, `((((`, `any(id,[[1]])`, `equals(a,'b')`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseFilter(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "Invalid filter provided") {
				t.Fatalf("error %q does not start like Klaviyo's", err)
			}
			return
		}
		// What parses prints to a filter that parses to the same print,
		// and checking it against a resource never panics.
		again, err := parseFilter(n.String())
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", s, n.String(), err)
		}
		if again.String() != n.String() {
			t.Fatalf("%q: %q then %q", s, n.String(), again.String())
		}
		for _, spec := range []*filterSpec{profileFilters, eventFilters, metricFilters, listFilters, memberFilters} {
			_ = spec.check(n)
		}
	})
}
