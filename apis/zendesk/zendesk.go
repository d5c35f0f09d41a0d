// Package zendesk holds the JSON shapes of the Zendesk Support API v2 that
// omnigate serves (in the simulator) and reads (in the connector): users,
// tickets with their via and satisfaction rating, the list envelopes with
// offset and cursor pagination, and the error bodies.
//
// Zendesk publishes no machine-readable spec of these shapes; the field names
// and JSON types follow Zendesk's API reference and the responses captured
// from a real account in testdata/vendor-specs/zendesk-examples. Ids are JSON
// integers. Fields that Zendesk sends as null are pointers (or a nil
// json.RawMessage) so that they keep being sent as null, never dropped.
package zendesk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// User is a Zendesk user (an end user, an agent or an admin).
type User struct {
	ID                   int64           `json:"id"`
	URL                  string          `json:"url"`
	Name                 string          `json:"name"`
	Email                *string         `json:"email"`
	CreatedAt            time.Time       `json:"created_at"`
	UpdatedAt            time.Time       `json:"updated_at"`
	TimeZone             string          `json:"time_zone"`
	IANATimeZone         string          `json:"iana_time_zone"`
	Phone                *string         `json:"phone"`
	SharedPhoneNumber    *bool           `json:"shared_phone_number"`
	Photo                json.RawMessage `json:"photo"`
	LocaleID             int64           `json:"locale_id"`
	Locale               string          `json:"locale"`
	OrganizationID       *int64          `json:"organization_id"`
	Role                 string          `json:"role"`
	Verified             bool            `json:"verified"`
	ExternalID           *string         `json:"external_id"`
	Tags                 []string        `json:"tags"`
	Alias                string          `json:"alias"`
	Active               bool            `json:"active"`
	Shared               bool            `json:"shared"`
	SharedAgent          bool            `json:"shared_agent"`
	LastLoginAt          *time.Time      `json:"last_login_at"`
	TwoFactorAuthEnabled *bool           `json:"two_factor_auth_enabled"`
	Signature            string          `json:"signature"`
	Details              string          `json:"details"`
	Notes                string          `json:"notes"`
	RoleType             *int64          `json:"role_type"`
	CustomRoleID         *int64          `json:"custom_role_id"`
	Moderator            bool            `json:"moderator"`
	TicketRestriction    *string         `json:"ticket_restriction"`
	OnlyPrivateComments  bool            `json:"only_private_comments"`
	RestrictedAgent      bool            `json:"restricted_agent"`
	Suspended            bool            `json:"suspended"`
	ChatOnly             bool            `json:"chat_only"`
	DefaultGroupID       *int64          `json:"default_group_id"`
	ReportCSV            bool            `json:"report_csv"`
	UserFields           map[string]any  `json:"user_fields"`
}

// Roles of a user.
const (
	RoleEndUser = "end-user"
	RoleAgent   = "agent"
	RoleAdmin   = "admin"
)

// Ticket is a Zendesk ticket.
type Ticket struct {
	URL                     string              `json:"url"`
	ID                      int64               `json:"id"`
	ExternalID              *string             `json:"external_id"`
	Via                     Via                 `json:"via"`
	CreatedAt               time.Time           `json:"created_at"`
	UpdatedAt               time.Time           `json:"updated_at"`
	Type                    *string             `json:"type"`
	Subject                 string              `json:"subject"`
	RawSubject              string              `json:"raw_subject"`
	Description             string              `json:"description"`
	Priority                *string             `json:"priority"`
	Status                  string              `json:"status"`
	Recipient               *string             `json:"recipient"`
	RequesterID             int64               `json:"requester_id"`
	SubmitterID             int64               `json:"submitter_id"`
	AssigneeID              *int64              `json:"assignee_id"`
	OrganizationID          *int64              `json:"organization_id"`
	GroupID                 *int64              `json:"group_id"`
	CollaboratorIDs         []int64             `json:"collaborator_ids"`
	FollowerIDs             []int64             `json:"follower_ids"`
	EmailCCIDs              []int64             `json:"email_cc_ids"`
	ForumTopicID            *int64              `json:"forum_topic_id"`
	ProblemID               *int64              `json:"problem_id"`
	HasIncidents            bool                `json:"has_incidents"`
	IsPublic                bool                `json:"is_public"`
	DueAt                   *time.Time          `json:"due_at"`
	Tags                    []string            `json:"tags"`
	CustomFields            []CustomField       `json:"custom_fields"`
	SatisfactionRating      *SatisfactionRating `json:"satisfaction_rating"`
	SharingAgreementIDs     []int64             `json:"sharing_agreement_ids"`
	Fields                  []CustomField       `json:"fields"`
	FollowupIDs             []int64             `json:"followup_ids"`
	TicketFormID            *int64              `json:"ticket_form_id"`
	BrandID                 *int64              `json:"brand_id"`
	SatisfactionProbability *float64            `json:"satisfaction_probability"`
	AllowChannelback        bool                `json:"allow_channelback"`
	AllowAttachments        bool                `json:"allow_attachments"`
}

// Ticket statuses, in their lifecycle order.
const (
	StatusNew     = "new"
	StatusOpen    = "open"
	StatusPending = "pending"
	StatusHold    = "hold"
	StatusSolved  = "solved"
	StatusClosed  = "closed"
)

// Statuses lists the ticket statuses Zendesk accepts.
var Statuses = []string{StatusNew, StatusOpen, StatusPending, StatusHold, StatusSolved, StatusClosed}

// Priorities and Types list the values Zendesk accepts for those fields.
var (
	Priorities = []string{"low", "normal", "high", "urgent"}
	Types      = []string{"question", "incident", "problem", "task"}
)

// Via tells how a ticket was created: the channel and, for some channels,
// who sent it to whom.
type Via struct {
	Channel ViaChannel `json:"channel"`
	Source  ViaSource  `json:"source"`
}

// ViaChannel is via.channel: a via type such as "web" or "rule", or, as
// Zendesk's reference allows, a via id such as 8, read as its via type
// where the reference names it and as the number otherwise.
type ViaChannel string

// viaTypes are the via ids of Zendesk's via types reference.
var viaTypes = map[int64]ViaChannel{
	0: "web_form", 4: "mail", 5: "web_service", 8: "rule", 9: "linked_problem", 10: "group_deletion",
	11: "user_change", 12: "user_deletion", 13: "group_change", 14: "resource_push", 15: "iphone",
	16: "get_satisfaction", 17: "dropbox", 19: "merge", 20: "batch", 21: "recovered_from_suspended_tickets",
	22: "automatic_solution_suggestions",
}

// UnmarshalJSON reads a via type or a via id.
func (c *ViaChannel) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*c = ViaChannel(s)
	case string(b) == "null":
	default:
		id, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return fmt.Errorf("via.channel: %s is neither a via type nor a via id", b)
		}
		if t, ok := viaTypes[id]; ok {
			*c = t
		} else {
			*c = ViaChannel(strconv.FormatInt(id, 10))
		}
	}
	return nil
}

// ViaSource is via.source. From and To are empty objects for channels that
// carry no addresses (web, api, ...).
type ViaSource struct {
	From ViaParty `json:"from"`
	To   ViaParty `json:"to"`
	Rel  *string  `json:"rel"`
}

// ViaParty is one side of via.source. Which fields are present depends on
// the channel: an email carries address and name, a tweet a username and a
// profile URL, a web form nothing at all.
type ViaParty struct {
	Address    string `json:"address,omitempty"`
	Name       string `json:"name,omitempty"`
	Username   string `json:"username,omitempty"`
	ProfileURL string `json:"profile_url,omitempty"`
	TwitterID  string `json:"twitter_id,omitempty"`
	FacebookID string `json:"facebook_id,omitempty"`
}

// UnmarshalJSON reads one side of via.source leniently. Its members vary
// with the channel and Zendesk documents them loosely ("for some channels a
// source object gives more information"); a member of another type than a
// string (an id sent as a number, read as its digits) or a side that is not
// an object must not make the requester's whole page of tickets unreadable.
func (p *ViaParty) UnmarshalJSON(b []byte) error {
	*p = ViaParty{}
	type strict ViaParty // the usual case: members of the types Zendesk documents
	if json.Unmarshal(b, (*strict)(p)) == nil {
		return nil
	}
	*p = ViaParty{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return nil
	}
	text := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case json.Number:
			return v.String()
		}
		return ""
	}
	*p = ViaParty{Address: text("address"), Name: text("name"), Username: text("username"),
		ProfileURL: text("profile_url"), TwitterID: text("twitter_id"), FacebookID: text("facebook_id")}
	return nil
}

// Channels Zendesk records in via.channel that the simulator produces.
var Channels = []string{"email", "web", "chat", "twitter", "facebook", "api", "voice", "mobile", "sms"}

// SatisfactionRating is a ticket's CSAT rating. Score is one of offered,
// unoffered, good, bad.
type SatisfactionRating struct {
	ID      int64  `json:"id"`
	Score   string `json:"score"`
	Comment string `json:"comment"`
}

// SatisfactionScores lists the scores a rating can have.
var SatisfactionScores = []string{"offered", "unoffered", "good", "bad"}

// CustomField is one custom field value of a ticket.
type CustomField struct {
	ID    int64 `json:"id"`
	Value any   `json:"value"`
}

// OffsetPage is the offset pagination of a list response.
type OffsetPage struct {
	NextPage     *string `json:"next_page"`
	PreviousPage *string `json:"previous_page"`
	Count        int     `json:"count"`
}

// CursorMeta and CursorLinks are the cursor pagination of a list response
// (sent when the request has page[size]).
type CursorMeta struct {
	HasMore      bool    `json:"has_more"`
	AfterCursor  *string `json:"after_cursor"`
	BeforeCursor *string `json:"before_cursor"`
}

type CursorLinks struct {
	Next *string `json:"next"`
	Prev *string `json:"prev"`
}

// UsersPage is the answer of GET /api/v2/users/search and
// GET /api/v2/users/show_many.
type UsersPage struct {
	Users []User `json:"users"`
	OffsetPage
}

// UsersCursorPage is the users list in cursor style (page[size] asked):
// GET /api/v2/users.
type UsersCursorPage struct {
	Users []User      `json:"users"`
	Meta  CursorMeta  `json:"meta"`
	Links CursorLinks `json:"links"`
}

// UserResponse is the answer of GET /api/v2/users/{id}.
type UserResponse struct {
	User User `json:"user"`
}

// TicketsPage is a tickets list in offset style (no page[size] asked):
// GET /api/v2/users/{id}/tickets/requested and GET /api/v2/tickets/show_many.
type TicketsPage struct {
	Tickets []Ticket `json:"tickets"`
	OffsetPage
}

// TicketsCursorPage is a tickets list in cursor style (page[size] asked).
type TicketsCursorPage struct {
	Tickets []Ticket    `json:"tickets"`
	Meta    CursorMeta  `json:"meta"`
	Links   CursorLinks `json:"links"`
}

// TicketResponse is the answer of GET and POST of one ticket.
type TicketResponse struct {
	Ticket Ticket `json:"ticket"`
}

// TicketUpdateResponse is the answer of PUT /api/v2/tickets/{id}.
type TicketUpdateResponse struct {
	Ticket Ticket `json:"ticket"`
	Audit  Audit  `json:"audit"`
}

// Audit records one change of a ticket.
type Audit struct {
	ID        int64        `json:"id"`
	TicketID  int64        `json:"ticket_id"`
	CreatedAt time.Time    `json:"created_at"`
	AuthorID  int64        `json:"author_id"`
	Events    []AuditEvent `json:"events"`
}

// AuditEvent is one event of an audit; for a Change, FieldName changed from
// PreviousValue to Value.
type AuditEvent struct {
	ID            int64  `json:"id"`
	Type          string `json:"type"`
	FieldName     string `json:"field_name,omitempty"`
	Value         any    `json:"value,omitempty"`
	PreviousValue any    `json:"previous_value,omitempty"`
	Body          string `json:"body,omitempty"`
	Public        *bool  `json:"public,omitempty"`
}

// UserResult and TicketResult are items of GET /api/v2/search: the record
// with a result_type naming its kind.
type UserResult struct {
	User
	ResultType string `json:"result_type"`
}

// SearchUsersPage is the answer of GET /api/v2/search for type:user.
type SearchUsersPage struct {
	Results []UserResult `json:"results"`
	Facets  *string      `json:"facets"`
	OffsetPage
}

// TicketCreateRequest is the body of POST /api/v2/tickets.
type TicketCreateRequest struct {
	Ticket TicketInput `json:"ticket"`
}

// TicketUpdateRequest is the body of PUT /api/v2/tickets/{id}.
type TicketUpdateRequest struct {
	Ticket TicketInput `json:"ticket"`
}

// TicketInput holds the ticket fields a client may set. Nil fields are left
// as they are.
type TicketInput struct {
	Subject     *string    `json:"subject,omitempty"`
	Comment     *Comment   `json:"comment,omitempty"`
	RequesterID *int64     `json:"requester_id,omitempty"`
	Requester   *Requester `json:"requester,omitempty"`
	Status      *string    `json:"status,omitempty"`
	Priority    *string    `json:"priority,omitempty"`
	Type        *string    `json:"type,omitempty"`
	Tags        []string   `json:"tags,omitempty"`
	ExternalID  *string    `json:"external_id,omitempty"`
}

// Comment is a ticket comment in a create or update request. The first
// comment of a ticket becomes its description.
type Comment struct {
	Body   string `json:"body"`
	Public *bool  `json:"public,omitempty"`
}

// Requester names a ticket's requester by email when the client does not
// know the user id; Zendesk finds or creates the user.
type Requester struct {
	Name   string `json:"name,omitempty"`
	Email  string `json:"email"`
	Locale string `json:"locale,omitempty"`
}

// Error is Zendesk's JSON error body. Error is a short code such as
// "RecordNotFound" or, for authentication, a sentence; Description and
// Details are present for validation errors.
type Error struct {
	Error       string                   `json:"error"`
	Description string                   `json:"description,omitempty"`
	Details     map[string][]ErrorDetail `json:"details,omitempty"`
}

// ErrorDetail is one validation problem of one field.
type ErrorDetail struct {
	Description string `json:"description"`
	Error       string `json:"error,omitempty"`
}

// Error bodies Zendesk sends.
const (
	// ErrAuth is the whole error string of a 401.
	ErrAuth = "Couldn't authenticate you"
	// RateLimitBody is the plain-text body of a 429 (not JSON).
	RateLimitBody     = "Number of allowed API requests per minute exceeded"
	ErrRecordNotFound = "RecordNotFound"
	ErrRecordInvalid  = "RecordInvalid"
	ErrInvalidPaging  = "InvalidPaginationParameter"
	ErrInvalidValue   = "InvalidValue"
)
