package square

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/omnigate/omnigate/internal/logbuf"
)

func TestSyncCatalogSparesLookupsAfterSales(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	ctx := context.Background()
	n, err := c.SyncCatalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("the sync read no variations")
	}
	orders, err := c.OrdersByCustomer(ctx, []string{custAlice})
	if err != nil {
		t.Fatal(err)
	}
	got := orders[custAlice][0].Lines[0]
	if got.SKU != "SKU-MUG-10" || got.Name != "Enamel Mug" {
		t.Fatalf("line after a sync: %+v", got)
	}
	carts, err := c.CartsByCustomer(ctx, []string{custAlice})
	if err != nil {
		t.Fatal(err)
	}
	if sku := carts[custAlice][0].Lines[0].SKU; sku != "SKU-MUG-1" {
		t.Fatalf("parked sale line after a sync: SKU %q", sku)
	}
	if calls := e.stats("catalog.batch-retrieve").Calls; calls != 0 {
		t.Fatalf("%d catalog lookups after a sync, want none", calls)
	}
}

func TestKeepCatalogSyncsUntilItsContextEnds(t *testing.T) {
	e := setup(t, shopWorld())
	c := e.client(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.KeepCatalog(ctx, time.Hour, slog.New(slog.NewTextHandler(&logbuf.Buffer{}, nil)))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for e.stats("catalog.search").Calls == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no catalog sync started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("KeepCatalog went on after its context ended")
	}

	// A failing sync is logged, and the loop goes on to the next one.
	down := e.client(t, func(cfg *Config) { cfg.BaseURL = "http://127.0.0.1:1"; cfg.Retries = 0 })
	logs := &logbuf.Buffer{}
	ctx, cancel = context.WithCancel(context.Background())
	done = make(chan struct{})
	go func() {
		defer close(done)
		down.KeepCatalog(ctx, time.Millisecond, slog.New(slog.NewTextHandler(logs, nil)))
	}()
	deadline = time.Now().Add(10 * time.Second)
	for strings.Count(logs.String(), "square catalog sync failed") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("failed syncs not logged and retried: %q", logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}
