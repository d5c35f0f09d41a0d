package identity

import (
	"context"
	"sync"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Test hooks.

// Reads returns how many read commands r has sent to MongoDB.
func Reads(r *Resolver) int64 { return r.store.reads.Load() }

// CacheLen returns how many answers r's cache holds.
func CacheLen(r *Resolver) int { return r.cache.len() }

// KnowsErased reports whether r holds the record system:id as erased.
func KnowsErased(r *Resolver, key string) bool { return r.isErased(erasedRecord(key)) }

// GapTimeout is how long a poll waits for a missing change log entry.
var GapTimeout = gapTimeout

// Collection names, for tests that play a writer from outside.
const (
	CountersColl = countersColl
	ChangesColl  = changesColl
)

// UseDatabase makes r read and write through db from now on, for tests
// that watch the commands sent on a connection of their own. It stops r's
// change log poller and starts a new one on db, with the cache settings of
// opts.
func UseDatabase(ctx context.Context, r *Resolver, db *mongo.Database, opts ...Option) error {
	r.Close()
	r.store = newStore(db)
	r.closed = sync.Once{}
	r.cache, r.norms, r.own, r.stop, r.done = nil, nil, nil, nil, nil
	o, err := buildOptions(opts)
	if err != nil {
		return err
	}
	return r.startCache(ctx, o)
}

// PollBatch is how far behind a poll may be before it drops the cache.
const PollBatch = pollBatch

// CrashAfter makes the n-th step from now of r's next changes fail as if
// the process died there; 0 turns that off.
func CrashAfter(r *Resolver, n int64) {
	if n == 0 {
		r.store.crashAt.Store(0)
		return
	}
	r.store.crashAt.Store(r.store.steps.Load() + n)
}

// ErrCrashed is the failure CrashAfter causes.
var ErrCrashed = errCrashed

// Pauses are points where a test holds r's resolutions and erasures to
// run another beside them; see pauses.
type Pauses struct {
	ResolutionChecked, ResolutionSaving, ResolutionWaits func()
	ErasureWaits, ErasureHolds                           func()
}

// SetPauses sets r's pause points; call it before starting what they
// hold.
func SetPauses(r *Resolver, p Pauses) {
	r.store.pause = &pauses{
		resolutionChecked: p.ResolutionChecked, resolutionSaving: p.ResolutionSaving,
		resolutionWaits: p.ResolutionWaits, erasureWaits: p.ErasureWaits, erasureHolds: p.ErasureHolds,
	}
}
