package commercetools

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate"
	sim "github.com/omnigate/omnigate/channelsim/commercetools"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/sources/internal/listtest"
)

// walk lists every page from cursor on with limit, returning the ids in the
// order they came and the cursor each page returned.
func walk(t *testing.T, c *Client, cursor string, limit int) (ids, cursors []string) {
	t.Helper()
	recs, cursors := listtest.Walk(t, c, cursor, limit)
	return listtest.IDs(recs), cursors
}

func TestListCustomersWalksEveryRecordOnce(t *testing.T) {
	w := testWorld(23)
	// Stored out of id order, so that only sorting by id gives the order.
	slices.Reverse(w.WebCustomers)
	e := newEnv(t, w, nil)
	var want []string
	for _, cu := range e.data.Customers {
		want = append(want, cu.ID)
	}
	slices.Sort(want)

	got, cursors := walk(t, e.client, "", 5)
	if !slices.Equal(got, want) {
		t.Fatalf("walk with limit 5:\n got %v\nwant %v", got, want)
	}
	if len(cursors) != 4 {
		t.Errorf("23 records in pages of 5 gave %d cursors, want 4", len(cursors))
	}
	if calls := e.stats("customers.query").Calls; calls != 5 {
		t.Errorf("%d calls for 5 pages", calls)
	}
	// The same walk again gives the same order.
	again, _ := walk(t, e.client, "", 5)
	if !slices.Equal(again, got) {
		t.Errorf("second walk differs:\n got %v\nwant %v", again, got)
	}
	// Resuming from a cursor returned mid-walk (as after a restart, with a
	// new connector) continues right after the records already seen.
	fresh := newEnvFor(t, e)
	rest, _ := walk(t, fresh, cursors[1], 5)
	if !slices.Equal(rest, want[10:]) {
		t.Errorf("resumed from %q:\n got %v\nwant %v", cursors[1], rest, want[10:])
	}
	// A page of every record at once, and the default page size.
	if all, _ := walk(t, e.client, "", 10000); !slices.Equal(all, want) {
		t.Errorf("limit 10000: %v", all)
	}
	recs, next, err := e.client.ListCustomers(context.Background(), "", 0)
	if err != nil || len(recs) != 23 || next != "" {
		t.Errorf("limit 0: %d records, next %q, %v", len(recs), next, err)
	}
	// Records are converted as GetCustomers converts them.
	byID, err := e.client.GetCustomers(context.Background(), []string{recs[0].ID})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := recs[0], byID[recs[0].ID]; g.ID != w.ID || g.GivenName != w.GivenName || !slices.Equal(g.Emails, w.Emails) ||
		!g.CreatedAt.Equal(w.CreatedAt) || g.Country != w.Country || len(g.Addresses) != len(w.Addresses) {
		t.Errorf("listed record %+v\ndiffers from fetched %+v", g, w)
	}
}

func TestListCustomersEndsOnFullPage(t *testing.T) {
	e := newEnv(t, testWorld(8), nil)
	got, cursors := walk(t, e.client, "", 4)
	if len(got) != 8 || len(cursors) != 1 {
		t.Errorf("8 records in pages of 4: %d records, cursors %v", len(got), cursors)
	}
	if calls := e.stats("customers.query").Calls; calls != 2 {
		t.Errorf("%d calls, want 2 (no call for an empty last page)", calls)
	}
}

func TestListCustomersBadCursor(t *testing.T) {
	e := newEnv(t, testWorld(3), nil)
	for _, cursor := range []string{"a b", "x\x00y", "\xff\xfe", string(make([]byte, 300))} {
		_, _, err := e.client.ListCustomers(context.Background(), cursor, 10)
		var oe *omnigate.Error
		if !errors.As(err, &oe) || oe.Code != omnigate.EINVALID || !strings.Contains(oe.Message, "cursor") {
			t.Errorf("cursor %q: got %v, want INVALID_INPUT about the cursor", cursor, err)
		}
	}
	if calls := e.stats("customers.query").Calls; calls != 0 {
		t.Errorf("bad cursors made %d calls", calls)
	}
	// A cursor past every id is a valid, empty last page.
	recs, next, err := e.client.ListCustomers(context.Background(), "zzz", 10)
	if err != nil || len(recs) != 0 || next != "" {
		t.Errorf("cursor past the end: %v %q %v", recs, next, err)
	}
}

func TestListCustomersErrors(t *testing.T) {
	e := newEnv(t, testWorld(3), func(cfg *Config) { cfg.Retries = 1; cfg.Timeout = 2 * time.Second })
	if err := e.h.Faults().Add(harness.Fault{System: sim.System, Endpoint: "customers.query", ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	_, _, err := e.client.ListCustomers(context.Background(), "", 10)
	var oe *omnigate.Error
	if !errors.As(err, &oe) || oe.Code != omnigate.EUNAVAILABLE || oe.Source != omnigate.Commercetools {
		t.Fatalf("503: got %v, want SOURCE_UNAVAILABLE from commercetools", err)
	}
	if calls := e.stats("customers.query").Calls; calls != 2 {
		t.Errorf("%d calls, want 2 (one retry)", calls)
	}
}

// newEnvFor returns a new connector for e's simulator, as a restarted
// process would make.
func newEnvFor(t *testing.T, e *env) *Client {
	t.Helper()
	c, err := New(Config{BaseURL: e.srv.URL, ProjectKey: e.creds.ProjectKey, ClientID: e.creds.ClientID, ClientSecret: e.creds.ClientSecret}, e.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
