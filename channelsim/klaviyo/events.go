package klaviyo

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
)

var (
	eventRoots  = []string{"datetime", "event_properties", "id", "timestamp", "uuid"}
	metricRoots = []string{"created", "id", "integration", "name", "updated"}
)

// metricsPerPage is the fixed page of GET /api/metrics, which takes no
// page[size].
const metricsPerPage = 200

type eventView struct {
	fields        []string
	tree          map[string]any // fields as a tree, when given
	treeKey       string         // fields sorted and joined
	metricFields  []string
	profileFields []string
	metric        bool
	profile       bool
}

func eventViewOf(r *http.Request) (eventView, string, error) {
	q := r.URL.Query()
	var v eventView
	inc, err := csvParam(q, "include", "attributions", "metric", "profile")
	if err != nil {
		return v, "include", err
	}
	v.metric, v.profile = has(inc, "metric"), has(inc, "profile")
	if v.fields, err = fieldsParam(q, "event", eventRoots...); err != nil {
		return v, "fields[event]", err
	}
	if len(v.fields) > 0 {
		v.tree = fieldTree(v.fields)
		sorted := slices.Clone(v.fields)
		slices.Sort(sorted)
		v.treeKey = strings.Join(sorted, ",")
	}
	if v.metricFields, err = fieldsParam(q, "metric", metricRoots...); err != nil {
		return v, "fields[metric]", err
	}
	if v.profileFields, err = fieldsParam(q, "profile", profileRoots...); err != nil {
		return v, "fields[profile]", err
	}
	return v, "", nil
}

func eventResource(r *http.Request, rec *eventRec, v eventView) resource {
	path := "/api/events/" + rec.e.ID
	rel := api.EventRelationships{}
	if rec.profileID != "" {
		rel.Profile = &api.ToOne{Data: &api.ResourceIdentifier{Type: api.TypeProfile, ID: rec.profileID}, Links: relLinks(r, path, "profile")}
	}
	if rec.metricID != "" {
		rel.Metric = &api.ToOne{Data: &api.ResourceIdentifier{Type: api.TypeMetric, ID: rec.metricID}, Links: relLinks(r, path, "metric")}
	}
	return resource{
		Type: api.TypeEvent, ID: rec.e.ID,
		Attributes:    eventAttrs(rec, v),
		Relationships: rel,
		Links:         selfLink(r, path),
	}
}

// eventAttrs are an event's attributes pruned to the fieldset asked for.
func eventAttrs(rec *eventRec, v eventView) any {
	if v.tree == nil {
		return rec.e.Attributes
	}
	m, ok := generic(rec.e.Attributes)
	if !ok {
		return rec.e.Attributes
	}
	return prune(m, v.tree)
}

// eventKey is what decides, besides the event, how a list of events shows
// it: the server's address and the fieldset.
func eventKey(r *http.Request, v eventView) string {
	return base(r) + " " + v.treeKey
}

// encodeEvent returns the event as a list of events shows it, encoded. It
// is kept on the event for the next list with the same key: events are
// listed by the hundred, and pruning and encoding each again on every call
// was most of the simulator's work.
func encodeEvent(r *http.Request, key string, rec *eventRec, v eventView) (json.RawMessage, error) {
	if b, ok := rec.encoded.Load().get(key); ok {
		return b, nil
	}
	b, err := json.Marshal(eventResource(r, rec, v))
	if err != nil {
		return nil, err
	}
	rec.encoded.Store(&encoded{key: key, json: b})
	return b, nil
}

func metricResource(r *http.Request, m *api.Metric, fields []string) resource {
	return resource{
		Type: api.TypeMetric, ID: m.ID,
		Attributes: fieldset(m.Attributes, fields),
		Links:      selfLink(r, "/api/metrics/"+m.ID),
	}
}

// encodeMetric returns a metric as an included resource, encoded, from
// what the last call with the same key kept when it can. key is the
// server's address and the fieldset. The caller holds the read lock.
func (s *server) encodeMetric(r *http.Request, key string, m *api.Metric, fields []string) (json.RawMessage, error) {
	kept := s.st.metricJSON[m.ID]
	if b, ok := kept.Load().get(key); ok {
		return b, nil
	}
	b, err := json.Marshal(metricResource(r, m, fields))
	if err != nil {
		return nil, err
	}
	kept.Store(&encoded{key: key, json: b})
	return b, nil
}

// included encodes the metrics and profiles the events name, once each, in
// the order they first appear. The caller holds the read lock.
func (s *server) included(r *http.Request, events []*eventRec, v eventView) ([]json.RawMessage, error) {
	var out []json.RawMessage
	seenMetric, seenProfile := map[string]bool{}, map[string]bool{}
	metricKey := base(r) + " " + strings.Join(v.metricFields, ",")
	for _, e := range events {
		if v.metric && e.metricID != "" && !seenMetric[e.metricID] {
			seenMetric[e.metricID] = true
			if m := s.st.metrics[e.metricID]; m != nil {
				b, err := s.encodeMetric(r, metricKey, m, v.metricFields)
				if err != nil {
					return nil, err
				}
				out = append(out, b)
			}
		}
		if v.profile && e.profileID != "" && !seenProfile[e.profileID] {
			seenProfile[e.profileID] = true
			if p := s.st.profiles[e.profileID]; p != nil {
				res := s.profileResource(r, p, profileView{fields: v.profileFields})
				res.Relationships = nil
				b, err := json.Marshal(res)
				if err != nil {
					return nil, err
				}
				out = append(out, b)
			}
		}
	}
	return out, nil
}

func (s *server) listEvents(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	q := r.URL.Query()
	conds, err := readFilter(q, eventFilters)
	if err != nil {
		badParam(w, "filter", err.Error())
		return
	}
	harness.Keys(r, countKeys(conds, "profile_id"))
	size, err := pageSize(q, 200, 1000)
	if err != nil {
		badParam(w, "page[size]", err.Error())
		return
	}
	offset, err := decodeCursor(q)
	if err != nil {
		badParam(w, "page[cursor]", err.Error())
		return
	}
	_, desc, err := sortParam(q, "event", "datetime", "timestamp")
	if err != nil {
		badParam(w, "sort", err.Error())
		return
	}
	view, param, err := eventViewOf(r)
	if err != nil {
		badParam(w, param, err.Error())
		return
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	recs := s.findEvents(conds)
	n := len(recs)
	lo, hi := window(n, offset, size)
	page := make([]*eventRec, 0, hi-lo)
	for i := lo; i < hi; i++ {
		if desc {
			page = append(page, recs[n-1-i])
		} else {
			page = append(page, recs[i])
		}
	}
	key := eventKey(r, view)
	data := make([]json.RawMessage, 0, len(page))
	for _, rec := range page {
		b, err := encodeEvent(r, key, rec, view)
		if err != nil {
			serverError(w)
			return
		}
		data = append(data, b)
	}
	included, err := s.included(r, page, view)
	if err != nil {
		serverError(w)
		return
	}
	writePage(w, data, included, collectionLinks(r, offset, size, n))
}

// findEvents returns the events matching every condition, oldest first,
// starting from the profile's or metric's index when a condition names one.
// The caller holds the read lock and must not change the slice: it may be
// the index itself.
func (s *server) findEvents(conds []*fnode) []*eventRec {
	cands := s.st.eventList
	sorted := true
	found := false
	var used *fnode // the condition cands were looked up by: all meet it
	for _, c := range conds {
		var hits []*eventRec
		one := true
		switch {
		case c.field == "profile_id" && c.op == "equals":
			hits = s.st.byProfile[c.value.s]
		case c.field == "metric_id" && c.op == "equals":
			vals := stringsOf(c)
			one = len(vals) == 1
			for _, v := range vals {
				hits = append(hits, s.st.byMetric[v]...)
			}
		default:
			continue
		}
		if !found || len(hits) < len(cands) {
			cands, sorted, found, used = hits, one, true, c
		}
	}
	var rest []*fnode
	for _, c := range conds {
		if c != used {
			rest = append(rest, c)
		}
	}
	if sorted && len(rest) == 0 {
		return cands // callers only read it
	}
	out := make([]*eventRec, 0, len(cands))
	seen := map[*eventRec]bool{}
	for _, e := range cands {
		if !sorted {
			if seen[e] {
				continue
			}
			seen[e] = true
		}
		if matchEvent(e, rest) {
			out = append(out, e)
		}
	}
	if !sorted {
		sortEvents(out)
	}
	return out
}

func matchEvent(e *eventRec, conds []*fnode) bool {
	for _, c := range conds {
		ok := false
		switch c.field {
		case "profile_id":
			ok = e.profileID == c.value.s
		case "metric_id":
			ok = c.in(e.metricID)
		case "profile":
			ok = e.profileID != ""
		case "metric":
			ok = e.metricID != ""
		case "datetime":
			ok = compareOK(c.op, cmpTime(e.at, c.value.t))
		case "timestamp":
			ok = compareOK(c.op, cmpFloat(e.ts, c.value.n))
		}
		if !ok {
			return false
		}
	}
	return true
}

// eventDocument is one event with the resources it includes, encoded.
type eventDocument struct {
	Data     resource          `json:"data"`
	Included []json.RawMessage `json:"included,omitempty"`
	Links    api.ObjectLinks   `json:"links"`
}

func (s *server) getEvent(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	id := r.PathValue("id")
	harness.Keys(r, 1)
	view, param, err := eventViewOf(r)
	if err != nil {
		badParam(w, param, err.Error())
		return
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	rec := s.st.events[id]
	if rec == nil {
		notFound(w, "event", id)
		return
	}
	included, err := s.included(r, []*eventRec{rec}, view)
	if err != nil {
		serverError(w)
		return
	}
	writeJSON(w, eventDocument{
		Data:     eventResource(r, rec, view),
		Included: included,
		Links:    *selfLink(r, "/api/events/"+id),
	})
}

func matchMetric(m *api.Metric, c *fnode) bool {
	in := m.Attributes.Integration
	switch c.field {
	case "integration.name":
		return in != nil && string(in.Name) == c.value.s
	case "integration.category":
		return in != nil && string(in.Category) == c.value.s
	}
	return false
}

func (s *server) listMetrics(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	q := r.URL.Query()
	conds, err := readFilter(q, metricFilters)
	if err != nil {
		badParam(w, "filter", err.Error())
		return
	}
	harness.Keys(r, 0)
	offset, err := decodeCursor(q)
	if err != nil {
		badParam(w, "page[cursor]", err.Error())
		return
	}
	if _, err := csvParam(q, "include", "flow-triggers"); err != nil {
		badParam(w, "include", err.Error())
		return
	}
	fields, err := fieldsParam(q, "metric", metricRoots...)
	if err != nil {
		badParam(w, "fields[metric]", err.Error())
		return
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var ms []*api.Metric
next:
	for _, m := range s.st.metricList {
		for _, c := range conds {
			if !matchMetric(m, c) {
				continue next
			}
		}
		ms = append(ms, m)
	}
	lo, hi := window(len(ms), offset, metricsPerPage)
	out := collection{Data: make([]resource, 0, hi-lo)}
	for _, m := range ms[lo:hi] {
		out.Data = append(out.Data, metricResource(r, m, fields))
	}
	out.Links = collectionLinks(r, offset, metricsPerPage, len(ms))
	writeJSON(w, out)
}

func (s *server) getMetric(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	id := r.PathValue("id")
	harness.Keys(r, 1)
	fields, err := fieldsParam(r.URL.Query(), "metric", metricRoots...)
	if err != nil {
		badParam(w, "fields[metric]", err.Error())
		return
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	m := s.st.metrics[id]
	if m == nil {
		notFound(w, "metric", id)
		return
	}
	writeJSON(w, document{Data: metricResource(r, m, fields), Links: *selfLink(r, "/api/metrics/"+id)})
}
