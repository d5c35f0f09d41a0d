package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omnigate/omnigate/loaders"
)

// Admission is the gqlgen extension that admits a request for all the
// customers its root fields ask for (see loaders.Admit) before any of them
// runs. Were each field to ask for itself, the first would admit the whole
// request: one request with a thousand aliases of customer(id:) would be
// let in for one customer.
func (r *Resolver) Admission() graphql.HandlerExtension { return admission{r} }

type admission struct{ r *Resolver }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = admission{}

func (admission) ExtensionName() string                   { return "Admission" }
func (admission) Validate(graphql.ExecutableSchema) error { return nil }
func (a admission) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// Requests refused before they ran (unreadable, invalid) have none.
	if !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil {
		return next(ctx)
	}
	if err := loaders.Admit(ctx, a.customersAsked(oc)); err != nil {
		graphql.AddError(ctx, err)
		return &graphql.Response{Errors: graphql.GetErrors(ctx)}
	}
	return next(ctx)
}

// customersAsked counts the customers the operation's root fields read:
// one for each field that finds one customer, the ids of customers(ids:),
// the page of customerList, and the two customers an identity change
// answers with at most. Aliases count each; @skip and @include are
// honoured.
func (a admission) customersAsked(oc *graphql.OperationContext) int {
	var root string
	switch oc.Operation.Operation {
	case ast.Query:
		root = "Query"
	case ast.Mutation:
		root = "Mutation"
	default:
		return 0
	}
	most := a.r.MaxCustomers
	if most <= 0 {
		most = 1000
	}
	n := 0
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{root}) {
		switch f.Name {
		case "customer", "customerByEmail", "customerByPhone", "customerBySystemId", "node":
			n++
		case "customers":
			ids, _ := f.ArgumentMap(oc.Variables)["ids"].([]any)
			n += min(len(ids), most)
		case "customerList":
			first, ok := f.ArgumentMap(oc.Variables)["first"].(int64)
			if !ok {
				first = 50
			}
			n += int(min(max(first, 0), 1000))
		case "linkRecord", "unlinkRecord", "mergeCustomers", "splitCustomer":
			n += 2
		}
	}
	return n
}
