package zendesk

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

func userIDs(t *testing.T, r reply) []int64 {
	t.Helper()
	var page api.UsersPage
	r.decode(t, &page)
	out := []int64{}
	for _, u := range page.Users {
		out = append(out, u.ID)
	}
	return out
}

func TestShapeDiffCatchesDifferences(t *testing.T) {
	ex := map[string]any{"id": 1.0, "name": "x", "tags": []any{"a"}, "org": 5.0, "phone": nil}
	cases := map[string]map[string]any{
		"missing key":   {"id": 1.0, "name": "x", "tags": []any{}, "org": 5.0},
		"extra key":     {"id": 1.0, "name": "x", "tags": []any{}, "org": 5.0, "phone": nil, "more": 1.0},
		"wrong type":    {"id": "1", "name": "x", "tags": []any{}, "org": 5.0, "phone": nil},
		"null value":    {"id": 1.0, "name": "x", "tags": []any{}, "org": nil, "phone": nil},
		"element type":  {"id": 1.0, "name": "x", "tags": []any{3.0}, "org": 5.0, "phone": nil},
		"non-integer":   {"id": 1.5, "name": "x", "tags": []any{}, "org": 5.0, "phone": nil},
		"documented as": {"id": 1.0, "name": "x", "tags": []any{}, "org": 5.0, "phone": 44.0},
	}
	for name, got := range cases {
		if d := shapeDiff("r", ex, got, shapeOpts{}); len(d) == 0 {
			t.Errorf("%s: not reported", name)
		}
	}
	same := map[string]any{"id": 2.0, "name": "y", "tags": []any{"b"}, "org": 6.0, "phone": "+1"}
	if d := shapeDiff("r", ex, same, shapeOpts{}); len(d) != 0 {
		t.Errorf("same shape reported: %v", d)
	}
}

func TestUserSearchFilters(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	cases := []struct {
		query string
		want  []int64
	}{
		{"email:alice.smith@example.com", []int64{101}},             // any case, stored trimmed
		{"email:ALICE.SMITH@EXAMPLE.COM", []int64{101}},             // any case
		{"email:alice", []int64{}},                                  // the whole address, not a part
		{"email:nobody@example.com", []int64{}},                     // no match
		{"phone:447700900123", []int64{101}},                        // digits of the international form
		{"phone:07700900123", []int64{102}},                         // digits of the national form
		{"phone:*7700900123", []int64{101, 102}},                    // any format
		{"phone:*2125550100", []int64{103, 105}},                    // "(212) 555-0100" and "+1 212 555 0100"
		{"phone:12125550100", []int64{105}},                         // exact digits only
		{"external_id:ct-1", []int64{101}},                          // any case
		{"smith", []int64{101, 104, 105}},                           // word prefix: Smith, Smithers
		{"smi", []int64{101, 104, 105}},                             // start of a word
		{"mith", []int64{}},                                         // not inside a word
		{"smith role:end-user email:eve@example.com", []int64{105}}, // all terms hold
		{`"Alice Smith"`, []int64{101}},                             // phrase
		{`name:"Bob Jones"`, []int64{102}},                          // quoted property value
		{"type:user bob", []int64{102}},
	}
	for _, c := range cases {
		r := s.mustGet(t, "/api/v2/users/search.json?query="+url.QueryEscape(c.query))
		if got := userIDs(t, r); !reflect.DeepEqual(got, c.want) {
			t.Errorf("query %q: users %v, want %v", c.query, got, c.want)
		}
	}
	// external_id= is the exact-id form.
	if got := userIDs(t, s.mustGet(t, "/api/v2/users/search.json?external_id=CT-1")); !reflect.DeepEqual(got, []int64{101}) {
		t.Errorf("external_id=CT-1: users %v, want [101]", got)
	}
	for _, bad := range []string{"query=foo:bar", "query=phone:abc", "", "query=%22open", "query=type:ticket"} {
		r := s.get(t, "/api/v2/users/search.json?"+bad)
		if r.status != http.StatusBadRequest || r.json(t)["error"] != ErrInvalidSearch {
			t.Errorf("%q: status %d body %s, want 400 invalid", bad, r.status, r.body)
		}
	}
}

func TestUsersSearchPagingWalksAllPages(t *testing.T) {
	w := &world.World{}
	for i := range 23 {
		w.SupportUsers = append(w.SupportUsers, world.SupportUser{ID: int64(200 + i), Name: fmt.Sprintf("Pat Walker %d", i), Email: fmt.Sprintf("pat%d@example.com", i), CreatedAt: t0, UpdatedAt: t0})
	}
	s := newSim(t, FromWorld(w))
	var seen []int64
	next := "/api/v2/users/search.json?query=walker&per_page=5"
	pages := 0
	for next != "" {
		pages++
		var page api.UsersPage
		s.mustGet(t, next).decode(t, &page)
		if page.Count != 23 {
			t.Fatalf("count %d, want 23", page.Count)
		}
		if pages > 1 && page.PreviousPage == nil {
			t.Errorf("page %d has no previous_page", pages)
		}
		for _, u := range page.Users {
			seen = append(seen, u.ID)
		}
		next = ""
		if page.NextPage != nil {
			next = *page.NextPage
			if !strings.HasPrefix(next, s.srv.URL) {
				t.Fatalf("next_page %q is not on the request's host %s", next, s.srv.URL)
			}
		}
	}
	if pages != 5 || len(seen) != 23 || !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != 23 {
		t.Errorf("walked %d pages, users %v: want 5 pages of 23 distinct users", pages, seen)
	}
	// per_page above 100 is served as 100; offset paging stops at 10,000.
	var page api.UsersPage
	s.mustGet(t, "/api/v2/users/search.json?query=walker&per_page=500").decode(t, &page)
	if len(page.Users) != 23 {
		t.Errorf("per_page=500 served %d users", len(page.Users))
	}
	for _, bad := range []string{"page=0", "page=x", "per_page=0", "page=101&per_page=100"} {
		r := s.get(t, "/api/v2/users/search.json?query=walker&"+bad)
		if r.status != http.StatusBadRequest || r.json(t)["error"] != api.ErrInvalidPaging {
			t.Errorf("%s: status %d %s, want 400 InvalidPaginationParameter", bad, r.status, r.body)
		}
	}
}

func TestShowManyUsers(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	got := userIDs(t, s.mustGet(t, "/api/v2/users/show_many.json?ids=103,101,999,101"))
	if !reflect.DeepEqual(got, []int64{103, 101}) {
		t.Errorf("show_many users %v, want [103 101] (unknown ids absent, no repeats)", got)
	}
	got = userIDs(t, s.mustGet(t, "/api/v2/users/show_many.json?external_ids=ct-1"))
	if !reflect.DeepEqual(got, []int64{101}) {
		t.Errorf("show_many by external id: %v", got)
	}
	r := s.get(t, "/api/v2/users/show_many.json?ids="+idList(101))
	if r.status != http.StatusBadRequest || !strings.Contains(r.json(t)["description"].(string), "at most 100") {
		t.Errorf("101 ids: status %d %s, want 400 naming the limit", r.status, r.body)
	}
	r = s.get(t, "/api/v2/users/show_many.json?ids=1,x")
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), `\"x\"`) {
		t.Errorf("bad id: status %d %s, want 400 naming x", r.status, r.body)
	}
	st := s.h.Stats().Snapshot()[System]["users.show_many"]
	if st.Calls != 4 || !reflect.DeepEqual(st.KeysPerCall, []int{4, 1, 101, 2}) {
		t.Errorf("users.show_many stats: calls %d keys per call %v", st.Calls, st.KeysPerCall)
	}
}

// walkCursor follows links.next (or links.prev when backward) from the
// first request and returns the ticket ids in order.
func walkCursor(t *testing.T, s *sim, first string, backward bool) ([]int64, int) {
	t.Helper()
	var ids []int64
	next, pages := first, 0
	for next != "" && pages < 50 {
		pages++
		var page api.TicketsCursorPage
		s.mustGet(t, next).decode(t, &page)
		got := []int64{}
		for _, tk := range page.Tickets {
			got = append(got, tk.ID)
		}
		if backward {
			ids = append(got, ids...)
		} else {
			ids = append(ids, got...)
		}
		next = ""
		link := page.Links.Next
		if backward {
			link = page.Links.Prev
		}
		if page.Meta.HasMore && link != nil {
			next = *link
		}
	}
	return ids, pages
}

func TestRequestedTicketsCursorPaging(t *testing.T) {
	w := testWorld()
	s := newSim(t, FromWorld(w))
	// User 103 has 7 tickets; the expected order is by updated_at
	// descending, ties by id descending.
	var want []*api.Ticket
	for _, tk := range FromWorld(w).Tickets {
		if tk.RequesterID == 103 {
			want = append(want, &tk)
		}
	}
	sortTickets(want, cursorSortKeys["updated_at"], true)
	var wantIDs []int64
	for _, tk := range want {
		wantIDs = append(wantIDs, tk.ID)
	}
	got, pages := walkCursor(t, s, "/api/v2/users/103/tickets/requested.json?page[size]=3&sort=-updated_at", false)
	if !reflect.DeepEqual(got, wantIDs) || pages != 3 {
		t.Errorf("forward walk: %v in %d pages, want %v in 3", got, pages, wantIDs)
	}

	// Backward from the last page through links.prev gives the same list.
	var last api.TicketsCursorPage
	first := "/api/v2/users/103/tickets/requested.json?page[size]=3&sort=-updated_at"
	s.mustGet(t, first).decode(t, &last)
	for last.Meta.HasMore {
		p := *last.Links.Next
		last = api.TicketsCursorPage{}
		s.mustGet(t, p).decode(t, &last)
	}
	back, _ := walkCursor(t, s, *last.Links.Prev, true)
	lastIDs := []int64{}
	for _, tk := range last.Tickets {
		lastIDs = append(lastIDs, tk.ID)
	}
	if all := append(back, lastIDs...); !reflect.DeepEqual(all, wantIDs) {
		t.Errorf("backward walk: %v, want %v", all, wantIDs)
	}

	// Default sort is by id; a user without tickets gets an empty page.
	got, _ = walkCursor(t, s, "/api/v2/users/103/tickets/requested.json?page[size]=100", false)
	if !slices.IsSorted(got) || len(got) != 7 {
		t.Errorf("default sort: %v", got)
	}
	var empty api.TicketsCursorPage
	s.mustGet(t, "/api/v2/users/104/tickets/requested.json?page[size]=10").decode(t, &empty)
	if len(empty.Tickets) != 0 || empty.Meta.HasMore || empty.Meta.AfterCursor != nil || empty.Links.Next != nil {
		t.Errorf("empty page: %+v", empty)
	}

	var p api.TicketsCursorPage
	s.mustGet(t, "/api/v2/users/103/tickets/requested.json?page[size]=2&sort=updated_at").decode(t, &p)
	bad := map[string]string{
		"page[size]=0":              "page[size]",
		"page[size]=101":            "page[size]",
		"page[size]=abc":            "page[size]",
		"page[size]=2&sort=subject": "sort",
		// Zendesk documents created_at for offset paging's sort_by only.
		"page[size]=2&sort=-created_at":                   "sort",
		"page[after]=zz":                                  "page[after]",
		"page[after]=" + *p.Meta.AfterCursor + "&sort=id": "issued for sort",
		"page[after]=" + *p.Meta.AfterCursor + "&page[before]=" + *p.Meta.BeforeCursor + "&sort=updated_at": "together",
	}
	for q, mention := range bad {
		r := s.get(t, "/api/v2/users/103/tickets/requested.json?"+q)
		if r.status != http.StatusBadRequest || r.json(t)["error"] != api.ErrInvalidPaging || !strings.Contains(string(r.body), mention) {
			t.Errorf("%s: status %d %s, want 400 InvalidPaginationParameter mentioning %q", q, r.status, r.body, mention)
		}
	}
	if r := s.get(t, "/api/v2/users/999/tickets/requested.json"); r.status != http.StatusNotFound {
		t.Errorf("unknown user: status %d", r.status)
	}
}

func TestRequestedTicketsOffsetPaging(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	var all []int64
	next := "/api/v2/users/103/tickets/requested.json?per_page=2&sort_by=created_at&sort_order=desc"
	for next != "" {
		var page api.TicketsPage
		s.mustGet(t, next).decode(t, &page)
		if page.Count != 7 {
			t.Fatalf("count %d, want 7", page.Count)
		}
		for _, tk := range page.Tickets {
			all = append(all, tk.ID)
		}
		next = ""
		if page.NextPage != nil {
			next = *page.NextPage
		}
	}
	want := []int64{1015, 1014, 1013, 1012, 1011, 1010, 1009}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("offset walk %v, want %v", all, want)
	}
	r := s.get(t, "/api/v2/users/103/tickets/requested.json?sort_by=subject")
	if r.status != http.StatusBadRequest {
		t.Errorf("bad sort_by: status %d", r.status)
	}
}

func TestAuthRejections(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	cases := map[string]func(*http.Request){
		"none":          nil,
		"wrong token":   func(r *http.Request) { r.SetBasicAuth(DemoCredentials.Email+"/token", "nope") },
		"wrong email":   func(r *http.Request) { r.SetBasicAuth("someone@else.example/token", DemoCredentials.APIToken) },
		"password form": func(r *http.Request) { r.SetBasicAuth(DemoCredentials.Email, DemoCredentials.APIToken) },
		"wrong bearer":  func(r *http.Request) { r.Header.Set("Authorization", "Bearer nope") },
		"token as bearer": func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+DemoCredentials.APIToken)
		},
	}
	for name, auth := range cases {
		r := s.do(t, http.MethodGet, "/api/v2/users/101.json", "", auth)
		if r.status != http.StatusUnauthorized || strings.TrimSpace(string(r.body)) != `{"error":"Couldn't authenticate you"}` {
			t.Errorf("%s: status %d body %s, want Zendesk's 401", name, r.status, r.body)
		}
	}
	ok := map[string]func(*http.Request){
		"api token": basic,
		"email in other case": func(r *http.Request) {
			r.SetBasicAuth(strings.ToUpper(DemoCredentials.Email)+"/token", DemoCredentials.APIToken)
		},
		"oauth": func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+DemoCredentials.OAuthToken) },
	}
	for name, auth := range ok {
		if r := s.do(t, http.MethodGet, "/api/v2/users/101.json", "", auth); r.status != http.StatusOK {
			t.Errorf("%s: status %d %s", name, r.status, r.body)
		}
	}
}

func TestRateLimitStormGivesZendeskBody(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	if err := s.h.Faults().Add(harness.Fault{System: System, Endpoint: "users.search", RateLimitRate: 1, RetryAfter: 7}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		r := s.get(t, "/api/v2/users/search.json?query=bob")
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "7" || string(r.body) != api.RateLimitBody {
			t.Fatalf("status %d Retry-After %q body %q, want 429, 7 and Zendesk's text", r.status, r.header.Get("Retry-After"), r.body)
		}
	}
	// Other endpoints are not affected.
	s.mustGet(t, "/api/v2/users/101.json")
	if got := s.h.Stats().Snapshot()[System]["users.search"].Statuses[http.StatusTooManyRequests]; got != 3 {
		t.Errorf("429s counted %d, want 3", got)
	}

	// An injected 503 carries a Zendesk JSON body.
	if err := s.h.Faults().Add(harness.Fault{System: System, Endpoint: "users.show", ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	r := s.get(t, "/api/v2/users/101.json")
	if m := r.json(t); r.status != 503 || m["error"] != "ServiceUnavailable" {
		t.Errorf("injected 503: %d %s", r.status, r.body)
	}
}

func TestStatsCountKeysPerCall(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	s.mustGet(t, "/api/v2/users/search.json?query=email:bob@example.com")
	s.mustGet(t, "/api/v2/users/101/tickets/requested.json")
	s.mustGet(t, "/api/v2/tickets/show_many.json?ids=1001,1002,1003")
	s.mustGet(t, "/api/v2/users/102.json")
	s.do(t, http.MethodGet, "/api/v2/users/102.json", "", nil) // rejected: counted as a call, no keys
	snap := s.h.Stats().Snapshot()[System]
	want := map[string][]int{
		"users.search":      {1},
		"tickets.requested": {1},
		"tickets.show_many": {3},
		"users.show":        {1},
	}
	for ep, keys := range want {
		if !reflect.DeepEqual(snap[ep].KeysPerCall, keys) {
			t.Errorf("%s keys per call %v, want %v", ep, snap[ep].KeysPerCall, keys)
		}
	}
	if snap["users.show"].Calls != 2 || snap["users.show"].Statuses[401] != 1 {
		t.Errorf("users.show: %+v", snap["users.show"])
	}
}

func TestHandWrittenFixtureLoadsAndIsServed(t *testing.T) {
	d, err := Load(filepath.Join("testdata", "fixture"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Users) != 2 || len(d.Tickets) != 2 {
		t.Fatalf("loaded %d users and %d tickets", len(d.Users), len(d.Tickets))
	}
	s := newSim(t, d)
	var u api.UserResponse
	s.mustGet(t, "/api/v2/users/502.json").decode(t, &u)
	if u.User.IANATimeZone != "America/New_York" || u.User.LocaleID != 1 || u.User.Tags == nil || u.User.URL != s.srv.URL+"/api/v2/users/502.json" {
		t.Errorf("user 502 not completed from the fixture: %+v", u.User)
	}
	if got := userIDs(t, s.mustGet(t, "/api/v2/users/search.json?query=phone:*2125550142")); !reflect.DeepEqual(got, []int64{502}) {
		t.Errorf("phone search on the fixture: %v", got)
	}
	var page api.TicketsPage
	s.mustGet(t, "/api/v2/users/501/tickets/requested.json").decode(t, &page)
	if len(page.Tickets) != 2 || page.Tickets[1].SatisfactionRating == nil || page.Tickets[1].SatisfactionRating.Score != "good" ||
		page.Tickets[1].Via.Channel != "chat" || page.Tickets[0].CollaboratorIDs == nil {
		t.Errorf("fixture tickets: %+v", page.Tickets)
	}
}

func TestLoadErrorsNameTheFile(t *testing.T) {
	cases := map[string]string{
		"users.json":   `{"id": 1}`,
		"tickets.json": `[{"id": 1, "requester_id": 0}]`,
	}
	for file, content := range cases {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, System), 0o755)
		os.WriteFile(filepath.Join(dir, System, file), []byte(content), 0o644)
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("%s %s: error %v, want one naming the file", file, content, err)
		}
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, System), 0o755)
	os.WriteFile(filepath.Join(dir, System, usersFile), []byte(`[{"id":5},{"id":5}]`), 0o644)
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "duplicate user id 5") {
		t.Errorf("duplicate ids: %v", err)
	}
	// A directory without the files is an empty account.
	d, err := Load(t.TempDir())
	if err != nil || len(d.Users) != 0 || len(d.Tickets) != 0 {
		t.Errorf("empty dir: %v %+v", err, d)
	}
}

func TestLoadWriteRoundTrip(t *testing.T) {
	d := FromWorld(testWorld())
	dir := t.TempDir()
	if err := d.Write(dir); err != nil {
		t.Fatal(err)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, d) {
		t.Errorf("round trip changed the data")
	}
	first, _ := os.ReadFile(filepath.Join(dir, System, ticketsFile))
	if err := back.Write(dir); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(filepath.Join(dir, System, ticketsFile))
	if string(first) != string(second) || !strings.Contains(string(first), "\n  {\n") {
		t.Errorf("writes are not deterministic and indented")
	}
}

func TestFromWorld(t *testing.T) {
	w := testWorld()
	d := FromWorld(w)
	if len(d.Users) != len(w.SupportUsers)+1 || len(d.Tickets) != len(w.Tickets) {
		t.Fatalf("%d users, %d tickets", len(d.Users), len(d.Tickets))
	}
	agent := d.Users[len(d.Users)-1]
	if agent.Role != api.RoleAgent || *agent.Email != DemoCredentials.Email || agent.ID != 106 {
		t.Errorf("agent user %+v", agent)
	}
	alice := d.Users[0]
	if *alice.Email != "Alice.Smith@Example.com" || *alice.Phone != "+44 7700 900123" || alice.TimeZone != "London" || alice.IANATimeZone != "Europe/London" || *alice.ExternalID != "CT-1" {
		t.Errorf("alice %+v", alice)
	}
	if dan := d.Users[3]; dan.Email != nil || dan.Phone != nil || dan.Verified {
		t.Errorf("a user without email or phone: %+v", dan)
	}
	for i, tk := range d.Tickets {
		wt := w.Tickets[i]
		if tk.ID != wt.ID || string(tk.Via.Channel) != wt.Channel || tk.Status != wt.Status || tk.RequesterID != wt.RequesterID {
			t.Errorf("ticket %d differs from the world: %+v", wt.ID, tk)
		}
		if (wt.Satisfaction.Score == "") != (tk.SatisfactionRating == nil) {
			t.Errorf("ticket %d satisfaction %+v from %+v", wt.ID, tk.SatisfactionRating, wt.Satisfaction)
		}
		if (tk.AssigneeID == nil) != (wt.Status == api.StatusNew) {
			t.Errorf("ticket %d (%s) assignee %v", wt.ID, wt.Status, tk.AssigneeID)
		}
		if wt.Channel == "email" && (tk.Via.Source.From.Address != "Alice.Smith@Example.com" && tk.Via.Source.From.Address != "bob@example.com" && tk.Via.Source.From.Address != "carla@example.es" || *tk.Recipient != SupportAddress) {
			t.Errorf("email ticket %d via %+v", wt.ID, tk.Via)
		}
		if (wt.Priority == "") != (tk.Priority == nil) || (wt.Type == "") != (tk.Type == nil) {
			t.Errorf("ticket %d priority/type %v %v", wt.ID, tk.Priority, tk.Type)
		}
	}
}

func TestTicketWrites(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	post := func(body string) reply {
		return s.do(t, http.MethodPost, "/api/v2/tickets.json", body, basic)
	}
	r := post(`{"ticket":{"subject":"Lamp flickers","comment":{"body":"It flickers."},"requester_id":102,"priority":"high"}}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	var created api.TicketResponse
	r.decode(t, &created)
	tk := created.Ticket
	if tk.ID != 1016 || tk.Status != "new" || tk.Description != "It flickers." || *tk.Priority != "high" || tk.Via.Channel != "api" || tk.SubmitterID != 106 || tk.AssigneeID != nil {
		t.Errorf("created %+v", tk)
	}
	if r.header.Get("Location") != tk.URL || tk.URL != s.srv.URL+"/api/v2/tickets/1016.json" {
		t.Errorf("Location %q url %q", r.header.Get("Location"), tk.URL)
	}
	var page api.TicketsPage
	s.mustGet(t, "/api/v2/users/102/tickets/requested.json").decode(t, &page)
	if page.Count != 6 || page.Tickets[5].ID != 1016 {
		t.Errorf("the new ticket is not listed: count %d", page.Count)
	}

	// A requester given by email is found, or created as an end user.
	r = post(`{"ticket":{"comment":{"body":"Hi"},"requester":{"name":"New Person","email":"new.person@example.com"}}}`)
	r.decode(t, &created)
	if r.status != 201 || created.Ticket.RequesterID != 107 {
		t.Fatalf("create with a new requester: %d %s", r.status, r.body)
	}
	if got := userIDs(t, s.mustGet(t, "/api/v2/users/search.json?query=email:NEW.PERSON@example.com")); !reflect.DeepEqual(got, []int64{107}) {
		t.Errorf("created requester not searchable: %v", got)
	}

	put := func(id, body string) reply {
		return s.do(t, http.MethodPut, "/api/v2/tickets/"+id+".json", body, basic)
	}
	r = put("1016", `{"ticket":{"status":"solved","comment":{"body":"Replaced the bulb.","public":true}}}`)
	var upd api.TicketUpdateResponse
	r.decode(t, &upd)
	if r.status != 200 || upd.Ticket.Status != "solved" || upd.Ticket.AssigneeID == nil || *upd.Ticket.AssigneeID != 106 || len(upd.Audit.Events) != 3 || upd.Audit.Events[0].FieldName != "status" {
		t.Errorf("update: %d %s", r.status, r.body)
	}
	var shown api.TicketResponse
	s.mustGet(t, "/api/v2/tickets/1016.json").decode(t, &shown)
	if shown.Ticket.Status != "solved" {
		t.Errorf("the update was not kept: %s", shown.Ticket.Status)
	}

	invalid := []struct{ method, id, body, field string }{
		{"POST", "", `{"ticket":{"subject":"no body"}}`, "description"},
		{"POST", "", `{"ticket":{"comment":{"body":"x"},"requester_id":424242}}`, "requester"},
		{"POST", "", `{"ticket":{"comment":{"body":"x"},"status":"done"}}`, "status"},
		{"PUT", "1016", `{"ticket":{"status":"new"}}`, "status"},
		{"PUT", "1016", `{"ticket":{"priority":"asap"}}`, "priority"},
		{"PUT", "1014", `{"ticket":{"status":"open"}}`, "status"}, // 1014 is closed
	}
	for _, c := range invalid {
		var r reply
		if c.method == "POST" {
			r = post(c.body)
		} else {
			r = put(c.id, c.body)
		}
		m := r.json(t)
		details, _ := m["details"].(map[string]any)
		if r.status != http.StatusUnprocessableEntity || m["error"] != "RecordInvalid" || details[c.field] == nil {
			t.Errorf("%s %s: %d %s, want 422 RecordInvalid on %s", c.method, c.body, r.status, r.body, c.field)
		}
	}
	if r := put("424242", `{"ticket":{"status":"open"}}`); r.status != http.StatusNotFound {
		t.Errorf("unknown ticket: %d", r.status)
	}
	if r := post(`{"ticket":`); r.status != http.StatusBadRequest {
		t.Errorf("broken JSON: %d", r.status)
	}
}

// FuzzParseQuery: the search parser reads outside input; it must not panic,
// and whatever it accepts must run against a user.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"email:a@b.c", `name:"Bob Jones" role:end-user`, "phone:*7700900123", `"unbalanced`, "type:user x:y", "::", `a:"b`, "smi*"} {
		f.Add(s)
	}
	email, phone := "A@b.c", "+44 7700 900123"
	u := &api.User{Name: "Bob Jones", Email: &email, Phone: &phone, Role: api.RoleEndUser}
	f.Fuzz(func(t *testing.T, q string) {
		if uq, err := compileUserQuery(q, false); err == nil {
			_ = uq.matches(u)
		}
	})
}

// walkUsers follows links.next of the users list from first and returns
// the user ids in order and the after_cursor of every page.
func walkUsers(t *testing.T, s *sim, first string) (ids []int64, cursors []string) {
	t.Helper()
	next := first
	for pages := 0; next != ""; pages++ {
		if pages > 50 {
			t.Fatal("the users list does not end")
		}
		var page api.UsersCursorPage
		s.mustGet(t, next).decode(t, &page)
		for _, u := range page.Users {
			ids = append(ids, u.ID)
		}
		next = ""
		if page.Meta.HasMore {
			if page.Links.Next == nil || page.Meta.AfterCursor == nil {
				t.Fatalf("has_more without links.next and after_cursor: %+v %+v", page.Meta, page.Links)
			}
			next = *page.Links.Next
			cursors = append(cursors, *page.Meta.AfterCursor)
		}
	}
	return ids, cursors
}

func TestUsersListCursorPaging(t *testing.T) {
	w := testWorld()
	// Stored out of id order, and more of them.
	for i := range 20 {
		w.SupportUsers = append(w.SupportUsers, world.SupportUser{ID: int64(300 - i), Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i), CreatedAt: t0, UpdatedAt: t0})
	}
	d := FromWorld(w)
	s := newSim(t, d)
	var all, endUsers []int64
	for _, u := range d.Users {
		all = append(all, u.ID)
		if u.Role == api.RoleEndUser {
			endUsers = append(endUsers, u.ID)
		}
	}
	slices.Sort(all)
	slices.Sort(endUsers)
	if len(all) == len(endUsers) {
		t.Fatal("the test world has no agent")
	}

	got, cursors := walkUsers(t, s, "/api/v2/users.json?page[size]=4")
	if !slices.Equal(got, all) {
		t.Fatalf("every user:\n got %v\nwant %v", got, all)
	}
	got, _ = walkUsers(t, s, "/api/v2/users.json?role=end-user&page[size]=3")
	if !slices.Equal(got, endUsers) {
		t.Fatalf("end users:\n got %v\nwant %v", got, endUsers)
	}
	got, _ = walkUsers(t, s, "/api/v2/users.json?role[]=agent&role[]=admin&page[size]=3")
	if len(got) != len(all)-len(endUsers) {
		t.Fatalf("agents and admins: %v", got)
	}
	// An after_cursor on its own, with another page size, continues after
	// the users already seen.
	rest, _ := walkUsers(t, s, "/api/v2/users.json?page[size]=7&page[after]="+cursors[1])
	if !slices.Equal(rest, all[8:]) {
		t.Fatalf("from the second cursor:\n got %v\nwant %v", rest, all[8:])
	}
	// Past the end: an empty last page.
	var last api.UsersCursorPage
	s.mustGet(t, "/api/v2/users.json?page[size]=5&page[after]="+encodeUserCursor(all[len(all)-1])).decode(t, &last)
	if len(last.Users) != 0 || last.Meta.HasMore || last.Meta.AfterCursor != nil || last.Links.Next != nil {
		t.Fatalf("past the end: %+v", last)
	}
	// Backwards from the third page gives the first two.
	var third api.UsersCursorPage
	s.mustGet(t, "/api/v2/users.json?page[size]=4&page[after]="+cursors[1]).decode(t, &third)
	var prev api.UsersCursorPage
	s.mustGet(t, *third.Links.Prev).decode(t, &prev)
	if len(prev.Users) != 4 || prev.Users[0].ID != all[4] || !prev.Meta.HasMore {
		t.Fatalf("prev of the third page: %+v", prev.Meta)
	}
	// Offset style without page[size].
	if ids := userIDs(t, s.mustGet(t, "/api/v2/users.json?per_page=5&page=2")); !slices.Equal(ids, all[5:10]) {
		t.Fatalf("offset page 2: %v", ids)
	}

	for path, want := range map[string]string{
		"/api/v2/users.json?page[size]=4&page[after]=garbage": "page[after] is not a cursor",
		"/api/v2/users.json?page[size]=0":                     "page[size] must be",
		"/api/v2/users.json?page[size]=101":                   "page[size] must be",
		"/api/v2/users.json?role=customer":                    `role "customer" is not valid`,
		"/api/v2/users.json?page[size]=4&sort=name":           `sort "name" is not valid`,
	} {
		r := s.get(t, path)
		var e api.Error
		r.decode(t, &e)
		if r.status != 400 || !strings.Contains(e.Description, want) {
			t.Errorf("%s: %d %+v, want 400 saying %q", path, r.status, e, want)
		}
	}
}
