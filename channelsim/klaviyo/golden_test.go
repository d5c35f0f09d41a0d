package klaviyo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/responses.golden from the current answers")

// goldenCall is one call of the golden sequence: a GET unless body is set.
type goldenCall struct {
	path    string
	body    string // a POST body
	headers []string
}

// goldenCalls are the calls whose answers must not change, in order: the
// gateway's queries for events and profiles, other pages, sparse fieldsets,
// other addresses, rejections, and reads after consent changes.
func goldenCalls(d *Data) []goldenCall {
	busy := busiestProfiles(d, 3)
	var ids []string
	for _, p := range d.Profiles[:min(100, len(d.Profiles))] {
		ids = append(ids, p.ID)
	}
	for len(busy) < 3 {
		busy = append(busy, busy...)
	}
	noEvents := "01NOEVENTS0000000000000000"
	has := map[string]bool{}
	for _, e := range d.Events {
		has[e.ProfileID()] = true
	}
	for _, p := range d.Profiles {
		if !has[p.ID] {
			noEvents = p.ID
			break
		}
	}
	ev := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "/api/events?" + v.Encode()
	}
	pf := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "/api/profiles?" + v.Encode()
	}
	var calls []goldenCall
	get := func(path string, headers ...string) {
		calls = append(calls, goldenCall{path: path, headers: headers})
	}
	for _, id := range busy {
		get(eventsQuery(id))
	}
	get(eventsQuery(busy[0])) // again, from what the server kept
	get(eventsQuery(busy[0]), "X-Forwarded-Host", "gw.example:8443", "X-Forwarded-Proto", "https")
	get(eventsQuery(noEvents))
	get(eventsQuery("01NOSUCHPROFILE00000000000"))
	eq := api.Equals("profile_id", busy[1])
	get(ev("filter", eq, "page[size]", "5"))
	get(ev("filter", eq, "page[size]", "5", "page[cursor]", encodeCursor(5), "include", "metric,profile", "sort", "-datetime"))
	get(ev("filter", eq, "page[size]", "7", "page[cursor]", encodeCursor(14), "sort", "datetime"))
	get(ev("filter", eq, "include", "metric", "fields[event]", "event_properties.Subject,datetime", "fields[metric]", "integration.name"))
	get(ev("filter", eq, "include", "metric", "fields[event]", "id", "fields[metric]", "id"))
	get(ev("filter", eq, "include", "metric,profile", "fields[profile]", "email,subscriptions.email.marketing.consent"))
	get(ev("filter", eq, "include", "profile", "fields[event]", "uuid", "page[size]", "3"))
	get(ev("filter", eq))
	get(ev("filter", "equals(metric_id,\""+d.Metrics[0].ID+"\")", "page[size]", "4", "include", "metric"))
	get(ev("filter", "any(metric_id,[\""+d.Metrics[0].ID+"\",\""+d.Metrics[1].ID+"\"])", "page[size]", "4"))
	get(ev("filter", eq+",greater-than(datetime,2025-01-01T00:00:00Z)", "page[size]", "4", "include", "metric"))
	get(ev("page[size]", "3", "include", "metric"))
	get(ev("filter", "equals(profile_id,"))
	get(ev("filter", "equals(email,\"a@b.c\")"))
	get(ev("filter", eq, "include", "lists"))
	get(ev("filter", eq, "fields[event]", "nope"))
	get(ev("filter", eq, "fields[metric]", "nope"))
	get(ev("filter", eq, "page[size]", "0"))
	get(ev("filter", eq, "page[cursor]", "zzz"))
	get(ev("filter", eq, "sort", "uuid"))
	get("/api/events/" + d.Events[0].ID + "?include=metric,profile")
	get("/api/events/" + d.Events[1].ID + "?" + url.Values{"include": {"metric"}, "fields[event]": {"datetime"}, "fields[metric]": {"name"}}.Encode())
	get("/api/events/nope")
	get("/api/metrics")
	get("/api/metrics?" + url.Values{"fields[metric]": {"name,integration"}}.Encode())
	get("/api/metrics/" + d.Metrics[0].ID + "?" + url.Values{"fields[metric]": {"integration.category"}}.Encode())
	get("/api/metrics/" + d.Metrics[1].ID)

	get(profilesQuery(ids))
	get(profilesQuery(ids[:min(10, len(ids))]))
	get(profilesQuery(ids[:min(10, len(ids))]), "X-Forwarded-Host", "gw.example:8443")
	get(pf("filter", api.Any("id", ids[:min(30, len(ids))]), "page[size]", "10", "page[cursor]", encodeCursor(10)))
	get(pf("filter", api.Any("id", ids[:min(30, len(ids))]), "page[size]", "10", "additional-fields[profile]", "subscriptions,predictive_analytics", "sort", "-created"))
	get(pf("filter", api.Any("id", ids[:min(5, len(ids))]), "fields[profile]", "email,subscriptions.email.marketing.consent,location.country", "additional-fields[profile]", "subscriptions"))
	get(pf("filter", api.Any("id", ids[:min(5, len(ids))]), "fields[profile]", "id"))
	get(pf("filter", api.Equals("email", api.Value(d.Profiles[len(d.Profiles)-1].Attributes.Email))))
	get(pf("page[size]", "4"))
	get(pf("filter", api.Any("id", []string{"01NOSUCHPROFILE00000000000"})))
	get(pf("filter", "any(id,[\"x\""))
	get(pf("filter", api.Any("id", ids[:min(3, len(ids))]), "additional-fields[profile]", "nope"))
	get(pf("filter", api.Any("id", ids[:min(3, len(ids))]), "page[size]", "101"))
	get("/api/profiles/" + ids[0] + "?include=lists&additional-fields%5Bprofile%5D=subscriptions")
	get("/api/lists")
	if len(d.Lists) > 0 {
		get("/api/lists/" + d.Lists[0].ID + "/profiles?page%5Bsize%5D=5")
	}
	get("/api/profiles/", "Authorization", "Klaviyo-API-Key pk_wrong")

	// Consent changes, then the same reads again.
	subscribe := func(job, consent string, id string) goldenCall {
		body := `{"data":{"type":"` + job + `","attributes":{"custom_source":"till","profiles":{"data":[{"type":"profile","id":"` + id +
			`","attributes":{"email":` + fmt.Sprintf("%q", api.Value(d.Profiles[0].Attributes.Email)) +
			`,"subscriptions":{"email":{"marketing":{"consent":"` + consent + `"}}}}}]}}}}`
		if id != ids[0] {
			body = strings.Replace(body, fmt.Sprintf("%q", api.Value(d.Profiles[0].Attributes.Email)), `"someone@example.com"`, 1)
		}
		return goldenCall{path: "/api/profile-subscription-bulk-" + map[bool]string{true: "create", false: "delete"}[consent == api.ConsentSubscribed] + "-jobs", body: body}
	}
	calls = append(calls, subscribe(api.TypeUnsubscribeJob, api.ConsentUnsubscribed, ids[0]))
	get(profilesQuery(ids[:min(10, len(ids))]))
	get(ev("filter", api.Equals("profile_id", ids[0]), "include", "profile", "page[size]", "2"))
	calls = append(calls, subscribe(api.TypeSubscribeJob, api.ConsentSubscribed, ids[1]))
	get(profilesQuery(ids[:min(10, len(ids))]))
	get(profilesQuery(ids))
	for _, id := range busy {
		get(eventsQuery(id))
	}
	return calls
}

// goldenData is a small generated world and the hand-written fixture.
func goldenData(t *testing.T) []*Data {
	w, err := world.Generate(world.Options{People: 150, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return []*Data{FromWorld(w), fixture(t)}
}

var errorID = regexp.MustCompile(`"id":"[0-9a-f-]{36}"`)

// answer is a call's status, headers and body as one text; error ids, being
// random, read as "ID".
func answer(h http.Handler, c goldenCall) []byte {
	method, body := "GET", http.NoBody
	if c.body != "" {
		method = "POST"
	}
	req := httptest.NewRequest(method, c.path, strings.NewReader(c.body))
	if c.body == "" {
		req.Body = body
	}
	req.Header.Set("Authorization", "Klaviyo-API-Key "+DemoCredentials.APIKey)
	req.Header.Set("revision", DemoCredentials.Revision)
	if c.body != "" {
		req.Header.Set("Content-Type", api.MediaType)
	}
	for i := 0; i+1 < len(c.headers); i += 2 {
		req.Header.Set(c.headers[i], c.headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out bytes.Buffer
	fmt.Fprintf(&out, "%s %s\n%d\n", method, c.path, rec.Code)
	keys := make([]string, 0, len(rec.Header()))
	for k := range rec.Header() {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&out, "%s: %s\n", k, strings.Join(rec.Header()[k], ", "))
	}
	b := rec.Body.Bytes()
	if bytes.HasPrefix(b, []byte(`{"errors"`)) {
		b = errorID.ReplaceAll(b, []byte(`"id":"ID"`))
	}
	out.Write(b)
	out.WriteByte('\n')
	return out.Bytes()
}

// TestResponsesUnchanged replays goldenCalls and compares each answer (status,
// headers and body, byte for byte) with the digest recorded in
// testdata/responses.golden. With -update-golden it records them instead;
// with KLAVIYO_ANSWERS_DIR set it also writes the answers there in full.
func TestResponsesUnchanged(t *testing.T) {
	var got bytes.Buffer
	var full bytes.Buffer
	for n, d := range goldenData(t) {
		h := New(harness.New(), d, DemoCredentials)
		h.(*server).now = func() time.Time { return time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC) }
		for i, c := range goldenCalls(d) {
			a := answer(h, c)
			full.Write(a)
			sum := sha256.Sum256(a)
			fmt.Fprintf(&got, "%d.%02d %s %d %s\n", n, i, hex.EncodeToString(sum[:12]), len(a), truncateString(c.path, 60))
		}
	}
	if dir := os.Getenv("KLAVIYO_ANSWERS_DIR"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "answers.txt"), full.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join("testdata", "responses.golden")
	if *updateGolden {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update-golden to record it)", err)
	}
	wantLines, gotLines := strings.Split(string(want), "\n"), strings.Split(got.String(), "\n")
	if len(wantLines) != len(gotLines) {
		t.Fatalf("%d answers, recorded %d", len(gotLines), len(wantLines))
	}
	for i := range wantLines {
		if wantLines[i] != gotLines[i] {
			t.Errorf("answer changed:\n got %s\nwant %s", gotLines[i], wantLines[i])
		}
	}
}
