// Package commercetools simulates the commercetools Composable Commerce HTTP
// API (the webshop) and its auth service, for one project, on one port.
//
// Clients get a token with the client credentials flow (POST /oauth/token,
// HTTP Basic client_id:client_secret, grant_type=client_credentials and an
// optional scope, in the form body or the query string) and send it as
// "Authorization: Bearer <token>". A missing, unknown or expired token gets
// 401 invalid_token; a token without a scope for the endpoint, or for
// another project key, gets 403 insufficient_scope; bad client credentials
// get the auth service's 401 invalid_client. Error bodies are the API's
// ErrorResponse ({statusCode, message, errors: [{code, message}]}).
//
// Query endpoints take where (the query predicate language, see package
// predicate; several where parameters must all hold), var.<name> input
// variables, sort ("createdAt desc"; several allowed), limit (default 20,
// at most 500), offset (at most 10000) and withTotal (default true). Bad
// values get 400 InvalidInput "Malformed parameter: <name>: ...". Request
// URLs longer than 8192 characters get 414. Customer emails keep their
// letter case: email = "..." is case-sensitive, the query-only field
// lowercaseEmail matches the lowercased address. Comparisons (<, >, <=,
// >=) order strings byte by byte, so the walk commercetools recommends for
// reading a whole collection works: sort=id asc, withTotal=false and
// where=id > "<last id of the previous page>".
//
// Endpoints, with the name the harness counts and faults them by, and the
// keys each call reports (for queries: the values compared with = or in on
// identifier fields such as id, customerId, lowercaseEmail,
// addresses(phone), sku and customer(id)):
//
//	method path                                          endpoint                  keys
//	POST   /oauth/token                                  oauth.token               1
//	GET    /{projectKey}/customers                       customers.query           ids/emails/phones asked
//	GET    /{projectKey}/customers/{id}                  customers.get             1
//	GET    /{projectKey}/orders                          orders.query              customer ids/ids asked
//	GET    /{projectKey}/orders/{id}                     orders.get                1
//	GET    /{projectKey}/carts                           carts.query               customer ids/ids asked
//	GET    /{projectKey}/carts/{id}                      carts.get                 1
//	GET    /{projectKey}/carts/customer-id={customerId}  carts.byCustomer          1
//	POST   /{projectKey}/carts/{id}                      carts.update              1
//	GET    /{projectKey}/products                        products.query            skus/ids/keys asked
//	GET    /{projectKey}/products/{id}                   products.get              1
//	GET    /{projectKey}/product-projections             productProjections.query  skus/ids/keys asked
//	GET    /{projectKey}/product-projections/{id}        productProjections.get    1
//	GET    /{projectKey}/inventory                       inventory.query           skus/ids asked
//	GET    /{projectKey}/inventory/{id}                  inventory.get             1
//	POST   /{projectKey}/inventory/{id}                  inventory.update          1
//	GET    /{projectKey}/channels                        channels.query            ids/keys asked
//	GET    /{projectKey}/channels/{id}                   channels.get              1
//	GET    /{projectKey}/stores                          stores.query              ids/keys asked
//	GET    /{projectKey}/stores/{id}                     stores.get                1
//	GET    /{projectKey}/shopping-lists                  shoppingLists.query       customer ids/ids asked
//	GET    /{projectKey}/shopping-lists/{id}             shoppingLists.get         1
//
// A shopping list's line items carry their variant (and so its SKU) only
// when the request asks for expand=lineItems[*].variant, as in
// commercetools; other expansions are ignored.
//
// Cart updates (addLineItem by sku or productId/variantId with an optional
// supplyChannel, removeLineItem, changeLineItemQuantity) and inventory
// updates (addQuantity, removeQuantity, changeQuantity) check the version
// (409 ConcurrentModification with currentVersion when it is stale), apply
// all their actions or none, and are kept in memory.
//
// Orders carry their returns in returnInfo (items with lineItemId, quantity,
// shipmentState, paymentState, createdAt; returnDate), as commercetools
// keeps them: adding a return and changing a returned item's state were
// updates of the order, counted in its version and lastModifiedAt.
//
// Fixtures live in <dir>/commercetools/: customers.json, orders.json,
// carts.json, products.json (Product resources with masterData.current
// and staged; the product projections are derived from them),
// inventory.json, channels.json, stores.json and shopping-lists.json, each
// a JSON array of records as the API returns them.
package commercetools

//go:generate go run ./internal/specprune ../../testdata/vendor-specs/commercetools-openapi.yaml testdata/commercetools-openapi.cut.json
