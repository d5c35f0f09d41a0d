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
	"github.com/omnigate/omnigate/sources/internal/listtest"
)

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

	recs, cursors := listtest.Walk(t, e.c, "", 5)
	got := listtest.IDs(recs)
	if !slices.Equal(got, wantIDs) {
		t.Fatalf("walk with limit 5:\n got %v\nwant %v", got, wantIDs)
	}
	if len(cursors) != 4 || e.stats("users.list").Calls != 5 {
		t.Errorf("23 users in pages of 5: %d cursors, %d calls", len(cursors), e.stats("users.list").Calls)
	}
	if again, _ := listtest.Walk(t, e.c, "", 5); !slices.Equal(listtest.IDs(again), got) {
		t.Errorf("second walk differs: %v", listtest.IDs(again))
	}
	// Resuming from a cursor returned mid-walk, with a new connector as
	// after a restart and another page size, continues right after the
	// users already seen.
	fresh, err := New(Config{BaseURL: e.srv.URL, Email: sim.DemoCredentials.Email, APIToken: sim.DemoCredentials.APIToken}, e.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if rest, _ := listtest.Walk(t, fresh, cursors[1], 7); !slices.Equal(listtest.IDs(rest), wantIDs[10:]) {
		t.Errorf("resumed:\n got %v\nwant %v", listtest.IDs(rest), wantIDs[10:])
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
