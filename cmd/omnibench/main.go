// Command omnibench measures the gateway under load.
//
//	omnibench [--latency 20ms] [--duration 10s] [--concurrency 16] [--rate 0]
//	          [--scenarios c360-id,...] [--people 2000] [--out bench-results.json]
//	          [--profile DIR]
//
// It runs the channel simulator in-process on loopback ports with the given
// latency added to every upstream call, builds ./cmd/gateway and runs it as a
// separate process on embedded MongoDB (so that its CPU time, allocations and
// memory are its own), resolves the customers it will ask about, then runs
// each scenario for a fixed time. It prints a Markdown table and writes the
// full results as JSON. `make bench` runs it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/omnigate/omnigate/bench"
	"github.com/omnigate/omnigate/channelsim"
	"github.com/omnigate/omnigate/channelsim/harness"
	"github.com/omnigate/omnigate/channelsim/world"
)

func main() {
	if os.Getenv(bench.LoadProcessEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		if err := bench.RunLoadProcess(ctx, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "omnibench load process:", err)
			os.Exit(1)
		}
		return
	}
	if os.Getenv(bench.StallProbeEnv) == "1" {
		if err := bench.RunStallProbe(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "omnibench stall probe:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "omnibench:", err)
		os.Exit(1)
	}
}

type options struct {
	latency, duration time.Duration
	concurrency       int
	rate              float64
	scenarios         []string
	people            int
	seed              int64
	out, profile      string
	calibration       int
	pin               bool
}

// splitCPUs splits the CPUs omnibench may run on into a first half, for
// omnibench, and a second half, for the gateway.
func splitCPUs(allowed []int) (mine, its []int) {
	half := len(allowed) / 2
	return slices.Clone(allowed[:half]), slices.Clone(allowed[half:])
}

var scenarioNames = []string{"c360-id", "c360-email-cold", "c360-email-warm", "batch50", "timeline-pages", "phone-cart"}

func parseFlags() (options, error) {
	var o options
	var scen string
	flag.DurationVar(&o.latency, "latency", 20*time.Millisecond, "latency the simulator adds to every upstream call")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long each scenario runs")
	flag.IntVar(&o.concurrency, "concurrency", 16, "queries in flight (closed loop: workers; open loop: at least this many workers)")
	flag.Float64Var(&o.rate, "rate", 0, "fixed arrival rate in queries/s (open loop); 0 runs a closed loop at --concurrency")
	flag.StringVar(&scen, "scenarios", strings.Join(scenarioNames, ","), "comma-separated scenarios to run: "+strings.Join(scenarioNames, ", "))
	flag.IntVar(&o.people, "people", world.DefaultPeople, "people in the generated world")
	flag.Int64Var(&o.seed, "seed", world.DefaultSeed, "world seed")
	flag.StringVar(&o.out, "out", "bench-results.json", "JSON results file")
	flag.StringVar(&o.profile, "profile", "", "if set, take a CPU profile of the gateway during each scenario into DIR/<scenario>.pprof, heap profiles at the start and halfway into DIR/<scenario>.heap0.pprof and .heap.pprof, and a CPU profile of omnibench's main process (the simulator, and in closed loop the load generator) into DIR/<scenario>.omnibench.pprof")
	flag.BoolVar(&o.pin, "pin", false, "run the gateway on the second half of the CPUs and omnibench (simulator, load generator and stall probe) on the first half, so that the gateway's figures are its own CPUs' (Linux)")
	flag.IntVar(&o.calibration, "calibration", 10, "queries run one at a time, with and without latency, to count a scenario's sequential upstream rounds")
	flag.Parse()
	if flag.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", flag.Args())
	}
	switch {
	case o.latency < 0:
		return o, fmt.Errorf("--latency must not be negative, got %v", o.latency)
	case o.duration <= 0:
		return o, fmt.Errorf("--duration must be positive, got %v", o.duration)
	case o.concurrency < 1:
		return o, fmt.Errorf("--concurrency must be at least 1, got %d", o.concurrency)
	case o.rate < 0:
		return o, fmt.Errorf("--rate must not be negative, got %v", o.rate)
	case o.people < 100 || o.people > world.MaxPeople:
		return o, fmt.Errorf("--people must be between 100 and %d, got %d", world.MaxPeople, o.people)
	case o.pin && runtime.NumCPU() < 2:
		return o, fmt.Errorf("--pin needs at least 2 CPUs, this machine has %d", runtime.NumCPU())
	case o.calibration < 3:
		return o, fmt.Errorf("--calibration must be at least 3, got %d", o.calibration)
	}
	for _, s := range strings.Split(scen, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(scenarioNames, s) {
			return o, fmt.Errorf("--scenarios: unknown scenario %q; known: %s", s, strings.Join(scenarioNames, ", "))
		}
		o.scenarios = append(o.scenarios, s)
	}
	if len(o.scenarios) == 0 {
		return o, errors.New("--scenarios names no scenario")
	}
	return o, nil
}

// Result is one scenario's figures, as written to the JSON file.
type Result struct {
	Scenario   string  `json:"scenario"`
	About      string  `json:"about"`
	Queries    int     `json:"queries"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	Late       int     `json:"late,omitempty"`
	Exhausted  bool    `json:"inputs_exhausted,omitempty"`
	Seconds    float64 `json:"seconds"`
	Throughput float64 `json:"throughput_qps"`

	Latency bench.Percentiles `json:"latency"`
	// Rounds is the estimated number of sequential upstream rounds on the
	// critical path; Overhead is the latency minus Rounds × the latency.
	Rounds        int               `json:"upstream_rounds"`
	CalibrationMs [2]float64        `json:"calibration_median_ms"`
	Overhead      bench.Percentiles `json:"overhead"`
	// GatewayTime is each query's latency minus the time the systems were
	// answering its calls, from the simulator's trace of its request id.
	GatewayTime bench.Percentiles `json:"gateway_time"`
	// OverUpstream is each query's latency minus the time its request
	// waited on the systems, by the gateway's own Server-Timing header.
	OverUpstream bench.Percentiles `json:"overhead_over_upstream"`
	// SendLag is how late the load generator sent each query after it was
	// due (open loop); OverUpstreamFromSend is OverUpstream without it.
	SendLag              bench.Percentiles  `json:"send_lag"`
	OverUpstreamFromSend bench.Percentiles  `json:"overhead_over_upstream_from_send"`
	UpstreamPerQ         map[string]float64 `json:"upstream_calls_per_query"`
	UpstreamTotalPQ      float64            `json:"upstream_calls_per_query_total"`
	// UpstreamKBPerQ is the size of the systems' answers per query, by
	// endpoint: response bodies as the simulator sent them. Sizes are in
	// KiB and MiB (1,024 and 1,048,576 bytes), the JSON names' kb and mb
	// included.
	UpstreamKBPerQ    map[string]float64 `json:"upstream_kb_per_query"`
	UpstreamKBTotalPQ float64            `json:"upstream_kb_per_query_total"`
	CPUMsPerQuery     float64            `json:"gateway_cpu_ms_per_query"`
	CPUUtilization    float64            `json:"gateway_cpu_cores"`
	SelfCPU           float64            `json:"omnibench_and_simulator_cpu_cores"`
	AllocsPerQuery    float64            `json:"gateway_allocs_per_query"`
	KBPerQuery        float64            `json:"gateway_alloc_kb_per_query"`
	PeakRSSMB         float64            `json:"gateway_peak_rss_mb"`
	Profile           string             `json:"cpu_profile,omitempty"`
	// MachineStalls is how late a process that only sleeps 1 ms at a time
	// woke during the run: how long the machine kept a ready process from
	// running.
	MachineStalls bench.Percentiles `json:"machine_stalls"`
	// LoadAverage is the machine's 1-minute load average at the end of the
	// run: above the CPU count, other processes competed for the CPUs.
	LoadAverage float64 `json:"machine_load_average_1m"`
}

// Report is the JSON file.
type Report struct {
	Started     time.Time `json:"started"`
	GoVersion   string    `json:"go_version"`
	CPUs        int       `json:"cpus"`
	Latency     string    `json:"upstream_latency"`
	Duration    string    `json:"duration_per_scenario"`
	Mode        string    `json:"mode"`
	People      int       `json:"people"`
	Method      []string  `json:"method"`
	Results     []Result  `json:"results"`
	StartupSecs float64   `json:"gateway_startup_seconds"`
}

var method = []string{
	"The channel simulator runs inside omnibench on loopback ports; every upstream call gets the configured latency added (harness fault 'latency' on every system). The gateway runs as its own process (built from ./cmd/gateway) on embedded MongoDB in a temporary directory. In open loop (--rate) the load generator runs each scenario in a process of its own (omnibench started again), as clients would not share a process with the systems: in the simulator's process, the simulator's work and garbage collection held up its timers. In closed loop it runs in omnibench's process, where it costs the machine less CPU. Load generator, simulator and gateway share the machine's CPUs.",
	"Identities are resolved before any scenario runs, with no latency; cold lookups use emails never asked before.",
	"Latency: client wall time per query, until its response has been read whole (closed loop: from send; open loop: from the query's scheduled start, so queueing counts). Percentiles are nearest-rank.",
	"Overhead over upstream: a query's latency minus the time its request waited on the channel systems, from the gateway's Server-Timing header (upstream: the union of its calls' times from sending to having the answer read whole). It is the time none of the query's calls was under way: the gateway's own work (decoding answers included), the network between client and gateway and, under load, queueing for the CPUs. Each call's time includes the loopback network and the simulator's HTTP server, which share the CPUs.",
	"Send lag (open loop): how late the load generator sent each query after it was due. An arrival waits for a free worker only when queries take over a second (there are as many workers as arrivals per second), and such a wait counts as the gateway's, not as lag; the lag is the load generator's process kept from running. Over upstream from send is the overhead over upstream without it: the gateway's side, from the moment the query left the client. Latency and the other overheads keep it.",
	"Overhead: before each scenario, --calibration queries run one at a time with no upstream latency and then with the latency L; rounds = round((median_L - median_0) / L) is the number of sequential upstream rounds on the critical path. Overhead of a query under load = its latency - rounds x L. It includes the simulator's own work, the network and, under load, queueing for the CPUs.",
	"Gateway time: every query carries its own X-Request-Id, which the gateway passes on to every upstream call; the simulator records when it was answering each call (arrival to last byte, injected latency included). Gateway time of a query = its latency - the union of its calls' intervals: the time no channel system was working on it (the gateway's own work, the network and, under load, queueing).",
	"Throughput counts queries answered without errors. Per-query figures below divide by every query that got an answer, failed ones included (they cost work too).",
	"Upstream calls per query: the simulator's per-endpoint call counters, reset before the run, divided by the queries. Upstream KiB per query: the bytes of response bodies the simulator sent (as the vendors' APIs shape them, error answers included), counted the same way. They are what the gateway has to read and decode.",
	"Gateway CPU per query: user+system time of the gateway process (/proc/<pid>/stat, 10 ms ticks) over the run, divided by the queries; CPU cores = CPU time / wall time. omnibench's own processes (simulator and load generator) are shown the same way, since they share the CPUs.",
	"Allocations per query: the gateway's runtime.MemStats Mallocs and TotalAlloc (from its /debug/vars) over the run, divided by the queries.",
	"Machine stalls: during each run a separate process (omnibench started again as a probe) sleeps 1 ms at a time and records how late it wakes: how long the machine kept a ready process from running. No query's latency can be below such a stall when one falls on it.",
	"Peak RSS: VmHWM of the gateway process (/proc/<pid>/status), reset before each scenario by writing 5 to /proc/<pid>/clear_refs (lifetime peak if that is refused).",
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	tmp, err := os.MkdirTemp("", "omnibench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	log.Info("generating world", "people", o.people, "seed", o.seed)
	w, err := world.Generate(world.Options{People: o.people, Seed: o.seed})
	if err != nil {
		return err
	}
	sim, err := channelsim.Start(channelsim.Options{Data: channelsim.FromWorld(w)})
	if err != nil {
		return err
	}
	defer sim.Close()

	bin := filepath.Join(tmp, "gateway")
	if o.profile != "" {
		if err := os.MkdirAll(o.profile, 0o755); err != nil {
			return err
		}
		// Kept next to the profiles, for go tool pprof.
		bin = filepath.Join(o.profile, "gateway")
	}
	log.Info("building ./cmd/gateway")
	if err := build(ctx, bin); err != nil {
		return err
	}
	started := time.Now()
	gw, err := startGateway(ctx, bin, tmp, sim)
	if err != nil {
		return err
	}
	defer gw.stop()
	startup := time.Since(started)
	log.Info("gateway ready", "url", gw.url, "pid", gw.cmd.Process.Pid, "startup", startup.Round(time.Millisecond))
	// With --pin: omnibench's CPUs and the gateway's.
	var mine, its []int
	if o.pin {
		allowed, err := bench.AllowedCPUs()
		if err != nil {
			return err
		}
		if mine, its = splitCPUs(allowed); len(mine) == 0 {
			return fmt.Errorf("--pin needs at least 2 CPUs, this process may run on %v", allowed)
		}
		if err := bench.Pin(gw.cmd.Process.Pid, its); err != nil {
			return err
		}
		if err := bench.Pin(0, mine); err != nil {
			return err
		}
		log.Info("pinned", "gateway_cpus", its, "omnibench_cpus", mine)
	}

	conns := max(o.concurrency, int(o.rate)) + 8
	client := bench.NewClient(gw.url+"/graphql", conns)
	setLatency := func(d time.Duration) error {
		sim.Harness.Faults().Clear("")
		if d == 0 {
			return nil
		}
		for _, s := range harness.Systems {
			if err := sim.Harness.Faults().Add(harness.Fault{System: s, Latency: harness.Duration(d)}); err != nil {
				return err
			}
		}
		return nil
	}

	// Resolve first, with no latency: resolution is not what most
	// scenarios measure.
	picks := bench.Pick(w, 200, 32, 200)
	ids, emails, err := bench.ResolveEmails(ctx, client, picks.Omnichannel, 8)
	if err != nil {
		return err
	}
	long, _, err := bench.ResolveEmails(ctx, client, picks.LongHistory, 8)
	if err != nil {
		return err
	}
	phones, err := bench.ResolvePhones(ctx, client, picks.Phones, 8)
	if err != nil {
		return err
	}
	in := bench.Inputs{IDs: ids, Emails: emails, Cold: picks.Others, LongHistory: long, Phones: phones, BatchSize: 50}
	log.Info("resolved", "omnichannel", len(ids), "long_histories", len(long), "phones", len(phones), "cold_pool", len(in.Cold))
	if len(ids) < in.BatchSize {
		return fmt.Errorf("only %d customers resolved, the batch scenario needs %d", len(ids), in.BatchSize)
	}

	mode := fmt.Sprintf("closed loop, %d workers", o.concurrency)
	if o.rate > 0 {
		mode = fmt.Sprintf("open loop, %.0f queries/s", o.rate)
	}
	if o.pin {
		mode += fmt.Sprintf(", gateway pinned to CPUs %v and omnibench to CPUs %v", its, mine)
	}
	rep := Report{
		Started: started, GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), Latency: o.latency.String(), Duration: o.duration.String(),
		Mode: mode, People: o.people, Method: method, StartupSecs: startup.Seconds(),
	}
	// Calibration and the load run on scenarios of their own (the load
	// perhaps in a process of its own, see drive): cold lookups must not
	// repeat between the two, so calibration takes its cold emails from the
	// end of the pool.
	reserve := min(len(in.Cold), 2+2*o.calibration)
	calib, load := in, in
	calib.Cold, load.Cold = in.Cold[len(in.Cold)-reserve:], in.Cold[:len(in.Cold)-reserve]
	all := bench.Scenarios(client, calib)
	for _, name := range o.scenarios {
		sc, err := bench.Named(all, name)
		if err != nil {
			return err
		}
		job := bench.LoadJob{URL: client.URL, Conns: conns, Inputs: load, Scenario: name,
			Load: bench.Load{Duration: o.duration, Concurrency: o.concurrency, Rate: o.rate}}
		r, err := measure(ctx, log, o, sc, job, gw, client, sim, setLatency)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		rep.Results = append(rep.Results, r)
	}
	_ = setLatency(0)

	printMarkdown(os.Stdout, rep)
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(o.out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	log.Info("results written", "file", o.out)
	return nil
}

// drive runs the scenario's load. An open-loop run (--rate), whose figures
// are each query's latency and overhead, drives from a process of its own
// (bench.RunOwnProcess), apart from the simulator: in the simulator's
// process, its work and garbage collection held up the load generator's
// timers (send lag p99 4.1-7.0 ms there, 1.9-2.9 apart). A closed-loop run,
// whose figure is throughput at saturation, drives from this process: a
// third Go runtime on the machine took CPU from the gateway (c360-id with
// no latency: 550-561 queries/s apart, 602-688 here).
func drive(ctx context.Context, job bench.LoadJob, client *bench.Client) (bench.LoadResult, error) {
	if job.Load.Rate > 0 {
		return bench.RunOwnProcess(ctx, job)
	}
	sc, err := bench.Named(bench.Scenarios(client, job.Inputs), job.Scenario)
	if err != nil {
		return bench.LoadResult{}, err
	}
	return bench.LoadResult{Sample: bench.Run(ctx, sc, job.Load)}, nil
}

func measure(ctx context.Context, log *slog.Logger, o options, sc bench.Scenario, job bench.LoadJob, gw *gatewayProc, client *bench.Client, sim *channelsim.Sim, setLatency func(time.Duration) error) (Result, error) {
	r := Result{Scenario: sc.Name, About: sc.About}
	pid := gw.cmd.Process.Pid

	// Calibration: the same queries one at a time, with and without the
	// latency, give the rounds on the critical path.
	if o.latency > 0 {
		if err := setLatency(0); err != nil {
			return r, err
		}
		step := sc.Worker(0)
		// Warm the connections first.
		if _, err := bench.Sequential(ctx, step, 2); err != nil {
			return r, fmt.Errorf("calibration: %w", err)
		}
		d0, err := bench.Sequential(ctx, step, o.calibration)
		if err != nil {
			return r, fmt.Errorf("calibration: %w", err)
		}
		if err := setLatency(o.latency); err != nil {
			return r, err
		}
		dl, err := bench.Sequential(ctx, sc.Worker(1), o.calibration)
		if err != nil {
			return r, fmt.Errorf("calibration: %w", err)
		}
		m0, ml := bench.Median(d0), bench.Median(dl)
		r.Rounds = bench.Rounds(m0, ml, o.latency)
		r.CalibrationMs = [2]float64{float64(m0.Microseconds()) / 1e3, float64(ml.Microseconds()) / 1e3}
	} else if err := setLatency(0); err != nil {
		return r, err
	}

	rssReset := bench.ResetPeakRSS(pid) == nil
	sim.Harness.Stats().Reset()
	sim.Harness.Trace().Enable(true) // starts empty
	cpu0, err := bench.CPUTime(pid)
	if err != nil {
		return r, err
	}
	self0, err := bench.CPUTime(os.Getpid())
	if err != nil {
		return r, err
	}
	ms0, err := bench.ReadMemStats(ctx, client.HTTP, gw.url+"/debug/vars")
	if err != nil {
		return r, err
	}
	var profDone chan error
	if o.profile != "" {
		r.Profile = filepath.Join(o.profile, sc.Name+".pprof")
		profDone = make(chan error, 1)
		go func() { profDone <- gw.cpuProfile(ctx, max(1, int(o.duration.Seconds())-1), r.Profile) }()
		// The heap at the start and halfway through, when the load is
		// steady: the allocations of the scenario alone are
		// go tool pprof -sample_index=alloc_space -diff_base X.heap0.pprof X.heap.pprof.
		if err := gw.fetch(ctx, "/debug/pprof/heap", filepath.Join(o.profile, sc.Name+".heap0.pprof")); err != nil {
			log.Warn("heap profile", "err", err)
		}
		heapOut := filepath.Join(o.profile, sc.Name+".heap.pprof")
		heapDone := time.AfterFunc(o.duration/2, func() {
			if err := gw.fetch(ctx, "/debug/pprof/heap", heapOut); err != nil {
				log.Warn("heap profile", "err", err)
			}
		})
		defer heapDone.Stop()
		// omnibench's own process too: the simulator and the load
		// generator share the CPUs with the gateway.
		self, err := os.Create(filepath.Join(o.profile, sc.Name+".omnibench.pprof"))
		if err != nil {
			return r, err
		}
		defer self.Close()
		if err := pprof.StartCPUProfile(self); err != nil {
			return r, err
		}
		stopSelf := time.AfterFunc(o.duration, pprof.StopCPUProfile)
		defer func() {
			if stopSelf.Stop() {
				pprof.StopCPUProfile()
			}
		}()
	}

	log.Info("running", "scenario", sc.Name, "rounds", r.Rounds, "duration", o.duration)
	probe, err := bench.StartStallProbe()
	if err != nil {
		return r, err
	}
	lr, err := drive(ctx, job, client)
	if err != nil {
		_, _ = probe.Stop()
		return r, err
	}
	s := lr.Sample
	stalls, err := probe.Stop()
	if err != nil {
		return r, err
	}
	r.MachineStalls = bench.Summarize(stalls, 0)

	cpu1, err := bench.CPUTime(pid)
	if err != nil {
		return r, err
	}
	self1, err := bench.CPUTime(os.Getpid())
	if err != nil {
		return r, err
	}
	ms1, err := bench.ReadMemStats(ctx, client.HTTP, gw.url+"/debug/vars")
	if err != nil {
		return r, err
	}
	rss, err := bench.PeakRSS(pid)
	if err != nil {
		return r, err
	}
	if profDone != nil {
		if err := <-profDone; err != nil {
			return r, fmt.Errorf("cpu profile: %w", err)
		}
	}
	snap := sim.Harness.Stats().Snapshot()
	r.LoadAverage, _ = bench.LoadAverage()

	q := len(s.Latencies)
	r.Queries, r.Errors, r.FirstError, r.Late, r.Exhausted = q, s.Errors, s.FirstError, s.Late, s.Exhausted
	r.Seconds = round(s.Elapsed.Seconds(), 3)
	r.Throughput = round(float64(q)/s.Elapsed.Seconds(), 1)
	r.Latency = bench.Summarize(s.Latencies, 0)
	r.Overhead = bench.Summarize(s.Latencies, time.Duration(r.Rounds)*o.latency)
	r.GatewayTime = bench.Summarize(bench.Own(s, sim.Harness.Trace().Busy), 0)
	r.OverUpstream = bench.Summarize(bench.OverUpstream(s), 0)
	r.SendLag = bench.Summarize(s.Lags, 0)
	r.OverUpstreamFromSend = bench.Summarize(bench.OverUpstreamFromSend(s), 0)
	r.PeakRSSMB = round(float64(rss)/(1<<20), 1)
	if !rssReset {
		r.About += " (peak RSS is the process's lifetime peak: clear_refs refused)"
	}
	r.CPUUtilization = round((cpu1-cpu0).Seconds()/s.Elapsed.Seconds(), 2)
	r.SelfCPU = round((self1-self0+lr.CPU).Seconds()/s.Elapsed.Seconds(), 2)
	r.UpstreamPerQ = map[string]float64{}
	r.UpstreamKBPerQ = map[string]float64{}
	// Failed queries cost the gateway work too: per-query figures divide by
	// every query answered, with or without errors.
	if q := q + s.Errors; q > 0 {
		r.CPUMsPerQuery = round(float64((cpu1-cpu0).Microseconds())/1e3/float64(q), 3)
		// Two /debug/vars reads fall inside the window; they are small
		// next to thousands of queries.
		r.AllocsPerQuery = round(float64(ms1.Mallocs-ms0.Mallocs)/float64(q), 0)
		r.KBPerQuery = round(float64(ms1.TotalAlloc-ms0.TotalAlloc)/1024/float64(q), 1)
		var total, bytes int64
		for sys, eps := range snap {
			for ep, st := range eps {
				r.UpstreamPerQ[sys+" "+ep] = round(float64(st.Calls)/float64(q), 3)
				r.UpstreamKBPerQ[sys+" "+ep] = round(float64(st.Bytes)/1024/float64(q), 2)
				total += st.Calls
				bytes += st.Bytes
			}
		}
		r.UpstreamTotalPQ = round(float64(total)/float64(q), 3)
		r.UpstreamKBTotalPQ = round(float64(bytes)/1024/float64(q), 1)
	}
	log.Info("done", "scenario", sc.Name, "queries", q, "errors", s.Errors, "qps", r.Throughput, "p50_ms", r.Latency.P50, "p99_ms", r.Latency.P99)
	if s.Errors > 0 {
		log.Warn("errors", "scenario", sc.Name, "count", s.Errors, "first", s.FirstError)
	}
	if s.Late > 0 {
		log.Warn("arrivals never sent", "scenario", sc.Name, "late", s.Late)
	}
	return r, nil
}

func round(v float64, places int) float64 {
	p := 1.0
	for range places {
		p *= 10
	}
	if v < 0 {
		return -float64(int64(-v*p+0.5)) / p
	}
	return float64(int64(v*p+0.5)) / p
}

// byEndpoint prints a table of one per-endpoint figure: a row per endpoint,
// a column per scenario.
func byEndpoint(w io.Writer, results []Result, title, format string, figure func(Result) map[string]float64) {
	fmt.Fprintf(w, "\n### %s\n", title)
	eps := map[string]bool{}
	for _, r := range results {
		for k := range figure(r) {
			eps[k] = true
		}
	}
	keys := make([]string, 0, len(eps))
	for k := range eps {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fmt.Fprint(w, "\n| endpoint |")
	for _, r := range results {
		fmt.Fprintf(w, " %s |", r.Scenario)
	}
	fmt.Fprint(w, "\n|---|")
	for range results {
		fmt.Fprint(w, "--:|")
	}
	fmt.Fprintln(w)
	for _, k := range keys {
		fmt.Fprintf(w, "| %s |", k)
		for _, r := range results {
			if v, ok := figure(r)[k]; ok {
				fmt.Fprintf(w, " "+format+" |", v)
			} else {
				fmt.Fprint(w, " |")
			}
		}
		fmt.Fprintln(w)
	}
}

func printMarkdown(w io.Writer, rep Report) {
	fmt.Fprintf(w, "## omnibench: upstream latency %s per call, %s, %s per scenario, %d people, %d CPUs\n\n", rep.Latency, rep.Mode, rep.Duration, rep.People, rep.CPUs)
	fmt.Fprintln(w, "| scenario | queries | errors | queries/s | p50 ms | p95 ms | p99 ms | rounds | overhead p50 ms | overhead p95 ms | overhead p99 ms | over upstream p50 ms | over upstream p99 ms | over upstream from send p50 ms | over upstream from send p99 ms | gateway time p50 ms | gateway time p99 ms | upstream calls/query | upstream KiB/query | gateway CPU ms/query | gateway CPU cores | omnibench+sim CPU cores | allocs/query | KiB alloc/query | gateway peak RSS MiB |")
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rep.Results {
		name := r.Scenario
		if r.Exhausted {
			name += " (inputs ran out)"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %.1f | %.2f | %.2f | %.2f | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f | %.0f | %.1f | %.1f |\n",
			name, r.Queries, r.Errors, r.Throughput, r.Latency.P50, r.Latency.P95, r.Latency.P99, r.Rounds,
			r.Overhead.P50, r.Overhead.P95, r.Overhead.P99, r.OverUpstream.P50, r.OverUpstream.P99,
			r.OverUpstreamFromSend.P50, r.OverUpstreamFromSend.P99, r.GatewayTime.P50, r.GatewayTime.P99, r.UpstreamTotalPQ, r.UpstreamKBTotalPQ, r.CPUMsPerQuery, r.CPUUtilization, r.SelfCPU, r.AllocsPerQuery, r.KBPerQuery, r.PeakRSSMB)
	}
	byEndpoint(w, rep.Results, "Upstream calls per query, by endpoint", "%.3g", func(r Result) map[string]float64 { return r.UpstreamPerQ })
	byEndpoint(w, rep.Results, "Upstream KiB per query (the systems' answers), by endpoint", "%.1f", func(r Result) map[string]float64 { return r.UpstreamKBPerQ })
	fmt.Fprint(w, "\nMachine load average (1 min) at the end of each scenario:")
	for _, r := range rep.Results {
		fmt.Fprintf(w, " %s %.1f;", r.Scenario, r.LoadAverage)
	}
	fmt.Fprintf(w, " on %d CPUs.\n", rep.CPUs)
	fmt.Fprint(w, "\nSend lag (how late the load generator sent queries after they were due), p50 / p99 / max ms:")
	for _, r := range rep.Results {
		fmt.Fprintf(w, " %s %.2f / %.2f / %.2f;", r.Scenario, r.SendLag.P50, r.SendLag.P99, r.SendLag.Max)
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, "\nMachine stalls (how late a process that only sleeps 1 ms at a time woke during the run), p99 / max ms:")
	for _, r := range rep.Results {
		fmt.Fprintf(w, " %s %.2f / %.2f;", r.Scenario, r.MachineStalls.P99, r.MachineStalls.Max)
	}
	fmt.Fprintln(w)
	for _, r := range rep.Results {
		if r.Errors > 0 {
			fmt.Fprintf(w, "\n%s: %d errors, first: %s\n", r.Scenario, r.Errors, r.FirstError)
		}
		if r.Late > 0 {
			fmt.Fprintf(w, "\n%s: %d arrivals never sent (no worker could send them before the run's end plus 1 s, or the inputs ran out): they are in no figure above, and the latency percentiles lack the queries that would have waited longest\n", r.Scenario, r.Late)
		}
	}
	fmt.Fprintln(w, "\n### Method")
	fmt.Fprintln(w)
	for _, m := range rep.Method {
		fmt.Fprintln(w, "- "+m)
	}
}

// gatewayTags are the build tags the gateway is built with, as the README
// says to build it: the embedded MongoDB uses FerretDB's SQLite backend
// only, and ferretdb_no_postgresql leaves its PostgreSQL backend out of the
// binary (text 39.9 → 36.1 MB, about 3 MB less resident under load).
const gatewayTags = "ferretdb_no_postgresql"

// build compiles ./cmd/gateway of the module omnibench runs in.
func build(ctx context.Context, out string) error {
	gomod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if strings.TrimSpace(string(gomod)) == "" || strings.TrimSpace(string(gomod)) == os.DevNull {
		return errors.New("run omnibench inside the omnigate module (go env GOMOD is empty)")
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", gatewayTags, "-o", out, "./cmd/gateway")
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building ./cmd/gateway: %w", err)
	}
	return nil
}

type gatewayProc struct {
	cmd    *exec.Cmd
	url    string
	logf   string
	exited chan struct{}
}

// freePort asks the kernel for a free loopback port. The gateway's
// OMNIGATE_LISTEN=127.0.0.1:0 would not tell which one it took.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startGateway(ctx context.Context, bin, tmp string, sim *channelsim.Sim) (*gatewayProc, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	env := append(os.Environ(),
		"OMNIGATE_LISTEN="+addr,
		"OMNIGATE_DATA_DIR="+filepath.Join(tmp, "mongodb"),
		"OMNIGATE_LOG_LEVEL=error",
		"OMNIGATE_COMMERCETOOLS_BASE_URL="+sim.URLs["commercetools"],
		"OMNIGATE_COMMERCETOOLS_AUTH_URL="+sim.URLs["commercetools"],
		"OMNIGATE_SQUARE_BASE_URL="+sim.URLs["square"],
		"OMNIGATE_KLAVIYO_BASE_URL="+sim.URLs["klaviyo"],
		"OMNIGATE_ZENDESK_BASE_URL="+sim.URLs["zendesk"],
		// /debug/vars, for allocations, and /debug/pprof for --profile.
		"OMNIGATE_DEBUG=1",
	)
	// An external MongoDB in the caller's environment would mix the
	// benchmark's identity map with real data: always embedded.
	env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "MONGODB_URI=") })
	logf := filepath.Join(tmp, "gateway.log")
	lf, err := os.Create(logf)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, lf, lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, err
	}
	g := &gatewayProc{cmd: cmd, url: "http://" + addr, logf: logf, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); lf.Close(); close(g.exited) }()

	// Embedded MongoDB takes a few seconds to start; poll /readyz.
	deadline := time.Now().Add(2 * time.Minute)
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		select {
		case <-g.exited:
			return nil, fmt.Errorf("gateway exited during startup: %s", g.logTail())
		case <-ctx.Done():
			g.stop()
			return nil, ctx.Err()
		default:
		}
		if resp, err := hc.Get(g.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return g, nil
			}
		}
		if time.Now().After(deadline) {
			g.stop()
			return nil, fmt.Errorf("gateway not ready after 2 minutes: %s", g.logTail())
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-g.exited:
		}
	}
}

func (g *gatewayProc) logTail() string {
	b, _ := os.ReadFile(g.logf)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// stop ends the gateway: SIGTERM, then SIGKILL after ten seconds.
func (g *gatewayProc) stop() {
	select {
	case <-g.exited:
		return
	default:
	}
	_ = g.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.exited:
	case <-time.After(10 * time.Second):
		_ = g.cmd.Process.Kill()
		<-g.exited
	}
}

func (g *gatewayProc) cpuProfile(ctx context.Context, seconds int, out string) error {
	return g.fetchTimeout(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", seconds), out, time.Duration(seconds+30)*time.Second)
}

// fetch saves what the gateway serves at path into the file out.
func (g *gatewayProc) fetch(ctx context.Context, path, out string) error {
	return g.fetchTimeout(ctx, path, out, 30*time.Second)
}

func (g *gatewayProc) fetchTimeout(ctx context.Context, path, out string, timeout time.Duration) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url+path, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: timeout}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
