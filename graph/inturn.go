package graph

import (
	"context"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
)

// fieldsInTurn resolves some of an object's resolver fields one after
// another, as one task of the object's field set, in place of gqlgen's one
// goroutine per field. graph/internal/inorder rewrites the generated executor
// to use it for the fields named in FieldsInTurn.
//
// Those are fields whose data the resolvers start loading, for every field
// of the object at once, before any of them is resolved (resolvers'
// prefetch): each field only waits for a load already under way, so
// resolving them in turn takes no longer than side by side, and saves a
// goroutine per field, whose stack grows again for each. The object's other
// resolver fields keep their goroutines, and the task runs beside them.
type fieldsInTurn struct {
	oc     *graphql.OperationContext
	out    *graphql.FieldSet
	fields []fieldInTurn
}

type fieldInTurn struct {
	i                         int
	recoverFromPanic, nonNull bool
	resolve                   func(ctx context.Context) graphql.Marshaler
}

// add schedules field i of out; it stands for out.ResolveConcurrently. A
// deferred field (@defer) is left to gqlgen, which sends it later.
func (t *fieldsInTurn) add(oc *graphql.OperationContext, out *graphql.FieldSet, deferred *graphql.DeferredGroup,
	field graphql.CollectedField, i int, recoverFromPanic, nonNull bool, resolve func(ctx context.Context) graphql.Marshaler,
) {
	if field.IsDeferred() {
		out.ResolveConcurrently(oc, deferred, i, recoverFromPanic, nonNull, resolve)
		return
	}
	if len(t.fields) == 0 {
		t.oc, t.out = oc, out
		// One task for all: its result is the first field's, which the
		// field set stores again; run counts the invalid results itself.
		out.Concurrently(i, t.run)
	}
	t.fields = append(t.fields, fieldInTurn{i: i, recoverFromPanic: recoverFromPanic, nonNull: nonNull, resolve: resolve})
}

// run resolves the fields in the order of the query's selection.
func (t *fieldsInTurn) run(ctx context.Context) graphql.Marshaler {
	for _, f := range t.fields {
		v := resolveRecovering(ctx, t.oc, f.recoverFromPanic, f.resolve)
		t.out.Values[f.i] = v
		// As gqlgen counts them: a null in a non-null field invalidates the
		// object, and a required null is passed up from a nullable one.
		invalid := graphql.RequiredNull
		if f.nonNull {
			invalid = graphql.Null
		}
		if v == invalid {
			atomic.AddUint32(&t.out.Invalids, 1)
		}
	}
	return t.out.Values[t.fields[0].i]
}

// resolveRecovering runs resolve; with recoverFromPanic, a panic is
// reported as the field's error and resolves to null, as in gqlgen.
func resolveRecovering(ctx context.Context, oc *graphql.OperationContext, recoverFromPanic bool, resolve func(ctx context.Context) graphql.Marshaler) (v graphql.Marshaler) {
	if recoverFromPanic {
		defer func() {
			if r := recover(); r != nil {
				oc.Error(ctx, oc.Recover(ctx, r))
				v = graphql.Null
			}
		}()
	}
	return resolve(ctx)
}
