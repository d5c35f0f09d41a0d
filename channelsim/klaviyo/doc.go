// Package klaviyo simulates Klaviyo's API (revision 2026-07-15) for the
// email channel: profiles with their email and SMS consent, list
// memberships, events (Received, Opened and Clicked Email, Placed Order)
// with their metrics, and a consent write.
//
// # Endpoints
//
//	method  path                                          endpoint name        keys per call
//	GET     /api/profiles                                 profiles.list        ids, emails, phone numbers and external ids in the filter
//	GET     /api/profiles/{id}                            profiles.get         1
//	GET     /api/profiles/{id}/lists                      profiles.lists       1
//	GET     /api/profiles/{id}/relationships/lists        profiles.list-ids    1
//	POST    /api/profile-subscription-bulk-create-jobs    profiles.subscribe   profiles in the job
//	POST    /api/profile-subscription-bulk-delete-jobs    profiles.unsubscribe profiles in the job
//	GET     /api/events                                   events.list          profile ids in the filter (at most 1)
//	GET     /api/events/{id}                              events.get           1
//	GET     /api/metrics                                  metrics.list         0
//	GET     /api/metrics/{id}                             metrics.get          1
//	GET     /api/lists                                    lists.list           list ids in the filter
//	GET     /api/lists/{id}/profiles                      lists.profiles       emails and phone numbers in the filter
//	GET     /api/lists/{id}/relationships/profiles        lists.profile-ids    emails and phone numbers in the filter
//
// Paths are also served with Klaviyo's trailing slash.
//
// # Behaviour
//
// Every call needs `Authorization: Klaviyo-API-Key <key>` (none: 401
// not_authenticated; a wrong one: 401 authentication_failed) and a `revision`
// header naming a published revision (none or unknown: 400 invalid). Errors
// are Klaviyo's JSON:API error documents, {"errors":[{"id","status","code",
// "title","detail","source"}]}, for the handlers' own rejections and for the
// harness's injected failures and 429s alike (WriteError).
//
// Filters follow Klaviyo's syntax (equals, any, greater-than..., and(),
// top-level commas) with exactly the fields and operators each endpoint's
// x-klaviyo-filters allows; anything else is a 400 whose detail names the
// field, operator or position. Notably GET /api/events filters profile_id
// with equals only, one profile per call: a vendor limit the gateway
// cannot batch around. An any(...) lists at most 100 values.
//
// Paging is by opaque page[cursor] with links.next and links.prev as
// absolute URLs on the host (and path prefix) the client called. Page sizes:
// profiles 1–100 (default 20), events 1–1000 (default 200), lists 1–10
// (default 10), list members 1–100 (default 20); metrics come 200 a page.
// Profiles without a sort come in id order, so that GET /api/profiles with
// no filter walks every profile once; the page[cursor] of a links.next
// stays valid on its own, with any page[size].
//
// Emails match without regard to case or surrounding spaces; phone numbers
// and ids match exactly. A profile joined a list (joined_group_at) when it
// was created. The consent jobs apply at once instead of in the background,
// set the method to "API", and create profiles they cannot find.
//
// A profile's subscriptions.email.marketing.suppression lists its global
// suppressions in time order: UNSUBSCRIBE when it unsubscribed, and the
// world's hard bounces, spam complaints, staff suppressions and invalid
// addresses (world.World.EmailSuppressions); a suppressed profile has
// can_receive_email_marketing false whatever its consent. A subscribe job
// lifts UNSUBSCRIBE, SPAM_COMPLAINT and USER_SUPPRESSED, not HARD_BOUNCE or
// INVALID_EMAIL; an unsubscribe job adds UNSUBSCRIBE. SMS has no
// suppressions in Klaviyo's API.
//
// # Fixtures
//
// dir/klaviyo/profiles.json, events.json, metrics.json and, optionally,
// lists.json hold JSON arrays of resources as the API returns them, without
// links. A profile's consents are in attributes.subscriptions and its list
// memberships in relationships.lists.data.
package klaviyo
