package resolvers

import (
	"context"
	"errors"

	"github.com/nyaruka/phonenumbers"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/graph/model"
	"github.com/omnigate/omnigate/loaders"
	"github.com/omnigate/omnigate/view"
)

// Helpers of the resolvers. They live apart from the *.resolvers.go files,
// which gqlgen rewrites.

// maxRecentEvents bounds the email events kept for recentEvents(first:).
const maxRecentEvents = 100

// profile merges the customer's records of every system.
func profile(ctx context.Context, obj *model.Customer) (view.Profile, error) {
	c, err := golden(ctx, obj.ID)
	if err != nil {
		return view.Profile{}, err
	}
	recs, errs := records(ctx, c)()
	partial(ctx, errs)
	return view.MergeProfile(recs), nil
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

// existing returns the customer with a golden id, or nil when there is none.
func existing(ctx context.Context, id string) (*model.Customer, error) {
	c, err := loaders.For(ctx).Customer.Load(ctx, id)()
	if err != nil || c == nil {
		return nil, err
	}
	return &model.Customer{ID: c.ID}, nil
}

// found turns a resolution into a customer; not found is null, not an error.
func found(id string, err error) (*model.Customer, error) {
	if err != nil {
		var oe *omnigate.Error
		if errors.As(err, &oe) && oe.Code == omnigate.ENOTFOUND {
			return nil, nil
		}
		return nil, err
	}
	return &model.Customer{ID: id}, nil
}

func validRegion(region string) bool {
	return phonenumbers.GetSupportedRegions()[region]
}
