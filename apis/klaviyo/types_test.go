package klaviyo

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDateTime(t *testing.T) {
	for in, want := range map[string]string{
		`"2022-11-08T01:23:45+00:00"`:     "2022-11-08T01:23:45+00:00",
		`"2022-11-08T02:23:45.123+01:00"`: "2022-11-08T01:23:45+00:00",
		`"2022-11-08T01:23:45Z"`:          "2022-11-08T01:23:45+00:00",
		`"2022-11-08T01:23:45"`:           "2022-11-08T01:23:45+00:00",
		`"2022-11-08"`:                    "2022-11-08T00:00:00+00:00",
	} {
		var d DateTime
		if err := json.Unmarshal([]byte(in), &d); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		out, _ := json.Marshal(d)
		if string(out) != `"`+want+`"` {
			t.Errorf("%s: wrote %s, want %q", in, out, want)
		}
	}
	var p struct {
		A *DateTime `json:"a"`
		B DateTime  `json:"b"`
	}
	if err := json.Unmarshal([]byte(`{"a":null,"b":null}`), &p); err != nil || p.A != nil || !p.B.Time.IsZero() {
		t.Errorf("nulls: %+v %v", p, err)
	}
	for _, bad := range []string{`"yesterday"`, `17`, `{}`} {
		var d DateTime
		if err := json.Unmarshal([]byte(bad), &d); err == nil {
			t.Errorf("%s was read as %v", bad, d)
		}
	}
	if got := NewDateTime(time.Date(2024, 1, 2, 3, 4, 5, 999, time.FixedZone("x", 3600))).String(); got != "2024-01-02T02:04:05+00:00" {
		t.Errorf("NewDateTime: %s", got)
	}
}

func TestToMany(t *testing.T) {
	for _, c := range []struct {
		in   ToMany
		want string
	}{
		{ToMany{}, `{}`},
		{ToMany{Data: []ResourceIdentifier{}}, `{"data":[]}`},
		{ToMany{Data: []ResourceIdentifier{{Type: "list", ID: "Y6nRLr"}}, Links: &RelationshipLinks{Self: "s", Related: "r"}},
			`{"data":[{"type":"list","id":"Y6nRLr"}],"links":{"self":"s","related":"r"}}`},
	} {
		b, err := json.Marshal(c.in)
		if err != nil || string(b) != c.want {
			t.Errorf("wrote %s (%v), want %s", b, err, c.want)
		}
		var back ToMany
		if err := json.Unmarshal(b, &back); err != nil || (back.Data == nil) != (c.in.Data == nil) {
			t.Errorf("read %s back as %+v (%v)", b, back, err)
		}
	}
}

func TestFilterBuilders(t *testing.T) {
	if got := Equals("email", `a"b\c`); got != `equals(email,"a\"b\\c")` {
		t.Errorf("Equals: %s", got)
	}
	if got := Any("id", []string{"a", "b"}); got != `any(id,["a","b"])` {
		t.Errorf("Any: %s", got)
	}
	if got := And(Equals("a", "1"), Compare("greater-than", "datetime", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))); got != `and(equals(a,"1"),greater-than(datetime,2024-01-02T03:04:05Z))` {
		t.Errorf("And: %s", got)
	}
	if And("x") != "x" {
		t.Error("And of one expression is not that expression")
	}
}

func TestAsMetric(t *testing.T) {
	var doc EventCollection
	err := json.Unmarshal([]byte(`{"data":[],"included":[{"type":"metric","id":"M1","attributes":{"name":"Opened Email","integration":{"name":"Klaviyo"}}},{"type":"profile","id":"P1","attributes":{}}]}`), &doc)
	if err != nil {
		t.Fatal(err)
	}
	m, err := doc.Included[0].AsMetric()
	if err != nil || Value(m.Attributes.Name) != "Opened Email" || m.Attributes.Integration.Name != "Klaviyo" {
		t.Errorf("metric %+v %v", m, err)
	}
	if _, err := doc.Included[1].AsMetric(); err == nil || !strings.Contains(err.Error(), "not a metric") {
		t.Errorf("a profile read as a metric: %v", err)
	}
}
