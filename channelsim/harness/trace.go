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
	t.mu.Lock()
	spans := slices.Clone(t.calls[id])
	t.mu.Unlock()
	slices.SortFunc(spans, func(a, b span) int { return a.from.Compare(b.from) })
	var total time.Duration
	var cur span
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case !s.from.After(cur.to):
			if s.to.After(cur.to) {
				cur.to = s.to
			}
		default:
			total += cur.to.Sub(cur.from)
			cur = s
		}
	}
	if len(spans) > 0 {
		total += cur.to.Sub(cur.from)
	}
	return total, len(spans)
}
