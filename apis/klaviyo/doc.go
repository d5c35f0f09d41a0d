// Package klaviyo holds the JSON shapes of the Klaviyo API (revision
// 2026-07-15) that omnigate serves from its simulator and reads in its
// connector: profiles with their email and SMS consent, events with their
// metrics, lists, the JSON:API documents that carry them, and Klaviyo's error
// body. Field names, nesting and nullability follow the vendor's OpenAPI
// document in testdata/vendor-specs/klaviyo-openapi-stable.json.
//
// Klaviyo sends a nullable attribute as an explicit null, so nullable
// attributes are pointers without omitempty; members the vendor leaves out
// (links, relationships, subscriptions unless asked for) carry omitempty.
//
// Filters are built here too (Equals, Any, And), so that the connector and
// the simulator agree on quoting.
package klaviyo
