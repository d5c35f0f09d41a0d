package resolvers

import (
	"slices"
	"testing"

	"github.com/omnigate/omnigate/graph"
)

// The executor resolves in turn, on one goroutine, exactly the Customer
// fields whose loads prefetch starts: a field resolved in turn that started
// its own loads would wait for the fields before it first.
func TestPrefetchedFieldsAreResolvedInTurn(t *testing.T) {
	var want []string
	for name := range prefetched {
		want = append(want, "Customer."+name)
	}
	slices.Sort(want)
	if !slices.Equal(graph.FieldsInTurn, want) {
		t.Fatalf("generate.go has graph/internal/inorder resolve in turn\n  %v\nbut prefetch loads for\n  %v\nname the same fields in both", graph.FieldsInTurn, want)
	}
}
