package klaviyo

import (
	"cmp"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"testing"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

// benchWorld is the default generated world as Klaviyo serves it, built
// once for all benchmarks.
var benchWorld = sync.OnceValues(func() (*Data, error) {
	w, err := world.Generate(world.Options{})
	if err != nil {
		return nil, err
	}
	return FromWorld(w), nil
})

// busiestProfiles are the n profiles with the most events, most first.
func busiestProfiles(d *Data, n int) []string {
	count := map[string]int{}
	for _, e := range d.Events {
		count[e.ProfileID()]++
	}
	ids := make([]string, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int {
		return cmp.Or(cmp.Compare(count[b], count[a]), cmp.Compare(a, b))
	})
	return ids[:min(n, len(ids))]
}

// eventsQuery is the query the gateway sends for one profile's events.
func eventsQuery(profileID string) string {
	return "/api/events?" + url.Values{
		"filter":         {api.Equals("profile_id", profileID)},
		"include":        {"metric"},
		"fields[event]":  {"datetime,event_properties,timestamp"},
		"fields[metric]": {"name,integration"},
		"sort":           {"-datetime"},
		"page[size]":     {"200"},
	}.Encode()
}

// profilesQuery is the query the gateway sends for a batch of profiles by id.
func profilesQuery(ids []string) string {
	return "/api/profiles?" + url.Values{
		"filter":                     {api.Any("id", ids)},
		"page[size]":                 {"100"},
		"additional-fields[profile]": {"subscriptions"},
	}.Encode()
}

func serveBench(b *testing.B, h http.Handler, path, host string) {
	req := httptest.NewRequest("GET", path, nil)
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Authorization", "Klaviyo-API-Key "+DemoCredentials.APIKey)
	req.Header.Set("revision", DemoCredentials.Revision)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Body.Len() < 100 {
		b.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
	}
}

// BenchmarkListEvents lists the events of the 50 busiest profiles in turn,
// as the gateway asks for them. "repeat" serves events already shown with
// the same fields; "first" makes every call the first from its address, so
// that nothing the server kept from an earlier answer applies.
func BenchmarkListEvents(b *testing.B) {
	d, err := benchWorld()
	if err != nil {
		b.Fatal(err)
	}
	h := New(harness.New(), d, DemoCredentials)
	var paths []string
	for _, id := range busiestProfiles(d, 50) {
		paths = append(paths, eventsQuery(id))
	}
	b.Run("repeat", func(b *testing.B) {
		serveInTurn(b, h, paths, true, func(int) string { return "" })
	})
	b.Run("first", func(b *testing.B) {
		// Each round over the profiles comes from the other address.
		serveInTurn(b, h, paths, false, func(i int) string { return "host" + strconv.Itoa(i/len(paths)%2) + ".example" })
	})
}

// serveInTurn is the timed loop: it serves the paths in turn, from the host
// host(i) gives the i-th call ("" for the default), after serving each once
// untimed when warm is set.
func serveInTurn(b *testing.B, h http.Handler, paths []string, warm bool, host func(i int) string) {
	if warm {
		for i, p := range paths {
			serveBench(b, h, p, host(i))
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		serveBench(b, h, paths[i%len(paths)], host(i))
		i++
	}
}

// BenchmarkListProfiles fetches profiles by 100 ids with their consents, in
// turn over all profiles, as the gateway asks for them.
func BenchmarkListProfiles(b *testing.B) {
	d, err := benchWorld()
	if err != nil {
		b.Fatal(err)
	}
	h := New(harness.New(), d, DemoCredentials)
	var paths []string
	for i := 0; i+100 <= len(d.Profiles); i += 100 {
		var ids []string
		for _, p := range d.Profiles[i : i+100] {
			ids = append(ids, p.ID)
		}
		paths = append(paths, profilesQuery(ids))
	}
	serveInTurn(b, h, paths, true, func(int) string { return "" })
}
