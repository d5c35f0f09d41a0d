package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/config"
)

// A request is admitted (max_customers_in_flight) for all the customers its
// root fields ask for, before any of them runs. When each field admitted
// itself, the first one let the whole request in: aliases of customer(id:)
// read thousands of customers while admitted for one.
func TestARequestIsAdmittedForAllItsCustomers(t *testing.T) {
	sim, gw, w := smallGateway(t, func(cfg *config.Config) {
		cfg.MaxInFlight = 2
		cfg.Klaviyo.Timeout, cfg.Klaviyo.Retries = 3*time.Second, 0
	}, io.Discard)
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	e := &env{world: w, sim: sim, gw: gw, srv: srv}
	var ids []string
	for _, p := range w.People {
		var out struct{ CustomerByEmail *struct{ ID string } }
		if err := e.post(`query($e: String!) { customerByEmail(email: $e) { id } }`, map[string]any{"e": p.Email}, &out); err != nil || out.CustomerByEmail == nil {
			continue
		}
		if ids = append(ids, out.CustomerByEmail.ID); len(ids) == 3 {
			break
		}
	}
	if len(ids) < 3 {
		t.Fatalf("found %d customers by email; want 3", len(ids))
	}

	// A holds one customer of the two in flight while Klaviyo hangs.
	if err := sim.Harness.Faults().Add(harness.Fault{System: "klaviyo", HangRate: 1}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Harness.Faults().Clear("") })
	klaviyoCalls := func() (n int64) {
		for _, s := range sim.Harness.Stats().Snapshot()["klaviyo"] {
			n += s.Calls
		}
		return n
	}
	before := klaviyoCalls()
	aDone := make(chan error, 1)
	go func() {
		var out any
		aDone <- e.post(`query($id: ID!) { customer(id: $id) { emailMarketing { consent { status } } } }`, map[string]any{"id": ids[0]}, &out)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for klaviyoCalls() == before {
		if time.Now().After(deadline) {
			t.Fatal("the first request never called Klaviyo")
		}
		time.Sleep(2 * time.Millisecond) // polling the simulator's counters
	}

	// B asks for two customers with two aliases: only one fits beside A,
	// so B waits for A to end, and its Server-Timing says it queued.
	body, _ := json.Marshal(map[string]any{
		"query":     `query($a: ID!, $b: ID!) { a: customer(id: $a) { id } b: customer(id: $b) { id } }`,
		"variables": map[string]any{"a": ids[1], "b": ids[2]},
	})
	resp, err := http.Post(srv.URL+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || !bytes.Contains(raw, []byte(ids[2])) {
		t.Fatalf("second request: status %d, %s, %v", resp.StatusCode, raw, err)
	}
	if timing := resp.Header.Get("Server-Timing"); !strings.Contains(timing, "queue;dur=") {
		t.Errorf("two aliases of customer(id:) went ahead while another request held one of the two customers in flight (Server-Timing: %s)", timing)
	}
	t.Logf("first request: %v", <-aDone)
}
