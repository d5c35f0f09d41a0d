package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault is one injected misbehaviour, for a whole system or one endpoint of
// it. Rates are fractions of calls between 0 and 1; several can be set at
// once and are tried in the order hang, drop, rate limit, error, malformed,
// truncated, after the latency.
type Fault struct {
	// System is required: commercetools, square, klaviyo or zendesk.
	System string `json:"system"`
	// Endpoint narrows the fault to one endpoint name; empty means all.
	Endpoint string `json:"endpoint,omitempty"`
	// Latency is how long after a call arrives its answer is sent (at
	// once if preparing it took longer): the system's own work is part of
	// it. Jitter adds a random extra between 0 and Jitter.
	Latency Duration `json:"latency,omitempty"`
	Jitter  Duration `json:"jitter,omitempty"`
	// ErrorRate of calls get ErrorStatus (default 500) with the vendor's
	// error body.
	ErrorRate   float64 `json:"error_rate,omitempty"`
	ErrorStatus int     `json:"error_status,omitempty"`
	// RateLimitRate of calls get 429 with Retry-After: RetryAfter seconds
	// (default 1): a 429 storm at 1.
	RateLimitRate float64 `json:"rate_limit_rate,omitempty"`
	RetryAfter    int     `json:"retry_after,omitempty"`
	// HangRate of calls never answer until the client gives up.
	HangRate float64 `json:"hang_rate,omitempty"`
	// MalformedRate of calls answer 200 with a body that is not JSON.
	MalformedRate float64 `json:"malformed_rate,omitempty"`
	// TruncatedRate of calls answer 200 with the real body cut in half.
	TruncatedRate float64 `json:"truncated_rate,omitempty"`
	// DropRate of calls have their connection closed with no answer.
	DropRate float64 `json:"drop_rate,omitempty"`
}

// Duration is a time.Duration that reads and writes as a Go duration string
// ("20ms") in JSON; plain numbers are read as milliseconds.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("duration %q: %v", s, err)
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("duration must be a string such as \"20ms\" or a number of milliseconds, got %s", b)
	}
	*d = Duration(time.Duration(ms * float64(time.Millisecond)))
	return nil
}

// Systems are the names a fault may name.
var Systems = []string{"commercetools", "square", "klaviyo", "zendesk"}

// Validate reports what is wrong with a fault, naming the field.
func (f *Fault) Validate() error {
	known := false
	for _, s := range Systems {
		known = known || s == f.System
	}
	if !known {
		return fmt.Errorf("fault: system %q is not one of %s", f.System, strings.Join(Systems, ", "))
	}
	if f.Latency < 0 || f.Jitter < 0 {
		return fmt.Errorf("fault: latency and jitter must not be negative")
	}
	for name, v := range map[string]float64{
		"error_rate": f.ErrorRate, "rate_limit_rate": f.RateLimitRate, "hang_rate": f.HangRate,
		"malformed_rate": f.MalformedRate, "truncated_rate": f.TruncatedRate, "drop_rate": f.DropRate,
	} {
		if v < 0 || v > 1 {
			return fmt.Errorf("fault: %s must be between 0 and 1, got %v", name, v)
		}
	}
	if f.ErrorStatus != 0 && (f.ErrorStatus < 400 || f.ErrorStatus > 599) {
		return fmt.Errorf("fault: error_status must be a 4xx or 5xx status, got %d", f.ErrorStatus)
	}
	if f.RetryAfter < 0 {
		return fmt.Errorf("fault: retry_after must not be negative")
	}
	return nil
}

// ParseFault reads the flag form "system[/endpoint]:key=value,key=value",
// e.g. "square:latency=20ms,error_rate=0.1" or "zendesk/tickets.requested:hang_rate=1".
// Keys are the JSON names of Fault's fields.
func ParseFault(s string) (Fault, error) {
	target, opts, _ := strings.Cut(s, ":")
	var f Fault
	f.System, f.Endpoint, _ = strings.Cut(target, "/")
	for _, kv := range strings.Split(opts, ",") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Fault{}, fmt.Errorf("fault %q: %q is not key=value", s, kv)
		}
		var err error
		switch k {
		case "latency", "jitter":
			var d time.Duration
			d, err = time.ParseDuration(v)
			if k == "latency" {
				f.Latency = Duration(d)
			} else {
				f.Jitter = Duration(d)
			}
		case "error_status", "retry_after":
			var n int
			n, err = strconv.Atoi(v)
			if k == "error_status" {
				f.ErrorStatus = n
			} else {
				f.RetryAfter = n
			}
		case "error_rate", "rate_limit_rate", "hang_rate", "malformed_rate", "truncated_rate", "drop_rate":
			var x float64
			x, err = strconv.ParseFloat(v, 64)
			*map[string]*float64{
				"error_rate": &f.ErrorRate, "rate_limit_rate": &f.RateLimitRate, "hang_rate": &f.HangRate,
				"malformed_rate": &f.MalformedRate, "truncated_rate": &f.TruncatedRate, "drop_rate": &f.DropRate,
			}[k] = x
		default:
			return Fault{}, fmt.Errorf("fault %q: unknown key %q", s, k)
		}
		if err != nil {
			return Fault{}, fmt.Errorf("fault %q: %s: %v", s, k, err)
		}
	}
	return f, f.Validate()
}

// maxHang bounds a hung call.
const maxHang = 10 * time.Minute

// Faults is the table of active faults.
type Faults struct {
	mu   sync.RWMutex
	list []Fault
}

func newFaults() *Faults { return &Faults{} }

// Add validates and adds faults; nothing is added if one is invalid.
func (t *Faults) Add(fs ...Fault) error {
	for i := range fs {
		if err := fs[i].Validate(); err != nil {
			return err
		}
	}
	t.mu.Lock()
	t.list = append(t.list, fs...)
	t.mu.Unlock()
	return nil
}

// Clear removes the faults of one system, or all when system is empty.
func (t *Faults) Clear(system string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if system == "" {
		t.list = nil
		return
	}
	kept := t.list[:0]
	for _, f := range t.list {
		if f.System != system {
			kept = append(kept, f)
		}
	}
	t.list = kept
}

// List returns the active faults.
func (t *Faults) List() []Fault {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return append([]Fault{}, t.list...)
}

func (t *Faults) matching(system, endpoint string) []Fault {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []Fault
	for _, f := range t.list {
		if f.System == system && (f.Endpoint == "" || f.Endpoint == endpoint) {
			out = append(out, f)
		}
	}
	return out
}

func hit(rate float64) bool { return rate > 0 && (rate >= 1 || rand.Float64() < rate) }

func (t *Faults) serve(sys System, endpoint string, w http.ResponseWriter, r *http.Request, fn http.HandlerFunc) {
	fs := t.matching(sys.Name, endpoint)
	if len(fs) == 0 {
		fn(w, r)
		return
	}
	arrived := time.Now()
	var delay time.Duration
	for _, f := range fs {
		delay += time.Duration(f.Latency)
		if f.Jitter > 0 {
			delay += time.Duration(rand.Int64N(int64(f.Jitter) + 1))
		}
	}
	f, kind := misbehaviour(fs)
	if kind == answer && delay > 0 {
		// A system's latency is the time its answer takes to arrive, its
		// own work included: the answer is prepared at once and sent when
		// the latency has passed since the call arrived. Prepared after the
		// wait, the simulator's work on all of a query's calls would fall
		// at the same moment as the gateway's work on their answers, on
		// the same CPUs, and count as upstream latency.
		buf := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
		fn(buf, r)
		if !sleepUntil(r.Context(), arrived.Add(delay)) {
			return
		}
		buf.copyHeader(w)
		w.Header().Set("Content-Length", strconv.Itoa(buf.body.Len()))
		w.WriteHeader(buf.status)
		_, _ = w.Write(buf.body.Bytes())
		return
	}
	if !sleepUntil(r.Context(), arrived.Add(delay)) {
		return
	}
	switch kind {
	case hang:
		// The server notices a client that gave up only once the request
		// body has been read; a hang is also bounded so that the simulator
		// can always shut down.
		_, _ = io.Copy(io.Discard, r.Body)
		t := time.NewTimer(maxHang)
		defer t.Stop()
		select {
		case <-r.Context().Done():
		case <-t.C:
		}
	case drop:
		dropConnection(w)
	case rateLimit:
		retry := f.RetryAfter
		if retry == 0 {
			retry = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(retry))
		sys.WriteError(w, r, http.StatusTooManyRequests, "rate limit exceeded, retry after "+strconv.Itoa(retry)+" seconds")
	case failure:
		status := f.ErrorStatus
		if status == 0 {
			status = http.StatusInternalServerError
		}
		sys.WriteError(w, r, status, "injected failure")
	case malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("<html><body>502 Bad Gateway</body></html>"))
	case truncated:
		buf := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
		fn(buf, r)
		buf.copyHeader(w)
		w.Header().Del("Content-Length")
		w.WriteHeader(buf.status)
		b := buf.body.Bytes()
		_, _ = w.Write(b[:len(b)/2])
	default:
		fn(w, r)
	}
}

// What a call gets, in the order the kinds are tried.
const (
	answer = iota
	hang
	drop
	rateLimit
	failure
	malformed
	truncated
)

// misbehaviour draws, for one call, the first misbehaviour of fs that hits
// (trying each fault's kinds in the order hang, drop, rate limit, error,
// malformed, truncated) and the fault it comes from; answer when none does.
func misbehaviour(fs []Fault) (Fault, int) {
	for _, f := range fs {
		switch {
		case hit(f.HangRate):
			return f, hang
		case hit(f.DropRate):
			return f, drop
		case hit(f.RateLimitRate):
			return f, rateLimit
		case hit(f.ErrorRate):
			return f, failure
		case hit(f.MalformedRate):
			return f, malformed
		case hit(f.TruncatedRate):
			return f, truncated
		}
	}
	return Fault{}, answer
}

// sleepUntil waits until t, or until ctx ends (the client gave up): false.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 cannot be hijacked: abort the stream instead.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(code int)        { b.status = code }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

// copyHeader puts the headers the handler set on w.
func (b *bufferedWriter) copyHeader(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
}
