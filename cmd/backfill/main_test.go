package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/world"
)

// TestCommand runs the command as a user would, against the simulator and
// embedded MongoDB in a temporary directory: a first run walks everything,
// a second has nothing to do, --restart walks again with bars drawn.
func TestCommand(t *testing.T) {
	path := simConfig(t)
	runCmd := func(terminal bool, args ...string) (string, string, error) {
		var out, errOut strings.Builder
		err := run(t.Context(), append([]string{"--config", path}, args...), &out, &errOut, terminal)
		return out.String(), errOut.String(), err
	}

	out, logs, err := runCmd(false, "--log-every", "10", "--page-size", "10")
	if err != nil {
		t.Fatalf("first run: %v\n%s\n%s", err, out, logs)
	}
	for _, want := range []string{"commercetools", "square", "klaviyo", "zendesk", "total", "customers ", "merges ", "conflicts "} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(logs, "backfill: square: walking every customer record") || !strings.Contains(logs, "records (") {
		t.Errorf("no progress lines on stderr:\n%s", logs)
	}

	out, _, err = runCmd(false)
	if err != nil || !strings.Contains(out, "nothing to do") {
		t.Errorf("second run: %v\n%s", err, out)
	}

	out, _, err = runCmd(true, "--restart", "--systems", "square,zendesk")
	if err != nil {
		t.Fatalf("restart: %v\n%s", err, out)
	}
	if !strings.Contains(out, "square") || !strings.Contains(out, "zendesk: done") || strings.Contains(out, "klaviyo") {
		t.Errorf("restart of square and zendesk:\n%s", out)
	}
}

func TestCommandRejectsBadFlags(t *testing.T) {
	t.Setenv("OMNIGATE_KLAVIYO_ENABLED", "false")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--systems", "square,shopify"}, `"shopify"`},
		{[]string{"--concurrency", "0"}, "--concurrency"},
		{[]string{"--page-size", "-1"}, "--page-size"},
		{[]string{"extra"}, `"extra"`},
		{[]string{"--systems", "klaviyo"}, "klaviyo is disabled"},
		{[]string{"--config", filepath.Join(t.TempDir(), "missing.yaml")}, "missing.yaml"},
	} {
		var out, errOut strings.Builder
		err := run(context.Background(), c.args, &out, &errOut, false)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one naming %s", c.args, err, c.want)
		}
		if errors.Is(err, errFailed) {
			t.Errorf("%v: reported as failed records", c.args)
		}
	}
}

// simConfig starts the simulator on a small world for the test and writes
// a configuration pointing at it, with embedded MongoDB in a temporary
// directory; it returns the configuration's path.
func simConfig(t *testing.T) string {
	t.Helper()
	w, err := world.Generate(world.Options{People: 30, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := channelsim.Start(channelsim.Options{Data: channelsim.FromWorld(w)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	t.Setenv("MONGODB_URI", "")
	dir := t.TempDir()
	cfg := fmt.Sprintf(`log_level: warn
mongodb:
  data_dir: %q
commercetools:
  base_url: %s
  auth_url: %s
square:
  base_url: %s
klaviyo:
  base_url: %s
zendesk:
  base_url: %s
`, filepath.Join(dir, "mongodb"), sim.URLs["commercetools"], sim.URLs["commercetools"], sim.URLs["square"], sim.URLs["klaviyo"], sim.URLs["zendesk"])
	path := filepath.Join(dir, "omnigate.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
