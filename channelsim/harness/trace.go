package harness

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Trace records, per X-Request-Id, when each call was being answered (from
// its arrival to its last byte, injected latency included), so that a load
// generator can tell, for one request to a gateway, how long some channel
// system was working for it: the union of its calls' intervals. A gateway's
// own time on a request is its latency minus that. It is off until
// switched on, and keeps the most recent maxTraced request ids.
type Trace struct {
	on    atomic.Bool
	mu    sync.Mutex
	calls map[string][]span
	order []string // request ids, oldest first
}

type span struct{ from, to time.Time }

// maxTraced bounds the request ids a trace keeps.
const maxTraced = 1 << 18

// Trace returns the harness's call trace.
func (h *Harness) Trace() *Trace { return h.trace }

// Enable switches recording on or off; switching it on starts empty.
func (t *Trace) Enable(on bool) {
	t.mu.Lock()
	t.calls, t.order = map[string][]span{}, nil
	t.mu.Unlock()
	t.on.Store(on)
}

func (t *Trace) enabled() bool { return t != nil && t.on.Load() }

func (t *Trace) add(id string, from, to time.Time) {
	if id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.calls == nil {
		t.calls = map[string][]span{}
	}
	if _, seen := t.calls[id]; !seen {
		if len(t.order) == maxTraced {
			delete(t.calls, t.order[0])
			t.order = t.order[1:]
		}
		t.order = append(t.order, id)
	}
	t.calls[id] = append(t.calls[id], span{from, to})
}

// Busy returns how long at least one call of a request was being answered
// (the union of its calls' intervals) and how many calls it made.
func (t *Trace) Busy(id string) (time.Duration, int) {
	var total time.Duration
	parts, n := t.union(id)
	for _, p := range parts {
		total += p.to.Sub(p.from)
	}
	return total, n
}

// Rounds returns how many times the systems went idle and busy again for
// a request: the separate parts of the union of its calls' intervals. With
// latency added to every call, calls made at once overlap, so this counts
// the rounds of calls the request waited for one after another.
func (t *Trace) Rounds(id string) int {
	parts, _ := t.union(id)
	return len(parts)
}

// union returns the union of a request's calls' intervals, as separate
// parts in order, and how many calls it made.
func (t *Trace) union(id string) ([]span, int) {
	t.mu.Lock()
	spans := slices.Clone(t.calls[id])
	t.mu.Unlock()
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var parts []span
	for _, s := range spans {
		if n := len(parts); n > 0 && !s.from.After(parts[n-1].to) {
			if s.to.After(parts[n-1].to) {
				parts[n-1].to = s.to
			}
			continue
		}
		parts = append(parts, s)
	}
	return parts, len(spans)
}
