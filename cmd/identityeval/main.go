// Command identityeval measures identity resolution against a generated
// world's answer key.
//
//	identityeval --data DIR [--json FILE] [--mongodb-uri URI] [--concurrency N] [--samples N]
//
// DIR is a fixture directory written by `channelsim generate`, with its
// truth.json. The directory is served by the channel simulator on free
// loopback ports; every customer, profile and user record truth.json lists
// is resolved through the real connectors and identity map (on embedded
// MongoDB unless --mongodb-uri is given), and the golden customers are
// scored against the answer key. The report's last line is
// "precision=P recall=R f1=F". Before it, "reachable_recall=R" is the
// ceiling for deterministic matching: the share of true pairs that a chain
// of the person's own records sharing a usable email or phone joins at all.
// Then the resolver's suggestions for agents (fuzzy evidence: names,
// postcodes, birthdays, typos; never merged by themselves) are made for
// every record and scored: how many are right (their two customers hold
// records of one person), how many of the pairs resolution missed an agent
// would be shown, and "recall_with_suggestions=R", the recall with every
// right suggestion confirmed.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/omnigate/omnigate/identityeval"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "identityeval:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("identityeval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "fixture directory with truth.json, as written by `channelsim generate` (required)")
	jsonOut := fs.String("json", "", "also write the figures as JSON to this file")
	uri := fs.String("mongodb-uri", "", "MongoDB to use (a fresh database is made and dropped); empty runs embedded FerretDB")
	conc := fs.Int("concurrency", 8, "records resolved at once")
	samples := fs.Int("samples", 5, "wrong merges and missed links shown in detail (negative: none)")
	verbose := fs.Bool("v", false, "print the connectors' and resolver's warnings to stderr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return fmt.Errorf("--data DIR is required (write one with: go run ./cmd/channelsim generate --people 2000 --seed 1 --out DIR)")
	}
	if *conc < 1 {
		return fmt.Errorf("--concurrency must be at least 1, got %d", *conc)
	}
	if *samples == 0 {
		*samples = -1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	opts := identityeval.Options{Dir: *data, MongoURI: *uri, Concurrency: *conc, Samples: *samples}
	if f, ok := stderr.(*os.File); ok && isTerminal(f) {
		opts.Progress = f
	}
	if *verbose {
		opts.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	rep, err := identityeval.Run(ctx, opts)
	if err != nil {
		return err
	}
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("--json: %w", err)
		}
	}
	return rep.WriteText(stdout)
}

// isTerminal reports whether f is a terminal (a character device), so that
// progress lines do not end up in logs and pipes.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
