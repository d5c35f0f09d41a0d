package harness

import (
	"math"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limits are per-system rate limits, as token buckets. A system without a
// limit is never throttled.
type Limits struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func newLimits() *Limits { return &Limits{m: map[string]*rate.Limiter{}} }

// Set limits a system to perSecond requests a second with a burst of the
// same size; perSecond <= 0 removes the limit.
func (l *Limits) Set(system string, perSecond float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if perSecond <= 0 {
		delete(l.m, system)
		return
	}
	burst := int(math.Ceil(perSecond))
	l.m[system] = rate.NewLimiter(rate.Limit(perSecond), burst)
}

// Get returns a system's limit in requests a second, 0 when unlimited.
func (l *Limits) Get(system string) float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lim := l.m[system]; lim != nil {
		return float64(lim.Limit())
	}
	return 0
}

// allow takes a token; when none is left it returns false and the whole
// number of seconds to wait, for Retry-After.
func (l *Limits) allow(system string) (bool, string) {
	l.mu.Lock()
	lim := l.m[system]
	l.mu.Unlock()
	if lim == nil {
		return true, ""
	}
	now := time.Now()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, "1"
	}
	d := r.DelayFrom(now)
	if d == 0 {
		return true, ""
	}
	r.CancelAt(now)
	secs := int(math.Ceil(d.Seconds()))
	if secs < 1 {
		secs = 1
	}
	return false, strconv.Itoa(secs)
}
