package resolvers

import (
	"slices"
	"testing"

	"github.com/omnigate/omnigate/graph"
	"github.com/omnigate/omnigate/view"
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

// TestEveryTouchpointKindHasItsLoads keeps kindLoads whole: a kind it does
// not know would load the whole journey, and one it maps to nothing would
// show an empty timeline.
func TestEveryTouchpointKindHasItsLoads(t *testing.T) {
	for _, k := range view.TouchpointKinds {
		l, ok := kindLoads[k]
		if !ok || l == (loads{}) {
			t.Errorf("%s: no loads", k)
		}
		if got := timelineLoads([]view.TouchpointKind{k}); got != l {
			t.Errorf("%s: timelineLoads %+v, want %+v", k, got, l)
		}
	}
	if got := timelineLoads(nil); got != everything {
		t.Errorf("no kinds: %+v, want everything", got)
	}
	if got := timelineLoads([]view.TouchpointKind{view.OrderPlaced, "NOT_A_KIND"}); got != everything {
		t.Errorf("an unknown kind: %+v, want everything", got)
	}
	if got := timelineLoads([]view.TouchpointKind{view.OrderPlaced, view.TicketSolved}); got != (loads{orders: true, tickets: true}) {
		t.Errorf("orders and tickets: %+v", got)
	}
}
