package zendesk

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
	sim "github.com/omnigate/omnigate/channelsim/zendesk"
	"github.com/omnigate/omnigate/sources/internal/capture"
)

// The decode benchmarks time upstream.Unmarshal (what every call decodes
// with) of one real answer of each of the support desk's hot endpoints (what
// a customer 360 asks) into the types the connector decodes into. The
// answers come from the simulator serving a generated world, fetched once by
// the connector itself for the requester with the most tickets.

// benchBodies are the answers, by endpoint: "tickets" (a user's requested
// tickets) and "users" (show_many).
var benchBodies = sync.OnceValues(func() (map[string]capture.Answer, error) {
	w, url, rec, stop, err := capture.Serve(func(w *world.World) http.Handler {
		return sim.New(harness.New(), sim.FromWorld(w), sim.DemoCredentials)
	})
	if err != nil {
		return nil, err
	}
	defer stop()
	c, err := New(Config{BaseURL: url, Email: sim.DemoCredentials.Email, APIToken: sim.DemoCredentials.APIToken,
		Timeout: 5 * time.Second}, &http.Client{Transport: rec})
	if err != nil {
		return nil, err
	}
	tickets := map[int64]int{}
	for _, t := range w.Tickets {
		tickets[t.RequesterID]++
	}
	requester := capture.Most(tickets)
	ctx := context.Background()
	id := strconv.FormatInt(requester, 10)
	if _, err := c.TicketsByRequester(ctx, []string{id}); err != nil {
		return nil, err
	}
	if _, err := c.GetCustomers(ctx, []string{id}); err != nil {
		return nil, err
	}
	return map[string]capture.Answer{
		"tickets": rec.Largest(fmt.Sprintf("/api/v2/users/%d/tickets/requested.json", requester)),
		"users":   rec.Largest("/api/v2/users/show_many.json"),
	}, nil
})

func BenchmarkDecodeTickets(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "tickets"), "tickets",
		func(page *api.TicketsCursorPage) int { return len(page.Tickets) })
}

func BenchmarkDecodeUsers(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "users"), "users",
		func(page *api.UsersPage) int { return len(page.Users) })
}

// BenchmarkDecodeTicketsConvert times decoding the tickets answer and
// converting every ticket, as TicketsByRequester does.
func BenchmarkDecodeTicketsConvert(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "tickets"), "tickets",
		func(page *api.TicketsCursorPage) int {
			n := 0
			for _, t := range page.Tickets {
				if toTicket(t).ID != "" {
					n++
				}
			}
			return n
		})
}

// BenchmarkDecodeUsersConvert times decoding the show_many answer and
// converting every user into a record, as GetCustomers does.
func BenchmarkDecodeUsersConvert(b *testing.B) {
	capture.Decode(b, capture.Body(b, benchBodies, "users"), "users",
		func(page *api.UsersPage) int {
			n := 0
			for _, u := range page.Users {
				if toRecord(u).ID != "" {
					n++
				}
			}
			return n
		})
}
