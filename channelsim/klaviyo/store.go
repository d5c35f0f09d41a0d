package klaviyo

import (
	"crypto/rand"
	"encoding/json"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
)

// profileRec is a served profile with what the indexes and filters need.
type profileRec struct {
	p       api.Profile // links never set; relationships.lists.data is the membership
	created time.Time
	updated time.Time
	// encoded is the profile as a list of profiles last showed it. A
	// consent job that changes the profile clears it (under the write
	// lock).
	encoded atomic.Pointer[encoded]
}

type eventRec struct {
	e         api.Event
	at        time.Time
	ts        float64
	profileID string
	metricID  string
	// encoded is the event as a list of events last showed it: events never
	// change, and clients list the same events with the same fields, call
	// after call.
	encoded atomic.Pointer[encoded]
}

// encoded is a resource as an answer showed it, for the next answer that
// shows it the same way.
type encoded struct {
	key  string // the server's base URL and how the resource is shown
	json json.RawMessage
}

// get returns the kept encoding if it was made for key.
func (e *encoded) get(key string) (json.RawMessage, bool) {
	if e == nil || e.key != key {
		return nil, false
	}
	return e.json, true
}

type listRec struct {
	l       api.List
	created time.Time
	updated time.Time
}

// store is the simulator's state: the records and indexes by id and by every
// field a filter can look up, so that a filtered call costs a map lookup
// rather than a scan.
type store struct {
	mu sync.RWMutex

	profiles   map[string]*profileRec
	profileIDs []*profileRec // sorted by id
	byEmail    map[string][]*profileRec
	byPhone    map[string][]*profileRec
	byExternal map[string][]*profileRec

	events    map[string]*eventRec
	eventList []*eventRec // sorted by time, then id
	byProfile map[string][]*eventRec
	byMetric  map[string][]*eventRec

	metrics    map[string]*api.Metric
	metricList []*api.Metric // sorted by id
	// metricJSON keeps each metric as the events' included resources last
	// showed it. Metrics never change once the store is built, and neither
	// does this map.
	metricJSON map[string]*atomic.Pointer[encoded]

	lists    map[string]*listRec
	listList []*listRec // sorted by id
	members  map[string]map[string]*profileRec
}

// emailKey is how the simulator compares emails: Klaviyo finds a profile by
// its email without regard to case or surrounding spaces.
func emailKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func newStore(d *Data) *store {
	// A JSON round trip gives the store its own copy: requests never see
	// later changes to d, and writes never reach it.
	var c Data
	b, err := json.Marshal(d)
	if err != nil {
		panic("klaviyo: copying data: " + err.Error())
	}
	if err := json.Unmarshal(b, &c); err != nil {
		panic("klaviyo: copying data: " + err.Error())
	}
	s := &store{
		profiles: map[string]*profileRec{}, byEmail: map[string][]*profileRec{},
		byPhone: map[string][]*profileRec{}, byExternal: map[string][]*profileRec{},
		events: map[string]*eventRec{}, byProfile: map[string][]*eventRec{}, byMetric: map[string][]*eventRec{},
		metrics: map[string]*api.Metric{}, metricJSON: map[string]*atomic.Pointer[encoded]{}, lists: map[string]*listRec{}, members: map[string]map[string]*profileRec{},
	}
	for i := range c.Lists {
		l := c.Lists[i]
		stripLinks(&l)
		if l.Type == "" {
			l.Type = api.TypeList
		}
		rec := &listRec{l: l}
		if l.Attributes.Created != nil {
			rec.created = l.Attributes.Created.Time
		}
		if l.Attributes.Updated != nil {
			rec.updated = l.Attributes.Updated.Time
		}
		s.lists[l.ID] = rec
		s.listList = append(s.listList, rec)
		s.members[l.ID] = map[string]*profileRec{}
	}
	sort.Slice(s.listList, func(i, j int) bool { return s.listList[i].l.ID < s.listList[j].l.ID })
	for i := range c.Metrics {
		m := c.Metrics[i]
		stripLinks(&m)
		if m.Type == "" {
			m.Type = api.TypeMetric
		}
		s.metrics[m.ID] = &m
		s.metricJSON[m.ID] = &atomic.Pointer[encoded]{}
		s.metricList = append(s.metricList, &m)
	}
	sort.Slice(s.metricList, func(i, j int) bool { return s.metricList[i].ID < s.metricList[j].ID })
	for i := range c.Profiles {
		p := c.Profiles[i]
		stripLinks(&p)
		s.addProfile(p)
	}
	for i := range c.Events {
		e := c.Events[i]
		stripLinks(&e)
		if e.Type == "" {
			e.Type = api.TypeEvent
		}
		rec := &eventRec{e: e, profileID: e.ProfileID(), metricID: e.MetricID()}
		switch {
		case e.Attributes.Datetime != nil:
			rec.at = e.Attributes.Datetime.Time
		case e.Attributes.Timestamp != nil:
			rec.at = time.Unix(*e.Attributes.Timestamp, 0).UTC()
		}
		rec.ts = float64(rec.at.Unix())
		if e.Attributes.Timestamp != nil {
			rec.ts = float64(*e.Attributes.Timestamp)
		}
		s.events[e.ID] = rec
		s.eventList = append(s.eventList, rec)
		s.byProfile[rec.profileID] = append(s.byProfile[rec.profileID], rec)
		s.byMetric[rec.metricID] = append(s.byMetric[rec.metricID], rec)
	}
	sortEvents(s.eventList)
	for _, l := range s.byProfile {
		sortEvents(l)
	}
	for _, l := range s.byMetric {
		sortEvents(l)
	}
	return s
}

func eventBefore(a, b *eventRec) bool {
	if !a.at.Equal(b.at) {
		return a.at.Before(b.at)
	}
	return a.e.ID < b.e.ID
}

func sortEvents(l []*eventRec) {
	sort.Slice(l, func(i, j int) bool { return eventBefore(l[i], l[j]) })
}

// addProfile indexes a new profile. The caller holds the write lock (or owns
// the store alone).
func (s *store) addProfile(p api.Profile) *profileRec {
	if p.Type == "" {
		p.Type = api.TypeProfile
	}
	normalizeProfile(&p)
	rec := &profileRec{p: p}
	if p.Attributes.Created != nil {
		rec.created = p.Attributes.Created.Time
	}
	if p.Attributes.Updated != nil {
		rec.updated = p.Attributes.Updated.Time
	}
	s.profiles[p.ID] = rec
	i := sort.Search(len(s.profileIDs), func(i int) bool { return s.profileIDs[i].p.ID >= p.ID })
	s.profileIDs = append(s.profileIDs, nil)
	copy(s.profileIDs[i+1:], s.profileIDs[i:])
	s.profileIDs[i] = rec
	s.indexContact(rec)
	for _, l := range p.ListIDs() {
		if m := s.members[l]; m != nil {
			m[p.ID] = rec
		}
	}
	return rec
}

// normalizeProfile fills in what a hand-written fixture may leave out but
// Klaviyo always sends: an (empty) location, properties, and a consent per
// channel, never subscribed when unknown.
func normalizeProfile(p *api.Profile) {
	a := &p.Attributes
	if a.Location == nil {
		a.Location = &api.Location{}
	}
	if a.Properties == nil {
		a.Properties = map[string]any{}
	}
	def := defaultSubscriptions()
	if a.Subscriptions == nil {
		a.Subscriptions = def
	}
	if a.Subscriptions.Email == nil || a.Subscriptions.Email.Marketing == nil {
		a.Subscriptions.Email = def.Email
	}
	if a.Subscriptions.SMS == nil || a.Subscriptions.SMS.Marketing == nil {
		a.Subscriptions.SMS = def.SMS
	}
	if m := a.Subscriptions.Email.Marketing; m.Suppression == nil || m.ListSuppressions == nil {
		c := *m
		if c.Suppression == nil {
			c.Suppression = []api.EmailSuppression{}
		}
		if c.ListSuppressions == nil {
			c.ListSuppressions = []api.ListSuppression{}
		}
		a.Subscriptions.Email = &api.EmailChannel{Marketing: &c}
	}
}

func (s *store) indexContact(rec *profileRec) {
	a := rec.p.Attributes
	if e := emailKey(api.Value(a.Email)); e != "" {
		s.byEmail[e] = append(s.byEmail[e], rec)
	}
	if ph := api.Value(a.PhoneNumber); ph != "" {
		s.byPhone[ph] = append(s.byPhone[ph], rec)
	}
	if x := api.Value(a.ExternalID); x != "" {
		s.byExternal[x] = append(s.byExternal[x], rec)
	}
}

// setPhone gives a profile a phone number and indexes it.
func (s *store) setPhone(rec *profileRec, phone string) {
	rec.p.Attributes.PhoneNumber = api.String(phone)
	s.byPhone[phone] = append(s.byPhone[phone], rec)
}

// setMembership adds the profile to a list or removes it.
func (s *store) setMembership(rec *profileRec, listID string, member bool) {
	m := s.members[listID]
	if m == nil {
		return
	}
	_, was := m[rec.p.ID]
	if was == member {
		return
	}
	rel := rec.p.Relationships
	if rel == nil {
		rel = &api.ProfileRelationships{}
		rec.p.Relationships = rel
	}
	if rel.Lists == nil {
		rel.Lists = &api.ToMany{}
	}
	if member {
		m[rec.p.ID] = rec
		rel.Lists.Data = append(rel.Lists.Data, api.ResourceIdentifier{Type: api.TypeList, ID: listID})
		return
	}
	delete(m, rec.p.ID)
	kept := make([]api.ResourceIdentifier, 0, len(rel.Lists.Data))
	for _, r := range rel.Lists.Data {
		if r.ID != listID {
			kept = append(kept, r)
		}
	}
	rel.Lists.Data = kept
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newProfileID returns a 26-character ULID, as Klaviyo's profile ids are:
// 48 bits of milliseconds and 80 random bits in Crockford base 32.
func newProfileID(now time.Time) string {
	var b [16]byte
	ms := uint64(now.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	var out [26]byte
	// 128 bits as 26 base-32 digits, the first carrying 3 bits.
	var acc uint64
	bits := 0
	idx := 25
	for i := 15; i >= 0; i-- {
		acc |= uint64(b[i]) << bits
		bits += 8
		for bits >= 5 && idx >= 0 {
			out[idx] = crockford[acc&31]
			acc >>= 5
			bits -= 5
			idx--
		}
	}
	if idx >= 0 {
		out[idx] = crockford[acc&31]
	}
	return string(out[:])
}
