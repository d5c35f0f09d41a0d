package bench

import (
	"context"
	"encoding/json"
	"errors"
	"expvar"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/omnigate/omnigate/channelsim/world"
)

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	p := Summarize(ds, 0)
	if p.P50 != 50 || p.P95 != 95 || p.P99 != 99 || p.Max != 100 || p.Mean != 50.5 {
		t.Errorf("percentiles of 1..100 ms: %+v", p)
	}
	// Subtracting never goes below zero.
	p = Summarize(ds, 60*time.Millisecond)
	if p.P50 != 0 || p.P99 != 39 {
		t.Errorf("minus 60 ms: %+v", p)
	}
	if ds[0] != time.Millisecond {
		t.Error("Summarize changed its input")
	}
	if (Summarize(nil, 0) != Percentiles{}) {
		t.Error("no latencies should give zero percentiles")
	}
}

func TestRounds(t *testing.T) {
	for _, c := range []struct {
		m0, ml, l time.Duration
		want      int
	}{
		{5 * time.Millisecond, 66 * time.Millisecond, 20 * time.Millisecond, 3},
		{5 * time.Millisecond, 4 * time.Millisecond, 20 * time.Millisecond, 0},
		{5 * time.Millisecond, 90 * time.Millisecond, 0, 0},
	} {
		if got := Rounds(c.m0, c.ml, c.l); got != c.want {
			t.Errorf("Rounds(%v, %v, %v) = %d, want %d", c.m0, c.ml, c.l, got, c.want)
		}
	}
}

func TestRunClosedLoop(t *testing.T) {
	var calls atomic.Int64
	sc := Scenario{Name: "t", Worker: func(int) Step {
		return func(context.Context) error {
			if calls.Add(1)%10 == 0 {
				return errors.New("every tenth fails")
			}
			time.Sleep(time.Millisecond) // stands in for a query's latency
			return nil
		}
	}}
	s := Run(context.Background(), sc, Load{Duration: 200 * time.Millisecond, Concurrency: 4})
	if len(s.Latencies) == 0 || s.Errors == 0 || s.FirstError != "every tenth fails" {
		t.Fatalf("sample: %d latencies, %d errors (%q)", len(s.Latencies), s.Errors, s.FirstError)
	}
	if int64(len(s.Latencies)+s.Errors) != calls.Load() {
		t.Errorf("%d latencies + %d errors for %d calls", len(s.Latencies), s.Errors, calls.Load())
	}
	if s.Elapsed < 200*time.Millisecond || s.Elapsed > 2*time.Second {
		t.Errorf("ran for %v", s.Elapsed)
	}
}

func TestRunOpenLoopAndExhaustion(t *testing.T) {
	var calls atomic.Int64
	sc := Scenario{Name: "t", Worker: func(int) Step {
		return func(context.Context) error {
			if calls.Add(1) > 30 {
				return ErrExhausted
			}
			return nil
		}
	}}
	// 100/s for 0.5 s is 50 arrivals; the inputs run out after 30.
	s := Run(context.Background(), sc, Load{Duration: 500 * time.Millisecond, Concurrency: 2, Rate: 100})
	if len(s.Latencies) != 30 || !s.Exhausted {
		t.Errorf("%d answered, exhausted %v; want 30 and true", len(s.Latencies), s.Exhausted)
	}
	if got := len(s.Latencies) + s.Late + int(calls.Load()-30); got != 50 {
		t.Errorf("answered + late + exhausted = %d, want the 50 arrivals", got)
	}
	if len(s.Lags) != len(s.Latencies) {
		t.Fatalf("%d lags for %d latencies", len(s.Lags), len(s.Latencies))
	}
	for i, lag := range s.Lags {
		if lag < 0 || lag > s.Latencies[i] {
			t.Errorf("query %d: lag %v, latency %v", i, lag, s.Latencies[i])
		}
	}
}

// Open loop: an arrival that no worker was free to take when it was due
// waited behind queries under way, time the gateway's slowness cost: it is
// counted in the latency and is no lag of the load generator.
func TestRunOpenLoopQueuedArrivalsHaveNoLag(t *testing.T) {
	const took = 1100 * time.Millisecond // stands in for a slow gateway
	sc := Scenario{Name: "t", Worker: func(int) Step {
		return func(context.Context) error {
			time.Sleep(took)
			return nil
		}
	}}
	// 4/s gets 4 workers: the 5th and 6th arrivals (due at 1 s and 1.25 s)
	// wait for the first workers to finish, at 1.1 s and 1.35 s.
	s := Run(context.Background(), sc, Load{Duration: 1500 * time.Millisecond, Concurrency: 1, Rate: 4})
	if len(s.Latencies) != 6 {
		t.Fatalf("%d answered, want the 6 arrivals", len(s.Latencies))
	}
	queued := 0
	for i, d := range s.Latencies {
		if d-took <= 50*time.Millisecond {
			continue
		}
		queued++
		if s.Lags[i] != 0 {
			t.Errorf("query %d waited %v for a worker and has lag %v, want 0", i, d-took, s.Lags[i])
		}
	}
	if queued == 0 {
		t.Errorf("no query waited for a worker: latencies %v", s.Latencies)
	}
}

// Open loop: every arrival is sent at its time, from the start on, and
// none before it; the run lasts its duration.
func TestRunOpenLoopSendsEachArrivalWhenDue(t *testing.T) {
	var mu sync.Mutex
	var sent []time.Time
	sc := Scenario{Name: "t", Worker: func(int) Step {
		return func(context.Context) error {
			mu.Lock()
			sent = append(sent, time.Now())
			mu.Unlock()
			return nil
		}
	}}
	begin := time.Now()
	s := Run(context.Background(), sc, Load{Duration: 300 * time.Millisecond, Concurrency: 1, Rate: 100})
	if len(s.Latencies) != 30 || s.Late != 0 {
		t.Fatalf("%d answered, %d late; want the 30 arrivals of 0.3 s at 100/s", len(s.Latencies), s.Late)
	}
	slices.SortFunc(sent, func(a, b time.Time) int { return a.Compare(b) })
	for i, at := range sent {
		if due := begin.Add(time.Duration(i) * 10 * time.Millisecond); at.Before(due) {
			t.Errorf("arrival %d sent %v before it was due", i, due.Sub(at))
		}
	}
	if s.Elapsed < 290*time.Millisecond {
		t.Errorf("ran for %v, want the 0.3 s", s.Elapsed)
	}
}

func TestClientErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch {
		case strings.Contains(string(b), "conflict"):
			_, _ = w.Write([]byte(`{"errors":[{"message":"shared","extensions":{"code":"CONFLICT"}}],"data":{"x":null}}`))
		case strings.Contains(string(b), "broken"):
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`oops`))
		default:
			_, _ = w.Write([]byte(`{"data":{"x":{"id":"7"}}}`))
		}
	}))
	defer srv.Close()
	c := NewClient(srv.URL, 1)
	var out struct{ X struct{ ID string } }
	if err := c.Query(context.Background(), "{ ok }", nil, &out); err != nil || out.X.ID != "7" {
		t.Errorf("ok query: %v, %+v", err, out)
	}
	var ge *GraphQLError
	if err := c.Query(context.Background(), "{ conflict }", nil, nil); !errors.As(err, &ge) || ge.Code != "CONFLICT" {
		t.Errorf("conflict: %v", err)
	}
	if err := c.Query(context.Background(), "{ broken }", nil, nil); err == nil || !strings.Contains(err.Error(), "502") {
		t.Errorf("502: %v", err)
	}
}

func TestProcessFigures(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	pid := os.Getpid()
	// Burn some CPU so that at least one 10 ms tick is counted.
	start := time.Now()
	x := 0
	for time.Since(start) < 50*time.Millisecond {
		x++
	}
	cpu, err := CPUTime(pid)
	if err != nil || cpu <= 0 {
		t.Errorf("CPU time %v, %v", cpu, err)
	}
	rss, err := PeakRSS(pid)
	if err != nil || rss < 1<<20 {
		t.Errorf("peak RSS %d, %v", rss, err)
	}
	if _, err := CPUTime(-1); err == nil {
		t.Error("no error for a process that does not exist")
	}

	srv := httptest.NewServer(expvar.Handler())
	defer srv.Close()
	ms, err := ReadMemStats(context.Background(), srv.Client(), srv.URL)
	if err != nil || ms.Mallocs == 0 || ms.TotalAlloc == 0 {
		t.Errorf("memstats %+v, %v", ms, err)
	}
}

func TestPick(t *testing.T) {
	w, err := world.Generate(world.Options{People: 300})
	if err != nil {
		t.Fatal(err)
	}
	p := Pick(w, 20, 5, 10)
	if len(p.Omnichannel) != 20 || len(p.LongHistory) != 5 || len(p.Phones) == 0 || len(p.Phones) > 10 {
		t.Fatalf("picked %d omnichannel, %d long, %d phones", len(p.Omnichannel), len(p.LongHistory), len(p.Phones))
	}
	seen := map[string]bool{}
	for _, e := range append(append(append([]string{}, p.Omnichannel...), p.LongHistory...), p.Others...) {
		if seen[normEmail(e)] {
			t.Errorf("email %s picked twice: cold lookups would not be cold", e)
		}
		seen[normEmail(e)] = true
	}
	if normEmail(" J.Doe+news@GoogleMail.com ") != "jdoe@gmail.com" {
		t.Errorf("normEmail: %q", normEmail(" J.Doe+news@GoogleMail.com "))
	}
}

func TestPinKeepsEveryThreadOnItsCPUs(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("pinning to one CPU of several needs at least 2 CPUs")
	}
	all := make([]int, runtime.NumCPU())
	for i := range all {
		all[i] = i
	}
	t.Cleanup(func() {
		if err := Pin(0, all); err != nil {
			t.Error(err)
		}
	})
	if err := Pin(0, []int{1}); err != nil {
		t.Fatal(err)
	}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		var set unix.CPUSet
		if err := unix.SchedGetaffinity(tid, &set); err != nil {
			t.Fatal(err)
		}
		if set.Count() != 1 || !set.IsSet(1) {
			t.Fatalf("thread %d may run on %d CPUs after pinning to CPU 1", tid, set.Count())
		}
	}
	if err := Pin(0, nil); err == nil {
		t.Fatal("pinning to no CPU was accepted")
	}
}

func TestServerTimingUpstream(t *testing.T) {
	for h, want := range map[string]time.Duration{
		`upstream;dur=21.734;desc="waiting on the channel systems", gateway;dur=1.02`: 21734 * time.Microsecond,
		`gateway;dur=1, upstream ; dur=3`:                                             3 * time.Millisecond,
		`upstream;desc="x";dur=0`:                                                     0,
	} {
		got, ok := serverTimingUpstream(h)
		if !ok || got != want {
			t.Errorf("%q: %v %v, want %v", h, got, ok, want)
		}
	}
	for _, h := range []string{"", "gateway;dur=1", "upstream", "upstream;dur=x", "upstream;dur=-1"} {
		if got, ok := serverTimingUpstream(h); ok {
			t.Errorf("%q: %v, want none", h, got)
		}
	}
}

// A query's latency ends when its response has been read whole, before
// the load generator decodes it, and carries the gateway's upstream time.
func TestQueryLatencyEndsWithTheResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server-Timing", `upstream;dur=7.5, gateway;dur=0.5`)
		_, _ = io.WriteString(w, `{"data":{"customer":{"id":"c1"}}}`)
	}))
	defer srv.Close()
	c := NewClient(srv.URL, 1)
	const decoding = 300 * time.Millisecond
	step := func(ctx context.Context) error {
		var out struct{ Customer struct{ ID string } }
		if err := c.Query(ctx, "{ customer { id } }", nil, &out); err != nil {
			return err
		}
		if out.Customer.ID != "c1" {
			return fmt.Errorf("decoded %+v", out)
		}
		time.Sleep(decoding) // the load generator's own work after the answer
		return nil
	}
	// The query was due 40 ms before it was sent: that lag is counted in
	// its latency and reported on its own.
	const due = 40 * time.Millisecond
	start := time.Now().Add(-due)
	d, lag, up, err := timed(context.Background(), step, start)
	if err != nil {
		t.Fatal(err)
	}
	if up != 7500*time.Microsecond {
		t.Errorf("upstream %v, want 7.5ms", up)
	}
	if lag < due || lag >= d {
		t.Errorf("lag %v, want at least %v and below the latency %v", lag, due, d)
	}
	if total := time.Since(start); d >= total-decoding/2 {
		t.Errorf("latency %v of %v in all: the step's work after the answer was counted", d, total)
	}
	s := Sample{
		Latencies: []time.Duration{20 * time.Millisecond, 5 * time.Millisecond, 9 * time.Millisecond},
		Lags:      []time.Duration{500 * time.Microsecond, 0, 2 * time.Millisecond},
		Upstream:  []time.Duration{19 * time.Millisecond, -1, 10 * time.Millisecond},
	}
	if got := OverUpstream(s); len(got) != 2 || got[0] != time.Millisecond || got[1] != 0 {
		t.Errorf("OverUpstream %v, want [1ms 0] (the unknown one left out, none below zero)", got)
	}
	if got := OverUpstreamFromSend(s); len(got) != 2 || got[0] != 500*time.Microsecond || got[1] != 0 {
		t.Errorf("OverUpstreamFromSend %v, want [500µs 0]", got)
	}
}

// The probe sleeps until its input closes, then writes how late each
// wake-up came, none early.
func TestStallProbe(t *testing.T) {
	in, stop := io.Pipe()
	out := &strings.Builder{}
	done := make(chan error, 1)
	go func() { done <- RunStallProbe(in, out) }()
	// The probe reports only at its end: let it sleep and wake for a
	// while (the passing time is what it measures, not a thing awaited).
	<-time.After(50 * stallPeriod)
	stop.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var late []time.Duration
	if err := json.Unmarshal([]byte(out.String()), &late); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if len(late) < 5 {
		t.Fatalf("%d wake-ups in %v of 1 ms sleeps", len(late), 50*stallPeriod)
	}
	for _, d := range late {
		if d < 0 {
			t.Fatalf("negative lateness %v", d)
		}
	}
}

// AllowedCPUs gives the CPUs of the affinity mask, whichever they are.
func TestAllowedCPUs(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("needs at least 2 CPUs")
	}
	all, err := AllowedCPUs()
	if err != nil || len(all) != runtime.NumCPU() {
		t.Fatalf("allowed %v, %v; NumCPU %d", all, err, runtime.NumCPU())
	}
	t.Cleanup(func() {
		if err := Pin(0, all); err != nil {
			t.Error(err)
		}
	})
	last := all[len(all)-1]
	if err := Pin(0, []int{last}); err != nil {
		t.Fatal(err)
	}
	if got, err := AllowedCPUs(); err != nil || !slices.Equal(got, []int{last}) {
		t.Errorf("pinned to CPU %d: allowed %v, %v", last, got, err)
	}
}
