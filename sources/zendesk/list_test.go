package zendesk

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/omnigate/omnigate"
	api "github.com/omnigate/omnigate/apis/zendesk"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
	sim "github.com/omnigate/omnigate/channelsim/zendesk"
)

// walkList lists every page from cursor on with limit, returning the
// records in the order they came and the cursor each page returned.
func walkList(t *testing.T, c *Client, cursor string, limit int) (recs []omnigate.CustomerRecord, cursors []string) {
	t.Helper()
	for pages := 0; ; pages++ {
		got, next, err := c.ListCustomers(context.Background(), cursor, limit)
		if err != nil {
			t.Fatalf("ListCustomers(%q, %d): %v", cursor, limit, err)
		}
		if limit > 0 && len(got) > limit {
			t.Fatalf("page of %d records for limit %d", len(got), limit)
		}
		recs = append(recs, got...)
		if next == "" {
			return recs, cursors
		}
		cursors = append(cursors, next)
		cursor = next
		if pages > 1000 {
			t.Fatal("the walk does not end")
		}
	}
}

func listedIDs(rs []omnigate.CustomerRecord) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

// listWorld is smallWorld with 18 more users, stored out of id order.
func listWorld() *world.World {
	w := smallWorld()
	for i := range 18 {
		w.SupportUsers = append(w.SupportUsers, world.SupportUser{ID: int64(200 - i), Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.com", i), CreatedAt: t0, UpdatedAt: t0})
	}
	return w
}

func TestListCustomersWalksEveryEndUserOnce(t *testing.T) {
	w := listWorld()
	e := setup(t, w, Config{})
	// The dataset as served: its end users, in id order; the simulator adds
	// an agent, who is staff and not listed.
	var want []int64
	agents := 0
	for _, u := range sim.FromWorld(w).Users {
		if u.Role == api.RoleEndUser {
			want = append(want, u.ID)
		} else {
			agents++
		}
	}
	if agents == 0 || len(want) != 23 {
		t.Fatalf("the dataset has %d end users and %d agents", len(want), agents)
	}
	slices.Sort(want)
	wantIDs := make([]string, len(want))
	for i, id := range want {
		wantIDs[i] = strconv.FormatInt(id, 10)
	}

	recs, cursors := walkList(t, e.c, "", 5)
	got := listedIDs(recs)
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("walk with limit 5:\n got %v\nwant %v", got, wantIDs)
	}
	if len(cursors) != 4 || e.stats("users.list").Calls != 5 {
		t.Errorf("23 users in pages of 5: %d cursors, %d calls", len(cursors), e.stats("users.list").Calls)
	}
	if again, _ := walkList(t, e.c, "", 5); !slices.Equal(listedIDs(again), got) {
		t.Errorf("second walk differs: %v", listedIDs(again))
	}
	// Resuming from a cursor returned mid-walk, with a new connector as
	// after a restart and another page size, continues right after the
	// users already seen.
	fresh, err := New(Config{BaseURL: e.srv.URL, Email: sim.DemoCredentials.Email, APIToken: sim.DemoCredentials.APIToken}, e.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if rest, _ := walkList(t, fresh, cursors[1], 7); !slices.Equal(listedIDs(rest), wantIDs[10:]) {
		t.Errorf("resumed:\n got %v\nwant %v", listedIDs(rest), wantIDs[10:])
	}
	// Limits out of Zendesk's range are clamped to its largest page.
	for _, limit := range []int{0, -1, 1000} {
		all, next, err := e.c.ListCustomers(context.Background(), "", limit)
		if err != nil || len(all) != 23 || next != "" {
			t.Errorf("limit %d: %d records, next %q, %v", limit, len(all), next, err)
		}
	}
	// Records are converted as GetCustomers converts them.
	byID, err := e.c.GetCustomers(context.Background(), wantIDs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if !reflect.DeepEqual(r, byID[r.ID]) {
			t.Errorf("listed %+v\nfetched %+v", r, byID[r.ID])
		}
	}
}

func TestListCustomersBadCursor(t *testing.T) {
	e := setup(t, smallWorld(), Config{})
	for _, cursor := range []string{"garbage", "dXNlcnN8eA", "a b", "x\x00"} {
		_, _, err := e.c.ListCustomers(context.Background(), cursor, 10)
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != omnigate.EINVALID || !strings.Contains(oe.Message, "cursor") {
			t.Errorf("cursor %q: got %v, want INVALID_INPUT about the cursor", cursor, err)
		}
	}
}

func TestListCustomersErrors(t *testing.T) {
	e := setup(t, smallWorld(), Config{Retries: 1})
	if err := e.h.Faults().Add(harness.Fault{System: sim.System, Endpoint: "users.list", ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.c.ListCustomers(context.Background(), "", 10)
	var oe *omnigate.Error
	if !errors.As(err, &oe) || oe.Code != omnigate.EUNAVAILABLE || oe.Source != omnigate.Zendesk {
		t.Fatalf("503: got %v, want SOURCE_UNAVAILABLE from zendesk", err)
	}
	if calls := e.stats("users.list").Calls; calls != 2 {
		t.Errorf("%d calls, want 2 (one retry)", calls)
	}
}
