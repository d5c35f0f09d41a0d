package channelsim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/world"
)

// TestGenerateLoadServe writes a world as a fixture directory, loads it
// back, serves it on free ports and reads it through each vendor's API.
func TestGenerateLoadServe(t *testing.T) {
	dir := t.TempDir()
	w, err := channelsim.Generate(world.Options{People: 60, Seed: 3}, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{
		"commercetools/customers.json", "commercetools/orders.json", "commercetools/carts.json", "commercetools/products.json",
		"commercetools/inventory.json", "commercetools/channels.json", "commercetools/stores.json", "commercetools/shopping-lists.json",
		"square/customers.json", "square/orders.json", "square/locations.json", "square/catalog.json",
		"square/inventory-counts.json", "square/loyalty-accounts.json",
		"klaviyo/profiles.json", "klaviyo/events.json", "klaviyo/metrics.json",
		"zendesk/users.json", "zendesk/tickets.json", "truth.json",
	} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	var truth struct {
		Records []struct{ System, ID, Person string } `json:"records"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "truth.json"))
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	if want := len(w.WebCustomers) + len(w.POSCustomers) + len(w.EmailProfiles) + len(w.SupportUsers); len(truth.Records) != want {
		t.Fatalf("truth has %d records, want %d", len(truth.Records), want)
	}

	// The same seed writes the same bytes.
	again := t.TempDir()
	if _, err := channelsim.Generate(world.Options{People: 60, Seed: 3}, again); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"commercetools/orders.json", "square/customers.json", "klaviyo/events.json", "zendesk/tickets.json", "truth.json"} {
		a, _ := os.ReadFile(filepath.Join(dir, f))
		b, _ := os.ReadFile(filepath.Join(again, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}

	data, err := channelsim.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := channelsim.Start(channelsim.Options{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	get := func(url string, header map[string]string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	c := sim.Credentials
	if code, body := get(sim.URLs["control"]+"/credentials", nil); code != 200 || !strings.Contains(body, c.Square.AccessToken) {
		t.Fatalf("credentials: %d %s", code, body)
	}
	user := w.SupportUsers[0]
	code, body := get(sim.URLs["zendesk"]+"/api/v2/users/show_many.json?ids="+jsonNumber(user.ID), map[string]string{
		"Authorization": "Bearer " + c.Zendesk.OAuthToken,
	})
	if code != 200 || !strings.Contains(body, jsonNumber(user.ID)) {
		t.Fatalf("zendesk show_many: %d %s", code, body)
	}
	code, body = get(sim.URLs["klaviyo"]+"/api/metrics", map[string]string{
		"Authorization": "Klaviyo-API-Key " + c.Klaviyo.APIKey, "revision": c.Klaviyo.Revision,
	})
	if code != 200 || !strings.Contains(body, "Opened Email") {
		t.Fatalf("klaviyo metrics: %d %s", code, body)
	}
	code, body = get(sim.URLs["square"]+"/v2/locations", map[string]string{
		"Authorization": "Bearer " + c.Square.AccessToken, "Square-Version": c.Square.SquareVersion,
	})
	if code != 200 || !strings.Contains(body, `"id":"`+w.Stores[0].ID+`"`) {
		t.Fatalf("square locations: %d %s", code, body)
	}
	if code, _ := get(sim.URLs["commercetools"]+"/"+c.Commercetools.ProjectKey+"/customers", nil); code != 401 {
		t.Fatalf("commercetools without a token answered %d, want 401", code)
	}
	stats := sim.Harness.Stats().Snapshot()
	if stats["zendesk"]["users.show_many"].Keys != 1 || stats["commercetools"]["customers.query"].Calls != 1 {
		t.Fatalf("counters: %+v", stats)
	}
}

func TestLoadDirErrors(t *testing.T) {
	if _, err := channelsim.LoadDir(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("missing directory: %v", err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "square"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "square", "customers.json"), []byte(`[{"id": 1`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := channelsim.LoadDir(dir); err == nil || !strings.Contains(err.Error(), "customers.json") {
		t.Fatalf("bad file: %v", err)
	}
	// An empty directory is a world with no records.
	if _, err := channelsim.LoadDir(t.TempDir()); err != nil {
		t.Fatalf("empty directory: %v", err)
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }
