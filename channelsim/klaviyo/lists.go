package klaviyo

import (
	"net/http"
	"strings"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
)

var listSorts = []string{"created", "id", "name", "updated"}

func listResource(r *http.Request, l *listRec, fields []string) resource {
	path := "/api/lists/" + l.l.ID
	return resource{
		Type: api.TypeList, ID: l.l.ID,
		Attributes:    fieldset(l.l.Attributes, fields),
		Relationships: api.ListRelationships{Profiles: &api.ToMany{Links: relLinks(r, path, "profiles")}},
		Links:         selfLink(r, path),
	}
}

func matchList(l *listRec, c *fnode) bool {
	switch c.field {
	case "id":
		return c.in(l.l.ID)
	case "name":
		return l.l.Attributes.Name != nil && c.in(*l.l.Attributes.Name)
	case "created":
		return !l.created.IsZero() && compareOK(c.op, cmpTime(l.created, c.value.t))
	case "updated":
		return !l.updated.IsZero() && compareOK(c.op, cmpTime(l.updated, c.value.t))
	}
	return false
}

func (s *server) listLists(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r) {
		return
	}
	q := r.URL.Query()
	conds, err := readFilter(q, listFilters)
	if err != nil {
		badParam(w, "filter", err.Error())
		return
	}
	harness.Keys(r, countKeys(conds, "id"))
	size, err := pageSize(q, 10, 10)
	if err != nil {
		badParam(w, "page[size]", err.Error())
		return
	}
	offset, err := decodeCursor(q)
	if err != nil {
		badParam(w, "page[cursor]", err.Error())
		return
	}
	sortField, desc, err := sortParam(q, "list", listSorts...)
	if err != nil {
		badParam(w, "sort", err.Error())
		return
	}
	if _, err := csvParam(q, "include", "flow-triggers", "tags"); err != nil {
		badParam(w, "include", err.Error())
		return
	}
	fields, err := fieldsParam(q, "list", listRoots...)
	if err != nil {
		badParam(w, "fields[list]", err.Error())
		return
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	var recs []*listRec
next:
	for _, l := range s.st.listList {
		for _, c := range conds {
			if !matchList(l, c) {
				continue next
			}
		}
		recs = append(recs, l)
	}
	var cmp func(a, b *listRec) int
	switch sortField {
	case "created":
		cmp = func(a, b *listRec) int { return a.created.Compare(b.created) }
	case "updated":
		cmp = func(a, b *listRec) int { return a.updated.Compare(b.updated) }
	case "name":
		cmp = func(a, b *listRec) int {
			return strings.Compare(api.Value(a.l.Attributes.Name), api.Value(b.l.Attributes.Name))
		}
	default:
		cmp = func(a, b *listRec) int { return 0 }
	}
	sortRecs(recs, desc, cmp, func(l *listRec) string { return l.l.ID })
	lo, hi := window(len(recs), offset, size)
	out := collection{Data: make([]resource, 0, hi-lo)}
	for _, l := range recs[lo:hi] {
		out.Data = append(out.Data, listResource(r, l, fields))
	}
	out.Links = collectionLinks(r, offset, size, len(recs))
	writeJSON(w, out)
}

// members returns the profiles of a list that match every condition, by
// joined_group_at (the simulator takes a profile's creation as the time it
// joined). The caller holds the read lock.
func (s *server) members(listID string, conds []*fnode, desc bool) []*profileRec {
	in := s.st.members[listID]
	var cands []*profileRec
	indexed := false
	for _, c := range conds {
		var idx map[string][]*profileRec
		key := func(v string) string { return v }
		switch c.field {
		case "email":
			idx, key = s.st.byEmail, emailKey
		case "phone_number":
			idx = s.st.byPhone
		default:
			continue
		}
		var hits []*profileRec
		for _, v := range stringsOf(c) {
			for _, rec := range idx[key(v)] {
				if _, ok := in[rec.p.ID]; ok {
					hits = append(hits, rec)
				}
			}
		}
		if !indexed || len(hits) < len(cands) {
			cands, indexed = dedupe(hits), true
		}
	}
	if !indexed {
		cands = make([]*profileRec, 0, len(in))
		for _, rec := range in {
			cands = append(cands, rec)
		}
	}
	out := cands[:0:0]
	for _, rec := range cands {
		if matchMember(rec, conds) {
			out = append(out, rec)
		}
	}
	sortRecs(out, desc, func(a, b *profileRec) int { return a.created.Compare(b.created) }, func(r *profileRec) string { return r.p.ID })
	return out
}

func matchMember(rec *profileRec, conds []*fnode) bool {
	for _, c := range conds {
		switch c.field {
		case "email", "phone_number":
			if !matchProfileCond(rec, c) {
				return false
			}
		case "joined_group_at":
			if rec.created.IsZero() || !compareOK(c.op, cmpTime(rec.created, c.value.t)) {
				return false
			}
		default: // push_token: no profile here has one
			return false
		}
	}
	return true
}

// memberQuery reads what both member endpoints share; ok is false when it
// has answered.
func (s *server) memberQuery(w http.ResponseWriter, r *http.Request) (conds []*fnode, size, offset int, desc bool, ok bool) {
	if !s.authorize(w, r) {
		return
	}
	q := r.URL.Query()
	conds, err := readFilter(q, memberFilters)
	if err != nil {
		badParam(w, "filter", err.Error())
		return
	}
	harness.Keys(r, countKeys(conds, "email", "phone_number"))
	if rejectKx(w, conds) {
		return
	}
	if size, err = pageSize(q, 20, 100); err != nil {
		badParam(w, "page[size]", err.Error())
		return
	}
	if offset, err = decodeCursor(q); err != nil {
		badParam(w, "page[cursor]", err.Error())
		return
	}
	if _, desc, err = sortParam(q, "profile", "joined_group_at"); err != nil {
		badParam(w, "sort", err.Error())
		return
	}
	return conds, size, offset, desc, true
}

func (s *server) listMembers(w http.ResponseWriter, r *http.Request) {
	conds, size, offset, desc, ok := s.memberQuery(w, r)
	if !ok {
		return
	}
	view, param, err := profileViewOf(r.URL.Query())
	if err != nil {
		badParam(w, param, err.Error())
		return
	}
	view.joined = true
	id := r.PathValue("id")
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	if s.st.lists[id] == nil {
		notFound(w, "list", id)
		return
	}
	recs := s.members(id, conds, desc)
	lo, hi := window(len(recs), offset, size)
	out := collection{Data: make([]resource, 0, hi-lo)}
	for _, rec := range recs[lo:hi] {
		out.Data = append(out.Data, s.profileResource(r, rec, view))
	}
	out.Links = collectionLinks(r, offset, size, len(recs))
	writeJSON(w, out)
}

func (s *server) listMemberIDs(w http.ResponseWriter, r *http.Request) {
	conds, size, offset, desc, ok := s.memberQuery(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	if s.st.lists[id] == nil {
		notFound(w, "list", id)
		return
	}
	recs := s.members(id, conds, desc)
	lo, hi := window(len(recs), offset, size)
	out := api.RelationshipCollection{Data: make([]api.ResourceIdentifier, 0, hi-lo)}
	for _, rec := range recs[lo:hi] {
		out.Data = append(out.Data, api.ResourceIdentifier{Type: api.TypeProfile, ID: rec.p.ID})
	}
	links := collectionLinks(r, offset, size, len(recs))
	out.Links = &links
	writeJSON(w, out)
}
