// Package square simulates the retailer's Square seller account (point of
// sale): the Square API v2 subset omnigate uses, with Square's request and
// response shapes (package apis/square), bearer authentication, the
// Square-Version header, cursor paging, Square's limits and its error
// bodies, over data rendered from the neutral world or loaded from fixture
// files (square/customers.json, orders.json, locations.json, catalog.json,
// inventory-counts.json, loyalty-accounts.json).
//
// Endpoints, their names for counters and faults, and the keys each call
// reports to the harness:
//
//	method path                                   endpoint                         keys
//	GET    /v2/customers                          customers.list                   1
//	POST   /v2/customers/search                   customers.search                 1
//	POST   /v2/customers/bulk-retrieve            customers.bulk-retrieve          len(customer_ids) (≤100)
//	GET    /v2/customers/{customer_id}            customers.get                    1
//	POST   /v2/orders/search                      orders.search                    len(customer_ids) (≤10), else 1
//	POST   /v2/orders/batch-retrieve              orders.batch-retrieve            len(order_ids) (≤100)
//	POST   /v2/orders                             orders.create                    1
//	GET    /v2/orders/{order_id}                  orders.get                       1
//	PUT    /v2/orders/{order_id}                  orders.update                    1
//	POST   /v2/loyalty/accounts/search            loyalty.accounts.search          len(mappings or customer_ids) (≤30), else 1
//	GET    /v2/loyalty/accounts/{account_id}      loyalty.accounts.get             1
//	POST   /v2/inventory/counts/batch-retrieve    inventory.counts.batch-retrieve  len(catalog_object_ids), else 1
//	POST   /v2/inventory/changes/batch-create     inventory.changes.batch-create   len(changes) (≤100)
//	GET    /v2/locations                          locations.list                   1
//	POST   /v2/catalog/search                     catalog.search                   len(set_query values) (≤250), else 1
//	POST   /v2/catalog/batch-retrieve             catalog.batch-retrieve           len(object_ids) (≤1000)
//
// Behaviour worth knowing:
//
//   - Authentication: "Authorization: Bearer <token>"; a missing or malformed
//     header and a wrong token both get 401 AUTHENTICATION_ERROR/UNAUTHORIZED
//     with Square's wording. Square-Version is optional; when sent it must be
//     a date (YYYY-MM-DD), else 400 INVALID_SQUARE_VERSION_FORMAT.
//   - Customer search: email_address exact is case-insensitive; fuzzy
//     tokenizes on punctuation and matches every query token inside some
//     email token. phone_number exact needs an E.164-compliant query ("+"
//     and the country code; spaces, dashes and parentheses allowed) and
//     compares it with the stored number converted to E.164, reading numbers
//     typed without a country code in the seller's country (the country of
//     the oldest location), as Square does. A national number typed at a
//     store in another country therefore cannot be found by exact search;
//     phone_number fuzzy matches every digit group of the query inside the
//     stored number's digits and finds it. Only profiles with a name,
//     company, email or phone are searchable.
//   - Order search needs 1 to 10 location_ids; a customer filter takes up to
//     10 ids and finds an order by its customer_id or by a tender's
//     customer_id (a sale whose customer was named on the payment only has
//     no customer_id of its own); a date_time_filter must use the sort
//     field's timestamp; limit defaults to 500 and goes up to 1000.
//   - Returns are orders of their own, as in Square: COMPLETED, for the
//     customer the return was rung up for, at the store the goods came back
//     to, with one return naming the sale (source_order_id) and its lines
//     (source_line_item_uid), return_amounts, net_amounts (sale money less
//     returned money) and an APPROVED refund of what was paid back. An
//     exchange also has line_items (what it sells, total_money) and, when
//     those cost more than the goods brought back, a card tender for the
//     difference. The order search finds them like any order; the sales
//     they take goods back from are left as they were.
//   - Customer list (ListCustomers): every profile with public information,
//     sorted by sort_field (DEFAULT: given then family name; CREATED_AT,
//     ties broken by id) in sort_order; limit 1 to 100, default 100.
//   - Paging: cursors are opaque and bound to their query; a cursor sent
//     with another query, or a made-up one, gets 400 INVALID_CURSOR.
//   - Writes kept in memory: orders created (OPEN or DRAFT, priced from the
//     catalog for the location's currency, idempotency keys honoured) and
//     updated (sparse, with the current version, else 400 VERSION_MISMATCH),
//     and inventory changes (physical counts and adjustments).
//   - Request bodies are read strictly: unknown fields get 400
//     UNKNOWN_BODY_PARAMETER, wrong JSON types EXPECTED_STRING and the
//     like, naming the field; Square features the simulator does not model
//     (e.g. group_ids filters, order taxes, inventory transfers) get 400
//     BAD_REQUEST naming the field, rather than being ignored.
//   - Injected faults and rate limits (package harness) answer with Square's
//     error body for the status: 429 RATE_LIMIT_ERROR/RATE_LIMITED with
//     Retry-After, 5xx API_ERROR with INTERNAL_SERVER_ERROR,
//     SERVICE_UNAVAILABLE and so on.
package square
