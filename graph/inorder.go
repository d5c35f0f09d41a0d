package graph

import (
	"context"
	"io"
	"reflect"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
)

// marshalSliceInOrder marshals a list's elements one after another on the
// calling goroutine. graph/internal/inorder rewrites the generated executor
// to call it, in place of graphql.MarshalSliceConcurrently, for lists whose
// elements reach no field resolver: their marshalling never waits, so a
// goroutine per element only costs. As there, a panic in one element nulls
// that element and is reported as an error.
func marshalSliceInOrder(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	// The elements' field contexts and indices in one allocation, not two
	// for each element.
	elems := make([]element, length)
	for i := range length {
		e := &elems[i]
		e.index = i
		e.fc.Index = &e.index
		childCtx := graphql.WithFieldContext(ctx, &e.fc)
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// element is a list element's field context, with the index it points to.
type element struct {
	fc    graphql.FieldContext
	index int
}

// deferredGroup is graphql.NewDeferredGroup for an object with a deferred
// field (@defer), and an empty group for any other. gqlgen's computes the
// object's path and makes a field set and a map, which only a deferred
// field uses: for every object of every answer, a tenth of the gateway's
// allocations for a customer 360 (5,591 -> 5,049 per query without them). graph/internal/inorder rewrites the
// generated executor to call it.
func deferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for _, f := range fields {
		if f.IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{Context: ctx}
}

// plainFields reports whether the operation's field middleware is gqlgen's
// own pass-through, that is, whether no extension intercepts fields. Then a
// plain field (one that reads a struct field of its object) gives the same
// answer without gqlgen's middleware call, closures and boxed value, and, if
// its marshaller never reads the context, without a field context either;
// graph/internal/inorder rewrites the generated executor to marshal such
// fields so when this holds. A field interceptor (a tracer, say) still sees
// every field, as gqlgen's executor chains interceptors in closures of its
// own.
func plainFields(oc *graphql.OperationContext) bool {
	return reflect.ValueOf(oc.ResolverMiddleware).Pointer() == passThrough()
}

// recoverField turns a panic while a plain field is marshalled into an
// error at the field and a null, as graphql.ResolveField does.
func recoverField(ctx context.Context, oc *graphql.OperationContext, ret *graphql.Marshaler) {
	if r := recover(); r != nil {
		oc.Error(ctx, oc.Recover(ctx, r))
		*ret = graphql.Null
	}
}

// passThrough is the code of the field middleware that gqlgen's executor
// gives an operation when no extension intercepts fields.
var passThrough = sync.OnceValue(func() uintptr {
	exec := executor.New(NewExecutableSchema(Config{}))
	oc, errs := exec.CreateOperationContext(graphql.StartOperationTrace(context.Background()), &graphql.RawParams{Query: "{ __typename }"})
	if errs != nil {
		panic("graph: an operation on the gateway's own schema: " + errs.Error())
	}
	return reflect.ValueOf(oc.ResolverMiddleware).Pointer()
})

// objectFields is what an object of the answer marshals to: its fields, as
// graphql.CollectFields gave them, and their values. graph/internal/inorder
// rewrites the generated executor to return it in place of the
// graphql.FieldSet, whose MarshalGQL writes the same JSON but makes a map of
// the written names and a copy of every field for each object.
type objectFields struct {
	fields []graphql.CollectedField
	values []graphql.Marshaler
}

// MarshalGQL writes the fields in order, each name once, as FieldSet does.
// A name is a GraphQL name (the parser allows only letters, digits and
// underscores), so it is written as it is.
func (o *objectFields) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	for i := range o.fields {
		alias := o.fields[i].Alias
		if written(o.fields[:i], alias) {
			continue
		}
		if i > 0 {
			io.WriteString(w, `,"`)
		} else {
			io.WriteString(w, `"`)
		}
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		o.values[i].MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

// written reports whether one of the fields has the alias.
func written(fields []graphql.CollectedField, alias string) bool {
	for j := range fields {
		if fields[j].Alias == alias {
			return true
		}
	}
	return false
}
