// Package bench is the load generator behind cmd/omnibench: it drives the
// gateway over HTTP with GraphQL scenarios at a fixed concurrency (closed
// loop) or a fixed arrival rate (open loop), and measures latency, the
// upstream calls each query costs, and the gateway process's CPU time,
// allocations and peak memory.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sjson "github.com/segmentio/encoding/json"

	"github.com/omnigate/omnigate"
)

// Client sends GraphQL requests to one gateway.
type Client struct {
	// URL is the GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql.
	URL  string
	HTTP *http.Client
}

// NewClient returns a client with enough keep-alive connections for conns
// requests in flight.
func NewClient(url string, conns int) *Client {
	return &Client{URL: url, HTTP: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConns: conns + 8, MaxIdleConnsPerHost: conns + 8, IdleConnTimeout: time.Minute},
	}}
}

// Query posts one GraphQL request and decodes its data into out (when not
// nil). A transport error, a non-200 status or any GraphQL error is an error.
func (c *Client) Query(ctx context.Context, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json")
	if id := omnigate.RequestID(ctx); id != "" {
		req.Header.Set(omnigate.RequestIDHeader, id)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if a, _ := ctx.Value(answerKey{}).(*answer); a != nil {
		a.at = time.Now()
		a.upstream, a.known = serverTimingUpstream(resp.Header.Get("Server-Timing"))
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	// The load generator shares the machine with the gateway: it reads the
	// answers with the gateway's faster decoder, so that less of the CPUs
	// goes to checking them.
	if err := sjson.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("status %d, body not JSON: %.200s", resp.StatusCode, raw)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, raw)
	}
	if len(r.Errors) > 0 {
		return &GraphQLError{Code: r.Errors[0].Extensions.Code, Message: r.Errors[0].Message}
	}
	if out != nil {
		return sjson.Unmarshal(r.Data, out)
	}
	return nil
}

// answer is what a step's last query got: when its response had been read
// whole (decoding it in the load generator is not the gateway's time), and
// how long the request waited on the channel systems, by the gateway's
// Server-Timing header.
type answer struct {
	at       time.Time
	upstream time.Duration
	known    bool
}

type answerKey struct{}

// timed runs step and returns its latency from start until its response
// was read whole, how late after start it began (lag), and the upstream
// wait the gateway reported (-1 if none).
func timed(ctx context.Context, step Step, start time.Time) (latency, lag, upstream time.Duration, err error) {
	a := &answer{}
	lag = max(time.Since(start), 0)
	err = step(context.WithValue(ctx, answerKey{}, a))
	end := a.at
	if end.IsZero() {
		end = time.Now()
	}
	upstream = -1
	if a.known {
		upstream = a.upstream
	}
	return end.Sub(start), lag, upstream, err
}

// serverTimingUpstream reads the upstream metric's duration from a
// Server-Timing header: "upstream;dur=21.7;desc=..., gateway;dur=1.1".
func serverTimingUpstream(h string) (time.Duration, bool) {
	for _, m := range strings.Split(h, ",") {
		params := strings.Split(strings.TrimSpace(m), ";")
		if strings.TrimSpace(params[0]) != "upstream" {
			continue
		}
		for _, p := range params[1:] {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "dur="); ok {
				ms, err := strconv.ParseFloat(v, 64)
				if err != nil || ms < 0 {
					return 0, false
				}
				return time.Duration(ms * float64(time.Millisecond)), true
			}
		}
	}
	return 0, false
}

// GraphQLError is the first error of a response that carried errors.
type GraphQLError struct{ Code, Message string }

func (e *GraphQLError) Error() string { return "GraphQL error " + e.Code + ": " + e.Message }

// ErrExhausted ends a worker whose scenario has no more inputs, e.g. cold
// lookups that ran out of not-yet-resolved emails.
var ErrExhausted = errors.New("inputs exhausted")

// Step sends one query. Workers keep their own state in the closure (the
// timeline walk keeps its cursor there).
type Step func(ctx context.Context) error

// Scenario is one load pattern.
type Scenario struct {
	Name  string
	About string
	// Worker returns the step function of worker w.
	Worker func(w int) Step
}

// Load is how a scenario is driven.
type Load struct {
	Duration time.Duration
	// Concurrency is the number of workers; in closed loop each sends its
	// next query as soon as the last one is answered.
	Concurrency int
	// Rate, when above 0, sends queries at this fixed arrival rate per
	// second (open loop); latency is then measured from each query's
	// scheduled start, so that queueing behind a slow gateway counts.
	Rate float64
}

// Sample is what one run measured on the client side.
type Sample struct {
	// Latencies run from a query's start (closed loop: when sent; open
	// loop: when scheduled) until its response was read whole.
	Latencies []time.Duration
	// Lags are, in the order of Latencies, how late each query was sent
	// after its scheduled start: the load generator's own lateness, when
	// its process was kept from running (open loop; 0 in closed loop, and
	// for a query that waited for a free worker: that wait is queueing
	// behind the gateway).
	Lags []time.Duration
	// Upstream is, in the order of Latencies, how long each request waited
	// on the channel systems by the gateway's Server-Timing header; -1
	// when the gateway did not say.
	Upstream []time.Duration
	// IDs are the request ids of the answered queries, in the order of
	// Latencies: each query carries its own (X-Request-Id), so that the
	// simulator's trace can tell how long the systems worked on it.
	IDs    []string
	Errors int
	// FirstError is the first error's text, to show what went wrong.
	FirstError string
	// Late counts queries of an open-loop run that could not even be
	// started before the run's end plus a grace period.
	Late      int
	Elapsed   time.Duration
	Exhausted bool
}

// Run drives a scenario for load.Duration. It returns when every worker
// has finished its query in flight; it never starts a query after the
// duration (open loop: after the duration plus one second of grace).
func Run(ctx context.Context, sc Scenario, load Load) Sample {
	if load.Concurrency < 1 {
		load.Concurrency = 1
	}
	var (
		mu        sync.Mutex
		s         Sample
		exhausted atomic.Bool
	)
	var seq atomic.Int64
	// query gives each query a request id of its own.
	type result struct {
		id         string
		d, lag, up time.Duration
		err        error
	}
	// queued: the query waited for a free worker, behind queries still
	// under way; its lateness is then the gateway's, and is no lag.
	query := func(step Step, start time.Time, queued bool) result {
		id := fmt.Sprintf("%s-%d", sc.Name, seq.Add(1))
		d, lag, up, err := timed(omnigate.WithRequestID(ctx, id), step, start)
		if queued {
			lag = 0
		}
		return result{id, d, lag, up, err}
	}
	record := func(r result) {
		mu.Lock()
		defer mu.Unlock()
		if r.err != nil {
			s.Errors++
			if s.FirstError == "" {
				s.FirstError = r.err.Error()
			}
			return
		}
		s.Latencies = append(s.Latencies, r.d)
		s.Lags = append(s.Lags, r.lag)
		s.Upstream = append(s.Upstream, r.up)
		s.IDs = append(s.IDs, r.id)
	}
	start := time.Now()
	end := start.Add(load.Duration)
	var wg sync.WaitGroup
	if load.Rate <= 0 {
		for w := range load.Concurrency {
			step := sc.Worker(w)
			wg.Go(func() {
				for time.Now().Before(end) && ctx.Err() == nil {
					r := query(step, time.Now(), false)
					if errors.Is(r.err, ErrExhausted) {
						exhausted.Store(true)
						return
					}
					record(r)
				}
			})
		}
	} else {
		n := int64(load.Rate * load.Duration.Seconds())
		// Enough workers that a second of latency does not delay arrivals.
		// A free worker takes the next arrival and sends it when it is due,
		// woken by its own timer: one wake-up between the due time and the
		// send, so that as little as can be of the load generator's own
		// lateness falls on the query (Lags measures what does). An arrival
		// no worker was free to take before it was due waited behind
		// queries under way: it is queued, and its wait is no lag.
		workers := max(load.Concurrency, int(math.Ceil(load.Rate)))
		grace := end.Add(time.Second)
		var next atomic.Int64
		late := func() {
			mu.Lock()
			s.Late++
			mu.Unlock()
		}
		for w := range workers {
			step := sc.Worker(w)
			wg.Go(func() {
				timer := time.NewTimer(time.Hour)
				defer timer.Stop()
				for {
					i := next.Add(1) - 1
					if i >= n {
						return
					}
					at := start.Add(time.Duration(float64(i) / load.Rate * float64(time.Second)))
					queued := time.Now().After(at)
					if ctx.Err() != nil || exhausted.Load() {
						late()
						continue
					}
					timer.Reset(time.Until(at))
					select {
					case <-ctx.Done():
						late()
						continue
					case <-timer.C:
					}
					if time.Now().After(grace) || exhausted.Load() {
						late()
						continue
					}
					r := query(step, at, queued)
					if errors.Is(r.err, ErrExhausted) {
						exhausted.Store(true)
						continue
					}
					record(r)
				}
			})
		}
	}
	wg.Wait()
	s.Elapsed = time.Since(start)
	s.Exhausted = exhausted.Load()
	return s
}

// Percentiles of a latency distribution, in milliseconds.
type Percentiles struct {
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// Summarize computes nearest-rank percentiles, after subtracting sub from
// every latency (not below zero). It does not change ds.
func Summarize(ds []time.Duration, sub time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	v := make([]time.Duration, len(ds))
	var sum time.Duration
	for i, d := range ds {
		v[i] = max(d-sub, 0)
		sum += v[i]
	}
	slices.Sort(v)
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(v)))) - 1
		return ms(v[min(max(i, 0), len(v)-1)])
	}
	return Percentiles{P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: ms(v[len(v)-1]), Mean: ms(sum / time.Duration(len(v)))}
}

// Median of ds; 0 when empty.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	v := slices.Clone(ds)
	slices.Sort(v)
	return v[(len(v)-1)/2]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// Sequential runs n queries one after the other and returns their
// latencies; errors end it early with the error.
func Sequential(ctx context.Context, step Step, n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for range n {
		d, _, _, err := timed(ctx, step, time.Now())
		if err != nil {
			return out, err
		}
		out = append(out, d)
	}
	return out, nil
}

// Rounds estimates how many sequential upstream rounds lie on a query's
// critical path: the growth of the median latency, run one query at a
// time, when every upstream call costs latency more, divided by latency.
func Rounds(median0, medianL, latency time.Duration) int {
	if latency <= 0 {
		return 0
	}
	return max(0, int(math.Round(float64(medianL-median0)/float64(latency))))
}

// OverUpstream returns, for each answered query whose gateway reported it,
// its latency minus the time its request waited on the channel systems
// (Server-Timing upstream): the time no call of it was under way, which is
// the gateway's own work, the network between client and gateway and,
// under load, queueing.
func OverUpstream(s Sample) []time.Duration {
	out := make([]time.Duration, 0, len(s.Latencies))
	for i, d := range s.Latencies {
		if s.Upstream[i] >= 0 {
			out = append(out, max(d-s.Upstream[i], 0))
		}
	}
	return out
}

// OverUpstreamFromSend is OverUpstream with each query's latency counted
// from when it was sent rather than from when it was due: without the load
// generator's own lateness (Lags), which is no time the gateway took. A
// query that waited for a free worker keeps that wait (see Run), so a slow
// gateway's queueing still counts.
func OverUpstreamFromSend(s Sample) []time.Duration {
	out := make([]time.Duration, 0, len(s.Latencies))
	for i, d := range s.Latencies {
		if s.Upstream[i] >= 0 {
			out = append(out, max(d-s.Lags[i]-s.Upstream[i], 0))
		}
	}
	return out
}

// Own returns, for each answered query, its latency minus the time the
// channel systems were answering its calls (busy, from the simulator's
// trace): the gateway's own time on the query, queueing included. Queries
// the trace knows no call of are left out.
func Own(s Sample, busy func(id string) (time.Duration, int)) []time.Duration {
	out := make([]time.Duration, 0, len(s.Latencies))
	for i, d := range s.Latencies {
		b, n := busy(s.IDs[i])
		if n == 0 {
			continue
		}
		out = append(out, max(d-b, 0))
	}
	return out
}
