// Command backfill walks every customer record of every channel system and
// resolves each one into the identity map, so that customer lists and
// statistics see everyone.
//
//	backfill [--config FILE] [--systems commercetools,square] [--restart] [--concurrency N] [--page-size N] [--suggest=false]
//
// It reads the gateway's configuration (file and environment). Each
// system's walk is stored after every page: an interrupted run (Ctrl-C,
// SIGTERM) starts no more records, finishes those in flight and stores where
// it stopped, and the next run continues from there; --restart walks again from the first page. On a terminal it
// draws a progress bar per system, elsewhere it logs a line every
// --log-every records. It ends with a summary table; the exit code is 1
// when a record or a system failed, 130 when interrupted. After a complete
// walk of every system it lists likely duplicates on fuzzy evidence for
// agents to review (--suggest=false skips that).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/backfill"
	"github.com/omnigate/omnigate/config"
)

// errFailed and errInterrupted set the exit code after the summary.
var (
	errFailed      = errors.New("some records or systems failed (listed above); run again to retry them")
	errInterrupted = errors.New("interrupted")
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		// A second Ctrl-C ends the process at once.
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isatty.IsTerminal(os.Stdout.Fd()) || isatty.IsCygwinTerminal(os.Stdout.Fd()))
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errInterrupted):
		os.Exit(130)
	default:
		fmt.Fprintln(os.Stderr, "backfill:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) error {
	fs := flag.NewFlagSet("backfill", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "YAML configuration file, the gateway's (environment variables apply too)")
	restart := fs.Bool("restart", false, "walk every selected system again from its first page")
	conc := fs.Int("concurrency", 4, "records resolved at once, across all systems")
	pageSize := fs.Int("page-size", 100, "records asked for per page")
	systems := fs.String("systems", "", "comma-separated systems to walk (commercetools, square, klaviyo, zendesk); empty: all enabled")
	every := fs.Int64("log-every", 1000, "when not on a terminal, log a line per system every N records")
	suggest := fs.Bool("suggest", true, "after a complete walk, list pairs of customers that are likely one person on fuzzy evidence, for agents to review (identitySuggestions)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	if *conc < 1 {
		return fmt.Errorf("--concurrency must be at least 1, got %d", *conc)
	}
	if *pageSize < 1 {
		return fmt.Errorf("--page-size must be at least 1, got %d", *pageSize)
	}
	if *every < 1 {
		return fmt.Errorf("--log-every must be at least 1, got %d", *every)
	}
	selected, err := backfill.ParseSystems(*systems)
	if err != nil {
		return fmt.Errorf("--systems: %w", err)
	}
	cfg, err := config.Load(*configPath, nil)
	if err != nil {
		return err
	}
	enabled := map[omnigate.System]bool{
		omnigate.Commercetools: cfg.Commercetools.Enabled, omnigate.Square: cfg.Square.Enabled,
		omnigate.Klaviyo: cfg.Klaviyo.Enabled, omnigate.Zendesk: cfg.Zendesk.Enabled,
	}
	for _, s := range selected {
		if !enabled[s] {
			return fmt.Errorf("--systems: %s is disabled in the configuration", s)
		}
	}

	var display *backfill.Display
	if terminal {
		display = backfill.NewBars(stdout)
	} else {
		display = backfill.NewLines(stderr, *every)
	}
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[cfg.LogLevel]
	// Record failures are in the summary; the log keeps to warnings.
	log := slog.New(slog.NewTextHandler(display.Writer(), &slog.HandlerOptions{Level: max(level, slog.LevelWarn)}))

	w, err := backfill.Open(ctx, cfg, log)
	if err != nil {
		display.Close()
		return err
	}
	defer w.Close(context.Background())
	if w.StoreContacts == 0 && cfg.Square.Enabled {
		log.Warn("the point of sale's store phones and emails could not be read: walk-in customers may be linked by them")
	}
	sum, err := backfill.Run(ctx, backfill.Options{
		Resolver:    w.Resolver,
		DB:          w.DB,
		Listers:     w.Listers,
		Systems:     selected,
		Restart:     *restart,
		Concurrency: *conc,
		PageSize:    *pageSize,
		Reporter:    display,
		Log:         log,
	})
	display.Close()
	if err != nil {
		return err
	}
	if sum.NothingToDo() {
		// The walk is complete, but the suggestion pass that followed it
		// may have been interrupted or have failed: it runs again (it
		// rewrites the same pairs), unless --suggest=false.
		fmt.Fprintln(stdout, "Every selected system was walked to the end by an earlier run: nothing to do. Use --restart to walk them again.")
	} else {
		fmt.Fprintln(stdout)
		if err := sum.WriteTable(stdout); err != nil {
			return err
		}
		if sum.Interrupted {
			again := "Run the same command again to resume."
			if *restart {
				// With --restart again, the walk would begin once more.
				again = "Run it again without --restart to resume."
			}
			fmt.Fprintln(stdout, "\nInterrupted: the records in flight were finished and where each system stands is stored. "+again)
			return errInterrupted
		}
		if sum.Failed() {
			return errFailed
		}
	}
	if *suggest && len(selected) == 0 {
		fmt.Fprintln(stdout, "\nLooking for likely duplicates on fuzzy evidence...")
		ss, err := backfill.Suggest(ctx, backfill.Options{Resolver: w.Resolver, Listers: w.Listers, PageSize: *pageSize})
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintln(stdout, "Interrupted: the walk is complete; run the same command again to look for duplicates.")
				return errInterrupted
			}
			return fmt.Errorf("suggestions: %w", err)
		}
		fmt.Fprintf(stdout, "%d records read (%d not linked, left out), %d pairs of customers suggested for review (identitySuggestions), in %s.\n",
			ss.Records, ss.Unlinked, ss.Pairs, ss.Duration.Round(time.Millisecond))
	}
	return nil
}
