package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/omnigate/omnigate/bench"
)

// resolveMany resolves up to n webshop customers of the world by email, a
// few at a time, and returns their golden ids (each once).
func (e *env) resolveMany(t testing.TB, n int) []string {
	t.Helper()
	emails := make(chan string)
	var mu sync.Mutex
	seen := map[string]bool{}
	var ids []string
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for email := range emails {
				var out struct {
					CustomerByEmail *struct{ ID string }
				}
				if err := e.post(`query($e: String!) { customerByEmail(email: $e) { id } }`, map[string]any{"e": email}, &out); err != nil || out.CustomerByEmail == nil {
					continue // an ambiguous or unknown email: not what is measured
				}
				mu.Lock()
				if !seen[out.CustomerByEmail.ID] {
					seen[out.CustomerByEmail.ID] = true
					ids = append(ids, out.CustomerByEmail.ID)
				}
				mu.Unlock()
			}
		}()
	}
	for i, c := range e.world.WebCustomers {
		if i == n {
			break
		}
		emails <- c.Email
	}
	close(emails)
	wg.Wait()
	return ids
}

// post runs a query and decodes its data into out; it may run on any
// goroutine (it does not use testing.T).
func (e *env) post(q string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	resp, err := http.Post(e.srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("status %d, body %.200s: %v", resp.StatusCode, raw, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("%s", r.Errors[0].Message)
	}
	return json.Unmarshal(r.Data, out)
}

// A query over 1,000 customers must not start a goroutine per customer (or
// per customer and field). What may run at once is bounded by gqlgen's
// worker_limit: 64 customers are marshalled at a time, and each starts a
// goroutine per resolver field (10 in the customer 360) and per element of
// its lists (connection edges, at most 20 each), most of them short-lived;
// observed, about 15 per customer at the peak, so 64 × 20 = 1,280 covers
// them. The loaders add one goroutine per batch and the connectors at most
// their Concurrency (4) calls per method. A goroutine per id would add
// 1,000 on top and cross the bound.
func TestThousandCustomersBoundedGoroutines(t *testing.T) {
	if testing.Short() {
		t.Skip("resolves a hundred and fifty customers")
	}
	if raceEnabled {
		// Instrumented, the identity map's reads on embedded FerretDB for
		// even 300 ids outlast the request timeout (identity map
		// unavailable after a minute); the count of goroutines does not
		// need the detector.
		t.Skip("too slow under the race detector")
	}
	e := setup(t)
	ids := e.resolveMany(t, 150)
	if len(ids) < 100 {
		t.Fatalf("only %d customers resolved", len(ids))
	}
	known := len(ids)
	for i := 0; len(ids) < 1000; i++ {
		ids = append(ids, fmt.Sprintf("unknown-customer-%d", i))
	}
	before := runtime.NumGoroutine()
	bound := before + 64*20
	stop := make(chan struct{})
	peak := make(chan int)
	go func() {
		maxG := runtime.NumGoroutine()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				peak <- maxG
				return
			case <-tick.C:
				maxG = max(maxG, runtime.NumGoroutine())
			}
		}
	}()
	var out struct{ Customers []*json.RawMessage }
	began := time.Now()
	err := e.post(`query($ids: [ID!]!) { customers(ids: $ids) {`+bench.Customer360Fields+"\n} }", map[string]any{"ids": ids}, &out)
	close(stop)
	maxG := <-peak
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Customers) != len(ids) {
		t.Fatalf("%d customers answered for %d ids", len(out.Customers), len(ids))
	}
	found := 0
	for _, c := range out.Customers {
		if c != nil && string(*c) != "null" {
			found++
		}
	}
	if found != known {
		t.Errorf("%d customers found, want the %d resolved ones", found, known)
	}
	t.Logf("%d ids (%d known) in %v: goroutines %d before, at most %d during the query (bound %d)", len(ids), known, time.Since(began).Round(time.Millisecond), before, maxG, bound)
	if maxG >= bound {
		t.Errorf("at most %d goroutines during a query of %d customers; want fewer than %d", maxG, len(ids), bound)
	}
}

// BenchmarkCustomer360 is omnibench's c360-id in process, simulator
// included, for allocation profiles of the gateway's own code:
//
//	go test ./gateway -run '^$' -bench Customer360 -benchmem -memprofile mem.out
func BenchmarkCustomer360(b *testing.B) {
	e := setupB(b)
	ids := e.resolveMany(b, 40)
	if len(ids) == 0 {
		b.Fatal("no customer resolved")
	}
	q := bench.QueryByID
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		var out struct{ Customer *json.RawMessage }
		if err := e.post(q, map[string]any{"id": ids[i%len(ids)]}, &out); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func setupB(b *testing.B) *env {
	b.Helper()
	sharedOnce.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		b.Fatal(sharedErr)
	}
	return shared
}

// emailMarketing asks Klaviyo for list memberships (one call per list) only
// when lists is selected, and recentEvents(first:) gets as many events as
// it asks for, whether first is a literal, a variable or the default.
func TestEmailListsAndRecentEventsAsSelected(t *testing.T) {
	e := setup(t)
	w := e.world
	emailEvents := map[string]int{}
	for _, ev := range w.EmailEvents {
		switch ev.Metric {
		case "Received Email", "Opened Email", "Clicked Email":
			emailEvents[ev.ProfileID]++
		}
	}
	// A customer on some list with more than 20 email events.
	var id string
	for _, p := range w.EmailProfiles {
		if len(p.ListIDs) == 0 || emailEvents[p.ID] <= 20 || p.Email == "" {
			continue
		}
		var out struct {
			CustomerByEmail *struct{ ID string }
		}
		if err := e.post(`query($e: String!) { customerByEmail(email: $e) { id } }`, map[string]any{"e": p.Email}, &out); err == nil && out.CustomerByEmail != nil {
			id = out.CustomerByEmail.ID
			break
		}
	}
	if id == "" {
		t.Fatal("no customer on a list with more than 20 email events in the world")
	}
	var who struct {
		Customer struct {
			Identities []struct{ System, ExternalID string }
		}
	}
	if err := e.post(`query($id: ID!) { customer(id: $id) { identities { system externalId } } }`, map[string]any{"id": id}, &who); err != nil {
		t.Fatal(err)
	}
	wantLists := map[string]bool{}
	wantEvents := 0
	for _, l := range who.Customer.Identities {
		if l.System != "KLAVIYO" {
			continue
		}
		wantEvents += emailEvents[l.ExternalID]
		for _, p := range w.EmailProfiles {
			if p.ID == l.ExternalID {
				for _, li := range p.ListIDs {
					wantLists[li] = true
				}
			}
		}
	}
	type em struct {
		Customer struct {
			EmailMarketing struct {
				Lists    []string
				Received int
				A, B, C  []struct{ Kind string }
			}
		}
	}
	memberCalls := func(q string, vars map[string]any, out *em) int64 {
		t.Helper()
		e.sim.Harness.Stats().Reset()
		if err := e.post(q, vars, out); err != nil {
			t.Fatal(err)
		}
		return e.sim.Harness.Stats().Snapshot()["klaviyo"]["lists.profile-ids"].Calls
	}
	var without em
	q := `query($id: ID!, $n: Int) { customer(id: $id) { emailMarketing { received
	  a: recentEvents(first: 3) { kind } b: recentEvents(first: $n) { kind } c: recentEvents { kind } } } }`
	if n := memberCalls(q, map[string]any{"id": id, "n": 7}, &without); n != 0 {
		t.Errorf("%d list membership calls without lists selected; want none", n)
	}
	got := without.Customer.EmailMarketing
	if len(got.A) != 3 || len(got.B) != 7 || len(got.C) != min(20, wantEvents) {
		t.Errorf("recentEvents: %d for first: 3, %d for first: $n = 7, %d by default; want 3, 7, %d", len(got.A), len(got.B), len(got.C), min(20, wantEvents))
	}
	var with em
	q = `query($id: ID!) { customer(id: $id) { emailMarketing { lists ... on EmailMarketing { a: recentEvents(first: 2) { kind } } } } }`
	if n := memberCalls(q, map[string]any{"id": id}, &with); n == 0 {
		t.Error("no list membership call with lists selected")
	}
	gotLists := map[string]bool{}
	for _, l := range with.Customer.EmailMarketing.Lists {
		gotLists[l] = true
	}
	if fmt.Sprint(gotLists) != fmt.Sprint(wantLists) {
		t.Errorf("lists %v, want %v", gotLists, wantLists)
	}
	if len(with.Customer.EmailMarketing.A) != 2 {
		t.Errorf("recentEvents(first: 2) in a fragment: %d events", len(with.Customer.EmailMarketing.A))
	}
}
