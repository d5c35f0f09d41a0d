package resolvers

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/nyaruka/phonenumbers"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/graph/model"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/loaders"
	"github.com/omnigate/omnigate/view"
)

// Helpers of the resolvers. They live apart from the *.resolvers.go files,
// which gqlgen rewrites.

// maxRecentEvents bounds the email events kept for recentEvents(first:).
const maxRecentEvents = 100

// recentWanted is how many recent email events the selection of the
// current emailMarketing field reads: the largest recentEvents(first:) in
// it (default 20), at most maxRecentEvents, 0 when none is selected. Only
// that many are converted; a customer may have hundreds.
func recentWanted(ctx context.Context) int {
	var vars map[string]any
	if oc := graphql.GetOperationContext(ctx); oc != nil {
		vars = oc.Variables
	}
	n := 0
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name != "recentEvents" {
			continue
		}
		first := 20
		if v, ok := f.ArgumentMap(vars)["first"]; ok {
			switch x := v.(type) {
			case int64:
				first = int(x)
			case int:
				first = x
			case float64:
				first = int(x)
			case json.Number:
				if i, err := x.Int64(); err == nil {
					first = int(i)
				}
			default:
				first = maxRecentEvents // unreadable here: the field's resolver reports it
			}
		}
		n = max(n, min(max(first, 0), maxRecentEvents))
	}
	return n
}

// selects reports whether a selection set reads any of the fields names.
func selects(oc *graphql.OperationContext, sel ast.SelectionSet, names ...string) bool {
	if oc == nil {
		return true // cannot tell: assume it does
	}
	for _, f := range graphql.CollectFields(oc, sel, nil) {
		if slices.Contains(names, f.Name) {
			return true
		}
	}
	return false
}

// selected reports whether the current field's selection reads any of the
// fields names.
func selected(ctx context.Context, names ...string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if slices.Contains(names, f.Name) {
			return true
		}
	}
	return false
}

// profile merges the customer's records of every system.
// The single-valued fields follow r's survivorship policy.
func (r *Resolver) profile(ctx context.Context, obj *model.Customer) (view.Profile, error) {
	c, err := golden(ctx, obj.ID)
	if err != nil {
		return view.Profile{}, err
	}
	m := loaders.Memo(ctx, memoKey{"profile", c.ID}, func() merged[view.Profile] {
		recs, errs := records(ctx, c)()
		p, err := view.MergeProfileWith(recs, r.Survivorship)
		if err != nil {
			// The configuration was checked at start; this is a bug.
			errs = append(errs, &omnigate.Error{Code: omnigate.EINTERNAL, Message: "profile policy", Err: err})
			p = view.MergeProfile(recs)
		}
		return merged[view.Profile]{p, errs}
	})
	partial(ctx, m.errs)
	return m.v, nil
}

// memoKey names a value derived once per request for one customer.
type memoKey struct{ what, customer string }

// merged is a derived value with the errors of the systems that failed;
// every field that uses it reports them at its own path.
type merged[V any] struct {
	v    V
	errs []error
}

func mapSlice[A, B any](in []A, f func(A) B) []B {
	out := make([]B, len(in))
	for i, a := range in {
		out[i] = f(a)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func deref1[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// existingWithFields returns the customer with a golden id, or nil when
// there is none, for a root field whose selection is a Customer's (or a
// Node's): it also starts fetching, in the background, what the selected
// fields will ask each system for, as soon as the customer's records are
// known, rather than when gqlgen reaches each field.
func existingWithFields(ctx context.Context, id string) (*model.Customer, error) {
	c, err := rootCustomer(ctx, id)
	if err != nil || c == nil {
		return nil, err
	}
	prefetch(ctx, []*identity.Customer{c}, false)
	return &model.Customer{ID: c.ID}, nil
}

// prefetchUnder is prefetch for customers that a root field returns below
// its own selection, at the fields path names (edges and node of
// customerList): without it, their Customer fields, resolved in turn, would
// each make their own round of calls.
func prefetchUnder(ctx context.Context, ids []string, path ...string) {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || len(ids) == 0 {
		return
	}
	fields := graphql.CollectFieldsCtx(ctx, nil)
	for _, name := range path {
		var next []graphql.CollectedField
		for _, f := range fields {
			if f.Name == name {
				next = append(next, graphql.CollectFields(oc, f.Selections, nil)...)
			}
		}
		fields = next
	}
	if !slices.ContainsFunc(fields, func(f graphql.CollectedField) bool { _, ok := prefetched[f.Name]; return ok }) {
		return // nothing to load ahead: no need for the golden customers either
	}
	l := loaders.For(ctx).Customer
	_ = l.Fill(ctx, ids) // the error is cached; the fields report it
	cs := make([]*identity.Customer, 0, len(ids))
	for _, id := range ids {
		if c, err := l.Load(ctx, id)(); err == nil && c != nil {
			cs = append(cs, c)
		}
	}
	prefetchFor(ctx, fields, cs, false)
}

// rootCustomer loads one golden customer at once. A root field has no
// siblings to batch with, so the loader's batch window would only add to
// the latency; the result is cached in the loader like any other.
func rootCustomer(ctx context.Context, id string) (*identity.Customer, error) {
	if err := loaders.Admit(ctx, 1); err != nil {
		return nil, err
	}
	l := loaders.For(ctx).Customer
	_ = l.Fill(ctx, []string{id}) // the error is cached; Load returns it
	return l.Load(ctx, id)()
}

// found turns a resolution into a customer; not found is null, not an error.
func found(ctx context.Context, id string, err error) (*model.Customer, error) {
	if err != nil {
		var oe *omnigate.Error
		if errors.As(err, &oe) && oe.Code == omnigate.ENOTFOUND {
			return nil, nil
		}
		return nil, err
	}
	return existingWithFields(ctx, id)
}

func validRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[region]
}
