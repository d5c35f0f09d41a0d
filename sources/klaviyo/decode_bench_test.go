package klaviyo

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	api "github.com/omnigate/omnigate/apis/klaviyo"
	"github.com/omnigate/omnigate/channelsim/harness"
	sim "github.com/omnigate/omnigate/channelsim/klaviyo"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/sources/internal/capture"
	"github.com/omnigate/omnigate/sources/upstream"
)

// The decode benchmarks time upstream.Unmarshal (what every call decodes
// with) of one real answer of each of email marketing's hot endpoints (what
// a customer 360 asks) into the types the connector decodes into: the lean
// event page and the profile collection. The answers come from the simulator
// serving a generated world, fetched once by the connector itself for the
// profile with the most events.

// benchBodies are the answers, by endpoint: "events" and "profiles".
var benchBodies = sync.OnceValues(func() (map[string]capture.Answer, error) {
	w, url, rec, stop, err := capture.Serve(func(w *world.World) http.Handler {
		return sim.New(harness.New(), sim.FromWorld(w), sim.DemoCredentials)
	})
	if err != nil {
		return nil, err
	}
	defer stop()
	c, err := New(Config{BaseURL: url, APIKey: sim.DemoCredentials.APIKey, Revision: sim.DemoCredentials.Revision,
		Timeout: 5 * time.Second}, &http.Client{Transport: rec})
	if err != nil {
		return nil, err
	}
	events := map[string]int{}
	for _, e := range w.EmailEvents {
		if e.ProfileID != "" {
			events[e.ProfileID]++
		}
	}
	ctx := context.Background()
	reader := capture.Most(events)
	if _, err := c.EventsByProfile(ctx, []string{reader}); err != nil {
		return nil, err
	}
	if _, _, err := c.ProfilesAndRecords(ctx, []string{reader}); err != nil {
		return nil, err
	}
	return map[string]capture.Answer{"events": rec.Largest("/api/events"), "profiles": rec.Largest("/api/profiles")}, nil
})

func BenchmarkDecodeEvents(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "events"), "events",
		func(page *eventPage) int { return len(page.Data) })
}

func BenchmarkDecodeProfiles(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "profiles"), "profiles",
		func(page *api.ProfileCollection) int { return len(page.Data) })
}

// BenchmarkDecodeEventsConvert times decoding the events answer and
// converting every event whose metric the page includes, as
// EventsByProfile does (it decodes a metric once per client; here, once per
// page).
func BenchmarkDecodeEventsConvert(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "events"), "events",
		func(page *eventPage) int {
			kinds := make(map[string]Metric, len(page.Included))
			for _, r := range page.Included {
				if r.Type != api.TypeMetric {
					continue
				}
				m, err := r.AsMetric()
				if err != nil {
					b.Fatal(err)
				}
				kinds[m.ID] = metricOf(m)
			}
			n := 0
			for i := range page.Data {
				e := &page.Data[i]
				if m := kinds[e.Relationships.Metric.Data.ID]; m.Kind != "" && e.emailEvent("P", m.Kind).ID != "" {
					n++
				}
			}
			return n
		})
}

// BenchmarkDecodeProfilesConvert times decoding the profiles answer and
// converting every profile into an email profile and a record, as
// ProfilesAndRecords does.
func BenchmarkDecodeProfilesConvert(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "profiles"), "profiles",
		func(page *api.ProfileCollection) int {
			n := 0
			for _, p := range page.Data {
				if emailProfile(p).ID != "" && customerRecord(p).ID != "" {
					n++
				}
			}
			return n
		})
}

// BenchmarkDecodeEventsReused times what EventsByProfile does with each
// page: decode into a page taken from its pool (so the events' slice keeps
// its capacity from call to call) and convert every event that names a
// metric, before its kind is known.
func BenchmarkDecodeEventsReused(b *testing.B) {
	body := capture.Body(b, benchBodies, "events")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	var kept []pendingEvent
	for b.Loop() {
		page := eventPages.Get().(*eventPage)
		page.reset()
		if err := upstream.Unmarshal(body, page); err != nil {
			b.Fatal(err)
		}
		kept = kept[:0]
		for i := range page.Data {
			if e := &page.Data[i]; e.Relationships.Metric.Data.ID != "" {
				kept = append(kept, e.pending("P"))
			}
		}
		putEventPage(page)
		if len(kept) == 0 {
			b.Fatal("events: the answer decodes to nothing usable")
		}
	}
}
