package identity

// Test hooks.

// Reads returns how many read commands r has sent to MongoDB.
func Reads(r *Resolver) int64 { return r.store.reads.Load() }

// CacheLen returns how many answers r's cache holds.
func CacheLen(r *Resolver) int { return r.cache.len() }

// GapTimeout is how long a poll waits for a missing change log entry.
var GapTimeout = gapTimeout

// Collection names, for tests that play a writer from outside.
const (
	CountersColl = countersColl
	ChangesColl  = changesColl
)
