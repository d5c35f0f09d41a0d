// Package clientrate bounds the customers each client may read per second.
// The channel systems' rate limits are per account, shared by every client
// of the gateway, and so is the gateway's room for customers in flight: one
// client in a loop (a screen refreshing too often, a script) would spend
// them for the support agents too. Each client gets a token bucket of
// customers: a request takes as many as it reads (resolvers.Admission counts
// them), and one the bucket cannot pay for is refused with the time until
// it could.
package clientrate

import (
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// tracked bounds the clients remembered; the least recently seen are
// forgotten first (and start again with a full bucket).
const tracked = 10_000

// Limiter holds every client's bucket.
type Limiter struct {
	perSecond rate.Limit
	burst     int

	mu      sync.Mutex
	clients *simplelru.LRU[string, *rate.Limiter]
}

// New returns a limiter that lets each client read perSecond customers a
// second on average and burst at once.
func New(perSecond, burst int) *Limiter {
	lru, _ := simplelru.NewLRU[string, *rate.Limiter](tracked, nil)
	return &Limiter{perSecond: rate.Limit(perSecond), burst: burst, clients: lru}
}

// Limits are the customers a second and at once each client may read.
func (l *Limiter) Limits() (perSecond, burst int) { return int(l.perSecond), l.burst }

// Take takes n customers from client's bucket at now and returns 0, or,
// when the bucket holds fewer, takes none and returns how long until it
// holds enough. A request for more than the burst needs a full bucket.
func (l *Limiter) Take(client string, n int, now time.Time) time.Duration {
	n = min(n, l.burst)
	if n <= 0 {
		return 0
	}
	l.mu.Lock()
	b, ok := l.clients.Get(client)
	if !ok {
		b = rate.NewLimiter(l.perSecond, l.burst)
		l.clients.Add(client, b)
	}
	l.mu.Unlock()
	r := b.ReserveN(now, n)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}
