package main

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const testSchema = `
type Query { customers: [Customer!]! node(id: ID!): Node }
interface Node { id: ID! }
type Customer implements Node { id: ID! total: Money! }
type Money { amount: Int! }
type Order implements Node { id: ID! total: Money! }
type CustomerEdge { node: Customer! }
type OrderEdge { node: Order! }
type Search { hits: [Node!]! }
`

func listFunc(name string) string {
	return "\nfunc (ec *executionContext) marshalN" + name + "2ᚕgithubᚗcomᚋxᚐ" + name + "ᚄ(ctx context.Context, sel ast.SelectionSet, v []x) graphql.Marshaler {\n" +
		"\tret := graphql.MarshalSliceConcurrently(ctx, len(v), 64, false, nil)\n\treturn ret\n}\n"
}

func TestRewriteKeepsGoroutinesOnlyWhereAResolverIsReached(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: testSchema})
	if err != nil {
		t.Fatal(err)
	}
	src := "package graph\n\ntype CustomerResolver interface {\n}\n" +
		listFunc("Money") + listFunc("OrderEdge") + listFunc("CustomerEdge") + listFunc("Customer") +
		listFunc("Node") + listFunc("Search") + listFunc("Unknown")
	out, n, err := Rewrite(src, schema)
	if err != nil {
		t.Fatal(err)
	}
	inOrder := map[string]bool{"Money": true, "OrderEdge": true}
	for _, name := range []string{"Money", "OrderEdge", "CustomerEdge", "Customer", "Node", "Search", "Unknown"} {
		i := strings.Index(out, "marshalN"+name+"2")
		body := out[i : i+strings.Index(out[i:], "\n}\n")]
		if got := strings.Contains(body, "marshalSliceInOrder("); got != inOrder[name] {
			t.Errorf("%s: in order %v, want %v", name, got, inOrder[name])
		}
	}
	if n != 2 {
		t.Errorf("%d lists rewritten, want 2", n)
	}
	// Running it again changes nothing.
	again, n, err := Rewrite(out, schema)
	if err != nil || again != out || n != 0 {
		t.Fatalf("second run: %d changed, err %v", n, err)
	}
}

func TestRewriteRefusesWhatIsNotTheExecutor(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: testSchema})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Rewrite("package graph\n"+listFunc("Money"), schema); err == nil {
		t.Error("a file without resolver interfaces was rewritten")
	}
	if _, _, err := Rewrite("package graph\ntype NoSuchTypeResolver interface {\n}\n", schema); err == nil || !strings.Contains(err.Error(), "NoSuchType") {
		t.Errorf("a resolver of no schema type: %v", err)
	}
}

// objectFunc is an executor function for Customer as gqlgen writes it:
// total is resolved concurrently, id is not.
const objectFunc = `
func (ec *executionContext) _Customer(ctx context.Context, sel ast.SelectionSet, obj *model.Customer) graphql.Marshaler {
	fields := graphql.CollectFields(ec.OperationContext, sel, customerImplementors)

	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	for i, field := range fields {
		switch field.Name {
		case "id":
			out.Values[i] = ec._Customer_id(ctx, field, obj)
		case "total":
			out.ResolveConcurrently(ec.OperationContext, &deferred, i,
				true, true,
				func(ctx context.Context) graphql.Marshaler {
					return ec._Customer_total(ctx, field, obj)
				})
		}
	}
	out.Dispatch(ctx)
	return out
}
`

func TestResolveInTurnRewritesTheNamedFields(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: testSchema})
	if err != nil {
		t.Fatal(err)
	}
	src := "package graph\n" + objectFunc
	out, err := ResolveInTurn(src, schema, []string{"Customer.total"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\tdeferred := graphql.NewDeferredGroup(ctx)\n\tvar inTurn fieldsInTurn\n",
		"case \"total\":\n\t\t\tinTurn.add(ec.OperationContext, out, &deferred, field, i,\n\t\t\t\ttrue, true,",
		`var FieldsInTurn = []string{"Customer.total"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rewritten executor lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ResolveConcurrently") {
		t.Errorf("total still resolved concurrently:\n%s", out)
	}
	// Running it again changes nothing.
	again, err := ResolveInTurn(out, schema, []string{"Customer.total"})
	if err != nil || again != out {
		t.Fatalf("second run changed the source (err %v):\n%s", err, again)
	}
	// Named no fields, it leaves the functions alone.
	if none, err := ResolveInTurn(src, schema, nil); err != nil || none != src {
		t.Fatalf("no fields: changed the source (err %v)", err)
	}
}

func TestResolveInTurnRefusesWhatItCannotRewrite(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "s.graphqls", Input: testSchema})
	if err != nil {
		t.Fatal(err)
	}
	src := "package graph\n" + objectFunc
	for field, want := range map[string]string{
		"Customer.nope": "names no field",
		"total":         "names no field",
		"Customer.id":   "does not resolve Customer.id concurrently",
		"Order.total":   "no executor function for type Order",
	} {
		_, err := ResolveInTurn(src, schema, []string{field})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one saying %q", field, err, want)
		}
	}
	// A case whose closure resolves another field is not what gqlgen writes.
	other := strings.Replace(src, "return ec._Customer_total(", "return ec._Customer_other(", 1)
	if _, err := ResolveInTurn(other, schema, []string{"Customer.total"}); err == nil || !strings.Contains(err.Error(), "does not resolve _Customer_total") {
		t.Errorf("a case resolving another field: %v", err)
	}
}

func TestLazyDeferredGroups(t *testing.T) {
	src := "package graph\n" + objectFunc + strings.Replace(objectFunc, "_Customer(", "_Order(", 1)
	out, n := LazyDeferredGroups(src)
	if n != 2 || strings.Contains(out, "graphql.NewDeferredGroup(") || strings.Count(out, "deferred := deferredGroup(ctx, fields)\n") != 2 {
		t.Fatalf("%d groups rewritten:\n%s", n, out)
	}
	if again, n := LazyDeferredGroups(out); again != out || n != 0 {
		t.Fatalf("second run changed %d", n)
	}
}
