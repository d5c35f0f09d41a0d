// Command gateway runs the omnigate GraphQL gateway.
//
//	gateway [--config FILE] [--demo] [--open]
//
// With --demo it also starts the channel simulator in-process on its default
// ports with the default generated world, so that one command runs the whole
// demo. Settings are described in doc/config.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/config"
	"github.com/omnigate/omnigate/gateway"
	"github.com/omnigate/omnigate/tracing"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run() error {
	configPath := flag.String("config", "", "YAML configuration file (defaults point at the channel simulator)")
	demo := flag.Bool("demo", false, "also run the channel simulator with demo data on its default ports")
	open := flag.Bool("open", false, "open GraphiQL in the desktop browser once listening")
	flag.Parse()

	cfg, err := config.Load(*configPath, nil)
	if err != nil {
		return err
	}
	// The collector's settings; GOMEMLIMIT and GOGC in the environment,
	// which the runtime has already applied, win.
	if _, set := os.LookupEnv("GOMEMLIMIT"); !set && cfg.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(int64(cfg.MemoryLimitMiB) << 20)
	}
	if _, set := os.LookupEnv("GOGC"); !set && cfg.GCPercent > 0 {
		debug.SetGCPercent(cfg.GCPercent)
	}
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *demo {
		start := time.Now()
		sim, err := channelsim.Start(channelsim.Options{Ports: channelsim.DefaultPorts})
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		defer sim.Close()
		log.Info("channel simulator running", "startup", time.Since(start).Round(time.Millisecond), "control", sim.URLs["control"])
	}

	stopTracing, err := tracing.Setup(ctx)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() {
		// Spans still buffered are sent before the process ends.
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(sctx); err != nil {
			log.Warn("tracing: spans were lost at shutdown", "err", err)
		}
	}()
	if tracing.Enabled() {
		log.Info("exporting traces over OTLP")
	}

	start := time.Now()
	g, err := gateway.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer g.Close(context.Background())

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	srv := &http.Server{Handler: g.Handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("gateway ready", "graphiql", url, "graphql", url+"graphql", "startup", time.Since(start).Round(time.Millisecond), "embedded_mongodb", g.DB.Embedded())
	if *open || cfg.OpenBrowser {
		openBrowser(log, url)
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Requests in flight end within request_timeout; give their answers a
	// little more to be written.
	sctx, cancel := context.WithTimeout(context.Background(), cfg.RequestTimeout+5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// openBrowser opens url in the desktop's browser when there is one.
func openBrowser(log *slog.Logger, url string) {
	for _, cmd := range []string{"xdg-open", "open"} {
		if path, err := exec.LookPath(cmd); err == nil {
			if err := exec.Command(path, url).Start(); err == nil {
				return
			}
		}
	}
	log.Info("no desktop browser found; open GraphiQL yourself", "url", url)
}
