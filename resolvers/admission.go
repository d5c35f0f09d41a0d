package resolvers

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/auth"
	"github.com/omnigate/omnigate/loaders"
)

// Admission is the gqlgen extension that admits a request for all the
// customers its root fields ask for (see loaders.Admit) before any of them
// runs, and refuses a request that asks for more than max_customers. Were
// each field to ask for itself, the first would admit the whole request:
// one request with a thousand aliases of customer(id:) would be let in for
// one customer.
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
	n := a.customersAsked(oc)
	if most := a.most(); n > most {
		graphql.AddError(ctx, omnigate.Errorf(omnigate.EINVALID,
			"the request asks for %d customers through its root fields and their aliases; at most %d are allowed in one request (max_customers)", n, most))
		return &graphql.Response{Errors: graphql.GetErrors(ctx)}
	}
	if lim := a.r.ClientRate; lim != nil {
		if wait := lim.Take(clientOf(ctx), n, time.Now()); wait > 0 {
			secs := int(math.Ceil(wait.Seconds()))
			perSecond, burst := lim.Limits()
			omnigate.SetAnswer(ctx, http.StatusTooManyRequests, "Retry-After", strconv.Itoa(secs))
			graphql.AddError(ctx, omnigate.Errorf(omnigate.ECLIENTRATE,
				"this client has read more customers than its rate allows (client_rate: %d a second, %d at once); the request's %d fit in %s",
				perSecond, burst, n, wait.Round(time.Millisecond)))
			return &graphql.Response{Errors: graphql.GetErrors(ctx)}
		}
	}
	if err := loaders.Admit(ctx, n); err != nil {
		graphql.AddError(ctx, err)
		return &graphql.Response{Errors: graphql.GetErrors(ctx)}
	}
	return next(ctx)
}

// clientOf names the client a request comes from, for its rate: the
// token's subject when the gateway authenticates its clients, else the
// address it came from.
func clientOf(ctx context.Context) string {
	if p := auth.From(ctx); p != nil && !p.Anonymous {
		return "sub:" + p.Subject
	}
	return "addr:" + omnigate.ClientAddr(ctx)
}

// most is the bound on the customers of one request: max_customers.
func (a admission) most() int { return a.r.maxCustomers() }

// customersAsked counts the customers the operation's root fields read:
// one for each field that finds one customer, the ids of customers(ids:),
// the page of customerList, and the two customers an identity change
// answers with at most. Aliases count each; @skip and @include are
// honoured. A customers(ids:) with more ids than max_customers counts
// max_customers: its resolver refuses it, naming the field.
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
	most := a.most()
	n := 0
	for _, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, []string{root}) {
		switch f.Name {
		case "customer", "customerByEmail", "customerByPhone", "customerBySystemId", "node", "me":
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
