package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/world"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/gateway"
)

// smallGateway starts a simulator with a small world of its own, which
// stops with the test, and a gateway on it, configured by mod and logging
// to logs, which the caller closes.
func smallGateway(t *testing.T, mod func(*config.Config), logs io.Writer) (*channelsim.Sim, *gateway.Gateway, *world.World) {
	t.Helper()
	w, err := world.Generate(world.Options{People: 50})
	if err != nil {
		t.Fatal(err)
	}
	sim, err := channelsim.Start(channelsim.Options{Data: channelsim.FromWorld(w)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	cfg := config.Default()
	cfg.MongoDB.DataDir = t.TempDir()
	cfg.Commercetools.BaseURL = sim.URLs["commercetools"]
	cfg.Commercetools.AuthURL = sim.URLs["commercetools"]
	cfg.Square.BaseURL = sim.URLs["square"]
	cfg.Klaviyo.BaseURL = sim.URLs["klaviyo"]
	cfg.Zendesk.BaseURL = sim.URLs["zendesk"]
	mod(&cfg)
	gw, err := gateway.New(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return sim, gw, w
}

// The gateway reads Square's catalog in the background from its start, with
// no query asking, and Close ends that work.
func TestCatalogSyncRunsInTheBackground(t *testing.T) {
	sim, gw, _ := smallGateway(t, func(cfg *config.Config) { cfg.Square.CatalogSync = 20 * time.Millisecond }, io.Discard)
	searches := func() int64 { return sim.Harness.Stats().Snapshot()["square"]["catalog.search"].Calls }
	deadline := time.Now().Add(10 * time.Second)
	for searches() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d catalog searches in 10 s with a sync every 20 ms", searches())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Close waits for the background work to end: once it returns, no
	// sync can start again.
	closed := make(chan error, 1)
	go func() { closed <- gw.Close(context.Background()) }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: the catalog sync went on")
	}
}
