// Package loaders batches the gateway's reads. A fresh set of dataloaders is
// made for every request by Middleware and kept in the request's context, so
// that nothing one request loaded is ever seen by another. Every resolver of a
// list of customers asks its loader for one key; the loader waits at most
// Wait for its siblings and then makes one call per source with all their
// keys.
//
// Layers, top to bottom: resolver → loader (here) → source (sources/X, one
// per channel system) → the system's HTTP API.
package loaders

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"golang.org/x/sync/semaphore"

	"github.com/omnigate/omnigate"
	"github.com/omnigate/omnigate/identity"
)

// DefaultWait is how long a loader waits for more keys before calling its
// source. It must be short: it is added to every request's latency. gqlgen
// starts the resolvers of sibling list items at once, so keys arrive within
// microseconds of each other.
const DefaultWait = 500 * time.Microsecond

// IdentityStore reads golden customers in bulk.
type IdentityStore interface {
	// Customers returns one entry per id, in order, nil for unknown ids.
	Customers(ctx context.Context, ids []string) ([]*identity.Customer, error)
}

// Sources are the gateway's connectors. A system may be missing from any map
// when it is not configured; its fields then stay empty.
type Sources struct {
	Identity IdentityStore
	Finders  map[omnigate.System]omnigate.CustomerFinder
	Orders   map[omnigate.System]omnigate.OrderSource
	Carts    map[omnigate.System]omnigate.CartSource
	Email    omnigate.EmailSource
	Tickets  omnigate.TicketSource
	// Wait is the batch window; DefaultWait when zero.
	Wait time.Duration
	// MaxInFlight bounds the customers that requests may be reading at
	// once, over all requests; 0 means no bound. See Admit.
	MaxInFlight int
}

// Loaders are one request's loaders.
type Loaders struct {
	Customer *Loader[*identity.Customer]
	Records  map[omnigate.System]*Loader[*omnigate.CustomerRecord]
	// ConsentRecords are the Records of the systems whose records can
	// carry marketing consent (omnigate.ConsentHolder).
	ConsentRecords map[omnigate.System]*Loader[*omnigate.CustomerRecord]
	Orders         map[omnigate.System]*Loader[[]omnigate.Order]
	Carts          map[omnigate.System]*Loader[[]omnigate.Cart]
	Profiles       *Loader[*omnigate.EmailProfile]
	// Consents are the email profiles without their list memberships, for
	// selections that do not read lists: Klaviyo answers memberships with
	// one call per list. It is Profiles when the source cannot leave them
	// out.
	Consents *Loader[*omnigate.EmailProfile]
	Events   *Loader[[]omnigate.EmailEvent]
	Tickets  *Loader[[]omnigate.Ticket]

	memoMu sync.Mutex
	memo   map[any]*memoEntry

	// sales are the systems whose source reads orders and carts in one
	// call (Square: sales and parked sales are orders in two states).
	sales map[omnigate.System]ordersAndCarts

	room     *semaphore.Weighted // shared by every request; nil: no bound
	roomMax  int64
	admitMu  sync.Mutex
	admitted int64 // room this request holds, given back when it ends
}

type memoEntry struct {
	once sync.Once
	v    any
}

// Memo returns f's value for key, computing it once per request: several
// fields derive from the same loaded data (name, emails and phones from the
// merged profile; timeline and stats from the journey), and the derivation
// need not be repeated for each. key must be comparable; f must not call
// Memo with the same key.
func Memo[V any](ctx context.Context, key any, f func() V) V {
	l := For(ctx)
	l.memoMu.Lock()
	if l.memo == nil {
		l.memo = map[any]*memoEntry{}
	}
	e := l.memo[key]
	if e == nil {
		e = &memoEntry{}
		l.memo[key] = e
	}
	l.memoMu.Unlock()
	e.once.Do(func() { e.v = f() })
	return e.v.(V)
}

// Loader is a dataloader that can also be filled in bulk. Load batches the
// keys that arrive within the batch window; Fill fetches a known set of keys
// in one call, whatever the timing, and leaves the results (or the error) in
// the cache, where later Loads find them.
type Loader[V any] struct {
	*dataloader.Loader[string, V]
	fetch func(ctx context.Context, keys []string) ([]V, error)
	cache *dataloader.InMemoryCache[string, V]
}

// Fill fetches the keys not yet loaded or loading, in one call to the
// source, and caches one result per key. It returns the source's error, which
// is cached for each key too. The keys are in the cache, pending, from the
// start: a Load of one of them while the call is under way waits for its
// answer instead of making a call of its own.
func (l *Loader[V]) Fill(ctx context.Context, keys []string) error {
	return l.Reserve(ctx, keys)()
}

// Reserve is Fill in two steps: it puts the keys not yet loaded or loading
// in the cache, pending, before it returns, and returns the call that
// fetches them. The caller must make the call (on another goroutine, say):
// until then, loads of those keys wait.
func (l *Loader[V]) Reserve(ctx context.Context, keys []string) func() error {
	return l.reserveWith(ctx, keys, l.fetch)
}

// reserveWith is Reserve with the call fetch instead of the loader's own.
func (l *Loader[V]) reserveWith(ctx context.Context, keys []string, fetch func(ctx context.Context, keys []string) ([]V, error)) func() error {
	seen := make(map[string]bool, len(keys))
	missing := make([]string, 0, len(keys))
	var (
		done = make(chan struct{})
		vals []V
		err  error
	)
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := l.cache.Get(ctx, k); !ok {
			i := len(missing)
			missing = append(missing, k)
			l.cache.Set(ctx, k, func() (V, error) {
				<-done
				if err != nil { // a panic or a count of results other than the keys' is one too
					var zero V
					return zero, err
				}
				return vals[i], nil
			})
		}
	}
	return func() error {
		if len(missing) == 0 {
			return nil
		}
		defer close(done)
		// prefetch makes the call on a goroutine of its own, where a panic
		// would end the process: the keys fail instead.
		vals, err = omnigate.RecoveringValue(func() ([]V, error) { return fetch(ctx, missing) })
		if err == nil && len(vals) != len(missing) {
			err = omnigate.Errorf(omnigate.EINTERNAL, "loader: %d results for %d keys", len(vals), len(missing))
		}
		return err
	}
}

// New makes a fresh set of loaders over the sources.
func New(s *Sources) *Loaders {
	wait := s.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	l := &Loaders{
		Records:        map[omnigate.System]*Loader[*omnigate.CustomerRecord]{},
		ConsentRecords: map[omnigate.System]*Loader[*omnigate.CustomerRecord]{},
		Orders:         map[omnigate.System]*Loader[[]omnigate.Order]{},
		Carts:          map[omnigate.System]*Loader[[]omnigate.Cart]{},
	}
	l.Customer = newLoader(wait, func(ctx context.Context, ids []string) ([]*identity.Customer, error) {
		return s.Identity.Customers(ctx, ids)
	})
	// When one source is both Klaviyo's finder and the email source and
	// can read records and consents at once, the request's Klaviyo records
	// and consents share their calls.
	var shared *profilePool
	if pr, ok := s.Email.(profilesAndRecords); ok && s.Finders[omnigate.Klaviyo] != nil && any(s.Finders[omnigate.Klaviyo]) == any(s.Email) {
		shared = &profilePool{src: pr, calls: map[string]*profileCall{}}
	}
	for sys, f := range s.Finders {
		get := f.GetCustomers
		if sys == omnigate.Klaviyo && shared != nil {
			get = func(ctx context.Context, ids []string) (map[string]omnigate.CustomerRecord, error) {
				_, recs, err := shared.get(ctx, ids)
				return recs, err
			}
		}
		l.Records[sys] = newLoader(wait, byKey(get, pointerTo[omnigate.CustomerRecord]))
		if h, ok := f.(omnigate.ConsentHolder); ok && h.HoldsConsent() {
			l.ConsentRecords[sys] = l.Records[sys]
		}
	}
	for sys, src := range s.Orders {
		l.Orders[sys] = newLoader(wait, byKey(src.OrdersByCustomer, same[[]omnigate.Order]))
	}
	for sys, src := range s.Carts {
		l.Carts[sys] = newLoader(wait, byKey(src.CartsByCustomer, same[[]omnigate.Cart]))
		if oc, ok := src.(ordersAndCarts); ok && any(s.Orders[sys]) == any(src) {
			if l.sales == nil {
				l.sales = map[omnigate.System]ordersAndCarts{}
			}
			l.sales[sys] = oc
		}
	}
	if s.Email != nil {
		l.Profiles = newLoader(wait, byKey(s.Email.Profiles, pointerTo[omnigate.EmailProfile]))
		l.Consents = l.Profiles
		switch wl, ok := s.Email.(withoutLists); {
		case shared != nil:
			l.Consents = newLoader(wait, byKey(func(ctx context.Context, ids []string) (map[string]omnigate.EmailProfile, error) {
				eps, _, err := shared.get(ctx, ids)
				return eps, err
			}, pointerTo[omnigate.EmailProfile]))
		case ok:
			l.Consents = newLoader(wait, byKey(wl.ProfilesWithoutLists, pointerTo[omnigate.EmailProfile]))
		}
		l.Events = newLoader(wait, byKey(s.Email.EventsByProfile, same[[]omnigate.EmailEvent]))
	}
	if s.Tickets != nil {
		l.Tickets = newLoader(wait, byKey(s.Tickets.TicketsByRequester, same[[]omnigate.Ticket]))
	}
	return l
}

// ordersAndCarts is a source that reads customers' orders and carts in one
// call (the Square connector).
type ordersAndCarts interface {
	OrdersAndCarts(ctx context.Context, ids []string) (map[string][]omnigate.Order, map[string][]omnigate.Cart, error)
}

// ReserveOrdersAndCarts is Reserve for the keys of one system in both its
// Orders and its Carts loader, with one call for both, when the system's
// source reads them at once (Square); ok is false when it cannot, and the
// caller reserves them apart. The call's error is cached for each key of
// both.
func (l *Loaders) ReserveOrdersAndCarts(ctx context.Context, sys omnigate.System, keys []string) (call func() error, ok bool) {
	src := l.sales[sys]
	if src == nil || l.Orders[sys] == nil || l.Carts[sys] == nil {
		return nil, false
	}
	var (
		once   sync.Once
		orders map[string][]omnigate.Order
		carts  map[string][]omnigate.Cart
		err    error
	)
	both := func(ctx context.Context) {
		once.Do(func() {
			// A panic fails the carts' keys too, rather than leave them
			// read as empty once the orders' call has recovered from it.
			err = omnigate.Recovering(func() (ferr error) {
				orders, carts, ferr = src.OrdersAndCarts(ctx, keys)
				return ferr
			})
		})
	}
	co := l.Orders[sys].reserveWith(ctx, keys, byKey(func(ctx context.Context, _ []string) (map[string][]omnigate.Order, error) {
		both(ctx)
		return orders, err
	}, same[[]omnigate.Order]))
	cc := l.Carts[sys].reserveWith(ctx, keys, byKey(func(ctx context.Context, _ []string) (map[string][]omnigate.Cart, error) {
		both(ctx)
		return carts, err
	}, same[[]omnigate.Cart]))
	return func() error {
		// The first makes the call; the second finds its answer.
		if err := co(); err != nil {
			_ = cc()
			return err
		}
		return cc()
	}, true
}

// withoutLists is an email source that can read profiles without their
// list memberships (the Klaviyo connector).
type withoutLists interface {
	ProfilesWithoutLists(ctx context.Context, ids []string) (map[string]omnigate.EmailProfile, error)
}

// profilesAndRecords is an email source that reads profiles once as both
// email profiles (without list memberships) and customer records (the
// Klaviyo connector).
type profilesAndRecords interface {
	ProfilesAndRecords(ctx context.Context, ids []string) (map[string]omnigate.EmailProfile, map[string]omnigate.CustomerRecord, error)
}

// profilePool shares one request's calls for profiles between its records
// and consents loaders: the two batch on their own, at nearly the same
// time, and whichever fetches a key first fetches it for both.
type profilePool struct {
	src   profilesAndRecords
	mu    sync.Mutex
	calls map[string]*profileCall
}

type profileCall struct {
	done     chan struct{}
	profiles map[string]omnigate.EmailProfile
	records  map[string]omnigate.CustomerRecord
	err      error
}

// get returns the profiles and records of ids, joining the calls already
// made or under way for some of them and making one call for the rest.
func (p *profilePool) get(ctx context.Context, ids []string) (map[string]omnigate.EmailProfile, map[string]omnigate.CustomerRecord, error) {
	var mine []string
	var calls []*profileCall
	p.mu.Lock()
	for _, id := range ids {
		if c := p.calls[id]; c != nil {
			if !slices.Contains(calls, c) {
				calls = append(calls, c)
			}
		} else {
			mine = append(mine, id)
		}
	}
	var own *profileCall
	if len(mine) > 0 {
		own = &profileCall{done: make(chan struct{})}
		for _, id := range mine {
			p.calls[id] = own
		}
		calls = append(calls, own)
	}
	p.mu.Unlock()
	if own != nil {
		own.profiles, own.records, own.err = p.src.ProfilesAndRecords(ctx, mine)
		close(own.done)
	}
	eps := make(map[string]omnigate.EmailProfile, len(ids))
	recs := make(map[string]omnigate.CustomerRecord, len(ids))
	for _, c := range calls {
		select {
		case <-c.done:
		case <-ctx.Done():
			return nil, nil, omnigate.SourceError(omnigate.Klaviyo, omnigate.ETIMEOUT, "no answer in time", ctx.Err())
		}
		if c.err != nil {
			return nil, nil, c.err
		}
		maps.Copy(eps, c.profiles)
		maps.Copy(recs, c.records)
	}
	return eps, recs, nil
}

type ctxKey struct{}

// Middleware puts a fresh set of loaders into every request's context, and
// gives back the room the request was admitted with (see Admit) when it
// ends.
func Middleware(s *Sources, next http.Handler) http.Handler {
	var room *semaphore.Weighted
	if s.MaxInFlight > 0 {
		room = semaphore.NewWeighted(int64(s.MaxInFlight))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := New(s)
		l.room, l.roomMax = room, int64(s.MaxInFlight)
		defer l.release()
		next.ServeHTTP(w, r.WithContext(WithLoaders(r.Context(), l)))
	})
}

// Admit waits until there is room for n more customers in flight in the
// gateway, and holds that room until the request ends. What a request reads
// about its customers (answers of every system, decoded, then the response)
// is most of the gateway's memory; bounding the customers in flight bounds
// it, and requests beyond the bound wait their turn instead (first come,
// first served). A request waits once: fields resolved after its first
// admission go ahead, so that two fields of one request never wait for
// each other (resolvers.Admission admits a request for all its root fields
// before any runs). n above the bound waits for the whole of it. Waiting
// ends with the request's deadline, as a GATEWAY_BUSY error; the time spent
// waiting is the request's queue time in Server-Timing.
func Admit(ctx context.Context, n int) error {
	l := For(ctx)
	if l.room == nil || n <= 0 {
		return nil
	}
	l.admitMu.Lock()
	defer l.admitMu.Unlock()
	if l.admitted > 0 {
		return nil
	}
	w := min(int64(n), l.roomMax)
	if !l.room.TryAcquire(w) {
		start := time.Now()
		err := l.room.Acquire(ctx, w)
		omnigate.RecordQueued(ctx, start)
		if err != nil {
			return omnigate.Errorf(omnigate.EBUSY, "the gateway had no room for %d more customers before the request's deadline; try again", n)
		}
	}
	l.admitted = w
	return nil
}

func (l *Loaders) release() {
	l.admitMu.Lock()
	defer l.admitMu.Unlock()
	if l.admitted > 0 {
		l.room.Release(l.admitted)
		l.admitted = 0
	}
}

// WithLoaders returns a context that carries l.
func WithLoaders(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the request's loaders. It panics when Middleware did not run:
// that is a wiring bug, not a runtime condition.
func For(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in context; is loaders.Middleware installed?")
	}
	return l
}

// newLoader makes a loader from a fetch that returns one value per key, in
// key order. The dataloader contract (one result per key, in order) is
// enforced here once, so that batch functions cannot get it wrong.
func newLoader[V any](wait time.Duration, fetch func(ctx context.Context, keys []string) ([]V, error)) *Loader[V] {
	cache := dataloader.NewCache[string, V]()
	dl := dataloader.NewBatchedLoader(func(ctx context.Context, keys []string) []*dataloader.Result[V] {
		out := make([]*dataloader.Result[V], len(keys))
		vals, err := fetch(ctx, keys)
		if err == nil && len(vals) != len(keys) {
			err = omnigate.Errorf(omnigate.EINTERNAL, "loader: %d results for %d keys", len(vals), len(keys))
		}
		for i := range keys {
			if err != nil {
				out[i] = &dataloader.Result[V]{Error: err}
			} else {
				out[i] = &dataloader.Result[V]{Data: vals[i]}
			}
		}
		return out
	}, dataloader.WithWait[string, V](wait), dataloader.WithCache[string, V](cache))
	return &Loader[V]{Loader: dl, fetch: fetch, cache: cache}
}

// byKey adapts a source that answers a map keyed by id into a fetch that
// answers in key order; conv turns a found value (ok) or a missing one (!ok)
// into the loader's value.
func byKey[M, V any](src func(ctx context.Context, ids []string) (map[string]M, error), conv func(M, bool) V) func(context.Context, []string) ([]V, error) {
	return func(ctx context.Context, keys []string) ([]V, error) {
		m, err := src(ctx, keys)
		if err != nil {
			return nil, err
		}
		out := make([]V, len(keys))
		for i, k := range keys {
			v, ok := m[k]
			out[i] = conv(v, ok)
		}
		return out, nil
	}
}

func pointerTo[T any](v T, ok bool) *T {
	if !ok {
		return nil
	}
	return &v
}

func same[T any](v T, _ bool) T { return v }
