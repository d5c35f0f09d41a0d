// Package replicas tests several gateway processes on one MongoDB: what one
// changes in the identity map, the others show within the bound written in
// doc/scaling.md.
package replicas

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/mongodb"
)

// bound is the documented bound on another replica's cache: two poll
// intervals.
const bound = 2 * identity.DefaultPollInterval

// Nia is in three systems: Klaviyo knows her email, Square her phone, and
// only Zendesk knows both. Asked by email and by phone while Zendesk is
// down, she becomes two customers; asked by her Zendesk record once it is
// back, she is found to be one, and the two are merged.
const (
	email     = "nia.obi@obi.org"
	phone     = "+447911123456"
	zendeskID = "9001"
)

func niaWorld() *world.World {
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	return &world.World{
		Seed: 7,
		// Square reads phone searches in its seller's country.
		Stores: []world.Store{{
			ID: "LNIASTORE0001", Key: "store-london", ChannelID: "0b6f1c52-0000-4000-8000-000000000001",
			StoreID: "0b6f1c52-0000-4000-8000-000000000002", Name: "London", Country: "GB", Currency: "GBP",
			Timezone: "Europe/London", Phone: "+442070000000", Email: "london@shop.co",
			Address: world.Address{Line1: "1 High St", City: "London", PostalCode: "W1 1AA", Country: "GB"}, CreatedAt: at,
		}},
		EmailProfiles: []world.EmailProfile{
			{ID: "01J0000000000000000000NIA1", Email: email, FirstName: "Nia", LastName: "Obi", CreatedAt: at, UpdatedAt: at},
		},
		POSCustomers: []world.POSCustomer{
			{ID: "NIA0000000000000000000000A", GivenName: "Nia", FamilyName: "Obi", Phone: phone, CreationSource: "DIRECTORY", LocationID: "LNIASTORE0001", CreatedAt: at, UpdatedAt: at},
		},
		SupportUsers: []world.SupportUser{
			{ID: 9001, Name: "Nia Obi", Email: email, Phone: phone, CreatedAt: at, UpdatedAt: at},
		},
	}
}

// gatewayBinary builds cmd/gateway once per run.
func gatewayBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gateway")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "github.com/omnigate/omnigate/cmd/gateway")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

var readyRE = regexp.MustCompile(`graphql=(http://\S+/graphql)`)

// startGateway runs one gateway process and returns its GraphQL URL.
func startGateway(t *testing.T, bin, config, mongoURI string) string {
	t.Helper()
	cmd := exec.Command(bin, "--config", config)
	cmd.Env = append(os.Environ(), "MONGODB_URI="+mongoURI, "OMNIGATE_LISTEN=127.0.0.1:0", "OMNIGATE_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	found := make(chan string, 1)
	var (
		mu  sync.Mutex
		log []string
	)
	// The log is shown when the test fails.
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			defer mu.Unlock()
			t.Logf("gateway %s log:\n%s", filepath.Base(config), strings.Join(log, "\n"))
		}
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			log = append(log, line)
			mu.Unlock()
			if m := readyRE.FindStringSubmatch(line); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		if !sent {
			close(found)
		}
	}()
	select {
	case url, ok := <-found:
		if !ok {
			t.Fatalf("gateway exited before it was ready")
		}
		return url
	case <-time.After(60 * time.Second):
		t.Fatal("gateway not ready after 60s")
	}
	return ""
}

type customer struct {
	ID         string `json:"id"`
	Identities []struct {
		System     string `json:"system"`
		ExternalID string `json:"externalId"`
	} `json:"identities"`
}

func query(t *testing.T, url, q string, vars map[string]any) map[string]customer {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r struct {
		Data   map[string]customer `json:"data"`
		Errors []json.RawMessage   `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("status %d, body %s, err %v", resp.StatusCode, raw, err)
	}
	return r.Data
}

const byEmail = `query($e: String!) { c: customerByEmail(email: $e) { id identities { system externalId } } }`
const byPhone = `query($p: String!) { c: customerByPhone(phone: $p) { id identities { system externalId } } }`
const byRecord = `query($id: String!) { c: customerBySystemId(system: ZENDESK, id: $id) { id identities { system externalId } } }`
const byID = `query($id: ID!) { c: customer(id: $id) { id identities { system externalId } } }`

// Two gateway processes on one MongoDB: a merge made through the first is
// shown by the second, whose cache held the old customer, within the bound.
func TestMergeThroughOneReplicaShowsInTheOther(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two gateway processes")
	}
	ctx := context.Background()
	db, err := mongodb.Open(ctx, mongodb.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close(ctx) })
	sim, err := channelsim.Start(channelsim.Options{Data: channelsim.FromWorld(niaWorld())})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	config := filepath.Join(t.TempDir(), "gateway.yaml")
	yaml := fmt.Sprintf(`mongodb:
  database: replicas
commercetools:
  base_url: %[1]s
  auth_url: %[1]s
square:
  base_url: %[2]s
klaviyo:
  base_url: %[3]s
zendesk:
  base_url: %[4]s
  retries: 0
`, sim.URLs["commercetools"], sim.URLs["square"], sim.URLs["klaviyo"], sim.URLs["zendesk"])
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	bin := gatewayBinary(t)
	one := startGateway(t, bin, config, db.URI())
	two := startGateway(t, bin, config, db.URI())

	if err := sim.Harness.Faults().Add(harness.Fault{System: "zendesk", ErrorRate: 1}); err != nil {
		t.Fatal(err)
	}
	byMail := query(t, one, byEmail, map[string]any{"e": email})["c"]
	byTel := query(t, one, byPhone, map[string]any{"p": phone})["c"]
	if byMail.ID == "" || byTel.ID == "" || byMail.ID == byTel.ID || len(byMail.Identities) != 1 || len(byTel.Identities) != 1 {
		t.Fatalf("with Zendesk down: %+v and %+v, want two customers of one record", byMail, byTel)
	}
	sim.Harness.Faults().Clear("zendesk")
	survivor, loser := min(byMail.ID, byTel.ID), max(byMail.ID, byTel.ID)
	// The second replica caches the customer that is about to be merged.
	for range 3 {
		if c := query(t, two, byID, map[string]any{"id": loser})["c"]; c.ID != loser || len(c.Identities) != 1 {
			t.Fatalf("replica two before the merge: %+v", c)
		}
	}

	merged := query(t, one, byRecord, map[string]any{"id": zendeskID})["c"]
	written := time.Now()
	if merged.ID != survivor || len(merged.Identities) != 3 {
		t.Fatalf("merge through replica one = %+v, want %s with 3 records", merged, survivor)
	}
	for {
		began := time.Now()
		c := query(t, two, byID, map[string]any{"id": loser})["c"]
		if c.ID == survivor && len(c.Identities) == 3 {
			t.Logf("replica two shows the merge %s after it was made (bound %s)", began.Sub(written).Round(time.Millisecond), bound)
			break
		}
		if late := began.Sub(written); late > bound {
			t.Fatalf("replica two still shows %s with %d records %s after the merge; bound %s", c.ID, len(c.Identities), late, bound)
		}
	}
	for name, q := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"customerByEmail": {byEmail, map[string]any{"e": email}},
		"customerByPhone": {byPhone, map[string]any{"p": phone}},
	} {
		if id := query(t, two, q.query, q.vars)["c"].ID; id != survivor {
			t.Errorf("replica two: %s = %s, want %s", name, id, survivor)
		}
	}
}
