// Package zendesk simulates the part of the Zendesk Support API v2 that
// omnigate uses: finding end users by email, phone or external id, fetching
// users in batches, and listing the tickets a user requested, with each
// ticket's channel (via) and satisfaction rating. Tickets can be created and
// their status changed; both stay in memory.
//
// Authentication is HTTP Basic with "{email}/token:{api_token}" or an OAuth
// access token as "Authorization: Bearer"; anything else gets Zendesk's 401
// body {"error":"Couldn't authenticate you"}. A 429 carries Retry-After and
// Zendesk's plain-text body.
//
// Endpoints (names are what the harness counts and what faults target; keys
// is what the endpoint reports with harness.Keys):
//
//	method  path                                        endpoint            keys
//	GET     /api/v2/users.json                          users.list          1
//	GET     /api/v2/users/search.json                   users.search        1
//	GET     /api/v2/users/show_many.json?ids=           users.show_many     len(ids)
//	GET     /api/v2/users/{id}.json                     users.show          1
//	GET     /api/v2/users/{id}/tickets/requested.json   tickets.requested   1
//	GET     /api/v2/tickets/show_many.json?ids=         tickets.show_many   len(ids)
//	GET     /api/v2/tickets/{id}.json                   tickets.show        1
//	POST    /api/v2/tickets.json                        tickets.create      1
//	PUT     /api/v2/tickets/{id}.json                   tickets.update      1
//	GET     /api/v2/search.json?query=type:user ...     search              1
//
// Behaviour that follows Zendesk's documentation:
//   - users/search takes query= in Zendesk's search syntax: email:x (the
//     whole address, any case), phone:digits (the phone's digits, exactly),
//     phone:*digits (phones whose digits end so, which finds one number
//     typed in national and international form), external_id:x, name:x,
//     role:x and bare words (a word, or the start of a word, of the name,
//     email, phone or notes); all terms must hold. external_id= is the
//     exact-id alternative. Offset paging with page and per_page (at most
//     100; 10,000 records at most).
//   - users.json lists every user in ascending id order, role=end-user
//     (agent, admin; or several as role[]=...) keeping one role's. With
//     page[size] (1..100) it pages by cursor (page[after], page[before];
//     meta {has_more, after_cursor, before_cursor}, links {next, prev}),
//     a cursor being a user's place in id order; without it by offset
//     (page, per_page, next_page, count).
//   - show_many takes up to 100 ids (or external_ids); more is a 400.
//   - tickets/requested pages by cursor when page[size] (1..100) is given,
//     with page[after] or page[before] and sort (id, updated_at, status,
//     each with "-" for descending; created_at is refused, as Zendesk
//     documents it for offset paging's sort_by only), answering meta {has_more, after_cursor,
//     before_cursor} and links {next, prev}; without page[size] it pages by
//     offset (page, per_page, sort_by, sort_order) as older clients expect.
//   - search.json serves type:user with the same terms, 1,000 results at
//     most. Zendesk's search is also how tickets are searched, but its
//     documentation does not say that one query can name several
//     requesters, so the simulator serves user searches only.
//   - A closed ticket cannot be updated (422 RecordInvalid), and a ticket
//     cannot go back to new.
package zendesk
