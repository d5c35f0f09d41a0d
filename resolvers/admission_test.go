package resolvers

import (
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/omnigate/omnigate/graph"
)

// The count follows the operation: aliases, variables, @skip, fragments
// and defaults.
func TestAdmissionCountsTheRootFields(t *testing.T) {
	r := &Resolver{MaxCustomers: 1000}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: r}).Schema()
	for _, tc := range []struct {
		q    string
		vars map[string]any
		want int
	}{
		{`{ a: customer(id: "x") { id } b: customer(id: "y") { id } }`, nil, 2},
		{`{ a: customer(id: "x") { id } a: customer(id: "x") { name { fullName } } }`, nil, 1},
		{`query($ids: [ID!]!) { customers(ids: $ids) { id } }`, map[string]any{"ids": []any{"a", "b", "c"}}, 3},
		{`query($s: Boolean!) { a: customer(id: "x") @skip(if: $s) { id } b: customer(id: "y") { id } }`, map[string]any{"s": true}, 1},
		{`{ ...F } fragment F on Query { a: node(id: "x") { id } b: customerByEmail(email: "x@y.z") { id } }`, nil, 2},
		{`{ customerList(first: 7) { totalCount } }`, nil, 7},
		{`{ customerList { totalCount } }`, nil, 50},
		{`mutation { mergeCustomers(ids: ["a", "b"], actor: "sam", reason: "same person") { change { at } } }`, nil, 2},
		{`{ __typename }`, nil, 0},
	} {
		doc, errs := gqlparser.LoadQuery(schema, tc.q)
		if errs != nil {
			t.Fatalf("%s: %v", tc.q, errs)
		}
		op := doc.Operations[0]
		vars, err := validator.VariableValues(schema, op, tc.vars)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		oc := &graphql.OperationContext{RawQuery: tc.q, Doc: doc, Operation: op, Variables: vars}
		if got := (admission{r}).customersAsked(oc); got != tc.want {
			t.Errorf("%s: admitted for %d customers; want %d", strings.Join(strings.Fields(tc.q), " "), got, tc.want)
		}
	}
}
