package klaviyo

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/channelsim/harness"
	sim "github.com/omnigate/omnigate/channelsim/klaviyo"
	"github.com/omnigate/omnigate/sources/internal/listtest"
)

func TestListCustomersWalksEveryProfileOnce(t *testing.T) {
	d := generated(23, 0, 0)
	slices.Reverse(d.Profiles) // stored out of id order
	e := setup(t, d)
	var want []string
	for _, p := range d.Profiles {
		want = append(want, p.ID)
	}
	slices.Sort(want)

	recs, cursors := listtest.Walk(t, e.c, "", 5)
	got := listtest.IDs(recs)
	if !slices.Equal(got, want) {
		t.Fatalf("walk with limit 5:\n got %v\nwant %v", got, want)
	}
	if len(cursors) != 4 || e.stats("profiles.list").Calls != 5 {
		t.Errorf("23 profiles in pages of 5: %d cursors, %d calls", len(cursors), e.stats("profiles.list").Calls)
	}
	// The same walk again gives the same order.
	if again, _ := listtest.Walk(t, e.c, "", 5); !slices.Equal(listtest.IDs(again), got) {
		t.Errorf("second walk differs: %v", listtest.IDs(again))
	}
	// Resuming from a cursor returned mid-walk, with a new connector as
	// after a restart and another page size, continues right after the
	// profiles already seen.
	fresh := setupClient(t, e)
	if rest, _ := listtest.Walk(t, fresh, cursors[1], 7); !slices.Equal(listtest.IDs(rest), want[10:]) {
		t.Errorf("resumed:\n got %v\nwant %v", listtest.IDs(rest), want[10:])
	}
	// Limits out of Klaviyo's range are clamped to its largest page.
	for _, limit := range []int{0, -1, 500} {
		all, next, err := e.c.ListCustomers(context.Background(), "", limit)
		if err != nil || len(all) != 23 || next != "" {
			t.Errorf("limit %d: %d records, next %q, %v", limit, len(all), next, err)
		}
	}
	// Records are converted as GetCustomers converts them.
	byID, err := e.c.GetCustomers(context.Background(), want)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if !reflect.DeepEqual(r, byID[r.ID]) {
			t.Errorf("listed %+v\nfetched %+v", r, byID[r.ID])
		}
	}
}

func TestListCustomersFixture(t *testing.T) {
	d := fixture(t)
	e := setup(t, d)
	recs, _ := listtest.Walk(t, e.c, "", 1)
	var want []string
	for _, p := range d.Profiles {
		want = append(want, p.ID)
	}
	slices.Sort(want)
	if got := listtest.IDs(recs); !slices.Equal(got, want) {
		t.Errorf("fixture walk:\n got %v\nwant %v", got, want)
	}
}

func TestListCustomersBadCursor(t *testing.T) {
	e := setup(t, generated(3, 0, 0))
	for _, cursor := range []string{"garbage!", "bmV4dDo6eA", "a b", "x\n"} {
		_, _, err := e.c.ListCustomers(context.Background(), cursor, 10)
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != omnigate.EINVALID || !strings.Contains(oe.Message, "cursor") {
			t.Errorf("cursor %q: got %v, want INVALID_INPUT about the cursor", cursor, err)
		}
	}
}

func TestListCustomersErrors(t *testing.T) {
	e := setup(t, generated(3, 0, 0), func(c *Config) { c.Retries = 1 })
	if err := e.h.Faults().Add(harness.Fault{System: sim.System, Endpoint: "profiles.list", ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.c.ListCustomers(context.Background(), "", 10)
	var oe *omnigate.Error
	if !errors.As(err, &oe) || oe.Code != omnigate.EUNAVAILABLE || oe.Source != omnigate.Klaviyo {
		t.Fatalf("503: got %v, want SOURCE_UNAVAILABLE from klaviyo", err)
	}
	if calls := e.stats("profiles.list").Calls; calls != 2 {
		t.Errorf("%d calls, want 2 (one retry)", calls)
	}
}

// setupClient is a new connector for e's simulator, as a restarted process
// would make.
func setupClient(t *testing.T, e *env) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: e.srv.URL, APIKey: sim.DemoCredentials.APIKey, Revision: sim.DemoCredentials.Revision}, e.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
