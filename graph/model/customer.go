// Package model holds the GraphQL types. models_gen.go is generated from
// schema/; this file holds the types bound by hand in gqlgen.yml.
package model

// Customer is a golden customer. It carries only its id: every other field
// has a resolver that loads what it needs through the request's loaders, so
// that a list of customers fans out in batches.
type Customer struct {
	ID string `json:"id"`
}

// IsNode marks Customer as a Node.
func (Customer) IsNode() {}

// GetID returns the node id.
func (c Customer) GetID() string { return c.ID }
