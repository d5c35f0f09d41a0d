package klaviyo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
)

var (
	profileRoots = []string{"created", "email", "external_id", "first_name", "id", "image", "last_event_date",
		"last_name", "locale", "location", "organization", "phone_number", "predictive_analytics", "properties",
		"subscriptions", "title", "updated"}
	profileSorts = []string{"created", "email", "id", "subscriptions.email.marketing.list_suppressions.timestamp",
		"subscriptions.email.marketing.suppression.timestamp", "updated"}
	listRoots = []string{"created", "id", "name", "opt_in_process", "updated"}
	// identifierFields are the profile fields whose values count as keys.
	identifierFields = []string{"id", "email", "phone_number", "external_id"}
)

// profileView is how a request wants profiles shown.
type profileView struct {
	subscriptions bool
	predictive    bool
	fields        []string
	includeLists  bool
	listFields    []string
	joined        bool // a list member: joined_group_at is required
}

// profileViewOf reads additional-fields[profile], fields[profile] and
// include; on error it names the parameter.
func profileViewOf(q url.Values, includes ...string) (profileView, string, error) {
	var v profileView
	extra, err := csvParam(q, "additional-fields[profile]", "subscriptions", "predictive_analytics")
	if err != nil {
		return v, "additional-fields[profile]", err
	}
	v.subscriptions = has(extra, "subscriptions")
	v.predictive = has(extra, "predictive_analytics")
	if v.fields, err = fieldsParam(q, "profile", profileRoots...); err != nil {
		return v, "fields[profile]", err
	}
	if len(includes) > 0 {
		inc, err := csvParam(q, "include", includes...)
		if err != nil {
			return v, "include", err
		}
		v.includeLists = has(inc, "lists")
	}
	if v.listFields, err = fieldsParam(q, "list", listRoots...); err != nil {
		return v, "fields[list]", err
	}
	return v, "", nil
}

// defaultSubscriptions are a profile's consents when a fixture gives none:
// never subscribed to anything.
func defaultSubscriptions() *api.Subscriptions {
	return &api.Subscriptions{
		Email: &api.EmailChannel{Marketing: &api.EmailMarketing{Consent: api.ConsentNeverSubscribed,
			Suppression: []api.EmailSuppression{}, ListSuppressions: []api.ListSuppression{}}},
		SMS: &api.SMSChannel{Marketing: &api.SMSMarketing{Consent: api.ConsentNeverSubscribed}},
	}
}

// profileResource renders a profile for a request. The caller holds the
// read lock.
func (s *server) profileResource(r *http.Request, rec *profileRec, v profileView) resource {
	a := rec.p.Attributes
	a.Subscriptions = nil
	if v.subscriptions {
		a.Subscriptions = rec.p.Attributes.Subscriptions
		if a.Subscriptions == nil {
			a.Subscriptions = defaultSubscriptions()
		}
	}
	a.PredictiveAnalytics = nil
	if v.predictive {
		a.PredictiveAnalytics = json.RawMessage("null")
	}
	a.JoinedGroupAt = nil
	if v.joined {
		a.JoinedGroupAt = api.NewDateTime(rec.created)
	}
	path := "/api/profiles/" + rec.p.ID
	lists := &api.ToMany{Links: relLinks(r, path, "lists")}
	if v.includeLists {
		lists.Data = append([]api.ResourceIdentifier{}, memberships(rec)...)
	}
	attrs := fieldset(a, v.fields)
	if m, ok := attrs.(map[string]any); ok && v.joined {
		m["joined_group_at"] = a.JoinedGroupAt
	}
	return resource{
		Type: api.TypeProfile, ID: rec.p.ID,
		Attributes:    attrs,
		Relationships: api.ProfileRelationships{Lists: lists},
		Links:         selfLink(r, path),
	}
}

func memberships(rec *profileRec) []api.ResourceIdentifier {
	if rec.p.Relationships == nil || rec.p.Relationships.Lists == nil {
		return nil
	}
	return rec.p.Relationships.Lists.Data
}

func conditionOn(conds []*fnode, field string) *fnode {
	for _, c := range conds {
		if c.field == field {
			return c
		}
	}
	return nil
}

// rejectKx answers 400 for a _kx filter: the simulator holds no Klaviyo
// tracking tokens, so every one it could get is as good as expired.
func rejectKx(w http.ResponseWriter, conds []*fnode) bool {
	if conditionOn(conds, "_kx") != nil {
		badParam(w, "filter", "The _kx value is invalid or has expired.")
		return true
	}
	return false
}

func (s *server) listProfiles(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	q := r.URL.Query()
	conds, err := readFilter(q, profileFilters)
	if err != nil {
		badParam(w, "filter", err.Error())
		return
	}
	harness.Keys(r, countKeys(conds, identifierFields...))
	if rejectKx(w, conds) {
		return
	}
	size, err := pageSize(q, 20, 100)
	if err != nil {
		badParam(w, "page[size]", err.Error())
		return
	}
	offset, err := decodeCursor(q)
	if err != nil {
		badParam(w, "page[cursor]", err.Error())
		return
	}
	sortField, desc, err := sortParam(q, "profile", profileSorts...)
	if err != nil {
		badParam(w, "sort", err.Error())
		return
	}
	view, param, err := profileViewOf(q, "conversations", "push-tokens")
	if err != nil {
		badParam(w, param, err.Error())
		return
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	recs, byID := s.findProfiles(conds)
	if sortField != "id" && sortField != "" || desc || !byID {
		sortProfiles(recs, sortField, desc)
	}
	lo, hi := window(len(recs), offset, size)
	key := view.key(r)
	data := make([]json.RawMessage, 0, hi-lo)
	for _, rec := range recs[lo:hi] {
		b, err := s.encodeProfile(r, key, rec, view)
		if err != nil {
			serverError(w)
			return
		}
		data = append(data, b)
	}
	writePage(w, data, nil, collectionLinks(r, offset, size, len(recs)))
}

// key is what decides, besides the profile, how a list of profiles shows
// it: the server's address and the view.
func (v profileView) key(r *http.Request) string {
	return fmt.Sprintf("%s %t %t %t %t %q", base(r), v.subscriptions, v.predictive, v.includeLists, v.joined, v.fields)
}

// encodeProfile returns the profile as a list of profiles shows it,
// encoded, from what the last list with the same key kept when it can.
// The caller holds the read lock.
func (s *server) encodeProfile(r *http.Request, key string, rec *profileRec, v profileView) (json.RawMessage, error) {
	if b, ok := rec.encoded.Load().get(key); ok {
		return b, nil
	}
	b, err := json.Marshal(s.profileResource(r, rec, v))
	if err != nil {
		return nil, err
	}
	rec.encoded.Store(&encoded{key: key, json: b})
	return b, nil
}

// findProfiles returns the profiles matching every condition, from the
// smallest index lookup any condition allows, or from all profiles. byID
// reports whether the result is already in id order. The caller holds the
// read lock.
func (s *server) findProfiles(conds []*fnode) (out []*profileRec, byID bool) {
	var best []*profileRec
	found := false
	for _, c := range conds {
		if c.op != "equals" && c.op != "any" {
			continue
		}
		var idx map[string][]*profileRec
		key := func(v string) string { return v }
		switch c.field {
		case "id":
			var hits []*profileRec
			for _, v := range stringsOf(c) {
				if rec := s.st.profiles[v]; rec != nil {
					hits = append(hits, rec)
				}
			}
			if !found || len(hits) < len(best) {
				best, found = dedupe(hits), true
			}
			continue
		case "email":
			idx, key = s.st.byEmail, emailKey
		case "phone_number":
			idx = s.st.byPhone
		case "external_id":
			idx = s.st.byExternal
		default:
			continue
		}
		var hits []*profileRec
		for _, v := range stringsOf(c) {
			hits = append(hits, idx[key(v)]...)
		}
		if !found || len(hits) < len(best) {
			best, found = dedupe(hits), true
		}
	}
	if !found {
		best, byID = s.st.profileIDs, true
	}
	out = make([]*profileRec, 0, len(best))
	for _, rec := range best {
		if matchProfile(rec, conds) {
			out = append(out, rec)
		}
	}
	return out, byID
}

func dedupe(recs []*profileRec) []*profileRec {
	seen := make(map[*profileRec]bool, len(recs))
	out := recs[:0:0]
	for _, r := range recs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

func matchProfile(rec *profileRec, conds []*fnode) bool {
	for _, c := range conds {
		if !matchProfileCond(rec, c) {
			return false
		}
	}
	return true
}

func emailMarketingOf(rec *profileRec) *api.EmailMarketing {
	s := rec.p.Attributes.Subscriptions
	if s == nil || s.Email == nil {
		return nil
	}
	return s.Email.Marketing
}

func matchProfileCond(rec *profileRec, c *fnode) bool {
	a := rec.p.Attributes
	switch c.field {
	case "id":
		return c.in(rec.p.ID)
	case "email":
		return a.Email != nil && emailKey(*a.Email) != "" && c.inFolded(*a.Email)
	case "phone_number":
		return a.PhoneNumber != nil && c.in(*a.PhoneNumber)
	case "external_id":
		return a.ExternalID != nil && c.in(*a.ExternalID)
	case "created":
		return !rec.created.IsZero() && compareOK(c.op, cmpTime(rec.created, c.value.t))
	case "updated":
		return !rec.updated.IsZero() && compareOK(c.op, cmpTime(rec.updated, c.value.t))
	}
	m := emailMarketingOf(rec)
	if m == nil {
		return false
	}
	switch c.field {
	case "subscriptions.email.marketing.suppression.reason":
		for _, sup := range m.Suppression {
			if sup.Reason == c.value.s {
				return true
			}
		}
	case "subscriptions.email.marketing.suppression.timestamp":
		for _, sup := range m.Suppression {
			if compareOK(c.op, cmpTime(sup.Timestamp.Time, c.value.t)) {
				return true
			}
		}
	case "subscriptions.email.marketing.list_suppressions.reason":
		for _, sup := range m.ListSuppressions {
			if sup.Reason == c.value.s {
				return true
			}
		}
	case "subscriptions.email.marketing.list_suppressions.list_id":
		for _, sup := range m.ListSuppressions {
			if sup.ListID == c.value.s {
				return true
			}
		}
	case "subscriptions.email.marketing.list_suppressions.timestamp":
		for _, sup := range m.ListSuppressions {
			if compareOK(c.op, cmpTime(sup.Timestamp.Time, c.value.t)) {
				return true
			}
		}
	}
	return false
}

func firstSuppression(rec *profileRec, list bool) time.Time {
	m := emailMarketingOf(rec)
	switch {
	case m == nil:
	case list && len(m.ListSuppressions) > 0:
		return m.ListSuppressions[0].Timestamp.Time
	case !list && len(m.Suppression) > 0:
		return m.Suppression[0].Timestamp.Time
	}
	return time.Time{}
}

func sortProfiles(recs []*profileRec, field string, desc bool) {
	var cmp func(a, b *profileRec) int
	switch field {
	case "created":
		cmp = func(a, b *profileRec) int { return a.created.Compare(b.created) }
	case "updated":
		cmp = func(a, b *profileRec) int { return a.updated.Compare(b.updated) }
	case "email":
		cmp = func(a, b *profileRec) int {
			return strings.Compare(emailKey(api.Value(a.p.Attributes.Email)), emailKey(api.Value(b.p.Attributes.Email)))
		}
	case "subscriptions.email.marketing.suppression.timestamp":
		cmp = func(a, b *profileRec) int { return firstSuppression(a, false).Compare(firstSuppression(b, false)) }
	case "subscriptions.email.marketing.list_suppressions.timestamp":
		cmp = func(a, b *profileRec) int { return firstSuppression(a, true).Compare(firstSuppression(b, true)) }
	default:
		cmp = func(a, b *profileRec) int { return 0 }
	}
	sortRecs(recs, desc, cmp, func(r *profileRec) string { return r.p.ID })
}

func (s *server) getProfile(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	id := r.PathValue("id")
	harness.Keys(r, 1)
	view, param, err := profileViewOf(r.URL.Query(), "conversations", "lists", "push-tokens", "segments")
	if err != nil {
		badParam(w, param, err.Error())
		return
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	rec := s.st.profiles[id]
	if rec == nil {
		notFound(w, "profile", id)
		return
	}
	doc := document{Data: s.profileResource(r, rec, view), Links: *selfLink(r, "/api/profiles/"+id)}
	if view.includeLists {
		for _, m := range memberships(rec) {
			if l := s.st.lists[m.ID]; l != nil {
				doc.Included = append(doc.Included, listResource(r, l, view.listFields))
			}
		}
	}
	writeJSON(w, doc)
}

func (s *server) profileLists(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	id := r.PathValue("id")
	harness.Keys(r, 1)
	fields, err := fieldsParam(r.URL.Query(), "list", listRoots...)
	if err != nil {
		badParam(w, "fields[list]", err.Error())
		return
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	rec := s.st.profiles[id]
	if rec == nil {
		notFound(w, "profile", id)
		return
	}
	out := collection{Data: []resource{}, Links: api.CollectionLinks{Self: pageURL(r, r.URL.Query())}}
	for _, l := range s.listsOf(rec) {
		out.Data = append(out.Data, listResource(r, l, fields))
	}
	writeJSON(w, out)
}

func (s *server) profileListIDs(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	id := r.PathValue("id")
	harness.Keys(r, 1)
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	rec := s.st.profiles[id]
	if rec == nil {
		notFound(w, "profile", id)
		return
	}
	out := api.RelationshipCollection{Data: []api.ResourceIdentifier{}, Links: &api.CollectionLinks{Self: pageURL(r, r.URL.Query())}}
	for _, l := range s.listsOf(rec) {
		out.Data = append(out.Data, api.ResourceIdentifier{Type: api.TypeList, ID: l.l.ID})
	}
	writeJSON(w, out)
}

// listsOf returns a profile's lists in id order.
func (s *server) listsOf(rec *profileRec) []*listRec {
	var out []*listRec
	for _, l := range s.st.listList {
		if _, ok := s.st.members[l.l.ID][rec.p.ID]; ok {
			out = append(out, l)
		}
	}
	return out
}
