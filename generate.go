package omnigate

// The GraphQL layer in graph/ is generated from schema/ by gqlgen, as
// configured in gqlgen.yml; then graph/internal/inorder marshals in order
// the lists whose elements reach no resolver.
//go:generate go tool gqlgen generate
//go:generate go run ./graph/internal/inorder schema/*.graphqls graph/exec_gen.go
