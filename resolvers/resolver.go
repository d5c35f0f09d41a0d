// Package resolvers implements the GraphQL schema in schema/. Resolvers are
// thin: they ask the request's loaders (package loaders) for what they need
// and hand it to package view, which merges records of all systems into one
// customer. A system that fails costs only the fields it feeds: multi-system
// fields return what the other systems gave plus an error naming the failed
// one.
package resolvers

import (
	"context"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/clientrate"
	"github.com/omnigate/omnigate/graph"
	"github.com/omnigate/omnigate/view"
)

// IdentityResolver finds golden customers. *identity.Resolver implements it.
type IdentityResolver interface {
	ResolveIdentifier(ctx context.Context, kind omnigate.IdentifierKind, value string) (string, error)
	ResolveRecord(ctx context.Context, system omnigate.System, externalID string) (string, error)
}

// Resolver is the root resolver. Per-request state lives in the loaders
// (loaders.For(ctx)), never here.
type Resolver struct {
	Identity IdentityResolver
	// Admin changes the identity map; nil refuses every change.
	Admin IdentityAdmin
	// Survivorship chooses the single-valued fields of a profile.
	Survivorship view.SurvivorshipPolicy
	// DefaultRegion is the phone region for national numbers asked without
	// a region, e.g. "GB".
	DefaultRegion string
	// MaxCustomers bounds the customers one request reads: the ids of one
	// customers(ids:), and all its root fields together.
	MaxCustomers int
	// ClientRate, when set, bounds the customers each client reads a
	// second.
	ClientRate *clientrate.Limiter
	// SignedIn is the system whose customer ids signed-in customers' tokens
	// carry, for me; empty means the webshop (commercetools).
	SignedIn omnigate.System
}

// signedIn is SignedIn, the webshop when unset.
func (r *Resolver) signedIn() omnigate.System {
	if r.SignedIn == "" {
		return omnigate.Commercetools
	}
	return r.SignedIn
}

// maxCustomers is MaxCustomers, 1,000 when unset.
func (r *Resolver) maxCustomers() int {
	if r.MaxCustomers <= 0 {
		return 1000
	}
	return r.MaxCustomers
}

var _ graph.ResolverRoot = (*Resolver)(nil)
