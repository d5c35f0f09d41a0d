package omnigate

// The GraphQL layer in graph/ is generated from schema/ by gqlgen, as
// configured in gqlgen.yml; then graph/internal/inorder marshals in order
// the lists whose elements reach no resolver, and resolves in turn, on one
// goroutine, the Customer fields that resolvers/fetch.go loads ahead (its
// prefetched table; a test keeps the two lists equal), and makes an
// object's group of deferred fields only when it has a deferred field, and
// marshals plain fields (struct fields of scalar and enum types) directly
// when no extension intercepts fields.
//go:generate go tool gqlgen generate
//go:generate go run ./graph/internal/inorder -in-turn Customer.name,Customer.names,Customer.emails,Customer.phones,Customer.addresses,Customer.birthday,Customer.identities,Customer.orders,Customer.cart,Customer.carts,Customer.emailMarketing,Customer.tickets,Customer.timeline,Customer.stats,Customer.consent schema/*.graphqls graph/exec_gen.go
