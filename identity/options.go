package identity

import (
	"fmt"
	"time"
)

// Defaults of the Resolver's cache. The bound on how stale another
// replica's change can look is 2 × DefaultPollInterval (see doc/scaling.md).
const (
	// DefaultCacheSize is how many answers the cache holds: identifier and
	// record answers (a few dozen bytes each) and customers (about a
	// kilobyte each with their links).
	DefaultCacheSize = 20000
	// DefaultCacheTTL is how long an answer stays at most, a backstop for
	// a writer that died between its write and its change log entry.
	DefaultCacheTTL = 5 * time.Minute
	// DefaultPollInterval is how often the change log is read.
	DefaultPollInterval = 500 * time.Millisecond
)

// Option changes how a Resolver caches.
type Option func(*settings)

type settings struct {
	cacheSize    int
	cacheTTL     time.Duration
	pollInterval time.Duration
}

// WithCacheSize sets how many answers the cache holds; 0 disables the cache
// (every ask reads MongoDB) and the change log polling with it.
func WithCacheSize(n int) Option { return func(o *settings) { o.cacheSize = n } }

// WithCacheTTL sets how long a cached answer may be used at most.
func WithCacheTTL(d time.Duration) Option { return func(o *settings) { o.cacheTTL = d } }

// WithPollInterval sets how often the change log that other replicas write
// is read. A change made through another Resolver shows here within twice
// this interval.
func WithPollInterval(d time.Duration) Option { return func(o *settings) { o.pollInterval = d } }

func buildOptions(opts []Option) (settings, error) {
	o := settings{cacheSize: DefaultCacheSize, cacheTTL: DefaultCacheTTL, pollInterval: DefaultPollInterval}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.cacheSize < 0 {
		return o, fmt.Errorf("identity: cache size %d is negative (0 disables the cache)", o.cacheSize)
	}
	if o.cacheTTL <= 0 {
		return o, fmt.Errorf("identity: cache TTL %s must be positive", o.cacheTTL)
	}
	if o.pollInterval <= 0 {
		return o, fmt.Errorf("identity: poll interval %s must be positive", o.pollInterval)
	}
	return o, nil
}

// staleAfter is how long after its last successful poll the cache stops
// answering: a poll that is late or failing must not let it serve answers
// older than the bound.
func staleAfter(poll time.Duration) time.Duration { return 2 * poll }
