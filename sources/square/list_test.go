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
)

// walk lists every page from cursor on with limit, returning the records
// in the order they came and the cursor each page returned.
func walk(t *testing.T, c *Client, cursor string, limit int) (recs []omnigate.CustomerRecord, cursors []string) {
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

	recs, cursors := walk(t, c, "", 5)
	got := idsInOrder(recs)
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
	again, _ := walk(t, c, "", 5)
	if !slices.Equal(idsInOrder(again), got) {
		t.Errorf("second walk differs:\n got %v\nwant %v", idsInOrder(again), got)
	}
	// Resuming from a cursor returned mid-walk, with a new connector as
	// after a restart, continues right after the records already seen.
	rest, _ := walk(t, e.client(t), cursors[1], 5)
	if !slices.Equal(idsInOrder(rest), got[10:]) {
		t.Errorf("resumed:\n got %v\nwant %v", idsInOrder(rest), got[10:])
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

// idsInOrder is the records' ids in the order given.
func idsInOrder(rs []omnigate.CustomerRecord) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}
