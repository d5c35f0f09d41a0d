package zendesk

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/channelsim/harness"
)

// maxShowMany is the most ids show_many accepts in one call.
const maxShowMany = 100

// server is the account's state, indexed for the lookups the endpoints make.
type server struct {
	creds Credentials

	mu            sync.RWMutex
	users         map[int64]*api.User
	userOrder     []int64 // ascending ids
	byEmail       map[string][]int64
	byPhone       map[string][]int64 // phone digits → users
	byPhoneSuffix map[string][]int64 // every suffix of the phone digits → users
	byExternal    map[string][]int64
	tickets       map[int64]*api.Ticket
	byRequester   map[int64][]int64
	agentID       int64
	nextUserID    int64
	nextTicketID  int64
	nextAuditID   int64
	now           func() time.Time
}

// New serves an in-memory copy of d with the credentials c. Writes change
// the copy, never d.
func New(h *harness.Harness, d *Data, c Credentials) http.Handler {
	if d == nil {
		d = &Data{}
	}
	s := newServer(d.clone(), c)
	mux := h.NewMux(harness.System{Name: System, WriteError: WriteError})
	mux.Handle("GET /api/v2/users.json", "users.list", s.auth(s.listUsers))
	mux.Handle("GET /api/v2/users/search.json", "users.search", s.auth(s.searchUsers))
	mux.Handle("GET /api/v2/users/show_many.json", "users.show_many", s.auth(s.showManyUsers))
	mux.Handle("GET /api/v2/users/{id}", "users.show", s.auth(s.showUser))
	mux.Handle("GET /api/v2/users/{id}/tickets/requested.json", "tickets.requested", s.auth(s.requestedTickets))
	mux.Handle("GET /api/v2/tickets/show_many.json", "tickets.show_many", s.auth(s.showManyTickets))
	mux.Handle("GET /api/v2/tickets/{id}", "tickets.show", s.auth(s.showTicket))
	mux.Handle("POST /api/v2/tickets.json", "tickets.create", s.auth(s.createTicket))
	mux.Handle("PUT /api/v2/tickets/{id}", "tickets.update", s.auth(s.updateTicket))
	mux.Handle("GET /api/v2/search.json", "search", s.auth(s.search))
	return mux
}

func newServer(d *Data, c Credentials) *server {
	d.normalize()
	s := &server{
		creds:         c,
		users:         map[int64]*api.User{},
		byEmail:       map[string][]int64{},
		byPhone:       map[string][]int64{},
		byPhoneSuffix: map[string][]int64{},
		byExternal:    map[string][]int64{},
		tickets:       map[int64]*api.Ticket{},
		byRequester:   map[int64][]int64{},
		nextAuditID:   1,
		now:           func() time.Time { return time.Now().UTC().Truncate(time.Second) },
	}
	for i := range d.Users {
		s.addUser(&d.Users[i])
	}
	for i := range d.Tickets {
		s.addTicket(&d.Tickets[i])
	}
	for _, u := range d.Users {
		if u.Email != nil && strings.EqualFold(*u.Email, c.Email) {
			s.agentID = u.ID
		}
	}
	return s
}

// addUser indexes a user; the caller holds the write lock (or owns s).
func (s *server) addUser(u *api.User) {
	s.users[u.ID] = u
	if i, found := slices.BinarySearch(s.userOrder, u.ID); !found {
		s.userOrder = slices.Insert(s.userOrder, i, u.ID)
	}
	if e := strings.ToLower(strings.TrimSpace(deref(u.Email))); e != "" {
		s.byEmail[e] = append(s.byEmail[e], u.ID)
	}
	if d := digits(deref(u.Phone)); d != "" {
		s.byPhone[d] = append(s.byPhone[d], u.ID)
		for i := range d {
			s.byPhoneSuffix[d[i:]] = append(s.byPhoneSuffix[d[i:]], u.ID)
		}
	}
	if u.ExternalID != nil && *u.ExternalID != "" {
		k := strings.ToLower(*u.ExternalID)
		s.byExternal[k] = append(s.byExternal[k], u.ID)
	}
	s.nextUserID = max(s.nextUserID, u.ID+1)
}

func (s *server) addTicket(t *api.Ticket) {
	s.tickets[t.ID] = t
	s.byRequester[t.RequesterID] = append(s.byRequester[t.RequesterID], t.ID)
	s.nextTicketID = max(s.nextTicketID, t.ID+1)
}

// auth rejects requests without the account's credentials, as Zendesk does:
// 401 with {"error":"Couldn't authenticate you"}.
func (s *server) auth(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.authorized(r) {
			WriteError(w, r, http.StatusUnauthorized, "")
			return
		}
		fn(w, r)
	}
}

func (s *server) authorized(r *http.Request) bool {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return s.creds.OAuthToken != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.creds.OAuthToken)) == 1
	}
	user, pass, ok := r.BasicAuth()
	if !ok || s.creds.APIToken == "" {
		return false
	}
	email, isToken := strings.CutSuffix(user, "/token")
	return isToken && strings.EqualFold(email, s.creds.Email) &&
		subtle.ConstantTimeCompare([]byte(pass), []byte(s.creds.APIToken)) == 1
}

// base is the scheme and host the request came to; url fields and paging
// links are built from it, as Zendesk builds them from the account's host.
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host
}

func userURL(base string, id int64) string {
	return base + "/api/v2/users/" + strconv.FormatInt(id, 10) + ".json"
}

func ticketURL(base string, id int64) string {
	return base + "/api/v2/tickets/" + strconv.FormatInt(id, 10) + ".json"
}

// userOut is the user as served: a copy with its url for this host.
func (s *server) userOut(r *http.Request, id int64) api.User {
	u := *s.users[id]
	u.URL = userURL(base(r), id)
	return u
}

func (s *server) ticketOut(r *http.Request, t *api.Ticket) api.Ticket {
	c := *t
	c.URL = ticketURL(base(r), t.ID)
	return c
}

// pathID reads the numeric id of /users/{id} or /tickets/{id}, with or
// without the .json suffix.
func pathID(r *http.Request) (int64, bool) {
	raw := strings.TrimSuffix(r.PathValue("id"), ".json")
	id, err := strconv.ParseInt(raw, 10, 64)
	return id, err == nil && id > 0
}

// parseIDs reads a comma-separated id list such as ids=1,2,3.
func parseIDs(param, raw string) ([]int64, error) {
	var out []int64
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%s: %q is not a record id (a positive integer)", param, part)
		}
		out = append(out, id)
	}
	return out, nil
}

// listParams reads ids= or external_ids= of a show_many call; it reports
// the count asked for and answers the error itself.
func listParams(w http.ResponseWriter, r *http.Request) (ids []int64, externals []string, ok bool) {
	q := r.URL.Query()
	var err error
	if raw := q.Get("ids"); raw != "" {
		ids, err = parseIDs("ids", raw)
	} else if raw := q.Get("external_ids"); raw != "" {
		for _, e := range strings.Split(raw, ",") {
			if e = strings.TrimSpace(e); e != "" {
				externals = append(externals, e)
			}
		}
	}
	// Count what was asked, valid or not, so that the counters show the
	// batch size the client sent.
	asked := 0
	for _, raw := range []string{q.Get("ids"), q.Get("external_ids")} {
		for _, part := range strings.Split(raw, ",") {
			if strings.TrimSpace(part) != "" {
				asked++
			}
		}
	}
	harness.Keys(r, asked)
	switch {
	case err != nil:
		badRequest(w, api.ErrInvalidValue, err.Error())
		return nil, nil, false
	case len(ids)+len(externals) > maxShowMany:
		badRequest(w, api.ErrInvalidValue, fmt.Sprintf("Too many ids: %d were given, at most %d are allowed per request", len(ids)+len(externals), maxShowMany))
		return nil, nil, false
	}
	return ids, externals, true
}

func (s *server) showManyUsers(w http.ResponseWriter, r *http.Request) {
	ids, externals, ok := listParams(w, r)
	if !ok {
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[int64]bool{}
	out := []api.User{}
	add := func(id int64) {
		if _, known := s.users[id]; known && !seen[id] {
			seen[id] = true
			out = append(out, s.userOut(r, id))
		}
	}
	for _, id := range ids {
		add(id)
	}
	for _, e := range externals {
		for _, id := range s.byExternal[strings.ToLower(e)] {
			add(id)
		}
	}
	writeJSON(w, http.StatusOK, api.UsersPage{Users: out, OffsetPage: api.OffsetPage{Count: len(out)}})
}

func (s *server) showUser(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	id, ok := pathID(r)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, known := s.users[id]; !ok || !known {
		WriteError(w, r, http.StatusNotFound, "")
		return
	}
	writeJSON(w, http.StatusOK, api.UserResponse{User: s.userOut(r, id)})
}

// matchUsers runs a user search and returns the matching ids in ascending
// order.
func (s *server) matchUsers(q *userQuery) []int64 {
	var out []int64
	if ids, ok := s.candidates(q); ok {
		for _, id := range ids {
			if q.matches(s.users[id]) {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	// Bare words, names and roles are matched against every user, as the
	// search service does; only exact identifiers have an index.
	for _, id := range s.userOrder {
		if q.matches(s.users[id]) {
			out = append(out, id)
		}
	}
	return out
}

// searchUsers serves GET /api/v2/users/search: query= in search syntax, or
// external_id= for one exact id. Offset paging only.
func (s *server) searchUsers(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	q := r.URL.Query()
	page, perPage, err := offsetParams(q)
	if err != nil {
		badRequest(w, api.ErrInvalidPaging, err.Error())
		return
	}
	var uq *userQuery
	switch query, ext := strings.TrimSpace(q.Get("query")), strings.TrimSpace(q.Get("external_id")); {
	case query != "":
		uq, err = compileUserQuery(query, false)
	case ext != "":
		uq = &userQuery{terms: []term{{key: "external_id", value: ext}}}
	default:
		err = fmt.Errorf("query or external_id is required")
	}
	if err != nil {
		badRequest(w, ErrInvalidSearch, err.Error())
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.matchUsers(uq)
	win, next, prev, err := offsetWindow(r, len(ids), page, perPage, maxOffsetRecords)
	if err != nil {
		badRequest(w, api.ErrInvalidPaging, err.Error())
		return
	}
	out := make([]api.User, 0, win.len())
	for _, id := range ids[win.start:win.end] {
		out = append(out, s.userOut(r, id))
	}
	writeJSON(w, http.StatusOK, api.UsersPage{Users: out, OffsetPage: api.OffsetPage{NextPage: next, PreviousPage: prev, Count: len(ids)}})
}

// search serves GET /api/v2/search for type:user queries.
func (s *server) search(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	q := r.URL.Query()
	page, perPage, err := offsetParams(q)
	if err != nil {
		badRequest(w, api.ErrInvalidPaging, err.Error())
		return
	}
	uq, err := compileUserQuery(q.Get("query"), true)
	if err != nil {
		badRequest(w, ErrInvalidSearch, err.Error())
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.matchUsers(uq)
	win, next, prev, err := offsetWindow(r, len(ids), page, perPage, maxSearchResults)
	if err != nil {
		// Zendesk answers a page past the 1,000 search results with 422.
		writeJSON(w, http.StatusUnprocessableEntity, api.Error{Error: ErrInvalidSearch, Description: err.Error()})
		return
	}
	out := make([]api.UserResult, 0, win.len())
	for _, id := range ids[win.start:win.end] {
		out = append(out, api.UserResult{User: s.userOut(r, id), ResultType: "user"})
	}
	writeJSON(w, http.StatusOK, api.SearchUsersPage{Results: out, OffsetPage: api.OffsetPage{NextPage: next, PreviousPage: prev, Count: len(ids)}})
}

func (s *server) showManyTickets(w http.ResponseWriter, r *http.Request) {
	ids, externals, ok := listParams(w, r)
	if !ok {
		return
	}
	if len(externals) > 0 {
		badRequest(w, api.ErrInvalidValue, "tickets/show_many takes ids only")
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	seen := map[int64]bool{}
	out := []api.Ticket{}
	for _, id := range ids {
		if t := s.tickets[id]; t != nil && !seen[id] {
			seen[id] = true
			out = append(out, s.ticketOut(r, t))
		}
	}
	writeJSON(w, http.StatusOK, api.TicketsPage{Tickets: out, OffsetPage: api.OffsetPage{Count: len(out)}})
}

func (s *server) showTicket(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	id, ok := pathID(r)
	s.mu.RLock()
	defer s.mu.RUnlock()
	t := s.tickets[id]
	if !ok || t == nil {
		WriteError(w, r, http.StatusNotFound, "")
		return
	}
	writeJSON(w, http.StatusOK, api.TicketResponse{Ticket: s.ticketOut(r, t)})
}

// requestedTickets serves GET /api/v2/users/{id}/tickets/requested: cursor
// paging when page[size], page[after] or page[before] is given, offset
// paging otherwise.
func (s *server) requestedTickets(w http.ResponseWriter, r *http.Request) {
	harness.Keys(r, 1)
	id, ok := pathID(r)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if _, known := s.users[id]; !ok || !known {
		WriteError(w, r, http.StatusNotFound, "")
		return
	}
	list := make([]*api.Ticket, 0, len(s.byRequester[id]))
	for _, tid := range s.byRequester[id] {
		list = append(list, s.tickets[tid])
	}
	q := r.URL.Query()
	if q.Has("page[size]") || q.Has("page[after]") || q.Has("page[before]") {
		s.cursorTickets(w, r, list)
		return
	}
	s.offsetTickets(w, r, list)
}

func (s *server) offsetTickets(w http.ResponseWriter, r *http.Request, list []*api.Ticket) {
	q := r.URL.Query()
	page, perPage, err := offsetParams(q)
	if err != nil {
		badRequest(w, api.ErrInvalidPaging, err.Error())
		return
	}
	field := q.Get("sort_by")
	if field == "" {
		field = "id"
	}
	order := strings.ToLower(q.Get("sort_order"))
	if order == "" {
		order = "asc"
	}
	key, ok := offsetSortKeys[field]
	if !ok || (order != "asc" && order != "desc") {
		badRequest(w, api.ErrInvalidPaging, fmt.Sprintf("sort_by %q with sort_order %q is not valid: sort_by is one of id, created_at, updated_at, status and sort_order asc or desc", field, order))
		return
	}
	sortTickets(list, key, order == "desc")
	win, next, prev, err := offsetWindow(r, len(list), page, perPage, maxOffsetRecords)
	if err != nil {
		badRequest(w, api.ErrInvalidPaging, err.Error())
		return
	}
	out := make([]api.Ticket, 0, win.len())
	for _, t := range list[win.start:win.end] {
		out = append(out, s.ticketOut(r, t))
	}
	writeJSON(w, http.StatusOK, api.TicketsPage{Tickets: out, OffsetPage: api.OffsetPage{NextPage: next, PreviousPage: prev, Count: len(list)}})
}

func (s *server) cursorTickets(w http.ResponseWriter, r *http.Request, list []*api.Ticket) {
	cp, err := cursorParams(r.URL.Query())
	if err != nil {
		badRequest(w, api.ErrInvalidPaging, err.Error())
		return
	}
	sortTickets(list, cp.key, cp.desc)
	from, to, hasMore := cp.window(list)
	out := make([]api.Ticket, 0, to-from)
	for _, t := range list[from:to] {
		out = append(out, s.ticketOut(r, t))
	}
	page := api.TicketsCursorPage{Tickets: out, Meta: api.CursorMeta{HasMore: hasMore}}
	if to > from {
		after := cp.encode(list[to-1])
		before := cp.encode(list[from])
		page.Meta.AfterCursor, page.Meta.BeforeCursor = &after, &before
		page.Links.Next = ptr(cp.link(r, "page[after]", after))
		page.Links.Prev = ptr(cp.link(r, "page[before]", before))
	}
	writeJSON(w, http.StatusOK, page)
}
