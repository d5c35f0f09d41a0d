package omnigate

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// CallLog records the calls one request made to the channel systems, for
// the slow-request log (which system, what, when from the request's start,
// for how long) and for the Server-Timing header (how long the request
// waited on the systems).
type CallLog struct {
	start  time.Time
	mu     sync.Mutex
	calls  []Call
	waits  []span
	queued time.Duration
}

// span is a stretch of a request's time, from its start.
type span struct{ from, to time.Duration }

// Call is one call to a channel system.
type Call struct {
	System System
	What   string        // method and path, without the query string
	At     time.Duration // from the start of the request
	Took   time.Duration
	Failed bool
}

type callLogKey struct{}

// WithCallLog returns ctx carrying a fresh call log started now.
func WithCallLog(ctx context.Context) (context.Context, *CallLog) {
	l := &CallLog{start: time.Now()}
	return context.WithValue(ctx, callLogKey{}, l), l
}

// RecordCall adds a call (method and path, whose query string is left out)
// that started at start to the call log ctx carries, if any.
func RecordCall(ctx context.Context, sys System, method, path string, start time.Time, failed bool) {
	l, _ := ctx.Value(callLogKey{}).(*CallLog)
	if l == nil {
		return
	}
	path, _, _ = strings.Cut(path, "?")
	c := Call{System: sys, What: method + " " + path, At: start.Sub(l.start), Took: time.Since(start), Failed: failed}
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
}

// RecordWait adds to the call log ctx carries, if any, a time the request
// waited on a channel system: from start, when a call was sent, until now,
// when its answer has been read whole (decoding it is the gateway's work).
func RecordWait(ctx context.Context, start time.Time) {
	l, _ := ctx.Value(callLogKey{}).(*CallLog)
	if l == nil {
		return
	}
	s := span{start.Sub(l.start), time.Since(l.start)}
	l.mu.Lock()
	l.waits = append(l.waits, s)
	l.mu.Unlock()
}

// RecordQueued adds to the call log ctx carries, if any, a time the request
// waited, from start until now, for room for its customers in the gateway
// (max_customers_in_flight).
func RecordQueued(ctx context.Context, start time.Time) {
	l, _ := ctx.Value(callLogKey{}).(*CallLog)
	if l == nil {
		return
	}
	l.mu.Lock()
	l.queued += time.Since(start)
	l.mu.Unlock()
}

// Queued is how long the request waited for room for its customers.
func (l *CallLog) Queued() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.queued
}

// Upstream is how long, so far, at least one of the request's calls was
// waiting on a channel system (the union of the waits): the upstream
// latency on the request's critical path. Since is the request's time so
// far; Since minus Upstream is the gateway's own.
func (l *CallLog) Upstream() time.Duration {
	l.mu.Lock()
	ws := slices.Clone(l.waits)
	l.mu.Unlock()
	slices.SortFunc(ws, func(a, b span) int { return cmp.Compare(a.from, b.from) })
	var total, end time.Duration
	for _, w := range ws {
		if w.to <= end {
			continue
		}
		total += w.to - max(w.from, end)
		end = w.to
	}
	return total
}

// Since is the time since the request started.
func (l *CallLog) Since() time.Duration { return time.Since(l.start) }

// Calls returns the calls recorded so far, in the order they started.
func (l *CallLog) Calls() []Call {
	l.mu.Lock()
	out := slices.Clone(l.calls)
	l.mu.Unlock()
	slices.SortStableFunc(out, func(a, b Call) int { return cmp.Compare(a.At, b.At) })
	return out
}

// String is the calls on one line: "square POST /v2/orders/search at
// 600µs took 21.3ms; ...", after the time the request queued for room, if
// it did.
func (l *CallLog) String() string {
	var b strings.Builder
	if q := l.Queued(); q > 0 {
		fmt.Fprintf(&b, "queued for room %s", round(q))
	}
	for _, c := range l.Calls() {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %s at %s took %s", c.System, c.What, round(c.At), round(c.Took))
		if c.Failed {
			b.WriteString(" (failed)")
		}
	}
	return b.String()
}

func round(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
