package gateway_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/bench"
)

// TestAliasesDoNotMultiplyTheCustomersOfARequest: max_customers bounds the
// ids of customers(ids:) and max_customers_in_flight the customers all
// requests read at once, but a request admitted once goes ahead with every
// later field: aliases of customers(ids:) each carrying 1,000 ids read
// thousands of customers 360 in one request. The complexity limit is meant
// to stop that ("allows a 360 query over a list of 1,000 customers but not
// an unbounded one"), so customers(ids:) must weigh its selection once per
// id.
func TestAliasesDoNotMultiplyTheCustomersOfARequest(t *testing.T) {
	e := setup(t)
	var q strings.Builder
	vars := map[string]any{}
	q.WriteString("query(")
	const aliases = 4
	for a := range aliases {
		fmt.Fprintf(&q, "$ids%d: [ID!]! ", a)
		ids := make([]string, 1000)
		for i := range ids {
			ids[i] = fmt.Sprintf("unknown-%d-%d", a, i)
		}
		vars[fmt.Sprintf("ids%d", a)] = ids
	}
	q.WriteString(") {\n")
	for a := range aliases {
		fmt.Fprintf(&q, "c%d: customers(ids: $ids%d) {%s\n}\n", a, a, bench.Customer360Fields)
	}
	q.WriteString("}")
	began := time.Now()
	r := e.query(t, q.String(), vars, nil)
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Fatalf("%d aliases of customers(ids:) with 1,000 ids each were accepted (%v, errors %+v)", aliases, time.Since(began).Round(time.Millisecond), r.Errors)
	}
	// One list of 1,000 customers 360 stays within the limit.
	r = e.query(t, "query($ids: [ID!]!) { customers(ids: $ids) {"+bench.Customer360Fields+"\n} }", map[string]any{"ids": vars["ids0"]}, nil)
	if len(r.Errors) != 0 {
		t.Fatalf("a 360 over 1,000 customers refused: %+v", r.Errors)
	}
}

// max_customers bounds the customers of one request, not only the ids of
// one customers(ids:): aliases of customer(id:) asking for more are refused
// before any runs, with an error that names the count and the bound.
func TestARequestReadsAtMostMaxCustomers(t *testing.T) {
	e := setup(t)
	var q strings.Builder
	q.WriteString("{")
	const aliases = 1001
	for a := range aliases {
		fmt.Fprintf(&q, " c%d: customer(id: \"unknown-%d\") { id }", a, a)
	}
	q.WriteString(" }")
	r := e.query(t, q.String(), nil, nil)
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "INVALID_INPUT" ||
		!strings.Contains(r.Errors[0].Message, "1001 customers") || !strings.Contains(r.Errors[0].Message, "at most 1000") {
		t.Fatalf("%d aliases of customer(id:): errors %+v; want one INVALID_INPUT naming 1001 and 1000", aliases, r.Errors)
	}
	if string(r.Data) != "null" && len(r.Data) != 0 {
		t.Errorf("data %s; want none: the request is refused before any field runs", r.Data)
	}
}
