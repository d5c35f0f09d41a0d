package klaviyo

import (
	"encoding/json"
	"fmt"
)

// JSON:API resource types.
const (
	TypeProfile = "profile"
	TypeEvent   = "event"
	TypeMetric  = "metric"
	TypeList    = "list"

	TypeSubscribeJob   = "profile-subscription-bulk-create-job"
	TypeUnsubscribeJob = "profile-subscription-bulk-delete-job"
)

// MediaType is the content type of every Klaviyo request and answer body.
const MediaType = "application/vnd.api+json"

// Consent values of a marketing channel.
const (
	ConsentSubscribed      = "SUBSCRIBED"
	ConsentUnsubscribed    = "UNSUBSCRIBED"
	ConsentNeverSubscribed = "NEVER_SUBSCRIBED"
)

// Metric names the gateway reads as email activity.
const (
	MetricReceivedEmail = "Received Email"
	MetricOpenedEmail   = "Opened Email"
	MetricClickedEmail  = "Clicked Email"
	MetricPlacedOrder   = "Placed Order"
)

// Event property names Klaviyo and its integrations use.
const (
	PropSubject  = "Subject"
	PropCampaign = "Campaign Name"
	PropURL      = "URL"
	PropValue    = "$value"
	PropCurrency = "Currency"
	PropOrderID  = "OrderId"
	PropItems    = "Items"
)

// ObjectLinks are a resource's own links.
type ObjectLinks struct {
	Self string `json:"self"`
}

// CollectionLinks page a collection; next and prev are absolute URLs and
// absent on the last and first page.
type CollectionLinks struct {
	Self string `json:"self"`
	Next string `json:"next,omitempty"`
	Prev string `json:"prev,omitempty"`
}

// RelationshipLinks point at a relationship and at the related resources.
type RelationshipLinks struct {
	Self    string `json:"self"`
	Related string `json:"related"`
}

// ResourceIdentifier names one resource.
type ResourceIdentifier struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// ToOne is a to-one relationship.
type ToOne struct {
	Data  *ResourceIdentifier `json:"data,omitempty"`
	Links *RelationshipLinks  `json:"links,omitempty"`
}

// ToMany is a to-many relationship. Data is written only when it is not
// nil, so that an empty but known membership reads as [] and an unknown one
// is left out, as Klaviyo does.
type ToMany struct {
	Data  []ResourceIdentifier
	Links *RelationshipLinks
}

type toManyJSON struct {
	Data  *[]ResourceIdentifier `json:"data,omitempty"`
	Links *RelationshipLinks    `json:"links,omitempty"`
}

// MarshalJSON writes data only when it is known.
func (m ToMany) MarshalJSON() ([]byte, error) {
	out := toManyJSON{Links: m.Links}
	if m.Data != nil {
		out.Data = &m.Data
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads data and links; an absent data stays nil.
func (m *ToMany) UnmarshalJSON(b []byte) error {
	var in toManyJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	m.Links = in.Links
	m.Data = nil
	if in.Data != nil {
		m.Data = *in.Data
		if m.Data == nil {
			m.Data = []ResourceIdentifier{}
		}
	}
	return nil
}

// Profile is a profile resource.
type Profile struct {
	Type          string                `json:"type"`
	ID            string                `json:"id"`
	Attributes    ProfileAttributes     `json:"attributes"`
	Relationships *ProfileRelationships `json:"relationships,omitempty"`
	Links         *ObjectLinks          `json:"links,omitempty"`
}

// ProfileRelationships are a profile's relationships. In a fixture file,
// lists.data records the profile's list memberships.
type ProfileRelationships struct {
	Lists *ToMany `json:"lists,omitempty"`
}

// ListIDs returns the ids of the lists the profile belongs to, as recorded
// in its relationships.
func (p Profile) ListIDs() []string {
	if p.Relationships == nil || p.Relationships.Lists == nil {
		return nil
	}
	out := make([]string, 0, len(p.Relationships.Lists.Data))
	for _, r := range p.Relationships.Lists.Data {
		out = append(out, r.ID)
	}
	return out
}

// ProfileAttributes are a profile's attributes. Subscriptions are sent only
// when asked for with additional-fields[profile]=subscriptions.
type ProfileAttributes struct {
	Email               *string         `json:"email"`
	PhoneNumber         *string         `json:"phone_number"`
	ExternalID          *string         `json:"external_id"`
	FirstName           *string         `json:"first_name"`
	LastName            *string         `json:"last_name"`
	Organization        *string         `json:"organization"`
	Locale              *string         `json:"locale"`
	Title               *string         `json:"title"`
	Image               *string         `json:"image"`
	Created             *DateTime       `json:"created"`
	Updated             *DateTime       `json:"updated"`
	LastEventDate       *DateTime       `json:"last_event_date"`
	Location            *Location       `json:"location"`
	Properties          map[string]any  `json:"properties"`
	Subscriptions       *Subscriptions  `json:"subscriptions,omitempty"`
	PredictiveAnalytics json.RawMessage `json:"predictive_analytics,omitempty"`
	// JoinedGroupAt is when the profile joined a list; only the list
	// member endpoints send it.
	JoinedGroupAt *DateTime `json:"joined_group_at,omitempty"`
}

// Location is a profile's location. Country is free text in Klaviyo: a name
// such as "United Kingdom" or a code.
type Location struct {
	Address1  *string `json:"address1"`
	Address2  *string `json:"address2"`
	City      *string `json:"city"`
	Country   *string `json:"country"`
	Latitude  any     `json:"latitude"`  // a string or a number
	Longitude any     `json:"longitude"` // a string or a number
	Region    *string `json:"region"`
	Zip       *string `json:"zip"`
	Timezone  *string `json:"timezone"`
	IP        *string `json:"ip"`
}

// Subscriptions are a profile's marketing consents per channel.
type Subscriptions struct {
	Email *EmailChannel `json:"email"`
	SMS   *SMSChannel   `json:"sms"`
}

// EmailChannel is the email channel's consent.
type EmailChannel struct {
	Marketing *EmailMarketing `json:"marketing"`
}

// EmailMarketing is email marketing consent.
type EmailMarketing struct {
	CanReceiveEmailMarketing bool               `json:"can_receive_email_marketing"`
	Consent                  string             `json:"consent"`
	ConsentTimestamp         *DateTime          `json:"consent_timestamp"`
	LastUpdated              *DateTime          `json:"last_updated"`
	Method                   *string            `json:"method"`
	MethodDetail             *string            `json:"method_detail"`
	CustomMethodDetail       *string            `json:"custom_method_detail"`
	DoubleOptin              *bool              `json:"double_optin"`
	Suppression              []EmailSuppression `json:"suppression"`
	ListSuppressions         []ListSuppression  `json:"list_suppressions"`
}

// EmailSuppression is a reason the profile gets no email at all.
type EmailSuppression struct {
	Reason    string   `json:"reason"`
	Timestamp DateTime `json:"timestamp"`
}

// ListSuppression is a reason the profile gets no email from one list.
type ListSuppression struct {
	ListID    string   `json:"list_id"`
	Reason    string   `json:"reason"`
	Timestamp DateTime `json:"timestamp"`
}

// SMSChannel is the SMS channel's consent.
type SMSChannel struct {
	Marketing *SMSMarketing `json:"marketing"`
}

// SMSMarketing is SMS marketing consent.
type SMSMarketing struct {
	CanReceiveSMSMarketing bool      `json:"can_receive_sms_marketing"`
	Consent                string    `json:"consent"`
	ConsentTimestamp       *DateTime `json:"consent_timestamp"`
	Method                 *string   `json:"method"`
	MethodDetail           *string   `json:"method_detail"`
	LastUpdated            *DateTime `json:"last_updated"`
}

// Event is an event resource.
type Event struct {
	Type          string              `json:"type"`
	ID            string              `json:"id"`
	Attributes    EventAttributes     `json:"attributes"`
	Relationships *EventRelationships `json:"relationships,omitempty"`
	Links         *ObjectLinks        `json:"links,omitempty"`
}

// EventAttributes are an event's attributes. Timestamp is Unix seconds.
type EventAttributes struct {
	Timestamp       *int64         `json:"timestamp"`
	EventProperties map[string]any `json:"event_properties"`
	Datetime        *DateTime      `json:"datetime"`
	UUID            *string        `json:"uuid"`
}

// EventRelationships tie an event to its profile and metric.
type EventRelationships struct {
	Profile *ToOne `json:"profile,omitempty"`
	Metric  *ToOne `json:"metric,omitempty"`
}

// ProfileID returns the id of the event's profile, or "".
func (e Event) ProfileID() string {
	if e.Relationships == nil || e.Relationships.Profile == nil || e.Relationships.Profile.Data == nil {
		return ""
	}
	return e.Relationships.Profile.Data.ID
}

// MetricID returns the id of the event's metric, or "".
func (e Event) MetricID() string {
	if e.Relationships == nil || e.Relationships.Metric == nil || e.Relationships.Metric.Data == nil {
		return ""
	}
	return e.Relationships.Metric.Data.ID
}

// Metric is a metric resource: the kind of an event.
type Metric struct {
	Type       string           `json:"type"`
	ID         string           `json:"id"`
	Attributes MetricAttributes `json:"attributes"`
	Links      *ObjectLinks     `json:"links,omitempty"`
}

// MetricAttributes are a metric's attributes.
type MetricAttributes struct {
	Name        *string      `json:"name"`
	Created     *DateTime    `json:"created"`
	Updated     *DateTime    `json:"updated"`
	Integration *Integration `json:"integration"`
}

// Integration is where a metric's events come from. The spec gives it as
// a free-form object: its members are read as Text, so that one that is
// not a string does not make the metric unreadable.
type Integration struct {
	Object   Text `json:"object,omitempty"`
	ID       Text `json:"id,omitempty"`
	Key      Text `json:"key,omitempty"`
	Name     Text `json:"name,omitempty"`
	Category Text `json:"category,omitempty"`
}

// Text is a member of a free-form object that is a string when it is
// anything the gateway reads: any other JSON value (an object, a number,
// null) reads as "".
type Text string

// UnmarshalJSON reads a string, and anything else as "".
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil {
		s = ""
	}
	*t = Text(s)
	return nil
}

// List is a list resource.
type List struct {
	Type          string             `json:"type"`
	ID            string             `json:"id"`
	Attributes    ListAttributes     `json:"attributes"`
	Relationships *ListRelationships `json:"relationships,omitempty"`
	Links         *ObjectLinks       `json:"links,omitempty"`
}

// ListAttributes are a list's attributes.
type ListAttributes struct {
	Name         *string   `json:"name"`
	Created      *DateTime `json:"created"`
	Updated      *DateTime `json:"updated"`
	OptInProcess *string   `json:"opt_in_process"`
}

// ListRelationships point at a list's members.
type ListRelationships struct {
	Profiles *ToMany `json:"profiles,omitempty"`
}

// Resource is any resource in an `included` array; decode its attributes
// by its type.
type Resource struct {
	Type          string          `json:"type"`
	ID            string          `json:"id"`
	Attributes    json.RawMessage `json:"attributes,omitempty"`
	Relationships json.RawMessage `json:"relationships,omitempty"`
	Links         *ObjectLinks    `json:"links,omitempty"`
}

// AsMetric decodes an included metric.
func (r Resource) AsMetric() (Metric, error) {
	if r.Type != TypeMetric {
		return Metric{}, fmt.Errorf("included resource %s %q is not a metric", r.Type, r.ID)
	}
	m := Metric{Type: r.Type, ID: r.ID, Links: r.Links}
	if len(r.Attributes) > 0 {
		if err := json.Unmarshal(r.Attributes, &m.Attributes); err != nil {
			return Metric{}, fmt.Errorf("metric %q: %v", r.ID, err)
		}
	}
	return m, nil
}

// ProfileCollection is GET /api/profiles.
type ProfileCollection struct {
	Data  []Profile        `json:"data"`
	Links *CollectionLinks `json:"links,omitempty"`
}

// ProfileDocument is GET /api/profiles/{id}.
type ProfileDocument struct {
	Data     Profile      `json:"data"`
	Included []Resource   `json:"included,omitempty"`
	Links    *ObjectLinks `json:"links,omitempty"`
}

// EventCollection is GET /api/events.
type EventCollection struct {
	Data     []Event          `json:"data"`
	Included []Resource       `json:"included,omitempty"`
	Links    *CollectionLinks `json:"links,omitempty"`
}

// EventDocument is GET /api/events/{id}.
type EventDocument struct {
	Data     Event        `json:"data"`
	Included []Resource   `json:"included,omitempty"`
	Links    *ObjectLinks `json:"links,omitempty"`
}

// MetricCollection is GET /api/metrics.
type MetricCollection struct {
	Data  []Metric         `json:"data"`
	Links *CollectionLinks `json:"links,omitempty"`
}

// MetricDocument is GET /api/metrics/{id}.
type MetricDocument struct {
	Data  Metric       `json:"data"`
	Links *ObjectLinks `json:"links,omitempty"`
}

// ListCollection is GET /api/lists and GET /api/profiles/{id}/lists.
type ListCollection struct {
	Data  []List           `json:"data"`
	Links *CollectionLinks `json:"links,omitempty"`
}

// ListDocument is GET /api/lists/{id}.
type ListDocument struct {
	Data  List         `json:"data"`
	Links *ObjectLinks `json:"links,omitempty"`
}

// RelationshipCollection is a to-many relationship endpoint, e.g.
// GET /api/lists/{id}/relationships/profiles.
type RelationshipCollection struct {
	Data  []ResourceIdentifier `json:"data"`
	Links *CollectionLinks     `json:"links,omitempty"`
}

// SubscriptionJobRequest is the body of POST
// /api/profile-subscription-bulk-create-jobs and
// /api/profile-subscription-bulk-delete-jobs.
type SubscriptionJobRequest struct {
	Data SubscriptionJob `json:"data"`
}

// SubscriptionJob subscribes or unsubscribes profiles.
type SubscriptionJob struct {
	Type          string                        `json:"type"`
	Attributes    SubscriptionJobAttributes     `json:"attributes"`
	Relationships *SubscriptionJobRelationships `json:"relationships,omitempty"`
}

// SubscriptionJobAttributes list the profiles of a job.
type SubscriptionJobAttributes struct {
	CustomSource     *string              `json:"custom_source,omitempty"`
	Profiles         SubscriptionProfiles `json:"profiles"`
	HistoricalImport *bool                `json:"historical_import,omitempty"`
}

// SubscriptionProfiles wrap the profiles of a job.
type SubscriptionProfiles struct {
	Data []SubscriptionProfile `json:"data"`
}

// SubscriptionProfile names one profile of a job by id (subscribe only),
// email or phone number, with the channels to change.
type SubscriptionProfile struct {
	Type       string                        `json:"type"`
	ID         *string                       `json:"id,omitempty"`
	Attributes SubscriptionProfileAttributes `json:"attributes"`
}

// SubscriptionProfileAttributes identify the profile and the channels.
type SubscriptionProfileAttributes struct {
	Email         *string              `json:"email,omitempty"`
	PhoneNumber   *string              `json:"phone_number,omitempty"`
	Subscriptions SubscriptionChannels `json:"subscriptions"`
}

// SubscriptionChannels are the channels a job changes.
type SubscriptionChannels struct {
	Email *ChannelConsent `json:"email,omitempty"`
	SMS   *ChannelConsent `json:"sms,omitempty"`
}

// ChannelConsent is the marketing consent to set on one channel.
type ChannelConsent struct {
	Marketing *ConsentParameters `json:"marketing,omitempty"`
}

// ConsentParameters carry the consent: SUBSCRIBED for a subscribe job,
// UNSUBSCRIBED for an unsubscribe job.
type ConsentParameters struct {
	Consent     string    `json:"consent"`
	ConsentedAt *DateTime `json:"consented_at,omitempty"`
}

// SubscriptionJobRelationships name the list a job adds to or removes from.
type SubscriptionJobRelationships struct {
	List *ToOne `json:"list,omitempty"`
}

// ErrorDocument is Klaviyo's error body.
type ErrorDocument struct {
	Errors []ErrorObject `json:"errors"`
}

// ErrorObject is one error. Code is machine-readable (invalid,
// not_authenticated, authentication_failed, permission_denied, not_found,
// throttled, error...).
type ErrorObject struct {
	ID     string       `json:"id"`
	Status int          `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *ErrorSource `json:"source,omitempty"`
}

// ErrorSource says which part of the request was wrong: a JSON pointer into
// the body or a query parameter's name.
type ErrorSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// String returns s as a nullable attribute: nil when empty.
func String(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Value returns the string a nullable attribute holds, or "".
func Value(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
