package omnigate

// The GraphQL layer in graph/ is generated from schema/ by gqlgen, as
// configured in gqlgen.yml.
//go:generate go tool gqlgen generate
