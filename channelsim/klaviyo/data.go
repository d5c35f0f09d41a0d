package klaviyo

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/world"
)

// System is the simulated system's name.
const System = "klaviyo"

// Fixture file names under dir/klaviyo/.
const (
	ProfilesFile = "profiles.json"
	EventsFile   = "events.json"
	MetricsFile  = "metrics.json"
	ListsFile    = "lists.json"
)

// Data is Klaviyo's whole state: one slice per fixture file, each record as
// the API returns it. Links are left out (the simulator adds them with its
// own host); a profile's list memberships are kept in its
// relationships.lists.data, as GET /api/profiles/{id}?include=lists shows
// them; its consents are in attributes.subscriptions.
type Data struct {
	Profiles []api.Profile
	Events   []api.Event
	Metrics  []api.Metric
	Lists    []api.List
}

// Credentials are what a client needs: a private API key and the API
// revision it speaks.
type Credentials struct {
	APIKey   string `json:"api_key"`
	Revision string `json:"revision"`
}

// DemoCredentials are the simulator's demo credentials.
var DemoCredentials = Credentials{
	APIKey:   "pk_omnigate_demo_private_key_0000000000",
	Revision: "2026-07-15",
}

// countryNames are the names Klaviyo's location.country holds for the
// countries the world sells in; Klaviyo keeps free text, and the gateway
// must map it back to a code.
var countryNames = map[string]string{
	"GB": "United Kingdom", "US": "United States", "IE": "Ireland", "DE": "Germany",
	"FR": "France", "NL": "Netherlands", "BE": "Belgium", "ES": "Spain", "IT": "Italy",
	"CA": "Canada", "AU": "Australia", "SE": "Sweden", "DK": "Denmark", "AT": "Austria",
	"CH": "Switzerland", "PT": "Portugal", "PL": "Poland", "NO": "Norway", "FI": "Finland",
}

// CountryName returns the name Klaviyo shows for an ISO 3166-1 alpha-2 code,
// or the code itself when it is not one the world uses.
func CountryName(code string) string {
	if n, ok := countryNames[strings.ToUpper(code)]; ok {
		return n
	}
	return code
}

// Integrations of the metrics: Klaviyo's own email metrics and orders sent
// in through the API by the webshop and the tills.
var (
	klaviyoIntegration = api.Integration{Object: "integration", ID: "0rG4eQ", Key: "klaviyo", Name: "Klaviyo", Category: "Internal"}
	apiIntegration     = api.Integration{Object: "integration", ID: "7FtS4J", Key: "api", Name: "API", Category: "API"}
)

// FromWorld renders the world's email profiles, events and lists as Klaviyo
// records. Metrics are the distinct metrics the events name; an event with
// no metric id gets a stable one made from its metric name.
func FromWorld(w *world.World) *Data {
	d := &Data{}
	for _, l := range w.EmailLists {
		d.Lists = append(d.Lists, api.List{
			Type: api.TypeList, ID: l.ID,
			Attributes: api.ListAttributes{
				Name: api.String(l.Name), Created: api.NewDateTime(l.CreatedAt), Updated: api.NewDateTime(l.CreatedAt),
				OptInProcess: api.String("single_opt_in"),
			},
		})
	}
	suppressed := map[string][]world.EmailSuppression{}
	for _, s := range w.EmailSuppressions {
		suppressed[s.ProfileID] = append(suppressed[s.ProfileID], s)
	}
	for _, p := range w.EmailProfiles {
		d.Profiles = append(d.Profiles, profileFromWorld(p, suppressed[p.ID]))
	}
	metricIDs := map[string]string{}      // name → id
	metricFirst := map[string]time.Time{} // id → first event
	var metricOrder []string
	for _, e := range w.EmailEvents {
		id := e.MetricID
		if id == "" {
			id = metricIDs[e.Metric]
			if id == "" {
				id = stableID(e.Metric, 6)
			}
		}
		if _, seen := metricFirst[id]; !seen {
			metricIDs[e.Metric] = id
			metricFirst[id] = e.Time
			metricOrder = append(metricOrder, id+"\x00"+e.Metric)
		} else if e.Time.Before(metricFirst[id]) {
			metricFirst[id] = e.Time
		}
		d.Events = append(d.Events, eventFromWorld(e, id))
	}
	for _, key := range metricOrder {
		id, name, _ := strings.Cut(key, "\x00")
		integ := klaviyoIntegration
		if name == api.MetricPlacedOrder {
			integ = apiIntegration
		}
		d.Metrics = append(d.Metrics, api.Metric{
			Type: api.TypeMetric, ID: id,
			Attributes: api.MetricAttributes{
				Name: api.String(name), Created: api.NewDateTime(metricFirst[id]), Updated: api.NewDateTime(metricFirst[id]),
				Integration: &integ,
			},
		})
	}
	sort.Slice(d.Metrics, func(i, j int) bool { return d.Metrics[i].ID < d.Metrics[j].ID })
	return d
}

func profileFromWorld(p world.EmailProfile, suppressed []world.EmailSuppression) api.Profile {
	loc := &api.Location{
		Address1: api.String(p.Location.Line1), Address2: api.String(p.Location.Line2),
		City: api.String(p.Location.City), Country: api.String(CountryName(p.Location.Country)),
		Region: api.String(p.Location.Region), Zip: api.String(p.Location.PostalCode),
		Timezone: api.String(p.Timezone),
	}
	lists := make([]api.ResourceIdentifier, 0, len(p.ListIDs))
	for _, id := range p.ListIDs {
		lists = append(lists, api.ResourceIdentifier{Type: api.TypeList, ID: id})
	}
	return api.Profile{
		Type: api.TypeProfile, ID: p.ID,
		Attributes: api.ProfileAttributes{
			Email: api.String(p.Email), PhoneNumber: api.String(p.Phone), ExternalID: api.String(p.ExternalID),
			FirstName: api.String(p.FirstName), LastName: api.String(p.LastName),
			Created: api.NewDateTime(p.CreatedAt), Updated: api.NewDateTime(p.UpdatedAt),
			Location:   loc,
			Properties: map[string]any{},
			Subscriptions: &api.Subscriptions{
				Email: &api.EmailChannel{Marketing: emailMarketing(p.EmailConsent, p.Email != "", suppressed)},
				SMS:   &api.SMSChannel{Marketing: smsMarketing(p.SMSConsent, p.Phone != "")},
			},
		},
		Relationships: &api.ProfileRelationships{Lists: &api.ToMany{Data: lists}},
	}
}

func consentOf(c world.Consent) string {
	switch c.Status {
	case api.ConsentSubscribed, api.ConsentUnsubscribed:
		return c.Status
	}
	return api.ConsentNeverSubscribed
}

func optionalTime(t time.Time) *api.DateTime {
	if t.IsZero() {
		return nil
	}
	return api.NewDateTime(t)
}

// emailMarketing is a profile's email consent with its global suppressions
// in time order: UNSUBSCRIBE when it unsubscribed, and those the world
// draws (hard bounces, spam complaints ...). A suppressed address cannot
// receive email marketing, whatever its consent.
func emailMarketing(c world.Consent, hasEmail bool, suppressed []world.EmailSuppression) *api.EmailMarketing {
	m := &api.EmailMarketing{
		Consent:          consentOf(c),
		ConsentTimestamp: optionalTime(c.Timestamp),
		LastUpdated:      optionalTime(c.Timestamp),
		Method:           api.String(c.Method),
		Suppression:      []api.EmailSuppression{},
		ListSuppressions: []api.ListSuppression{},
	}
	if m.Consent == api.ConsentUnsubscribed && !c.Timestamp.IsZero() {
		m.Suppression = append(m.Suppression, api.EmailSuppression{Reason: "UNSUBSCRIBE", Timestamp: *api.NewDateTime(c.Timestamp)})
	}
	for _, s := range suppressed {
		m.Suppression = append(m.Suppression, api.EmailSuppression{Reason: s.Reason, Timestamp: *api.NewDateTime(s.Time)})
	}
	sort.SliceStable(m.Suppression, func(i, j int) bool { return m.Suppression[i].Timestamp.Time.Before(m.Suppression[j].Timestamp.Time) })
	m.CanReceiveEmailMarketing = hasEmail && m.Consent == api.ConsentSubscribed && len(m.Suppression) == 0
	return m
}

func smsMarketing(c world.Consent, hasPhone bool) *api.SMSMarketing {
	m := &api.SMSMarketing{
		Consent:          consentOf(c),
		ConsentTimestamp: optionalTime(c.Timestamp),
		LastUpdated:      optionalTime(c.Timestamp),
		Method:           api.String(c.Method),
	}
	m.CanReceiveSMSMarketing = hasPhone && m.Consent == api.ConsentSubscribed
	return m
}

func eventFromWorld(e world.EmailEvent, metricID string) api.Event {
	props := map[string]any{}
	if e.Subject != "" {
		props[api.PropSubject] = e.Subject
	}
	if e.Campaign != "" {
		props[api.PropCampaign] = e.Campaign
	}
	if e.URL != "" {
		props[api.PropURL] = e.URL
	}
	if e.Metric == api.MetricPlacedOrder {
		props[api.PropValue] = MajorUnits(e.Value.Cents, e.Value.Currency)
		props[api.PropCurrency] = e.Value.Currency
		if e.OrderID != "" {
			props[api.PropOrderID] = e.OrderID
		}
		items := make([]any, 0, len(e.Items))
		for _, it := range e.Items {
			items = append(items, it)
		}
		props[api.PropItems] = items
	}
	ts := e.Time.UTC().Unix()
	return api.Event{
		Type: api.TypeEvent, ID: e.ID,
		Attributes: api.EventAttributes{
			Timestamp: &ts, EventProperties: props, Datetime: api.NewDateTime(e.Time), UUID: api.String(stableUUID(e.ID)),
		},
		Relationships: &api.EventRelationships{
			Profile: &api.ToOne{Data: &api.ResourceIdentifier{Type: api.TypeProfile, ID: e.ProfileID}},
			Metric:  &api.ToOne{Data: &api.ResourceIdentifier{Type: api.TypeMetric, ID: metricID}},
		},
	}
}

// zeroDecimal are ISO 4217 currencies without minor units.
var zeroDecimal = map[string]bool{"JPY": true, "KRW": true, "ISK": true, "CLP": true, "VND": true}

// MajorUnits turns minor units into the decimal amount Klaviyo's $value
// holds.
func MajorUnits(cents int64, currency string) float64 {
	if zeroDecimal[strings.ToUpper(currency)] {
		return float64(cents)
	}
	return float64(cents) / 100
}

const idAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// stableID derives an id of n characters from a seed, so that renders of
// the same world agree.
func stableID(seed string, n int) string {
	sum := sha1.Sum([]byte(seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[int(sum[i%len(sum)])%len(idAlphabet)]
	}
	return string(b)
}

// stableUUID derives a version-5-shaped UUID from a seed.
func stableUUID(seed string) string {
	s := sha1.Sum([]byte("klaviyo-event:" + seed))
	s[6] = (s[6] & 0x0f) | 0x50
	s[8] = (s[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16])
}

// Load reads dir/klaviyo/*.json. A missing file means no records; a file
// that is not a JSON array of records, or whose records contradict each
// other, is an error naming the file and the record.
func Load(dir string) (*Data, error) {
	d := &Data{}
	base := filepath.Join(dir, System)
	if err := loadFile(base, ProfilesFile, &d.Profiles); err != nil {
		return nil, err
	}
	if err := loadFile(base, EventsFile, &d.Events); err != nil {
		return nil, err
	}
	if err := loadFile(base, MetricsFile, &d.Metrics); err != nil {
		return nil, err
	}
	if err := loadFile(base, ListsFile, &d.Lists); err != nil {
		return nil, err
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

func loadFile[T any](base, name string, out *[]T) error {
	path := filepath.Join(base, name)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("klaviyo: reading %s: %w", path, err)
	}
	if trimmed := bytes.TrimSpace(b); len(trimmed) == 0 || trimmed[0] != '[' {
		return fmt.Errorf("klaviyo: %s: must hold one JSON array of records", path)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("klaviyo: %s: %v", path, describeJSONError(b, err))
	}
	return nil
}

func describeJSONError(b []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(b[:min(int(se.Offset), len(b))], []byte("\n"))
		return fmt.Sprintf("line %d: %v", line, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		line := 1 + bytes.Count(b[:min(int(te.Offset), len(b))], []byte("\n"))
		return fmt.Sprintf("line %d: field %q: %v", line, te.Field, err)
	}
	return err.Error()
}

// check fills in omitted resource types and reports records that cannot be
// served: missing or repeated ids, wrong types, and references to profiles,
// metrics or lists that are not there.
func (d *Data) check() error {
	fix := func(file string, i int, typ *string, want, id string) error {
		if id == "" {
			return fmt.Errorf("klaviyo: %s: record %d has no id", file, i+1)
		}
		if *typ == "" {
			*typ = want
		}
		if *typ != want {
			return fmt.Errorf("klaviyo: %s: record %d (id %q) has type %q, want %q", file, i+1, id, *typ, want)
		}
		return nil
	}
	lists := map[string]bool{}
	for i := range d.Lists {
		l := &d.Lists[i]
		if err := fix(ListsFile, i, &l.Type, api.TypeList, l.ID); err != nil {
			return err
		}
		if lists[l.ID] {
			return fmt.Errorf("klaviyo: %s: id %q appears twice", ListsFile, l.ID)
		}
		lists[l.ID] = true
	}
	metrics := map[string]bool{}
	for i := range d.Metrics {
		m := &d.Metrics[i]
		if err := fix(MetricsFile, i, &m.Type, api.TypeMetric, m.ID); err != nil {
			return err
		}
		if metrics[m.ID] {
			return fmt.Errorf("klaviyo: %s: id %q appears twice", MetricsFile, m.ID)
		}
		metrics[m.ID] = true
	}
	profiles := map[string]bool{}
	for i := range d.Profiles {
		p := &d.Profiles[i]
		if err := fix(ProfilesFile, i, &p.Type, api.TypeProfile, p.ID); err != nil {
			return err
		}
		if profiles[p.ID] {
			return fmt.Errorf("klaviyo: %s: id %q appears twice", ProfilesFile, p.ID)
		}
		profiles[p.ID] = true
		for _, l := range p.ListIDs() {
			if !lists[l] {
				return fmt.Errorf("klaviyo: %s: profile %q is in list %q, which is not in %s", ProfilesFile, p.ID, l, ListsFile)
			}
		}
	}
	events := map[string]bool{}
	for i := range d.Events {
		e := &d.Events[i]
		if err := fix(EventsFile, i, &e.Type, api.TypeEvent, e.ID); err != nil {
			return err
		}
		if events[e.ID] {
			return fmt.Errorf("klaviyo: %s: id %q appears twice", EventsFile, e.ID)
		}
		events[e.ID] = true
		if pid := e.ProfileID(); !profiles[pid] {
			return fmt.Errorf("klaviyo: %s: event %q names profile %q, which is not in %s", EventsFile, e.ID, pid, ProfilesFile)
		}
		if mid := e.MetricID(); !metrics[mid] {
			return fmt.Errorf("klaviyo: %s: event %q names metric %q, which is not in %s", EventsFile, e.ID, mid, MetricsFile)
		}
		if e.Attributes.Datetime == nil && e.Attributes.Timestamp == nil {
			return fmt.Errorf("klaviyo: %s: event %q has neither datetime nor timestamp", EventsFile, e.ID)
		}
	}
	return nil
}

// Write writes dir/klaviyo/*.json, indented, records sorted by id so that
// the same data always gives the same bytes.
func (d *Data) Write(dir string) error {
	base := filepath.Join(dir, System)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return fmt.Errorf("klaviyo: %w", err)
	}
	profiles := sortedBy(d.Profiles, func(p api.Profile) string { return p.ID })
	events := sortedBy(d.Events, func(e api.Event) string { return e.ID })
	metrics := sortedBy(d.Metrics, func(m api.Metric) string { return m.ID })
	lists := sortedBy(d.Lists, func(l api.List) string { return l.ID })
	for name, v := range map[string]any{ProfilesFile: profiles, EventsFile: events, MetricsFile: metrics, ListsFile: lists} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("klaviyo: encoding %s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(base, name), append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("klaviyo: %w", err)
		}
	}
	return nil
}

func sortedBy[T any](in []T, key func(T) string) []T {
	out := make([]T, len(in))
	copy(out, in)
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	for i := range out {
		stripLinks(&out[i])
	}
	return out
}

// stripLinks drops links, which name a host and so never belong in a
// fixture.
func stripLinks(v any) {
	switch r := v.(type) {
	case *api.Profile:
		r.Links = nil
		if r.Relationships != nil && r.Relationships.Lists != nil {
			rel := *r.Relationships
			lists := *rel.Lists
			lists.Links = nil
			rel.Lists = &lists
			r.Relationships = &rel
		}
	case *api.Event:
		r.Links = nil
		if r.Relationships != nil {
			rel := *r.Relationships
			for _, one := range []**api.ToOne{&rel.Profile, &rel.Metric} {
				if *one != nil {
					c := **one
					c.Links = nil
					*one = &c
				}
			}
			r.Relationships = &rel
		}
	case *api.Metric:
		r.Links = nil
	case *api.List:
		r.Links = nil
		r.Relationships = nil
	}
}
