// Package backfill walks every customer record of every channel system that
// can list its customers and resolves each one into the identity map, so
// that customer lists and statistics see every customer, not only those
// someone has looked up.
//
// A walk is resumable: after each page is resolved, the system's next cursor
// and running counts are stored in MongoDB (collection backfill_state, one
// document per system, read and written by _id only); an interrupted run
// stores the part of the page it finished too. A new run continues
// every system from its stored cursor; Restart begins again from the first
// page. Records that failed to resolve are kept in the state and tried again
// (fetched by id) at the start of the next run.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
	"github.com/omnigate/omnigate/mongodb"
)

// StateColl is the collection holding each system's walk.
const StateColl = "backfill_state"

const (
	defaultConcurrency = 4
	defaultPageSize    = 100
	defaultTimeout     = 60 * time.Second
	// maxPending bounds the failed records a system's state keeps for the
	// next run to try again; beyond it only --restart finds them again.
	maxPending = 1000
	// maxFailures bounds the failures a Summary lists (all are counted).
	maxFailures = 1000
)

// Options configure Run.
type Options struct {
	// Resolver resolves the records; its finders must cover every system
	// walked.
	Resolver *identity.Resolver
	// DB holds the walk's state.
	DB *mongodb.DB
	// Listers are the systems that can list their customers.
	Listers []omnigate.CustomerLister
	// Systems narrows the walk to these systems; empty walks every lister.
	// A system named here without a lister is an error.
	Systems []omnigate.System
	// Restart walks every selected system again from its first page,
	// forgetting stored cursors.
	Restart bool
	// Concurrency is how many records are resolved at once, across all
	// systems; 0 means 4.
	Concurrency int
	// PageSize is how many records are asked for per page; 0 means 100.
	PageSize int
	// RecordTimeout bounds one record's resolution; 0 means 60s.
	RecordTimeout time.Duration
	// Reporter follows the walk (a progress display); nil reports nothing.
	Reporter Reporter
	// Log receives warnings about failed records and systems; nil discards.
	Log *slog.Logger
}

// Reporter follows a walk. Its methods are called from several goroutines
// at once (one per system, and one per record being resolved).
type Reporter interface {
	// Begin is called when a system's walk starts in this run.
	Begin(system omnigate.System, b Begin)
	// Record is called once per record finished (resolved or failed).
	Record(system omnigate.System, r Result)
	// Page is called after a page is resolved and its cursor stored.
	Page(system omnigate.System, s SystemSummary)
	// End is called once per selected system, with what this run did.
	End(system omnigate.System, s SystemSummary)
}

// Begin tells how a system's walk starts.
type Begin struct {
	// Resumed is true when the walk continues one an earlier run began.
	Resumed bool
	// Before counts the records earlier runs of this walk saw.
	Before int64
	// Expected is the number of records the last finished walk saw, 0 when
	// unknown: the systems do not say how many records they hold.
	Expected int64
}

// Result is one record's outcome.
type Result struct {
	ID            string
	AlreadyLinked bool
	Err           error
}

// Counts are one system's records by outcome.
type Counts struct {
	Seen          int64 `bson:"seen"`
	AlreadyLinked int64 `bson:"already_linked"`
	NewlyLinked   int64 `bson:"newly_linked"`
	// Skipped records belonged to an erased customer and stay unlinked.
	Skipped int64 `bson:"skipped"`
	Failed  int64 `bson:"failed"`
	Pages   int64 `bson:"pages"`
}

func (c *Counts) add(r Result, skipped bool) {
	c.Seen++
	switch {
	case r.Err != nil:
		c.Failed++
	case skipped:
		c.Skipped++
	case r.AlreadyLinked:
		c.AlreadyLinked++
	default:
		c.NewlyLinked++
	}
}

// SystemSummary is what a run did for one system.
type SystemSummary struct {
	System omnigate.System
	// Counts are this run's records.
	Counts
	// Retried are records an earlier run failed to resolve that this run
	// resolved (fetched by id); StillFailing those that failed again.
	Retried, StillFailing int64
	// Walk counts the records of the whole walk, this run and the earlier
	// ones it continues.
	Walk Counts
	// Resumed: this run continued a walk an earlier run began.
	Resumed bool
	// AlreadyDone: the walk had finished before this run; nothing to do.
	AlreadyDone bool
	// Done: the walk reached the last page (in this run or before).
	Done bool
	// Interrupted: the run was stopped before the last page.
	Interrupted bool
	// ListError is why listing failed, empty when it did not; the walk
	// stays at the last page resolved.
	ListError string
	// Cursor is where the walk stands: the next page to read.
	Cursor string
}

// Failure is a record that could not be resolved, or a system whose list
// could not be read (ID empty).
type Failure struct {
	System omnigate.System
	ID     string
	Err    string
}

// Summary is what a run did.
type Summary struct {
	Systems []SystemSummary
	// Customers counts the distinct golden customers the records of this
	// run resolved to (after the run's merges).
	Customers int
	// Links, Merges and Conflicts are what this run wrote to the identity
	// map; a record's resolution may link records of other systems too.
	Links, Merges, Conflicts int64
	// Failures lists failed records and systems, the first 1,000.
	Failures []Failure
	Duration time.Duration
	// Interrupted: the context ended before every system was walked.
	Interrupted bool
}

// Total adds up the systems' counts of this run.
func (s Summary) Total() (c Counts, retried, stillFailing int64) {
	for _, sys := range s.Systems {
		c.Seen += sys.Seen
		c.AlreadyLinked += sys.AlreadyLinked
		c.NewlyLinked += sys.NewlyLinked
		c.Skipped += sys.Skipped
		c.Failed += sys.Failed
		c.Pages += sys.Pages
		retried += sys.Retried
		stillFailing += sys.StillFailing
	}
	return c, retried, stillFailing
}

// Failed reports whether a record or a system failed.
func (s Summary) Failed() bool {
	for _, sys := range s.Systems {
		if sys.Failed > 0 || sys.StillFailing > 0 || sys.ListError != "" {
			return true
		}
	}
	return false
}

// NothingToDo reports whether every selected system had been walked to the
// end before this run, with no failed record left to try again.
func (s Summary) NothingToDo() bool {
	for _, sys := range s.Systems {
		if !sys.AlreadyDone || sys.Retried > 0 || sys.StillFailing > 0 {
			return false
		}
	}
	return len(s.Systems) > 0
}

// stateDoc is one system's walk, _id the system's name.
type stateDoc struct {
	System string `bson:"_id"`
	Cursor string `bson:"cursor"`
	Done   bool   `bson:"done"`
	Counts `bson:",inline"`
	// PageDone are the records of the page at Cursor that an interrupted
	// run resolved already.
	PageDone []string `bson:"page_done,omitempty"`
	// Pending are records that failed to resolve, tried again next run.
	Pending []pendingDoc `bson:"pending,omitempty"`
	// LastTotal is how many records the last finished walk saw.
	LastTotal  int64     `bson:"last_total"`
	StartedAt  time.Time `bson:"started_at"`
	UpdatedAt  time.Time `bson:"updated_at"`
	FinishedAt time.Time `bson:"finished_at,omitempty"`
}

type pendingDoc struct {
	ID  string `bson:"id"`
	Err string `bson:"err"`
}

// Run walks the selected systems at once, each page after page, resolving
// each page's records a few at a time. A record that fails is counted and
// listed; a system whose list fails stops alone. When ctx ends, no record
// is started any more; the records being resolved are finished, each
// system's position (the page's cursor and the records of the page already
// done) is stored, and Run returns with Summary.Interrupted set: a new run
// continues from there. Run's error is
// for what stops every system (bad options, MongoDB unreachable at start).
func Run(ctx context.Context, o Options) (Summary, error) {
	start := time.Now()
	if o.Resolver == nil || o.DB == nil {
		return Summary{}, errors.New("backfill: a resolver and a database are required")
	}
	if o.Concurrency < 0 || o.PageSize < 0 || o.RecordTimeout < 0 {
		return Summary{}, fmt.Errorf("backfill: concurrency (%d), page size (%d) and record timeout (%s) cannot be negative", o.Concurrency, o.PageSize, o.RecordTimeout)
	}
	if o.Concurrency == 0 {
		o.Concurrency = defaultConcurrency
	}
	if o.PageSize == 0 {
		o.PageSize = defaultPageSize
	}
	if o.RecordTimeout == 0 {
		o.RecordTimeout = defaultTimeout
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Reporter == nil {
		o.Reporter = nopReporter{}
	}
	listers, err := Select(o.Listers, o.Systems)
	if err != nil {
		return Summary{}, err
	}
	r := &run{
		opts:    o,
		coll:    o.DB.Database().Collection(StateColl),
		sem:     make(chan struct{}, o.Concurrency),
		goldens: map[string]bool{},
	}
	// Read every state first: a database that cannot be read stops the run
	// before any system starts.
	states := make([]*stateDoc, len(listers))
	for i, l := range listers {
		if states[i], err = r.load(ctx, l.System()); err != nil {
			return Summary{}, err
		}
	}
	before := o.Resolver.Counts()

	sums := make([]SystemSummary, len(listers))
	var wg sync.WaitGroup
	for i, l := range listers {
		wg.Go(func() { sums[i] = r.walk(ctx, l, states[i]) })
	}
	wg.Wait()

	after := o.Resolver.Counts()
	s := Summary{
		Systems:   sums,
		Links:     after.Links - before.Links,
		Merges:    after.Merges - before.Merges,
		Conflicts: after.Conflicts - before.Conflicts,
		Failures:  r.failures,
	}
	for _, sys := range sums {
		if sys.Interrupted {
			s.Interrupted = true
		}
	}
	// Goldens merged during the run count once: read back where each went.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if s.Customers, err = r.customers(cctx); err != nil {
		o.Log.Warn("backfill: customers not counted", "err", err)
	}
	s.Duration = time.Since(start)
	return s, nil
}

// Select returns the listers of systems, in the order of omnigate.Systems;
// all of them when systems is empty. A system named twice, unknown or
// without a lister is an error.
func Select(listers []omnigate.CustomerLister, systems []omnigate.System) ([]omnigate.CustomerLister, error) {
	by := map[omnigate.System]omnigate.CustomerLister{}
	for _, l := range listers {
		if l == nil {
			return nil, errors.New("backfill: nil lister")
		}
		if _, dup := by[l.System()]; dup {
			return nil, fmt.Errorf("backfill: two listers for %s", l.System())
		}
		by[l.System()] = l
	}
	want := map[omnigate.System]bool{}
	for _, s := range systems {
		if !slices.Contains(omnigate.Systems, s) {
			return nil, fmt.Errorf("backfill: unknown system %q (known: %s)", s, joinSystems(omnigate.Systems))
		}
		if by[s] == nil {
			return nil, fmt.Errorf("backfill: %s is not enabled or cannot list its customers", s)
		}
		if want[s] {
			return nil, fmt.Errorf("backfill: %s is named twice", s)
		}
		want[s] = true
	}
	var out []omnigate.CustomerLister
	for _, s := range omnigate.Systems {
		if l := by[s]; l != nil && (len(want) == 0 || want[s]) {
			out = append(out, l)
		}
	}
	for s := range by {
		if !slices.Contains(omnigate.Systems, s) {
			return nil, fmt.Errorf("backfill: lister of unknown system %q", s)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("backfill: no system can list its customers")
	}
	return out, nil
}

// ParseSystems reads a comma-separated list of system names.
func ParseSystems(s string) ([]omnigate.System, error) {
	var out []omnigate.System
	for name := range strings.SplitSeq(s, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if !slices.Contains(omnigate.Systems, omnigate.System(name)) {
			return nil, fmt.Errorf("unknown system %q (known: %s)", name, joinSystems(omnigate.Systems))
		}
		out = append(out, omnigate.System(name))
	}
	return out, nil
}

func joinSystems(ss []omnigate.System) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

type run struct {
	opts Options
	coll *mongo.Collection
	sem  chan struct{}

	mu       sync.Mutex
	goldens  map[string]bool
	failures []Failure
}

func (r *run) fail(f Failure) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.failures) < maxFailures {
		r.failures = append(r.failures, f)
	}
}

func (r *run) touched(golden string) {
	if golden == "" {
		return
	}
	r.mu.Lock()
	r.goldens[golden] = true
	r.mu.Unlock()
}

// load reads a system's state by _id; a system never walked gets a fresh
// one. With Restart the walk begins again, keeping only how many records
// the last finished walk saw.
func (r *run) load(ctx context.Context, system omnigate.System) (*stateDoc, error) {
	var st stateDoc
	err := r.coll.FindOne(ctx, bson.M{"_id": string(system)}).Decode(&st)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		st = stateDoc{System: string(system)}
	case err != nil:
		return nil, fmt.Errorf("backfill: reading %s's state from %s: %w", system, StateColl, err)
	}
	if r.opts.Restart {
		last := st.LastTotal
		if st.Done {
			last = st.Seen
		}
		st = stateDoc{System: string(system), LastTotal: last}
	}
	return &st, nil
}

// save stores a system's state, by _id. It runs on after ctx ends, so that
// an interrupted run keeps the pages it finished.
func (r *run) save(ctx context.Context, st *stateDoc) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	st.UpdatedAt = time.Now().UTC()
	if st.StartedAt.IsZero() {
		st.StartedAt = st.UpdatedAt
	}
	_, err := r.coll.ReplaceOne(ctx, bson.M{"_id": st.System}, st, options.Replace().SetUpsert(true))
	if err != nil {
		return fmt.Errorf("storing the walk's state in %s: %w", StateColl, err)
	}
	return nil
}

// walk runs one system's part of the run.
func (r *run) walk(ctx context.Context, l omnigate.CustomerLister, st *stateDoc) SystemSummary {
	sys := l.System()
	s := SystemSummary{System: sys, Resumed: !r.opts.Restart && (st.Cursor != "" || st.Seen > 0) && !st.Done}
	end := func() SystemSummary {
		s.Walk, s.Done, s.Cursor = st.Counts, st.Done, st.Cursor
		r.opts.Reporter.End(sys, s)
		return s
	}
	listFailed := func(err error) SystemSummary {
		s.ListError = err.Error()
		r.fail(Failure{System: sys, Err: s.ListError})
		r.opts.Log.Warn("backfill: system stopped", "system", sys, "err", err)
		return end()
	}

	if len(st.Pending) > 0 {
		complete := r.retry(ctx, sys, st, &s)
		if err := r.save(ctx, st); err != nil {
			return listFailed(err)
		}
		if !complete {
			// Interrupted: the records not tried stay pending.
			s.Interrupted = true
			return end()
		}
	}
	if st.Done {
		s.AlreadyDone = true
		return end()
	}
	r.opts.Reporter.Begin(sys, Begin{Resumed: s.Resumed, Before: st.Seen, Expected: st.LastTotal})
	for {
		if ctx.Err() != nil {
			s.Interrupted = true
			return end()
		}
		recs, next, err := l.ListCustomers(ctx, st.Cursor, r.opts.PageSize)
		if err != nil {
			if ctx.Err() != nil {
				s.Interrupted = true
				return end()
			}
			if st.Cursor == "" {
				return listFailed(fmt.Errorf("listing the first page: %w", err))
			}
			return listFailed(fmt.Errorf("listing the page after cursor %q: %w", st.Cursor, err))
		}
		if next != "" && next == st.Cursor {
			return listFailed(fmt.Errorf("the customer list returned the cursor %q it was given", next))
		}
		// Records an interrupted run resolved on this page are not
		// resolved, nor counted, again.
		listed := recs
		if len(st.PageDone) > 0 {
			recs = slices.DeleteFunc(slices.Clone(recs), func(rec omnigate.CustomerRecord) bool { return slices.Contains(st.PageDone, rec.ID) })
		}
		if !r.page(ctx, sys, recs, st, &s) {
			// Interrupted within the page: the walk stays at its cursor,
			// with the records done so far.
			if err := r.save(ctx, st); err != nil {
				return listFailed(err)
			}
			s.Interrupted = true
			return end()
		}
		// Records done that this page did not list (a smaller page size
		// than the interrupted run's, records added since) come on a later
		// page: they stay done until the walk ends.
		st.PageDone = slices.DeleteFunc(st.PageDone, func(id string) bool {
			return slices.ContainsFunc(listed, func(rec omnigate.CustomerRecord) bool { return rec.ID == id })
		})
		st.Cursor = next
		st.Pages++
		s.Pages++
		if next == "" {
			st.PageDone = nil
			st.Done = true
			st.LastTotal = st.Seen
			st.FinishedAt = time.Now().UTC()
		}
		if err := r.save(ctx, st); err != nil {
			return listFailed(err)
		}
		s.Walk, s.Cursor = st.Counts, st.Cursor
		r.opts.Reporter.Page(sys, s)
		if st.Done {
			return end()
		}
	}
}

// page resolves a page's records, a few at once, and waits for all of them.
// When ctx ends it starts no more of them, waits for those being resolved,
// and returns false; their ids are added to st.PageDone.
func (r *run) page(ctx context.Context, sys omnigate.System, recs []omnigate.CustomerRecord, st *stateDoc, s *SystemSummary) bool {
	var mu sync.Mutex
	var wg sync.WaitGroup
	complete := true
	var done []string
	for _, rec := range recs {
		if rec.System == "" {
			rec.System = sys
		}
		if ctx.Err() != nil {
			complete = false
			break
		}
		select {
		case r.sem <- struct{}{}:
		case <-ctx.Done():
			complete = false
		}
		if !complete {
			break
		}
		wg.Go(func() {
			defer func() { <-r.sem }()
			res, skipped := r.resolve(ctx, rec)
			mu.Lock()
			s.add(res, skipped)
			st.add(res, skipped)
			done = append(done, rec.ID)
			if res.Err != nil && len(st.Pending) < maxPending {
				st.Pending = append(st.Pending, pendingDoc{ID: rec.ID, Err: res.Err.Error()})
			}
			mu.Unlock()
			r.opts.Reporter.Record(sys, res)
		})
	}
	wg.Wait()
	if !complete {
		st.PageDone = append(st.PageDone, done...)
	}
	return complete
}

// resolve resolves one listed record. The record's resolution is not
// cancelled with ctx: an interrupted run finishes the records in flight.
func (r *run) resolve(ctx context.Context, rec omnigate.CustomerRecord) (res Result, skipped bool) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.RecordTimeout)
	defer cancel()
	golden, linked, err := r.opts.Resolver.ResolveListed(rctx, rec)
	res = Result{ID: rec.ID, AlreadyLinked: linked, Err: err}
	if err != nil {
		r.fail(Failure{System: rec.System, ID: rec.ID, Err: err.Error()})
		r.opts.Log.Warn("backfill: record not resolved", "system", rec.System, "id", rec.ID, "err", err)
		return res, false
	}
	r.touched(golden)
	// An erased customer's records resolve to nothing, on purpose.
	return res, golden == ""
}

// retry resolves, by id, the records earlier runs failed on. When ctx ends
// it starts no more of them, waits for those being resolved, keeps the
// others pending and returns false. A record its system no longer has (or
// that belonged to an erased customer) is dropped and counted as skipped.
func (r *run) retry(ctx context.Context, sys omnigate.System, st *stateDoc, s *SystemSummary) bool {
	pending := st.Pending
	var mu sync.Mutex
	var wg sync.WaitGroup
	var still []pendingDoc
	complete := true
	for i, p := range pending {
		acquired := false
		if ctx.Err() == nil {
			select {
			case r.sem <- struct{}{}:
				acquired = true
			case <-ctx.Done():
			}
		}
		if !acquired {
			mu.Lock()
			still = append(still, pending[i:]...)
			mu.Unlock()
			complete = false
			break
		}
		wg.Go(func() {
			defer func() { <-r.sem }()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.opts.RecordTimeout)
			defer cancel()
			golden, err := r.opts.Resolver.ResolveRecord(rctx, sys, p.ID)
			mu.Lock()
			defer mu.Unlock()
			if gone(err) {
				// Deleted from its system, or erased, since it failed:
				// nothing is left to resolve.
				s.Retried++
				st.Failed--
				st.Skipped++
				return
			}
			if err != nil {
				still = append(still, pendingDoc{ID: p.ID, Err: err.Error()})
				s.StillFailing++
				r.fail(Failure{System: sys, ID: p.ID, Err: err.Error()})
				return
			}
			r.touched(golden)
			s.Retried++
			st.Failed--
			st.NewlyLinked++
		})
	}
	wg.Wait()
	st.Pending = still
	return complete
}

// gone reports whether ResolveRecord found no such record (its system no
// longer has it, or it belonged to an erased customer). A system's own 404
// (Source set: a wrong address, say) is a failure like any other.
func gone(err error) bool {
	var e *omnigate.Error
	return errors.As(err, &e) && e.Code == omnigate.ENOTFOUND && e.Source == ""
}

// customers counts the distinct golden customers the run touched, after
// the merges it made.
func (r *run) customers(ctx context.Context) (int, error) {
	ids := make([]string, 0, len(r.goldens))
	for id := range r.goldens {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	distinct := map[string]bool{}
	for chunk := range slices.Chunk(ids, 500) {
		cs, err := r.opts.Resolver.Customers(ctx, chunk)
		if err != nil {
			return len(ids), err
		}
		for i, c := range cs {
			if c != nil {
				distinct[c.ID] = true
			} else {
				distinct[chunk[i]] = true
			}
		}
	}
	return len(distinct), nil
}

type nopReporter struct{}

func (nopReporter) Begin(omnigate.System, Begin)        {}
func (nopReporter) Record(omnigate.System, Result)      {}
func (nopReporter) Page(omnigate.System, SystemSummary) {}
func (nopReporter) End(omnigate.System, SystemSummary)  {}
