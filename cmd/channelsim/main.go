// Command channelsim serves the four simulated channel systems on loopback
// ports, with a generated retail world or a fixture directory.
//
//	channelsim [flags]                                  serve
//	channelsim generate --people N --seed S --out DIR   write a fixture directory and truth.json
//
// See the README for ports, credentials, the fixture layout and the control
// endpoints.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "channelsim:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "generate" {
		return generate(args[1:])
	}
	return serve(args)
}

func generate(args []string) error {
	fs := flag.NewFlagSet("channelsim generate", flag.ContinueOnError)
	people := fs.Int("people", 2000, "how many people the world has")
	seed := fs.Int64("seed", 1, "the random seed; the same seed writes the same files")
	out := fs.String("out", "", "the directory to write (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("generate: --out DIR is required")
	}
	if *people < 1 {
		return fmt.Errorf("generate: --people must be at least 1, got %d", *people)
	}
	start := time.Now()
	w, err := channelsim.Generate(world.Options{People: *people, Seed: *seed}, *out)
	if err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d people, %d webshop customers, %d store customers, %d email profiles, %d support users in %v\n",
		*out, len(w.People), len(w.WebCustomers), len(w.POSCustomers), len(w.EmailProfiles), len(w.SupportUsers), time.Since(start).Round(time.Millisecond))
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func serve(args []string) error {
	fs := flag.NewFlagSet("channelsim", flag.ContinueOnError)
	host := fs.String("host", "127.0.0.1", "address to listen on")
	p := channelsim.DefaultPorts
	fs.IntVar(&p.Control, "control-port", p.Control, "control port: /stats, /faults, /limits, /credentials")
	fs.IntVar(&p.Commercetools, "commercetools-port", p.Commercetools, "commercetools (webshop) port")
	fs.IntVar(&p.Square, "square-port", p.Square, "Square (point of sale) port")
	fs.IntVar(&p.Klaviyo, "klaviyo-port", p.Klaviyo, "Klaviyo (email) port")
	fs.IntVar(&p.Zendesk, "zendesk-port", p.Zendesk, "Zendesk (support) port")
	data := fs.String("data", "", "serve this fixture directory instead of a generated world")
	people := fs.Int("people", 2000, "people in the generated world")
	seed := fs.Int64("seed", 1, "seed of the generated world")
	var faults, limits multiFlag
	fs.Var(&faults, "fault", "a fault, repeatable: system[/endpoint]:key=value,... (keys: latency, jitter, error_rate, error_status, rate_limit_rate, retry_after, hang_rate, malformed_rate, truncated_rate, drop_rate)")
	fs.Var(&limits, "rate-limit", "a rate limit, repeatable: system=requests_per_second")
	latency := fs.Duration("latency", 0, "latency added to every call of every system (shorthand for a fault)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := channelsim.Options{Host: *host, Ports: p, Limits: map[string]float64{}}
	for _, f := range faults {
		ft, err := harness.ParseFault(f)
		if err != nil {
			return err
		}
		opts.Faults = append(opts.Faults, ft)
	}
	if *latency > 0 {
		for _, s := range harness.Systems {
			opts.Faults = append(opts.Faults, harness.Fault{System: s, Latency: harness.Duration(*latency)})
		}
	}
	for _, l := range limits {
		sys, v, ok := strings.Cut(l, "=")
		n, err := strconv.ParseFloat(v, 64)
		if !ok || err != nil || n < 0 {
			return fmt.Errorf("--rate-limit %q: want system=requests_per_second", l)
		}
		opts.Limits[sys] = n
	}
	start := time.Now()
	var err error
	if *data != "" {
		if opts.Data, err = channelsim.LoadDir(*data); err != nil {
			return err
		}
	} else {
		w, err := world.Generate(world.Options{People: *people, Seed: *seed})
		if err != nil {
			return err
		}
		opts.Data = channelsim.FromWorld(w)
	}
	sim, err := channelsim.Start(opts)
	if err != nil {
		return err
	}
	defer sim.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	log.Info("channel simulator ready", "startup", time.Since(start).Round(time.Millisecond),
		"control", sim.URLs["control"], "commercetools", sim.URLs["commercetools"], "square", sim.URLs["square"],
		"klaviyo", sim.URLs["klaviyo"], "zendesk", sim.URLs["zendesk"])
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	log.Info("shutting down")
	return nil
}
