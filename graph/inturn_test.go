package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

func collected(names ...string) []graphql.CollectedField {
	out := make([]graphql.CollectedField, len(names))
	for i, n := range names {
		out[i] = graphql.CollectedField{Field: &ast.Field{Name: n, Alias: n}}
	}
	return out
}

// The fields given to fieldsInTurn are resolved one after another in the
// query's order, once each, and their values land in their own places.
func TestFieldsInTurnResolveInOrder(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
	oc := &graphql.OperationContext{RecoverFunc: graphql.DefaultRecover}
	fields := collected("a", "b", "c")
	out := graphql.NewFieldSet(fields)
	deferred := graphql.NewDeferredGroup(ctx)
	var inTurn fieldsInTurn
	var order []string
	for i, f := range fields {
		inTurn.add(oc, out, &deferred, f, i, true, true, func(context.Context) graphql.Marshaler {
			order = append(order, f.Name)
			return graphql.MarshalString(f.Name + "!")
		})
	}
	out.Dispatch(ctx)
	if strings.Join(order, ",") != "a,b,c" {
		t.Fatalf("resolved %v, want a, b, c once each in order", order)
	}
	var b strings.Builder
	out.MarshalGQL(&b)
	if want := `{"a":"a!","b":"b!","c":"c!"}`; b.String() != want {
		t.Fatalf("marshalled %s, want %s", b.String(), want)
	}
	if out.Invalids != 0 {
		t.Fatalf("%d invalid fields, want 0", out.Invalids)
	}
}

// A panicking field is an error and null, as with gqlgen's own goroutine per
// field: the fields after it are still resolved, and a null in a non-null
// field invalidates the object while a nullable one does not.
func TestFieldsInTurnPanicNullsOnlyItsField(t *testing.T) {
	for _, nonNull := range []bool{true, false} {
		ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter, graphql.DefaultRecover)
		oc := &graphql.OperationContext{RecoverFunc: graphql.DefaultRecover}
		fields := collected("broken", "fine")
		out := graphql.NewFieldSet(fields)
		deferred := graphql.NewDeferredGroup(ctx)
		var inTurn fieldsInTurn
		inTurn.add(oc, out, &deferred, fields[0], 0, true, nonNull, func(context.Context) graphql.Marshaler { panic("boom") })
		inTurn.add(oc, out, &deferred, fields[1], 1, true, nonNull, func(context.Context) graphql.Marshaler { return graphql.MarshalInt(7) })
		out.Dispatch(ctx)
		if out.Values[0] != graphql.Null {
			t.Errorf("nonNull %v: panicking field is %v, want null", nonNull, out.Values[0])
		}
		if out.Values[1] == nil || out.Values[1] == graphql.Null {
			t.Errorf("nonNull %v: the field after the panic was not resolved", nonNull)
		}
		if errs := graphql.GetErrors(ctx); len(errs) != 1 {
			t.Errorf("nonNull %v: %d errors, want the panic's one: %v", nonNull, len(errs), errs)
		}
		want := uint32(0)
		if nonNull {
			want = 1
		}
		if out.Invalids != want {
			t.Errorf("nonNull %v: %d invalid fields, want %d", nonNull, out.Invalids, want)
		}
	}
}

// An object with a deferred field gets gqlgen's group, ready for the field;
// any other an empty one, which a field set never touches.
func TestDeferredGroupOnlyForDeferredFields(t *testing.T) {
	ctx := context.Background()
	plain := collected("a", "b")
	if g := deferredGroup(ctx, plain); g.FieldSet != nil || g.Defers != nil || g.Path != nil {
		t.Fatalf("no field deferred, got a group with %+v", g)
	}
	withDefer := collected("a", "b")
	withDefer[1].Deferrables = []*graphql.Deferrable{{Label: "later"}}
	g := deferredGroup(ctx, withDefer)
	if g.FieldSet == nil || g.Defers == nil {
		t.Fatalf("a deferred field, got a group without field set or map: %+v", g)
	}
	// gqlgen's ResolveConcurrently files the deferred field in the group.
	out := graphql.NewFieldSet(withDefer)
	out.ResolveConcurrently(&graphql.OperationContext{}, &g, 1, false, false, func(context.Context) graphql.Marshaler { return graphql.Null })
	if len(g.Defers) != 1 || g.Defers["later"] == nil {
		t.Fatalf("deferred field not filed under its label: %v", g.Defers)
	}
}
