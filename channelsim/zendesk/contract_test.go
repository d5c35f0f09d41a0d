package zendesk

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
)

// Zendesk publishes no machine-readable spec. The contract is its
// documented shapes plus two responses captured from a real account
// (testdata/vendor-specs/zendesk-examples): every served record must have
// the same keys as the captured one, with the same JSON types, recursively.

var (
	examplesOnce sync.Once
	examples     map[string]map[string]any
	examplesErr  error
)

func example(t *testing.T, name string) map[string]any {
	t.Helper()
	examplesOnce.Do(func() {
		examples = map[string]map[string]any{}
		dir := filepath.Join("..", "..", "testdata", "vendor-specs", "zendesk-examples")
		for _, f := range []string{"GET-search-user.json", "GET-users-id-tickets-requested.json"} {
			b, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				examplesErr = err
				return
			}
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				examplesErr = fmt.Errorf("%s: %v", f, err)
				return
			}
			examples[f] = m
		}
	})
	if examplesErr != nil {
		t.Fatalf("loading Zendesk examples: %v", examplesErr)
	}
	return examples[name]
}

// documentedTypes are the JSON types Zendesk's reference gives for keys the
// captured examples happen to show as null.
var documentedTypes = map[string]string{
	"external_id": "string", "type": "string", "priority": "string", "recipient": "string",
	"due_at": "string", "forum_topic_id": "number", "problem_id": "number",
	"satisfaction_rating": "object", "satisfaction_probability": "number",
	"phone": "string", "shared_phone_number": "bool", "photo": "object",
	"two_factor_auth_enabled": "bool", "role_type": "number", "custom_role_id": "number",
	"ticket_restriction": "string", "rel": "string", "facets": "string",
	"next_page": "string", "previous_page": "string",
}

// nullableKeys may be null although the captured examples show a value:
// the examples are of an admin and of assigned tickets, while Zendesk's
// reference documents these as empty for end users without an email, phone,
// organization or login, and for tickets no agent has taken yet.
var nullableKeys = map[string]bool{
	"email": true, "phone": true, "organization_id": true, "default_group_id": true,
	"last_login_at": true, "assignee_id": true,
}

// looseObjects are compared as objects only: user_fields holds an
// account's own custom fields, and via.source.from/to differ by channel.
type shapeOpts struct{ looseObjects map[string]bool }

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return fmt.Sprintf("%T", v)
}

// shapeDiff lists where got's shape differs from the example's.
func shapeDiff(path string, ex, got any, o shapeOpts) []string {
	key := path[strings.LastIndex(path, ".")+1:]
	if i := strings.Index(key, "["); i >= 0 {
		key = key[:i]
	}
	et, gt := jsonType(ex), jsonType(got)
	switch {
	case et == "null" && gt == "null":
		return nil
	case et == "null":
		if want, ok := documentedTypes[key]; ok && want != gt {
			return []string{fmt.Sprintf("%s: Zendesk documents a %s, got %s", path, want, gt)}
		}
		return nil
	case gt == "null":
		if nullableKeys[key] {
			return nil
		}
		return []string{fmt.Sprintf("%s: null where Zendesk sends a %s", path, et)}
	case et != gt:
		return []string{fmt.Sprintf("%s: %s where Zendesk sends a %s", path, gt, et)}
	}
	var out []string
	switch e := ex.(type) {
	case map[string]any:
		if o.looseObjects[key] {
			return nil
		}
		g := got.(map[string]any)
		for k, ev := range e {
			gv, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			out = append(out, shapeDiff(path+"."+k, ev, gv, o)...)
		}
		for k := range g {
			if _, ok := e[k]; !ok {
				out = append(out, fmt.Sprintf("%s.%s: a key Zendesk does not send", path, k))
			}
		}
	case []any:
		g := got.([]any)
		if len(e) > 0 {
			for i, gv := range g {
				out = append(out, shapeDiff(fmt.Sprintf("%s[%d]", path, i), e[0], gv, o)...)
			}
		}
	case float64:
		if e == math.Trunc(e) && got.(float64) != math.Trunc(got.(float64)) {
			out = append(out, fmt.Sprintf("%s: %v where Zendesk sends an integer", path, got))
		}
	}
	sort.Strings(out)
	return out
}

func assertShape(t *testing.T, what string, ex, got any, o shapeOpts) {
	t.Helper()
	for _, d := range shapeDiff(what, ex, got, o) {
		t.Error(d)
	}
}

func userOpts() shapeOpts { return shapeOpts{looseObjects: map[string]bool{"user_fields": true}} }

// ticketExample picks the captured ticket of the same kind: the email one
// for email tickets (from/to carry addresses), the web one otherwise, where
// from/to are compared as objects only.
func ticketExample(t *testing.T, ticket map[string]any) (map[string]any, shapeOpts) {
	ex := example(t, "GET-users-id-tickets-requested.json")["tickets"].([]any)
	channel := ticket["via"].(map[string]any)["channel"]
	switch channel {
	case "email":
		return ex[0].(map[string]any), shapeOpts{}
	case "web":
		return ex[1].(map[string]any), shapeOpts{}
	}
	return ex[1].(map[string]any), shapeOpts{looseObjects: map[string]bool{"from": true, "to": true}}
}

func assertSatisfaction(t *testing.T, path string, v any) {
	t.Helper()
	if v == nil {
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: not an object: %v", path, v)
		return
	}
	want := map[string]string{"id": "number", "score": "string", "comment": "string"}
	for k, typ := range want {
		if jsonType(m[k]) != typ {
			t.Errorf("%s.%s: want a %s, got %v", path, k, typ, m[k])
		}
	}
	if len(m) != len(want) {
		t.Errorf("%s: keys %v, want id, score, comment", path, m)
	}
	if s, _ := m["score"].(string); !slices.Contains([]string{"offered", "unoffered", "good", "bad"}, s) {
		t.Errorf("%s.score: %q is not a Zendesk score", path, s)
	}
}

func TestContractUsersSearch(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	ex := example(t, "GET-search-user.json")
	exUser := map[string]any{}
	for k, v := range ex["results"].([]any)[0].(map[string]any) {
		if k != "result_type" {
			exUser[k] = v
		}
	}

	// users/search: {"users": [...], next_page, previous_page, count}
	got := s.mustGet(t, "/api/v2/users/search.json?query=smith&per_page=2").json(t)
	for _, k := range []string{"next_page", "previous_page", "count"} {
		assertShape(t, "users/search."+k, ex[k], got[k], shapeOpts{})
	}
	if len(got) != 4 {
		t.Errorf("users/search keys %v, want users, next_page, previous_page, count", keys(got))
	}
	users := got["users"].([]any)
	if len(users) != 2 || got["next_page"] == nil {
		t.Fatalf("want a first page of 2 users with a next page, got %d users, next_page %v", len(users), got["next_page"])
	}
	for i, u := range users {
		assertShape(t, fmt.Sprintf("users/search.users[%d]", i), exUser, u, userOpts())
	}

	// search.json: exactly the captured response's shape.
	got = s.mustGet(t, "/api/v2/search.json?query=type:user+email:bob@example.com").json(t)
	assertShape(t, "search", ex, got, userOpts())
	if got["count"].(float64) != 1 {
		t.Errorf("search count %v, want 1", got["count"])
	}

	// every user of the account, one by one and in a batch
	for _, path := range []string{"/api/v2/users/101.json", "/api/v2/users/104"} {
		got = s.mustGet(t, path).json(t)
		assertShape(t, path, exUser, got["user"], userOpts())
	}
	got = s.mustGet(t, "/api/v2/users/show_many.json?ids=101,102,103,104,105").json(t)
	for i, u := range got["users"].([]any) {
		assertShape(t, fmt.Sprintf("show_many.users[%d]", i), exUser, u, userOpts())
	}

	// users.json, cursor style: users as the captured ones, documented
	// meta and links.
	got = s.mustGet(t, "/api/v2/users.json?role=end-user&page[size]=2").json(t)
	if len(got) != 3 {
		t.Errorf("users list keys %v, want users, meta, links", keys(got))
	}
	meta, _ := got["meta"].(map[string]any)
	links, _ := got["links"].(map[string]any)
	if meta["has_more"] != true || jsonType(meta["after_cursor"]) != "string" || jsonType(meta["before_cursor"]) != "string" || len(meta) != 3 {
		t.Errorf("users list meta %v: want has_more (true), after_cursor and before_cursor (strings)", meta)
	}
	if jsonType(links["next"]) != "string" || jsonType(links["prev"]) != "string" || len(links) != 2 {
		t.Errorf("users list links %v: want next and prev URLs", links)
	}
	listed := got["users"].([]any)
	if len(listed) != 2 {
		t.Fatalf("users list: %d users, want 2", len(listed))
	}
	for i, u := range listed {
		assertShape(t, fmt.Sprintf("users.users[%d]", i), exUser, u, userOpts())
	}
	// users.json, offset style: the captured envelope.
	got = s.mustGet(t, "/api/v2/users.json?per_page=2").json(t)
	for _, k := range []string{"next_page", "previous_page", "count"} {
		assertShape(t, "users."+k, ex[k], got[k], shapeOpts{})
	}
	for i, u := range got["users"].([]any) {
		assertShape(t, fmt.Sprintf("users offset.users[%d]", i), exUser, u, userOpts())
	}
}

func TestContractRequestedTickets(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	ex := example(t, "GET-users-id-tickets-requested.json")
	channels := map[string]bool{}
	for _, uid := range []string{"101", "102", "103"} {
		// offset style: the captured response's envelope
		got := s.mustGet(t, "/api/v2/users/"+uid+"/tickets/requested.json").json(t)
		for _, k := range []string{"next_page", "previous_page", "count"} {
			assertShape(t, "requested."+k, ex[k], got[k], shapeOpts{})
		}
		if len(got) != 4 {
			t.Errorf("requested keys %v, want tickets, next_page, previous_page, count", keys(got))
		}
		for i, tk := range got["tickets"].([]any) {
			m := tk.(map[string]any)
			channels[m["via"].(map[string]any)["channel"].(string)] = true
			exT, o := ticketExample(t, m)
			path := fmt.Sprintf("user %s tickets[%d]", uid, i)
			assertShape(t, path, exT, m, o)
			assertSatisfaction(t, path+".satisfaction_rating", m["satisfaction_rating"])
		}

		// cursor style: documented meta and links
		got = s.mustGet(t, "/api/v2/users/"+uid+"/tickets/requested.json?page[size]=2").json(t)
		if len(got) != 3 {
			t.Errorf("cursor page keys %v, want tickets, meta, links", keys(got))
		}
		meta, _ := got["meta"].(map[string]any)
		links, _ := got["links"].(map[string]any)
		if jsonType(meta["has_more"]) != "bool" || jsonType(meta["after_cursor"]) != "string" || jsonType(meta["before_cursor"]) != "string" || len(meta) != 3 {
			t.Errorf("meta %v: want has_more (bool), after_cursor and before_cursor (strings)", meta)
		}
		if jsonType(links["next"]) != "string" || jsonType(links["prev"]) != "string" || len(links) != 2 {
			t.Errorf("links %v: want next and prev URLs", links)
		}
		for i, tk := range got["tickets"].([]any) {
			exT, o := ticketExample(t, tk.(map[string]any))
			assertShape(t, fmt.Sprintf("cursor tickets[%d]", i), exT, tk, o)
		}
	}
	if len(channels) < 5 {
		t.Errorf("the test world should cover several channels, served %v", channels)
	}

	got := s.mustGet(t, "/api/v2/tickets/show_many.json?ids=1001,1002,1003").json(t)
	for i, tk := range got["tickets"].([]any) {
		exT, o := ticketExample(t, tk.(map[string]any))
		assertShape(t, fmt.Sprintf("tickets/show_many[%d]", i), exT, tk, o)
	}
	got = s.mustGet(t, "/api/v2/tickets/1001.json").json(t)
	exT, o := ticketExample(t, got["ticket"].(map[string]any))
	assertShape(t, "tickets/1001", exT, got["ticket"], o)
}

func TestContractErrorBodies(t *testing.T) {
	s := newSim(t, FromWorld(testWorld()))
	cases := []struct {
		name, path string
		auth       func(*http.Request)
		status     int
		body       string // exact JSON, or "" to check the shape only
	}{
		{"no credentials", "/api/v2/users/101.json", nil, 401, `{"error":"Couldn't authenticate you"}`},
		{"unknown user", "/api/v2/users/999999.json", basic, 404, `{"error":"RecordNotFound","description":"Not found"}`},
		{"unknown route", "/api/v2/macros.json", basic, 404, `{"error":"RecordNotFound","description":"Not found"}`},
		{"bad page size", "/api/v2/users/101/tickets/requested.json?page[size]=101", basic, 400, ""},
		{"too many ids", "/api/v2/users/show_many.json?ids=" + idList(101), basic, 400, ""},
		{"bad query", "/api/v2/users/search.json?query=foo:bar", basic, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.do(t, http.MethodGet, c.path, "", c.auth)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.body)
			}
			if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
				t.Errorf("Content-Type %q, want application/json", r.header.Get("Content-Type"))
			}
			if c.body != "" {
				if strings.TrimSpace(string(r.body)) != c.body {
					t.Errorf("body %s, want %s", r.body, c.body)
				}
				return
			}
			m := r.json(t)
			if jsonType(m["error"]) != "string" || jsonType(m["description"]) != "string" || len(m) != 2 {
				t.Errorf("body %s: want Zendesk's {\"error\": code, \"description\": text}", r.body)
			}
		})
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func idList(n int) string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprint(i + 1)
	}
	return strings.Join(ids, ",")
}
