package zendesk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/channelsim/world"
)

// System is the simulated system's name, as the harness and the fixture
// directory know it.
const System = "zendesk"

// Fixture file names inside dir/zendesk/.
const (
	usersFile   = "users.json"
	ticketsFile = "tickets.json"
)

// Data is the whole state of the simulated Zendesk account: one slice per
// fixture file, each record exactly as the API returns it.
type Data struct {
	Users   []api.User
	Tickets []api.Ticket
}

// Credentials are what a client needs to call the account: the subdomain
// (https://{subdomain}.zendesk.com), and either an agent's email with an API
// token (HTTP Basic "{email}/token:{api_token}") or an OAuth access token
// (Authorization: Bearer).
type Credentials struct {
	Subdomain  string `json:"subdomain"`
	Email      string `json:"email"`
	APIToken   string `json:"api_token"`
	OAuthToken string `json:"oauth_token"`
}

// DemoCredentials are the credentials of the demo account.
var DemoCredentials = Credentials{
	Subdomain:  "omnigate-demo",
	Email:      "agent@omnigate.example",
	APIToken:   "omnigate-demo-zendesk-token",
	OAuthToken: "omnigate-demo-zendesk-oauth",
}

// Fixed ids of the account's own objects. Zendesk ids are large integers;
// these sit far above the ids the world generator gives people and tickets.
const (
	GroupID      int64 = 360004077472 // the support group every ticket lands in
	TicketFormID int64 = 360000389592 // the default ticket form
	BrandID      int64 = 360002256672 // the retailer's only brand
	// fixtureHost is the host written into url fields of fixture files; the
	// simulator rewrites url fields with the host each request came to.
	fixtureHost = "omnigate-demo.zendesk.com"
	// SupportAddress is the address customers email, the recipient of email
	// tickets.
	SupportAddress = "support@omnigate-demo.zendesk.com"
)

// Load reads dir/zendesk/users.json and dir/zendesk/tickets.json. A missing
// file means no records of that kind; a file that is not a JSON array of
// records, or a record without a usable id, is an error that names the file.
func Load(dir string) (*Data, error) {
	d := &Data{}
	if err := loadFile(filepath.Join(dir, System, usersFile), &d.Users); err != nil {
		return nil, err
	}
	if err := loadFile(filepath.Join(dir, System, ticketsFile), &d.Tickets); err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	for i, u := range d.Users {
		if u.ID <= 0 {
			return nil, fmt.Errorf("%s: record %d: id must be a positive integer, got %d", filepath.Join(dir, System, usersFile), i, u.ID)
		}
		if seen[u.ID] {
			return nil, fmt.Errorf("%s: record %d: duplicate user id %d", filepath.Join(dir, System, usersFile), i, u.ID)
		}
		seen[u.ID] = true
	}
	seenT := map[int64]bool{}
	for i, t := range d.Tickets {
		path := filepath.Join(dir, System, ticketsFile)
		switch {
		case t.ID <= 0:
			return nil, fmt.Errorf("%s: record %d: id must be a positive integer, got %d", path, i, t.ID)
		case seenT[t.ID]:
			return nil, fmt.Errorf("%s: record %d: duplicate ticket id %d", path, i, t.ID)
		case t.RequesterID <= 0:
			return nil, fmt.Errorf("%s: ticket %d: requester_id must be a positive integer", path, t.ID)
		case t.Status != "" && !slices.Contains(api.Statuses, t.Status):
			return nil, fmt.Errorf("%s: ticket %d: status %q is not one of %s", path, t.ID, t.Status, strings.Join(api.Statuses, ", "))
		}
		seenT[t.ID] = true
	}
	d.normalize()
	return d, nil
}

func loadFile(path string, into any) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("%s: not a JSON array of %s records: %v", path, System, err)
	}
	return nil
}

// Write writes dir/zendesk/users.json and dir/zendesk/tickets.json, indented
// and sorted by id so that the same data always gives the same bytes.
func (d *Data) Write(dir string) error {
	c := d.clone()
	c.normalize()
	for i := range c.Users {
		c.Users[i].URL = userURL("https://"+fixtureHost, c.Users[i].ID)
	}
	for i := range c.Tickets {
		c.Tickets[i].URL = ticketURL("https://"+fixtureHost, c.Tickets[i].ID)
	}
	if err := os.MkdirAll(filepath.Join(dir, System), 0o755); err != nil {
		return fmt.Errorf("zendesk fixtures: %w", err)
	}
	for name, v := range map[string]any{usersFile: c.Users, ticketsFile: c.Tickets} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("zendesk fixtures: encoding %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, System, name), append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("zendesk fixtures: %w", err)
		}
	}
	return nil
}

// normalize makes hand-written records servable: lists that are absent
// become empty lists (Zendesk never sends null for them), times are UTC to
// the second, and records are sorted by id.
func (d *Data) normalize() {
	if d.Users == nil {
		d.Users = []api.User{}
	}
	if d.Tickets == nil {
		d.Tickets = []api.Ticket{}
	}
	for i := range d.Users {
		normalizeUser(&d.Users[i])
	}
	for i := range d.Tickets {
		normalizeTicket(&d.Tickets[i])
	}
	slices.SortFunc(d.Users, func(a, b api.User) int { return cmpInt(a.ID, b.ID) })
	slices.SortFunc(d.Tickets, func(a, b api.Ticket) int { return cmpInt(a.ID, b.ID) })
}

func normalizeUser(u *api.User) {
	if u.URL == "" {
		u.URL = userURL("https://"+fixtureHost, u.ID)
	}
	if u.Tags == nil {
		u.Tags = []string{}
	}
	if string(u.Photo) == "null" {
		u.Photo = nil // decoding null gives the bytes "null"; nil encodes as null too
	}
	if u.UserFields == nil {
		u.UserFields = map[string]any{}
	}
	if u.Role == "" {
		u.Role = api.RoleEndUser
	}
	if u.TimeZone == "" || u.IANATimeZone == "" {
		zone := u.IANATimeZone
		if zone == "" {
			zone = u.TimeZone
		}
		u.TimeZone, u.IANATimeZone = api.TimeZoneNames(zone)
	}
	if u.Locale == "" {
		u.Locale = "en-US"
	}
	if u.LocaleID == 0 {
		u.LocaleID = api.LocaleID(u.Locale)
	}
	u.CreatedAt = second(u.CreatedAt)
	u.UpdatedAt = second(u.UpdatedAt)
	if u.LastLoginAt != nil {
		t := second(*u.LastLoginAt)
		u.LastLoginAt = &t
	}
}

func normalizeTicket(t *api.Ticket) {
	if t.URL == "" {
		t.URL = ticketURL("https://"+fixtureHost, t.ID)
	}
	for _, l := range []*[]int64{&t.CollaboratorIDs, &t.FollowerIDs, &t.EmailCCIDs, &t.SharingAgreementIDs, &t.FollowupIDs} {
		if *l == nil {
			*l = []int64{}
		}
	}
	if t.Tags == nil {
		t.Tags = []string{}
	}
	if t.CustomFields == nil {
		t.CustomFields = []api.CustomField{}
	}
	if t.Fields == nil {
		t.Fields = []api.CustomField{}
	}
	if t.Via.Channel == "" {
		t.Via.Channel = "web"
	}
	if t.Status == "" {
		t.Status = api.StatusNew
	}
	if t.SubmitterID == 0 {
		t.SubmitterID = t.RequesterID
	}
	if t.RawSubject == "" {
		t.RawSubject = t.Subject
	}
	t.CreatedAt = second(t.CreatedAt)
	t.UpdatedAt = second(t.UpdatedAt)
	if t.DueAt != nil {
		d := second(*t.DueAt)
		t.DueAt = &d
	}
}

func (d *Data) clone() *Data {
	b, err := json.Marshal(d)
	if err != nil {
		panic(fmt.Sprintf("zendesk: cloning data: %v", err)) // only plain JSON types inside
	}
	var c Data
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("zendesk: cloning data: %v", err))
	}
	return &c
}

func second(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func ptr[T any](v T) *T { return &v }

// FromWorld renders the world's support users and tickets as the Zendesk
// account holds them, plus the agent whose credentials the demo uses (the
// submitter and assignee of tickets the agents worked on).
func FromWorld(w *world.World) *Data {
	d := &Data{}
	var maxID int64
	for _, su := range w.SupportUsers {
		maxID = max(maxID, su.ID)
		d.Users = append(d.Users, userFromWorld(su))
	}
	agent := agentUser(maxID+1, earliest(w))
	d.Users = append(d.Users, agent)
	for _, wt := range w.Tickets {
		d.Tickets = append(d.Tickets, ticketFromWorld(wt, w, agent.ID))
	}
	d.normalize()
	return d
}

func earliest(w *world.World) time.Time {
	var t time.Time
	for _, su := range w.SupportUsers {
		if t.IsZero() || su.CreatedAt.Before(t) {
			t = su.CreatedAt
		}
	}
	if t.IsZero() {
		t = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return t
}

func agentUser(id int64, since time.Time) api.User {
	since = second(since)
	return api.User{
		ID:             id,
		Name:           "Omnigate Support",
		Email:          ptr(DemoCredentials.Email),
		CreatedAt:      since,
		UpdatedAt:      since,
		TimeZone:       "London",
		IANATimeZone:   "Europe/London",
		Locale:         "en-GB",
		LocaleID:       api.LocaleID("en-GB"),
		Role:           api.RoleAgent,
		Verified:       true,
		Active:         true,
		LastLoginAt:    &since,
		DefaultGroupID: ptr(GroupID),
		Tags:           []string{},
		UserFields:     map[string]any{},
	}
}

func userFromWorld(su world.SupportUser) api.User {
	u := api.User{
		ID:         su.ID,
		Name:       su.Name,
		CreatedAt:  su.CreatedAt,
		UpdatedAt:  su.UpdatedAt,
		Locale:     su.Locale,
		Role:       api.RoleEndUser,
		Active:     true,
		Tags:       []string{},
		UserFields: map[string]any{},
	}
	// Zendesk refuses an address with spaces in it, so an email typed with
	// stray spaces was stored trimmed; its case stays as typed.
	if e := strings.TrimSpace(su.Email); e != "" {
		u.Email = &e
		u.Verified = true
	}
	if p := strings.TrimSpace(su.Phone); p != "" {
		u.Phone = &p
		u.SharedPhoneNumber = ptr(false)
	}
	if su.ExternalID != "" {
		u.ExternalID = ptr(su.ExternalID)
	}
	u.TimeZone, u.IANATimeZone = api.TimeZoneNames(su.TimeZone)
	u.LocaleID = api.LocaleID(su.Locale)
	return u
}

func ticketFromWorld(wt world.Ticket, w *world.World, agentID int64) api.Ticket {
	t := api.Ticket{
		ID:               wt.ID,
		Subject:          wt.Subject,
		RawSubject:       wt.Subject,
		Description:      wt.Description,
		Status:           wt.Status,
		RequesterID:      wt.RequesterID,
		SubmitterID:      wt.SubmitterID,
		GroupID:          ptr(GroupID),
		TicketFormID:     ptr(TicketFormID),
		BrandID:          ptr(BrandID),
		IsPublic:         true,
		AllowAttachments: true,
		Tags:             append([]string{}, wt.Tags...),
		CreatedAt:        wt.CreatedAt,
		UpdatedAt:        wt.UpdatedAt,
	}
	if t.SubmitterID == 0 {
		t.SubmitterID = t.RequesterID
	}
	// A new ticket has not been touched by an agent yet; every later status
	// means an agent took it.
	if t.Status != api.StatusNew {
		t.AssigneeID = ptr(agentID)
	}
	if wt.Priority != "" {
		t.Priority = ptr(wt.Priority)
	}
	if wt.Type != "" {
		t.Type = ptr(wt.Type)
	}
	t.Via = viaFor(wt.Channel, requesterOf(w, wt.RequesterID))
	if wt.Channel == "email" {
		t.Recipient = ptr(SupportAddress)
	}
	if wt.Satisfaction.Score != "" {
		t.SatisfactionRating = &api.SatisfactionRating{
			ID:      wt.Satisfaction.ID,
			Score:   wt.Satisfaction.Score,
			Comment: wt.Satisfaction.Comment,
		}
	}
	return t
}

func requesterOf(w *world.World, id int64) *world.SupportUser {
	for i := range w.SupportUsers {
		if w.SupportUsers[i].ID == id {
			return &w.SupportUsers[i]
		}
	}
	return nil
}

// viaFor builds via for a channel. An email carries the sender and the
// support address; a tweet or a Facebook message carries the sender's
// handle; forms, chat and the API carry no addresses.
func viaFor(channel string, from *world.SupportUser) api.Via {
	if channel == "" {
		channel = "web"
	}
	v := api.Via{Channel: api.ViaChannel(channel)}
	if from == nil {
		return v
	}
	switch channel {
	case "email":
		v.Source.From = api.ViaParty{Address: strings.TrimSpace(from.Email), Name: from.Name}
		v.Source.To = api.ViaParty{Name: "Omnigate Support", Address: SupportAddress}
	case "twitter":
		handle := handleOf(from.Name)
		v.Source.From = api.ViaParty{Name: from.Name, Username: handle, ProfileURL: "https://twitter.com/" + handle}
	case "facebook":
		v.Source.From = api.ViaParty{Name: from.Name}
	}
	return v
}

func handleOf(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}
