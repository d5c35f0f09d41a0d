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
