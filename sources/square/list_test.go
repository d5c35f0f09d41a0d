package square

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/channelsim/harness"
	sim "github.com/omnigate/omnigate/channelsim/square"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/sources/internal/listtest"
)

// listWorld has 23 profiles created over time, stored out of that order,
// and one without public information, which Square does not list.
func listWorld() *world.World {
	w := crowdWorld(23, 3)
	for i := range w.POSCustomers {
		w.POSCustomers[i].CreatedAt = t0.Add(time.Duration(len(w.POSCustomers)-i) * time.Minute)
	}
	w.POSCustomers[5].CreatedAt = w.POSCustomers[6].CreatedAt // a tie, broken by id
	w.POSCustomers = append(w.POSCustomers, world.POSCustomer{ID: "NOPUBLICINFO00000000000001", CreatedAt: t0, UpdatedAt: t0})
	return w
}

func TestListCustomersWalksEveryRecordOnce(t *testing.T) {
	w := listWorld()
	e := setup(t, w)
	c := e.client(t)
	var want []string
	for _, cu := range sim.FromWorld(w).Customers {
		if cu.GivenName != "" || cu.FamilyName != "" || cu.CompanyName != "" || cu.EmailAddress != "" || cu.PhoneNumber != "" {
			want = append(want, cu.ID)
		}
	}
	if len(want) != 23 {
		t.Fatalf("the dataset has %d public profiles, want 23", len(want))
	}

	recs, cursors := listtest.Walk(t, c, "", 5)
	got := listtest.IDs(recs)
	if len(got) != len(want) || len(cursors) != 4 {
		t.Fatalf("walk with limit 5: %d records over %d cursors, want 23 over 4", len(got), len(cursors))
	}
	sorted := slices.Clone(got)
	slices.Sort(sorted)
	slices.Sort(want)
	if !slices.Equal(sorted, want) {
		t.Fatalf("walk:\n got %v\nwant %v", sorted, want)
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].CreatedAt.Before(recs[i-1].CreatedAt) {
			t.Errorf("not oldest first: %s (%v) after %s (%v)", recs[i].ID, recs[i].CreatedAt, recs[i-1].ID, recs[i-1].CreatedAt)
		}
	}
	// The same walk again gives the same order.
	again, _ := listtest.Walk(t, c, "", 5)
	if !slices.Equal(listtest.IDs(again), got) {
		t.Errorf("second walk differs:\n got %v\nwant %v", listtest.IDs(again), got)
	}
	// Resuming from a cursor returned mid-walk, with a new connector as
	// after a restart, continues right after the records already seen.
	rest, _ := listtest.Walk(t, e.client(t), cursors[1], 5)
	if !slices.Equal(listtest.IDs(rest), got[10:]) {
		t.Errorf("resumed:\n got %v\nwant %v", listtest.IDs(rest), got[10:])
	}
	// Limits out of Square's range are clamped to its largest page.
	for _, limit := range []int{0, -3, 1000} {
		all, next, err := c.ListCustomers(context.Background(), "", limit)
		if err != nil || len(all) != 23 || next != "" {
			t.Errorf("limit %d: %d records, next %q, %v", limit, len(all), next, err)
		}
	}
	// Records are converted as GetCustomers converts them.
	byID, err := c.GetCustomers(context.Background(), got)
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
	e := setup(t, listWorld())
	c := e.client(t)
	for _, cursor := range []string{"not-a-cursor", "eyJvIjoxfQ", "a b", "x\x00"} {
		_, _, err := c.ListCustomers(context.Background(), cursor, 10)
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != omnigate.EINVALID || !strings.Contains(oe.Message, "cursor") {
			t.Errorf("cursor %q: got %v, want INVALID_INPUT about the cursor", cursor, err)
		}
	}
}

func TestListCustomersErrors(t *testing.T) {
	e := setup(t, listWorld())
	c := e.client(t, func(cfg *Config) { cfg.Retries = 1 })
	if err := e.h.Faults().Add(harness.Fault{System: sim.System, Endpoint: "customers.list", ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ListCustomers(context.Background(), "", 10)
	var oe *omnigate.Error
	if !errors.As(err, &oe) || oe.Code != omnigate.EUNAVAILABLE || oe.Source != omnigate.Square {
		t.Fatalf("503: got %v, want SOURCE_UNAVAILABLE from square", err)
	}
	if calls := e.stats("customers.list").Calls; calls != 2 {
		t.Errorf("%d calls, want 2 (one retry)", calls)
	}
}
